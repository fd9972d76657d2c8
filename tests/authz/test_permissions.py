"""One permissions object (authz.permissions) answers what a person may do with a circle, cycle,
lesson plan or live session, for the page and for the API's ``permissions`` field alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plc import authz
from plc.extensions import db
from plc.models import Circle, Cycle, LessonPlan, User
from plc.models.live_sessions import LiveSession
from plc.services import lesson_plans, live_sessions
from tests.conftest import login, text_of
from tests.openapi_helpers import ok
from tests.plc_helpers import build_plc_work

PEOPLE = ["admin", "coordinator", "coach", "director", "teacher", "teacher2", "area_viewer"]


@pytest.fixture
def rows(in_db, world):
    work = build_plc_work(in_db, world)
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        circle = session.get(Circle, work["circle_id"])
        plan = lesson_plans.create(teacher, lesson_plans.PlanInput(title="แผนเศษส่วน", visibility="school"))
        live = live_sessions.schedule(teacher, circle, live_sessions.SessionInput(
            title="วงพฤหัส", starts_at=datetime.now(UTC) + timedelta(days=1)))
        session.flush()
        return {"circles": (Circle, work["circle_id"]), "cycles": (Cycle, work["cycle_id"]),
                "lesson-plans": (LessonPlan, plan.id), "live-sessions": (LiveSession, live.id)}


@pytest.mark.parametrize("kind", ["circles", "cycles", "lesson-plans", "live-sessions"])
def test_the_api_permissions_field_is_the_rule_books_answer(app, call, world, rows, kind):
    model, row_id = rows[kind]
    answers = set()
    for person in PEOPLE:
        with app.test_request_context("/"):
            user = db.session.get(User, world.users[person].id)
            row = db.session.get(model, row_id)
            if not _sees(user, row):
                continue
            expected = authz.permissions(user, row)
        body = ok(call(person, "GET", f"/api/v1/{kind}/{row_id}"))
        assert body["permissions"] == expected, (kind, person)
        answers.add(tuple(sorted(expected.items())))
    assert len(answers) >= 2, "people with different rights are compared"


def test_what_the_circle_permissions_say_for_the_people_of_the_world(app, world, rows):
    _model, circle_id = rows["circles"]
    with app.test_request_context("/"):
        said = {person: authz.permissions(db.session.get(User, world.users[person].id),
                                          db.session.get(Circle, circle_id))
                for person in ["teacher", "director", "coach", "admin"]}
    assert said == {"teacher": {"manage": True, "work": True},     # the facilitator
                    "director": {"manage": True, "work": True},    # manages the school's circles
                    "coach": {"manage": False, "work": False},     # sees the network's circles only
                    "admin": {"manage": True, "work": True}}


def _sees(user, row) -> bool:
    return {Circle: authz.can_view_circle, Cycle: authz.can_view_cycle, LessonPlan: authz.can_view_plan,
            LiveSession: authz.can_view_session}[type(row)](user, row)


def test_the_circle_page_offers_what_the_permissions_say(app, world, rows):
    _model, circle_id = rows["circles"]
    offered = set()
    for person in ["teacher", "coach", "director", "coordinator"]:
        with app.test_request_context("/"):
            allowed = authz.permissions(db.session.get(User, world.users[person].id), db.session.get(Circle, circle_id))
        client = app.test_client()
        login(client, f"{person}@example.org")
        page = text_of(client, f"/circles/{circle_id}")
        assert ('id="add-member"' in page) == allowed["manage"], person
        offered.add(allowed["manage"])
    assert offered == {True, False}


def test_every_rule_name_is_defined_by_one_module_of_the_rule_book():
    """``plc.authz`` re-exports every module's rules by name: two modules defining the same ``can_*``
    name would let one silently shadow the other in the views and the templates."""
    import inspect

    import plc.authz

    seen: dict[str, str] = {}
    for module_name in ("base", "people", "circles", "goals", "innovations", "lesson_plans", "reflections",
                        "coaching", "live_sessions", "dashboards", "surveys", "forums"):
        module = getattr(plc.authz, module_name)
        for name, rule in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("can_") and rule.__module__ == module.__name__:
                assert name not in seen, f"{name} is defined in {seen.get(name)} and {module.__name__}"
                seen[name] = module.__name__
    assert len(seen) > 50
