"""The JSON API of issue 4: lesson plans (revisions, diff, restore, fork, comments, showcase,
attachments), reflection logs, coaching visits and search.

Every answer is validated against the OpenAPI document the app publishes (``ApiClient``): an
undeclared status or a body that does not match its schema fails the test."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from plc.i18n import bangkok_today
from plc.models import AuditEvent, Circle, School, User
from tests.app.test_rendering import XSS_CORPUS, executable_parts
from tests.conftest import add_user
from tests.openapi_helpers import error, ok, operations
from tests.plc_helpers import build_plc_work

TOKEN_PATH = "/api/v1/auth/token"
NO_SUCH_ID = 987654
TODAY = bangkok_today()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
THAI_FILE = "ใบงานที่ ๑ เศษส่วน (ฉบับครู).pdf"

ISSUE4_OPERATIONS = {
    ("/api/v1/lesson-plans", "GET"), ("/api/v1/lesson-plans", "POST"),
    ("/api/v1/lesson-plans/{plan_id}", "GET"), ("/api/v1/lesson-plans/{plan_id}", "PATCH"),
    ("/api/v1/lesson-plans/{plan_id}", "DELETE"),
    ("/api/v1/lesson-plans/{plan_id}/revisions", "GET"),
    ("/api/v1/lesson-plans/{plan_id}/revisions/{number}", "GET"),
    ("/api/v1/lesson-plans/{plan_id}/diff", "GET"),
    ("/api/v1/lesson-plans/{plan_id}/revisions/{number}/restore", "POST"),
    ("/api/v1/lesson-plans/{plan_id}/fork", "POST"),
    ("/api/v1/lesson-plans/{plan_id}/comments", "GET"), ("/api/v1/lesson-plans/{plan_id}/comments", "POST"),
    ("/api/v1/lesson-plans/{plan_id}/showcase", "POST"),
    ("/api/v1/lesson-plans/{plan_id}/attachments", "GET"), ("/api/v1/lesson-plans/{plan_id}/attachments", "POST"),
    ("/api/v1/attachments/{attachment_id}", "GET"),
    ("/api/v1/reflections", "GET"), ("/api/v1/reflections", "POST"),
    ("/api/v1/reflections/{reflection_id}", "GET"), ("/api/v1/reflections/{reflection_id}", "PATCH"),
    ("/api/v1/reflections/{reflection_id}/share", "POST"),
    ("/api/v1/reflections/{reflection_id}/feedback", "GET"),
    ("/api/v1/reflections/{reflection_id}/feedback", "POST"),
    ("/api/v1/cycles/{cycle_id}/reflection-count", "GET"),
    ("/api/v1/coaching-visits", "GET"), ("/api/v1/coaching-visits", "POST"),
    ("/api/v1/coaching-visits/{visit_id}", "GET"),
    ("/api/v1/coaching-visits/{visit_id}/held", "POST"),
    ("/api/v1/coaching-visits/{visit_id}/reflection", "POST"),
    ("/api/v1/coaching-visits/{visit_id}/cancel", "POST"),
    ("/api/v1/coaching/calendar", "GET"), ("/api/v1/schools/{school_id}/visit-coverage", "GET"),
    ("/api/v1/search", "GET"),
}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def work(world, in_db) -> dict:
    return build_plc_work(in_db, world)


@pytest.fixture
def colleague(world, in_db, work):
    """A second teacher of school A, a member of the work circle."""
    from plc.services import circles

    with in_db() as session:
        person = add_user("colleague", "teacher", session.get(School, world.school_a.id), name_th="ครูสมชาย ขยัน")
        circles.add_member(session.get(User, world.teacher.id), session.get(Circle, work["circle_id"]), person)
        session.flush()
        return person.id


def ids(items) -> list[int]:
    return sorted(item["id"] for item in items)


def new_plan(call, key: str = "teacher", **fields) -> dict:
    body = {"title": "แผนการจัดการเรียนรู้ เรื่องเศษส่วน", "body_md": "## จุดประสงค์\n- เปรียบเทียบเศษส่วน\n",
            "learning_area": "คณิตศาสตร์", "grade": "ป.4", "duration_minutes": 60, "visibility": "school", **fields}
    return ok(call(key, "POST", "/api/v1/lesson-plans", json=body), 201)


def upload(call, key: str, plan_id: int, name: str, data: bytes):
    return call(key, "POST", f"/api/v1/lesson-plans/{plan_id}/attachments",
                data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


# ---------------------------------------------------------------------------- the document


def test_openapi_document_lists_every_issue4_route(spec):
    documented = {(path, method) for path, method, _op in operations(spec)}
    assert ISSUE4_OPERATIONS - documented == set()
    for path, method in ISSUE4_OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("security", spec.get("security")) == [{"bearerAuth": []}], (method, path)
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        if "{" in path or method != "GET":
            assert "404" in responses, (method, path)
    upload_op = spec["paths"]["/api/v1/lesson-plans/{plan_id}/attachments"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"403", "413", "422"} <= set(upload_op["responses"])
    download = spec["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/png", "text/plain"} <= set(download)
    assert "application/json" not in download


# ---------------------------------------------------------------------------- lesson plans


def test_plan_create_read_update_with_revisions(call, world, work):
    created = new_plan(call, cycle_id=work["cycle_id"], step_ids=work["step_ids"], message="ร่างแรก")
    assert created["revision_count"] == 1 and created["author"]["id"] == world.teacher.id
    assert created["school"]["id"] == world.school_a.id
    assert created["cycle"]["id"] == work["cycle_id"] and created["circle"]["id"] == work["circle_id"]
    assert [s["id"] for s in created["steps"]] == work["step_ids"]
    assert created["body_md"].startswith("## จุดประสงค์") and "<h2>จุดประสงค์</h2>" in created["body_html"]
    assert created["forked_from"] is None and created["forks"] == [] and created["attachments"] == []
    assert created["permissions"] == {"edit": True, "comment": True, "fork": True, "showcase": False}
    path = f"/api/v1/lesson-plans/{created['id']}"

    # The director of the school reads it; only the author edits.
    seen = ok(call("director", "GET", path))
    assert seen["body_html"] == created["body_html"] and seen["permissions"]["edit"] is False
    error(call("director", "PATCH", path, json={"title": "x"}), 403)

    # Metadata only: no new revision.
    same = ok(call("teacher", "PATCH", path, json={"grade": "ป.5"}))
    assert same["revision_created"] is False and same["revision"] is None
    assert same["plan"]["grade"] == "ป.5" and same["plan"]["revision_count"] == 1
    assert same["plan"]["learning_area"] == "คณิตศาสตร์"  # unsent fields are kept
    assert [s["id"] for s in same["plan"]["steps"]] == work["step_ids"]

    changed = ok(call("teacher", "PATCH", path, json={
        "body_md": "## จุดประสงค์\n- เปรียบเทียบและเรียงลำดับเศษส่วน\n", "message": "เพิ่มการเรียงลำดับ"}))
    assert changed["revision_created"] is True
    assert changed["revision"]["number"] == 2 and changed["revision"]["message"] == "เพิ่มการเรียงลำดับ"
    assert changed["plan"]["revision_count"] == 2 and "เรียงลำดับ" in changed["plan"]["body_html"]

    revisions = ok(call("teacher", "GET", f"{path}/revisions"))
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[1]["message"] == "ร่างแรก" and revisions[1]["author"]["id"] == world.teacher.id
    first = ok(call("director", "GET", f"{path}/revisions/1"))
    assert first["body_md"] == created["body_md"] and first["plan_id"] == created["id"]
    error(call("teacher", "GET", f"{path}/revisions/9"), 404)

    diff = ok(call("teacher", "GET", f"{path}/diff"))
    assert (diff["from"], diff["to"]) == (1, 2)
    ops = [(line["op"], line["text"]) for line in diff["lines"]]
    assert ("delete", "- เปรียบเทียบเศษส่วน") in ops and ("insert", "- เปรียบเทียบและเรียงลำดับเศษส่วน") in ops
    assert ops[0] == ("equal", created["title"])
    deleted = next(line for line in diff["lines"] if line["op"] == "delete")
    assert deleted["old_number"] == 4 and deleted["new_number"] is None
    assert ok(call("teacher", "GET", f"{path}/diff?from=2&to=1"))["lines"][3]["op"] == "delete"
    error(call("teacher", "GET", f"{path}/diff?from=1&to=7"), 422, "to")
    error(call("teacher", "GET", f"{path}/diff?from=0"), 422, "from")

    restored = ok(call("teacher", "POST", f"{path}/revisions/1/restore"), 201)
    assert restored["revision_created"] and restored["revision"]["number"] == 3
    assert restored["revision"]["restored_from"] == 1
    assert restored["plan"]["body_md"] == created["body_md"] and restored["plan"]["revision_count"] == 3
    error(call("teacher", "POST", f"{path}/revisions/9/restore"), 404, "number")
    error(call("director", "POST", f"{path}/revisions/1/restore"), 403)


def test_plan_without_text_starts_from_the_learning_area_template(call, work):
    plan = ok(call("teacher", "POST", "/api/v1/lesson-plans", json={
        "title": "แผนใหม่", "learning_area": "วิทยาศาสตร์", "step_ids": work["step_ids"]}), 201)
    assert "กลุ่มสาระการเรียนรู้วิทยาศาสตร์" in plan["body_md"] and "การวัดและประเมินผล" in plan["body_md"]
    headings = [line for line in plan["body_md"].splitlines() if line.startswith("### ")]
    assert any("กระตุ้นความสนใจ" in h for h in headings), headings  # activities per innovation step
    assert "<table>" in plan["body_html"]
    assert plan["visibility"] == "private"


def test_plan_input_is_validated(call, world, work, in_db):
    def post(body):
        return call("teacher", "POST", "/api/v1/lesson-plans", json=body)

    error(post({}), 422, "title")
    error(post({"title": "   ", "body_md": "x"}), 422, "title")
    error(post({"title": "x", "visibility": "everyone"}), 422, "visibility")
    error(post({"title": "x", "visibility": "circle"}), 422, "visibility")
    error(post({"title": "x", "duration_minutes": 0}), 422, "duration_minutes")
    error(post({"title": "x", "step_ids": [NO_SUCH_ID]}), 422, "step_ids")
    # Steps of another tenant's school-only innovation cannot be borrowed (their text would show).
    from plc.services import innovations
    from plc.services.innovations import StepInput, VersionInput

    with in_db() as session:
        hidden = innovations.create(session.get(User, world.outsider.id), owner=session.get(School, world.school_c.id),
                                    kind="classroom_model", visibility="school",
                                    data=VersionInput(name_th="นวัตกรรมลับ", steps=[StepInput(text_th="ขั้นลับ")]))
        session.flush()
        hidden_step = hidden.current.steps[0].id
    error(post({"title": "x", "body_md": "x", "step_ids": [hidden_step]}), 422, "step_ids")
    # Cycles named in the body: another tenant's and a missing one answer the same 404 …
    assert error(call("outsider", "POST", "/api/v1/lesson-plans", json={"title": "x", "cycle_id": work["cycle_id"]}),
                 404) == error(call("outsider", "POST", "/api/v1/lesson-plans",
                                    json={"title": "x", "cycle_id": NO_SUCH_ID}), 404)
    # … one seen but not the caller's to work in is 403.
    error(call("coach", "POST", "/api/v1/lesson-plans", json={"title": "x", "cycle_id": work["cycle_id"]}), 403)
    error(call("coach", "POST", "/api/v1/lesson-plans", json={"title": "x", "circle_id": work["circle_id"]}), 403)
    assert ok(call("teacher", "GET", "/api/v1/lesson-plans?mine=true"))["total"] == 0  # nothing was saved


def test_plan_visibility_and_tenancy(call, world, work):
    private = new_plan(call, visibility="private", title="แผนส่วนตัว")
    school = new_plan(call, visibility="school", title="แผนของโรงเรียน")
    network = new_plan(call, visibility="network", title="แผนของเครือข่าย")
    circle = new_plan(call, visibility="circle", cycle_id=work["cycle_id"], title="แผนของวง")
    seen = {key: ids(ok(call(key, "GET", "/api/v1/lesson-plans"))["items"])
            for key in ("teacher", "director", "teacher2", "coach", "coordinator", "outsider", "coordinator2")}
    assert seen["teacher"] == sorted(p["id"] for p in (private, school, network, circle))
    assert seen["director"] == sorted([school["id"], network["id"]])
    assert seen["teacher2"] == [network["id"]]
    assert seen["coach"] == seen["coordinator"] == sorted([school["id"], network["id"]])
    assert seen["outsider"] == seen["coordinator2"] == []
    for plan in (private, school, network, circle):
        path = f"/api/v1/lesson-plans/{plan['id']}"
        hidden = error(call("outsider", "GET", path), 404)
        assert hidden == error(call("outsider", "GET", f"/api/v1/lesson-plans/{NO_SUCH_ID}"), 404)
        assert hidden == error(call("outsider", "PATCH", path, json={"title": "x"}), 404)
        assert hidden == error(call("outsider", "GET", f"{path}/revisions/1"), 404)
        assert hidden == error(call("outsider", "POST", f"{path}/fork"), 404)
        assert hidden == error(call("outsider", "DELETE", path), 404)
    error(call("teacher2", "GET", f"/api/v1/lesson-plans/{school['id']}"), 404)
    error(call("director", "GET", f"/api/v1/lesson-plans/{private['id']}"), 404)
    error(call("director", "GET", f"/api/v1/lesson-plans/{circle['id']}"), 404)  # not a member of the circle
    error(call("teacher2", "DELETE", f"/api/v1/lesson-plans/{network['id']}"), 403)
    ok(call("admin", "GET", f"/api/v1/lesson-plans/{private['id']}"))


def test_plan_list_filters(call, world, work):
    a = new_plan(call, title="เศษส่วนด้วยสื่อจริง", cycle_id=work["cycle_id"])
    b = new_plan(call, title="การอ่านจับใจความ", learning_area="ภาษาไทย", grade="ป.5", visibility="network")
    c = new_plan(call, "teacher2", title="เรขาคณิตรอบตัว", visibility="network", grade="ป.6")

    def listed(key, query):
        return ids(ok(call(key, "GET", f"/api/v1/lesson-plans?{query}"))["items"])

    assert listed("teacher", "learning_area=ภาษาไทย") == [b["id"]]
    assert listed("teacher", "grade=ป.4") == [a["id"]]
    assert listed("teacher", f"cycle_id={work['cycle_id']}") == [a["id"]]
    assert listed("teacher", "mine=true") == sorted([a["id"], b["id"]])
    assert listed("teacher", f"school_id={world.school_b.id}") == [c["id"]]
    assert listed("teacher", "q=จับใจความ") == [b["id"]]
    assert listed("teacher2", "q=สื่อจริง") == []  # school-only plan of another school
    assert listed("teacher", "q=สื่อจริง") == [a["id"]]
    assert listed("teacher", "showcase=true") == []
    page = ok(call("teacher", "GET", "/api/v1/lesson-plans?per_page=2&page=2"))
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    error(call("teacher", "GET", "/api/v1/lesson-plans?per_page=0"), 422, "per_page")


def test_fork_with_attribution_both_ways_and_delete(call, world):
    original = new_plan(call, visibility="network", title="แผนต้นฉบับ")
    path = f"/api/v1/lesson-plans/{original['id']}"
    ok(call("teacher", "PATCH", path, json={"body_md": "ฉบับปรับปรุง"}))
    copy = ok(call("teacher2", "POST", f"{path}/fork"), 201)
    assert copy["author"]["id"] == world.teacher2.id and copy["visibility"] == "private"
    assert copy["school"]["id"] == world.school_b.id and copy["body_md"] == "ฉบับปรับปรุง"
    assert copy["forked"] is True and copy["revision_count"] == 1
    assert copy["forked_from"] == {"plan_id": original["id"], "revision": 2, "title": "แผนต้นฉบับ",
                                   "author": {"id": world.teacher.id, "name_th": world.teacher.name_th,
                                              "name_en": "Teacher Tester"}, "available": True}
    first = ok(call("teacher2", "GET", f"/api/v1/lesson-plans/{copy['id']}/revisions"))[0]
    assert "แผนต้นฉบับ" in first["message"]
    # Lineage the other way: the forker sees their copy; the author does not see a private copy.
    forks = ok(call("teacher2", "GET", path))["forks"]
    assert [(f["plan_id"], f["revision"]) for f in forks] == [(copy["id"], 2)]
    assert ok(call("teacher", "GET", path))["forks"] == []
    ok(call("teacher2", "PATCH", f"/api/v1/lesson-plans/{copy['id']}", json={"visibility": "network"}))
    assert [f["plan_id"] for f in ok(call("teacher", "GET", path))["forks"]] == [copy["id"]]

    # Deleting (the author only) hides the plan; the fork keeps its credit.
    error(call("teacher2", "DELETE", path), 403)
    assert call("teacher", "DELETE", path).status_code == 204
    error(call("teacher", "GET", path), 404)
    assert original["id"] not in ids(ok(call("teacher", "GET", "/api/v1/lesson-plans"))["items"])
    credit = ok(call("teacher2", "GET", f"/api/v1/lesson-plans/{copy['id']}"))["forked_from"]
    assert credit["plan_id"] == original["id"] and credit["available"] is False


def test_threaded_comments(call, world):
    plan = new_plan(call)
    path = f"/api/v1/lesson-plans/{plan['id']}"
    ok(call("teacher", "PATCH", path, json={"title": "แผนเศษส่วน (ปรับ)"}))
    question = ok(call("director", "POST", f"{path}/comments", json={
        "kind": "question", "body_md": "ใช้เวลา **กี่นาที**?", "revision": 1}), 201)
    assert question["revision"] == 1 and question["kind"] == "question" and question["replies"] == []
    assert "<strong>กี่นาที</strong>" in question["body_html"]
    reply = ok(call("teacher", "POST", f"{path}/comments", json={
        "kind": "note", "body_md": "60 นาที", "parent_id": question["id"]}), 201)
    assert reply["parent_id"] == question["id"] and reply["revision"] == 2  # the latest by default
    ok(call("coach", "POST", f"{path}/comments", json={"kind": "strength", "body_md": "ใช้สื่อจริง"}), 201)
    threads = ok(call("teacher", "GET", f"{path}/comments"))
    assert [c["kind"] for c in threads] == ["question", "strength"]
    assert [r["id"] for r in threads[0]["replies"]] == [reply["id"]]
    assert ok(call("teacher", "GET", path))["comment_count"] == 3

    error(call("teacher", "POST", f"{path}/comments", json={"kind": "rant", "body_md": "x"}), 422, "kind")
    error(call("teacher", "POST", f"{path}/comments", json={"body_md": "   "}), 422, "body_md")
    error(call("teacher", "POST", f"{path}/comments", json={"body_md": "x", "revision": 9}), 422, "revision")
    other = new_plan(call)
    error(call("teacher", "POST", f"/api/v1/lesson-plans/{other['id']}/comments",
               json={"body_md": "x", "parent_id": question["id"]}), 422, "parent_id")
    error(call("outsider", "GET", f"{path}/comments"), 404)
    error(call("teacher2", "POST", f"{path}/comments", json={"body_md": "x"}), 404)


def test_showcase_by_the_coordinator_makes_the_plan_public(call):
    plan = new_plan(call, visibility="school")
    path = f"/api/v1/lesson-plans/{plan['id']}"
    error(call("teacher", "POST", f"{path}/showcase", json={"on": True}), 403)
    error(call("coordinator2", "POST", f"{path}/showcase", json={"on": True}), 404)
    marked = ok(call("coordinator", "POST", f"{path}/showcase", json={"on": True}))
    assert marked["showcase"] is True and marked["visibility"] == "public"
    assert marked["showcased_by"]["name_th"] == "ครู coordinator" and marked["showcased_at"]
    assert ids(ok(call("outsider", "GET", "/api/v1/lesson-plans?showcase=true"))["items"]) == [plan["id"]]
    unmarked = ok(call("coordinator", "POST", f"{path}/showcase", json={"on": False}))
    assert unmarked["showcase"] is False and unmarked["showcased_by"] is None
    error(call("coordinator", "POST", f"{path}/showcase", json={}), 422, "on")


def test_stored_markdown_never_becomes_executable_html(call):
    """Every payload of the XSS corpus, through plans, revisions and comments."""
    plan = new_plan(call, body_md="\n\n".join(XSS_CORPUS))
    assert executable_parts(plan["body_html"]) == [], plan["body_html"]
    path = f"/api/v1/lesson-plans/{plan['id']}"
    for index, payload in enumerate(XSS_CORPUS):
        saved = ok(call("teacher", "PATCH", path, json={"body_md": f"{index}\n\n{payload}"}))
        assert saved["revision_created"]
        assert executable_parts(saved["plan"]["body_html"]) == [], (payload, saved["plan"]["body_html"])
        assert saved["plan"]["body_md"] == f"{index}\n\n{payload}"  # the source is kept as written
        comment = ok(call("director", "POST", f"{path}/comments", json={"body_md": payload}), 201)
        assert executable_parts(comment["body_html"]) == [], (payload, comment["body_html"])
    number = ok(call("teacher", "GET", path))["revision_count"]
    for n in range(1, number + 1):
        revision = ok(call("teacher", "GET", f"{path}/revisions/{n}"))
        assert executable_parts(revision["body_html"]) == [], revision["body_html"]
    for thread in ok(call("teacher", "GET", f"{path}/comments")):
        assert executable_parts(thread["body_html"]) == []


# ---------------------------------------------------------------------------- attachments


def test_thai_file_name_round_trip_and_authorized_download(app, call, api, world):
    plan = new_plan(call, visibility="school")
    uploaded = ok(upload(call, "teacher", plan["id"], THAI_FILE, PDF), 201)
    assert uploaded["name"] == THAI_FILE and uploaded["content_type"] == "application/pdf"
    assert uploaded["size"] == len(PDF) and uploaded["uploaded_by"]["id"] == world.teacher.id
    assert uploaded["url"] == f"/api/v1/attachments/{uploaded['id']}"
    assert [a["id"] for a in ok(call("director", "GET", f"/api/v1/lesson-plans/{plan['id']}/attachments"))] == [
        uploaded["id"]]
    assert ok(call("teacher", "GET", f"/api/v1/lesson-plans/{plan['id']}"))["attachments"][0]["name"] == THAI_FILE

    response = call("director", "GET", uploaded["url"])
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(encoded) == THAI_FILE
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    # Stored under a generated name, never the person's.
    stored = [p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir()]
    assert THAI_FILE not in stored and all(re.fullmatch(r"[0-9a-f]{32}", name) for name in stored)

    # Downloads are authorized like the plan: unseen and missing answer the same 404.
    hidden = error(call("teacher2", "GET", uploaded["url"]), 404)
    assert hidden == error(call("outsider", "GET", uploaded["url"]), 404)
    assert hidden == error(call("teacher2", "GET", f"/api/v1/attachments/{NO_SUCH_ID}"), 404)
    error(api.get(uploaded["url"]), 401)
    # Only the author attaches.
    error(upload(call, "director", plan["id"], "x.pdf", PDF), 403)
    error(upload(call, "outsider", plan["id"], "x.pdf", PDF), 404)
    # A deleted plan's files are gone with it.
    assert call("teacher", "DELETE", f"/api/v1/lesson-plans/{plan['id']}").status_code == 204
    error(call("teacher", "GET", uploaded["url"]), 404)


def test_upload_abuse_is_refused(app, call, monkeypatch):
    plan = new_plan(call)

    def refused(name, data, status=422):
        return error(upload(call, "teacher", plan["id"], name, data), status, "file")

    refused("worksheet.pdf", PNG)  # the content is not what the name claims
    refused("photo.png", b"<script>alert(1)</script>")
    refused("photo.jpg", PDF)
    refused("slides.pptx", PDF)
    refused("notes.txt", b"\x00\x01binary")
    refused("virus.exe", b"MZ\x90\x00")
    refused("page.html", b"<html><script>alert(1)</script></html>")
    refused("image.svg", b"<svg onload=alert(1)>")
    refused("no-extension", PDF)
    refused("empty.pdf", b"")
    error(call("teacher", "POST", f"/api/v1/lesson-plans/{plan['id']}/attachments", data={},
               content_type="multipart/form-data"), 422, "file")
    # Too large for the attachment limit: 413 with the field.
    monkeypatch.setitem(app.config, "PLC_MAX_ATTACHMENT_BYTES", 1024)
    body = refused("big.pdf", PDF + b"0" * 2048, status=413)
    assert body["error"] == "payload_too_large"
    ok(upload(call, "teacher", plan["id"], "small.pdf", PDF), 201)
    # Too large for the whole request: also 413, before anything is read.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    assert error(upload(call, "teacher", plan["id"], "huge.pdf", PDF + b"0" * 8192), 413)["error"] == \
        "payload_too_large"
    assert len(ok(call("teacher", "GET", f"/api/v1/lesson-plans/{plan['id']}/attachments"))) == 1


def test_path_traversal_and_header_injection_names_are_neutralised(app, call, tmp_path):
    plan = new_plan(call)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    before = set(upload_dir.iterdir()) if upload_dir.exists() else set()
    # (The HTTP layer may already drop backslashes from a quoted file name; either way no separator
    # survives and the name ends as the person named it.)
    names = {
        "../../../../etc/cron.d/evil.pdf": "evil.pdf",
        "..\\..\\windows\\system32\\evil.pdf": "evil.pdf",
        "/absolute/path/แผน.pdf": "แผน.pdf",
        "แผน<script>|*?.pdf": "แผน_script____.pdf",
        "..": None,                                    # nothing usable left of the name
        'ใบงาน";\tfilename=evil.html; x=1.pdf': None,  # whatever name arrives, it is neutralised
    }
    for name, ending in names.items():
        response = upload(call, "teacher", plan["id"], name, PDF)
        if ending is None and response.status_code == 422:
            error(response, 422, "file")
            continue
        ending = ending or ".pdf"
        attachment = ok(response, 201)
        assert attachment["name"].endswith(ending) and not attachment["name"].startswith(".")
        assert "/" not in attachment["name"] and "\\" not in attachment["name"]
        assert not re.search(r"[\x00-\x1f\"]", attachment["name"])
        download = call("teacher", "GET", attachment["url"])
        assert download.status_code == 200 and download.get_data() == PDF
        assert "\n" not in download.headers["Content-Disposition"] and "X-Injected" not in download.headers
    after = set(upload_dir.iterdir())
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) and p.parent == upload_dir for p in after - before)
    assert not any(p.name == "evil.pdf" for p in upload_dir.parent.rglob("evil.pdf"))


# ---------------------------------------------------------------------------- reflections


REFLECTION = {"results": "นักเรียนร้อยละ 80 เปรียบเทียบเศษส่วนได้", "problems": "เวลาไม่พอ",
              "next_steps": "เพิ่มกิจกรรมกลุ่ม"}


def new_reflection(call, key, cycle_id, *, share=True, **fields) -> dict:
    created = ok(call(key, "POST", "/api/v1/reflections", json={
        "title": "บันทึกหลังสอน", "cycle_id": cycle_id, **REFLECTION, **fields}), 201)
    assert created["status"] == "draft"
    if share:
        created = ok(call(key, "POST", f"/api/v1/reflections/{created['id']}/share"))
        assert created["status"] == "shared"
    return created


def test_reflection_privacy_matrix(call, world, work, colleague):
    cycle = work["cycle_id"]
    private = new_reflection(call, "teacher", cycle, visibility="private", title="ส่วนตัวมาก")
    pair = new_reflection(call, "teacher", cycle, share=False, visibility="pair", partner_id=world.coach.id,
                          title="คู่โค้ช")
    circle = new_reflection(call, "teacher", cycle, visibility="circle", title="ในวง")
    path = "/api/v1/reflections/{}".format

    def readable(key):
        found = set()
        for reflection in (private, pair, circle):
            response = call(key, "GET", path(reflection["id"]))
            if response.status_code == 200:
                found.add(reflection["title"])
            else:
                body = error(response, 404)
                assert body == error(call(key, "GET", path(NO_SUCH_ID)), 404)  # nothing leaks
                error(call(key, "GET", f"{path(reflection['id'])}/feedback"), 404)
        listed = {r["title"] for r in ok(call(key, "GET", "/api/v1/reflections"))["items"]}
        assert listed == found, key
        return found

    # A draft is the author's alone, even when it names a partner.
    assert readable("coach") == set()
    pair = ok(call("teacher", "POST", f"/api/v1/reflections/{pair['id']}/share"))
    expected = {
        "teacher": {"ส่วนตัวมาก", "คู่โค้ช", "ในวง"},
        "coach": {"คู่โค้ช"},              # the partner, after sharing; not a circle member
        "colleague": {"ในวง"},             # a circle member
        "director": set(), "coordinator": set(), "supervisor": set(), "teacher2": set(), "admin": set(),
        "outsider": set(), "coordinator2": set(),
    }
    for key, titles in expected.items():
        assert readable(key) == titles, key

    # Directors and coordinators see how many, never the text; other tenants not even that.
    for key in ("director", "coordinator", "teacher", "coach"):
        assert ok(call(key, "GET", f"/api/v1/cycles/{cycle}/reflection-count")) == {"cycle_id": cycle, "count": 3}
    new_reflection(call, "teacher", cycle, share=False, title="ร่าง")  # drafts are not counted
    assert ok(call("director", "GET", f"/api/v1/cycles/{cycle}/reflection-count"))["count"] == 3
    hidden = error(call("outsider", "GET", f"/api/v1/cycles/{cycle}/reflection-count"), 404)
    assert hidden == error(call("outsider", "GET", f"/api/v1/cycles/{NO_SUCH_ID}/reflection-count"), 404)
    error(call("teacher2", "GET", f"/api/v1/cycles/{cycle}/reflection-count"), 404)

    # Readers who are not the author may answer but not change it.
    error(call("coach", "PATCH", path(pair["id"]), json={"title": "x"}), 403)
    error(call("coach", "POST", f"{path(pair['id'])}/share"), 403)
    error(call("colleague", "PATCH", path(circle["id"]), json={"title": "x"}), 403)
    error(call("director", "PATCH", path(private["id"]), json={"title": "x"}), 404)
    error(call("director", "POST", f"{path(pair['id'])}/feedback", json={"body_md": "x"}), 404)
    feedback = ok(call("coach", "POST", f"{path(pair['id'])}/feedback", json={
        "body_md": "ลองใช้ **คำถามปลายเปิด** <script>alert(1)</script>"}), 201)
    assert feedback["author"]["id"] == world.coach.id and executable_parts(feedback["body_html"]) == []
    assert "<strong>คำถามปลายเปิด</strong>" in feedback["body_html"]
    ok(call("teacher", "POST", f"{path(pair['id'])}/feedback", json={"body_md": "ขอบคุณค่ะ"}), 201)
    thread = ok(call("coach", "GET", f"{path(pair['id'])}/feedback"))
    assert [f["author"]["id"] for f in thread] == [world.coach.id, world.teacher.id]
    assert ok(call("teacher", "GET", path(pair["id"])))["feedback_count"] == 2
    error(call("colleague", "POST", f"{path(pair['id'])}/feedback", json={"body_md": "x"}), 404)

    # Narrowing the visibility takes the text away again.
    ok(call("teacher", "PATCH", path(circle["id"]), json={"visibility": "private"}))
    error(call("colleague", "GET", path(circle["id"])), 404)


def test_reflection_draft_autosave_and_validation(call, world, work):
    cycle = work["cycle_id"]
    draft = ok(call("teacher", "POST", "/api/v1/reflections", json={
        "title": "กำลังเขียน", "cycle_id": cycle, "body_md": "## วันนี้\n<img src=x onerror=alert(1)>",
        "innovation_tried": "EAR", "lessons_learned": "นักเรียนชอบลงมือทำ"}), 201)
    assert draft["status"] == "draft" and draft["visibility"] == "private" and draft["partner"] is None
    assert draft["innovation_tried"] == "EAR" and draft["results"] is None
    assert executable_parts(draft["body_html"]) == [] and "<h2>วันนี้</h2>" in draft["body_html"]
    assert draft["permissions"] == {"edit": True, "feedback": True}
    path = f"/api/v1/reflections/{draft['id']}"
    saved = ok(call("teacher", "PATCH", path, json={"results": "ดีขึ้น"}))  # autosave sends a part
    assert saved["results"] == "ดีขึ้น" and saved["lessons_learned"] == "นักเรียนชอบลงมือทำ"
    assert saved["cycle"] == {"id": cycle, "title": "เศษส่วนด้วยสื่อจริง"}

    error(call("teacher", "POST", "/api/v1/reflections", json={"title": "x"}), 422, "cycle_id")
    error(call("teacher", "POST", "/api/v1/reflections", json={"title": "x", "cycle_id": cycle,
                                                               "visibility": "pair"}), 422, "partner_id")
    error(call("teacher", "PATCH", path, json={"partner_id": world.outsider.id, "visibility": "pair"}), 422,
          "partner_id")
    error(call("teacher", "PATCH", path, json={"visibility": "network"}), 422, "visibility")
    empty = ok(call("teacher", "POST", "/api/v1/reflections", json={"title": "ว่าง", "cycle_id": cycle}), 201)
    error(call("teacher", "POST", f"/api/v1/reflections/{empty['id']}/share"), 422, "results")
    # Cycles named in the body: unseen and missing 404 alike; seen but not the caller's: 403.
    assert error(call("outsider", "POST", "/api/v1/reflections", json={"title": "x", "cycle_id": cycle}), 404) == \
        error(call("outsider", "POST", "/api/v1/reflections", json={"title": "x", "cycle_id": NO_SUCH_ID}), 404)
    error(call("coach", "POST", "/api/v1/reflections", json={"title": "x", "cycle_id": cycle}), 403)
    hidden_plan = new_plan(call, "teacher2", visibility="private")
    error(call("teacher", "PATCH", path, json={"lesson_plan_id": hidden_plan["id"]}), 404)
    mine = new_plan(call, visibility="private")
    assert ok(call("teacher", "PATCH", path, json={"lesson_plan_id": mine["id"]}))["lesson_plan_id"] == mine["id"]
    listed = ok(call("teacher", "GET", f"/api/v1/reflections?cycle_id={cycle}&mine=true"))
    assert ids(listed["items"]) == sorted([draft["id"], empty["id"]])


# ---------------------------------------------------------------------------- coaching visits


def test_visit_is_planned_held_reflected_and_seen_by_the_right_people(call, world, work):
    planned = ok(call("coach", "POST", "/api/v1/coaching-visits", json={
        "teacher_id": world.teacher.id, "school_id": world.school_a.id, "planned_on": TODAY.isoformat(),
        "focus": "การใช้คำถามกระตุ้นการคิด", "observe_what": "การมีส่วนร่วมของนักเรียนกลุ่มอ่อน",
        "cycle_id": work["cycle_id"]}), 201)
    assert planned["status"] == "planned" and planned["coach"]["id"] == world.coach.id
    assert planned["teacher"]["id"] == world.teacher.id and planned["cycle"]["id"] == work["cycle_id"]
    assert planned["permissions"] == {"edit": True}
    path = f"/api/v1/coaching-visits/{planned['id']}"

    for key in ("coach", "teacher", "director", "coordinator", "admin"):
        assert planned["id"] in ids(ok(call(key, "GET", "/api/v1/coaching-visits"))["items"]), key
        ok(call(key, "GET", path))
    for key in ("teacher2", "supervisor", "outsider", "coordinator2", "director_c"):
        assert ok(call(key, "GET", "/api/v1/coaching-visits"))["total"] == 0, key
        assert error(call(key, "GET", path), 404) == error(call(key, "GET", f"/api/v1/coaching-visits/{NO_SUCH_ID}"),
                                                           404)
    assert ok(call("director", "GET", path))["permissions"] == {"edit": False}

    held_body = {"held_on": TODAY.isoformat(), "observation_notes": "นักเรียนกลุ่มอ่อนตอบคำถามมากขึ้น",
                 "follow_up": "ลองให้นักเรียนตั้งคำถามเอง", "follow_up_due_on": (TODAY + timedelta(days=14)).isoformat()}
    error(call("teacher", "POST", f"{path}/reflection", json={"text": "x"}), 422, "status")  # not held yet
    error(call("director", "POST", f"{path}/held", json=held_body), 403)
    error(call("teacher", "POST", f"{path}/held", json=held_body), 403)  # the coach records it, as the page answers
    error(call("coach", "POST", f"{path}/held", json={**held_body, "held_on": (TODAY + timedelta(days=3)).isoformat()}),
          422, "held_on")
    error(call("coach", "POST", f"{path}/held", json={"held_on": TODAY.isoformat()}), 422, "observation_notes")
    held = ok(call("coach", "POST", f"{path}/held", json=held_body))
    assert held["status"] == "held" and held["observation_notes"].startswith("นักเรียนกลุ่มอ่อน")
    ok(call("coach", "POST", f"{path}/reflection", json={"text": "ครูใช้คำถามได้ดีขึ้น"}))
    both = ok(call("teacher", "POST", f"{path}/reflection", json={"text": "ได้แนวทางตั้งคำถาม"}))
    assert (both["coach_reflection"], both["teacher_reflection"]) == ("ครูใช้คำถามได้ดีขึ้น", "ได้แนวทางตั้งคำถาม")
    error(call("director", "POST", f"{path}/reflection", json={"text": "x"}), 403)
    error(call("coach", "POST", f"{path}/cancel"), 422, "status")
    listed = ok(call("director", "GET", f"/api/v1/coaching-visits?status=held&teacher_id={world.teacher.id}"))
    assert ids(listed["items"]) == [planned["id"]]

    later = ok(call("coach", "POST", "/api/v1/coaching-visits", json={
        "teacher_id": world.teacher.id, "school_id": world.school_a.id,
        "planned_on": (TODAY + timedelta(days=30)).isoformat(), "focus": "ติดตามผล"}), 201)
    cancelled = ok(call("teacher", "POST", f"/api/v1/coaching-visits/{later['id']}/cancel"))
    assert cancelled["status"] == "cancelled"


def test_visit_planning_is_refused_where_it_must_be(call, world, work, colleague, in_db):
    def plan(key, **overrides):
        body = {"teacher_id": world.teacher.id, "school_id": world.school_a.id, "planned_on": TODAY.isoformat(),
                "focus": "การอ่าน", **overrides}
        return call(key, "POST", "/api/v1/coaching-visits", json=body)

    # A teacher coaches nobody: 403, as the page answers, and the refusal is in the audit trail.
    error(plan("teacher", teacher_id=colleague), 403)
    with in_db() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied")).all()
        assert [(e.actor_id, e.target_id, e.details) for e in denied] == [
            (world.teacher.id, colleague, {"attempted": "visit.plan", "status": 403})]
    error(plan("teacher2"), 404)  # a teacher of school B does not see school A's staff
    error(plan("coach", teacher_id=world.teacher2.id), 422, "teacher_id")  # not a teacher of that school
    error(plan("coach", focus="   "), 422, "focus")
    error(plan("coach", planned_on="พรุ่งนี้"), 422, "planned_on")
    hidden = error(plan("outsider"), 404)               # another tenant's school …
    assert hidden == error(plan("outsider", school_id=NO_SUCH_ID), 404)  # … answers like a missing one
    error(plan("coach", teacher_id=world.outsider.id, school_id=world.school_c.id), 404)
    error(plan("coach", teacher_id=NO_SUCH_ID), 404)
    error(plan("coach", cycle_id=NO_SUCH_ID), 404)
    assert ok(call("coach", "GET", "/api/v1/coaching-visits"))["total"] == 0


def test_coach_calendar_and_school_coverage(call, world, work, colleague, in_db):
    from plc.services import coaching

    with in_db() as session:
        coach, school = session.get(User, world.coach.id), session.get(School, world.school_a.id)
        teacher = session.get(User, world.teacher.id)
        first = coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=date(2025, 6, 10), focus="ก")
        coaching.record_held(coach, first, held_on=date(2025, 6, 10), observation_notes="สังเกต",
                             follow_up="ติดตาม", follow_up_due_on=date(2025, 7, 1))
        missed = coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=date(2025, 7, 15), focus="ข")
        coaching.cancel(coach, coaching.plan_visit(coach, teacher=teacher, school=school,
                                                   planned_on=date(2025, 8, 1), focus="ค"))
        coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=date(2026, 1, 5), focus="อีกภาค")
        session.flush()
        first_id, missed_id = first.id, missed.id

    calendar = ok(call("coach", "GET", "/api/v1/coaching/calendar?term=1/2568"))
    assert calendar["term"] == {"label": "1/2568", "starts_on": "2025-05-16", "ends_on": "2025-10-31"}
    assert calendar["coach"]["id"] == world.coach.id
    [row] = calendar["teachers"]
    assert (row["teacher"]["id"], row["planned"], row["held"]) == (world.teacher.id, 2, 1)
    assert sorted(v["id"] for v in row["overdue"]) == sorted([first_id, missed_id])  # follow-up due, date passed
    assert row["next_visit"] is None
    assert ok(call("teacher", "GET", "/api/v1/coaching/calendar?term=1/2568"))["teachers"] == []  # the caller's
    assert ok(call("coach", "GET", "/api/v1/coaching/calendar"))["term"]["label"]
    for bad in ("3/2568", "2568", "x/y", "1/68"):
        error(call("coach", "GET", f"/api/v1/coaching/calendar?term={bad}"), 422, "term")

    coverage_path = f"/api/v1/schools/{world.school_a.id}/visit-coverage?term=1/2568"
    coverage = ok(call("director", "GET", coverage_path))
    assert coverage["school"]["id"] == world.school_a.id and coverage["term"]["label"] == "1/2568"
    rows = {r["teacher"]["id"]: r for r in coverage["teachers"]}
    assert rows[world.teacher.id]["held"] == 1 and rows[world.teacher.id]["last_held_on"] == "2025-06-10"
    assert rows[colleague]["held"] == 0 and coverage["teachers"][0]["teacher"]["id"] == colleague  # none first
    assert coverage["without_visit"] == 1
    assert ok(call("coach", "GET", coverage_path)) == coverage
    assert ok(call("coordinator", "GET", coverage_path))["without_visit"] == 1
    assert ok(call("director", "GET", f"/api/v1/schools/{world.school_a.id}/visit-coverage?term=2/2568"))[
        "without_visit"] == 2
    error(call("teacher", "GET", coverage_path), 403)
    hidden = error(call("outsider", "GET", coverage_path), 404)
    assert hidden == error(call("outsider", "GET", f"/api/v1/schools/{NO_SUCH_ID}/visit-coverage"), 404)


# ---------------------------------------------------------------------------- search


def test_search_finds_thai_inside_thai_and_only_what_the_caller_may_see(call, world, work, in_db):
    from plc.services import lesson_plans
    from plc.services.lesson_plans import PlanInput

    shared = new_plan(call, visibility="network", title="กิจกรรมการจัดการเรียนรู้เชิงรุกเรื่องเศษส่วน",
                      learning_area="คณิตศาสตร์", grade="ป.4", step_ids=work["step_ids"])
    private = new_plan(call, visibility="private", title="แผนลับ", body_md="คำเฉพาะ ซ่อนเร้นพิเศษยิ่ง")
    school_only = new_plan(call, visibility="school", title="เชิงรุกในโรงเรียน")
    with in_db() as session:  # another tenant's private plan using the same words
        other = lesson_plans.create(session.get(User, world.outsider.id), PlanInput(
            title="เชิงรุกของโรงเรียนอื่น", body_md="ซ่อนเร้นพิเศษยิ่ง", visibility="private"))
        session.flush()
        other_id = other.id
    # A private reflection with a unique word: reflections are never indexed, for anyone.
    secret = "ความลับสุดยอดของครูสมศรี"
    reflection = new_reflection(call, "teacher", work["cycle_id"], visibility="private", title=secret,
                                results=secret)

    def found(key, query):
        page = ok(call(key, "GET", f"/api/v1/search?{query}"))
        return {(item["kind"], item["id"]) for item in page["items"]}, page

    teacher_hits, page = found("teacher", "q=เชิงรุก")
    assert {("lesson_plan", shared["id"]), ("lesson_plan", school_only["id"]),
            ("innovation", work["innovation_id"])} <= teacher_hits
    assert ("lesson_plan", other_id) not in teacher_hits
    item = next(i for i in page["items"] if i["id"] == shared["id"] and i["kind"] == "lesson_plan")
    assert item["title"] == shared["title"] and item["url"] == f"/api/v1/lesson-plans/{shared['id']}"
    ok(call("teacher", "GET", item["url"]))
    teacher2_hits, _ = found("teacher2", "q=เชิงรุก")
    assert ("lesson_plan", shared["id"]) in teacher2_hits and ("lesson_plan", school_only["id"]) not in teacher2_hits
    outsider_hits, _ = found("outsider", "q=เชิงรุก")
    assert outsider_hits == {("lesson_plan", other_id)}

    assert found("teacher", "q=ซ่อนเร้น")[0] == {("lesson_plan", private["id"])}
    for key in ("teacher2", "director", "coordinator", "coach"):
        assert ("lesson_plan", private["id"]) not in found(key, "q=ซ่อนเร้น")[0], key
    assert found("outsider", "q=ซ่อนเร้น")[0] == {("lesson_plan", other_id)}
    for key in ("teacher", "coach", "director", "coordinator", "admin", "outsider"):
        hits, page = found(key, f"q={secret}")
        assert hits == set() and page["total"] == 0, key
        assert found(key, "q=สุดยอดของครู")[1]["total"] == 0, key
    assert reflection["title"] == secret

    # Filters, kinds and short queries.
    assert found("teacher", "q=เชิงรุก&kind=innovation")[0] == {("innovation", work["innovation_id"])}
    assert found("teacher", f"q=เชิงรุก&innovation_id={work['innovation_id']}&kind=lesson_plan")[0] == {
        ("lesson_plan", shared["id"])}
    assert found("teacher", "learning_area=คณิตศาสตร์&grade=ป.4&kind=lesson_plan")[0] == {
        ("lesson_plan", shared["id"]), ("lesson_plan", private["id"]), ("lesson_plan", school_only["id"])}
    assert found("teacher2", "learning_area=คณิตศาสตร์&grade=ป.4")[0] == {("lesson_plan", shared["id"])}
    assert found("teacher", "learning_area=ภาษาไทย")[0] == set()
    assert ("lesson_plan", shared["id"]) in found("teacher2", f"q=เศษ&school_id={world.school_a.id}")[0]
    assert found("teacher", f"q=เชิงรุก&school_id={world.school_b.id}")[0] == set()
    assert ("circle", work["circle_id"]) in found("teacher", "q=ป.")[0]  # two characters: LIKE
    assert found("teacher", "q=%25")[0] == set()  # "%" is text, not a wildcard
    error(call("teacher", "GET", "/api/v1/search?kind=reflection"), 422, "kind")
    error(call("teacher", "GET", "/api/v1/search?q=" + "ก" * 101), 422, "q")
    paged = ok(call("teacher", "GET", "/api/v1/search?q=เชิงรุก&per_page=1&page=2"))
    assert paged["page"] == 2 and len(paged["items"]) == 1 and paged["total"] >= 3

    # A deleted plan leaves the index.
    assert call("teacher", "DELETE", f"/api/v1/lesson-plans/{shared['id']}").status_code == 204
    assert ("lesson_plan", shared["id"]) not in found("teacher", "q=เชิงรุก")[0]


def test_issue4_ids_are_404_alike_for_another_tenant(call, world, work, colleague, in_db):
    """Every issue-4 route with an id answers another tenant exactly as for an id that does not exist
    (the issue-3 tenancy test covers the same routes with the objects of ``build_issue4_work``)."""
    plan = new_plan(call, visibility="network", cycle_id=work["cycle_id"])
    attachment = ok(upload(call, "teacher", plan["id"], "ก.pdf", PDF), 201)
    reflection = new_reflection(call, "teacher", work["cycle_id"], visibility="circle")
    visit = ok(call("coach", "POST", "/api/v1/coaching-visits", json={
        "teacher_id": world.teacher.id, "school_id": world.school_a.id, "planned_on": TODAY.isoformat(),
        "focus": "ก"}), 201)
    real = {"plan_id": plan["id"], "number": 1, "attachment_id": attachment["id"], "reflection_id": reflection["id"],
            "visit_id": visit["id"], "cycle_id": work["cycle_id"], "school_id": world.school_a.id}
    from tests.plc_helpers import issue4_bodies

    bodies = issue4_bodies()
    for path, method in sorted(ISSUE4_OPERATIONS):
        if "{" not in path:
            continue
        kwargs = {"json": bodies[(method, path)]} if (method, path) in bodies else {}
        concrete = re.sub(r"\{(\w+)\}", lambda m: str(real[m.group(1)]), path)
        missing = re.sub(r"\{(\w+)\}", str(NO_SUCH_ID), path)
        for key in ("outsider", "coordinator2", "director_c"):
            hidden = error(call(key, method, concrete, **kwargs), 404)
            assert hidden == error(call(key, method, missing, **kwargs), 404), (key, method, path)
    assert ok(call("teacher", "GET", f"/api/v1/lesson-plans/{plan['id']}"))["title"] == plan["title"]  # unchanged
