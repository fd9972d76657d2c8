"""One way in for circles and cycles (authz.access_circle, authz.access_cycle): the page and the API
endpoint of the same operation refuse alike — the same status for a missing id, for another tenant's
circle or cycle (404) and for one seen but not the caller's to change (403) — and audit the refusal
under the same action name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from plc import authz
from plc.i18n import bangkok_today
from plc.models import CircleMember
from tests.authz.surfaces import denials, fill
from tests.conftest import post_form
from tests.openapi_helpers import error
from tests.plc_helpers import build_plc_work

NO_SUCH_ID = 987654
LESSONS = {"results": "นักเรียนเข้าใจเศษส่วนมากขึ้น", "picture_of_success": "นักเรียนอธิบายวิธีคิดได้",
           "problems": "เวลาไม่พอ", "conditions": "ครูในวงช่วยกันสังเกต", "next_steps": "ขยายผลไปชั้น ป.5"}
OUTCOME = {"measure": "แบบทดสอบเศษส่วน", "group": "ทั้งห้อง",
           "pre": {"n": 30, "mean": 52.3, "sd": 10.1}, "post": {"n": 30, "mean": 58.7, "sd": 9.4}}


@dataclass(frozen=True)
class Operation:
    """One operation on both surfaces. Paths and bodies are filled with ``circle``, ``cycle``,
    ``member`` (a CircleMember id), ``user`` (its user id) and ``goal``; ``target`` is what is refused."""

    action: str
    target: str  # "circle" or "cycle"
    page: tuple[str, str]
    api: tuple[str, str]
    api_body: dict | None = None


OPERATIONS = [
    Operation("circle.view", "circle", ("GET", "/circles/{circle}"), ("GET", "/api/v1/circles/{circle}")),
    Operation("circle.edit", "circle", ("POST", "/circles/{circle}/edit"), ("PATCH", "/api/v1/circles/{circle}"),
              {"name": "วงใหม่"}),
    Operation("circle.add_member", "circle", ("POST", "/circles/{circle}/members"),
              ("POST", "/api/v1/circles/{circle}/members"), {"user_id": "{user}"}),
    Operation("circle.remove_member", "circle", ("POST", "/circles/{circle}/members/{member}/remove"),
              ("DELETE", "/api/v1/circles/{circle}/members/{user}")),
    Operation("circle.accept_norms", "circle", ("POST", "/circles/{circle}/norms/accept"),
              ("POST", "/api/v1/circles/{circle}/norms/accept")),
    Operation("circle.record_meeting", "circle", ("POST", "/circles/{circle}/meetings"),
              ("POST", "/api/v1/circles/{circle}/meetings"), {"held_on": "{today}", "title": "ประชุมวง"}),
    Operation("cycle.create", "circle", ("POST", "/circles/{circle}/cycles/new"), ("POST", "/api/v1/cycles"),
              {"circle_id": "{circle}", "title": "วงจรใหม่", "problem": "ปัญหา", "goal_ids": ["{goal}"],
               "template": "thai_plc"}),
    Operation("cycle.view", "cycle", ("GET", "/cycles/{cycle}"), ("GET", "/api/v1/cycles/{cycle}")),
    Operation("cycle.advance", "cycle", ("POST", "/cycles/{cycle}/advance"), ("POST", "/api/v1/cycles/{cycle}/advance")),
    Operation("cycle.checkpoint", "cycle", ("POST", "/cycles/{cycle}/checkpoints"),
              ("POST", "/api/v1/cycles/{cycle}/checkpoints"), {"stage": "upstream"}),
    Operation("cycle.outcome", "cycle", ("POST", "/cycles/{cycle}/outcomes"),
              ("POST", "/api/v1/cycles/{cycle}/outcomes"), OUTCOME),
    Operation("cycle.close", "cycle", ("POST", "/cycles/{cycle}/close"), ("POST", "/api/v1/cycles/{cycle}/close"),
              LESSONS),
]
VIEW_ONLY = {"circle.view", "cycle.view"}


@pytest.fixture
def ids(world, in_db) -> dict:
    work = build_plc_work(in_db, world)
    with in_db() as session:
        member = session.scalar(select(CircleMember.id).where(CircleMember.circle_id == work["circle_id"],
                                                              CircleMember.user_id == world.teacher.id))
    return {"circle": work["circle_id"], "cycle": work["cycle_id"], "goal": work["goal_id"], "member": member,
            "user": world.teacher.id, "today": bangkok_today().isoformat()}


def _page(browser, key: str, operation: Operation, ids: dict):
    method, path = operation.page
    path = fill(path, ids)
    client = browser(key)
    return client.get(path) if method == "GET" else post_form(client, path)


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


def test_every_action_of_the_rule_book_is_exercised_here():
    assert {o.action for o in OPERATIONS} == set(authz.CIRCLE_ACTIONS) - {"circle.set_role"} | set(authz.CYCLE_ACTIONS)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        authz.access_circle(None, 1, "circle.delete")
    with pytest.raises(KeyError):
        authz.access_cycle(None, 1, "cycle.reopen")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_a_missing_id_is_404_on_both_surfaces_and_not_audited(browser, call, in_db, ids, operation):
    missing = {**ids, operation.target: NO_SUCH_ID}
    assert _both_refuse(browser, call, in_db, "teacher", operation, missing, 404) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_another_tenants_row_is_404_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                              operation):
    """Before one way in, the API audited every unseen circle as "circle.view" and every unseen cycle
    as "cycle.view", whatever was attempted; now both surfaces name the operation."""
    audited = _both_refuse(browser, call, in_db, "outsider", operation, ids, 404)
    assert audited == [(world.outsider.id, operation.target, ids[operation.target],
                        {"attempted": operation.action, "status": 404})]


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if o.action not in VIEW_ONLY], ids=lambda o: o.action)
def test_seen_but_not_allowed_is_403_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                               operation):
    # The network's coach sees school A's circle and its cycles, but neither facilitates nor belongs to it.
    audited = _both_refuse(browser, call, in_db, "coach", operation, ids, 403)
    assert audited == [(world.coach.id, operation.target, ids[operation.target],
                        {"attempted": operation.action, "status": 403})]


def test_setting_a_role_is_refused_like_the_other_managing_actions(browser, in_db, ids, world):
    """circle.set_role has no API endpoint: its page alone answers 404, 404 and 403."""
    page = "/circles/{circle}/members/{member}/role"
    assert post_form(browser("teacher"), fill(page, {**ids, "circle": NO_SUCH_ID})).status_code == 404
    assert post_form(browser("outsider"), fill(page, ids)).status_code == 404
    assert post_form(browser("coach"), fill(page, ids)).status_code == 403
    assert [(actor, details) for actor, _type, _id, details in denials(in_db)] == [
        (world.outsider.id, {"attempted": "circle.set_role", "status": 404}),
        (world.coach.id, {"attempted": "circle.set_role", "status": 403})]


def test_the_allowed_caller_gets_through_on_both_surfaces(browser, call, ids):
    """The refusals above are refusals, not broken routes: the facilitator reads both."""
    assert browser("teacher").get(fill("/circles/{circle}", ids)).status_code == 200
    assert call("teacher", "GET", fill("/api/v1/cycles/{cycle}", ids)).status_code == 200


def test_a_school_or_network_the_circle_form_names_outside_its_choices_is_refused_as_the_api_refuses_it(
        browser, call, in_db, world):
    """The page answered a school or network outside its list as an invalid choice (422, not audited);
    the API 404 for one the caller does not see and 403 for one they see but may not start a circle
    in. Now the page asks the rule book for what its form names, as the API does."""
    fields = {"name": "วงแอบตั้ง", "meeting_count": 1, "meeting_period": "semester"}
    cases = [("outsider", "school", world.school_a.id, 404), ("coach", "school", world.school_a.id, 403),
             ("teacher", "network", world.n1.id, 403), ("teacher", "network", world.n2.id, 404)]
    for key, kind, scope_id, status in cases:
        before = len(denials(in_db))
        page = post_form(browser(key), "/circles/new", {"scope": f"{kind}:{scope_id}", **fields}, page="/circles")
        assert page.status_code == status, (key, kind)
        by_page = denials(in_db)[before:]
        error(call(key, "POST", "/api/v1/circles", json={f"{kind}_id": scope_id, **fields}), status)
        assert denials(in_db)[before + len(by_page):] == by_page == [
            (world.users[key].id, kind, scope_id, {"attempted": "circle.create", "status": status})]
    assert post_form(browser("teacher"), "/circles/new", {"scope": f"school:{world.school_a.id}", **fields},
                     page="/circles").status_code == 302, "a choice on offer still goes through"
