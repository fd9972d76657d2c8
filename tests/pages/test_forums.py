"""Exchange-forum pages: holding a forum at a session, submissions, feedback, the panel and its scores,
results and honours, the good-practice badge, the public showcase and the certificates."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models import AuditEvent, Network, User
from plc.models._types import utcnow
from plc.models.forums import Forum, ForumCriterion, ForumFeedback, ForumPanelist, ForumScore, ForumSubmission
from plc.services import circles, forums, lesson_plans, live_sessions
from plc.services.lesson_plans import PlanInput
from tests.conftest import count, login, post_form, text_of
from tests.forum_world import build_forum

FORUM_TITLE = "เวทีแลกเปลี่ยนเรียนรู้ ภาคเรียนที่ 2/2569"


def _client(app, key: str):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    return client


def _session_without_forum(in_db, world) -> int:
    with in_db():
        coordinator = db.session.get(User, world.coordinator.id)
        circle = circles.create(coordinator, db.session.get(Network, world.n1.id),
                                circles.CircleInput(name="วงเครือข่ายการเรียนรู้เชิงรุก"))
        for key in ("teacher", "teacher2", "coach", "director"):
            circles.add_member(coordinator, circle, db.session.get(User, world.users[key].id))
        session = live_sessions.schedule(coordinator, circle, live_sessions.SessionInput(
            title="ประชุมนำเสนอผลงาน PLC", starts_at=utcnow() + timedelta(days=2), mode="onsite", duration_minutes=180))
        db.session.flush()
        return session.id


def _plan_of_teacher(in_db, world) -> int:
    with in_db():
        plan = lesson_plans.create(db.session.get(User, world.teacher.id), PlanInput(
            title="แผนที่ 3 การอ่านจับใจความด้วยบันไดห้าขั้น", body_md="ขั้นที่ 1", visibility="school"))
        db.session.flush()
        return plan.id


def _submission_id(in_db, title: str) -> int:
    with in_db() as session:
        return session.scalar(select(ForumSubmission.id).where(ForumSubmission.title == title))


def _criteria(in_db, forum_id: int) -> list[tuple[int, int]]:
    with in_db() as session:
        return session.execute(select(ForumCriterion.id, ForumCriterion.max_score).where(
            ForumCriterion.forum_id == forum_id).order_by(ForumCriterion.position)).all()


def _submit(client, forum_id: int, school_id: int, title: str, extra: dict | None = None):
    page = f"/forums/{forum_id}/submissions/new"
    return post_form(client, page, {"school_id": school_id, "title": title, "summary": "ครูร่วมกันออกแบบกิจกรรม",
                                    "cycle_id": 0, "lesson_plan_id": 0, **(extra or {})}, page=page)


def _pdf_text(data: bytes) -> str | None:
    try:
        import pypdf  # noqa: PLC0415  optional: a dev extra
    except ImportError:
        return None
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_whole_story_through_the_pages(app, world, in_db):
    session_id = _session_without_forum(in_db, world)
    plan_id = _plan_of_teacher(in_db, world)
    coordinator = _client(app, "coordinator")

    session_page = text_of(coordinator, f"/live/{session_id}")
    assert f"/live-sessions/{session_id}/forum/new" in session_page
    form_page = text_of(coordinator, f"/live-sessions/{session_id}/forum/new")
    assert "ความชัดเจนของเป้าหมายและปัญหา | 5" in form_page
    close_on = (bangkok_today() + timedelta(days=1)).isoformat()
    created = post_form(coordinator, f"/live-sessions/{session_id}/forum/new", {
        "title": FORUM_TITLE, "description": "โรงเรียนในเครือข่ายนำเสนอผลการทำ PLC", "submissions_close_on": close_on,
        "criteria": "\n".join(f"{name} | {score}" for name, score in forums.DEFAULT_CRITERIA)},
        page=f"/live-sessions/{session_id}/forum/new")
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    forum_id = int(re.search(r"/forums/(\d+)", created.headers["Location"]).group(1))
    assert f"/live-sessions/{session_id}/forum/new" not in text_of(coordinator, f"/live/{session_id}")

    teacher, teacher2 = _client(app, "teacher"), _client(app, "teacher2")
    assert f"/forums/{forum_id}" in text_of(teacher, f"/live/{session_id}")
    forum_page = text_of(teacher, f"/forums/{forum_id}")
    assert "PLC" in forum_page and f"/live/{session_id}" in forum_page and "ชั่วโมง PLC" in forum_page
    assert f"/forums/{forum_id}/submissions/new" in forum_page
    assert FORUM_TITLE in text_of(teacher, "/forums")

    a_title, b_title = "การอ่านจับใจความด้วยบันไดห้าขั้น", "คณิตคิดสนุกด้วยสื่อจริง"
    assert _submit(teacher, forum_id, world.school_a.id, a_title, {"lesson_plan_id": plan_id}).status_code == 302
    assert _submit(teacher2, forum_id, world.school_b.id, b_title).status_code == 302
    a_id, b_id = _submission_id(in_db, a_title), _submission_id(in_db, b_title)

    page = f"/forum-submissions/{a_id}"
    asked = post_form(teacher2, f"{page}/feedback", {"kind": "question", "body": "ใช้เวลาเตรียมสื่อนานเท่าไร"},
                      page=page)
    assert asked.status_code == 302
    shown = text_of(teacher, page)
    assert "ใช้เวลาเตรียมสื่อนานเท่าไร" in shown and "kind-question" in shown

    panel = f"/forums/{forum_id}/panel"
    assert world.supervisor.name_th in text_of(coordinator, panel)
    assert post_form(coordinator, panel, {"user_id": world.supervisor.id}, page=panel).status_code == 302
    assert count(in_db, ForumPanelist) == 1

    supervisor = _client(app, "supervisor")
    criteria = _criteria(in_db, forum_id)
    assert 'name="criterion-' in text_of(supervisor, page)
    for submission_id, value in ((a_id, 5), (b_id, 3)):
        here = f"/forum-submissions/{submission_id}"
        scored = post_form(supervisor, f"{here}/score", {f"criterion-{cid}": value for cid, _max in criteria},
                           page=here)
        assert scored.status_code == 302
    assert f'name="criterion-{criteria[0][0]}" value="5"' in text_of(supervisor, page)

    ranking = text_of(coordinator, f"/forums/{forum_id}/results")
    assert ranking.index(a_title) < ranking.index(b_title)
    assert "20.00" in ranking and "12.00" in ranking

    here = f"/forums/{forum_id}/results"
    assert post_form(coordinator, f"/forum-submissions/{a_id}/honour", {"honour": "", "back": "results"},
                     page=here).status_code == 302
    with in_db() as session:
        assert session.get(ForumSubmission, a_id).honour == forums.DEFAULT_HONOUR

    school_page = text_of(teacher, f"/schools/{world.school_a.id}")
    assert "แนวปฏิบัติที่ดี" in school_page and FORUM_TITLE in school_page
    assert "แนวปฏิบัติที่ดี" in text_of(teacher, f"/lesson-plans/{plan_id}")
    assert FORUM_TITLE not in text_of(teacher, f"/schools/{world.school_b.id}")

    public = app.test_client()
    assert a_title not in text_of(public, "/showcase")
    assert post_form(teacher, f"{page}/consent", {"consent": "1"}, page=page).status_code == 302
    showcase = text_of(public, "/showcase")
    assert a_title in showcase and b_title not in showcase and world.teacher.name_th in showcase
    assert f"/forum-submissions/{a_id}" not in showcase and f"/forums/{forum_id}" not in showcase

    certificates = text_of(teacher, f"/forums/{forum_id}/certificates")
    assert f"/forums/{forum_id}/certificates/recognition.pdf?submission={a_id}" in certificates
    pdf = teacher.get(f"/forums/{forum_id}/certificates/recognition.pdf?submission={a_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in pdf.headers["Cache-Control"]
    text = _pdf_text(pdf.data)
    if text is not None:
        with in_db() as session:
            held_on = session.get(Forum, forum_id).held_on
        assert world.teacher.name_th in text and str(held_on.year + 543) in text
    assert teacher2.get(f"/forums/{forum_id}/certificates/recognition.pdf?submission={a_id}").status_code == 404
    assert teacher2.get(f"/forums/{forum_id}/certificates/recognition.pdf?submission={b_id}").status_code == 404
    assert teacher2.get(f"/forums/{forum_id}/certificates/participation.pdf").status_code == 200


@pytest.fixture
def forum_ids(world, in_db):
    return build_forum(in_db, world)


def _submitted(in_db, world, forum_id: int, key: str = "teacher", school=None) -> int:
    with in_db():
        forum = db.session.get(Forum, forum_id)
        submission = forums.submit(db.session.get(User, world.users[key].id), forum, forums.SubmissionInput(
            school_id=(school or world.school_a).id, title="การสอนอ่านด้วย Active Learning"))
        db.session.flush()
        return submission.id


def test_an_outsider_sees_nothing_of_the_forum(app, world, in_db, forum_ids):
    forum_id = forum_ids["forum"]
    submission_id = _submitted(in_db, world, forum_id)
    outsider = _client(app, "outsider")
    for path in (f"/forums/{forum_id}", f"/forum-submissions/{submission_id}", f"/forums/{forum_id}/certificates",
                 f"/forums/{forum_id}/certificates/participation.pdf", f"/forums/{forum_id}/submissions/new",
                 f"/forums/{forum_id}/results", f"/live-sessions/{forum_ids['session']}/forum/new"):
        assert outsider.get(path).status_code == 404, path
    assert "เวทีแลกเปลี่ยนเรียนรู้ Active Learning" not in text_of(outsider, "/forums")
    assert post_form(outsider, f"/forum-submissions/{submission_id}/feedback",
                     {"kind": "strength", "body": "ดีมาก"}).status_code == 404
    assert count(in_db, ForumFeedback) == 0
    with in_db() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied",
                                                          AuditEvent.target_type == "forum")).all()
        assert denied and denied[-1].details["status"] == 404


def test_a_teacher_may_not_read_the_results_score_or_hold_a_forum(app, world, in_db, forum_ids):
    forum_id = forum_ids["forum"]
    submission_id = _submitted(in_db, world, forum_id)
    criteria = _criteria(in_db, forum_id)
    teacher = _client(app, "teacher")
    assert teacher.get(f"/forums/{forum_id}/results").status_code == 403
    assert teacher.get(f"/forums/{forum_id}/panel").status_code == 403
    assert teacher.get(f"/forums/{forum_id}/edit").status_code == 403
    page = f"/forum-submissions/{submission_id}"
    assert 'name="criterion-' not in text_of(teacher, page)
    scored = post_form(teacher, f"{page}/score", {f"criterion-{cid}": 1 for cid, _max in criteria}, page=page)
    assert scored.status_code == 403
    assert post_form(teacher, f"{page}/honour", {"honour": "ดีเด่น"}, page=page).status_code == 403
    assert count(in_db, ForumScore) == 0
    assert teacher.get(f"/live-sessions/{forum_ids['session']}/forum/new").status_code == 403


def test_bad_scores_show_the_thai_message_and_change_nothing(app, world, in_db, forum_ids):
    forum_id = forum_ids["forum"]
    submission_id = _submitted(in_db, world, forum_id)
    with in_db():
        forums.add_panelist(db.session.get(User, world.coordinator.id), db.session.get(Forum, forum_id),
                            db.session.get(User, world.supervisor.id))
    criteria = _criteria(in_db, forum_id)
    supervisor = _client(app, "supervisor")
    page = f"/forum-submissions/{submission_id}"
    values = {f"criterion-{cid}": 2 for cid, _max in criteria}
    values[f"criterion-{criteria[0][0]}"] = 9
    response = post_form(supervisor, f"{page}/score", values, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ให้คะแนนเป็นจำนวนเต็มตั้งแต่ 0 ถึง 5" in html and f'name="criterion-{criteria[0][0]}" value="9"' in html
    assert count(in_db, ForumScore) == 0


def test_choices_outside_the_lists_are_refused(app, world, in_db, forum_ids):
    forum_id = forum_ids["forum"]
    teacher = _client(app, "teacher")
    form = text_of(teacher, f"/forums/{forum_id}/submissions/new")
    assert world.school_a.name_th in form and world.school_b.name_th not in form
    for extra in ({"school_id": world.school_b.id}, {"author_ids": world.teacher2.id}, {"cycle_id": 999999}):
        response = _submit(teacher, forum_id, world.school_a.id, "ผลงานที่ไม่ควรถูกบันทึก", extra)
        assert response.status_code == 422, extra
        assert "โปรดเลือกจากรายการ" in response.get_data(as_text=True)
    assert count(in_db, ForumSubmission) == 0


def test_the_forum_form_refuses_a_bad_rubric(app, world, in_db):
    session_id = _session_without_forum(in_db, world)
    coordinator = _client(app, "coordinator")
    page = f"/live-sessions/{session_id}/forum/new"
    response = post_form(coordinator, page, {"title": "เวที", "submissions_close_on": bangkok_today().isoformat(),
                                             "criteria": "ความชัดเจน | ห้า"}, page=page)
    assert response.status_code == 422 and "บรรทัดที่ 1" in response.get_data(as_text=True)
    response = post_form(coordinator, page, {"title": "เวที", "submissions_close_on": bangkok_today().isoformat(),
                                             "criteria": "ความชัดเจน | 500"}, page=page)
    assert response.status_code == 422 and "1 ถึง 100" in response.get_data(as_text=True)
    assert count(in_db, Forum) == 0


def test_late_submissions_are_a_conflict(app, world, in_db):
    ids = build_forum(in_db, world, close_in_days=-1)
    teacher = _client(app, "teacher")
    assert "ปิดรับผลงานแล้ว" in text_of(teacher, f"/forums/{ids['forum']}/submissions/new")
    response = _submit(teacher, ids["forum"], world.school_a.id, "ส่งช้า")
    assert response.status_code == 409 and "ปิดรับผลงานแล้ว" in response.get_data(as_text=True)
    assert count(in_db, ForumSubmission) == 0


def test_english_pages(app, world, in_db, forum_ids):
    forum_id = forum_ids["forum"]
    submission_id = _submitted(in_db, world, forum_id)
    coordinator = _client(app, "coordinator")
    assert "Exchange forums" in text_of(coordinator, "/forums?lang=en")
    html = text_of(coordinator, f"/forums/{forum_id}")
    assert "Scoring rubric" in html and "counts towards PLC hours" in html and "New survey for this forum" in html
    assert "Add a panelist" in text_of(coordinator, f"/forums/{forum_id}/panel")
    assert "Ranking" in text_of(coordinator, f"/forums/{forum_id}/results")
    assert "Honour as good practice" in text_of(coordinator, f"/forum-submissions/{submission_id}")
    assert "Last day for submissions" in text_of(coordinator, f"/forums/{forum_id}/edit")
    assert "Showcase of good practice" in text_of(app.test_client(), "/showcase?lang=en")


def test_a_certificate_code_can_be_checked_by_anyone_and_each_honoured_work_has_its_own(app, client, world, in_db):
    ids = build_forum(in_db, world)
    with in_db():
        forum = db.session.get(Forum, ids["forum"])
        teacher = db.session.get(User, world.teacher.id)
        coordinator = db.session.get(User, world.coordinator.id)
        works = [forums.submit(teacher, forum, forums.SubmissionInput(
            school_id=world.school_a.id, title=title)) for title in ("งานที่หนึ่ง", "งานที่สอง")]
        for work in works:
            forums.honour(coordinator, work, f"ยกย่อง {work.title}")
        first, second = (forums.issue_certificate(teacher, forum, "recognition", work.id) for work in works)
        assert first.code != second.code and second.submission_id == works[1].id
        assert forums.issue_certificate(teacher, forum, "recognition", works[1].id).code == second.code
        code = second.code
    anonymous = app.test_client()
    page = anonymous.get(f"/certificates/verify?code={code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ครูสมศรี ใจดี" in html and "ยกย่อง งานที่สอง" in html
    missing = anonymous.get("/certificates/verify?code=NOPE0000")
    assert missing.status_code == 404 and "ครูสมศรี" not in missing.get_data(as_text=True)
    assert anonymous.get("/certificates/verify").status_code == 200
