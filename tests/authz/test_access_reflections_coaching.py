"""One way in for reflections and coaching visits (authz.access_reflection, authz.access_visit and the
helpers for what they are written in or planned with): the page and the API endpoint of the same
operation refuse alike — the same status for a missing id, for another tenant's row (404) and for one
seen but not the caller's to change (403) — and audit the refusal under the same action name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from plc import authz
from plc.i18n import bangkok_today
from plc.models import Circle, Role, School, User
from tests.authz.surfaces import denials, fill
from tests.conftest import add_user, post_form
from tests.openapi_helpers import error
from tests.plc_helpers import build_plc_work

NO_SUCH_ID = 987654
TODAY = bangkok_today().isoformat()
HELD = {"held_on": TODAY, "observation_notes": "นักเรียนตอบคำถามมากขึ้น"}


@dataclass(frozen=True)
class Operation:
    """One operation on both surfaces. Paths and bodies are filled with the ids of the ``ids`` fixture;
    ``target`` names the id refused for another tenant (and replaced for a missing one), ``forbidden``
    who sees it but may not do this, and ``forbidden_target`` what that refusal is about."""

    action: str
    target: str
    page: tuple[str, str]
    api: tuple[str, str]
    page_body: dict | None = None
    api_body: dict | None = None
    allowed: str = "teacher"  # asks for the missing id
    forbidden: str | None = None
    forbidden_target: str | None = None


PLAN_PAGE = {"teacher": "{planned}:{school}", "planned_on": TODAY, "focus": "การอ่าน", "cycle_id": 0}
PLAN_API = {"teacher_id": "{planned}", "school_id": "{school}", "planned_on": TODAY, "focus": "การอ่าน"}

OPERATIONS = [
    Operation("reflection.view", "reflection", ("GET", "/reflections/{reflection}"),
              ("GET", "/api/v1/reflections/{reflection}")),
    Operation("reflection.edit", "reflection", ("POST", "/reflections/{reflection}/edit"),
              ("PATCH", "/api/v1/reflections/{reflection}"), {"title": "แก้"}, {"title": "แก้"}, forbidden="coach"),
    Operation("reflection.share", "reflection", ("POST", "/reflections/{reflection}/share"),
              ("POST", "/api/v1/reflections/{reflection}/share"), forbidden="coach"),
    Operation("reflection.feedback", "reflection", ("POST", "/reflections/{reflection}/feedback"),
              ("POST", "/api/v1/reflections/{reflection}/feedback"), {"body_md": "ดีมาก"}, {"body_md": "ดีมาก"}),
    Operation("reflection.create", "cycle", ("POST", "/reflections/new"), ("POST", "/api/v1/reflections"),
              {"title": "ใหม่", "cycle_id": "{cycle}", "visibility": "private", "partner_id": 0, "lesson_plan_id": 0,
               "results": "ผล"}, {"title": "ใหม่", "cycle_id": "{cycle}", "results": "ผล"}, forbidden="coach"),
    Operation("visit.view", "visit", ("GET", "/coaching/visits/{visit}"),
              ("GET", "/api/v1/coaching-visits/{visit}"), allowed="coach"),
    Operation("visit.record", "visit", ("POST", "/coaching/visits/{visit}/observation"),
              ("POST", "/api/v1/coaching-visits/{visit}/held"), HELD, HELD, allowed="coach", forbidden="teacher"),
    Operation("visit.reflect", "visit", ("POST", "/coaching/visits/{visit}/reflection"),
              ("POST", "/api/v1/coaching-visits/{visit}/reflection"), {"text": "x"}, {"text": "x"}, allowed="coach",
              forbidden="director"),
    Operation("visit.cancel", "visit", ("POST", "/coaching/visits/{visit}/cancel"),
              ("POST", "/api/v1/coaching-visits/{visit}/cancel"), allowed="coach", forbidden="director"),
    Operation("visit.coverage", "school", ("GET", "/schools/{school}/coaching"),
              ("GET", "/api/v1/schools/{school}/visit-coverage"), allowed="director", forbidden="teacher"),
    # The teacher coaches nobody: refused about the colleague she would visit.
    Operation("visit.plan", "school", ("POST", "/coaching/visits/new"), ("POST", "/api/v1/coaching-visits"),
              PLAN_PAGE, PLAN_API, allowed="coach", forbidden="teacher", forbidden_target="planned"),
]
FORBIDDEN = [o for o in OPERATIONS if o.forbidden]
PAGE_ONLY = {"reflection.autosave", "visit.synthesis", "visit.write_synthesis"}
API_ONLY = {"reflection.count"}
TARGET_TYPES = {"reflection": "reflection", "cycle": "cycle", "visit": "coachingvisit", "school": "school",
                "planned": "user", "teacher": "user", "plan": "lessonplan"}


@pytest.fixture
def ids(world, in_db) -> dict:
    """School A's cycle; the teacher's reflection in it, shared with her coach as the pair; the coach's
    planned visit to her; a colleague in her school (whom she sees, and may not plan a visit with);
    and the outsider's private lesson plan."""
    from plc.services import circles, coaching, lesson_plans, reflections
    from plc.services.lesson_plans import PlanInput
    from plc.services.reflections import ReflectionInput

    work = build_plc_work(in_db, world)
    with in_db() as session:
        teacher, coach = session.get(User, world.teacher.id), session.get(User, world.coach.id)
        school = session.get(School, world.school_a.id)
        colleague = add_user("colleague", Role.TEACHER, school, name_th="ครูสมชาย ขยัน")
        circles.add_member(teacher, session.get(Circle, work["circle_id"]), colleague)
        reflection = reflections.save_draft(teacher, ReflectionInput(
            title="บันทึกหลังสอน", cycle_id=work["cycle_id"], visibility="pair", partner_id=coach.id, results="ผล"))
        reflections.share(teacher, reflection)
        visit = coaching.plan_visit(coach, teacher=teacher, school=school,
                                    planned_on=bangkok_today() + timedelta(days=7), focus="การใช้คำถาม")
        hidden = lesson_plans.create(session.get(User, world.outsider.id), PlanInput(
            title="แผนของโรงเรียนอื่น", body_md="ลับ", visibility="private"))
        session.flush()
        return {"cycle": work["cycle_id"], "reflection": reflection.id, "visit": visit.id,
                "school": world.school_a.id, "planned": colleague.id, "teacher": teacher.id, "plan": hidden.id}


def _page(browser, key: str, operation: Operation, ids: dict):
    method, path = operation.page
    path = fill(path, ids)
    client = browser(key)
    if method == "GET":
        return client.get(path)
    return post_form(client, path, fill(operation.page_body, ids) if operation.page_body else None)


def _api(call, key: str, operation: Operation, ids: dict):
    method, path = operation.api
    body = fill(operation.api_body, ids) if operation.api_body is not None else None
    return call(key, method, fill(path, ids), **({"json": body} if body is not None else {}))


def _both_refuse(browser, call, in_db, key: str, operation: Operation, ids: dict, status: int) -> list[tuple]:
    """Asks the page and then the API; both must answer ``status`` and audit the same; returns what each audited."""
    before = len(denials(in_db))
    assert _page(browser, key, operation, ids).status_code == status, ("page", operation.action)
    after_page = denials(in_db)
    error(_api(call, key, operation, ids), status)
    after_api = denials(in_db)
    audited_by_page, audited_by_api = after_page[before:], after_api[len(after_page):]
    assert audited_by_page == audited_by_api, operation.action
    return audited_by_api


def _audited(actor: int, target: str, ids: dict, action: str, status: int) -> tuple:
    return (actor, TARGET_TYPES[target], ids[target], {"attempted": action, "status": status})


def test_every_action_of_the_rule_book_is_exercised_here():
    books = (authz.REFLECTION_ACTIONS, authz.REFLECTION_CYCLE_ACTIONS, authz.REFLECTION_PLAN_ACTIONS,
             authz.REFLECTION_COUNT_ACTIONS, authz.VISIT_ACTIONS, authz.VISIT_SCHOOL_ACTIONS,
             authz.VISIT_TEACHER_ACTIONS, authz.VISIT_CYCLE_ACTIONS, authz.SYNTHESIS_ACTIONS)
    assert set().union(*books) == {o.action for o in OPERATIONS} | PAGE_ONLY | API_ONLY


def test_an_unknown_action_is_a_programming_error():
    for access in (authz.access_reflection, authz.access_reflection_cycle, authz.access_reflection_plan,
                   authz.access_reflection_count, authz.access_visit, authz.access_visit_school,
                   authz.access_visit_teacher, authz.access_visit_cycle, authz.access_synthesis):
        with pytest.raises(KeyError):
            access(None, 1, "reflection.delete")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_a_missing_id_is_404_on_both_surfaces_and_not_audited(browser, call, in_db, ids, operation):
    missing = {**ids, operation.target: NO_SUCH_ID}
    assert _both_refuse(browser, call, in_db, operation.allowed, operation, missing, 404) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_another_tenants_row_is_404_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                              operation):
    """Before one way in, the API audited an unseen reflection as "reflection.view" and an unseen visit
    as "visit.view" whatever was attempted, and a school's coverage as "school.visit_coverage"; the
    page refused a new reflection in another tenant's cycle, or a visit planned at another tenant's
    school, as an invalid choice (422, not audited). Now both surfaces name the operation."""
    audited = _both_refuse(browser, call, in_db, "outsider", operation, ids, 404)
    assert audited == [_audited(world.outsider.id, operation.target, ids, operation.action, 404)]


@pytest.mark.parametrize("operation", FORBIDDEN, ids=lambda o: o.action)
def test_seen_but_not_allowed_is_403_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                               operation):
    """Among these, the API let the teacher of a visit try to record its observation (422 from the
    service) where the page answered 403; and the page told a coach with no circle of their own that
    there was no cycle to write in (200) where the API answered 403."""
    actor = getattr(world, operation.forbidden).id
    audited = _both_refuse(browser, call, in_db, operation.forbidden, operation, ids, 403)
    assert audited == [_audited(actor, operation.forbidden_target or operation.target, ids, operation.action, 403)]


def test_a_lesson_plan_named_in_an_edit_is_refused_alike(browser, call, in_db, ids, world):
    """The page asked only whether the plan was one of its choices (422); the API answered 404."""
    edit = Operation("reflection.edit", "plan", ("POST", "/reflections/{reflection}/edit"),
                     ("PATCH", "/api/v1/reflections/{reflection}"),
                     {"title": "แก้", "cycle_id": "{cycle}", "visibility": "pair", "partner_id": world.coach.id,
                      "lesson_plan_id": "{plan}", "results": "ผล"}, {"lesson_plan_id": "{plan}"})
    audited = _both_refuse(browser, call, in_db, "teacher", edit, ids, 404)
    assert audited == [_audited(world.teacher.id, "plan", ids, "reflection.edit", 404)]


def test_autosave_is_refused_as_editing_is(browser, in_db, ids, world):
    """reflection.autosave has no endpoint of its own (the API's PATCH is what autosave sends)."""
    path = fill("/reflections/{reflection}/autosave", ids)
    assert post_form(browser("teacher"), f"/reflections/{NO_SUCH_ID}/autosave").status_code == 404
    assert post_form(browser("outsider"), path).status_code == 404
    assert post_form(browser("coach"), path).status_code == 403
    assert denials(in_db) == [_audited(world.outsider.id, "reflection", ids, "reflection.autosave", 404),
                               _audited(world.coach.id, "reflection", ids, "reflection.autosave", 403)]


def test_the_reflection_count_is_refused_like_the_cycle(call, in_db, ids, world):
    error(call("teacher", "GET", f"/api/v1/cycles/{NO_SUCH_ID}/reflection-count"), 404)
    error(call("outsider", "GET", fill("/api/v1/cycles/{cycle}/reflection-count", ids)), 404)
    assert denials(in_db) == [_audited(world.outsider.id, "cycle", ids, "reflection.count", 404)]


def test_the_synthesis_is_read_by_the_teacher_and_written_by_the_coach(browser, in_db, ids, world):
    """The page alone; reading and writing are two actions now (writing was audited as "visit.synthesis")."""
    path = fill("/coaching/teachers/{teacher}/synthesis", ids)
    assert browser("coach").get(path).status_code == 200
    assert browser("teacher").get(path).status_code == 200
    assert browser("coach").get(f"/coaching/teachers/{NO_SUCH_ID}/synthesis").status_code == 404
    assert browser("outsider").get(path).status_code == 404
    assert post_form(browser("outsider"), path, {"body_md": "x"}).status_code == 404
    assert post_form(browser("teacher"), path, {"body_md": "x"}).status_code == 403
    assert denials(in_db) == [_audited(world.outsider.id, "teacher", ids, "visit.synthesis", 404),
                               _audited(world.outsider.id, "teacher", ids, "visit.write_synthesis", 404),
                               _audited(world.teacher.id, "teacher", ids, "visit.write_synthesis", 403)]


def test_planning_a_visit_is_refused_and_audited_before_the_form_names_anyone(browser, call, in_db, ids, world):
    """The empty form (GET /coaching/visits/new) refused someone who coaches nobody without an audit
    row, where the posted form and the API audit the refusal about the teacher named. Now the empty
    form is audited too, under the same action, with no row to name: it names nobody yet."""
    assert browser("teacher").get("/coaching/visits/new").status_code == 403
    assert denials(in_db) == [(world.teacher.id, None, None, {"attempted": "visit.plan", "status": 403})]
    plan = next(o for o in OPERATIONS if o.action == "visit.plan")
    assert _both_refuse(browser, call, in_db, "teacher", plan, ids, 403) == [
        _audited(world.teacher.id, "planned", ids, "visit.plan", 403)]
    assert browser("coach").get("/coaching/visits/new").status_code == 200
    assert len(denials(in_db)) == 3


def test_the_reflection_overview_is_refused_and_audited(browser, in_db, world):
    """The counts-only overview (a page without an API twin) refused a teacher without an audit row;
    every other refusal is audited. Now it is, under reflection.overview, with no row to name."""
    assert browser("teacher").get("/reflections/overview").status_code == 403
    assert browser("director").get("/reflections/overview").status_code == 200
    assert denials(in_db) == [(world.teacher.id, None, None, {"attempted": "reflection.overview", "status": 403})]


def test_the_allowed_caller_gets_through_on_both_surfaces(browser, call, ids):
    """The refusals above are refusals, not broken routes."""
    for key, page, api in [
            ("teacher", "/reflections/{reflection}", "/api/v1/reflections/{reflection}"),
            ("coach", "/reflections/{reflection}", "/api/v1/reflections/{reflection}/feedback"),
            ("coach", "/coaching/visits/{visit}", "/api/v1/coaching-visits/{visit}"),
            ("director", "/schools/{school}/coaching", "/api/v1/schools/{school}/visit-coverage"),
            ("teacher", "/reflections/new?cycle_id={cycle}", "/api/v1/cycles/{cycle}/reflection-count")]:
        assert browser(key).get(fill(page, ids)).status_code == 200, page
        assert call(key, "GET", fill(api, ids)).status_code == 200, api
