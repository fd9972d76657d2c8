"""The HTML pages of PLC work: school goals, the innovation library, circles and cycles.

Journeys go through the test client as a person would (forms with their CSRF tokens); the data
each test starts from is built through the services in a short application context."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plc.i18n import bangkok_today
from plc.models import (
    Circle,
    CircleMeeting,
    CircleMember,
    Cycle,
    DECheckpoint,
    FocusArea,
    Innovation,
    InnovationVersion,
    Network,
    OutcomeMeasure,
    School,
    SchoolGoal,
    User,
)
from plc.services import circles, cycles, goals, innovations
from plc.services.circles import CircleInput
from plc.services.cycles import CycleInput
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput
from tests.conftest import count, login, post_form, text_of

YEAR = 2569
PAC_STEPS = [
    StepInput(code="P", label_en="Phenomenon-based learning", text_th="การจัดการเรียนรู้โดยใช้ปรากฏการณ์เป็นฐาน"),
    StepInput(code="A", label_en="Active Learning", text_th="การจัดการเรียนรู้เชิงรุกโดยใช้วิธีการที่หลากหลาย"),
    StepInput(code="C", label_en="Competencies of Learners", text_th="สมรรถนะสำคัญของผู้เรียน"),
]


def client_for(app, key: str, lang: str = "en"):
    """A logged-in client. English by default, so the assertions read the msgids; the Thai UI is
    checked on its own."""
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


A_EN, B_EN = "Ban Tha Noi School", "Wat Warawing School"  # the English names of schools A and B


@pytest.fixture
def plc(world, in_db) -> dict:
    """Focus areas; a draft and an approved goal of school A; the PAC model (public, owned by school
    B); an innovation only school A may see; a school-A circle the teacher facilitates (the director
    is a member); an N1 network circle the coordinator facilitates (teacher2 is a member); and a
    cycle of the school-A circle serving the approved goal and applying PAC."""
    with in_db() as session:
        users = {key: session.get(User, ref.id) for key, ref in world.users.items()}
        school_a, school_b = session.get(School, world.school_a.id), session.get(School, world.school_b.id)
        n1 = session.get(Network, world.n1.id)
        areas = [FocusArea(taxonomy="tsqp_measures", code="plc", position=1, name_th="มาตรการ PLC",
                           name_en="Professional learning community"),
                 FocusArea(taxonomy="tsqp_measures", code="classroom_innovation", position=2,
                           name_th="การใช้นวัตกรรมในชั้นเรียน", name_en="Classroom innovation"),
                 FocusArea(taxonomy="quality_school_7", code="reading", position=1, name_th="การอ่านออกเขียนได้",
                           name_en="Reading and writing")]
        session.add_all(areas)
        session.flush()
        draft = goals.create_school_goal(users["teacher"], school_a, GoalInput(
            statement="นักเรียนทุกคนอ่านคล่อง เขียนคล่อง", academic_year_be=YEAR, focus_area_ids=(areas[0].id,)))
        approved = goals.create_school_goal(users["director"], school_a, GoalInput(
            statement="นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้", academic_year_be=YEAR, indicator="ร้อยละ 80"))
        goals.transition(users["director"], approved, "approve")
        pac = innovations.create(users["admin"], owner=school_b, kind="classroom_model", visibility="public",
                                 data=VersionInput(name_th="นวัตกรรม PAC Model", name="PAC Model",
                                                   name_en="PAC Model", steps=PAC_STEPS))
        own = innovations.create(users["teacher"], owner=school_a, kind="classroom_model", visibility="school",
                                 data=VersionInput(name_th="ท่าน้อยโมเดลฉบับร่าง", name_en="Tha Noi draft model",
                                                   steps=[StepInput(code="T", text_th="ทดลองสอน")]))
        circle_a = circles.create(users["teacher"], school_a, CircleInput(
            name="วงคณิตศาสตร์ ป.4-6", learning_area="คณิตศาสตร์", norms="เริ่มตรงเวลา\nพูดถึงการเรียนรู้ของนักเรียน"))
        director_member = circles.add_member(users["teacher"], circle_a, users["director"])
        circle_n1 = circles.create(users["coordinator"], n1, CircleInput(name="วงเครือข่ายการอ่าน"))
        circles.add_member(users["coordinator"], circle_n1, users["teacher2"])
        version = pac.current
        cycle = cycles.create(users["teacher"], circle_a, CycleInput(
            title="โจทย์ปัญหาด้วยปรากฏการณ์", problem="นักเรียนตีความโจทย์ไม่ได้", goal_ids=[approved.id],
            innovation_version_ids=[version.id], step_ids=[s.id for s in version.steps]))
        session.flush()
        return {"areas": [a.id for a in areas], "draft_goal": draft.id, "goal": approved.id, "pac": pac.id,
                "pac_version": version.id, "pac_steps": [s.id for s in version.steps], "own": own.id,
                "circle_a": circle_a.id, "director_member": director_member.id, "circle_n1": circle_n1.id,
                "cycle": cycle.id}


# ---------------------------------------------------------------------------- the teacher's journey


def test_teacher_runs_a_whole_cycle_with_pac_from_circle_to_lessons_learned(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    text_of(teacher, "/?lang=en")

    # A new circle for the school; the creator facilitates it.
    form = text_of(teacher, "/circles/new")
    assert f'value="school:{world.school_a.id}"' in form and f'value="school:{world.school_c.id}"' not in form
    response = post_form(teacher, "/circles/new", {
        "scope": f"school:{world.school_a.id}", "name": "วงวิทยาศาสตร์ ป.5", "learning_area": "วิทยาศาสตร์และเทคโนโลยี",
        "grade_band": "ป.5", "norms": "ฟังกันอย่างตั้งใจ", "meeting_count": "2", "meeting_period": "month"},
        page="/circles/new")
    assert response.status_code == 302
    circle_id = int(re.search(r"/circles/(\d+)", response.headers["Location"]).group(1))
    page = text_of(teacher, f"/circles/{circle_id}")
    assert "วงวิทยาศาสตร์ ป.5" in page and "Facilitator" in page and "Science and technology" in page
    assert "Record a meeting" in page and "Start a cycle" in page

    # The director joins and accepts the norms; a meeting is recorded and the rule counts it.
    assert f'value="{world.director.id}"' in page and f'value="{world.outsider.id}"' not in page
    assert post_form(teacher, f"/circles/{circle_id}/members", {"user_id": world.director.id, "role": "member"},
                     page=f"/circles/{circle_id}").status_code == 302
    director = client_for(app, "director")
    assert "I accept the norms" in text_of(director, f"/circles/{circle_id}?lang=en")
    assert post_form(director, f"/circles/{circle_id}/norms/accept", page=f"/circles/{circle_id}").status_code == 302
    assert "You accepted these norms" in text_of(director, f"/circles/{circle_id}")
    assert post_form(teacher, f"/circles/{circle_id}/meetings", {
        "held_on": bangkok_today().isoformat(), "title": "วางแผนวงจร", "mode": "online", "minutes": "60"},
        page=f"/circles/{circle_id}").status_code == 302
    page = text_of(teacher, f"/circles/{circle_id}")
    assert "วางแผนวงจร" in page and "1 of 2" in page and "Due" in page

    # A cycle linked to the approved goal, applying PAC's steps and following them as its phases.
    form = text_of(teacher, f"/circles/{circle_id}/cycles/new")
    assert "Phenomenon-based learning" in form and "นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้" in form
    assert "Tha Noi draft model" in form, "the school's own innovation is offered to its teachers"
    response = post_form(teacher, f"/circles/{circle_id}/cycles/new", {
        "title": "วัฏจักรน้ำด้วย PAC", "problem": "นักเรียนอธิบายปรากฏการณ์ไม่ได้", "goal_ids": [plc["goal"]],
        "step_ids": plc["pac_steps"], "template": "innovation", "template_version_id": plc["pac_version"],
        "target_grade": "ป.5/1", "target_class_size": "32", "target_groups": ["กลาง", "อ่อน"]},
        page=f"/circles/{circle_id}/cycles/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    cycle_id = int(re.search(r"/cycles/(\d+)", response.headers["Location"]).group(1))
    page = text_of(teacher, f"/cycles/{cycle_id}")
    assert "วัฏจักรน้ำด้วย PAC" in page and "นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้" in page
    assert "PAC Model" in page and "version 1" in page and "Competencies of Learners" in page
    assert page.count('class="phase phase-') == 3 and "Current phase" in page
    assert "Middle (กลาง)" in page and "32 students" in page

    # Phases move on; the progress says so in words.
    assert post_form(teacher, f"/cycles/{cycle_id}/advance", page=f"/cycles/{cycle_id}").status_code == 302
    page = text_of(teacher, f"/cycles/{cycle_id}")
    assert re.search(r'phase-done".*?P Phenomenon-based learning', page, re.S)
    assert re.search(r'phase-current" aria-current="step">.*?A Active Learning', page, re.S)

    # A DE checkpoint and an outcome with its effect size.
    assert post_form(teacher, f"/cycles/{cycle_id}/checkpoints", {
        "stage": "midstream", "reviewed": "แผนการสอนครั้งที่ 2", "changed": "เพิ่มเวลาให้กลุ่มอ่อน"},
        page=f"/cycles/{cycle_id}").status_code == 302
    response = post_form(teacher, f"/cycles/{cycle_id}/outcomes", {
        "measure": "แบบทดสอบวิทยาศาสตร์", "group": "ทั้งชั้น", "pre_n": "30", "pre_mean": "12", "pre_sd": "4",
        "post_n": "30", "post_mean": "15", "post_sd": "4"}, page=f"/cycles/{cycle_id}")
    assert response.status_code == 302
    page = text_of(teacher, f"/cycles/{cycle_id}")
    # d = 3 / 4 = 0.75; g = d × (1 − 3 / (4·60 − 9)) = 0.7403; 95 % CI 0.22 to 1.26 (hand-computed).
    assert "g = 0.74" in page and "d = 0.75" in page and "95% CI 0.22 to 1.26" in page
    assert "Above the 0.40 hinge point" in page and "เพิ่มเวลาให้กลุ่มอ่อน" in page
    assert "DE checkpoint: Midstream (during)" in page, "the timeline lists the checkpoint"
    assert "slot-live_sessions" in page and "No PLC session of this cycle yet." in page, "the sessions slot is filled"
    assert "Write a lesson plan for this cycle" in page, "the lesson-plans slot is filled"

    # Closing needs the lessons learned and a confirmation.
    lessons = {"results": "คะแนนเฉลี่ยสูงขึ้น", "picture_of_success": "นักเรียนอธิบายได้ด้วยตนเอง",
               "problems": "เวลาไม่พอ", "conditions": "ผู้บริหารสนับสนุน", "next_steps": "ขยายผลสู่ ป.6"}
    text_of(teacher, f"/cycles/{cycle_id}/close")
    confirm = post_form(teacher, f"/cycles/{cycle_id}/close", lessons, page=f"/cycles/{cycle_id}/close")
    assert confirm.status_code == 200 and "Close this cycle?" in confirm.get_data(as_text=True)
    with in_db() as session:
        assert session.get(Cycle, cycle_id).status == "active", "the review step changes nothing"
    response = post_form(teacher, f"/cycles/{cycle_id}/close", {**lessons, "confirmed": "yes"},
                         page=f"/cycles/{cycle_id}/close")
    assert response.status_code == 302
    page = text_of(teacher, f"/cycles/{cycle_id}")
    assert "ขยายผลสู่ ป.6" in page and "can be read but no longer changed" in page
    assert "Record an outcome" not in page and "/advance" not in page and "Record a DE checkpoint" not in page

    # Closed cycles are read-only, whatever is posted.
    response = post_form(teacher, f"/cycles/{cycle_id}/outcomes", {
        "measure": "x", "group": "y", "pre_n": "3", "pre_mean": "1", "pre_sd": "1", "post_n": "3", "post_mean": "2",
        "post_sd": "1"}, page=f"/cycles/{cycle_id}")
    assert response.status_code == 409
    assert post_form(teacher, f"/cycles/{cycle_id}/advance", page=f"/cycles/{cycle_id}").status_code == 409
    assert count(in_db, OutcomeMeasure, OutcomeMeasure.cycle_id == cycle_id) == 1
    with in_db() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle.status == "closed" and cycle.lessons.next_steps == "ขยายผลสู่ ป.6"
        assert cycle.current_phase is None and cycle.phases[0].ended_on is not None


def test_cycle_page_speaks_thai_and_english(app, world, plc):
    teacher = client_for(app, "teacher", lang="th")
    thai = text_of(teacher, f"/cycles/{plc['cycle']}?lang=th")
    assert '<html lang="th">' in thai and "ระบุปัญหา" in thai and "สะท้อนผล" in thai
    english = text_of(teacher, f"/cycles/{plc['cycle']}?lang=en")
    assert "Identify the problem" in english and "Lessons learned" in english and "ระบุปัญหา" not in english
    assert "Mathematics" in text_of(teacher, f"/circles/{plc['circle_a']}")


def test_home_and_org_pages_lead_to_the_plc_work(app, world, plc):
    teacher = client_for(app, "teacher")
    home = text_of(teacher, "/?lang=en")
    assert "My circles" in home and "วงคณิตศาสตร์ ป.4-6" in home
    assert "โจทย์ปัญหาด้วยปรากฏการณ์" in home and "Phase 1 of 7" in home
    assert f'href="/circles/{plc["circle_n1"]}"' not in home, "only the circles the teacher is in"
    nav = text_of(teacher, "/innovations")
    assert 'href="/circles"' in nav and 'href="/goals"' in nav and 'aria-current="page">Innovations' in nav
    school = text_of(teacher, f"/schools/{world.school_a.id}")
    assert f"/goals?school={world.school_a.id}" in school and f"/circles?school={world.school_a.id}" in school
    network = text_of(client_for(app, "coordinator"), f"/networks/{world.n1.id}")
    assert f"/networks/{world.n1.id}/goals/coverage" in network and f"/goals?network={world.n1.id}" in network
    assert f"/networks/{world.n1.id}/goals/new" in network
    assert f"/networks/{world.n1.id}/goals/coverage" not in text_of(teacher, f"/networks/{world.n1.id}")

    teacher2 = client_for(app, "teacher2")
    html = text_of(teacher2, "/?lang=en")
    assert "วงเครือข่ายการอ่าน" in html and "No cycle in progress" in html


# ---------------------------------------------------------------------------- circles


def test_circle_lists_mine_and_all_with_empty_states(app, world, plc):
    teacher = client_for(app, "teacher")
    mine = text_of(teacher, "/circles?lang=en")
    assert "วงคณิตศาสตร์ ป.4-6" in mine and "วงเครือข่ายการอ่าน" not in mine
    everything = text_of(teacher, "/circles?show=all")
    assert "วงคณิตศาสตร์ ป.4-6" in everything and "วงเครือข่ายการอ่าน" in everything
    by_school = text_of(teacher, f"/circles?school={world.school_a.id}")
    assert "วงคณิตศาสตร์ ป.4-6" in by_school and "วงเครือข่ายการอ่าน" not in by_school
    assert "วงคณิตศาสตร์" not in text_of(teacher, f"/circles?school={world.school_c.id}")
    coach = client_for(app, "coach")
    assert "not in a PLC circle yet" in text_of(coach, "/circles")
    outsider = client_for(app, "outsider")
    html = text_of(outsider, "/circles?show=all")
    assert "วงคณิตศาสตร์" not in html and "วงเครือข่ายการอ่าน" not in html and "no circles to show" in html


def test_members_roles_and_removal_need_confirmation(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    circle, member = plc["circle_a"], plc["director_member"]
    page = f"/circles/{circle}"
    assert post_form(teacher, f"{page}/members/{member}/role", {"role": "facilitator"}, page=page).status_code == 302
    with in_db() as session:
        assert session.get(CircleMember, member).role == "facilitator"
    confirm = text_of(teacher, f"{page}/members/{member}/remove")
    assert "Remove" in confirm and "Director Tester" in confirm
    with in_db() as session:
        assert session.get(CircleMember, member).left_on is None, "GET alone changes nothing"
    assert post_form(teacher, f"{page}/members/{member}/remove", page=page).status_code == 302
    with in_db() as session:
        assert session.get(CircleMember, member).left_on is not None, "the membership stays, with its end date"
    html = text_of(teacher, page)
    assert "Former members" in html
    # The last facilitator cannot leave; the circle keeps one.
    with in_db() as session:
        own = session.scalar(select(CircleMember.id).where(CircleMember.circle_id == circle,
                                                           CircleMember.user_id == world.teacher.id))
    response = post_form(teacher, f"{page}/members/{own}/remove", page=page)
    assert response.status_code == 302
    assert "Name another facilitator" in text_of(teacher, page + "?lang=en")
    with in_db() as session:
        assert session.get(CircleMember, own).left_on is None


def test_circle_bad_input_changes_nothing(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    before = count(in_db, Circle)
    response = post_form(teacher, "/circles/new", {"scope": f"school:{world.school_a.id}", "name": " ",
                                                   "meeting_count": "0", "meeting_period": "semester"},
                         page="/circles/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give the circle a name." in html and "at most 31 times" in html
    response = post_form(teacher, "/circles/new", {"scope": f"school:{world.school_c.id}", "name": "วงแอบ",
                                                   "meeting_count": "1", "meeting_period": "semester"},
                         page="/circles/new")
    assert response.status_code == 404, "a school outside the teacher's view is refused as the API refuses it"
    assert count(in_db, Circle) == before
    page = f"/circles/{plc['circle_a']}"
    tomorrow = (bangkok_today() + timedelta(days=1)).isoformat()
    response = post_form(teacher, f"{page}/meetings", {"held_on": tomorrow, "title": "ประชุม", "mode": "onsite"},
                         page=page)
    assert response.status_code == 422 and "today or earlier" in response.get_data(as_text=True)
    response = post_form(teacher, f"{page}/meetings", {"held_on": "31/02/2569", "title": "", "mode": "onsite",
                                                       "minutes": "สิบ"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter a date." in html and "Enter a whole number" in html
    assert count(in_db, CircleMeeting) == 0
    response = post_form(teacher, f"{page}/members", {"user_id": world.outsider.id, "role": "member"}, page=page)
    assert response.status_code == 422
    assert count(in_db, CircleMember, CircleMember.user_id == world.outsider.id) == 0


def test_editing_norms_asks_members_to_accept_again(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    page = f"/circles/{plc['circle_a']}"
    form = text_of(teacher, f"{page}/edit")
    assert "เริ่มตรงเวลา" in form and '<option selected value="คณิตศาสตร์">' in form
    response = post_form(teacher, f"{page}/edit", {"name": "วงคณิตศาสตร์ ป.4-6", "learning_area": "other",
                                                   "learning_area_other": "STEM", "norms": "กติกาใหม่",
                                                   "meeting_count": "1", "meeting_period": "semester"}, page=page)
    assert response.status_code == 302
    html = text_of(teacher, page + "?lang=en")
    assert "STEM" in html and "The norms have changed since you accepted them" in html


def test_network_circle_takes_members_from_every_school_of_the_network(app, world, plc, in_db):
    coordinator = client_for(app, "coordinator")
    response = post_form(coordinator, "/circles/new", {"scope": f"network:{world.n1.id}", "name": "วงโค้ชเครือข่าย",
                                                       "meeting_count": "1", "meeting_period": "month"},
                         page="/circles/new")
    assert response.status_code == 302
    circle_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = text_of(coordinator, f"/circles/{circle_id}")
    for key in ("teacher", "teacher2", "director", "coach"):
        assert f'value="{world.users[key].id}"' in page, key
    assert f'value="{world.outsider.id}"' not in page and f'value="{world.coordinator2.id}"' not in page
    assert post_form(coordinator, f"/circles/{circle_id}/members", {"user_id": world.teacher2.id, "role": "facilitator"},
                     page=f"/circles/{circle_id}").status_code == 302
    with in_db() as session:
        member = session.scalar(select(CircleMember).where(CircleMember.circle_id == circle_id,
                                                           CircleMember.user_id == world.teacher2.id))
        assert member.role == "facilitator" and member.accepted_norms_version is None
    assert client_for(app, "teacher2").get(f"/circles/{circle_id}/edit").status_code == 200


def test_a_meeting_recorded_for_a_cycle_appears_in_its_timeline(app, world, plc):
    teacher = client_for(app, "teacher")
    page = f"/circles/{plc['circle_a']}"
    assert f'<option value="{plc["cycle"]}">' in text_of(teacher, page)
    response = post_form(teacher, f"{page}/meetings", {
        "held_on": bangkok_today().isoformat(), "title": "สะท้อนผลหลังสอน", "mode": "onsite", "cycle_id": plc["cycle"],
        "notes": "นักเรียนกลุ่มอ่อนตอบได้มากขึ้น"}, page=page)
    assert response.status_code == 302
    html = text_of(teacher, f"/cycles/{plc['cycle']}")
    assert "Meeting: สะท้อนผลหลังสอน" in html and "นักเรียนกลุ่มอ่อนตอบได้มากขึ้น" in html


# ---------------------------------------------------------------------------- cycles


def test_cycle_bad_input_changes_nothing(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    new = f"/circles/{plc['circle_a']}/cycles/new"
    before = count(in_db, Cycle)
    response = post_form(teacher, new, {"title": "", "problem": "", "template": "thai_plc"}, page=new)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give the cycle a title." in html
    response = post_form(teacher, new, {"title": "ไม่มีเป้าหมาย", "problem": "ปัญหา", "template": "thai_plc"}, page=new)
    assert response.status_code == 422 and "at least one school goal" in response.get_data(as_text=True)
    response = post_form(teacher, new, {"title": "t", "problem": "p", "goal_ids": [plc["goal"]],
                                        "template": "innovation", "template_version_id": "0",
                                        "step_ids": plc["pac_steps"][:2]}, page=new)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "To follow an innovation" in html
    step = plc["pac_steps"][0]
    assert f'id="step-{step}" value="{step}" checked' in html, "what was chosen stays chosen"
    assert '<details class="innovation-pick" open>' in html and f'id="goal-{plc["goal"]}" value="{plc["goal"]}" checked' in html
    response = post_form(teacher, new, {"title": "t", "problem": "p", "goal_ids": [plc["goal"]],
                                        "template": "thai_plc", "step_ids": ["999999"]}, page=new)
    assert response.status_code == 422 and "Choose from the list." in response.get_data(as_text=True)
    assert count(in_db, Cycle) == before

    # A network circle member does not see school A's own innovation, so cannot apply it.
    teacher2 = client_for(app, "teacher2")
    with in_db() as session:
        own_version = session.get(Innovation, plc["own"]).current.id
    n1_new = f"/circles/{plc['circle_n1']}/cycles/new"
    assert "Tha Noi draft model" not in text_of(teacher2, n1_new)
    response = post_form(teacher2, n1_new, {"title": "t", "problem": "p", "goal_ids": [plc["goal"]],
                                            "template": "thai_plc", "innovation_version_ids": [own_version]},
                         page=n1_new)
    assert response.status_code == 422
    assert count(in_db, Cycle) == before


@pytest.mark.parametrize(("data", "messages"), [
    ({"pre_n": "1", "pre_mean": "10", "pre_sd": "0", "post_n": "1", "post_mean": "12", "post_sd": "-1"},
     ["At least 2 students are needed.", "The standard deviation must be greater than 0."]),
    ({"pre_n": "20", "pre_mean": "10", "pre_sd": "2"}, ["Enter the scores after the cycle"]),
    ({"post_n": "20", "post_mean": "10", "post_sd": "2"}, ["Enter the scores before the cycle"]),
    ({"pre_n": "20", "pre_mean": "สิบ", "pre_sd": "2", "post_n": "20.5", "post_mean": "nan", "post_sd": "2"},
     ["Enter a number", "Enter a whole number"]),
    ({"pre_n": "99999999999", "pre_mean": "1e999", "pre_sd": "2", "post_n": "20", "post_mean": "12", "post_sd": "2"},
     ["At most 100,000 students.", "Enter a number"]),
    ({"measure": "", "group": "", "pre_n": "20", "pre_mean": "10", "pre_sd": "2", "post_n": "1",
      "post_mean": "12", "post_sd": "2"}, ["Name the measure", "Name the group", "At least 2 students are needed."]),
])
def test_outcome_bad_input_shows_field_errors_and_saves_nothing(app, world, plc, in_db, data, messages):
    teacher = client_for(app, "teacher")
    page = f"/cycles/{plc['cycle']}"
    response = post_form(teacher, f"{page}/outcomes", {"measure": "แบบทดสอบการอ่าน", "group": "อ่อน", **data},
                         page=page + "?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in messages:
        assert message in html, message
    assert 'aria-invalid="true"' in html and "<details class=\"form-details\" open>" in html
    assert count(in_db, OutcomeMeasure) == 0


def test_outcome_accepts_thai_digits_and_small_groups_use_hedges_g(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    page = f"/cycles/{plc['cycle']}"
    response = post_form(teacher, f"{page}/outcomes", {
        "measure": "การอ่าน", "group": "อ่อน", "pre_n": "๕", "pre_mean": "10", "pre_sd": "2", "post_n": "5",
        "post_mean": "11", "post_sd": "2"}, page=page)
    assert response.status_code == 302
    html = text_of(teacher, page + "?lang=en")
    # d = 1 / 2 = 0.50; with n = 5 + 5, g = 0.5 × (1 − 3 / 31) = 0.45: the small-sample correction shows.
    assert "g = 0.45" in html and "d = 0.50" in html and "Weak (อ่อน)" in html


def test_checkpoint_and_lessons_bad_input(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    page = f"/cycles/{plc['cycle']}"
    response = post_form(teacher, f"{page}/checkpoints", {"stage": "upstream"}, page=page)
    assert response.status_code == 422 and "Write what was reviewed" in response.get_data(as_text=True)
    response = post_form(teacher, f"{page}/checkpoints", {"stage": "sideways", "reviewed": "x"}, page=page)
    assert response.status_code == 422
    assert count(in_db, DECheckpoint) == 0
    response = post_form(teacher, f"{page}/close", {"results": "ผล", "confirmed": "yes"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write the next steps." in html and "Describe the picture of success." in html
    with in_db() as session:
        assert session.get(Cycle, plc["cycle"]).status == "active"


def test_advancing_past_the_last_phase(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    page = f"/cycles/{plc['cycle']}"
    for _step in range(7):
        assert post_form(teacher, f"{page}/advance", page=page).status_code == 302
    html = text_of(teacher, page + "?lang=en")
    assert "Every phase is done" in html and "/advance" not in html
    assert post_form(teacher, f"{page}/advance", page=page).status_code == 302
    assert "Every phase is done" in text_of(teacher, page)


# ---------------------------------------------------------------------------- goals


def test_goal_drafted_by_a_teacher_approved_by_the_director(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    form = text_of(teacher, f"/goals/new?school={world.school_a.id}&lang=en")
    assert "TSQP&#39;s six measures" in form and "Quality school: seven focus areas" in form
    response = post_form(teacher, "/goals/new", {
        "school_id": world.school_a.id, "academic_year_be": str(YEAR), "statement": "ครูทุกคนใช้ Active Learning",
        "context_needs": "ผล O-NET ต่ำ", "indicator": "ร้อยละของครู", "target": "100",
        "focus_area_ids": plc["areas"][1:]}, page="/goals/new")
    assert response.status_code == 302
    goal_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = text_of(teacher, f"/goals/{goal_id}")
    assert "ครูทุกคนใช้ Active Learning" in html and "Reading and writing" in html and "Waiting for the school" in html
    assert 'value="approve"' not in html
    assert post_form(teacher, f"/goals/{goal_id}/status", {"action": "approve"}, page="/goals").status_code == 403

    director = client_for(app, "director")
    assert 'value="approve"' in text_of(director, f"/goals/{goal_id}")
    assert post_form(director, f"/goals/{goal_id}/status", {"action": "approve"}, page="/goals").status_code == 302
    html = text_of(director, f"/goals/{goal_id}?lang=en")
    assert "Mark as achieved" in html and "Carry over to next year" in html and "Edit</a>" not in html
    response = post_form(director, f"/goals/{goal_id}/status", {"action": "carry_over"}, page="/goals")
    follow_up = int(response.headers["Location"].rsplit("/", 1)[1])
    with in_db() as session:
        assert session.get(SchoolGoal, goal_id).status == "carried_over"
        assert session.get(SchoolGoal, follow_up).academic_year_be == YEAR + 1
    assert f"/goals/{goal_id}" in text_of(director, f"/goals/{follow_up}"), "the new draft links back"
    # A goal past its draft is no longer edited: a conflict with its state, as the API answers.
    response = client_for(app, "teacher").get(f"/goals/{goal_id}/edit?lang=en")
    assert response.status_code == 409 and "Only a draft goal can be edited." in response.get_data(as_text=True)


def test_goal_bad_input_changes_nothing(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    before = count(in_db, SchoolGoal)
    response = post_form(teacher, "/goals/new", {"school_id": world.school_a.id, "academic_year_be": "1999",
                                                 "statement": ""}, page="/goals/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write the goal." in html and "Buddhist Era" in html
    response = post_form(teacher, "/goals/new", {"school_id": world.school_c.id, "academic_year_be": "2569",
                                                 "statement": "แอบเขียน"}, page="/goals/new")
    assert response.status_code == 404, "a school outside the teacher's view is refused as the API refuses it"
    response = post_form(teacher, "/goals/new", {"school_id": world.school_a.id, "academic_year_be": "2569",
                                                 "statement": "ได้", "focus_area_ids": ["999999"]}, page="/goals/new")
    assert response.status_code == 422 and "Choose from the list." in response.get_data(as_text=True)
    assert count(in_db, SchoolGoal) == before
    response = post_form(teacher, f"/goals/{plc['draft_goal']}/edit", {"academic_year_be": "2569", "statement": " "},
                         page="/goals")
    assert response.status_code == 422
    with in_db() as session:
        assert session.get(SchoolGoal, plc["draft_goal"]).statement == "นักเรียนทุกคนอ่านคล่อง เขียนคล่อง"


def test_goal_list_filters_by_school_and_year(app, world, plc, in_db):
    with in_db() as session:
        goals.create_school_goal(session.get(User, world.teacher2.id), session.get(School, world.school_b.id),
                                 GoalInput(statement="เป้าหมายของโรงเรียนบี", academic_year_be=YEAR - 1))
    coordinator = client_for(app, "coordinator")
    html = text_of(coordinator, f"/goals?year={YEAR}")
    assert "นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้" in html and "เป้าหมายของโรงเรียนบี" not in html
    html = text_of(coordinator, "/goals?year=")
    assert "นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้" in html and "เป้าหมายของโรงเรียนบี" in html
    html = text_of(coordinator, f"/goals?school={world.school_b.id}&year=")
    assert "นักเรียนแก้โจทย์ปัญหาคณิตศาสตร์ได้" not in html and "เป้าหมายของโรงเรียนบี" in html
    outsider = client_for(app, "outsider")
    assert "นักเรียนแก้โจทย์" not in text_of(outsider, f"/goals?school={world.school_a.id}&year=")
    assert "No goals match" in text_of(outsider, "/goals?lang=en")


def test_coordinator_publishes_a_core_goal_and_sees_coverage(app, world, plc, in_db):
    coordinator = client_for(app, "coordinator")
    page = f"/networks/{world.n1.id}/goals/new"
    response = post_form(coordinator, page, {"academic_year_be": str(YEAR), "statement": "ลดความเหลื่อมล้ำด้านการอ่าน",
                                              "focus_area_ids": [plc["areas"][2]]}, page=page)
    assert response.status_code == 302 and "/goals/coverage" in response.headers["Location"]
    with in_db() as session:
        copies = {g.school_id: g.id for g in session.scalars(select(SchoolGoal).where(SchoolGoal.parent_id.is_not(None)))}
    assert set(copies) == {world.school_a.id, world.school_b.id}, "each school of the network gets a copy"
    director = client_for(app, "director")
    copy_a = copies[world.school_a.id]
    post_form(director, f"/goals/{copy_a}/status", {"action": "approve"}, page="/goals")
    html = text_of(coordinator, f"/networks/{world.n1.id}/goals/coverage?year={YEAR}&lang=en")
    assert "ลดความเหลื่อมล้ำด้านการอ่าน" in html and A_EN in html and B_EN in html
    row_a = re.search(rf"{A_EN}</a></th>(.*?)</tr>", html, re.S).group(1)
    row_b = re.search(rf"{B_EN}</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "Approved" in row_a and "Draft" in row_b
    assert re.findall(r"<td>(\d+)</td>", row_a) == ["3", "2", "0", "1"], "goals, approved, achieved, cycles"
    response = post_form(coordinator, page, {"academic_year_be": "abc", "statement": ""}, page=page)
    assert response.status_code == 422 and "Enter a whole number" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- innovations


def test_library_search_filters_and_scoping(app, world, plc):
    teacher = client_for(app, "teacher")
    html = text_of(teacher, "/innovations?q=" + "ปรากฏการณ์")
    assert "PAC Model" in html and "Tha Noi draft model" not in html
    html = text_of(teacher, "/innovations?kind=classroom_model")
    assert "PAC Model" in html and "Tha Noi draft model" in html
    assert "PAC Model" not in text_of(teacher, "/innovations?kind=safety_model")
    assert "PAC Model" in text_of(teacher, "/innovations?owner=school")
    assert "Nothing in the library matches" in text_of(teacher, "/innovations?lang=en&q=" + "ไม่มีแน่นอน")
    teacher2 = client_for(app, "teacher2")
    html = text_of(teacher2, "/innovations")
    assert "PAC Model" in html and "Tha Noi draft model" not in html


def test_innovation_with_nested_steps_edited_into_a_new_version(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    steps = "S | สำรวจปัญหา | Survey\nI | ลงมือทำ | Implement\n  1 | วางแผนร่วมกัน\n  | สังเกตชั้นเรียน\nA | ทบทวนหลังปฏิบัติ"
    response = post_form(teacher, "/innovations/new", {
        "owner": f"school:{world.school_a.id}", "kind": "classroom_model", "visibility": "network",
        "name_th": "รูปแบบ SIA", "name": "SIA Model", "steps": steps}, page="/innovations/new")
    assert response.status_code == 302
    innovation_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = text_of(teacher, f"/innovations/{innovation_id}?lang=en")
    assert re.search(r"Implement.*?<ol class=\"steps\">.*?วางแผนร่วมกัน.*?สังเกตชั้นเรียน", html, re.S)
    assert "Edit (new version)" in html and "No PLC cycle you can see applies" in html

    edit = text_of(teacher, f"/innovations/{innovation_id}/edit")
    assert "  1 | วางแผนร่วมกัน" in edit, "the steps come back in the textarea format"
    response = post_form(teacher, f"/innovations/{innovation_id}/edit", {
        "name_th": "รูปแบบ SIA", "name": "SIA Model", "steps": "S | สำรวจปัญหา | Survey\nA | ทบทวน", "change_note": ""},
        page=f"/innovations/{innovation_id}/edit")
    assert response.status_code == 422 and "Say briefly what changed" in response.get_data(as_text=True)
    response = post_form(teacher, f"/innovations/{innovation_id}/edit", {
        "name_th": "รูปแบบ SIA", "name": "SIA Model", "steps": "S | สำรวจปัญหา | Survey\nA | ทบทวน",
        "change_note": "รวมขั้นลงมือทำเข้ากับการทบทวน"}, page=f"/innovations/{innovation_id}/edit")
    assert response.status_code == 302
    html = text_of(teacher, f"/innovations/{innovation_id}")
    assert "รวมขั้นลงมือทำเข้ากับการทบทวน" in html and "วางแผนร่วมกัน" not in html
    old = text_of(teacher, f"/innovations/{innovation_id}/versions/1?lang=en")
    assert "วางแผนร่วมกัน" in old and "an earlier version" in old and "Edit (new version)" not in old
    assert teacher.get(f"/innovations/{innovation_id}/versions/7").status_code == 404


def test_cycles_keep_the_version_they_used(app, world, plc, in_db):
    admin = client_for(app, "admin")
    page = f"/innovations/{plc['pac']}/edit"
    response = post_form(admin, page, {"name_th": "นวัตกรรม PAC Model", "name": "PAC Model",
                                       "steps": "P | ปรากฏการณ์ | Phenomenon\nA | เชิงรุก | Active\nC | สมรรถนะ | Competency\nS | แบ่งปัน | Share",
                                       "change_note": "เพิ่มขั้นแบ่งปัน"}, page=page)
    assert response.status_code == 302
    teacher = client_for(app, "teacher")
    html = text_of(teacher, f"/cycles/{plc['cycle']}?lang=en")
    assert "version 1" in html and "now version 2" in html and "Competencies of Learners" in html
    usage = text_of(teacher, f"/innovations/{plc['pac']}")
    assert "โจทย์ปัญหาด้วยปรากฏการณ์" in usage and A_EN in usage
    with in_db() as session:
        cycle = session.get(Cycle, plc["cycle"])
        assert [v.number for v in cycle.innovation_versions] == [1]


def test_innovation_bad_input_changes_nothing(app, world, plc, in_db):
    teacher = client_for(app, "teacher")
    before = count(in_db, InnovationVersion)
    cases = [
        ({"steps": "  | ขั้นย่อยไม่มีแม่"}, "Line 1 is indented"),
        ({"steps": "A | ข้อ | x | y | z"}, "Line 1 has more than four parts"),
        ({"steps": "A |  | Label"}, "Line 1 needs the Thai text"),
        ({"name_th": ""}, "Give the innovation a Thai name."),
        ({"owner": "school:x"}, "Choose"),
        ({"kind": "rocket_science"}, "Choose from the list."),
    ]
    for data, message in cases:
        response = post_form(teacher, "/innovations/new", {
            "owner": f"school:{world.school_a.id}", "kind": "classroom_model", "visibility": "school",
            "name_th": "ทดลอง", **data}, page="/innovations/new?lang=en")
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    # An owner outside the choices is refused as the API refuses it: seen but not the teacher's, unseen.
    for owner, status in [(f"network:{world.n1.id}", 403), (f"school:{world.school_c.id}", 404)]:
        response = post_form(teacher, "/innovations/new", {
            "owner": owner, "kind": "classroom_model", "visibility": "school", "name_th": "ทดลอง"},
            page="/innovations/new")
        assert response.status_code == status, owner
    coordinator = client_for(app, "coordinator")
    response = post_form(coordinator, "/innovations/new", {
        "owner": f"network:{world.n1.id}", "kind": "classroom_model", "visibility": "school", "name_th": "ของเครือข่าย"},
        page="/innovations/new")
    assert response.status_code == 422 and "shared with the network or with everyone" in response.get_data(as_text=True)
    assert count(in_db, InnovationVersion) == before


def test_parse_steps_reads_codes_labels_and_sub_steps():
    from plc.forms.innovations import parse_steps

    steps, errors = parse_steps("P | ปรากฏการณ์ | Phenomenon\n\tก่อน\n  | ระหว่าง | During | while teaching\nสรุป\r\n")
    assert errors == []
    assert [(s.code, s.text_th, s.label_en) for s in steps] == [("P", "ปรากฏการณ์", "Phenomenon"), (None, "สรุป", None)]
    assert [(s.code, s.text_th, s.label_en, s.text_en) for s in steps[0].substeps] == [
        (None, "ก่อน", None, None), (None, "ระหว่าง", "During", "while teaching")]
    assert parse_steps("") == ([], [])


# ---------------------------------------------------------------------------- who may do what

ROLES = ["admin", "coordinator", "coach", "director", "teacher", "teacher2", "outsider", "coordinator2"]

MATRIX = {
    "circle A": ("/circles/{circle_a}", [200, 200, 200, 200, 200, 404, 404, 404]),
    "edit circle A": ("/circles/{circle_a}/edit", [200, 200, 403, 200, 200, 404, 404, 404]),
    "cycle in circle A": ("/circles/{circle_a}/cycles/new", [200, 200, 403, 200, 200, 404, 404, 404]),
    "remove member of A": ("/circles/{circle_a}/members/{director_member}/remove",
                           [200, 200, 403, 200, 200, 404, 404, 404]),
    "N1 circle": ("/circles/{circle_n1}", [200, 200, 200, 200, 200, 200, 404, 404]),
    "edit N1 circle": ("/circles/{circle_n1}/edit", [200, 200, 403, 403, 403, 403, 404, 404]),
    "cycle in N1 circle": ("/circles/{circle_n1}/cycles/new", [200, 200, 403, 403, 403, 200, 404, 404]),
    "cycle": ("/cycles/{cycle}", [200, 200, 200, 200, 200, 404, 404, 404]),
    "close cycle": ("/cycles/{cycle}/close", [200, 200, 403, 200, 200, 404, 404, 404]),
    "goal of A": ("/goals/{draft_goal}", [200, 200, 200, 200, 200, 200, 404, 404]),
    "edit goal of A": ("/goals/{draft_goal}/edit", [200, 200, 403, 200, 200, 403, 404, 404]),
    # A school-only innovation is seen by the school's staff and the network team that works with it.
    "A-only innovation": ("/innovations/{own}", [200, 200, 200, 200, 200, 404, 404, 404]),
    "its version 1": ("/innovations/{own}/versions/1", [200, 200, 200, 200, 200, 404, 404, 404]),
    "edit A-only innovation": ("/innovations/{own}/edit", [200, 403, 403, 200, 200, 404, 404, 404]),
    "public PAC": ("/innovations/{pac}", [200, 200, 200, 200, 200, 200, 200, 200]),
    "edit PAC": ("/innovations/{pac}/edit", [200, 403, 403, 403, 403, 403, 403, 403]),
    "N1 coverage": ("/networks/{n1}/goals/coverage", [200, 200, 200, 403, 403, 403, 404, 404]),
    "N1 core goal": ("/networks/{n1}/goals/new", [200, 200, 403, 403, 403, 403, 404, 404]),
    "new circle": ("/circles/new", [200, 200, 200, 200, 200, 200, 200, 200]),
    "new goal for A": ("/goals/new?school={a}", [200, 200, 403, 200, 200, 403, 404, 404]),
    "missing circle": ("/circles/999999", [404] * 8),
    "missing cycle": ("/cycles/999999", [404] * 8),
}


@pytest.mark.parametrize("role", ROLES)
def test_plc_pages_role_object_tenant_matrix(app, world, plc, role):
    client = client_for(app, role)
    ids = {**plc, "n1": world.n1.id, "a": world.school_a.id}
    failures = []
    for name, (template, expected) in MATRIX.items():
        status = client.get(template.format(**ids)).status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{name}: got {status}, expected {expected[ROLES.index(role)]}")
    assert not failures, f"{role}: " + "; ".join(failures)


@pytest.mark.parametrize(("role", "expected"), [("coach", 403), ("teacher2", 404), ("outsider", 404),
                                                ("coordinator2", 404)])
def test_changes_by_people_who_may_not_make_them_change_nothing(app, world, plc, in_db, role, expected):
    client = client_for(app, role)
    cycle, circle = f"/cycles/{plc['cycle']}", f"/circles/{plc['circle_a']}"
    attempts = [
        (f"{cycle}/advance", {}),
        (f"{cycle}/checkpoints", {"stage": "upstream", "reviewed": "x"}),
        (f"{cycle}/outcomes", {"measure": "m", "group": "g", "pre_n": "5", "pre_mean": "1", "pre_sd": "1",
                               "post_n": "5", "post_mean": "2", "post_sd": "1"}),
        (f"{cycle}/close", {"results": "r", "picture_of_success": "p", "problems": "p", "conditions": "c",
                            "next_steps": "n", "confirmed": "yes"}),
        (f"{circle}/meetings", {"held_on": bangkok_today().isoformat(), "title": "t", "mode": "onsite"}),
        (f"{circle}/members", {"user_id": world.teacher2.id, "role": "member"}),
        (f"{circle}/members/{plc['director_member']}/remove", {}),
        (f"{circle}/members/{plc['director_member']}/role", {"role": "facilitator"}),
        (f"/goals/{plc['draft_goal']}/status", {"action": "approve"}),
    ]
    for path, data in attempts:
        status = post_form(client, path, data, page="/").status_code
        wanted = 403 if path.startswith("/goals") and role in ("coach", "teacher2") else expected
        assert status == wanted, (path, status)
    with in_db() as session:
        cycle_row = session.get(Cycle, plc["cycle"])
        assert cycle_row.status == "active" and cycle_row.current_phase.position == 1
        assert not cycle_row.checkpoints and not cycle_row.outcomes
        assert session.scalar(select(func.count()).select_from(CircleMeeting)) == 0
        assert session.get(CircleMember, plc["director_member"]).left_on is None
        assert session.get(CircleMember, plc["director_member"]).role == "member"
        assert session.get(SchoolGoal, plc["draft_goal"]).status == "draft"
