"""Who may see and change what: every route is classified, and a role × object × tenant matrix."""


import pytest
from sqlalchemy import select

from plc.models import AuditEvent, Membership
from tests.conftest import csrf_from, login, post_form

PUBLIC_ENDPOINTS = {
    "static",
    "main.healthz",
    "forums.showcase",
    "forums.verify_certificate",
    "auth.login",
    "auth.accept_invitation",
    "api-docs.openapi_json",
    "api_auth.issue_token",
}


def _sample_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = 1 if kind == "IntegerConverter" else sorted(converter.items)[0] if kind == "AnyConverter" else "x"
    return rule.build(values)[1] if hasattr(rule, "build") else rule.rule


def test_every_route_is_public_by_intent_or_refuses_anonymous_access(app, world):
    client = app.test_client()
    token = csrf_from(client)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token},
                                   headers={"X-CSRFToken": token})
            checked += 1
            if url.startswith("/api/"):
                assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
            else:
                assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
                assert "/auth/login" in response.headers["Location"], f"{method} {url}"
    assert checked >= 20


def test_public_allowlist_names_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_ENDPOINTS


ROLES = ["admin", "coordinator", "coach", "supervisor", "director", "teacher", "teacher2", "area_viewer",
         "outsider", "coordinator2"]

# Expected HTTP status per role, in ROLES order.
MATRIX = {
    "network N1": ("/networks/{n1}", [200, 200, 200, 200, 200, 200, 200, 200, 404, 404]),
    "network N2": ("/networks/{n2}", [200, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "school A": ("/schools/{a}", [200, 200, 200, 200, 200, 200, 200, 200, 404, 404]),
    "school B": ("/schools/{b}", [200, 200, 200, 200, 200, 200, 200, 200, 404, 404]),
    "school C": ("/schools/{c}", [200, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "area office 1": ("/area-offices/{ao1}", [200, 404, 404, 404, 404, 404, 404, 200, 404, 404]),
    "teacher's page": ("/people/{teacher}", [200, 200, 200, 200, 200, 200, 404, 200, 404, 404]),
    "outsider's page": ("/people/{outsider}", [200, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "disable teacher": ("/people/{teacher}/disable", [200, 200, 403, 403, 200, 403, 404, 403, 404, 404]),
    "disable outsider": ("/people/{outsider}/disable", [200, 404, 404, 404, 404, 404, 404, 404, 403, 200]),
    "invite": ("/people/invite", [200, 200, 403, 403, 200, 403, 403, 403, 403, 200]),
}


def _url(template: str, world) -> str:
    return template.format(n1=world.n1.id, n2=world.n2.id, a=world.school_a.id, b=world.school_b.id,
                           c=world.school_c.id, ao1=world.ao1.id, teacher=world.teacher.id,
                           outsider=world.outsider.id)


@pytest.mark.parametrize("role", ROLES)
def test_role_object_tenant_matrix(app, world, role):
    client = app.test_client()
    assert login(client, f"{role}@example.org").status_code == 302
    failures = []
    for name, (template, expected) in MATRIX.items():
        status = client.get(_url(template, world)).status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{name}: got {status}, expected {expected[ROLES.index(role)]}")
    assert not failures, f"{role}: " + "; ".join(failures)


@pytest.mark.parametrize(
    ("role", "sees_colleagues_of_a"),
    [("admin", True), ("coordinator", True), ("coach", True), ("supervisor", True), ("director", True),
     ("teacher", True), ("teacher2", False), ("area_viewer", True)],
)
def test_staff_list_of_a_school(app, world, role, sees_colleagues_of_a):
    client = app.test_client()
    login(client, f"{role}@example.org")
    html = client.get(f"/schools/{world.school_a.id}").get_data(as_text=True)
    assert (world.teacher.name_th in html) is sees_colleagues_of_a


@pytest.mark.parametrize("role", ROLES)
def test_lists_never_show_another_tenants_rows(app, world, role):
    client = app.test_client()
    login(client, f"{role}@example.org")
    schools = client.get("/schools").get_data(as_text=True)
    people = client.get("/people?q=").get_data(as_text=True)
    networks = client.get("/networks").get_data(as_text=True)
    n2_side = role in ("outsider", "coordinator2")
    if role != "admin":
        assert (world.school_c.name_th in schools) is n2_side
        assert (world.school_a.name_th in schools) is not n2_side
        assert (world.n2.name_th in networks) is n2_side
        assert (world.n1.name_th in networks) is not n2_side
        assert (world.outsider.email in people) is n2_side


def test_denials_are_audited(app, world, in_db):
    client = app.test_client()
    login(client, world.outsider.email)
    assert client.get(f"/schools/{world.school_a.id}").status_code == 404
    with in_db() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "authz.denied"))
        assert event.actor_id == world.outsider.id
        assert (event.target_type, event.target_id, event.details["status"]) == ("school", world.school_a.id, 404)


def _grant(client, person_id: int, scope: str, role: str):
    return post_form(client, f"/people/{person_id}/memberships", {"scope": scope, "role": role},
                     page=f"/people/{person_id}")


def _roles_of(in_db, user_id: int) -> set[tuple[str, int | None, int | None]]:
    with in_db() as session:
        rows = session.scalars(select(Membership).where(Membership.user_id == user_id, Membership.ends_on.is_(None)))
        return {(m.role, m.school_id, m.network_id) for m in rows}


def test_director_grants_teacher_and_coach_roles_in_their_school_only(app, world, in_db):
    client = app.test_client()
    login(client, world.director.email)
    _grant(client, world.teacher.id, f"school:{world.school_a.id}", "coach")
    _grant(client, world.teacher.id, f"school:{world.school_a.id}", "director")
    _grant(client, world.teacher.id, f"school:{world.school_b.id}", "teacher")
    _grant(client, world.teacher.id, f"network:{world.n1.id}", "coordinator")
    assert _roles_of(in_db, world.teacher.id) == {("teacher", world.school_a.id, None),
                                                  ("coach", world.school_a.id, None)}
    with in_db() as session:
        granted = session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.granted"))
        assert granted.details["role"] == "coach" and granted.actor_id == world.director.id


def test_coordinator_grants_across_the_network_but_not_outside(app, world, in_db):
    client = app.test_client()
    login(client, world.coordinator.email)
    _grant(client, world.teacher2.id, f"school:{world.school_b.id}", "director")
    _grant(client, world.teacher2.id, f"network:{world.n1.id}", "coach")
    _grant(client, world.teacher2.id, "global", "admin")
    assert _roles_of(in_db, world.teacher2.id) == {("teacher", world.school_b.id, None),
                                                   ("director", world.school_b.id, None),
                                                   ("coach", None, world.n1.id)}
    assert _grant(client, world.outsider.id, f"school:{world.school_c.id}", "coach").status_code == 404


def test_ending_a_role_needs_confirmation_keeps_history_and_is_not_for_oneself(app, world, in_db):
    client = app.test_client()
    login(client, world.director.email)
    with in_db() as session:
        teacher_role = session.scalar(select(Membership.id).where(Membership.user_id == world.teacher.id))
        own_role = session.scalar(select(Membership.id).where(Membership.user_id == world.director.id))
    page = f"/memberships/{teacher_role}/end"
    confirm = client.get(page)
    assert confirm.status_code == 200 and world.teacher.name_th in confirm.get_data(as_text=True)
    assert _roles_of(in_db, world.teacher.id), "GET alone changes nothing"
    assert post_form(client, page, page=page).status_code == 302
    assert _roles_of(in_db, world.teacher.id) == set()
    with in_db() as session:
        assert session.get(Membership, teacher_role).ends_on is not None, "history is kept"
    assert client.get(f"/memberships/{own_role}/end").status_code == 403
    html = client.get(f"/people/{world.teacher.id}").get_data(as_text=True)
    assert 'id="history"' in html, "the ended role is listed under earlier roles"


def test_teacher_sees_history_after_moving_school(app, world, in_db):
    from datetime import date

    with in_db() as session:
        membership = session.scalar(select(Membership).where(Membership.user_id == world.teacher2.id))
        membership.ends_on = date(2025, 3, 31)
        session.add(Membership(user_id=world.teacher2.id, role="teacher", school_id=world.school_a.id,
                               starts_on=date(2025, 5, 16)))
    client = app.test_client()
    login(client, world.director.email)
    html = client.get(f"/people/{world.teacher2.id}").get_data(as_text=True)
    assert world.school_a.name_th in html and world.school_b.name_th in html


def test_session_access_agrees_with_the_attendance_rule(app, world, in_db):
    """``session_access`` answers the chat's every event in one SQL statement; it must say what the
    rule says on loaded objects (host, current circle member, invited guest, or the circle's manager)
    for every user and session, including a member who left and one who joins tomorrow."""
    from datetime import timedelta

    from plc import authz
    from plc.extensions import db
    from plc.i18n import bangkok_today
    from plc.models import Circle, School, User
    from plc.models._types import utcnow
    from plc.models.live_sessions import LiveSession
    from plc.services import circles, live_sessions
    from plc.services.circles import CircleInput
    from plc.services.live_sessions import SessionInput

    def user(key: str) -> User:
        return db.session.get(User, world.users[key].id)

    with in_db():
        teacher = user("teacher")
        circle = circles.create(teacher, db.session.get(School, world.school_a.id), CircleInput(name="วงคณิตศาสตร์"))
        for key in ("director", "coach", "supervisor"):
            circles.add_member(teacher, circle, user(key))
        circles.remove_member(teacher, circle, circle.membership_of(world.coach.id))
        circle.membership_of(world.supervisor.id).joined_on = bangkok_today() + timedelta(days=1)
        starts = utcnow() - timedelta(minutes=5)
        plain = live_sessions.schedule(teacher, circle, SessionInput(title="PLC ครั้งที่ 1", starts_at=starts))
        with_guest = live_sessions.schedule(teacher, circle, SessionInput(
            title="PLC ครั้งที่ 2 เชิญโรงเรียนวัดวารวิ่ง", starts_at=starts, guest_ids=[world.teacher2.id]))
        db.session.flush()
        session_ids = [plain.id, with_guest.id]

    answers = {}
    with app.test_request_context():
        for session_id in session_ids:
            session = db.session.get(LiveSession, session_id)
            circle = db.session.get(Circle, session.circle_id)
            today = bangkok_today()
            for key in world.users:
                someone = user(key)
                manages = authz.can_manage_circle(someone, circle)
                rule = (session.host_id == someone.id or manages
                        or any(m.user_id == someone.id and m.is_current(today) for m in circle.members)
                        or any(g.user_id == someone.id for g in session.guests))
                access = authz.session_access(someone, session_id)
                assert (access is not None) == rule, (key, session.title)
                assert authz.can_attend_session(someone, session) == rule, (key, session.title)
                if access is not None:
                    assert access.may_host == (session.host_id == someone.id or manages), key
                    assert access.may_host == authz.can_host_session(someone, session), key
                    answers[key, session_id] = access.may_host
            assert authz.session_access(None, session_id) is None
        assert authz.session_access(user("teacher"), max(session_ids) + 100) is None, "no such session"
    plain_id, guest_id = session_ids
    assert answers[("teacher", plain_id)] is True, "the host"
    assert answers[("director", plain_id)] is True, "manages school A"
    assert answers[("teacher2", guest_id)] is False, "a guest attends, does not host"
    assert ("teacher2", guest_id) in answers and ("teacher2", plain_id) not in answers, "a guest of one session"
    assert ("coach", plain_id) not in answers, "left the circle"
    assert ("supervisor", plain_id) not in answers, "joins tomorrow"
    assert ("outsider", plain_id) not in answers and ("admin", plain_id) in answers

    with in_db():
        user("teacher2").disabled_at = utcnow()
    with app.test_request_context():
        assert authz.session_access(user("teacher2"), guest_id) is None, "a disabled user attends nothing"


# Surveys and forums: a published, open survey of school A built by its director, and network N1's
# forum at a session its coordinator hosts (tests/forum_world.py).
SURVEY_AND_FORUM_MATRIX = {
    "survey page": ("/surveys/{survey}", [200, 200, 200, 404, 200, 200, 404, 404, 404, 404]),
    "survey report": ("/surveys/{survey}/report", [200, 200, 200, 404, 200, 403, 404, 404, 404, 404]),
    "survey export": ("/surveys/{survey}/report.csv", [200, 200, 200, 404, 200, 403, 404, 404, 404, 404]),
    "answer the survey": ("/surveys/{survey}/respond", [403, 403, 403, 404, 200, 200, 404, 404, 404, 404]),
    "forum page": ("/forums/{forum}", [200, 200, 200, 200, 200, 200, 200, 200, 404, 404]),
    "forum results": ("/forums/{forum}/results", [200, 200, 403, 403, 403, 403, 403, 403, 404, 404]),
    "forum panel": ("/forums/{forum}/panel", [200, 200, 403, 403, 403, 403, 403, 403, 404, 404]),
    "submit to the forum": ("/forums/{forum}/submissions/new", [403, 403, 403, 403, 200, 200, 200, 403, 404, 404]),
}


@pytest.fixture
def survey_and_forum(world, in_db) -> dict[str, int]:
    from plc.clock import bangkok_today
    from plc.extensions import db
    from plc.models import School, User
    from plc.services import surveys
    from tests.forum_world import build_forum

    with in_db():
        director = db.session.get(User, world.director.id)
        survey = surveys.create_survey(director, db.session.get(School, world.school_a.id), surveys.SurveyInput(
            title="ความพึงพอใจต่อการอบรม", opens_on=bangkok_today(), closes_on=bangkok_today()))
        surveys.add_item(director, survey.sections[0], surveys.ItemInput(kind="scale", prompt="ความรู้ที่ได้รับ"))
        surveys.publish(director, survey)
        db.session.flush()
        survey_id = survey.id
    return {"survey": survey_id, "forum": build_forum(in_db, world)["forum"]}


@pytest.mark.parametrize("role", ROLES)
def test_role_survey_and_forum_matrix(app, world, survey_and_forum, role):
    client = app.test_client()
    assert login(client, f"{role}@example.org").status_code == 302
    failures = []
    for name, (template, expected) in SURVEY_AND_FORUM_MATRIX.items():
        status = client.get(template.format(**survey_and_forum)).status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{name}: got {status}, expected {expected[ROLES.index(role)]}")
    assert not failures, f"{role}: " + "; ".join(failures)
