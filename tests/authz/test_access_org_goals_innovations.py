"""One way in for the organisation, people, goals, innovations and dashboards (authz.access_network,
access_school, access_area_office, access_user, access_membership, access_goal, access_goal_school,
access_goal_network, access_innovation, access_innovation_version, access_innovation_owner,
access_dashboard): the page and the API endpoint of the same operation refuse alike — the same status
for a missing id, for another tenant's row (404) and for one seen but not the caller's to change
(403) — and audit the refusal under the same action name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from plc import authz
from plc.models import Membership, Role, School, SchoolGoal, User
from plc.services import goals, innovations
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput
from tests.authz.surfaces import denials, fill
from tests.conftest import add_user, post_form
from tests.openapi_helpers import error, ok

NO_SUCH_ID = 987654
YEAR = 2568


@dataclass(frozen=True)
class Operation:
    """One operation, on the page and (when it has one) the API. Paths and bodies are filled with the
    ids of ``ids``; ``target`` names the refused row there, ``target_type`` is how the audit names it;
    ``forbidden`` is someone who sees the row but may not do this to it."""

    action: str
    target: str
    target_type: str
    page: tuple[str, str] | None
    api: tuple[str, str] | None = None
    api_body: dict | None = None
    forbidden: str | None = None


GOAL_BODY = {"academic_year_be": YEAR, "statement": "เป้าหมายใหม่"}
OPERATIONS = [
    Operation("goal.view", "goal", "schoolgoal", ("GET", "/goals/{goal}"), ("GET", "/api/v1/goals/{goal}")),
    Operation("goal.edit", "goal", "schoolgoal", ("POST", "/goals/{goal}/edit"), ("PATCH", "/api/v1/goals/{goal}"),
              {"statement": "แก้ไข"}, forbidden="coach"),
    Operation("goal.status", "goal", "schoolgoal", ("POST", "/goals/{goal}/status"),
              ("POST", "/api/v1/goals/{goal}/transitions"), {"action": "approve"}, forbidden="coach"),
    Operation("goal.create", "school", "school", ("POST", "/goals/new?school={school}"), ("POST", "/api/v1/goals"),
              {"school_id": "{school}", **GOAL_BODY}, forbidden="coach"),
    Operation("goal.publish_core", "network", "network", ("POST", "/networks/{network}/goals/new"),
              ("POST", "/api/v1/networks/{network}/core-goals"), GOAL_BODY, forbidden="coach"),
    Operation("goal.coverage", "network", "network", ("GET", "/networks/{network}/goals/coverage"),
              ("GET", "/api/v1/networks/{network}/goal-coverage"), forbidden="teacher"),
    Operation("innovation.view", "innovation", "innovation", ("GET", "/innovations/{innovation}"),
              ("GET", "/api/v1/innovations/{innovation}")),
    Operation("innovation.edit", "innovation", "innovation", ("POST", "/innovations/{innovation}/edit"),
              ("POST", "/api/v1/innovations/{innovation}/versions"), {"name_th": "ฉบับใหม่", "steps": []},
              forbidden="coordinator"),
    Operation("network.view", "network", "network", ("GET", "/networks/{network}"),
              ("GET", "/api/v1/networks/{network}")),
    Operation("school.view", "school", "school", ("GET", "/schools/{school}"), ("GET", "/api/v1/schools/{school}")),
    Operation("dashboard.network", "network", "network", ("GET", "/dashboards/networks/{network}"),
              ("GET", "/api/v1/dashboards/networks/{network}"), forbidden="teacher"),
    Operation("dashboard.school", "school", "school", ("GET", "/dashboards/schools/{school}"),
              ("GET", "/api/v1/dashboards/schools/{school}"), forbidden="teacher"),
    Operation("dashboard.area_office", "area_office", "areaoffice", ("GET", "/dashboards/area-offices/{area_office}"),
              ("GET", "/api/v1/dashboards/area-offices/{area_office}")),
    # Pages without an API twin.
    Operation("area_office.view", "area_office", "areaoffice", ("GET", "/area-offices/{area_office}")),
    Operation("user.view", "user", "user", ("GET", "/people/{user}")),
    Operation("user.reinvite", "invitee", "user", ("POST", "/people/{invitee}/invitation"), forbidden="coach"),
    Operation("membership.grant", "user", "user", ("POST", "/people/{user}/memberships"), forbidden="coach"),
    Operation("user.disable", "user", "user", ("POST", "/people/{user}/disable"), forbidden="coach"),
    Operation("user.enable", "user", "user", ("POST", "/people/{user}/enable")),
    Operation("membership.end", "membership", "membership", ("POST", "/memberships/{membership}/end"),
              forbidden="coach"),
    # API operations without a page taking the id.
    Operation("school.members", "school", "school", None, ("GET", "/api/v1/schools/{school}/members")),
    Operation("innovation.create", "school", "school", None, ("POST", "/api/v1/innovations"),
              {"owner": {"school_id": "{school}"}, "kind": "classroom_model", "visibility": "school",
               "name_th": "นวัตกรรมใหม่"}, forbidden="coach"),
]
RULE_BOOK = [authz.NETWORK_ACTIONS, authz.SCHOOL_ACTIONS, authz.SCHOOL_MEMBERS_ACTIONS, authz.AREA_OFFICE_ACTIONS,
             authz.USER_ACTIONS, authz.MANAGED_USER_ACTIONS, authz.MEMBERSHIP_ACTIONS, authz.GOAL_ACTIONS,
             authz.GOAL_SCHOOL_ACTIONS, authz.GOAL_NETWORK_ACTIONS, authz.INNOVATION_ACTIONS,
             authz.INNOVATION_OWNER_ACTIONS, authz.DASHBOARD_ACTIONS]


@pytest.fixture
def ids(world, in_db) -> dict:
    """A draft goal and an approved one of school A, an innovation only school A sees, someone invited
    to school A who has no password yet, and the teacher's role there."""
    with in_db() as session:
        teacher, director = session.get(User, world.teacher.id), session.get(User, world.director.id)
        school = session.get(School, world.school_a.id)
        draft = goals.create_school_goal(teacher, school, GoalInput(statement="นักเรียนอ่านคล่อง", academic_year_be=YEAR))
        approved = goals.create_school_goal(director, school, GoalInput(statement="นักเรียนคิดเลขเป็น",
                                                                        academic_year_be=YEAR))
        goals.transition(director, approved, "approve")
        own = innovations.create(teacher, owner=school, kind="classroom_model", visibility="school",
                                 data=VersionInput(name_th="ท่าน้อยโมเดล", steps=[StepInput(text_th="ทดลองสอน")]))
        invitee = add_user("invitee", Role.TEACHER, school, password=None)
        membership = session.scalar(select(Membership.id).where(Membership.user_id == teacher.id))
        session.flush()
        return {"goal": draft.id, "approved_goal": approved.id, "innovation": own.id, "invitee": invitee.id,
                "membership": membership, "user": world.teacher.id, "school": world.school_a.id,
                "network": world.n1.id, "area_office": world.ao1.id}


def _page(browser, key: str, operation: Operation, ids: dict):
    method, path = operation.page
    client = browser(key)
    path = fill(path, ids)
    return client.get(path) if method == "GET" else post_form(client, path)


def _api(call, key: str, operation: Operation, ids: dict):
    method, path = operation.api
    body = fill(operation.api_body, ids) if operation.api_body is not None else None
    return call(key, method, fill(path, ids), **({"json": body} if body is not None else {}))


def _refused(browser, call, in_db, key: str, operation: Operation, ids: dict, status: int) -> list[tuple]:
    """Asks the page and then the API (those the operation has); each must answer ``status`` and both
    audit the same; returns what was audited (by the one, or by each of the two)."""
    audited = []
    if operation.page is not None:
        before = len(denials(in_db))
        assert _page(browser, key, operation, ids).status_code == status, ("page", operation.action)
        audited.append(denials(in_db)[before:])
    if operation.api is not None:
        before = len(denials(in_db))
        error(_api(call, key, operation, ids), status)
        audited.append(denials(in_db)[before:])
    assert all(each == audited[0] for each in audited), operation.action
    return audited[0]


def test_every_action_of_the_rule_book_is_exercised_here():
    exercised = {o.action for o in OPERATIONS} | {"dashboard.programme"}
    assert exercised == {action for actions in RULE_BOOK for action in actions}


def test_an_unknown_action_is_a_programming_error():
    for access in (authz.access_network, authz.access_school, authz.access_user, authz.access_goal,
                   authz.access_goal_network, authz.access_innovation, authz.access_dashboard):
        with pytest.raises(KeyError):
            access(None, 1, "thing.delete")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_a_missing_id_is_404_on_both_surfaces_and_not_audited(browser, call, in_db, ids, operation):
    missing = {**ids, operation.target: NO_SUCH_ID}
    assert _refused(browser, call, in_db, "admin", operation, missing, 404) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_another_tenants_row_is_404_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                              operation):
    """Before one way in, the API audited an unseen goal as "goal.view", an unseen network as
    "network.view" and an unseen innovation as "innovation.view", whatever was attempted; now both
    surfaces name the operation."""
    audited = _refused(browser, call, in_db, "outsider", operation, ids, 404)
    assert audited == [(world.outsider.id, operation.target_type, ids[operation.target],
                        {"attempted": operation.action, "status": 404})]


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if o.forbidden], ids=lambda o: o.action)
def test_seen_but_not_allowed_is_403_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                               operation):
    """The API used to audit a refused goal transition as goal.approve (goal.achieve …); it now takes
    the page's name, goal.status."""
    audited = _refused(browser, call, in_db, operation.forbidden, operation, ids, 403)
    assert audited == [(world.users[operation.forbidden].id, operation.target_type, ids[operation.target],
                        {"attempted": operation.action, "status": 403})]


def test_the_programme_dashboard_is_404_for_all_but_admins_and_not_audited(browser, call, in_db):
    programme = Operation("dashboard.programme", "-", "-", ("GET", "/dashboards/programme"),
                          ("GET", "/api/v1/dashboards/programme"))
    assert _refused(browser, call, in_db, "coordinator", programme, {}, 404) == []


def test_a_disabled_account_is_enabled_only_by_those_who_manage_it(browser, in_db, ids, world):
    """user.enable is refused as unseen (404) to someone who sees the person but does not manage them."""
    enable = next(o for o in OPERATIONS if o.action == "user.enable")
    assert _refused(browser, None, in_db, "coach", enable, ids, 404) == [
        (world.coach.id, "user", world.teacher.id, {"attempted": "user.enable", "status": 404})]


def test_a_goal_past_its_draft_is_403_to_who_never_writes_it_on_both_surfaces(browser, call, in_db, ids, world):
    """The API answered 409 to anyone who saw an approved goal, before asking whether they may write
    it; the page answered 403. Now the coach, who writes no goal of school A, gets 403 (audited) on
    both."""
    edit = next(o for o in OPERATIONS if o.action == "goal.edit")
    approved = {**ids, "goal": ids["approved_goal"]}
    assert _refused(browser, call, in_db, "coach", edit, approved, 403) == [
        (world.coach.id, "schoolgoal", ids["approved_goal"], {"attempted": "goal.edit", "status": 403})]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_goal_past_its_draft_is_a_conflict_for_its_writers_on_both_surfaces(browser, call, in_db, ids, lang):
    """The director writes school A's goals, so the rule book lets them edit one; that an approved goal
    stays as it was approved is its state, which the service answers (409, not audited) on both
    surfaces. The page answered 403 and audited it as a refusal; the API already said 409."""
    goal = ids["approved_goal"]
    director = browser("director")
    director.get(f"/?lang={lang}")
    message = {"th": "แก้ไขได้เฉพาะเป้าหมายที่เป็นฉบับร่าง",
               "en": "Only a draft goal can be edited. Approved goals stay as they were approved."}[lang]
    shown = director.get(f"/goals/{goal}/edit")
    assert shown.status_code == 409 and message in shown.get_data(as_text=True)
    posted = post_form(director, f"/goals/{goal}/edit", {"academic_year_be": str(YEAR), "statement": "แก้"},
                       page=f"/goals/{goal}")
    assert posted.status_code == 409 and message in posted.get_data(as_text=True)
    answer = error(call("director", "PATCH", f"/api/v1/goals/{goal}", json={"statement": "แก้"}), 409)
    assert answer["error"] == "conflict" and "แก้ไขได้เฉพาะเป้าหมายที่เป็นฉบับร่าง" in answer["message"]
    assert denials(in_db) == [], "a state conflict is not an authorisation refusal"
    with in_db() as session:
        kept = session.get(SchoolGoal, goal)
        assert (kept.status, kept.statement) == ("approved", "นักเรียนคิดเลขเป็น")


def test_a_core_goal_as_published_is_a_conflict_for_its_network_manager_on_both_surfaces(browser, call, in_db,
                                                                                        world):
    """The page sent the coordinator back to a published core goal with a message (302), the API
    answered 409 while its permissions field offered the edit. Now 409 on both, and the field says no."""
    published = ok(call("coordinator", "POST", f"/api/v1/networks/{world.n1.id}/core-goals",
                        json={"academic_year_be": YEAR, "statement": "ครูทุกคนใช้คำถามชวนคิด"}), 201)
    assert published["permissions"]["edit"] is False
    assert browser("coordinator").get(f"/goals/{published['id']}/edit").status_code == 409
    error(call("coordinator", "PATCH", f"/api/v1/goals/{published['id']}", json={"statement": "แก้"}), 409)
    assert denials(in_db) == []


def test_a_school_the_goal_form_names_outside_its_choices_is_refused_as_the_api_refuses_it(browser, call, in_db,
                                                                                          ids, world):
    """The page answered a school outside its list as an invalid choice (422, not audited); the API
    404 for one the caller does not see and 403 for one they see but do not draft for. Now the page
    asks the rule book for what its form names, as the API does."""
    body = {"academic_year_be": YEAR, "statement": "เป้าหมายแอบเขียน"}
    for key, status in [("outsider", 404), ("coach", 403)]:
        before = len(denials(in_db))
        page = post_form(browser(key), "/goals/new", {"school_id": ids["school"], **body}, page="/goals")
        assert page.status_code == status, key
        by_page = denials(in_db)[before:]
        error(call(key, "POST", "/api/v1/goals", json={"school_id": ids["school"], **body}), status)
        assert denials(in_db)[before + len(by_page):] == by_page == [
            (world.users[key].id, "school", ids["school"], {"attempted": "goal.create", "status": status})]
    with in_db() as session:
        assert session.scalar(select(SchoolGoal.id).where(SchoolGoal.statement == "เป้าหมายแอบเขียน")) is None


def test_an_innovation_owner_the_form_names_outside_its_choices_is_refused_as_the_api_refuses_it(browser, call,
                                                                                                in_db, world):
    """The page answered an owner outside its list as an invalid choice (422, not audited)."""
    fields = {"kind": "classroom_model", "visibility": "network", "name_th": "นวัตกรรมแอบเพิ่ม"}
    cases = [("outsider", "network", world.n1.id, 404), ("teacher", "network", world.n1.id, 403),
             ("teacher", "school", world.school_c.id, 404)]
    for key, kind, owner_id, status in cases:
        before = len(denials(in_db))
        page = post_form(browser(key), "/innovations/new", {"owner": f"{kind}:{owner_id}", **fields},
                         page="/innovations")
        assert page.status_code == status, (key, kind)
        by_page = denials(in_db)[before:]
        error(call(key, "POST", "/api/v1/innovations", json={"owner": {f"{kind}_id": owner_id}, **fields}), status)
        assert denials(in_db)[before + len(by_page):] == by_page == [
            (world.users[key].id, kind, owner_id, {"attempted": "innovation.create", "status": status})]


def test_an_innovation_for_a_network_is_refused_like_one_for_a_school(call, in_db, world):
    body = {"owner": {"network_id": world.n1.id}, "kind": "classroom_model", "visibility": "network",
            "name_th": "นวัตกรรมของเครือข่าย"}
    error(call("outsider", "POST", "/api/v1/innovations", json=body), 404)
    error(call("teacher", "POST", "/api/v1/innovations", json=body), 403)
    assert denials(in_db) == [
        (world.outsider.id, "network", world.n1.id, {"attempted": "innovation.create", "status": 404}),
        (world.teacher.id, "network", world.n1.id, {"attempted": "innovation.create", "status": 403})]


def test_a_version_an_innovation_never_had_is_404_on_both_surfaces_and_not_audited(browser, call, in_db, ids,
                                                                                   world):
    version = Operation("innovation.version", "-", "-", ("GET", "/innovations/{innovation}/versions/{number}"),
                        ("GET", "/api/v1/innovations/{innovation}/versions/{number}"))
    assert _refused(browser, call, in_db, "teacher", version, {**ids, "number": 7}, 404) == []
    assert _refused(browser, call, in_db, "outsider", version, {**ids, "number": 1}, 404) == [
        (world.outsider.id, "innovation", ids["innovation"],
         {"attempted": "innovation.view", "status": 404})]


def test_the_allowed_caller_gets_through_on_both_surfaces(browser, call, ids, world, in_db):
    """The refusals above are refusals, not broken routes."""
    assert browser("teacher").get(f"/goals/{ids['goal']}").status_code == 200
    assert call("teacher", "GET", f"/api/v1/goals/{ids['goal']}").status_code == 200
    assert browser("coordinator").get(f"/networks/{world.n1.id}/goals/coverage").status_code == 200
    assert call("coordinator", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage").status_code == 200
    assert browser("teacher").get(f"/innovations/{ids['innovation']}/versions/1").status_code == 200
    assert call("teacher", "GET", f"/api/v1/innovations/{ids['innovation']}/versions/1").status_code == 200
    assert browser("director").get(f"/people/{ids['invitee']}").status_code == 200
    assert call("coordinator", "GET", f"/api/v1/dashboards/networks/{world.n1.id}").status_code == 200
    with in_db() as session:
        assert session.get(SchoolGoal, ids["goal"]).status == "draft", "no refusal changed anything"


@pytest.mark.parametrize(("key", "path", "action"), [
    ("area_viewer", "/goals/new", "goal.create"), ("area_viewer", "/circles/new", "circle.create"),
    ("area_viewer", "/innovations/new", "innovation.create"), ("teacher", "/people/invite", "user.invite")])
def test_a_form_for_someone_with_nothing_to_choose_is_refused_and_audited(browser, in_db, world, key, path, action):
    """Someone who may start none of these anywhere is refused the empty form; the refusal was not
    audited (it names no row), where a school or network named, on the page or the API, always was.
    Now it is, with no row to name."""
    assert browser(key).get(path).status_code == 403
    assert denials(in_db) == [(world.users[key].id, None, None, {"attempted": action, "status": 403})]
