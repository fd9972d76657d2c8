"""The JSON API of PLC work (issue 3): school goals, the innovation library, circles and cycles.

Every answer is validated against the OpenAPI document the app publishes (``ApiClient``). Objects
are made through the services (``tests.plc_helpers``) or through the API itself."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import plc.clock
from plc.blueprints.api import innovations as api_innovations
from plc.i18n import bangkok_today
from plc.models import FocusArea, Innovation, InnovationStep, InnovationVersion
from plc.models._types import length_of
from tests.api.limits import text_limits
from tests.api.test_forums import build_forum_work, forum_bodies
from tests.conftest import count
from tests.live_helpers import build_live_work, live_bodies
from tests.openapi_helpers import concrete_path, error, ok, operations
from tests.plc_helpers import build_issue4_work, build_plc_work, issue4_bodies
from tests.survey_helpers import build_survey_work, survey_bodies

TOKEN_PATH = "/api/v1/auth/token"
NO_SUCH_ID = 987654
# Request bodies may use the date captured at import (yesterday is still a valid date if the run
# crosses midnight in Bangkok); dates the server stamps are compared with today() at assertion time.
TODAY = bangkok_today().isoformat()


def today() -> str:
    return bangkok_today().isoformat()


THAI_CATALOGUE = Path(__file__).resolve().parents[2] / "plc" / "translations"
LESSONS = {"results": "นักเรียนเข้าใจเศษส่วนมากขึ้น", "picture_of_success": "นักเรียนอธิบายวิธีคิดได้",
           "problems": "เวลาไม่พอ", "conditions": "ครูในวงช่วยกันสังเกต", "next_steps": "ขยายผลไปชั้น ป.5"}
OUTCOME = {"measure": "แบบทดสอบเศษส่วน", "group": "ทั้งห้อง",
           "pre": {"n": 30, "mean": 52.3, "sd": 10.1}, "post": {"n": 30, "mean": 58.7, "sd": 9.4}}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def work(world, in_db) -> dict:
    return build_plc_work(in_db, world)


@pytest.fixture
def focus_areas(in_db) -> list[int]:
    with in_db() as session:
        areas = [FocusArea(taxonomy="tsqp", code=f"m{i}", position=i, name_th=f"มาตรการที่ {i}",
                           name_en=f"Measure {i}", source="TSQP") for i in (1, 2)]
        session.add_all(areas)
        session.flush()
        return [a.id for a in areas]


def ids(items) -> list[int]:
    return sorted(item["id"] for item in items)


# ---------------------------------------------------------------------------- the document


NEW_OPERATIONS = {
    ("/api/v1/goals", "GET"), ("/api/v1/goals", "POST"), ("/api/v1/goals/{goal_id}", "GET"),
    ("/api/v1/goals/{goal_id}", "PATCH"), ("/api/v1/goals/{goal_id}/transitions", "POST"),
    ("/api/v1/networks/{network_id}/core-goals", "POST"), ("/api/v1/networks/{network_id}/goal-coverage", "GET"),
    ("/api/v1/focus-areas", "GET"),
    ("/api/v1/innovations", "GET"), ("/api/v1/innovations", "POST"), ("/api/v1/innovations/{innovation_id}", "GET"),
    ("/api/v1/innovations/{innovation_id}/versions", "POST"),
    ("/api/v1/innovations/{innovation_id}/versions/{number}", "GET"),
    ("/api/v1/innovations/{innovation_id}/usage", "GET"),
    ("/api/v1/circles", "GET"), ("/api/v1/circles", "POST"), ("/api/v1/circles/{circle_id}", "GET"),
    ("/api/v1/circles/{circle_id}", "PATCH"), ("/api/v1/circles/{circle_id}/members", "POST"),
    ("/api/v1/circles/{circle_id}/members/{user_id}", "DELETE"), ("/api/v1/circles/{circle_id}/norms/accept", "POST"),
    ("/api/v1/circles/{circle_id}/meetings", "POST"),
    ("/api/v1/cycles", "GET"), ("/api/v1/cycles", "POST"), ("/api/v1/cycles/{cycle_id}", "GET"),
    ("/api/v1/cycles/{cycle_id}/advance", "POST"), ("/api/v1/cycles/{cycle_id}/checkpoints", "POST"),
    ("/api/v1/cycles/{cycle_id}/outcomes", "POST"), ("/api/v1/cycles/{cycle_id}/close", "POST"),
}


def test_openapi_document_lists_every_plc_route(spec):
    documented = {(path, method) for path, method, _op in operations(spec)}
    assert NEW_OPERATIONS - documented == set()
    for path, method in NEW_OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("security", spec.get("security")) == [{"bearerAuth": []}], (method, path)
        responses = operation["responses"]
        assert "401" in responses
        if method != "GET":
            assert {"403", "404"} <= set(responses), (method, path)
    # A closed cycle is read-only: its writes declare 409.
    for action in ("advance", "checkpoints", "outcomes", "close"):
        assert "409" in spec["paths"][f"/api/v1/cycles/{{cycle_id}}/{action}"]["post"]["responses"]


def test_checker_follows_recursive_steps_to_any_depth(checker):
    """Sub-steps nest with the same schema; the checker must check them, not skip them."""

    class Fake:
        status_code, mimetype, content_type = 200, "application/json", "application/json"

        def __init__(self, body):
            self._data = json.dumps(body).encode()

        def get_data(self, as_text=False):
            return self._data.decode() if as_text else self._data

    def step(i, substeps=()):
        return {"id": i, "number": 1, "position": i, "code": None, "label_en": None, "text_th": "ขั้น",
                "text_en": None, "substeps": list(substeps)}

    version = {"id": 1, "number": 1, "innovation_id": 1, "name": "x", "name_th": "ก", "name_en": None,
               "change_note": None, "created_at": "2025-06-01T00:00:00+00:00", "description_th": None,
               "description_en": None, "notes": None, "is_current": True, "created_by": None,
               "steps": [step(1, [step(2, [step(3)])])]}
    checker.check("GET", "/api/v1/innovations/1/versions/1", Fake(version))
    deep_bad = json.loads(json.dumps(version))
    deep_bad["steps"][0]["substeps"][0]["substeps"][0]["text_th"] = 5
    with pytest.raises(AssertionError, match="schema"):
        checker.check("GET", "/api/v1/innovations/1/versions/1", Fake(deep_bad))
    deep_extra = json.loads(json.dumps(version))
    deep_extra["steps"][0]["substeps"][0]["substeps"][0]["bogus"] = 1
    with pytest.raises(AssertionError, match="schema"):
        checker.check("GET", "/api/v1/innovations/1/versions/1", Fake(deep_extra))


# ---------------------------------------------------------------------------- tenancy


def _bodies(world, work) -> dict[tuple[str, str], dict]:
    """A valid body for every write with an id in its path, so that only the object decides."""
    return {
        ("PATCH", "/api/v1/goals/{goal_id}"): {"statement": "แก้ไข"},
        ("POST", "/api/v1/goals/{goal_id}/transitions"): {"action": "achieve"},
        ("POST", "/api/v1/networks/{network_id}/core-goals"): {"academic_year_be": 2568, "statement": "ร่วม"},
        ("POST", "/api/v1/innovations/{innovation_id}/versions"): {"name_th": "ใหม่", "steps": []},
        ("PATCH", "/api/v1/circles/{circle_id}"): {"name": "วงใหม่"},
        ("POST", "/api/v1/circles/{circle_id}/members"): {"user_id": world.outsider.id},
        ("POST", "/api/v1/circles/{circle_id}/meetings"): {"held_on": TODAY, "title": "ประชุม"},
        ("POST", "/api/v1/cycles/{cycle_id}/checkpoints"): {"stage": "upstream", "reviewed": "ทบทวน"},
        ("POST", "/api/v1/cycles/{cycle_id}/outcomes"): OUTCOME,
        ("POST", "/api/v1/cycles/{cycle_id}/close"): LESSONS,
        **issue4_bodies(),
        **live_bodies(),
        **survey_bodies(),
        **forum_bodies(world, work),
    }


@pytest.mark.parametrize("key", ["outsider", "coordinator2", "director_c"])
def test_another_tenant_gets_404_on_every_object(call, spec, world, work, in_db, key):
    values = {"school_id": world.school_a.id, "network_id": world.n1.id, "area_office_id": world.ao1.id, **work,
              **build_issue4_work(in_db, world, work), **build_live_work(in_db, world, work)}
    values.update(build_survey_work(in_db, world, values["session_id"]))
    values.update(build_forum_work(in_db, world))
    missing = {name: NO_SUCH_ID for name in values}
    bodies = _bodies(world, work)
    checked = 0
    for path, method, _operation in operations(spec):
        if "{" not in path:
            continue
        kwargs = {"json": bodies[(method, path)]} if (method, path) in bodies else {}
        hidden = call(key, method, concrete_path(path, values), **kwargs)
        body = error(hidden, 404)
        assert body["error"] == "not_found"
        # Exactly the answer for an object that does not exist: nothing leaks.
        assert body == error(call(key, method, concrete_path(path, missing), **kwargs), 404)
        checked += 1
    assert checked >= len([p for p, _m in NEW_OPERATIONS if "{" in p])
    # Objects named in a body are just as unseen.
    error(call(key, "POST", "/api/v1/goals", json={"school_id": world.school_a.id, "academic_year_be": 2568,
                                                   "statement": "x"}), 404)
    error(call(key, "POST", "/api/v1/circles", json={"school_id": world.school_a.id, "name": "x",
                                                     "meeting_count": 1, "meeting_period": "semester"}), 404)
    error(call(key, "POST", "/api/v1/circles", json={"network_id": world.n1.id, "name": "x",
                                                     "meeting_count": 1, "meeting_period": "semester"}), 404)
    error(call(key, "POST", "/api/v1/cycles", json={"circle_id": work["circle_id"], "title": "x", "problem": "y",
                                                    "goal_ids": [work["goal_id"]], "template": "pdca"}), 404)
    error(call(key, "POST", "/api/v1/innovations", json={"owner": {"school_id": world.school_a.id},
                                                         "kind": "classroom_model", "visibility": "school",
                                                         "name_th": "x"}), 404)
    # … and lists never contain them, whatever the filters.
    for path in ("/api/v1/goals", f"/api/v1/goals?school_id={world.school_a.id}&include_templates=true",
                 f"/api/v1/goals?network_id={world.n1.id}", "/api/v1/circles",
                 f"/api/v1/circles?school_id={world.school_a.id}", "/api/v1/cycles",
                 f"/api/v1/cycles?circle_id={work['circle_id']}", "/api/v1/innovations?q=เชิงรุก"):
        page = ok(call(key, "GET", path))
        assert page["items"] == [] and page["total"] == 0, path


def test_teacher_of_another_school_sees_network_circles_but_not_school_a_circles(call, world, work):
    network_circle = ok(call("coach", "POST", "/api/v1/circles", json={
        "network_id": world.n1.id, "name": "วงเครือข่ายเชิงรุก", "meeting_count": 1, "meeting_period": "month"}), 201)
    assert network_circle["scope"] == {"kind": "network", "id": world.n1.id, "name_th": world.n1.name_th,
                                       "name_en": "Active Learning network"}
    error(call("teacher2", "GET", f"/api/v1/circles/{work['circle_id']}"), 404)
    error(call("teacher2", "GET", f"/api/v1/cycles/{work['cycle_id']}"), 404)
    seen = ok(call("teacher2", "GET", f"/api/v1/circles/{network_circle['id']}"))
    assert seen["permissions"] == {"manage": False, "work": False}
    assert ids(ok(call("teacher2", "GET", "/api/v1/circles"))["items"]) == [network_circle["id"]]
    # The teacher of school A sees both.
    assert ids(ok(call("teacher", "GET", "/api/v1/circles"))["items"]) == sorted(
        [work["circle_id"], network_circle["id"]])
    assert ids(ok(call("teacher", "GET", f"/api/v1/circles?network_id={world.n1.id}"))["items"]) == [
        network_circle["id"]]


def test_network_coach_sees_school_circles_of_the_network(call, world, work):
    circle = ok(call("coach", "GET", f"/api/v1/circles/{work['circle_id']}"))
    assert circle["scope"]["kind"] == "school" and circle["school_id"] == world.school_a.id
    assert circle["permissions"] == {"manage": False, "work": False}
    assert work["circle_id"] in ids(ok(call("coach", "GET", f"/api/v1/circles?school_id={world.school_a.id}"))["items"])
    assert ok(call("coach", "GET", f"/api/v1/cycles/{work['cycle_id']}"))["id"] == work["cycle_id"]
    # Seen but not a member: may not work in it.
    error(call("coach", "POST", f"/api/v1/cycles/{work['cycle_id']}/advance"), 403, )
    error(call("coach", "POST", f"/api/v1/circles/{work['circle_id']}/meetings",
               json={"held_on": TODAY, "title": "x"}), 403)
    error(call("coach", "PATCH", f"/api/v1/circles/{work['circle_id']}", json={"name": "x"}), 403)


def test_visible_but_not_allowed_is_403(call, world, work):
    goal = f"/api/v1/goals/{work['goal_id']}"
    assert error(call("teacher", "POST", f"{goal}/transitions", json={"action": "achieve"}), 403)["error"] == "forbidden"
    error(call("teacher2", "POST", f"{goal}/transitions", json={"action": "achieve"}), 403)
    error(call("teacher", "POST", f"/api/v1/networks/{world.n1.id}/core-goals",
               json={"academic_year_be": 2568, "statement": "x"}), 403)
    error(call("teacher", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage"), 403)
    error(call("teacher2", "POST", "/api/v1/goals", json={"school_id": world.school_a.id, "academic_year_be": 2568,
                                                          "statement": "x"}), 403)
    error(call("teacher2", "POST", f"/api/v1/innovations/{work['innovation_id']}/versions",
               json={"name_th": "x", "steps": []}), 403)
    error(call("teacher2", "POST", "/api/v1/innovations", json={
        "owner": {"school_id": world.school_a.id}, "kind": "classroom_model", "visibility": "school",
        "name_th": "x"}), 403)
    error(call("teacher", "POST", "/api/v1/circles", json={"network_id": world.n1.id, "name": "x",
                                                           "meeting_count": 1, "meeting_period": "semester"}), 403)
    error(call("teacher2", "POST", "/api/v1/circles", json={"school_id": world.school_a.id, "name": "x",
                                                            "meeting_count": 1, "meeting_period": "semester"}), 403)
    # Nothing was changed by the refusals.
    assert ok(call("teacher", "GET", goal))["status"] == "approved"
    assert ok(call("teacher", "GET", f"/api/v1/innovations/{work['innovation_id']}"))["version"] == 1


# ---------------------------------------------------------------------------- goals


def test_goal_lifecycle(call, world, focus_areas):
    created = ok(call("teacher", "POST", "/api/v1/goals", json={
        "school_id": world.school_a.id, "academic_year_be": 2568, "statement": "  นักเรียนคิดวิเคราะห์ได้ ",
        "indicator": "ร้อยละ 80 ผ่านเกณฑ์", "focus_area_ids": focus_areas}), 201)
    assert created["status"] == "draft" and created["kind"] == "school" and not created["is_template"]
    assert created["statement"] == "นักเรียนคิดวิเคราะห์ได้"
    assert created["school"]["id"] == world.school_a.id
    assert [a["id"] for a in created["focus_areas"]] == focus_areas
    assert created["created_by"]["id"] == world.teacher.id
    assert created["permissions"] == {"edit": True, "approve": False}
    path = f"/api/v1/goals/{created['id']}"

    edited = ok(call("teacher", "PATCH", path, json={"target": "ทุกห้อง", "focus_area_ids": focus_areas[:1]}))
    assert edited["target"] == "ทุกห้อง" and edited["indicator"] == "ร้อยละ 80 ผ่านเกณฑ์"
    assert [a["id"] for a in edited["focus_areas"]] == focus_areas[:1]

    approved = ok(call("director", "POST", f"{path}/transitions", json={"action": "approve"}))
    assert approved["goal"]["status"] == "approved" and approved["follow_up"] is None
    assert approved["goal"]["approved_by"]["id"] == world.director.id
    conflict = error(call("director", "PATCH", path, json={"statement": "x"}), 409)
    assert conflict["error"] == "conflict"
    error(call("teacher", "PATCH", path, json={"statement": "x"}), 409)

    reopened = ok(call("director", "POST", f"{path}/transitions", json={"action": "reopen"}))
    assert reopened["goal"]["status"] == "draft" and reopened["goal"]["approved_by"] is None
    ok(call("director", "POST", f"{path}/transitions", json={"action": "approve"}))
    carried = ok(call("director", "POST", f"{path}/transitions", json={"action": "carry_over"}))
    assert carried["goal"]["status"] == "carried_over"
    follow_up = carried["follow_up"]
    assert (follow_up["status"], follow_up["academic_year_be"], follow_up["carried_from_id"]) == (
        "draft", 2569, created["id"])

    detail = ok(call("teacher", "GET", path))
    assert detail["status"] == "carried_over" and detail["permissions"] == {"edit": False, "approve": False}
    # A state the goal is not in is refused with the reason.
    error(call("director", "POST", f"{path}/transitions", json={"action": "achieve"}), 422, "status")
    error(call("director", "POST", f"{path}/transitions", json={"action": "explode"}), 422, "action")


def test_director_marks_a_goal_achieved(call, work):
    path = f"/api/v1/goals/{work['goal_id']}"
    body = ok(call("director", "POST", f"{path}/transitions", json={"action": "achieve"}))
    assert body["goal"]["status"] == "achieved"


def test_goal_list_filters_and_pages(call, world, work):
    ok(call("teacher2", "POST", "/api/v1/goals", json={"school_id": world.school_b.id, "academic_year_be": 2569,
                                                       "statement": "โรงเรียนบีอ่านคล่อง"}), 201)
    everything = ok(call("coordinator", "GET", "/api/v1/goals"))
    assert everything["total"] == 2
    assert [g["academic_year_be"] for g in everything["items"]] == [2569, 2568]  # newest year first
    only_a = ok(call("coordinator", "GET", f"/api/v1/goals?school_id={world.school_a.id}"))
    assert ids(only_a["items"]) == [work["goal_id"]]
    year = ok(call("coordinator", "GET", "/api/v1/goals?year=2569"))
    assert [g["school"]["id"] for g in year["items"]] == [world.school_b.id]
    assert ok(call("coordinator", "GET", f"/api/v1/goals?network_id={world.n1.id}"))["total"] == 2
    assert ok(call("coordinator", "GET", f"/api/v1/goals?network_id={world.n2.id}"))["total"] == 0
    paged = ok(call("teacher", "GET", "/api/v1/goals?per_page=1&page=2"))
    assert (paged["page"], paged["per_page"], paged["total"], paged["pages"], len(paged["items"])) == (2, 1, 2, 2, 1)
    error(call("teacher", "GET", "/api/v1/goals?year=1999"), 422, "year")
    error(call("teacher", "GET", "/api/v1/goals?per_page=500"), 422, "per_page")


def test_goal_input_is_validated(call, world):
    def post(body):
        return call("teacher", "POST", "/api/v1/goals", json=body)

    body = error(post({}), 422, "school_id", "academic_year_be", "statement")
    assert body["error"] == "unprocessable"
    error(post({"school_id": world.school_a.id, "academic_year_be": 2568, "statement": "   "}), 422, "statement")
    error(post({"school_id": world.school_a.id, "academic_year_be": 68, "statement": "x"}), 422, "academic_year_be")
    error(post({"school_id": world.school_a.id, "academic_year_be": 2568, "statement": "x",
                "focus_area_ids": [NO_SUCH_ID]}), 422, "focus_area_ids")
    error(post({"school_id": world.school_a.id, "academic_year_be": "ปีนี้", "statement": "x"}), 422,
          "academic_year_be")
    error(post({"school_id": world.school_a.id, "academic_year_be": 2568, "statement": "x", "status": "approved"}),
          422, "status")
    error(post({"school_id": NO_SUCH_ID, "academic_year_be": 2568, "statement": "x"}), 404)
    assert ok(call("teacher", "GET", "/api/v1/goals"))["total"] == 0  # nothing was saved


def test_core_goal_is_published_to_every_school_and_covered(call, world, work):
    published = ok(call("coordinator", "POST", f"/api/v1/networks/{world.n1.id}/core-goals", json={
        "academic_year_be": 2568, "statement": "ลดความเหลื่อมล้ำด้านการอ่าน"}), 201)
    assert published["is_template"] and published["kind"] == "core" and published["status"] == "approved"
    assert published["school"] is None and published["network"]["id"] == world.n1.id
    copies = {c["school"]["id"]: c for c in published["copies"]}
    assert set(copies) == {world.school_a.id, world.school_b.id}
    assert {c["status"] for c in copies.values()} == {"draft"}
    # The director approves school A's copy.
    copy_a = copies[world.school_a.id]["id"]
    ok(call("director", "POST", f"/api/v1/goals/{copy_a}/transitions", json={"action": "approve"}))
    # A core goal itself is not approved by a director.
    error(call("director", "POST", f"/api/v1/goals/{published['id']}/transitions", json={"action": "approve"}), 403)
    templates = ok(call("teacher", "GET", f"/api/v1/goals?include_templates=true&network_id={world.n1.id}"))
    assert published["id"] in ids(templates["items"])
    assert published["id"] not in ids(ok(call("teacher", "GET", "/api/v1/goals"))["items"])

    coverage = ok(call("coordinator", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage?year=2568"))
    assert coverage["academic_year_be"] == 2568 and [g["id"] for g in coverage["core_goals"]] == [published["id"]]
    rows = {row["school"]["id"]: row for row in coverage["schools"]}
    assert rows[world.school_a.id]["core_status"] == [{"goal_id": published["id"], "status": "approved"}]
    assert rows[world.school_b.id]["core_status"] == [{"goal_id": published["id"], "status": "draft"}]
    assert (rows[world.school_a.id]["goals"], rows[world.school_a.id]["approved"],
            rows[world.school_a.id]["cycles"]) == (2, 2, 1)
    assert rows[world.school_b.id]["cycles"] == 0
    coach_view = ok(call("coach", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage?year=2568"))
    assert coach_view["schools"] == coverage["schools"]
    assert ok(call("admin", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage?year=2500"))["core_goals"] == []
    error(call("coordinator", "GET", f"/api/v1/networks/{world.n1.id}/goal-coverage?year=abc"), 422, "year")


def test_focus_areas(call, focus_areas):
    body = ok(call("teacher", "GET", "/api/v1/focus-areas"))
    assert [a["id"] for a in body["items"]] == focus_areas
    assert body["items"][0]["name_th"] == "มาตรการที่ 1"
    assert ok(call("teacher", "GET", "/api/v1/focus-areas?taxonomy=other"))["items"] == []


# ---------------------------------------------------------------------------- innovations


STEPS = [
    {"code": "P", "label_en": "Prepare", "text_th": "เตรียมความพร้อม"},
    {"code": "S", "label_en": "Search", "text_th": "สืบค้นข้อมูล",
     "substeps": [{"text_th": "ตั้งคำถาม"}, {"text_th": "ค้นคว้า", "substeps": [{"text_th": "บันทึกแหล่งที่มา"}]}]},
    {"code": "S", "label_en": "Share", "text_th": "แลกเปลี่ยนเรียนรู้"},
]


def test_innovation_is_created_with_nested_steps_and_found_by_thai_substring(call, world):
    created = ok(call("teacher", "POST", "/api/v1/innovations", json={
        "owner": {"school_id": world.school_a.id}, "kind": "classroom_model", "visibility": "network",
        "name_th": "รูปแบบการเรียนรู้เชิงรุก PSS", "name_en": "PSS active learning",
        "description_th": "ฝึกสืบค้นและแลกเปลี่ยน", "steps": STEPS}), 201)
    assert created["version"] == 1 and created["owner"] == {
        "level": "school", "name_th": world.school_a.name_th, "school_id": world.school_a.id, "network_id": None}
    assert created["permissions"] == {"edit": True}
    steps = created["current_version"]["steps"]
    assert [(s["code"], s["number"]) for s in steps] == [("P", 1), ("S", 2), ("S", 3)]  # codes may repeat
    assert [s["text_th"] for s in steps[1]["substeps"]] == ["ตั้งคำถาม", "ค้นคว้า"]
    assert steps[1]["substeps"][1]["substeps"][0]["text_th"] == "บันทึกแหล่งที่มา"
    assert [s["position"] for s in (steps[0], steps[1], *steps[1]["substeps"], steps[2])] == [1, 2, 3, 4, 6]
    assert created["step_count"] == 6
    assert [v["number"] for v in created["versions"]] == [1]

    for key in ("teacher", "teacher2", "coach"):
        found = ok(call(key, "GET", "/api/v1/innovations?q=เชิงรุก"))
        assert ids(found["items"]) == [created["id"]], key
    assert ok(call("teacher", "GET", "/api/v1/innovations?q=แลกเปลี่ยนเรียนรู้"))["total"] == 1  # a step's text
    assert ok(call("teacher", "GET", "/api/v1/innovations?q=pss"))["total"] == 1
    assert ok(call("teacher", "GET", "/api/v1/innovations?q=ไม่มีคำนี้"))["total"] == 0
    assert ok(call("teacher", "GET", "/api/v1/innovations?kind=classroom_model&owner=school"))["total"] == 1
    assert ok(call("teacher", "GET", "/api/v1/innovations?kind=programme"))["total"] == 0
    error(call("teacher", "GET", "/api/v1/innovations?kind=spaceship"), 422, "kind")
    error(call("teacher", "GET", "/api/v1/innovations?owner=mars"), 422, "owner")
    # Shared with the network: school B sees it but may not edit it.
    seen = ok(call("teacher2", "GET", f"/api/v1/innovations/{created['id']}"))
    assert seen["permissions"] == {"edit": False}
    # The director of the owner school may edit it.
    assert ok(call("director", "GET", f"/api/v1/innovations/{created['id']}"))["permissions"] == {"edit": True}


def test_school_only_innovation_stays_in_the_school(call, world):
    created = ok(call("teacher", "POST", "/api/v1/innovations", json={
        "owner": {"school_id": world.school_a.id}, "kind": "teaching_approach", "visibility": "school",
        "name_th": "เทคนิคห้องเรียนท่าน้อย"}), 201)
    error(call("teacher2", "GET", f"/api/v1/innovations/{created['id']}"), 404)
    assert ok(call("teacher2", "GET", "/api/v1/innovations"))["total"] == 0
    assert ok(call("director", "GET", "/api/v1/innovations"))["total"] == 1


def test_network_innovation(call, world):
    created = ok(call("coordinator", "POST", "/api/v1/innovations", json={
        "owner": {"network_id": world.n1.id}, "kind": "supervision_model", "visibility": "network",
        "name_th": "การนิเทศแบบกัลยาณมิตร", "steps": [{"text_th": "วางแผน"}, {"text_th": "สังเกต"}]}), 201)
    assert created["owner"]["level"] == "network" and created["owner"]["network_id"] == world.n1.id
    assert ok(call("teacher2", "GET", f"/api/v1/innovations/{created['id']}"))["name_th"] == "การนิเทศแบบกัลยาณมิตร"
    # A network's innovation cannot be limited to "a school": nobody would see it.
    error(call("coordinator", "POST", "/api/v1/innovations", json={
        "owner": {"network_id": world.n1.id}, "kind": "supervision_model", "visibility": "school",
        "name_th": "ลับ"}), 422, "visibility")
    error(call("teacher", "POST", "/api/v1/innovations", json={
        "owner": {"network_id": world.n1.id}, "kind": "supervision_model", "visibility": "network",
        "name_th": "x"}), 403)


@pytest.mark.parametrize(("change", "field"), [
    ({"name_th": None}, "name_th"),
    ({"name_th": "   "}, "name_th"),
    ({"kind": "spaceship"}, "kind"),
    ({"visibility": "secret"}, "visibility"),
    ({"owner": {}}, "owner"),
    ({"owner": {"school_id": 1, "network_id": 1}}, "owner"),
    ({"steps": [{"text_th": ""}]}, "steps"),
    ({"steps": [{"code": "A"}]}, "steps"),
    ({"steps": [{"text_th": "ก", "substeps": [{"text_th": "ข", "substeps": [{"text_th": "ค", "substeps": [
        {"text_th": "ง"}]}]}]}]}, "steps"),
    ({"steps": [{"text_th": "ก"}] * 41}, "steps"),
    ({"extra": True}, "extra"),
])
def test_innovation_input_is_validated(call, world, change, field):
    body = {"owner": {"school_id": world.school_a.id}, "kind": "classroom_model", "visibility": "school",
            "name_th": "ชื่อ", **change}
    error(call("teacher", "POST", "/api/v1/innovations", json=body), 422, field)
    assert ok(call("teacher", "GET", "/api/v1/innovations"))["total"] == 0


INNOVATION_BODY = {"kind": "classroom_model", "visibility": "school", "name_th": "รูปแบบ PSS"}


def _too_long_then_the_limit(call, in_db, school_id, column, body_with) -> dict:
    """Refused one character over the column's declared limit (nothing saved); the limit itself is kept whole."""
    limit = length_of(column)
    body = {**INNOVATION_BODY, "owner": {"school_id": school_id}}
    refused = error(call("teacher", "POST", "/api/v1/innovations", json={**body, **body_with("ก" * (limit + 1))}),
                    422)
    assert str(limit) in json.dumps(refused["fields"], ensure_ascii=False)
    assert count(in_db, Innovation) == 0
    return ok(call("teacher", "POST", "/api/v1/innovations", json={**body, **body_with("ก" * limit)}), 201)


def test_a_step_text_is_held_to_the_limit_its_column_declares(call, world, in_db):
    assert length_of(InnovationStep.text_th) == 5000
    created = _too_long_then_the_limit(call, in_db, world.school_a.id, InnovationStep.text_th,
                                       lambda text: {"steps": [{"text_th": text}]})
    assert created["current_version"]["steps"][0]["text_th"] == "ก" * 5000


def test_a_sub_step_english_text_is_held_to_the_limit_its_column_declares(call, world, in_db):
    assert length_of(InnovationStep.text_en) == 5000
    created = _too_long_then_the_limit(call, in_db, world.school_a.id, InnovationStep.text_en, lambda text: {
        "steps": [{"text_th": "สืบค้น", "substeps": [{"text_th": "ตั้งคำถาม", "text_en": text}]}]})
    assert created["current_version"]["steps"][0]["substeps"][0]["text_en"] == "ก" * 5000


def test_version_notes_are_held_to_the_limit_their_column_declares(call, world, in_db):
    assert length_of(InnovationVersion.notes) == 20000
    created = _too_long_then_the_limit(call, in_db, world.school_a.id, InnovationVersion.notes,
                                       lambda text: {"notes": text})
    assert created["current_version"]["notes"] == "ก" * 20000


def test_the_innovation_schemas_read_the_step_and_note_limits_from_the_columns():
    limits = text_limits([api_innovations])
    assert limits[("StepInputSchema", "text_th")] == length_of(InnovationStep.text_th)
    assert limits[("StepInputSchema", "text_en")] == length_of(InnovationStep.text_en)
    assert limits[("VersionInputSchema", "notes")] == length_of(InnovationVersion.notes)


def test_editing_an_innovation_adds_version_2_and_cycles_keep_version_1(call, world, work):
    path = f"/api/v1/innovations/{work['innovation_id']}"
    before = ok(call("teacher", "GET", path))
    old_steps = [s["text_th"] for s in before["current_version"]["steps"]]
    assert old_steps == ["กระตุ้นความสนใจ", "ลงมือปฏิบัติ", "สะท้อนคิด"]

    version2 = ok(call("teacher", "POST", f"{path}/versions", json={
        "name_th": "การจัดการเรียนรู้เชิงรุกแบบ EAR (ปรับปรุง)", "change_note": "เพิ่มขั้นประเมิน",
        "steps": [{"code": "E", "text_th": "กระตุ้นด้วยคำถาม"}, {"code": "A", "text_th": "ลงมือทำ"},
                  {"code": "R", "text_th": "สะท้อนคิด"}, {"code": "V", "text_th": "ประเมินผล"}]}), 201)
    assert version2["number"] == 2 and version2["is_current"] and version2["change_note"] == "เพิ่มขั้นประเมิน"

    after = ok(call("teacher", "GET", path))
    assert after["version"] == 2 and [v["number"] for v in after["versions"]] == [1, 2]
    assert [s["code"] for s in after["current_version"]["steps"]] == ["E", "A", "R", "V"]
    old = ok(call("teacher", "GET", f"{path}/versions/1"))
    assert not old["is_current"] and [s["text_th"] for s in old["steps"]] == old_steps
    assert [s["text_th"] for s in old["steps"][1]["substeps"]] == ["ทำงานกลุ่ม", "นำเสนอผลงาน"]
    error(call("teacher", "GET", f"{path}/versions/3"), 404)

    cycle = ok(call("teacher", "GET", f"/api/v1/cycles/{work['cycle_id']}"))
    [applied] = cycle["innovations"]
    assert (applied["version"], applied["latest_version"], applied["version_id"]) == (1, 2, work["version_id"])
    assert applied["name_th"] == "การจัดการเรียนรู้เชิงรุกแบบ EAR"
    assert [(s["code"], s["text_th"]) for s in applied["applied_steps"]] == [
        ("E", "กระตุ้นความสนใจ"), ("A", "ลงมือปฏิบัติ")]

    usage = ok(call("teacher", "GET", f"{path}/usage"))
    assert [(c["id"], c["versions"]) for c in usage["cycles"]] == [(work["cycle_id"], [1])]
    assert [s["id"] for s in usage["schools"]] == [world.school_a.id]
    # A school B teacher sees the innovation but not school A's circle: no cycles for them.
    assert ok(call("teacher2", "GET", f"{path}/usage"))["cycles"] == []

    # A new cycle can apply version 2.
    newer = ok(call("teacher", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "รอบสอง", "problem": "ต่อยอด", "goal_ids": [work["goal_id"]],
        "template": "thai_plc", "innovation_version_ids": [version2["id"]]}), 201)
    assert [(i["version"], i["latest_version"]) for i in newer["innovations"]] == [(2, 2)]
    usage = ok(call("teacher", "GET", f"{path}/usage"))
    assert sorted(c["versions"][0] for c in usage["cycles"]) == [1, 2]
    error(call("teacher", "POST", f"{path}/versions", json={"name_th": "", "steps": []}), 422, "name_th")


# ---------------------------------------------------------------------------- circles


def test_circle_is_created_and_described(call, world):
    created = ok(call("teacher", "POST", "/api/v1/circles", json={
        "school_id": world.school_a.id, "name": "วงภาษาไทย ป.1", "learning_area": "ภาษาไทย", "grade_band": "ป.1-3",
        "norms": "ตรงต่อเวลา ฟังกันและกัน", "meeting_count": 2, "meeting_period": "semester"}), 201)
    assert created["scope"]["kind"] == "school" and created["network_id"] is None
    assert created["permissions"] == {"manage": True, "work": True}
    [member] = created["members"]
    assert member["user"]["id"] == world.teacher.id and member["role"] == "facilitator"
    assert member["joined_on"] == today() and member["left_on"] is None and member["accepted_norms"]
    [current] = created["meeting_rule"][:1]
    assert (current["held"], current["required"], current["status"]) == (0, 2, "due")
    assert created["member_count"] == 1 and created["meetings"] == [] and created["cycles"] == []

    listed = ok(call("teacher", "GET", "/api/v1/circles?mine=true"))
    assert ids(listed["items"]) == [created["id"]]
    assert ok(call("director", "GET", "/api/v1/circles?mine=true"))["total"] == 0


def test_the_day_stamped_on_a_joining_is_the_day_in_bangkok(call, world, monkeypatch):
    """23:30 UTC on 2 December is 06:30 on 3 December in Bangkok: the member joined on the 3rd."""
    class EarlyMorningInBangkok(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 2, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(plc.clock, "datetime", EarlyMorningInBangkok)
    created = ok(call("teacher", "POST", "/api/v1/circles", json={
        "school_id": world.school_a.id, "name": "วงเช้าตรู่", "meeting_count": 1, "meeting_period": "month"}), 201)
    assert [m["joined_on"] for m in created["members"]] == ["2026-12-03"]
    assert ok(call("director", "GET", "/api/v1/circles"))["total"] == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"school_id": None}, "school_id"),
    ({"network_id": 1}, "school_id"),
    ({"name": "  "}, "name"),
    ({"meeting_count": 0}, "meeting_count"),
    ({"meeting_period": "year"}, "meeting_period"),
    ({"name": None}, "name"),
])
def test_circle_input_is_validated(call, world, change, field):
    body = {"school_id": world.school_a.id, "name": "วง", "meeting_count": 1, "meeting_period": "month", **change}
    error(call("teacher", "POST", "/api/v1/circles", json=body), 422, field)


def test_circle_members_norms_and_leaving(call, world, work):
    path = f"/api/v1/circles/{work['circle_id']}"
    added = ok(call("teacher", "POST", f"{path}/members", json={"user_id": world.director.id}), 201)
    assert added["role"] == "member" and not added["accepted_norms"] and added["left_on"] is None
    coach = ok(call("teacher", "POST", f"{path}/members", json={"user_id": world.coach.id, "role": "facilitator"}), 201)
    assert coach["role"] == "facilitator"
    error(call("teacher", "POST", f"{path}/members", json={"user_id": world.director.id}), 422, "user_id")
    # Staff of another school cannot join a school-A circle; strangers answer like non-existent users.
    refused = error(call("teacher", "POST", f"{path}/members", json={"user_id": world.teacher2.id}), 422, "user_id")
    stranger = error(call("teacher", "POST", f"{path}/members", json={"user_id": world.outsider.id}), 422, "user_id")
    nobody = error(call("teacher", "POST", f"{path}/members", json={"user_id": NO_SUCH_ID}), 422, "user_id")
    assert refused == stranger == nobody
    error(call("teacher", "POST", f"{path}/members", json={"user_id": world.director.id, "role": "boss"}), 422, "role")
    accepted = ok(call("director", "POST", f"{path}/norms/accept"))
    assert accepted["accepted_norms"] and accepted["user"]["id"] == world.director.id

    changed = ok(call("coach", "PATCH", path, json={"norms": "เคารพความเห็นต่าง"}))
    assert changed["norms_version"] == 2 and changed["name"] == "วงคณิตศาสตร์ ป.4"
    assert {m["user"]["id"]: m["accepted_norms"] for m in changed["members"]} == {
        world.teacher.id: False, world.director.id: False, world.coach.id: False}
    ok(call("teacher", "POST", f"{path}/norms/accept"))

    left = ok(call("teacher", "DELETE", f"{path}/members/{world.director.id}"))
    assert left["left_on"] == today()
    detail = ok(call("teacher", "GET", path))
    assert [m["user"]["id"] for m in detail["former_members"]] == [world.director.id]
    assert world.director.id not in [m["user"]["id"] for m in detail["members"]]
    error(call("teacher", "DELETE", f"{path}/members/{world.director.id}"), 404)  # already left
    error(call("teacher", "DELETE", f"{path}/members/{world.teacher2.id}"), 404)
    # Staff of another school do not even see the circle.
    error(call("teacher2", "DELETE", f"{path}/members/{world.coach.id}"), 404)  # cannot even see the circle
    ok(call("teacher", "DELETE", f"{path}/members/{world.coach.id}"))
    # The last facilitator cannot leave.
    error(call("teacher", "DELETE", f"{path}/members/{world.teacher.id}"), 422, "member")
    # Someone who manages but is not a member cannot accept norms for themselves.
    error(call("coordinator", "POST", f"{path}/norms/accept"), 422, "member")


def test_plain_member_may_not_manage(call, world, in_db):
    network_circle = ok(call("coach", "POST", "/api/v1/circles", json={
        "network_id": world.n1.id, "name": "วงเครือข่าย", "meeting_count": 1, "meeting_period": "semester"}), 201)
    path = f"/api/v1/circles/{network_circle['id']}"
    ok(call("coach", "POST", f"{path}/members", json={"user_id": world.teacher2.id}), 201)
    assert ok(call("teacher2", "GET", path))["permissions"] == {"manage": False, "work": True}
    error(call("teacher2", "PATCH", path, json={"name": "ของฉัน"}), 403)
    error(call("teacher2", "POST", f"{path}/members", json={"user_id": world.teacher.id}), 403)
    error(call("teacher2", "DELETE", f"{path}/members/{world.coach.id}"), 403)
    ok(call("teacher2", "POST", f"{path}/norms/accept"))
    # Network circles take teachers from every school of the network.
    ok(call("coach", "POST", f"{path}/members", json={"user_id": world.teacher.id}), 201)


def test_meetings_count_towards_the_meeting_rule(call, world, work):
    path = f"/api/v1/circles/{work['circle_id']}"
    meeting = ok(call("teacher", "POST", f"{path}/meetings", json={
        "held_on": TODAY, "title": "ประชุมวางแผน", "mode": "online", "minutes": 60, "notes": "แบ่งหน้าที่",
        "cycle_id": work["cycle_id"]}), 201)
    assert (meeting["mode"], meeting["cycle_id"], meeting["recorded_by"]["id"]) == (
        "online", work["cycle_id"], world.teacher.id)
    rule = ok(call("teacher", "GET", path))["meeting_rule"][0]
    assert (rule["held"], rule["required"], rule["status"]) == (1, 1, "met")
    timeline = ok(call("teacher", "GET", f"/api/v1/cycles/{work['cycle_id']}"))["timeline"]
    assert "meeting" in [entry["kind"] for entry in timeline]

    tomorrow = (bangkok_today() + timedelta(days=1)).isoformat()
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": tomorrow, "title": "x"}), 422, "held_on")
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": "31/12/2567", "title": "x"}), 422, "held_on")
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": TODAY, "title": " "}), 422, "title")
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": TODAY, "title": "x", "mode": "carrier pigeon"}),
          422, "mode")
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": TODAY, "title": "x", "minutes": 0}),
          422, "minutes")
    other = ok(call("coach", "POST", "/api/v1/circles", json={
        "network_id": world.n1.id, "name": "วงอื่น", "meeting_count": 1, "meeting_period": "semester"}), 201)
    error(call("coach", "POST", f"/api/v1/circles/{other['id']}/meetings",
               json={"held_on": TODAY, "title": "x", "cycle_id": work["cycle_id"]}), 422, "cycle_id")
    error(call("teacher", "POST", f"{path}/meetings", json={"held_on": TODAY, "title": "x", "cycle_id": NO_SUCH_ID}),
          422, "cycle_id")
    assert len(ok(call("teacher", "GET", path))["meetings"]) == 1


# ---------------------------------------------------------------------------- cycles


def test_cycle_is_started_advanced_and_reviewed(call, world, work):
    detail = ok(call("teacher", "GET", f"/api/v1/cycles/{work['cycle_id']}"))
    assert detail["status"] == "active" and detail["template"] == "thai_plc"
    assert [g["id"] for g in detail["goals"]] == [work["goal_id"]]
    assert detail["target_groups"] == ["อ่อน"] and detail["lessons"] is None
    assert detail["permissions"] == {"work": True}

    created = ok(call("director", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "สอนอ่านด้วย PDCA", "problem": "อ่านไม่คล่อง",
        "goal_ids": [work["goal_id"]], "template": "pdca", "innovation_version_ids": [work["version_id"]],
        "step_ids": work["step_ids"][:1], "challenge_issues": "เด็กขาดเรียนบ่อย", "target_grade": "ป.2",
        "target_class_size": 25, "target_groups": ["เก่ง", "อ่อน"]}), 201)
    assert [p["key"] for p in created["phases"]] == ["plan", "do", "check", "act"]
    assert [p["state"] for p in created["phases"]] == ["current", "upcoming", "upcoming", "upcoming"]
    assert created["phases"][0]["started_on"] == today() and created["current_phase"]["key"] == "plan"
    assert created["circle"]["id"] == work["circle_id"] and created["target_class_size"] == 25
    assert [s["id"] for s in created["innovations"][0]["applied_steps"]] == work["step_ids"][:1]
    path = f"/api/v1/cycles/{created['id']}"

    advanced = ok(call("teacher", "POST", f"{path}/advance"))
    assert [p["state"] for p in advanced["phases"]] == ["done", "current", "upcoming", "upcoming"]
    assert advanced["phases"][0]["ended_on"] == today() and advanced["current_phase"]["key"] == "do"

    checkpoint = ok(call("teacher", "POST", f"{path}/checkpoints", json={
        "stage": "midstream", "reviewed": "ทบทวนแผน", "changed": "ปรับใบงาน"}), 201)
    assert checkpoint["stage"] == "midstream" and checkpoint["held_on"] == today()
    assert checkpoint["recorded_by"]["id"] == world.teacher.id
    error(call("teacher", "POST", f"{path}/checkpoints", json={"stage": "upstream"}), 422, "reviewed")
    error(call("teacher", "POST", f"{path}/checkpoints", json={"stage": "sideways", "reviewed": "x"}), 422, "stage")

    for _ in range(3):
        ok(call("teacher", "POST", f"{path}/advance"))
    finished = ok(call("teacher", "GET", path))
    assert [p["state"] for p in finished["phases"]] == ["done"] * 4 and finished["current_phase"] is None
    error(call("teacher", "POST", f"{path}/advance"), 422, "phase")

    kinds = [entry["kind"] for entry in finished["timeline"]]
    assert kinds.count("created") == 1 and kinds.count("phase") == 4 and "checkpoint" in kinds
    listed = ok(call("coach", "GET", f"/api/v1/cycles?circle_id={work['circle_id']}"))
    assert ids(listed["items"]) == sorted([work["cycle_id"], created["id"]])
    assert ok(call("teacher", "GET", "/api/v1/cycles?status=closed"))["total"] == 0
    error(call("teacher", "GET", "/api/v1/cycles?status=paused"), 422, "status")


def test_cycle_with_the_steps_of_an_innovation_as_phases(call, work):
    created = ok(call("teacher", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "ตามขั้น EAR", "problem": "ลองใช้ขั้นตอน",
        "goal_ids": [work["goal_id"]], "template": "innovation", "template_version_id": work["version_id"],
        "innovation_version_ids": [work["version_id"]]}), 201)
    assert [p["name_en"] for p in created["phases"]] == ["E Engage", "A Act", "R Reflect"]
    assert all(p["step_id"] for p in created["phases"])
    assert created["template_version"]["version"] == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"goal_ids": []}, "goal_ids"),
    ({"goal_ids": [NO_SUCH_ID]}, "goal_ids"),
    ({"title": "  "}, "title"),
    ({"problem": ""}, "problem"),
    ({"template": "waterfall"}, "template"),
    ({"template": "innovation"}, "template_version_id"),
    ({"innovation_version_ids": [NO_SUCH_ID]}, "innovation_version_ids"),
    ({"step_ids": [NO_SUCH_ID]}, "step_ids"),
    ({"target_class_size": 0}, "target_class_size"),
    ({"target_groups": ["ก" * 31]}, "target_groups"),
    ({"goal_ids": "1"}, "goal_ids"),
])
def test_cycle_input_is_validated(call, work, change, field):
    body = {"circle_id": work["circle_id"], "title": "t", "problem": "p", "goal_ids": [work["goal_id"]],
            "template": "thai_plc", **change}
    error(call("teacher", "POST", "/api/v1/cycles", json=body), 422, field)


def test_cycle_goals_must_belong_to_the_circle(call, world, work):
    goal_b = ok(call("teacher2", "POST", "/api/v1/goals", json={
        "school_id": world.school_b.id, "academic_year_be": 2568, "statement": "ของโรงเรียนบี"}), 201)
    error(call("teacher", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "t", "problem": "p", "goal_ids": [goal_b["id"]],
        "template": "thai_plc"}), 422, "goal_ids")
    error(call("coach", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "t", "problem": "p", "goal_ids": [work["goal_id"]],
        "template": "thai_plc"}), 403)
    error(call("teacher2", "POST", "/api/v1/cycles", json={
        "circle_id": work["circle_id"], "title": "t", "problem": "p", "goal_ids": [work["goal_id"]],
        "template": "thai_plc"}), 404)


def _pooled_sd(n1, s1, n2, s2):
    return math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))


def test_outcome_answers_with_the_effect_size_worked_out_by_hand(call, world, work):
    response = call("teacher", "POST", f"/api/v1/cycles/{work['cycle_id']}/outcomes", json=OUTCOME)
    outcome = ok(response, 201)
    n1, m1, s1 = 30, 52.3, 10.1
    n2, m2, s2 = 30, 58.7, 9.4
    pooled = _pooled_sd(n1, s1, n2, s2)
    d = (m2 - m1) / pooled
    g = d * (1 - 3 / (4 * (n1 + n2) - 9))
    effect = outcome["effect_size"]
    assert round(effect["pooled_sd"], 4) == round(pooled, 4)
    assert round(effect["cohens_d"], 4) == round(d, 4)
    assert round(effect["hedges_g"], 4) == round(g, 4)
    assert round(effect["cohens_d"], 4) == 0.656 and round(effect["hedges_g"], 4) == 0.6475
    assert effect["mean_gain"] == pytest.approx(6.4)
    low, high = effect["ci95"]
    assert low < effect["hedges_g"] < high
    assert (effect["hinge_point"], effect["above_hinge"], effect["band"]) == (0.4, True, "desired")
    assert effect["interpretation"].strip()
    assert outcome["pre"] == OUTCOME["pre"] and outcome["post"] == OUTCOME["post"]
    assert (outcome["measure"], outcome["group"], outcome["cycle_id"]) == ("แบบทดสอบเศษส่วน", "ทั้งห้อง", work["cycle_id"])
    # The cycle reports the same figures and the timeline names the outcome.
    cycle = ok(call("coach", "GET", f"/api/v1/cycles/{work['cycle_id']}"))
    assert cycle["outcomes"] == [outcome]
    assert "outcome" in [entry["kind"] for entry in cycle["timeline"]]


def test_small_groups_fall_below_the_hinge(call, work):
    body = {**OUTCOME, "group": "กลุ่มอ่อน", "pre": {"n": 8, "mean": 14.0, "sd": 3.0},
            "post": {"n": 10, "mean": 15.5, "sd": 4.0}}
    effect = ok(call("teacher", "POST", f"/api/v1/cycles/{work['cycle_id']}/outcomes", json=body), 201)["effect_size"]
    d = 1.5 / _pooled_sd(8, 3.0, 10, 4.0)
    assert round(effect["cohens_d"], 4) == round(d, 4)
    assert round(effect["hedges_g"], 4) == round(d * (1 - 3 / (4 * 18 - 9)), 4)
    assert effect["cohens_d"] > 0.4 > effect["hedges_g"] and effect["band"] == "typical" and not effect["above_hinge"]


@pytest.mark.parametrize(("change", "field"), [
    ({"pre": {"n": 1, "mean": 50, "sd": 5}}, "pre.n"),
    ({"post": {"n": 0, "mean": 50, "sd": 5}}, "post.n"),
    ({"pre": {"n": 30, "mean": 50, "sd": 0}}, "pre.sd"),
    ({"post": {"n": 30, "mean": 50, "sd": -2.5}}, "post.sd"),
    ({"pre": None}, "pre"),
    ({"post": "high"}, "post"),
    ({"pre": {"n": 30, "mean": "fifty", "sd": 5}}, "pre"),
    ({"pre": {"n": 30, "sd": 5}}, "pre"),
    ({"measure": "  "}, "measure"),
    ({"group": ""}, "group"),
    ({"effect_size": 2.0}, "effect_size"),
])
def test_bad_outcome_input_is_422_with_field_messages(call, work, change, field):
    body = error(call("teacher", "POST", f"/api/v1/cycles/{work['cycle_id']}/outcomes",
                      json={**OUTCOME, **change}), 422, field)
    assert body["error"] == "unprocessable"
    assert ok(call("teacher", "GET", f"/api/v1/cycles/{work['cycle_id']}"))["outcomes"] == []


@pytest.mark.parametrize("missing", ["pre", "post"])
def test_outcome_without_pre_or_post_says_which(call, work, missing):
    body = {key: value for key, value in OUTCOME.items() if key != missing}
    answer = error(call("teacher", "POST", f"/api/v1/cycles/{work['cycle_id']}/outcomes?lang=en", json=body),
                   422, missing)
    expected = {"pre": "Enter the scores before the cycle (pre-test) as well as after.",
                "post": "Enter the scores after the cycle (post-test)."}[missing]
    assert answer["fields"][missing] == [expected]


def test_input_messages_follow_the_locale(call, world):
    english = error(call("teacher", "POST", "/api/v1/goals?lang=en", json={"school_id": world.school_a.id}),
                    422, "statement", "academic_year_be")
    assert english["fields"]["statement"] == ["This field is required."]
    unknown = error(call("teacher", "POST", "/api/v1/circles?lang=en", json={
        "school_id": world.school_a.id, "name": "x", "meeting_count": 99, "meeting_period": "month", "colour": 1}),
        422, "meeting_count", "colour")
    assert unknown["fields"]["meeting_count"] == ["Enter a value from 1 to 31."]
    assert unknown["fields"]["colour"] == ["This field is not expected."]
    listed = error(call("teacher", "POST", "/api/v1/innovations?lang=en", json={
        "owner": {"school_id": world.school_a.id}, "kind": "classroom_model", "visibility": "school",
        "name_th": "x", "steps": [{"text_th": "ก"}, {"code": 5}]}), 422, "steps")
    assert listed["fields"]["steps"] == {"1": {"code": ["Enter text."], "text_th": ["This field is required."]}}


def test_input_messages_are_thai_by_default(api, token, world):
    from babel.support import Translations

    answer = error(api.post("/api/v1/goals", token=token("teacher"), json={"school_id": world.school_a.id}),
                   422, "statement")
    [message] = answer["fields"]["statement"]
    thai = Translations.load(str(THAI_CATALOGUE), ["th"]).gettext("This field is required.")
    if thai != "This field is required.":  # the catalogue is compiled (make test, or test_translations)
        assert message == thai and any("\u0e00" <= ch <= "\u0e7f" for ch in message)
    else:
        assert message.strip()


def test_closing_needs_lessons_learned_and_makes_the_cycle_read_only(call, world, work):
    path = f"/api/v1/cycles/{work['cycle_id']}"
    missing = error(call("teacher", "POST", f"{path}/close", json={}), 422)
    assert set(missing["fields"]) == set(LESSONS)
    blank = error(call("teacher", "POST", f"{path}/close", json={**LESSONS, "problems": "  "}), 422, "problems")
    assert set(blank["fields"]) == {"problems"}
    error(call("coach", "POST", f"{path}/close", json=LESSONS), 403)
    assert ok(call("teacher", "GET", path))["status"] == "active"

    closed = ok(call("teacher", "POST", f"{path}/close", json=LESSONS))
    assert closed["status"] == "closed" and closed["closed_at"] and closed["current_phase"] is None
    assert {key: closed["lessons"][key] for key in LESSONS} == LESSONS
    assert closed["lessons"]["recorded_by"]["id"] == world.teacher.id
    assert closed["phases"][0]["state"] == "done" and closed["phases"][1]["state"] == "upcoming"
    assert closed["timeline"][-1]["kind"] == "lessons"
    assert closed["permissions"] == {"work": False}

    # Read-only from now on.
    for action, body in (("close", LESSONS), ("advance", None), ("outcomes", OUTCOME),
                         ("checkpoints", {"stage": "downstream", "evaluated": "x"})):
        kwargs = {"json": body} if body is not None else {}
        assert error(call("teacher", "POST", f"{path}/{action}", **kwargs), 409)["error"] == "conflict"
    error(call("teacher", "POST", f"/api/v1/circles/{work['circle_id']}/meetings",
               json={"held_on": TODAY, "title": "x", "cycle_id": work["cycle_id"]}), 422, "cycle_id")
    after = ok(call("teacher", "GET", path))
    assert after == closed
    assert ok(call("teacher", "GET", "/api/v1/cycles?status=closed"))["total"] == 1


def test_admin_reaches_every_tenant(call, world, work):
    for path in (f"/api/v1/goals/{work['goal_id']}", f"/api/v1/circles/{work['circle_id']}",
                 f"/api/v1/cycles/{work['cycle_id']}", f"/api/v1/innovations/{work['innovation_id']}"):
        ok(call("admin", "GET", path))
    assert ok(call("admin", "GET", "/api/v1/innovations"))["total"] == 1
    assert ok(call("admin", "GET", "/api/v1/circles"))["total"] == 1


def test_malformed_and_non_object_bodies_are_refused(call, work):
    path = f"/api/v1/cycles/{work['cycle_id']}/outcomes"
    assert error(call("teacher", "POST", path, data='{"measure": ', content_type="application/json"),
                 400)["error"] == "bad_request"
    error(call("teacher", "POST", path, data="[1, 2]", content_type="application/json"), 422)
    error(call("teacher", "POST", path, data="measure=x", content_type="application/x-www-form-urlencoded"),
          422, "measure", "pre", "post")
    assert ok(call("teacher", "GET", f"/api/v1/cycles/{work['cycle_id']}"))["outcomes"] == []
