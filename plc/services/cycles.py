"""PLC cycles: started in a circle, tied to school goals and innovation steps, moved through the
phases of a template, reviewed at DE checkpoints, and closed only with lessons learned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import (
    Circle,
    Cycle,
    CyclePhase,
    DECheckpoint,
    Innovation,
    InnovationStep,
    InnovationVersion,
    LessonsLearned,
    SchoolGoal,
    User,
)
from plc.models._types import utcnow
from plc.models.cycles import DE_STAGES, CycleStatus
from plc.models.goals import GoalStatus
from plc.services import search
from plc.services.inputs import clean_text, fit

# The default Thai PLC cycle (DOMAIN §3) and PDCA. Innovation templates take the model's steps.
PHASE_TEMPLATES: dict[str, list[tuple[str, str, str]]] = {
    "thai_plc": [
        ("problem", "ระบุปัญหา", "Identify the problem"),
        ("goal", "กำหนดเป้าหมาย", "Set the goal"),
        ("design", "ออกแบบการจัดการเรียนรู้", "Design the lesson"),
        ("teach", "สอนและสังเกตการสอน", "Teach and observe"),
        ("reflect", "สะท้อนผล", "Reflect"),
        ("lessons", "ถอดบทเรียน", "Lessons learned"),
        ("share", "แลกเปลี่ยนเรียนรู้และเผยแพร่", "Share"),
    ],
    "pdca": [
        ("plan", "วางแผน (Plan)", "Plan"),
        ("do", "ลงมือปฏิบัติ (Do)", "Do"),
        ("check", "ตรวจสอบ (Check)", "Check"),
        ("act", "ปรับปรุงและพัฒนา (Act)", "Act"),
    ],
}

TARGET_GROUPS = ("เก่ง", "กลาง", "อ่อน")


class CycleError(ServiceError):
    """A refused change to a PLC cycle, its phases, checkpoints or outcomes."""


@dataclass
class CycleInput:
    title: str
    problem: str
    goal_ids: list[int]
    template: str = "thai_plc"
    template_version_id: int | None = None
    innovation_version_ids: list[int] = field(default_factory=list)
    step_ids: list[int] = field(default_factory=list)
    challenge_issues: str | None = None
    target_grade: str | None = None
    target_class_size: int | None = None
    target_groups: list[str] = field(default_factory=list)


@dataclass
class LessonsInput:
    results: str
    picture_of_success: str
    problems: str
    conditions: str
    next_steps: str



def cycles_query(user, *, circle_id: int | None = None, status: str | None = None) -> Select:
    # The joined circle is loaded with each cycle: lists ask the circle's rules of every cycle.
    query = (select(Cycle).join(Cycle.circle).options(contains_eager(Cycle.circle))
             .where(authz.visible_circles_clause(user)))
    if circle_id is not None:
        query = query.where(Cycle.circle_id == circle_id)
    if status:
        query = query.where(Cycle.status == status)
    return query.order_by(Cycle.created_at.desc())


def page_options() -> tuple:
    """Loader options for the cycle page: everything it shows about the cycle, in a fixed number of
    statements however many goals, innovations, checkpoints or outcomes it has."""
    return (
        selectinload(Cycle.circle),
        selectinload(Cycle.created_by),
        selectinload(Cycle.goals).selectinload(SchoolGoal.school),
        selectinload(Cycle.innovation_versions).selectinload(InnovationVersion.innovation)
        .selectinload(Innovation.versions),
        selectinload(Cycle.steps),
        selectinload(Cycle.template_version),
        selectinload(Cycle.phases),
        selectinload(Cycle.checkpoints).selectinload(DECheckpoint.recorded_by),
        selectinload(Cycle.outcomes),
        selectinload(Cycle.lessons).selectinload(LessonsLearned.recorded_by),
    )


def goals_for_circle(circle: Circle) -> Select:
    """Goals a cycle of this circle may serve: its school's goals, or (network circle) the goals of
    the network's schools and the network's core goals."""
    if circle.school_id is not None:
        where = SchoolGoal.school_id == circle.school_id
    else:
        where = SchoolGoal.school_id.in_([s.id for s in circle.network.schools])
    return (select(SchoolGoal).where(where, SchoolGoal.status.in_((GoalStatus.DRAFT, GoalStatus.APPROVED)))
            .order_by(SchoolGoal.academic_year_be.desc(), SchoolGoal.id))


def phase_plan(template: str, template_version: InnovationVersion | None) -> list[tuple[str, str, str, int | None]]:
    if template == "innovation":
        return [(f"step-{s.position}", s.label("th"), s.label("en"), s.id) for s in template_version.top_steps]
    return [(key, th, en, None) for key, th, en in PHASE_TEMPLATES[template]]


def create(actor: User, circle: Circle, data: CycleInput) -> Cycle:
    errors: dict[str, list[str]] = {}
    if not clean_text(data.title):
        errors["title"] = [_("Give the cycle a title.")]
    if not clean_text(data.problem):
        errors["problem"] = [_("Describe the problem or focus of the cycle.")]
    allowed_goals = {g.id: g for g in db.session.scalars(goals_for_circle(circle))}
    goal_ids = list(dict.fromkeys(data.goal_ids or []))
    if not goal_ids:
        errors["goal_ids"] = [_("Link the cycle to at least one school goal.")]
    elif any(goal_id not in allowed_goals for goal_id in goal_ids):
        errors["goal_ids"] = [_("Choose goals of this circle's school or network.")]
    versions = list(db.session.scalars(select(InnovationVersion).where(
        InnovationVersion.id.in_(data.innovation_version_ids or []))))
    if len(versions) != len(set(data.innovation_version_ids or [])) or not all(
            authz.can_view_innovation(actor, v.innovation) for v in versions):
        errors["innovation_version_ids"] = [_("Choose innovations from the library.")]
    steps = list(db.session.scalars(select(InnovationStep).where(InnovationStep.id.in_(data.step_ids or []))))
    version_ids = {v.id for v in versions}
    if len(steps) != len(set(data.step_ids or [])) or any(s.version_id not in version_ids for s in steps):
        errors["step_ids"] = [_("Choose steps of the innovations this cycle applies.")]
    template_version = None
    if data.template == "innovation":
        template_version = db.session.get(InnovationVersion, data.template_version_id or 0)
        if template_version is None or template_version.id not in version_ids:
            errors["template_version_id"] = [_("To follow an innovation's steps, apply that innovation.")]
        elif not template_version.top_steps:
            errors["template_version_id"] = [_("This innovation has no steps to follow; choose another template.")]
    elif data.template not in PHASE_TEMPLATES:
        errors["template"] = [_("Choose a phase template.")]
    groups = [g.strip()[:Cycle.target_groups.info["item_max_length"]] for g in (data.target_groups or []) if g and g.strip()]
    size = data.target_class_size
    if size is not None and not 1 <= int(size) <= 500:
        errors["target_class_size"] = [_("Give the class size as a number of students.")]
    if errors:
        raise CycleError(errors)

    cycle = Cycle(circle=circle, title=fit(Cycle.title, data.title), problem=data.problem.strip(),
                  challenge_issues=clean_text(data.challenge_issues), target_grade=fit(Cycle.target_grade, data.target_grade),
                  target_class_size=size, target_groups=groups, template=data.template,
                  template_version=template_version, created_by_id=actor.id,
                  goals=[allowed_goals[i] for i in goal_ids], innovation_versions=versions, steps=steps)
    db.session.add(cycle)
    for position, (key, name_th, name_en, step_id) in enumerate(phase_plan(data.template, template_version), 1):
        cycle.phases.append(CyclePhase(position=position, key=key, name_th=fit(CyclePhase.name_th, name_th),
                                       name_en=fit(CyclePhase.name_en, name_en),
                                       step_id=step_id, started_on=bangkok_today() if position == 1 else None))
    db.session.flush()
    audit.record("cycle.created", actor, cycle, circle_id=circle.id)
    search.index_cycle(cycle)
    return cycle


def _require_open(cycle: Cycle) -> None:
    if cycle.is_closed:
        raise CycleError({"cycle": [_("This cycle is closed.")]})


def advance(actor: User, cycle: Cycle, on: date | None = None) -> CyclePhase | None:
    """Ends the current phase and starts the next; returns the new phase (None after the last)."""
    _require_open(cycle)
    on = on or bangkok_today()
    current = cycle.current_phase
    if current is None:
        raise CycleError({"phase": [_("Every phase is done. Record the lessons learned to close the cycle.")]})
    current.ended_on = max(on, current.started_on)
    following = next((p for p in cycle.phases if p.position == current.position + 1), None)
    if following is not None:
        following.started_on = current.ended_on
    db.session.flush()
    return following


def add_checkpoint(actor: User, cycle: Cycle, *, stage: str, held_on: date | None = None, reviewed: str | None = None,
                   monitored: str | None = None, evaluated: str | None = None,
                   changed: str | None = None) -> DECheckpoint:
    _require_open(cycle)
    errors: dict[str, list[str]] = {}
    if stage not in DE_STAGES:
        errors["stage"] = [_("Choose upstream, midstream or downstream.")]
    if not any(clean_text(t) for t in (reviewed, monitored, evaluated, changed)):
        errors["reviewed"] = [_("Write what was reviewed, monitored, evaluated or changed.")]
    if held_on is not None and held_on > bangkok_today():
        errors["held_on"] = [_("A checkpoint is recorded on or after the day it took place.")]
    if errors:
        raise CycleError(errors)
    checkpoint = DECheckpoint(cycle=cycle, stage=stage, held_on=held_on or bangkok_today(), reviewed=clean_text(reviewed),
                              monitored=clean_text(monitored), evaluated=clean_text(evaluated), changed=clean_text(changed),
                              recorded_by_id=actor.id)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def close(actor: User, cycle: Cycle, lessons: LessonsInput) -> Cycle:
    """Closing needs every part of the lessons-learned record (ถอดบทเรียน)."""
    _require_open(cycle)
    labels = {"results": _("results"), "picture_of_success": _("picture of success"),
              "problems": _("problems and obstacles"), "conditions": _("conditions for success"),
              "next_steps": _("next steps")}
    errors = {name: [_("Write the %(part)s.", part=label)] for name, label in labels.items()
              if not clean_text(getattr(lessons, name))}
    if errors:
        raise CycleError(errors)
    cycle.lessons = LessonsLearned(results=lessons.results.strip(), picture_of_success=lessons.picture_of_success.strip(),
                                   problems=lessons.problems.strip(), conditions=lessons.conditions.strip(),
                                   next_steps=lessons.next_steps.strip(), recorded_by_id=actor.id)
    today = bangkok_today()
    for phase in cycle.phases:
        if phase.started_on and not phase.ended_on:
            phase.ended_on = max(today, phase.started_on)
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = utcnow()
    db.session.flush()
    audit.record("cycle.closed", actor, cycle)
    return cycle
