"""Building PLC work (goals, innovations, circles, cycles) for API tests through the services, in a
short application context (``in_db``), so that tests hold only plain ids."""

from __future__ import annotations

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
