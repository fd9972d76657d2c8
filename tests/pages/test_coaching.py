"""Coaching and supervision visits: a coach and a teacher go through a whole visit; the coach's
calendar shows planned against held visits and flags overdue follow-ups; a school's coverage lists
the teachers nobody visited; and nobody plans, reads or changes visits outside their reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plc.i18n import academic_term, bangkok_today
from plc.models import CoachingSynthesis, CoachingVisit, Role, School, User
from plc.services import coaching
from tests.conftest import add_user, login, post_form


def client_for(app, key: str, lang: str = "en"):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


def visits(in_db) -> list[tuple]:
    with in_db() as session:
        return session.execute(select(CoachingVisit.id, CoachingVisit.teacher_id, CoachingVisit.status)
                               .order_by(CoachingVisit.id)).all()


@pytest.fixture
def colleague(world, in_db) -> int:
    """A second teacher of school A, never visited."""
    with in_db() as session:
        return add_user("colleague", Role.TEACHER, session.get(School, world.school_a.id), name_th="ครูสมหมาย").id


# ---------------------------------------------------------------------------- the whole visit


def test_coach_and_teacher_complete_a_visit(app, world, in_db):
    coach = client_for(app, "coach")
    form = coach.get("/coaching/visits/new").get_data(as_text=True)
    assert f'value="{world.teacher.id}:{world.school_a.id}"' in form  # a teacher of a network school
    assert f'value="{world.outsider.id}:' not in form  # not another network's teacher
    today = bangkok_today()
    response = post_form(coach, "/coaching/visits/new", {
        "teacher": f"{world.teacher.id}:{world.school_a.id}", "planned_on": today.isoformat(),
        "focus": "การใช้คำถามกระตุ้นการคิด", "observe_what": "นักเรียนอธิบายเหตุผลของตนเอ<b>ง</b>", "cycle_id": 0},
        page="/coaching/visits/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    visit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = coach.get(f"/coaching/visits/{visit_id}").get_data(as_text=True)
    assert "การใช้คำถามกระตุ้นการคิด" in page and "&lt;b&gt;ง&lt;/b&gt;" in page
    assert "Record the observation" in page

    # The teacher is told on her home page, in her language, with a link to the visit; nobody else is.
    teacher = client_for(app, "teacher")
    home = teacher.get("/").get_data(as_text=True)
    coach_name = world.coach.name_th
    assert f'<a href="/coaching/visits/{visit_id}">{coach_name} plans a coaching visit to your classroom</a>' in home
    thai_home = client_for(app, "teacher", "th").get("/").get_data(as_text=True)
    assert f'<a href="/coaching/visits/{visit_id}">{coach_name} วางแผนนิเทศในชั้นเรียนของคุณ</a>' in thai_home
    for other in ("coach", "teacher2", "director"):
        assert f"/coaching/visits/{visit_id}\">" not in client_for(app, other).get("/").get_data(as_text=True)

    # The teacher sees the visit on /coaching and cannot record the observation.
    assert "การใช้คำถามกระตุ้นการคิด" in teacher.get("/coaching").get_data(as_text=True)
    assert "Record the observation" not in teacher.get(f"/coaching/visits/{visit_id}").get_data(as_text=True)
    assert post_form(teacher, f"/coaching/visits/{visit_id}/observation", {
        "held_on": today.isoformat(), "observation_notes": "x"}, page="/").status_code == 403
    # Nobody reflects before the visit is held.
    assert post_form(teacher, f"/coaching/visits/{visit_id}/reflection", {"text": "ก่อนเวลา"},
                     page="/").status_code == 422

    # Observation: bad input first (no notes, a date in the future), then the real one.
    bad = post_form(coach, f"/coaching/visits/{visit_id}/observation", {
        "held_on": (today + timedelta(days=3)).isoformat(), "observation_notes": " "}, page="/")
    assert bad.status_code == 422 and "Write what you observed" in bad.get_data(as_text=True)
    future = post_form(coach, f"/coaching/visits/{visit_id}/observation", {
        "held_on": (today + timedelta(days=3)).isoformat(), "observation_notes": "ok"}, page="/")
    assert future.status_code == 422 and "on or after the day it took place" in future.get_data(as_text=True)
    assert visits(in_db)[0][2] == "planned"
    held = post_form(coach, f"/coaching/visits/{visit_id}/observation", {
        "held_on": today.isoformat(), "observation_notes": "กลุ่มที่ 2 อธิบายวิธีคิดให้เพื่อนฟังได้",
        "follow_up": "ลองใช้บัตรคำถาม", "follow_up_due_on": (today + timedelta(days=14)).isoformat()}, page="/")
    assert held.status_code == 302

    # Both write their reflection after the visit.
    assert post_form(coach, f"/coaching/visits/{visit_id}/reflection", {"text": "ครูให้เวลาคิดมากขึ้น"},
                     page="/").status_code == 302
    assert post_form(teacher, f"/coaching/visits/{visit_id}/reflection", {"text": "นักเรียนกล้าตอบมากขึ้น"},
                     page="/").status_code == 302
    assert post_form(teacher, f"/coaching/visits/{visit_id}/reflection", {"text": ""}, page="/").status_code == 422
    page = teacher.get(f"/coaching/visits/{visit_id}").get_data(as_text=True)
    for text in ("กลุ่มที่ 2 อธิบายวิธีคิดให้เพื่อนฟังได้", "ครูให้เวลาคิดมากขึ้น", "นักเรียนกล้าตอบมากขึ้น",
                 "ลองใช้บัตรคำถาม"):
        assert text in page
    with in_db() as session:
        visit = session.get(CoachingVisit, visit_id)
        assert (visit.status, visit.held_on, visit.coach_reflection, visit.teacher_reflection) == (
            "held", today, "ครูให้เวลาคิดมากขึ้น", "นักเรียนกล้าตอบมากขึ้น")

    # The coach's synthesis across the semester's visits; the teacher reads it.
    term = str(academic_term(today))
    assert post_form(coach, f"/coaching/teachers/{world.teacher.id}/synthesis?term={term}",
                     {"body_md": ""}, page="/").status_code == 422
    response = post_form(coach, f"/coaching/teachers/{world.teacher.id}/synthesis?term={term}",
                         {"body_md": "ภาคเรียนนี้ครู**ใช้คำถามปลายเปิด**มากขึ้น"}, page="/")
    assert response.status_code == 302
    assert "<strong>ใช้คำถามปลายเปิด</strong>" in teacher.get(
        f"/coaching/teachers/{world.teacher.id}/synthesis?term={term}").get_data(as_text=True)
    assert post_form(teacher, f"/coaching/teachers/{world.teacher.id}/synthesis?term={term}",
                     {"body_md": "แก้เอง"}, page="/").status_code == 403
    for key in ("teacher2", "outsider"):
        assert client_for(app, key).get(f"/coaching/teachers/{world.teacher.id}/synthesis").status_code == 404
    with in_db() as session:
        assert session.scalar(select(func.count()).select_from(CoachingSynthesis)) == 1


def test_a_coach_cannot_plan_with_another_networks_teacher(app, world, in_db, colleague):
    coach = client_for(app, "coach")

    def plan(teacher):
        return post_form(coach, "/coaching/visits/new", {
            "teacher": teacher, "planned_on": bangkok_today().isoformat(), "focus": "f", "cycle_id": 0},
            page="/coaching/visits/new")

    # Another network's school is unseen: 404, as the API answers (it was a 422 "not a choice" before).
    for teacher in (f"{world.outsider.id}:{world.school_c.id}", f"{world.teacher.id}:{world.school_c.id}"):
        assert plan(teacher).status_code == 404, teacher
    # One the coach sees but not a teacher of that school, and no teacher at all: not a choice of the form.
    for teacher in (f"{world.teacher2.id}:{world.school_a.id}", "x"):
        response = plan(teacher)
        assert response.status_code == 422 and "Choose from the list." in response.get_data(as_text=True), teacher
    # The service refuses too, whatever the form offered.
    with in_db() as session:
        with pytest.raises(coaching.VisitError) as refused:
            coaching.plan_visit(session.get(User, world.coach.id), teacher=session.get(User, world.outsider.id),
                                school=session.get(School, world.school_c.id), planned_on=bangkok_today(),
                                focus="f")
        assert "teacher_id" in refused.value.fields
        session.rollback()
    assert visits(in_db) == []
    # Teachers do not plan visits; the outsider's coordinator cannot reach N1's teachers either.
    assert client_for(app, "teacher").get("/coaching/visits/new").status_code == 403
    assert post_form(client_for(app, "teacher"), "/coaching/visits/new", {
        "teacher": f"{colleague}:{world.school_a.id}", "planned_on": bangkok_today().isoformat(),
        "focus": "f"}, page="/").status_code == 403
    # Someone she does not even see is 404 first, as the API answers.
    assert post_form(client_for(app, "teacher"), "/coaching/visits/new", {
        "teacher": f"{world.teacher2.id}:{world.school_b.id}", "planned_on": bangkok_today().isoformat(),
        "focus": "f"}, page="/").status_code == 404
    assert visits(in_db) == []


# ---------------------------------------------------------------------------- calendar and coverage


@pytest.fixture
def last_term(world, in_db, colleague) -> dict:
    """Last semester (wholly in the past): for the teacher, a held visit whose follow-up is overdue and
    a planned visit that never happened; for teacher2, a held visit with no follow-up; a cancelled one."""
    term = academic_term(bangkok_today())
    term = type(term)(term.year_be, 1) if term.semester == 2 else type(term)(term.year_be - 1, 2)
    day = term.starts_on + timedelta(days=10)
    with in_db() as session:
        coach = session.get(User, world.coach.id)
        teacher, teacher2 = session.get(User, world.teacher.id), session.get(User, world.teacher2.id)
        school_a, school_b = session.get(School, world.school_a.id), session.get(School, world.school_b.id)
        held = coaching.plan_visit(coach, teacher=teacher, school=school_a, planned_on=day, focus="การอ่านจับใจความ")
        coaching.record_held(coach, held, held_on=day, observation_notes="สังเกต", follow_up="ติดตามผล",
                             follow_up_due_on=day + timedelta(days=7))
        missed = coaching.plan_visit(coach, teacher=teacher, school=school_a, planned_on=day + timedelta(days=20),
                                     focus="ติดตามการอ่าน")
        other = coaching.plan_visit(coach, teacher=teacher2, school=school_b, planned_on=day, focus="เศษส่วน")
        coaching.record_held(coach, other, held_on=day, observation_notes="ดี")
        cancelled = coaching.plan_visit(coach, teacher=teacher2, school=school_b, planned_on=day + timedelta(days=3),
                                        focus="ยกเลิก")
        coaching.cancel(coach, cancelled)
        session.flush()
        return {"term": str(term), "held": held.id, "missed": missed.id, "other": other.id}


def test_calendar_shows_planned_against_held_and_flags_overdue(app, world, last_term, in_db):
    html = client_for(app, "coach").get(f"/coaching?term={last_term['term']}").get_data(as_text=True)
    table = html[html.find("<table"):html.find("</table>")]
    rows = {name: table[table.find(name):][:1200] for name in ("Teacher Tester", "Teacher2 Tester")}
    # teacher: 2 planned (cancelled ones do not count), 1 held, both overdue (missed date, follow-up due)
    assert "<td>2</td>\n        <td>1</td>" in rows["Teacher Tester"]
    assert "Not held since" in rows["Teacher Tester"] and "Follow-up due" in rows["Teacher Tester"]
    assert f'/coaching/visits/{last_term["missed"]}' in rows["Teacher Tester"]
    # teacher2: 1 planned, 1 held, nothing overdue
    assert "<td>1</td>\n        <td>1</td>" in rows["Teacher2 Tester"]
    assert "overdue" not in rows["Teacher2 Tester"].split("</tr>")[0]
    with in_db() as session:
        from plc.i18n import AcademicTerm

        calendar = coaching.calendar(session.get(User, world.coach.id), AcademicTerm.parse(last_term["term"]),
                                     today=bangkok_today())
        assert {(r.teacher.email, r.planned, r.held, len(r.overdue)) for r in calendar} == {
            ("teacher@example.org", 2, 1, 2), ("teacher2@example.org", 1, 1, 0)}
    # The visited teacher sees their own visits, the overdue one flagged.
    mine = client_for(app, "teacher").get(f"/coaching?term={last_term['term']}").get_data(as_text=True)
    assert "Visits to my classroom" in mine and "การอ่านจับใจความ" in mine and "Overdue" in mine
    assert "My visits per teacher" not in mine


def test_school_coverage_lists_teachers_without_visits(app, world, last_term, colleague):
    path = f"/schools/{world.school_a.id}/coaching?term={last_term['term']}"
    html = client_for(app, "director").get(path).get_data(as_text=True)
    table = html[html.find("<tbody"):html.find("</tbody>")]
    colleague_row = table[table.find("Colleague Tester"):].split("</tr>")[0]
    teacher_row = table[table.find("Teacher Tester"):].split("</tr>")[0]
    assert "No visit" in colleague_row and "No visit" not in teacher_row and "<td>1</td>" in teacher_row
    assert "1 teacher had no visit this semester." in html
    # Linked from the school page for those who may see it.
    school = client_for(app, "director").get(f"/schools/{world.school_a.id}").get_data(as_text=True)
    assert f"/schools/{world.school_a.id}/coaching" in school
    assert f"/schools/{world.school_a.id}/coaching" not in client_for(app, "teacher").get(
        f"/schools/{world.school_a.id}").get_data(as_text=True)
    # The coach may plan a visit from here.
    coach_html = client_for(app, "coach").get(path).get_data(as_text=True)
    assert f"/coaching/visits/new?teacher_id={colleague}&amp;school_id={world.school_a.id}" in coach_html


@pytest.mark.parametrize(("role", "visit", "coverage", "create"), [
    ("admin", 200, 200, 200),
    ("coordinator", 200, 200, 403),
    ("coach", 200, 200, 200),
    ("supervisor", 404, 200, 200),  # not this visit's coach
    ("director", 200, 200, 200),
    ("teacher", 200, 403, 403),
    ("teacher2", 404, 403, 403),
    ("outsider", 404, 404, 403),
    ("coordinator2", 404, 404, 403),
])
def test_who_reaches_visits_coverage_and_planning(app, world, last_term, role, visit, coverage, create):
    client = client_for(app, role)
    assert client.get(f"/coaching/visits/{last_term['held']}").status_code == visit
    assert client.get(f"/schools/{world.school_a.id}/coaching").status_code == coverage
    assert client.get("/coaching/visits/new").status_code == create
    assert client.get("/coaching").status_code == 200
    assert client.get("/coaching/visits/999999").status_code == 404


def test_cancel_needs_confirmation_and_only_a_planned_visit(app, world, last_term, in_db):
    coach = client_for(app, "coach")
    missed = last_term["missed"]
    page = coach.get(f"/coaching/visits/{missed}/cancel")
    assert page.status_code == 200 and "Cancel this visit?" in page.get_data(as_text=True)
    assert post_form(client_for(app, "teacher2"), f"/coaching/visits/{missed}/cancel", page="/").status_code == 404
    assert post_form(client_for(app, "director"), f"/coaching/visits/{missed}/cancel", page="/").status_code == 403
    assert post_form(coach, f"/coaching/visits/{missed}/cancel", page="/").status_code == 302
    # A held visit cannot be cancelled.
    assert post_form(coach, f"/coaching/visits/{last_term['held']}/cancel", page="/").status_code == 302
    statuses = {visit_id: status for visit_id, _teacher, status in visits(in_db)}
    assert statuses[missed] == "cancelled" and statuses[last_term["held"]] == "held"


def test_coaching_menu_and_thai_pages(app, world, last_term):
    assert 'href="/coaching"' in client_for(app, "coach").get("/").get_data(as_text=True)
    assert 'href="/coaching"' in client_for(app, "teacher").get("/").get_data(as_text=True)  # was visited
    assert 'href="/coaching"' not in client_for(app, "outsider").get("/").get_data(as_text=True)
    thai = client_for(app, "coach", lang="th")
    for path in (f"/coaching?term={last_term['term']}", f"/coaching/visits/{last_term['held']}",
                 "/coaching/visits/new", f"/schools/{world.school_a.id}/coaching"):
        response = thai.get(path)
        assert response.status_code == 200 and 'lang="th"' in response.get_data(as_text=True), path
