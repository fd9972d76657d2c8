"""The number of SQL statements of each key page does not grow with the rows it shows.

Each test builds a world with K rows of what the page lists (circles with members and meetings,
plans by several authors from several schools, innovations with steps, visits, sessions …), counts
the statements of one GET (tests/statement_counts.py), adds K more rows of the same kinds, counts
again and asserts the two counts are EQUAL. A lazy load in a template loop, a permission rule that
asks the database for every row, or a count per row makes the second count larger; the message
lists the statements that were added.

New schools join network N1 (so network rules have several schools to decide about) and new people
work in them. Every page is first fetched once, untimed, so that one-off work (a session's state
refreshed and committed, say) is not counted.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from plc.i18n import bangkok_today
from plc.models import (
    Circle,
    Cycle,
    Innovation,
    LessonPlan,
    Membership,
    Network,
    Role,
    School,
    SchoolGoal,
    User,
)
from plc.models._types import utcnow
from plc.services import (
    circles,
    coaching,
    cycles,
    goals,
    innovations,
    lesson_plans,
    live_sessions,
    notifications,
    reflections,
)
from plc.services.circles import CircleInput
from plc.services.cycles import CycleInput
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput
from plc.services.lesson_plans import PlanInput
from plc.services.live_sessions import SessionInput
from plc.services.reflections import ReflectionInput
from tests.conftest import add_user, login
from tests.statement_counts import statements_of

K = 3  # rows per batch; two batches stay on the first page of every list (20 rows)
WORD = "เชิงรุก"  # every searchable row carries it

SCHOOL_NAMES = ["โรงเรียนบ้านหนองบัว", "โรงเรียนวัดป่าเลไลยก์", "โรงเรียนบ้านคลองใหม่", "โรงเรียนชุมชนบ้านนาเหนือ",
                "โรงเรียนบ้านเขาแก้ว", "โรงเรียนวัดโพธิ์ทอง", "โรงเรียนบ้านทุ่งใหญ่", "โรงเรียนอนุบาลท่าศาลา"]
PEOPLE = ["สมชาย ใจงาม", "วิไลวรรณ ศรีสุข", "ประเสริฐ มั่นคง", "กาญจนา แก้วใส", "ธนพล รักเรียน", "สุนิสา บุญมา",
          "อรุณี ทองดี", "พิชิต แสงทอง", "มาลี ชื่นใจ", "เกรียงไกร พูลผล"]
_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


# ---------------------------------------------------------------------------- measuring


def _shape(sql: str) -> str:
    return re.sub(r"\(\?(, \?)*\)|\(__\[POSTCOMPILE_\w+\]\)", "(…)", " ".join(sql.split()))[:240]


def assert_flat(app, client, path: str, grow, *, batches: int = 2):
    """GET ``path`` after each call of ``grow()`` (which adds K rows and returns texts the page must now
    show); the statement counts must all be equal."""
    counts = []
    for _batch in range(batches):
        expected = grow()
        client.get(path)  # untimed: one-off work (state refreshed, last-seen written) is not counted
        status, counter = statements_of(app, client, path)
        html = client.get(path).get_data(as_text=True)
        assert status == 200, (path, status)
        missing = [text for text in expected if text not in html]
        assert not missing, f"{path} does not show {missing}: the test would measure nothing"
        counts.append(counter)
    first, last = counts[0], counts[-1]
    added = Counter(map(_shape, last.statements)) - Counter(map(_shape, first.statements))
    assert last.count == first.count, (
        f"{path}: {first.count} statements with the first batch, {last.count} after adding rows; added:\n"
        + "\n".join(f"  {n}× {sql}" for sql, n in added.most_common()))
    return first.count


def log_in(client, key: str) -> None:
    assert login(client, f"{key}@example.org").status_code == 302


# ---------------------------------------------------------------------------- building rows


class Builder:
    """Rows for the pages, through the services, inside ``with in_db() as session``."""

    def __init__(self, session, world):
        self.session = session
        self.world = world

    def user(self, key: str) -> User:
        return self.session.get(User, self.world.users[key].id)

    def school(self, ref) -> School:
        return self.session.get(School, ref.id)

    @property
    def n1(self) -> Network:
        return self.session.get(Network, self.world.n1.id)

    def new_school(self) -> School:
        n = serial()
        school_a = self.school(self.world.school_a)
        school = School(name_th=f"{SCHOOL_NAMES[n % len(SCHOOL_NAMES)]} {n}", area_office_id=school_a.area_office_id,
                        province_id=school_a.province_id, networks=[self.n1], levels=["primary"])
        self.session.add(school)
        self.session.flush()
        return school

    def new_person(self, school: School | None, role: Role = Role.TEACHER, scope=None) -> User:
        n = serial()
        return add_user(f"person{n}", role, scope if scope is not None else school,
                        name_th=f"ครู{PEOPLE[n % len(PEOPLE)]} {n}", password=None)

    def add_role(self, user: User, role: Role, school: School, *, ends_on: date | None = None) -> None:
        """A (further) role of an existing person in a school."""
        self.session.add(Membership(user_id=user.id, role=role.value, school_id=school.id,
                                    starts_on=date(2024, 5, 16) if ends_on is None else date(2023, 5, 16),
                                    ends_on=ends_on))
        self.session.flush()
        self.session.expire(user, ["memberships"])

    def goal(self, school: School) -> int:
        director = self.user("director")
        goal = goals.create_school_goal(director, school, GoalInput(
            statement=f"นักเรียนอ่านคล่อง เขียนคล่อง {serial()}", academic_year_be=2569, indicator="ร้อยละ 80"))
        return goal.id

    def innovation(self, owner, actor: User, *, visibility: str = "network", steps: int = 3) -> Innovation:
        n = serial()
        data = VersionInput(name_th=f"การจัดการเรียนรู้{WORD}แบบที่ {n}", name=f"Active learning model {n}",
                            description_th=f"รูปแบบการเรียนรู้{WORD} ขั้นตอนชัดเจน",
                            steps=[StepInput(code=f"S{i}", text_th=f"ขั้นที่ {i} ของแบบที่ {n}",
                                             substeps=[StepInput(text_th=f"กิจกรรมย่อย {i}.1")])
                                   for i in range(1, steps + 1)])
        return innovations.create(actor, owner=owner, kind="classroom_model", visibility=visibility, data=data)

    def circle(self, scope, facilitator: User, members=(), *, meetings: int = 1) -> Circle:
        n = serial()
        circle = circles.create(facilitator, scope, CircleInput(
            name=f"วง PLC {WORD} กลุ่มที่ {n}", learning_area="คณิตศาสตร์", grade_band="ป.4–ป.6",
            description=f"ชุมชนการเรียนรู้ทางวิชาชีพ กลุ่มที่ {n}",
            norms="ตรงต่อเวลา รับฟังกัน", meeting_count=2, meeting_period="month"))
        for member in members:
            circles.add_member(facilitator, circle, member)
        for i in range(meetings):
            circles.record_meeting(facilitator, circle, held_on=bangkok_today() - timedelta(days=i),
                                   title=f"ประชุมครั้งที่ {i + 1} ของกลุ่มที่ {n}", minutes=60)
        return circle

    def cycle(self, circle: Circle, actor: User, *, goal_ids=None, versions=()) -> Cycle:
        if goal_ids is None:
            school = circle.school or circle.network.schools[0]
            goal_ids = [self.goal(school)]
        steps = [s.id for v in versions for s in v.steps[:1]]
        return cycles.create(actor, circle, CycleInput(
            title=f"วงจรพัฒนาการอ่าน{WORD} {serial()}", problem="นักเรียนอ่านจับใจความไม่ได้", goal_ids=goal_ids,
            innovation_version_ids=[v.id for v in versions], step_ids=steps))

    def plan(self, author: User, *, visibility: str = "network", cycle: Cycle | None = None,
             steps=()) -> LessonPlan:
        n = serial()
        return lesson_plans.create(author, PlanInput(
            title=f"แผนการจัดการเรียนรู้{WORD} เรื่องที่ {n}", body_md=f"## จุดประสงค์\n- เรียนรู้{WORD} {n}",
            learning_area="คณิตศาสตร์", grade="ป.5", visibility=visibility,
            cycle_id=cycle.id if cycle is not None else None, step_ids=[s.id for s in steps]))

    def session_in(self, circle: Circle, host: User, *, minutes_from_now: int = 60, guests=(),
                   cycle: Cycle | None = None):
        n = serial()
        return live_sessions.schedule(host, circle, SessionInput(
            title=f"PLC ออนไลน์ ครั้งที่ {n}", starts_at=utcnow() + timedelta(minutes=minutes_from_now),
            duration_minutes=60, guest_ids=[g.id for g in guests], cycle_id=cycle.id if cycle else None))


def batch(in_db, world, function):
    """A ``grow`` for assert_flat: each call runs FUNCTION(builder) in its own short session."""
    def grow():
        with in_db() as session:
            expected = function(Builder(session, world))
            session.flush()
            return [str(text) for text in (expected or [])]
    return grow


# ---------------------------------------------------------------------------- the pages


def test_home(app, client, world, in_db):
    """The teacher's circles (in new schools of N1, where the teacher also works), their active
    cycles, upcoming sessions and notifications."""
    def grow(b: Builder):
        teacher, shown = b.user("teacher"), []
        for _ in range(K):
            school = b.new_school()
            b.add_role(teacher, Role.TEACHER, school)
            circle = b.circle(school, teacher, [b.new_person(school)])
            cycle = b.cycle(circle, teacher)
            live = b.session_in(circle, teacher, cycle=cycle)
            notifications.notify(teacher.id, "session_scheduled", {"title": live.title}, f"/live/{live.id}")
            shown += [circle.name, cycle.title, live.title, school.name_th]
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, "/", batch(in_db, world, grow))


def test_circles_index(app, client, world, in_db):
    """Every circle the N1 coordinator can see: school circles of several schools and network circles,
    each with members and meetings."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            school_circle = b.circle(school, teacher, [b.new_person(school)], meetings=2)
            network_circle = b.circle(b.n1, b.user("coach"), [teacher, b.new_person(b.new_school())], meetings=2)
            shown += [school_circle.name, network_circle.name, school.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, "/circles?show=all", batch(in_db, world, grow))


def test_circle_show(app, client, world, in_db):
    """A network circle seen by its facilitator: members from several schools (some of whom left),
    meetings of its cycles, cycles, sessions."""
    with in_db() as session:
        b = Builder(session, world)
        circle_id = b.circle(b.n1, b.user("coach"), [b.user("teacher")], meetings=0).id

    def grow(b: Builder):
        circle = b.session.get(Circle, circle_id)
        coach, shown = b.user("coach"), []
        for _ in range(K):
            school = b.new_school()
            member, leaver = b.new_person(school), b.new_person(school)
            circles.add_member(coach, circle, member)
            circles.add_member(coach, circle, leaver)
            circles.remove_member(coach, circle, circle.membership_of(leaver.id))
            cycle = b.cycle(circle, coach, goal_ids=[b.goal(school)])
            circles.record_meeting(coach, circle, held_on=bangkok_today(), title=f"ประชุมวงจร {cycle.id}",
                                   cycle=cycle, minutes=45)
            live = b.session_in(circle, coach, cycle=cycle)
            shown += [member.name_th, leaver.name_th, cycle.title, live.title, f"ประชุมวงจร {cycle.id}"]
        return shown

    log_in(client, "coach")
    assert_flat(app, client, f"/circles/{circle_id}", batch(in_db, world, grow))


def test_cycle_show(app, client, world, in_db):
    """A network circle's cycle: goals of several schools, innovations of several schools (each edited
    since), checkpoints and outcomes by several people, meetings, plans, reflections, sessions."""
    from plc.services import outcomes
    from plc.services.outcomes import Aggregate

    with in_db() as session:
        b = Builder(session, world)
        coach = b.user("coach")
        circle = b.circle(b.n1, coach, [b.user("teacher"), b.user("teacher2")], meetings=0)
        cycle_id = b.cycle(circle, coach, goal_ids=[b.goal(b.school(world.school_a))]).id

    def grow(b: Builder):
        cycle = b.session.get(Cycle, cycle_id)
        coach, shown = b.user("coach"), []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            circles.add_member(coach, cycle.circle, teacher)
            goal = b.session.get(SchoolGoal, b.goal(school))
            cycle.goals.append(goal)
            innovation = b.innovation(school, teacher)
            innovations.revise(teacher, innovation, VersionInput(name_th=innovation.current.name_th + " ฉบับปรับปรุง",
                                                                 steps=[StepInput(text_th="ขั้นเดียว")]))
            version = innovation.versions[0]
            cycle.innovation_versions.append(version)
            cycle.steps.append(version.steps[0])
            checkpoint = cycles.add_checkpoint(teacher, cycle, stage="midstream", reviewed=f"ทบทวนโดย {teacher.name_th}")
            outcomes.record(teacher, cycle, measure=f"แบบทดสอบการอ่าน {teacher.id}", group="ทั้งห้อง",
                            pre=Aggregate(30, 12.5, 3.0), post=Aggregate(30, 15.5, 3.2))
            circles.record_meeting(coach, cycle.circle, held_on=bangkok_today(), title=f"ประชุม {teacher.name_th}",
                                   cycle=cycle)
            plan = b.plan(teacher, visibility="circle", cycle=cycle)
            reflection = reflections.save_draft(teacher, ReflectionInput(
                title=f"สะท้อนคิดหลังสอน {teacher.name_th}", cycle_id=cycle.id, visibility="circle", results="ดีขึ้น"))
            reflections.share(teacher, reflection)
            live = b.session_in(cycle.circle, coach, cycle=cycle)
            shown += [goal.statement, version.name_th, checkpoint.reviewed, plan.title,
                      reflection.title, live.title]
        return shown

    log_in(client, "coach")
    assert_flat(app, client, f"/cycles/{cycle_id}", batch(in_db, world, grow))


def test_innovations_index(app, client, world, in_db):
    """Innovations with nested steps, shared with N1 by several of its schools, and public ones."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            shared = b.innovation(school, teacher, visibility="network")
            public = b.innovation(school, teacher, visibility="public")
            shown += [shared.current.name_th, public.current.name_th]
        return shown

    log_in(client, "teacher2")
    assert_flat(app, client, "/innovations", batch(in_db, world, grow))


def test_innovation_show(app, client, world, in_db):
    """An innovation with versions by several people, applied by cycles of circles in several schools
    and of network circles."""
    with in_db() as session:
        b = Builder(session, world)
        innovation_id = b.innovation(b.school(world.school_a), b.user("teacher"), steps=4).id

    def grow(b: Builder):
        innovation = b.session.get(Innovation, innovation_id)
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            version = innovations.revise(b.user("director"), innovation, VersionInput(
                name_th=innovation.current.name_th, change_note=f"ปรับขั้นตอนโดย {teacher.name_th}",
                steps=[StepInput(text_th="นำเข้าสู่บทเรียน", substeps=[StepInput(text_th="เล่าเรื่อง")]),
                       StepInput(text_th="ลงมือทำ")]))
            school_cycle = b.cycle(b.circle(school, teacher, meetings=0), teacher, versions=[version])
            network_cycle = b.cycle(b.circle(b.n1, b.user("coach"), [teacher], meetings=0), b.user("coach"),
                                    goal_ids=[b.goal(school)], versions=[innovation.versions[0]])
            shown += [version.change_note, school_cycle.title, network_cycle.title, school.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, f"/innovations/{innovation_id}", batch(in_db, world, grow))


def test_lesson_plans_index(app, client, world, in_db):
    """Plans shared with the network by several authors of several schools, and public ones."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            for visibility in ("network", "public"):
                author = b.new_person(school)
                shown += [b.plan(author, visibility=visibility).title, author.name_th]
            shown.append(school.name_th)
        return shown

    log_in(client, "teacher2")
    assert_flat(app, client, "/lesson-plans", batch(in_db, world, grow))


def test_lesson_plan_show(app, client, world, in_db):
    """A network plan with threaded comments by several people, attachments, revisions, steps of
    several innovations, and forks by people of several schools."""
    from tests.plc_helpers import PNG_BYTES

    with in_db() as session:
        b = Builder(session, world)
        plan_id = b.plan(b.user("teacher"), visibility="network").id

    def grow(b: Builder):
        plan = b.session.get(LessonPlan, plan_id)
        teacher, shown = b.user("teacher"), []
        for _ in range(K):
            school = b.new_school()
            colleague = b.new_person(school)
            question = lesson_plans.add_comment(colleague, plan, body_md=f"คำถามจาก {colleague.name_th}",
                                                kind="question")
            lesson_plans.add_comment(teacher, plan, body_md=f"ตอบ {colleague.name_th}", parent_id=question.id)
            lesson_plans.add_attachment(teacher, plan, f"ใบงาน {colleague.id}.png", PNG_BYTES)
            lesson_plans.update(teacher, plan, PlanInput(
                title=plan.title, body_md=plan.body_md + f"\n- ปรับตามคำแนะนำของ {colleague.name_th}",
                learning_area=plan.learning_area, grade=plan.grade, visibility=plan.visibility,
                step_ids=[s.id for s in plan.steps] + [b.innovation(school, colleague).current.steps[0].id]))
            fork = lesson_plans.fork(colleague, plan)
            fork.visibility = "network"
            shown += [f"คำถามจาก {colleague.name_th}", f"ตอบ {colleague.name_th}", f"ใบงาน {colleague.id}.png",
                      colleague.name_th]
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, f"/lesson-plans/{plan_id}", batch(in_db, world, grow))


def test_reflections_index(app, client, world, in_db):
    """Reflections shared with the coach (as partner, and in the circle) in several cycles, with feedback."""
    with in_db() as session:
        b = Builder(session, world)
        circle_id = b.circle(b.n1, b.user("coach"), [b.user("teacher")], meetings=0).id

    def grow(b: Builder):
        circle, coach, shown = b.session.get(Circle, circle_id), b.user("coach"), []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            circles.add_member(coach, circle, teacher)
            cycle = b.cycle(circle, coach, goal_ids=[b.goal(school)])
            for visibility, partner in (("pair", coach.id), ("circle", None)):
                reflection = reflections.save_draft(teacher, ReflectionInput(
                    title=f"บันทึกสะท้อนคิด {visibility} {teacher.name_th}", cycle_id=cycle.id,
                    visibility=visibility, partner_id=partner, results="นักเรียนตั้งใจเรียน"))
                reflections.share(teacher, reflection)
                reflections.add_feedback(coach, reflection, "ขอบคุณที่แบ่งปันครับ")
                shown.append(reflection.title)
            shown += [cycle.title, teacher.name_th]
        return shown

    log_in(client, "coach")
    assert_flat(app, client, "/reflections?show=shared", batch(in_db, world, grow))


def test_coaching_index(app, client, world, in_db):
    """The coach's visits to teachers of several schools: planned, and held with an overdue follow-up."""
    def grow(b: Builder):
        coach, shown = b.user("coach"), []
        today = bangkok_today()
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            planned = coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=today + timedelta(days=3),
                                          focus=f"การใช้คำถามกระตุ้นการคิด {teacher.name_th}")
            held = coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=today - timedelta(days=3),
                                       focus="การจัดกลุ่มผู้เรียน")
            coaching.record_held(coach, held, held_on=today - timedelta(days=3), observation_notes="นักเรียนร่วมมือดี",
                                 follow_up="ติดตามการใช้สื่อ", follow_up_due_on=today - timedelta(days=1))
            shown += [teacher.name_th, planned.focus]
        return shown

    log_in(client, "coach")
    assert_flat(app, client, "/coaching", batch(in_db, world, grow))


def test_coaching_index_of_a_teacher(app, client, world, in_db):
    """A teacher visited by several coaches."""
    def grow(b: Builder):
        teacher, shown = b.user("teacher"), []
        for _ in range(K):
            coach = b.new_person(None, Role.COACH, b.n1)
            visit = coaching.plan_visit(coach, teacher=teacher, school=b.school(world.school_a),
                                        planned_on=bangkok_today() + timedelta(days=2), focus="การอ่านจับใจความ")
            shown += [coach.name_th, visit.focus]
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, "/coaching", batch(in_db, world, grow))


def test_live_sessions_index(app, client, world, in_db):
    """Upcoming sessions of the teacher's circles in several schools, sessions they are a guest of, and
    recent ended ones they attended."""
    def grow(b: Builder):
        teacher, shown = b.user("teacher"), []
        for _ in range(K):
            school = b.new_school()
            host = b.new_person(school)
            own = b.circle(b.school(world.school_a), teacher, meetings=0)
            upcoming = b.session_in(own, teacher)
            other = b.circle(school, host, meetings=0)
            as_guest = b.session_in(other, host, guests=[teacher])
            ended = b.session_in(other, host, minutes_from_now=-90, guests=[teacher])
            live_sessions.start(host, ended)
            live_sessions.open_interval(teacher, ended, f"conn-{ended.id}")
            live_sessions.close_interval(f"conn-{ended.id}", ended.id)
            live_sessions.end(host, ended)
            shown += [upcoming.title, as_guest.title, ended.title]
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, "/live", batch(in_db, world, grow))


def test_live_session_show_live(app, client, world, in_db):
    """A live online session seen by its host: guests of several schools, their messages (some by a
    member who has since left the circle) and their attendance."""
    from plc import authz

    with in_db() as session:
        b = Builder(session, world)
        teacher = b.user("teacher")
        circle = b.circle(b.school(world.school_a), teacher, [b.user("director")], meetings=0)
        live = b.session_in(circle, teacher, minutes_from_now=-10)
        live_sessions.start(teacher, live)
        session_id, circle_id = live.id, circle.id

    def grow(b: Builder):
        from plc.models.live_sessions import LiveSession, SessionGuest

        live, teacher, shown = b.session.get(LiveSession, session_id), b.user("teacher"), []
        circle = b.session.get(Circle, circle_id)
        for _ in range(K):
            guest = b.new_person(b.new_school())
            b.session.add(SessionGuest(session=live, user_id=guest.id, invited_by_id=teacher.id))
            leaver = b.new_person(b.school(world.school_a))
            circles.add_member(teacher, circle, leaver)
            b.session.flush()
            for person in (guest, leaver):
                live_sessions.open_interval(person, live, f"conn-{person.id}")
                live_sessions.post_message(authz.session_access(person, live.id), f"สวัสดีครับ จาก {person.name_th}",
                                           f"msg-{person.id}")
                live_sessions.close_interval(f"conn-{person.id}", live.id)
            circles.remove_member(teacher, circle, circle.membership_of(leaver.id))
            shown += [guest.name_th, f"สวัสดีครับ จาก {guest.name_th}", f"สวัสดีครับ จาก {leaver.name_th}"]
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, f"/live/{session_id}", batch(in_db, world, grow))


def test_live_session_show_ended(app, client, world, in_db):
    """An ended online session seen by its host: guests of several schools, their attendance, and a
    summary whose action items are owned by several people."""
    from plc.models.live_sessions import Attendance
    from plc.services.live_sessions import ActionItemInput

    with in_db() as session:
        b = Builder(session, world)
        teacher = b.user("teacher")
        circle = b.circle(b.school(world.school_a), teacher, [b.user("director")], meetings=0)
        live = b.session_in(circle, teacher, minutes_from_now=-70)
        live_sessions.start(teacher, live)
        live_sessions.end(teacher, live)
        session_id = live.id

    def grow(b: Builder):
        from plc.models.live_sessions import LiveSession, SessionGuest

        live, teacher, shown = b.session.get(LiveSession, session_id), b.user("teacher"), []
        for _ in range(K):
            guest = b.new_person(b.new_school())
            b.session.add(SessionGuest(session=live, user_id=guest.id, invited_by_id=teacher.id))
            b.session.add(Attendance(session_id=live.id, user_id=guest.id, joined_at=live.started_at,
                                     last_seen_at=live.ended_at, left_at=live.ended_at))
            shown.append(guest.name_th)
        b.session.flush()
        b.session.expire(live, ["guests"])
        owners = [g.user_id for g in live.guests]
        live_sessions.write_summary(teacher, live, "ทดลองใช้คำถามปลายเปิด",
                                    [ActionItemInput(text=f"เตรียมใบงาน {n}", owner_id=owner)
                                     for n, owner in enumerate(owners, 1)])
        return shown + [f"เตรียมใบงาน {len(owners)}"]

    log_in(client, "teacher")
    assert_flat(app, client, f"/live/{session_id}", batch(in_db, world, grow))


def test_plc_hours(app, client, world, in_db):
    """The teacher's ledger: sessions attended in several circles."""
    def grow(b: Builder):
        teacher, shown = b.user("teacher"), []
        for _ in range(K):
            school = b.new_school()
            host = b.new_person(school)
            live = b.session_in(b.circle(school, host, meetings=0), host, minutes_from_now=-90, guests=[teacher])
            live_sessions.start(host, live)
            attendance = live_sessions.open_interval(teacher, live, f"conn-{live.id}")
            attendance.joined_at = live.started_at - timedelta(minutes=30)
            live_sessions.close_interval(f"conn-{live.id}", live.id)
            live_sessions.end(host, live)
            shown.append(live.title)
        return shown

    log_in(client, "teacher")
    assert_flat(app, client, "/plc-hours", batch(in_db, world, grow))


@pytest.mark.parametrize("q", [WORD, "การ"])
def test_search(app, client, world, in_db, q):
    """Plans, innovations (the filter lists every one), circles and cycles of several schools, seen
    by the coordinator of their network."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            innovation = b.innovation(school, teacher)
            circle = b.circle(school, teacher, meetings=0)
            cycle = b.cycle(circle, teacher)
            plan = b.plan(teacher, visibility="network")
            shown += [f'href="/innovations/{innovation.id}"', f'href="/circles/{circle.id}"',
                      f'href="/cycles/{cycle.id}"', f'href="/lesson-plans/{plan.id}"', school.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, f"/search?q={q}", batch(in_db, world, grow))


def test_schools_list(app, client, world, in_db):
    """The schools of N1 and of a second network the coordinator also coordinates, with staff."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            b.new_person(school)
            b.new_person(school, Role.DIRECTOR)
            shown.append(school.name_th)
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, "/schools", batch(in_db, world, grow))


def test_networks_list(app, client, world, in_db):
    """Several networks (each with schools) that the admin sees."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            network = Network(name_th=f"เครือข่ายพัฒนาการอ่าน {serial()}", kind="issue")
            b.session.add(network)
            school = b.new_school()
            school.networks.append(network)
            b.session.flush()
            shown.append(network.name_th)
        return shown

    log_in(client, "admin")
    assert_flat(app, client, "/networks", batch(in_db, world, grow))


def test_network_page(app, client, world, in_db):
    """N1 with its schools and its team (coaches and supervisors who also work elsewhere)."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            coach = b.new_person(school, Role.COACH, b.n1)
            b.add_role(coach, Role.TEACHER, school)
            b.new_person(school)
            shown += [school.name_th, coach.name_th]
        return shown

    log_in(client, "coach")
    assert_flat(app, client, f"/networks/{world.n1.id}", batch(in_db, world, grow))


def test_school_page(app, client, world, in_db):
    """School A's staff, some of whom also work in other schools."""
    def grow(b: Builder):
        school_a, shown = b.school(world.school_a), []
        for _ in range(K):
            person = b.new_person(school_a)
            b.add_role(person, Role.COACH, b.new_school())
            shown.append(person.name_th)
        return shown

    log_in(client, "director")
    assert_flat(app, client, f"/schools/{world.school_a.id}", batch(in_db, world, grow))


def test_people_index(app, client, world, in_db):
    """People of several schools of N1, network staff, and people with roles in two schools."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            b.add_role(teacher, Role.COACH, b.new_school())
            coach = b.new_person(None, Role.COACH, b.n1)
            shown += [teacher.name_th, coach.name_th, school.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, "/people", batch(in_db, world, grow))


def test_goals_index(app, client, world, in_db):
    """Goals of several schools of N1."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            goal_id = b.goal(school)
            shown += [b.session.get(SchoolGoal, goal_id).statement, school.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, "/goals", batch(in_db, world, grow))


def test_reflections_overview(app, client, world, in_db):
    """Counts per school for the coordinator: several schools with cycles and reflections."""
    def grow(b: Builder):
        shown = []
        for _ in range(K):
            school = b.new_school()
            teacher = b.new_person(school)
            cycle = b.cycle(b.circle(school, teacher, meetings=0), teacher)
            reflection = reflections.save_draft(teacher, ReflectionInput(title="สะท้อนคิด", cycle_id=cycle.id,
                                                                         visibility="circle", results="ดีขึ้น"))
            reflections.share(teacher, reflection)
            shown.append(school.name_th)
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, "/reflections/overview", batch(in_db, world, grow))


def test_person_page(app, client, world, in_db):
    """A teacher with roles (current and ended) in several schools, seen by the coordinator."""
    def grow(b: Builder):
        person, shown = b.user("teacher2"), []
        for _ in range(K):
            school, former = b.new_school(), b.new_school()
            b.add_role(person, Role.TEACHER, school)
            b.add_role(person, Role.COACH, former, ends_on=date(2024, 3, 31))
            shown += [school.name_th, former.name_th]
        return shown

    log_in(client, "coordinator")
    assert_flat(app, client, f"/people/{world.teacher2.id}", batch(in_db, world, grow))


def test_the_check_sees_a_lazy_load(app, client, world, in_db, monkeypatch):
    """The measure itself: a page that loads one row per row listed fails the check."""
    from plc.blueprints import lesson_plans as blueprint

    real = blueprint.lesson_plans.plans_query

    def one_query_per_plan(user, **kwargs):  # what a lazy load in the list's loop does
        from plc.extensions import db

        query = real(user, **kwargs)
        for plan in db.session.scalars(query.execution_options(populate_existing=True)):
            db.session.get(User, plan.author_id, populate_existing=True)
        return query

    monkeypatch.setattr(blueprint.lesson_plans, "plans_query", one_query_per_plan)

    def grow(b: Builder):
        return [b.plan(b.new_person(b.new_school()), visibility="public").title for _ in range(K)]

    log_in(client, "teacher2")
    with pytest.raises(AssertionError, match="after adding rows"):
        assert_flat(app, client, "/lesson-plans", batch(in_db, world, grow))
