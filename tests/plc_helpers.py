"""Building PLC work (goals, innovations, circles, cycles) for API tests through the services, in a
short application context (``in_db``), so that tests hold only plain ids."""

from __future__ import annotations

from plc.i18n import bangkok_today
from plc.models import School, User
from plc.services import circles, cycles, goals, innovations
from plc.services.circles import CircleInput
from plc.services.cycles import CycleInput
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput

ACTIVE_LEARNING_STEPS = [
    StepInput(code="E", label_en="Engage", text_th="กระตุ้นความสนใจ"),
    StepInput(code="A", label_en="Act", text_th="ลงมือปฏิบัติ",
              substeps=[StepInput(text_th="ทำงานกลุ่ม"), StepInput(text_th="นำเสนอผลงาน")]),
    StepInput(code="R", label_en="Reflect", text_th="สะท้อนคิด"),
]


def build_plc_work(in_db, world, *, year: int = 2568) -> dict[str, int]:
    """An approved goal of school A, a network-shared innovation (version 1, nested steps), a school-A
    circle facilitated by the teacher, and a cycle applying version 1. Returns the ids by path
    parameter name (``goal_id``, ``innovation_id``, ``number``, ``circle_id``, ``user_id``, ``cycle_id``)
    plus ``version_id`` and ``step_ids``."""
    with in_db() as session:
        director = session.get(User, world.director.id)
        teacher = session.get(User, world.teacher.id)
        school = session.get(School, world.school_a.id)
        goal = goals.create_school_goal(director, school, GoalInput(
            statement="นักเรียนอ่านออกเขียนได้ทุกคน", academic_year_be=year, indicator="ร้อยละ 90"))
        goals.transition(director, goal, "approve")
        innovation = innovations.create(teacher, owner=school, kind="classroom_model", visibility="network",
                                        data=VersionInput(name_th="การจัดการเรียนรู้เชิงรุกแบบ EAR",
                                                          name_en="EAR active learning",
                                                          steps=ACTIVE_LEARNING_STEPS))
        version = innovation.current
        circle = circles.create(teacher, school, CircleInput(name="วงคณิตศาสตร์ ป.4", learning_area="คณิตศาสตร์",
                                                             meeting_count=1, meeting_period="semester"))
        step_ids = [s.id for s in version.steps if s.code in ("E", "A")]
        cycle = cycles.create(teacher, circle, CycleInput(
            title="เศษส่วนด้วยสื่อจริง", problem="นักเรียนไม่เข้าใจเศษส่วน", goal_ids=[goal.id],
            innovation_version_ids=[version.id], step_ids=step_ids, target_groups=["อ่อน"]))
        session.flush()
        return {"goal_id": goal.id, "innovation_id": innovation.id, "number": version.number,
                "version_id": version.id, "step_ids": step_ids, "circle_id": circle.id,
                "user_id": teacher.id, "cycle_id": cycle.id}


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def build_issue4_work(in_db, world, work: dict) -> dict[str, int]:
    """On top of ``build_plc_work``: a school-visible lesson plan of the teacher in the cycle (revision 1,
    a comment, a picture attached), a reflection and a planned coaching visit. Returns the ids by path
    parameter name (``plan_id``, ``attachment_id``, ``reflection_id``, ``visit_id``; revision ``number``
    1 is the ``number`` that ``build_plc_work`` already gives).

    The reflection is the admin's own draft: reflection text is private even from admins, and the API
    tests read every GET as the admin."""
    from datetime import timedelta

    from plc.services import coaching, lesson_plans, reflections
    from plc.services.lesson_plans import PlanInput
    from plc.services.reflections import ReflectionInput

    with in_db() as session:
        admin, coach = session.get(User, world.admin.id), session.get(User, world.coach.id)
        teacher, school = session.get(User, world.teacher.id), session.get(School, world.school_a.id)
        plan = lesson_plans.create(teacher, PlanInput(
            title="แผนการจัดการเรียนรู้ เศษส่วน ป.4", body_md="## จุดประสงค์\n- เปรียบเทียบเศษส่วนได้",
            learning_area="คณิตศาสตร์", grade="ป.4", visibility="school", cycle_id=work["cycle_id"]))
        lesson_plans.add_comment(teacher, plan, body_md="ใช้สื่อจริงดีมาก", kind="strength")
        attachment = lesson_plans.add_attachment(teacher, plan, "ภาพกิจกรรม.png", PNG_BYTES)
        reflection = reflections.save_draft(admin, ReflectionInput(title="บันทึกของผู้ดูแลระบบ",
                                                                   cycle_id=work["cycle_id"], results="ทดลอง"))
        visit = coaching.plan_visit(coach, teacher=teacher, school=school, planned_on=bangkok_today() + timedelta(days=7),
                                    focus="การใช้คำถามกระตุ้นการคิด")
        session.flush()
        return {"plan_id": plan.id, "attachment_id": attachment.id, "reflection_id": reflection.id,
                "visit_id": visit.id}


def issue4_bodies() -> dict[tuple[str, str], dict]:
    """A valid JSON body for every issue-4 write with an id in its path, so that only the object decides."""

    return {
        ("PATCH", "/api/v1/lesson-plans/{plan_id}"): {"title": "แก้ไข"},
        ("POST", "/api/v1/lesson-plans/{plan_id}/comments"): {"kind": "question", "body_md": "ทำไม"},
        ("POST", "/api/v1/lesson-plans/{plan_id}/showcase"): {"on": True},
        ("PATCH", "/api/v1/reflections/{reflection_id}"): {"title": "แก้ไข"},
        ("POST", "/api/v1/reflections/{reflection_id}/feedback"): {"body_md": "ดีมาก"},
        ("POST", "/api/v1/coaching-visits/{visit_id}/held"): {"held_on": bangkok_today().isoformat(),
                                                              "observation_notes": "นักเรียนตั้งใจ"},
        ("POST", "/api/v1/coaching-visits/{visit_id}/reflection"): {"text": "ได้เรียนรู้"},
    }
