"""Reflection logs: drafts saved as the person writes (and kept through dropped connections),
shared with a coach–teacher pair or the circle, answered in a feedback thread."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from plc import authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import Circle, Cycle, LessonPlan, Membership, Reflection, ReflectionFeedback, Role, User
from plc.models._types import length_of, utcnow
from plc.models.org import network_school
from plc.models.reflections import REFLECTION_FIELDS, REFLECTION_VISIBILITIES, ReflectionStatus
from plc.rendering import render_markdown
from plc.services.inputs import clean_text, fit


class ReflectionError(ServiceError):
    """A refused reflection operation."""


@dataclass
class ReflectionInput:
    title: str
    cycle_id: int
    visibility: str = "private"
    partner_id: int | None = None
    lesson_plan_id: int | None = None
    body_md: str = ""
    results: str | None = None
    picture_of_success: str | None = None
    problems: str | None = None
    conditions: str | None = None
    next_steps: str | None = None
    innovation_tried: str | None = None
    lessons_learned: str | None = None



def reflections_query(user, *, cycle_id: int | None = None, mine: bool = False) -> Select:
    query = select(Reflection).where(authz.visible_reflections_clause(user))
    if cycle_id is not None:
        query = query.where(Reflection.cycle_id == cycle_id)
    if mine:
        query = query.where(Reflection.author_id == user.id)
    return query.order_by(Reflection.updated_at.desc())


def list_options() -> tuple:
    """Loader options for lists of reflections that show each one's cycle, author and replies."""
    return (selectinload(Reflection.cycle), selectinload(Reflection.author), selectinload(Reflection.feedback))


def counts_by_cycle(cycle_ids: list[int]) -> dict[int, int]:
    """How many shared reflections each cycle has: what directors and coordinators see."""
    if not cycle_ids:
        return {}
    rows = db.session.execute(select(Reflection.cycle_id, func.count(Reflection.id))
                              .where(Reflection.cycle_id.in_(cycle_ids), Reflection.status == ReflectionStatus.SHARED)
                              .group_by(Reflection.cycle_id))
    return dict(rows.all())


@dataclass
class ScopeCounts:
    """How much reflecting happens in a school or a network's circles: numbers, never text."""

    cycles: int = 0
    shared: int = 0
    authors: int = 0


def counts_by_scope(*, school_ids: list[int] | None = None,
                    network_ids: list[int] | None = None) -> tuple[dict[int, ScopeCounts], dict[int, ScopeCounts]]:
    """({school id: counts of its circles' cycles}, {network id: counts of its network circles})."""

    def _grouped(column, ids):
        if not ids:
            return {}
        rows = db.session.execute(
            select(column, func.count(func.distinct(Cycle.id)), func.count(func.distinct(Reflection.id)),
                   func.count(func.distinct(Reflection.author_id)))
            .select_from(Cycle).join(Circle, Circle.id == Cycle.circle_id)
            .outerjoin(Reflection, (Reflection.cycle_id == Cycle.id) & (Reflection.status == ReflectionStatus.SHARED))
            .where(column.in_(ids)).group_by(column))
        return {key: ScopeCounts(cycles=c, shared=r, authors=a) for key, c, r, a in rows}

    return _grouped(Circle.school_id, school_ids), _grouped(Circle.network_id, network_ids)


def possible_partners(cycle: Cycle) -> list[User]:
    """Whom a reflection on this cycle may be shared with as a pair: the circle's current members
    and the coaches and supervisors who can see the circle."""

    circle = cycle.circle
    people = {m.user_id: m.user for m in circle.current_members()}
    if circle.school_id is not None:
        schools = [circle.school_id]
        networks = [n.id for n in circle.school.networks]
    else:
        networks = [circle.network_id]
        schools = list(db.session.scalars(select(network_school.c.school_id)
                                          .where(network_school.c.network_id == circle.network_id)))
    staff = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.current_clause(), User.disabled_at.is_(None),
               Membership.role.in_((Role.COACH.value, Role.SUPERVISOR.value)),
               (Membership.school_id.in_(schools) if schools else False)
               | (Membership.network_id.in_(networks) if networks else False)).distinct())
    for user in staff:
        people.setdefault(user.id, user)
    return sorted((u for u in people.values() if u.disabled_at is None and authz.can_view_circle(u, circle)),
                  key=lambda u: u.name_th)


def _validate(actor: User, data: ReflectionInput) -> tuple[Cycle, User | None, LessonPlan | None]:
    errors: dict[str, list[str]] = {}
    cycle = db.session.get(Cycle, data.cycle_id or 0)
    if cycle is None or not authz.can_work_on_cycle(actor, cycle):
        errors["cycle_id"] = [_("Choose a cycle of one of your circles.")]
    if not clean_text(data.title):
        errors["title"] = [_("Give the reflection a title.")]
    if data.visibility not in REFLECTION_VISIBILITIES:
        errors["visibility"] = [_("Choose private, coach–teacher pair or circle.")]
    partner = db.session.get(User, data.partner_id) if data.partner_id else None
    if data.partner_id and (partner is None or partner.id == actor.id or cycle is None
                            or not authz.can_view_circle(partner, cycle.circle)):
        errors["partner_id"] = [_("Choose your coach or teacher from the circle.")]
    if data.visibility == "pair" and partner is None and "partner_id" not in errors:
        errors["partner_id"] = [_("To share with your pair, choose the coach or teacher.")]
    plan = db.session.get(LessonPlan, data.lesson_plan_id) if data.lesson_plan_id else None
    if data.lesson_plan_id and (plan is None or not authz.can_view_plan(actor, plan)):
        errors["lesson_plan_id"] = [_("Choose a lesson plan you can see.")]
    if len(data.body_md or "") > length_of(Reflection.body_md):
        errors["body_md"] = [_("The reflection is too long.")]
    if errors:
        raise ReflectionError(errors)
    return cycle, partner, plan


def _apply(reflection: Reflection, data: ReflectionInput, partner, plan) -> None:
    reflection.title = fit(Reflection.title, data.title)
    reflection.visibility = data.visibility
    reflection.partner = partner
    reflection.lesson_plan = plan
    reflection.body_md = data.body_md or ""
    reflection.body_html = render_markdown(reflection.body_md)
    for name in REFLECTION_FIELDS:
        setattr(reflection, name, clean_text(getattr(data, name)))
    reflection.updated_at = utcnow()


def save_draft(actor: User, data: ReflectionInput, reflection: Reflection | None = None) -> Reflection:
    """Creates or updates a draft; called on every autosave, so it must be cheap and repeatable."""
    cycle, partner, plan = _validate(actor, data)
    if reflection is None:
        reflection = Reflection(author_id=actor.id, cycle=cycle, status=ReflectionStatus.DRAFT)
        db.session.add(reflection)
    reflection.cycle = cycle  # a draft may move to another of the author's cycles
    _apply(reflection, data, partner, plan)
    db.session.flush()
    return reflection


def share(actor: User, reflection: Reflection) -> Reflection:
    """Makes the reflection visible to its pair or circle (a private one stays the author's)."""
    if not any(getattr(reflection, name) for name in REFLECTION_FIELDS) and not reflection.body_md.strip():
        raise ReflectionError({"results": [_("Write at least one part of the reflection before sharing it.")]})
    reflection.status = ReflectionStatus.SHARED
    reflection.updated_at = utcnow()
    return reflection


def add_feedback(actor: User, reflection: Reflection, body_md: str) -> ReflectionFeedback:
    if not clean_text(body_md):
        raise ReflectionError({"body_md": [_("Write your feedback.")]})
    feedback = ReflectionFeedback(reflection=reflection, author_id=actor.id, body_md=body_md.strip(),
                                  body_html=render_markdown(body_md.strip()))
    db.session.add(feedback)
    db.session.flush()
    return feedback
