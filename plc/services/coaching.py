"""Coaching and supervision visits: planned together, held, reflected on by both, synthesised;
a coach's calendar of planned versus held visits and a school's visit coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plc import authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import AcademicTerm, academic_term, bangkok_today
from plc.models import CoachingSynthesis, CoachingVisit, Membership, School, User
from plc.models._types import utcnow
from plc.models.coaching import VisitStatus
from plc.rendering import render_markdown
from plc.services import mail
from plc.services.inputs import clean_text
from plc.services.notifications import notify

FOLLOW_UP_DAYS = 30


class VisitError(ServiceError):
    """A refused coaching-visit operation."""



def visits_query(user, *, status: str | None = None, teacher_id: int | None = None,
                 school_id: int | None = None, cycle_id: int | None = None):
    """The visits the user may see (as coach or teacher, or as manager of the school), latest first."""
    query = select(CoachingVisit).where(authz.visible_visits_clause(user))
    if status:
        query = query.where(CoachingVisit.status == status)
    if teacher_id:
        query = query.where(CoachingVisit.teacher_id == teacher_id)
    if school_id:
        query = query.where(CoachingVisit.school_id == school_id)
    if cycle_id:
        query = query.where(CoachingVisit.cycle_id == cycle_id)
    return query.order_by(CoachingVisit.planned_on.desc(), CoachingVisit.id.desc())


def plan_visit(actor: User, *, teacher: User, school: School, planned_on: date, focus: str,
               observe_what: str | None = None, cycle=None) -> CoachingVisit:
    errors: dict[str, list[str]] = {}
    if not authz.can_coach(actor, teacher, school):
        errors["teacher_id"] = [_("You can plan visits only with teachers of schools you coach.")]
    if not clean_text(focus):
        errors["focus"] = [_("Agree on the focus of the visit.")]
    if planned_on is None:
        errors["planned_on"] = [_("Choose the date of the visit.")]
    if cycle is not None and not authz.can_view_cycle(teacher, cycle):
        errors["cycle_id"] = [_("Choose one of the teacher's cycles.")]
    if errors:
        raise VisitError(errors)
    visit = CoachingVisit(coach_id=actor.id, teacher_id=teacher.id, school_id=school.id, planned_on=planned_on,
                          focus=focus.strip(), observe_what=clean_text(observe_what), cycle=cycle)
    db.session.add(visit)
    db.session.flush()
    if teacher.id != actor.id:
        notify(teacher.id, "visit_planned", {"coach": actor.name_th}, f"/coaching/visits/{visit.id}")
        mail.queue_visit_planned(visit, actor, teacher)
    return visit


def record_held(actor: User, visit: CoachingVisit, *, held_on: date, observation_notes: str,
                follow_up: str | None = None, follow_up_due_on: date | None = None) -> CoachingVisit:
    errors: dict[str, list[str]] = {}
    if actor.id != visit.coach_id:
        errors["coach"] = [_("The coach records the observation.")]
    if visit.status == VisitStatus.CANCELLED:
        errors["status"] = [_("This visit was cancelled.")]
    # Today in Thailand, as the form offers it, whatever the server's clock zone.
    if held_on is None or held_on > bangkok_today():
        errors["held_on"] = [_("Record the visit on or after the day it took place.")]
    if not clean_text(observation_notes):
        errors["observation_notes"] = [_("Write what you observed of the learners' behaviour and learning.")]
    if errors:
        raise VisitError(errors)
    visit.status = VisitStatus.HELD
    visit.held_on = held_on
    visit.observation_notes = observation_notes.strip()
    visit.follow_up = clean_text(follow_up)
    visit.follow_up_due_on = follow_up_due_on
    return visit


def reflect(actor: User, visit: CoachingVisit, text: str) -> CoachingVisit:
    """Both the coach and the teacher write their post-visit reflection."""
    if visit.status != VisitStatus.HELD:
        raise VisitError({"status": [_("Reflect after the visit has been held.")]})
    if not clean_text(text):
        raise VisitError({"reflection": [_("Write your reflection.")]})
    if actor.id == visit.coach_id:
        visit.coach_reflection = text.strip()
    elif actor.id == visit.teacher_id:
        visit.teacher_reflection = text.strip()
    else:
        raise VisitError({"reflection": [_("Only the coach and the teacher reflect on a visit.")]})
    return visit


def cancel(actor: User, visit: CoachingVisit) -> CoachingVisit:
    if visit.status != VisitStatus.PLANNED:
        raise VisitError({"status": [_("Only a planned visit can be cancelled.")]})
    visit.status = VisitStatus.CANCELLED
    return visit


def save_synthesis(actor: User, teacher: User, term: AcademicTerm, body_md: str) -> CoachingSynthesis:
    if not clean_text(body_md):
        raise VisitError({"body_md": [_("Write the synthesis.")]})
    synthesis = db.session.scalar(select(CoachingSynthesis).where(
        CoachingSynthesis.coach_id == actor.id, CoachingSynthesis.teacher_id == teacher.id,
        CoachingSynthesis.term == str(term)))
    if synthesis is None:
        synthesis = CoachingSynthesis(coach_id=actor.id, teacher_id=teacher.id, term=str(term))
        db.session.add(synthesis)
    synthesis.body_md = body_md.strip()
    synthesis.body_html = render_markdown(synthesis.body_md)
    synthesis.updated_at = utcnow()
    db.session.flush()
    return synthesis


@dataclass
class CalendarRow:
    teacher: User
    planned: int
    held: int
    overdue: list[CoachingVisit]
    next_visit: CoachingVisit | None


def is_overdue(visit: CoachingVisit, today: date, teacher_visits: list[CoachingVisit]) -> bool:
    """A planned visit whose date has passed without being held, or a follow-up that is due with no
    later visit held to the same teacher."""
    if visit.status == VisitStatus.PLANNED and visit.planned_on < today:
        return True
    if visit.status != VisitStatus.HELD or not visit.follow_up_due_on or visit.follow_up_due_on >= today:
        return False
    return not any(v.status == VisitStatus.HELD and v.held_on and v.held_on > visit.held_on for v in teacher_visits)


def calendar(coach: User, term: AcademicTerm | None = None, today: date | None = None) -> list[CalendarRow]:
    today = today or bangkok_today()
    term = term or academic_term(today)
    visits = list(db.session.scalars(select(CoachingVisit).where(
        CoachingVisit.coach_id == coach.id, CoachingVisit.planned_on >= term.starts_on,
        CoachingVisit.planned_on <= term.ends_on).order_by(CoachingVisit.planned_on)
        .options(selectinload(CoachingVisit.teacher))))
    by_teacher: dict[int, list[CoachingVisit]] = {}
    for visit in visits:
        by_teacher.setdefault(visit.teacher_id, []).append(visit)
    rows = []
    for teacher_visits in by_teacher.values():
        active = [v for v in teacher_visits if v.status != VisitStatus.CANCELLED]
        later = [v for v in teacher_visits if v.status == VisitStatus.PLANNED and v.planned_on >= today]
        rows.append(CalendarRow(teacher=teacher_visits[0].teacher, planned=len(active),
                                held=sum(v.status == VisitStatus.HELD for v in active),
                                overdue=[v for v in active if is_overdue(v, today, active)],
                                next_visit=later[0] if later else None))
    return sorted(rows, key=lambda r: r.teacher.name_th)


@dataclass
class CoverageRow:
    teacher: User
    held: int
    last_held_on: date | None


def coverage(school: School, term: AcademicTerm | None = None) -> list[CoverageRow]:
    """Every current teacher of the school with the visits they had this semester (0 = none)."""
    term = term or academic_term(bangkok_today())
    teachers = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.school_id == school.id, Membership.role == "teacher", Membership.current_clause(),
               User.disabled_at.is_(None)).order_by(User.name_th).distinct()))
    visits = list(db.session.scalars(select(CoachingVisit).where(
        CoachingVisit.school_id == school.id, CoachingVisit.status == VisitStatus.HELD,
        CoachingVisit.held_on >= term.starts_on, CoachingVisit.held_on <= term.ends_on)))
    rows = []
    for teacher in teachers:
        held = [v.held_on for v in visits if v.teacher_id == teacher.id]
        rows.append(CoverageRow(teacher=teacher, held=len(held), last_held_on=max(held) if held else None))
    return sorted(rows, key=lambda r: (r.held > 0, r.teacher.name_th))


# ---------------------------------------------------------------------------- reading


def coachable(actor: User) -> list[tuple[User, School]]:
    """(teacher, school) pairs the actor may plan a visit with, by school then name."""
    school_ids = authz.visible_school_ids(actor)
    rows = db.session.execute(
        select(User, School).join(Membership, Membership.user_id == User.id)
        .join(School, School.id == Membership.school_id)
        .where(Membership.role == "teacher", Membership.current_clause(), User.disabled_at.is_(None),
               authz.scope_filter(Membership.school_id, school_ids))
        .order_by(School.name_th, User.name_th, User.id))
    pairs = list(dict.fromkeys((teacher, school) for teacher, school in rows))  # no DISTINCT: JSON columns
    return [(teacher, school) for teacher, school in pairs if authz.can_coach(actor, teacher, school)]


def visits_of_teacher(teacher: User, term: AcademicTerm, coach: User | None = None) -> list[CoachingVisit]:
    """The visits a teacher had (or has planned) in a term, by date; one coach's only if given."""
    query = select(CoachingVisit).where(CoachingVisit.teacher_id == teacher.id,
                                        CoachingVisit.planned_on >= term.starts_on,
                                        CoachingVisit.planned_on <= term.ends_on)
    if coach is not None:
        query = query.where(CoachingVisit.coach_id == coach.id)
    return list(db.session.scalars(query.order_by(CoachingVisit.planned_on, CoachingVisit.id)
                                   .options(selectinload(CoachingVisit.coach))))


def syntheses_about(teacher: User, term: AcademicTerm) -> list[CoachingSynthesis]:
    return list(db.session.scalars(select(CoachingSynthesis).where(
        CoachingSynthesis.teacher_id == teacher.id, CoachingSynthesis.term == str(term))
        .order_by(CoachingSynthesis.updated_at.desc())))


def visits_of_coach(coach: User, term: AcademicTerm) -> list[CoachingVisit]:
    return list(db.session.scalars(select(CoachingVisit).where(
        CoachingVisit.coach_id == coach.id, CoachingVisit.planned_on >= term.starts_on,
        CoachingVisit.planned_on <= term.ends_on).order_by(CoachingVisit.planned_on, CoachingVisit.id)
        .options(selectinload(CoachingVisit.teacher))))
