"""A hand-counted world for the dashboards, in semester 1/2568 (16 May – 31 Oct 2025) and 2/2568
(1 Nov 2025 – 15 May 2026), both in the past so that every figure is fixed whatever today is.

On top of the ``world`` fixture (N1 = {A, B}, N2 = {C}; AO1 covers A and B):

School A: teacher (ครูสมศรี), t_a2, t_left (left on 1 Aug 2025), t_new (from 10 Nov 2025).
School B: teacher2, t_b2. School C (N2): outsider.

Circles: A1 (school A, 1 meeting a semester), B1 (school B, 2 a semester), NW (network N1, 1 a month,
created 1 Sep 2025), C1 (school C). Meetings: A1 10 Jun and 20 Nov 2025; B1 1 Jul 2025; NW 15 Sep 2025;
C1 1 Jun 2025.

Sessions (Bangkok times):
  S1 A1 online 10 Jun 2025 09:00–10:00: teacher 60 min (+ an overlapping second tab), t_a2 30, t_left 20.
  S2 NW onsite 15 Sep 2025 13:00 (60 min planned): teacher 90 min, teacher2 45 min (recorded by the host).
  S3 B1 online 31 Oct 2025 23:30: teacher2 30 min (the last half hour of semester 1).
  S4 A1 online 1 Nov 2025 00:30: teacher 40 min (the first hour of semester 2).
  S5 C1 online 1 Jun 2025: outsider 30 min.   S6 A1 scheduled 1 Jul 2025, never started.

Semester 1/2568, network N1, hand-counted:
  teachers 5 (A: teacher, t_a2, t_left; B: teacher2, t_b2); with hours 4; minutes 275
  (teacher 150, teacher2 75, t_a2 30, t_left 20, t_b2 0); A 200 min, B 75 min;
  hours buckets: none 1, under 1 h 2, 1–3 h 2;
  sessions online 2 (S1, S3), onsite 1 (S2); attendance 6 of 7 expected;
  circles 3: A1 met (1/1), B1 missed (1/2), NW missed (Sep met, Oct missed: 1/2) → met 1, missed 2,
  meetings held 3, required 5; by month Jun 1, Jul 1, Sep 1 meetings, sessions Jun 1, Sep 1, Oct 1,
  minutes Jun 110, Sep 135, Oct 30;
  cycles CA (A1, phase 2 since 1 Jun 2025: stuck 21 weeks), CB (B1, closed 30 Sep 2025 with lessons),
  CN (NW, phase 1 since 1 Oct 2025: 4 weeks, not stuck); checkpoints upstream 1, midstream 1, downstream 1;
  outcomes 3 recorded: CA n=20 g 0.588, CA n=4 (too small), CB n=10 g 0.239 → mean 0.41, half ≥ 0.40;
  innovations: the EAR model in CA and CB (schools A and B, steps E in CA, E and R in CB), PAC in CN;
  plans A 2 (1 shared), B 1 (a network fork); comments 2 (A); reflections 3 (2 shared);
  visits planned 2 (held 1: teacher; t_a2's planned 20 Oct 2025 not held: overdue), 1 of 5 teachers
  visited; goals of 2568: A 2 (1 approved).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from plc.i18n import BANGKOK
from plc.models import (
    Circle,
    CircleMeeting,
    CircleMember,
    CoachingVisit,
    Cycle,
    Innovation,
    InnovationStep,
    InnovationVersion,
    Network,
    Role,
    School,
    SchoolGoal,
    User,
)
from plc.models.cycles import CyclePhase, DECheckpoint, LessonsLearned, OutcomeMeasure
from plc.models.lesson_plans import Comment, LessonPlan, LessonPlanRevision
from plc.models.live_sessions import Attendance, LiveSession
from plc.models.reflections import Reflection
from tests.conftest import add_user

SECRET_REFLECTION = "ความลับของครูที่ไม่ควรมีใครเห็น"


def bkk(year, month, day, hour=0, minute=0) -> datetime:
    """A Bangkok wall-clock time as the UTC datetime the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK).astimezone(UTC)


def build_dashboard_world(in_db, world) -> dict[str, int]:
    with in_db() as s:
        school_a, school_b, school_c = (s.get(School, world.school_a.id), s.get(School, world.school_b.id),
                                        s.get(School, world.school_c.id))
        n1 = s.get(Network, world.n1.id)
        teacher, teacher2, outsider = (s.get(User, world.teacher.id), s.get(User, world.teacher2.id),
                                       s.get(User, world.outsider.id))
        coach = s.get(User, world.coach.id)
        t_a2 = add_user("t_a2", Role.TEACHER, school_a, name_th="ครูอารีย์ สองแสง")
        t_left = add_user("t_left", Role.TEACHER, school_a, name_th="ครูลาจาก ย้ายไป", ends_on=date(2025, 8, 1))
        t_new = add_user("t_new", Role.TEACHER, school_a, name_th="ครูใหม่ มาทีหลัง", starts_on=date(2025, 11, 10))
        t_b2 = add_user("t_b2", Role.TEACHER, school_b, name_th="ครูบุญมี ไม่เคยมา")

        def circle(name, count, period, created, *, school=None, network=None, members=()):
            c = Circle(name=name, school_id=school.id if school else None, network_id=network.id if network else None,
                       meeting_count=count, meeting_period=period, created_at=created)
            s.add(c)
            s.flush()
            for user, joined, left in members:
                s.add(CircleMember(circle_id=c.id, user_id=user.id, joined_on=joined, left_on=left))
            return c

        a1 = circle("วงคณิตศาสตร์ ท่าน้อย", 1, "semester", bkk(2025, 1, 1), school=school_a,
                    members=[(teacher, date(2025, 1, 1), None), (t_a2, date(2025, 1, 1), None),
                             (t_left, date(2025, 1, 1), date(2025, 8, 1))])
        b1 = circle("วงภาษาไทย วารวิ่ง", 2, "semester", bkk(2025, 1, 1), school=school_b,
                    members=[(teacher2, date(2025, 1, 1), None), (t_b2, date(2025, 1, 1), None)])
        nw = circle("วงเครือข่ายเชิงรุก", 1, "month", bkk(2025, 9, 1), network=n1,
                    members=[(teacher, date(2025, 9, 1), None), (teacher2, date(2025, 9, 1), None)])
        c1 = circle("วงสรรพวิทยาคม", 1, "semester", bkk(2025, 1, 1), school=school_c,
                    members=[(outsider, date(2025, 1, 1), None)])
        for c, held_on in ((a1, date(2025, 6, 10)), (a1, date(2025, 11, 20)), (b1, date(2025, 7, 1)),
                           (nw, date(2025, 9, 15)), (c1, date(2025, 6, 1))):
            s.add(CircleMeeting(circle_id=c.id, held_on=held_on, title="ประชุม PLC"))

        def session(c, start, *, mode="online", minutes=60, started=True):
            ls = LiveSession(circle_id=c.id, host_id=teacher.id, title="ประชุมออนไลน์", mode=mode, starts_at=start,
                             duration_minutes=minutes, state="ended" if started else "scheduled",
                             started_at=start if started else None,
                             ended_at=start + timedelta(minutes=minutes) if started else None)
            s.add(ls)
            s.flush()
            return ls

        def online(ls, user, start, end):
            s.add(Attendance(session_id=ls.id, user_id=user.id, joined_at=start, last_seen_at=end, left_at=end))

        def onsite(ls, user, minutes):
            s.add(Attendance(session_id=ls.id, user_id=user.id, joined_at=ls.starts_at, last_seen_at=ls.starts_at,
                             left_at=ls.starts_at + timedelta(minutes=minutes), onsite_minutes=minutes,
                             recorded_by_id=teacher.id))

        s1 = session(a1, bkk(2025, 6, 10, 9))
        online(s1, teacher, bkk(2025, 6, 10, 9), bkk(2025, 6, 10, 10))
        online(s1, teacher, bkk(2025, 6, 10, 9, 30), bkk(2025, 6, 10, 9, 45))  # a second tab
        online(s1, t_a2, bkk(2025, 6, 10, 9, 10), bkk(2025, 6, 10, 9, 40))
        online(s1, t_left, bkk(2025, 6, 10, 9), bkk(2025, 6, 10, 9, 20))
        s2 = session(nw, bkk(2025, 9, 15, 13), mode="onsite")
        onsite(s2, teacher, 90)
        onsite(s2, teacher2, 45)
        s3 = session(b1, bkk(2025, 10, 31, 23, 30), minutes=30)
        online(s3, teacher2, bkk(2025, 10, 31, 23, 30), bkk(2025, 11, 1, 0, 0))
        s4 = session(a1, bkk(2025, 11, 1, 0, 30), minutes=40)
        online(s4, teacher, bkk(2025, 11, 1, 0, 30), bkk(2025, 11, 1, 1, 10))
        s5 = session(c1, bkk(2025, 6, 1, 10))
        online(s5, outsider, bkk(2025, 6, 1, 10), bkk(2025, 6, 1, 10, 30))
        session(a1, bkk(2025, 7, 1, 9), started=False)

        innovation = Innovation(slug="ear-dashboard", kind="classroom_model", visibility="public")
        pac = Innovation(slug="pac-dashboard", kind="classroom_model", visibility="public")
        s.add_all([innovation, pac])
        s.flush()
        ear_v1 = InnovationVersion(innovation_id=innovation.id, number=1, name="EAR", name_th="รูปแบบ EAR",
                                   name_en="EAR model")
        pac_v1 = InnovationVersion(innovation_id=pac.id, number=1, name="PAC", name_th="นวัตกรรม PAC",
                                   name_en="PAC model")
        s.add_all([ear_v1, pac_v1])
        s.flush()
        step_e = InnovationStep(version_id=ear_v1.id, position=1, number=1, code="E", text_th="กระตุ้นความสนใจ",
                                label_en="Engage")
        step_r = InnovationStep(version_id=ear_v1.id, position=2, number=2, code="R", text_th="สะท้อนคิด",
                                label_en="Reflect")
        s.add_all([step_e, step_r])
        s.flush()

        def cycle(c, title, created, phases, *, closed=None, versions=(), steps=()):
            cy = Cycle(circle_id=c.id, title=title, problem="นักเรียนอ่านไม่คล่อง", created_at=created,
                       status="closed" if closed else "active", closed_at=closed)
            cy.innovation_versions = list(versions)
            cy.steps = list(steps)
            s.add(cy)
            s.flush()
            for position, (name_th, name_en, started, ended) in enumerate(phases, start=1):
                s.add(CyclePhase(cycle_id=cy.id, position=position, key=f"p{position}", name_th=name_th,
                                 name_en=name_en, started_on=started, ended_on=ended))
            return cy

        ca = cycle(a1, "อ่านคล่องด้วย EAR", bkk(2025, 5, 20), [
            ("ระบุปัญหา", "Identify the problem", date(2025, 5, 20), date(2025, 6, 1)),
            ("ออกแบบการจัดการเรียนรู้", "Design the lesson", date(2025, 6, 1), None),
            ("สอนและสังเกตการสอน", "Teach and observe", None, None)], versions=[ear_v1], steps=[step_e])
        cb = cycle(b1, "เขียนเรื่องสั้น", bkk(2025, 6, 1), [
            ("ระบุปัญหา", "Identify the problem", date(2025, 6, 1), date(2025, 7, 1)),
            ("ออกแบบการจัดการเรียนรู้", "Design the lesson", date(2025, 7, 1), date(2025, 9, 30))],
                   closed=bkk(2025, 9, 30, 15), versions=[ear_v1], steps=[step_e, step_r])
        cn = cycle(nw, "ปรากฏการณ์ในชุมชน", bkk(2025, 9, 10), [
            ("ระบุปัญหา", "Identify the problem", date(2025, 10, 1), None)], versions=[pac_v1])
        cycle(a1, "วงจรหลังภาคเรียน", bkk(2025, 11, 5), [("ระบุปัญหา", "Identify the problem", date(2025, 11, 5), None)])
        c1_cycle = cycle(c1, "วงจรของโรงเรียนอื่น", bkk(2025, 6, 1), [
            ("ระบุปัญหา", "Identify the problem", date(2025, 6, 1), None)], versions=[ear_v1], steps=[step_e])
        s.add(LessonsLearned(cycle_id=cb.id, results="ดี", picture_of_success="ภาพ", problems="-", conditions="-",
                             next_steps="-"))
        for cy, stage, held_on in ((ca, "upstream", date(2025, 5, 25)), (ca, "midstream", date(2025, 8, 1)),
                                   (cb, "downstream", date(2025, 9, 20)), (cn, "upstream", date(2025, 11, 3))):
            s.add(DECheckpoint(cycle_id=cy.id, stage=stage, held_on=held_on))
        for cy, n, pre, post, sd, recorded in ((ca, 20, 50, 56, 10, bkk(2025, 8, 15)), (ca, 4, 40, 60, 5, bkk(2025, 8, 15)),
                                               (cb, 10, 60, 62, 8, bkk(2025, 9, 25)),
                                               (c1_cycle, 30, 10, 30, 5, bkk(2025, 7, 1))):
            s.add(OutcomeMeasure(cycle_id=cy.id, measure="การอ่าน", group="ทั้งห้อง", pre_n=n, pre_mean=pre, pre_sd=sd,
                                 post_n=n, post_mean=post, post_sd=sd, created_at=recorded))

        def plan(author, school, visibility, created, *, deleted=None, fork_of=None):
            p = LessonPlan(author_id=author.id, school_id=school.id, title="แผนการอ่าน", visibility=visibility,
                           created_at=created, updated_at=created, deleted_at=deleted, revision_count=1,
                           forked_from_id=fork_of)
            s.add(p)
            s.flush()
            revision = LessonPlanRevision(plan_id=p.id, number=1, title=p.title, body_md="# แผน", body_html="<h1>แผน</h1>",
                                          created_at=created)
            s.add(revision)
            s.flush()
            return p, revision

        plan1, plan1_rev = plan(teacher, school_a, "school", bkk(2025, 6, 1))
        plan(t_a2, school_a, "private", bkk(2025, 7, 1))
        plan(teacher, school_a, "public", bkk(2025, 7, 2), deleted=bkk(2025, 7, 3))
        plan(teacher2, school_b, "network", bkk(2025, 8, 1), fork_of=plan1_rev.id)
        plan(outsider, school_c, "public", bkk(2025, 8, 1))
        for created, deleted in ((bkk(2025, 6, 2), None), (bkk(2025, 6, 3), None), (bkk(2025, 6, 4), bkk(2025, 6, 5)),
                                 (bkk(2025, 11, 2), None)):
            s.add(Comment(plan_id=plan1.id, author_id=t_a2.id, body_md="ดีมาก", body_html="<p>ดีมาก</p>",
                          created_at=created, deleted_at=deleted))
        for cy, author, status, created in ((ca, teacher, "shared", bkk(2025, 6, 11)), (ca, t_a2, "draft", bkk(2025, 6, 12)),
                                            (cb, teacher2, "shared", bkk(2025, 9, 1)),
                                            (cn, teacher, "shared", bkk(2025, 11, 20))):
            s.add(Reflection(author_id=author.id, cycle_id=cy.id, title="บันทึก", visibility="private", status=status,
                             results=SECRET_REFLECTION, body_md=SECRET_REFLECTION, body_html=SECRET_REFLECTION,
                             created_at=created, updated_at=created))
        for who, school, planned, status, held in ((teacher, school_a, date(2025, 7, 10), "held", date(2025, 7, 10)),
                                                   (t_a2, school_a, date(2025, 10, 20), "planned", None),
                                                   (teacher2, school_b, date(2025, 8, 1), "cancelled", None)):
            s.add(CoachingVisit(coach_id=coach.id, teacher_id=who.id, school_id=school.id, planned_on=planned,
                                focus="การใช้คำถาม", status=status, held_on=held))
        s.add_all([SchoolGoal(school_id=school_a.id, academic_year_be=2568, statement="อ่านออกเขียนได้", status="approved"),
                   SchoolGoal(school_id=school_a.id, academic_year_be=2568, statement="คิดวิเคราะห์", status="draft")])
        s.flush()
        return {"a1": a1.id, "b1": b1.id, "nw": nw.id, "c1": c1.id, "ca": ca.id, "cb": cb.id, "cn": cn.id,
                "t_a2": t_a2.id, "t_left": t_left.id, "t_new": t_new.id, "t_b2": t_b2.id, "ear": innovation.id,
                "pac": pac.id}


def grow(in_db, network_id: int, schools: int, *, tag: str) -> None:
    """More of every kind of row the dashboards read, in ``schools`` new schools of the network,
    all in semester 1/2568: for tests that the statement count does not grow with the rows."""
    with in_db() as s:
        network = s.get(Network, network_id)
        coach = add_user(f"coach_{tag}", Role.COACH, network)
        version = s.query(InnovationVersion).first()
        step = s.query(InnovationStep).first()
        for number in range(schools):
            school = School(name_th=f"โรงเรียนบ้านเพิ่ม {tag} {number}", networks=[network])
            s.add(school)
            s.flush()
            teachers = [add_user(f"{tag}_{number}_{k}", Role.TEACHER, school, name_th=f"ครูเพิ่ม {tag} {number} {k}")
                        for k in range(4)]
            c = Circle(name=f"วงเพิ่ม {number}", school_id=school.id, meeting_count=1, meeting_period="semester",
                       created_at=bkk(2025, 1, 1))
            s.add(c)
            s.flush()
            for t in teachers:
                s.add(CircleMember(circle_id=c.id, user_id=t.id, joined_on=date(2025, 1, 1)))
            s.add(CircleMeeting(circle_id=c.id, held_on=date(2025, 7, 1), title="ประชุม"))
            ls = LiveSession(circle_id=c.id, host_id=teachers[0].id, title="ออนไลน์", starts_at=bkk(2025, 7, 1, 9),
                             state="ended", started_at=bkk(2025, 7, 1, 9), ended_at=bkk(2025, 7, 1, 10))
            s.add(ls)
            s.flush()
            for t in teachers[:3]:
                s.add(Attendance(session_id=ls.id, user_id=t.id, joined_at=bkk(2025, 7, 1, 9),
                                 last_seen_at=bkk(2025, 7, 1, 9, 40), left_at=bkk(2025, 7, 1, 9, 40)))
            cy = Cycle(circle_id=c.id, title="วงจรเพิ่ม", problem="ปัญหา", created_at=bkk(2025, 6, 1))
            cy.innovation_versions = [version]
            cy.steps = [step]
            s.add(cy)
            s.flush()
            s.add(CyclePhase(cycle_id=cy.id, position=1, key="p1", name_th="ระบุปัญหา", name_en="Identify",
                             started_on=date(2025, 6, 1)))
            s.add(DECheckpoint(cycle_id=cy.id, stage="upstream", held_on=date(2025, 6, 2)))
            s.add(OutcomeMeasure(cycle_id=cy.id, measure="อ่าน", group="ห้อง", pre_n=12, pre_mean=5, pre_sd=1,
                                 post_n=12, post_mean=6, post_sd=1, created_at=bkk(2025, 8, 1)))
            p = LessonPlan(author_id=teachers[0].id, school_id=school.id, title="แผน", visibility="school",
                           created_at=bkk(2025, 6, 5), updated_at=bkk(2025, 6, 5))
            s.add(p)
            s.flush()
            s.add(Comment(plan_id=p.id, author_id=teachers[1].id, body_md="ดี", body_html="ดี", created_at=bkk(2025, 6, 6)))
            s.add(Reflection(author_id=teachers[0].id, cycle_id=cy.id, title="บันทึก", status="shared",
                             created_at=bkk(2025, 6, 7), updated_at=bkk(2025, 6, 7)))
            s.add(CoachingVisit(coach_id=coach.id, teacher_id=teachers[0].id, school_id=school.id,
                                planned_on=date(2025, 7, 2), focus="สังเกต", status="held", held_on=date(2025, 7, 2)))
            s.add(SchoolGoal(school_id=school.id, academic_year_be=2568, statement="เป้าหมาย", status="approved"))
        s.flush()
