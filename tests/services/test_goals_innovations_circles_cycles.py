"""Business rules of goals, innovations, circles and cycles, at the service layer."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import Circle, Cycle, Innovation, Network, School, User
from plc.services import circles, cycles, goals, innovations
from plc.services.circles import CircleInput
from plc.services.cycles import CycleInput, LessonsInput
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput

PAC_STEPS = [
    StepInput("การจัดการเรียนรู้โดยใช้ปรากฏการณ์เป็นฐาน", code="P", label_en="Phenomenon-based learning"),
    StepInput("การจัดการเรียนรู้เชิงรุก", code="A", label_en="Active Learning"),
    StepInput("สมรรถนะสำคัญของผู้เรียน", code="C", label_en="Competencies of Learners"),
]


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield world
        db.session.rollback()


def user(key):
    return db.session.scalar(select(User).where(User.email == f"{key}@example.org"))


def school_a(world):
    return db.session.get(School, world.school_a.id)


def make_goal(world, **overrides):
    data = GoalInput(statement="นักเรียนอ่านออกเขียนได้ทุกคน", academic_year_be=2569, **overrides)
    return goals.create_school_goal(user("teacher"), school_a(world), data)


def make_pac(world):
    return innovations.create(user("director"), owner=school_a(world), kind="classroom_model", visibility="school",
                              data=VersionInput(name_th="นวัตกรรม PAC Model", name="PAC Model", steps=PAC_STEPS))


def make_circle(world, **overrides):
    data = CircleInput(name="วง PLC ภาษาไทย ป.4", learning_area="ภาษาไทย", **overrides)
    return circles.create(user("teacher"), school_a(world), data)


def test_goal_lifecycle_and_carry_over(ctx):
    goal = make_goal(ctx)
    assert goal.status == "draft"
    goals.transition(user("director"), goal, "approve")
    assert goal.status == "approved" and goal.approved_by_id == user("director").id
    with pytest.raises(goals.GoalError):
        goals.update_goal(user("teacher"), goal, GoalInput(statement="แก้ไข", academic_year_be=2569))
    follow_up = goals.transition(user("director"), goal, "carry_over")
    assert goal.status == "carried_over"
    assert (follow_up.academic_year_be, follow_up.status, follow_up.carried_from_id) == (2570, "draft", goal.id)
    with pytest.raises(goals.GoalError):
        goals.transition(user("director"), goal, "achieve")


def test_goal_input_is_validated(ctx):
    with pytest.raises(goals.GoalError) as refused:
        goals.create_school_goal(user("teacher"), school_a(ctx),
                                 GoalInput(statement="  ", academic_year_be=2026, focus_area_ids=(999,)))
    assert set(refused.value.fields) == {"statement", "academic_year_be", "focus_area_ids"}


def test_core_goal_reaches_every_school_of_the_network(ctx):
    network = db.session.get(Network, ctx.n1.id)
    template = goals.publish_core_goal(user("coordinator"), network,
                                       GoalInput(statement="ครูทุกคนใช้การเรียนรู้เชิงรุก", academic_year_be=2569))
    copies = {g.school_id: g for g in template.copies}
    assert set(copies) == {ctx.school_a.id, ctx.school_b.id}
    assert all(g.status == "draft" and g.kind == "core" for g in copies.values())
    goals.transition(user("director"), copies[ctx.school_a.id], "approve")
    templates, rows = goals.coverage(network, 2569)
    assert templates == [template]
    status = {row.school.id: row.core_status[template.id] for row in rows}
    assert status == {ctx.school_a.id: "approved", ctx.school_b.id: "draft"}


def test_innovation_edit_adds_a_version_and_old_cycles_keep_theirs(ctx):
    pac = make_pac(ctx)
    circle = make_circle(ctx)
    goal = make_goal(ctx)
    version1 = pac.current
    cycle = cycles.create(user("teacher"), circle, CycleInput(
        title="PAC กับการอ่าน", problem="นักเรียนอ่านจับใจความไม่ได้", goal_ids=[goal.id],
        innovation_version_ids=[version1.id], step_ids=[s.id for s in version1.steps], template="innovation",
        template_version_id=version1.id))
    version2 = innovations.revise(user("director"), pac, VersionInput(
        name_th="นวัตกรรม PAC Model (ปรับปรุง)", steps=[*PAC_STEPS, StepInput("สะท้อนผล", code="R")],
        change_note="เพิ่มขั้นสะท้อนผล"))
    db.session.flush()
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    assert version2.number == 2 and len(version2.steps) == 4
    assert [v.number for v in cycle.innovation_versions] == [1]
    assert [s.code for s in cycle.steps] == ["P", "A", "C"]
    assert [p.key for p in cycle.phases] == ["step-1", "step-2", "step-3"]
    assert db.session.get(Innovation, pac.id).current.number == 2


def test_search_finds_thai_inside_thai_and_respects_visibility(ctx):
    make_pac(ctx)
    found = db.session.scalars(innovations.innovations_query(user("teacher"), q="เชิงรุก")).all()
    assert [i.current.name for i in found] == ["PAC Model"]
    assert db.session.scalars(innovations.innovations_query(user("outsider"), q="PAC")).all() == []
    assert db.session.scalars(innovations.innovations_query(user("teacher2"), q="PAC")).all() == [], \
        "a school-only innovation stays in its school"


def test_cycle_needs_a_goal_of_its_own_school_and_steps_of_applied_innovations(ctx):
    circle = make_circle(ctx)
    other_goal = goals.create_school_goal(user("director_c"), db.session.get(School, ctx.school_c.id),
                                          GoalInput(statement="เป้าหมายของโรงเรียนอื่น", academic_year_be=2569))
    pac = make_pac(ctx)
    with pytest.raises(cycles.CycleError) as refused:
        cycles.create(user("teacher"), circle, CycleInput(title="", problem="", goal_ids=[]))
    assert {"title", "problem", "goal_ids"} <= set(refused.value.fields)
    with pytest.raises(cycles.CycleError) as refused:
        cycles.create(user("teacher"), circle, CycleInput(
            title="x", problem="y", goal_ids=[other_goal.id], step_ids=[pac.current.steps[0].id]))
    assert {"goal_ids", "step_ids"} <= set(refused.value.fields)


def test_cycle_moves_through_phases_and_closes_only_with_lessons(ctx):
    circle = make_circle(ctx)
    goal = make_goal(ctx)
    cycle = cycles.create(user("teacher"), circle, CycleInput(title="ฝึกอ่าน", problem="อ่านไม่คล่อง",
                                                              goal_ids=[goal.id], template="pdca"))
    assert [p.state for p in cycle.phases] == ["current", "upcoming", "upcoming", "upcoming"]
    for _ in range(3):
        cycles.advance(user("teacher"), cycle)
    assert [p.state for p in cycle.phases] == ["done", "done", "done", "current"]
    cycles.advance(user("teacher"), cycle)
    with pytest.raises(cycles.CycleError):
        cycles.advance(user("teacher"), cycle)
    cycles.add_checkpoint(user("teacher"), cycle, stage="downstream", evaluated="นักเรียนอ่านคล่องขึ้น")
    with pytest.raises(cycles.CycleError) as refused:
        cycles.close(user("teacher"), cycle, LessonsInput("ผล", "", "ปัญหา", "", "ต่อไป"))
    assert set(refused.value.fields) == {"picture_of_success", "conditions"}
    assert cycle.status == "active"
    cycles.close(user("teacher"), cycle, LessonsInput("ผล", "ภาพ", "ปัญหา", "เงื่อนไข", "ต่อไป"))
    assert cycle.status == "closed" and cycle.lessons.results == "ผล"
    with pytest.raises(cycles.CycleError):
        cycles.add_checkpoint(user("teacher"), cycle, stage="upstream", reviewed="หลังปิด")


def test_checkpoint_stage_and_content_are_required(ctx):
    circle = make_circle(ctx)
    cycle = cycles.create(user("teacher"), circle, CycleInput(title="t", problem="p", goal_ids=[make_goal(ctx).id]))
    with pytest.raises(cycles.CycleError) as refused:
        cycles.add_checkpoint(user("teacher"), cycle, stage="sideways")
    assert set(refused.value.fields) == {"stage", "reviewed"}


def test_meeting_rule_met_due_and_missed(ctx):
    circle = make_circle(ctx, meeting_count=2, meeting_period="semester")
    circle.created_at = circle.created_at.replace(year=2025)
    today = date(2026, 11, 22)  # semester 2/2569 runs 1 Nov 2026 – 15 May 2027
    circles.record_meeting(user("teacher"), circle, held_on=date(2026, 6, 10), title="ครั้งที่ 1")
    current, previous = circles.meeting_rule(circle, today)
    assert (current.label, current.held, current.status) == ("2/2569", 0, "due")
    assert (previous.label, previous.held, previous.status) == ("1/2569", 1, "missed")
    circles.record_meeting(user("teacher"), circle, held_on=date(2026, 11, 3), title="ครั้งที่ 2")
    circles.record_meeting(user("teacher"), circle, held_on=date(2026, 11, 20), title="ครั้งที่ 3")
    assert circles.meeting_rule(circle, today)[0].status == "met"


def test_monthly_rule(ctx):
    circle = make_circle(ctx, meeting_count=1, meeting_period="month")
    circle.created_at = circle.created_at.replace(year=2025)
    circles.record_meeting(user("teacher"), circle, held_on=date(2026, 10, 5), title="ต.ค.")
    current, previous = circles.meeting_rule(circle, date(2026, 11, 22))
    assert (current.label, current.status) == ("11/2569", "due")
    assert (previous.label, previous.status) == ("10/2569", "met")


def test_meetings_in_the_future_are_refused(ctx):
    circle = make_circle(ctx)
    with pytest.raises(circles.CircleError):
        circles.record_meeting(user("teacher"), circle, held_on=bangkok_today() + timedelta(days=1), title="พรุ่งนี้")


def test_members_join_and_leave_with_dates_and_a_facilitator_always_remains(ctx):
    circle = make_circle(ctx)
    facilitator = circle.current_members()[0]
    member = circles.add_member(user("teacher"), circle, user("director"))
    with pytest.raises(circles.CircleError):
        circles.add_member(user("teacher"), circle, user("outsider"))
    with pytest.raises(circles.CircleError):
        circles.remove_member(user("teacher"), circle, facilitator)
    circles.remove_member(user("teacher"), circle, member)
    assert member.left_on == bangkok_today() and member not in circle.current_members()


def test_norms_change_asks_members_to_accept_again(ctx):
    circle = make_circle(ctx, norms="ตรงต่อเวลา")
    member = circles.add_member(user("teacher"), circle, user("director"))
    circles.accept_norms(user("director"), circle)
    assert member.has_accepted_norms
    circles.update(user("teacher"), circle, CircleInput(name=circle.name, norms="ตรงต่อเวลา ฟังกันอย่างตั้งใจ"))
    assert not member.has_accepted_norms and circle.norms_version == 2


def test_network_circle_takes_teachers_from_every_school_of_the_network(ctx):
    network = db.session.get(Network, ctx.n1.id)
    circle = circles.create(user("coach"), network, CircleInput(name="วงเครือข่ายคณิตศาสตร์"))
    names = {u.email for u in circles.candidates(circle)}
    assert {"teacher@example.org", "teacher2@example.org", "director@example.org"} <= names
    assert "outsider@example.org" not in names
    assert isinstance(circle, Circle) and circle.scope_kind == "network"
