"""The lesson-plan pages: writing with a preview, comments, revisions, diffs, restoring, adapting a
colleague's plan, the showcase, attachments, who sees what, and hostile input through the pages.

Journeys go through the test client with CSRF tokens as a browser would; the data a test starts
from is built through the services in a short application context (``in_db``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from plc.models import Attachment, Circle, CircleMember, Comment, LessonPlan, LessonPlanRevision, School, User
from plc.services import circles, lesson_plans
from plc.services.lesson_plans import PlanInput
from tests.app.test_rendering import XSS_CORPUS, executable_parts
from tests.conftest import count, csrf_from, login, post_form, text_of
from tests.plc_helpers import build_plc_work

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n% plan\n" + b"0" * 64 + b"\n%%EOF\n"
THAI_NAME = "ใบงานที่ 1 การอ่าน.pdf"
VIEWERS = ["teacher", "teacher2", "director", "coordinator", "outsider"]


# ---------------------------------------------------------------------------- helpers


def client_for(app, key: str, lang: str = "en"):
    """A logged-in client, English by default so the assertions read the msgids."""
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


def make_plan(in_db, world, author: str = "teacher", **fields) -> int:
    data = {"title": "แผนการอ่านจับใจความ", "body_md": "# แผนที่ 1\n\n- อ่านเรื่องสั้น", "visibility": "network",
            **fields}
    with in_db() as session:
        plan = lesson_plans.create(session.get(User, getattr(world, author).id), PlanInput(**data))
        session.flush()
        return plan.id


def attach(in_db, world, plan_id: int, name: str = "รูปกิจกรรม.png", data: bytes = PNG, author: str = "teacher") -> int:
    with in_db() as session:
        attachment = lesson_plans.add_attachment(session.get(User, getattr(world, author).id),
                                                 session.get(LessonPlan, plan_id), name, data)
        session.flush()
        return attachment.id


def upload(client, plan_id: int, name: str, data: bytes):
    from io import BytesIO

    token = csrf_from(client, f"/lesson-plans/{plan_id}")
    return client.post(f"/lesson-plans/{plan_id}/attachments", data={"csrf_token": token, "file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def plan_form(**overrides) -> dict:
    return {"title": "แผนที่ 3 เศษส่วนด้วยสื่อจริง", "learning_area": "คณิตศาสตร์", "grade": "ป.4/1",
            "duration_minutes": "60", "cycle_id": "0", "circle_id": "0", "visibility": "network",
            "body_md": "# เศษส่วน\n\n## ขั้นนำ\n- ทบทวนการแบ่งของ\n", "message": "", "action": "save", **overrides}


def plan_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/lesson-plans/(\d+)", response.headers["Location"]).group(1))


class _UserContent(HTMLParser):
    """Collects the markup inside elements marked ``user-content`` (plan bodies, comments), as sent."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.parts.append(self.get_starttag_text())
            if tag not in ("br", "hr", "img", "input", "meta", "link"):
                self.depth += 1
        elif "user-content" in classes:
            self.depth = 1

    def handle_startendtag(self, tag, attrs):
        if self.depth:
            self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth:
                self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)

    def handle_entityref(self, name):
        if self.depth:
            self.parts.append(f"&{name};")

    def handle_charref(self, name):
        if self.depth:
            self.parts.append(f"&#{name};")


def user_content(html: str) -> str:
    parser = _UserContent()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _Handlers(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            ours = tag == "textarea" and name.startswith("hx-") and dict(attrs).get("name") == "body_md"
            if name.startswith(("on", "hx-", "data-hx")) and not ours:
                self.found.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction") and "".join((value or "").split()).lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def active_attributes(html: str) -> list[str]:
    """Event handlers, htmx attributes (other than the preview's own) and script URLs anywhere in a page."""
    parser = _Handlers()
    parser.feed(html)
    parser.close()
    return parser.found


def only_our_scripts(html: str) -> bool:
    """The page's only scripts are the two vendored files, loaded from /static."""
    scripts = re.findall(r"<script[^>]*>", html, re.I)
    return len(scripts) == 2 and all(re.search(r'src="/static/(vendor/htmx\.min|js/app)\.js"', s) for s in scripts)


@pytest.fixture
def work(world, in_db) -> dict:
    return build_plc_work(in_db, world)


# ---------------------------------------------------------------------------- the journey


def test_teacher_writes_colleague_comments_author_revises_restores_and_colleague_adapts(app, world, work, in_db):
    teacher = client_for(app, "teacher")
    cycle_id = work["cycle_id"]

    # The cycle page invites a plan; the form starts from the template with the cycle's steps.
    cycle_page = text_of(teacher, f"/cycles/{cycle_id}")
    assert f"/lesson-plans/new?cycle_id={cycle_id}" in cycle_page and "No lesson plan of this cycle" in cycle_page
    form = text_of(teacher, f"/lesson-plans/new?cycle_id={cycle_id}")
    assert "## กิจกรรมการเรียนรู้" in form and "### E Engage – กระตุ้นความสนใจ" in form
    assert "แผนการจัดการเรียนรู้ กลุ่มสาระการเรียนรู้คณิตศาสตร์" in form, "the circle's learning area"
    for step_id in work["step_ids"]:
        assert re.search(rf'id="step-{step_id}" value="{step_id}" checked', form)
    assert 'hx-post="/lesson-plans/preview"' in form and 'hx-trigger="keyup changed delay:600ms"' in form
    assert re.search(r'<input checked[^>]*value="circle"', form), "a cycle's plan is shared with its circle by default"

    body = "# เศษส่วนด้วยสื่อจริง\n\n## ขั้นนำ\n- ทบทวนการแบ่งของ\n\n## ขั้นสอน\n- แบ่งกระดาษเป็นสี่ส่วน\n\n## ขั้นสรุป\n- สรุปร่วมกัน\n"
    response = post_form(teacher, f"/lesson-plans/new?cycle_id={cycle_id}", plan_form(
        body_md=body, cycle_id=str(cycle_id), step_ids=work["step_ids"], message="ฉบับแรก"),
        page=f"/lesson-plans/new?cycle_id={cycle_id}")
    plan_id = plan_id_from(response)
    page = text_of(teacher, f"/lesson-plans/{plan_id}")
    assert "The lesson plan is saved as revision 1." in page
    assert "<h1>เศษส่วนด้วยสื่อจริง</h1>" in page and "<li>แบ่งกระดาษเป็นสี่ส่วน</li>" in page
    assert "Visible to: My school" in page and "Engage" in page and "Mathematics" in page
    assert "เศษส่วนด้วยสื่อจริง" in text_of(teacher, f"/cycles/{cycle_id}"), "the cycle's slot lists the plan"

    # A colleague from another school of the network finds it, asks a question; the author replies.
    teacher2 = client_for(app, "teacher2")
    assert f"/lesson-plans/{plan_id}" in text_of(teacher2, "/lesson-plans")
    response = post_form(teacher2, f"/lesson-plans/{plan_id}/comments",
                         {"kind": "question", "body_md": "ใช้กระดาษ **กี่แผ่น** ต่อกลุ่มคะ", "revision": "1"},
                         page=f"/lesson-plans/{plan_id}")
    assert response.status_code == 302 and "#comment-" in response.headers["Location"]
    question_id = int(response.headers["Location"].rsplit("-", 1)[1])
    response = post_form(teacher, f"/lesson-plans/{plan_id}/comments",
                         {"kind": "note", "body_md": "กลุ่มละสองแผ่นค่ะ", "parent_id": str(question_id)},
                         page=f"/lesson-plans/{plan_id}")
    assert response.status_code == 302
    page = text_of(teacher2, f"/lesson-plans/{plan_id}")
    assert "<strong>กี่แผ่น</strong>" in page and "Question" in page and "on revision 1" in page
    assert re.search(rf'id="comment-{question_id}".*?class="comment-thread replies">.*?กลุ่มละสองแผ่นค่ะ', page, re.S)
    assert f"/lesson-plans/{plan_id}/edit" not in page, "colleagues comment and adapt; the author edits"

    # The author revises: a change is revision 2, saving the same text makes none.
    revised = body.replace("- แบ่งกระดาษเป็นสี่ส่วน\n", "- แบ่งกระดาษเป็นสี่ส่วน กลุ่มละสองแผ่น\n- ให้นักเรียนอธิบาย\n")
    edit_data = plan_form(body_md=revised, cycle_id=str(cycle_id), visibility="network", step_ids=work["step_ids"],
                          message="ตอบคำถามเรื่องกระดาษ")
    response = post_form(teacher, f"/lesson-plans/{plan_id}/edit", edit_data, page=f"/lesson-plans/{plan_id}/edit")
    assert response.status_code == 302
    assert "Saved as revision 2." in text_of(teacher, f"/lesson-plans/{plan_id}")
    response = post_form(teacher, f"/lesson-plans/{plan_id}/edit", {**edit_data, "message": "ไม่มีอะไรเปลี่ยน"},
                         page=f"/lesson-plans/{plan_id}/edit")
    assert response.status_code == 302
    assert "did not change, so no new revision" in text_of(teacher, f"/lesson-plans/{plan_id}")
    assert count(in_db, LessonPlanRevision, LessonPlanRevision.plan_id == plan_id) == 2

    history = text_of(teacher2, f"/lesson-plans/{plan_id}/history")
    assert "Revision 2" in history and "Revision 1" in history and "ตอบคำถามเรื่องกระดาษ" in history
    assert "ฉบับแรก" in history and "/revisions/1/restore" not in history, "only the author restores"
    diff = text_of(teacher2, f"/lesson-plans/{plan_id}/diff?from=1&to=2")
    assert "2 lines added, 1 line removed" in diff
    assert re.search(r'diff-delete">.*?−</span><del class="diff-text"><span class="visually-hidden">Removed: </span>'
                     r"- แบ่งกระดาษเป็นสี่ส่วน</del>", diff, re.S)
    assert re.search(r'diff-insert">.*?\+</span><ins class="diff-text"><span class="visually-hidden">Added: </span>'
                     r"- ให้นักเรียนอธิบาย</ins>", diff, re.S)
    assert "<span class=\"diff-text\">## ขั้นนำ</span>" in diff, "unchanged context is shown plainly"

    # Restoring revision 1 asks first, then adds revision 3.
    confirm = text_of(teacher, f"/lesson-plans/{plan_id}/revisions/1/restore")
    assert "Restore revision 1?" in confirm
    assert count(in_db, LessonPlanRevision, LessonPlanRevision.plan_id == plan_id) == 2
    response = post_form(teacher, f"/lesson-plans/{plan_id}/revisions/1/restore",
                         page=f"/lesson-plans/{plan_id}/revisions/1/restore")
    assert response.status_code == 302
    history = text_of(teacher, f"/lesson-plans/{plan_id}/history")
    assert "Revision 3" in history and "restored from revision 1" in history
    with in_db() as session:
        plan = session.get(LessonPlan, plan_id)
        assert plan.revision_count == 3 and plan.body_md == body and plan.revisions[-1].restored_from == 1
    assert "ให้นักเรียนอธิบาย" in text_of(teacher, f"/lesson-plans/{plan_id}/revisions/2")
    assert "ให้นักเรียนอธิบาย" not in user_content(text_of(teacher, f"/lesson-plans/{plan_id}"))

    # The colleague adapts it for her class: her own private copy credits the original.
    response = post_form(teacher2, f"/lesson-plans/{plan_id}/fork", page=f"/lesson-plans/{plan_id}")
    fork_id = plan_id_from(response)
    assert fork_id != plan_id
    fork_page = text_of(teacher2, f"/lesson-plans/{fork_id}")
    assert "Adapted from" in fork_page and f"/lesson-plans/{plan_id}/revisions/3" in fork_page
    assert "(revision 3)" in fork_page and "by Teacher Tester" in fork_page and "Visible to: Only me" in fork_page
    original = text_of(teacher2, f"/lesson-plans/{plan_id}")
    assert "Adapted as" in original and f"/lesson-plans/{fork_id}" in original
    assert f"/lesson-plans/{fork_id}" not in text_of(teacher, f"/lesson-plans/{plan_id}"), "a private copy stays private"
    text_of(teacher, f"/lesson-plans/{fork_id}", status=404)
    fork_form = plan_form(title="เศษส่วน ป.4/2", body_md=body + "\n- ปรับสำหรับห้อง ป.4/2\n", visibility="network")
    assert post_form(teacher2, f"/lesson-plans/{fork_id}/edit", fork_form,
                     page=f"/lesson-plans/{fork_id}/edit").status_code == 302
    original = text_of(teacher, f"/lesson-plans/{plan_id}")
    assert "Adapted as" in original and f"/lesson-plans/{fork_id}" in original and "from revision 3" in original


def test_thai_interface_and_nav_link(app, world, work, in_db):
    plan_id = make_plan(in_db, world)
    teacher = client_for(app, "teacher", lang="th")
    page = text_of(teacher, "/lesson-plans?lang=th")
    assert '<html lang="th">' in page and "แผนการอ่านจับใจความ" in page
    english = text_of(teacher, "/lesson-plans?lang=en")
    assert re.search(r'href="/lesson-plans" aria-current="page">Lesson plans</a>', english)
    assert english.index('href="/innovations"') < english.index('href="/lesson-plans"') < english.index('href="/networks"')
    assert text_of(teacher, f"/lesson-plans/{plan_id}?lang=th").count("แผนการอ่านจับใจความ") >= 2


# ---------------------------------------------------------------------------- writing


def test_preview_without_javascript_saves_nothing(app, world, work, in_db):
    teacher = client_for(app, "teacher")
    response = post_form(teacher, "/lesson-plans/new", plan_form(
        body_md="## ตัวอย่าง\n\n| ขั้น | เวลา |\n|---|---|\n| นำ | 10 |\n\n<script>alert(1)</script>", action="preview"),
        page="/lesson-plans/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(in_db, LessonPlan) == 0
    preview = html.split('id="plan-preview"', 1)[1].split("</section>", 1)[0]
    assert "<h2>ตัวอย่าง</h2>" in preview and "<td>นำ</td>" in preview
    assert "<script>alert" not in html and executable_parts(preview.split(">", 1)[1]) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "the textarea keeps the text, escaped"


def test_live_preview_endpoint_is_sanitized_csrf_protected_and_rate_limited(app, world, work):
    teacher = client_for(app, "teacher")
    token = csrf_from(teacher, "/lesson-plans/new")
    body = "# หัวข้อ\n\n" + "\n\n".join(XSS_CORPUS)
    response = teacher.post("/lesson-plans/preview", data={"body_md": body}, headers={"X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>หัวข้อ</h1>" in html
    assert executable_parts(html) == [], html
    assert "<html" not in html, "a fragment for htmx to swap in"
    assert teacher.post("/lesson-plans/preview", data={"body_md": "# x"}).status_code == 400, "CSRF is required"
    assert teacher.post("/lesson-plans/preview", data={"body_md": "x" * 200_001},
                        headers={"X-CSRFToken": token}).status_code == 413
    statuses = [teacher.post("/lesson-plans/preview", data={"body_md": "x"}, headers={"X-CSRFToken": token}).status_code
                for _ in range(62)]
    assert statuses[-1] == 429 and statuses[0] == 200


def test_bad_input_shows_field_errors_and_saves_nothing(app, world, work, in_db):
    teacher = client_for(app, "teacher")
    response = post_form(teacher, "/lesson-plans/new", plan_form(title="", duration_minutes="สิบ"),
                         page="/lesson-plans/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give the plan a title." in html and "Enter a whole number" in html
    response = post_form(teacher, "/lesson-plans/new", plan_form(visibility="circle"), page="/lesson-plans/new")
    assert response.status_code == 422 and "To share with a circle, choose the circle or cycle." in \
        response.get_data(as_text=True)
    response = post_form(teacher, "/lesson-plans/new", plan_form(visibility="everyone"), page="/lesson-plans/new")
    assert response.status_code == 422
    # A circle of another tenant is not on offer: named all the same, it is refused as the API refuses it.
    with in_db() as session:
        other = circles.create(session.get(User, world.outsider.id), session.get(School, world.school_c.id),
                               circles.CircleInput(name="วงของโรงเรียนอื่น"))
        other_id = other.id
    response = post_form(teacher, "/lesson-plans/new", plan_form(circle_id=str(other_id), visibility="circle"),
                         page="/lesson-plans/new")
    assert response.status_code == 404
    assert count(in_db, LessonPlan) == 0
    # Comments need a text and a known kind.
    plan_id = make_plan(in_db, world)
    response = post_form(teacher, f"/lesson-plans/{plan_id}/comments", {"kind": "question", "body_md": "  "},
                         page=f"/lesson-plans/{plan_id}")
    assert response.status_code == 422 and "Write your comment." in response.get_data(as_text=True)
    response = post_form(teacher, f"/lesson-plans/{plan_id}/comments", {"kind": "praise", "body_md": "ดีมาก"},
                         page=f"/lesson-plans/{plan_id}")
    assert response.status_code == 422
    response = post_form(teacher, f"/lesson-plans/{plan_id}/comments", {"kind": "note", "body_md": "ตอบ",
                                                                         "parent_id": "999999"},
                         page=f"/lesson-plans/{plan_id}")
    assert response.status_code == 422 and "You can only reply to a comment on this plan." in \
        response.get_data(as_text=True)
    assert count(in_db, Comment) == 0


def test_author_who_left_the_circle_can_still_revise_the_plan(app, world, work, in_db):
    plan_id = make_plan(in_db, world, cycle_id=work["cycle_id"], visibility="circle")
    teacher = client_for(app, "teacher")
    form = text_of(teacher, f"/lesson-plans/{plan_id}/edit")
    assert f'<option selected value="{work["cycle_id"]}">' in form
    with in_db() as session:
        member = session.scalar(select(CircleMember).where(CircleMember.circle_id == work["circle_id"],
                                                           CircleMember.user_id == world.teacher.id))
        session.delete(member)
    response = post_form(teacher, f"/lesson-plans/{plan_id}/edit", plan_form(
        cycle_id=str(work["cycle_id"]), visibility="school", body_md="# ฉบับปรับปรุง"),
        page=f"/lesson-plans/{plan_id}/edit")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with in_db() as session:
        plan = session.get(LessonPlan, plan_id)
        assert plan.revision_count == 2 and plan.cycle_id == work["cycle_id"]


# ---------------------------------------------------------------------------- who sees what

# Expected status of the plan page per visibility, for VIEWERS (the author is teacher of school A;
# the director of school A is a member of the plan's circle; the coordinator is N1 staff).
VISIBILITY_MATRIX = {
    "private": [200, 404, 404, 404, 404],
    "circle": [200, 404, 200, 404, 404],
    "school": [200, 404, 200, 200, 404],
    "network": [200, 200, 200, 200, 404],
    "public": [200, 200, 200, 200, 200],
}


def test_visibility_matrix_over_page_list_history_and_attachments(app, world, work, in_db):
    with in_db() as session:
        circle = session.get(Circle, work["circle_id"])
        circles.add_member(session.get(User, world.teacher.id), circle, session.get(User, world.director.id))
    plans = {}
    for visibility in VISIBILITY_MATRIX:
        plan_id = make_plan(in_db, world, title=f"แผนระดับ {visibility}", visibility=visibility,
                            circle_id=work["circle_id"] if visibility == "circle" else None)
        plans[visibility] = (plan_id, attach(in_db, world, plan_id))
    clients = {key: client_for(app, key) for key in VIEWERS}
    for key, client in clients.items():
        listing = text_of(client, "/lesson-plans")
        for visibility, expected in VISIBILITY_MATRIX.items():
            status = expected[VIEWERS.index(key)]
            plan_id, attachment_id = plans[visibility]
            where = f"{key} × {visibility}"
            assert client.get(f"/lesson-plans/{plan_id}").status_code == status, where
            assert client.get(f"/lesson-plans/{plan_id}/history").status_code == status, where
            assert client.get(f"/lesson-plans/{plan_id}/revisions/1").status_code == status, where
            assert client.get(f"/attachments/{attachment_id}").status_code == status, where
            assert client.get(f"/attachments/{attachment_id}/inline").status_code == status, where
            assert (f"แผนระดับ {visibility}" in listing) == (status == 200), where
            found = text_of(client, "/lesson-plans?q=" + quote(f"ระดับ {visibility}"))
            assert (f"/lesson-plans/{plan_id}\"" in found) == (status == 200), where


def test_who_may_change_a_plan(app, world, work, in_db):
    plan_id = make_plan(in_db, world, visibility="network")
    teacher2, outsider = client_for(app, "teacher2"), client_for(app, "outsider")
    coordinator, coordinator2 = client_for(app, "coordinator"), client_for(app, "coordinator2")
    page = f"/lesson-plans/{plan_id}"
    assert teacher2.get(f"{page}/edit").status_code == 403
    assert outsider.get(f"{page}/edit").status_code == 404
    assert post_form(teacher2, f"{page}/edit", plan_form()).status_code == 403
    assert post_form(teacher2, f"{page}/delete").status_code == 403
    assert post_form(teacher2, f"{page}/revisions/1/restore").status_code == 403
    assert post_form(teacher2, f"{page}/showcase", {"on": "1"}).status_code == 403
    assert post_form(coordinator2, f"{page}/showcase", {"on": "1"}).status_code == 404
    assert post_form(outsider, f"{page}/comments", {"kind": "note", "body_md": "x"}).status_code == 404
    assert post_form(outsider, f"{page}/fork").status_code == 404
    assert upload(teacher2, plan_id, "x.pdf", PDF).status_code == 403
    assert count(in_db, Attachment) == 0 and count(in_db, Comment) == 0 and count(in_db, LessonPlan) == 1
    with in_db() as session:
        assert session.get(LessonPlan, plan_id).showcase is False

    # The network's coordinator marks good practice; everyone then sees it, with its badge.
    assert "Mark as good practice" in text_of(coordinator, page)
    assert "Mark as good practice" not in text_of(teacher2, page)
    assert post_form(coordinator, f"{page}/showcase", {"on": "1"}, page=page).status_code == 302
    showcased = text_of(outsider, "/lesson-plans?showcase=1")
    assert f"/lesson-plans/{plan_id}\"" in showcased and "Good practice (วิธีปฏิบัติที่ดี)" in showcased
    assert post_form(coordinator, f"{page}/showcase", {"on": "0"}, page=page).status_code == 302
    assert f"/lesson-plans/{plan_id}\"" not in text_of(outsider, "/lesson-plans?showcase=1")


def test_delete_asks_first_then_hides_the_plan_and_its_files(app, world, work, in_db):
    plan_id = make_plan(in_db, world)
    attachment_id = attach(in_db, world, plan_id)
    teacher = client_for(app, "teacher")
    confirm = text_of(teacher, f"/lesson-plans/{plan_id}/delete")
    assert "Delete this lesson plan?" in confirm and count(in_db, LessonPlan, LessonPlan.deleted_at.is_(None)) == 1
    response = post_form(teacher, f"/lesson-plans/{plan_id}/delete", page=f"/lesson-plans/{plan_id}/delete")
    assert response.status_code == 302
    text_of(teacher, f"/lesson-plans/{plan_id}", status=404)
    assert teacher.get(f"/attachments/{attachment_id}").status_code == 404
    assert "แผนการอ่านจับใจความ" not in text_of(teacher, "/lesson-plans")
    assert count(in_db, LessonPlan) == 1, "soft delete: the row and its history are kept"


# ---------------------------------------------------------------------------- list


def test_list_filters_search_pagination_and_empty_state(app, world, work, in_db):
    teacher = client_for(app, "teacher")
    assert "No lesson plan is shared with you yet" in text_of(teacher, "/lesson-plans")
    make_plan(in_db, world, title="การจัดการเรียนรู้เชิงรุก เรื่องเศษส่วน", learning_area="คณิตศาสตร์", grade="ป.4")
    make_plan(in_db, world, author="teacher2", title="อ่านจับใจความสำคัญ", learning_area="ภาษาไทย", grade="ป.5")
    html = text_of(teacher, "/lesson-plans?q=" + quote("เชิงรุก"))
    assert "เรื่องเศษส่วน" in html and "อ่านจับใจความสำคัญ" not in html
    html = text_of(teacher, "/lesson-plans?learning_area=" + quote("ภาษาไทย"))
    assert "อ่านจับใจความสำคัญ" in html and "เรื่องเศษส่วน" not in html and "Thai language" in html
    html = text_of(teacher, "/lesson-plans?grade=" + quote("ป.4"))
    assert "เรื่องเศษส่วน" in html and "อ่านจับใจความสำคัญ" not in html
    html = text_of(teacher, f"/lesson-plans?school={world.school_b.id}")
    assert "อ่านจับใจความสำคัญ" in html and "เรื่องเศษส่วน" not in html
    html = text_of(teacher, "/lesson-plans?mine=1")
    assert "เรื่องเศษส่วน" in html and "อ่านจับใจความสำคัญ" not in html
    assert "No lesson plan you can see matches" in text_of(teacher, f"/lesson-plans?school={world.school_c.id}")
    assert "No lesson plan you can see matches" in text_of(teacher, "/lesson-plans?q=" + quote("ไม่มีคำนี้"))

    for number in range(app.config["PLC_PAGE_SIZE"]):
        make_plan(in_db, world, title=f"แผนชุด {number:02d}")
    first = text_of(teacher, "/lesson-plans?mine=1")
    assert "Page 1 of 2" in first and 'rel="next" href="/lesson-plans?page=2&amp;mine=1"' in first
    assert "Page 2 of 2" in text_of(teacher, "/lesson-plans?mine=1&page=2")


# ---------------------------------------------------------------------------- diffs


def test_diff_folds_long_unchanged_stretches_and_marks_changes_in_text(app, world, work, in_db):
    lines = [f"- บรรทัดที่ {n}" for n in range(1, 41)]
    plan_id = make_plan(in_db, world, body_md="\n".join(lines))
    changed = list(lines)
    changed[19] = "- บรรทัดที่ 20 แก้ไขแล้ว"
    with in_db() as session:
        plan = session.get(LessonPlan, plan_id)
        lesson_plans.update(session.get(User, world.teacher.id), plan, PlanInput(
            title=plan.title, body_md="\n".join(changed), visibility="network", message="แก้บรรทัด 20"))
    html = text_of(client_for(app, "teacher2"), f"/lesson-plans/{plan_id}/diff?from=1&to=2")
    assert "1 line added, 1 line removed" in html
    assert html.count('<details class="diff-fold">') == 2 and "unchanged lines" in html
    assert "- บรรทัดที่ 20 แก้ไขแล้ว</ins>" in html and "- บรรทัดที่ 20</del>" in html
    assert ">−</span>" in html and ">+</span>" in html
    visible = re.sub(r'<details class="diff-fold">.*?</details>', "", html, flags=re.S)
    assert "บรรทัดที่ 17<" in visible and "บรรทัดที่ 23<" in visible and "บรรทัดที่ 5<" not in visible
    same = text_of(client_for(app, "teacher"), f"/lesson-plans/{plan_id}/diff?from=2&to=2")
    assert "the same title and text" in same
    text_of(client_for(app, "teacher"), f"/lesson-plans/{plan_id}/diff?from=1&to=9", status=404)
    text_of(client_for(app, "teacher"), f"/lesson-plans/{plan_id}/revisions/9", status=404)


# ---------------------------------------------------------------------------- XSS through the pages


def test_hostile_plan_title_body_and_comments_render_nothing_executable(app, world, work, in_db):
    teacher = client_for(app, "teacher")
    hostile_title = '<script>alert("title")</script><img src=x onerror=alert(1)>'
    response = post_form(teacher, "/lesson-plans/new", plan_form(title=hostile_title,
                                                                 body_md="\n\n".join(XSS_CORPUS)),
                         page="/lesson-plans/new")
    plan_id = plan_id_from(response)
    teacher2 = client_for(app, "teacher2")
    for payload in XSS_CORPUS:
        response = post_form(teacher2, f"/lesson-plans/{plan_id}/comments", {"kind": "suggestion", "body_md": payload},
                             page=f"/lesson-plans/{plan_id}")
        assert response.status_code == 302, payload
    assert count(in_db, Comment) == len(XSS_CORPUS)
    attach(in_db, world, plan_id, name='"><img src=x onerror=alert(1)>.png')

    for path in (f"/lesson-plans/{plan_id}", f"/lesson-plans/{plan_id}/revisions/1"):
        html = text_of(teacher2, path)
        content = user_content(html)
        assert "ไปที่นี่" in content, "harmless text survives"
        assert executable_parts(content) == [], path
        assert only_our_scripts(html), path
        assert '<script>alert("title")' not in html and "&lt;script&gt;alert(&#34;title&#34;)" in html
        assert active_attributes(html) == [], path
        assert "hx-get=\"/auth/logout\"" not in html and 'hx-post="/people' not in html
    listing = text_of(teacher2, "/lesson-plans")
    assert only_our_scripts(listing) and '<script>alert("title")' not in listing
    for path in (f"/lesson-plans/{plan_id}/history", f"/lesson-plans/{plan_id}/diff?from=1&to=1",
                 f"/cycles/{work['cycle_id']}"):
        html = text_of(teacher, path)
        assert only_our_scripts(html) and active_attributes(html) == [], path

    # The edit form carries the hostile text back inside the textarea, escaped.
    html = text_of(teacher, f"/lesson-plans/{plan_id}/edit")
    assert only_our_scripts(html) and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert active_attributes(html) == []


# ---------------------------------------------------------------------------- uploads


def _stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_abuse_is_refused_and_names_cannot_escape(app, world, work, in_db, monkeypatch):
    plan_id = make_plan(in_db, world)
    teacher = client_for(app, "teacher")
    before = _stored_files(app)

    monkeypatch.setitem(app.config, "PLC_MAX_ATTACHMENT_BYTES", 1000)
    response = upload(teacher, plan_id, "ใหญ่เกินไป.pdf", PDF + b"0" * 2000)
    assert response.status_code == 413 and "The file is larger than" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "PLC_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)

    for name, data in (("ใบงาน.pdf", PNG), ("รูป.png", b"just text, not a picture"), ("หน้าเว็บ.html", b"<script>"),
                       ("ภาพ.svg", b"<svg onload=alert(1)>"), ("ไม่มีนามสกุล", PDF), ("ว่าง.pdf", b"")):
        response = upload(teacher, plan_id, name, data)
        assert response.status_code == 422, name
        assert 'class="errors"' in response.get_data(as_text=True), name
    response = teacher.post(f"/lesson-plans/{plan_id}/attachments",
                            data={"csrf_token": csrf_from(teacher, f"/lesson-plans/{plan_id}")},
                            content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)
    assert count(in_db, Attachment) == 0 and _stored_files(app) == before

    # Path tricks keep only the last part of the name; files are stored under generated names.
    assert upload(teacher, plan_id, "../../etc/passwd.txt", "บันทึก\n".encode()).status_code == 302
    assert upload(teacher, plan_id, "..\\x.pdf", PDF).status_code == 302
    with in_db() as session:
        names = {a.original_name: a.stored_name for a in session.scalars(select(Attachment))}
    assert set(names) == {"passwd.txt", "x.pdf"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", stored) for stored in names.values())
    assert {p.name for p in _stored_files(app)} - {p.name for p in before} == set(names.values())
    assert not (Path(app.config["UPLOAD_DIR"]).parent.parent / "etc" / "passwd.txt").exists()


def test_thai_file_names_round_trip_and_downloads_are_private(app, world, work, in_db):
    plan_id = make_plan(in_db, world)
    teacher = client_for(app, "teacher")
    assert upload(teacher, plan_id, THAI_NAME, PDF).status_code == 302
    assert upload(teacher, plan_id, "ภาพกิจกรรมกลุ่ม.png", PNG).status_code == 302
    with in_db() as session:
        pdf_id, png_id = [a.id for a in session.scalars(select(Attachment).order_by(Attachment.id))]
    page = text_of(teacher, f"/lesson-plans/{plan_id}")
    assert THAI_NAME in page and f'href="/attachments/{pdf_id}"' in page
    assert f'<img src="/attachments/{png_id}/inline" alt="ภาพกิจกรรมกลุ่ม.png"' in page

    response = client_for(app, "teacher2").get(f"/attachments/{pdf_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(THAI_NAME)}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]

    image = teacher.get(f"/attachments/{png_id}/inline")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["X-Content-Type-Options"] == "nosniff" and "private" in image.headers["Cache-Control"]
    assert teacher.get(f"/attachments/{pdf_id}/inline").status_code == 404, "only pictures are shown inline"
    assert teacher.get("/attachments/999999").status_code == 404
    assert teacher.get(f"/static/../{Path(app.config['UPLOAD_DIR']).name}/x").status_code == 404

    # A picture in the plan's own text is allowed; another site's is not.
    with in_db() as session:
        plan = session.get(LessonPlan, plan_id)
        lesson_plans.update(session.get(User, world.teacher.id), plan, PlanInput(
            title=plan.title, visibility="network",
            body_md=f"![กิจกรรม](/attachments/{png_id}/inline)\n\n![ติดตาม](https://evil.example/t.png)"))
    content = user_content(text_of(teacher, f"/lesson-plans/{plan_id}"))
    assert f'src="/attachments/{png_id}/inline"' in content and "evil.example" not in content
