"""PLC circles: creating them, members joining and leaving, norms, meetings and the meeting rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import AcademicTerm, academic_term, bangkok_today, to_local
from plc.models import Circle, CircleMeeting, CircleMember, Cycle, Network, School, User
from plc.models._types import utcnow
from plc.models.circles import MEETING_MODES, MEETING_PERIODS
from plc.realtime import outbox
from plc.services import search
from plc.services.inputs import clean_text, fit


class CircleError(ServiceError):
    """A refused PLC-circle operation."""


@dataclass
class CircleInput:
    name: str
    learning_area: str | None = None
    grade_band: str | None = None
    description: str | None = None
    norms: str | None = None
    meeting_count: int = 1
    meeting_period: str = "semester"



def _validate(data: CircleInput) -> None:
    errors: dict[str, list[str]] = {}
    if not clean_text(data.name):
        errors["name"] = [_("Give the circle a name.")]
    if data.meeting_period not in MEETING_PERIODS:
        errors["meeting_period"] = [_("Choose per semester or per month.")]
    try:
        count = int(data.meeting_count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 31:
        errors["meeting_count"] = [_("Meet at least once, at most 31 times, per period.")]
    if errors:
        raise CircleError(errors)


def circles_query(user, *, school_id: int | None = None, network_id: int | None = None,
                  mine: bool = False) -> Select:
    query = select(Circle).where(authz.visible_circles_clause(user), Circle.archived_at.is_(None))
    if school_id is not None:
        query = query.where(Circle.school_id == school_id)
    if network_id is not None:
        query = query.where(Circle.network_id == network_id)
    if mine:
        query = query.where(Circle.id.in_(select(CircleMember.circle_id).where(
            CircleMember.user_id == user.id, CircleMember.current_clause())))
    return query.options(selectinload(Circle.members)).order_by(Circle.name)


def list_options() -> tuple:
    """Loader options for lists that show each circle's school or network and its meeting rule: a
    fixed number of statements, however many circles are listed."""
    return (selectinload(Circle.school), selectinload(Circle.network), selectinload(Circle.meetings))


def page_options() -> tuple:
    """Loader options for the circle page: members with their people (and those people's roles, which
    decide whether the reader may open their profile), meetings, cycles with their phases."""

    return (selectinload(Circle.members).selectinload(CircleMember.user).selectinload(User.memberships),
            selectinload(Circle.meetings), selectinload(Circle.cycles).selectinload(Cycle.phases))


def create(actor: User, scope: School | Network, data: CircleInput) -> Circle:
    """The creator facilitates the circle and has accepted its norms."""
    _validate(data)
    circle = Circle(name=fit(Circle.name, data.name), learning_area=fit(Circle.learning_area, data.learning_area),
                    grade_band=fit(Circle.grade_band, data.grade_band), description=clean_text(data.description),
                    norms=clean_text(data.norms), meeting_count=int(data.meeting_count),
                    meeting_period=data.meeting_period, created_by_id=actor.id,
                    school=scope if isinstance(scope, School) else None,
                    network=scope if isinstance(scope, Network) else None)
    db.session.add(circle)
    db.session.flush()
    db.session.add(CircleMember(circle=circle, user_id=actor.id, role="facilitator",
                                accepted_norms_version=circle.norms_version, accepted_norms_at=utcnow()))
    db.session.flush()
    authz.forget_cached_memberships()
    search.index_circle(circle)
    return circle


def update(actor: User, circle: Circle, data: CircleInput) -> Circle:
    """Changing the norms asks every member to accept them again."""
    _validate(data)
    norms = clean_text(data.norms)
    if norms != circle.norms:
        circle.norms = norms
        circle.norms_version += 1
    circle.name = fit(Circle.name, data.name)
    circle.learning_area = fit(Circle.learning_area, data.learning_area)
    circle.grade_band = fit(Circle.grade_band, data.grade_band)
    circle.description = clean_text(data.description)
    circle.meeting_count = int(data.meeting_count)
    circle.meeting_period = data.meeting_period
    search.index_circle(circle)
    return circle


def candidates(circle: Circle) -> list[User]:
    """People who may join: staff of the circle's school(s) and the network's coaches and supervisors."""
    current = {m.user_id for m in circle.current_members()}
    rows = db.session.scalars(select(User).where(authz.circle_joiners_clause(circle)).order_by(User.name_th))
    return [u for u in rows if u.id not in current]


def add_member(actor: User, circle: Circle, user: User, role: str = "member") -> CircleMember:
    if role not in ("member", "facilitator"):
        raise CircleError({"role": [_("Choose member or facilitator.")]})
    if circle.membership_of(user.id) is not None:
        raise CircleError({"user_id": [_("This person is already in the circle.")]})
    if not authz.can_join_circle(user, circle):
        raise CircleError({"user_id": [_("Only staff of the circle's school or network can join it.")]})
    member = CircleMember(circle=circle, user_id=user.id, role=role)
    db.session.add(member)
    db.session.flush()
    authz.forget_cached_memberships()
    audit.record("circle.member_added", actor, circle, user_id=user.id, role=role)
    return member


def remove_member(actor: User, circle: Circle, member: CircleMember) -> None:
    """Leaving keeps the row with the date; a circle always keeps one facilitator."""
    facilitators = [m for m in circle.current_members() if m.is_facilitator]
    if member.is_facilitator and len(facilitators) == 1:
        raise CircleError({"member": [_("Name another facilitator before this one leaves.")]})
    member.left_on = max(bangkok_today(), member.joined_on)
    authz.forget_cached_memberships()
    outbox.queue_disconnect(db.session, member.user_id)  # its sockets rejoin only where still allowed
    audit.record("circle.member_removed", actor, circle, user_id=member.user_id)


def set_role(actor: User, circle: Circle, member: CircleMember, role: str) -> None:
    if role not in ("member", "facilitator"):
        raise CircleError({"role": [_("Choose member or facilitator.")]})
    if member.is_facilitator and role == "member" and sum(m.is_facilitator for m in circle.current_members()) == 1:
        raise CircleError({"role": [_("A circle needs at least one facilitator.")]})
    member.role = role
    authz.forget_cached_memberships()
    audit.record("circle.role_changed", actor, circle, user_id=member.user_id, role=role)


def accept_norms(user: User, circle: Circle) -> CircleMember:
    member = circle.membership_of(user.id)
    if member is None:
        raise CircleError({"member": [_("Only members accept the circle's norms.")]})
    member.accepted_norms_version = circle.norms_version
    member.accepted_norms_at = utcnow()
    return member


def record_meeting(actor: User, circle: Circle, *, held_on: date, title: str, mode: str = "onsite",
                   notes: str | None = None, minutes: int | None = None, cycle=None) -> CircleMeeting:
    errors: dict[str, list[str]] = {}
    if not clean_text(title):
        errors["title"] = [_("Give the meeting a title.")]
    if mode not in MEETING_MODES:
        errors["mode"] = [_("Choose onsite or online.")]
    if held_on is None or held_on > bangkok_today():
        errors["held_on"] = [_("Record meetings that have taken place (today or earlier).")]
    if minutes is not None and not 0 < minutes <= 24 * 60:
        errors["minutes"] = [_("Give the length in minutes.")]
    if cycle is not None and cycle.circle_id != circle.id:
        errors["cycle_id"] = [_("That cycle belongs to another circle.")]
    elif cycle is not None and cycle.is_closed:
        errors["cycle_id"] = [_("This cycle is closed.")]
    if errors:
        raise CircleError(errors)
    meeting = CircleMeeting(circle=circle, held_on=held_on, title=fit(CircleMeeting.title, title), mode=mode,
                            notes=clean_text(notes), minutes=minutes, cycle=cycle, recorded_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    return meeting


@dataclass
class RuleStatus:
    """The meeting rule for one period: ``met``, ``due`` (period still open) or ``missed``."""

    label: str
    starts_on: date
    ends_on: date
    held: int
    required: int
    status: str


def rule_period(day: date, kind: str) -> tuple[str, date, date]:
    """The rule period (a month or a semester) that contains ``day``: its label, first and last day."""
    if kind == "month":
        start = day.replace(day=1)
        end = (start.replace(month=start.month % 12 + 1, year=start.year + start.month // 12))
        return f"{start.month}/{start.year + 543}", start, end - timedelta(days=1)
    term: AcademicTerm = academic_term(day)
    return str(term), term.starts_on, term.ends_on


def rule_periods_between(kind: str, first: date, last: date) -> list[tuple[str, date, date]]:
    """The rule periods that overlap ``first``..``last``, oldest first."""
    periods = []
    day = first
    while day <= last:
        label, start, end = rule_period(day, kind)
        periods.append((label, start, end))
        day = end + timedelta(days=1)
    return periods


def judge_period(held: int, required: int, period_end: date, today: date) -> str:
    """``met`` once enough meetings were held; ``due`` while the period is still open; else ``missed``."""
    if held >= required:
        return "met"
    return "due" if period_end >= today else "missed"


def meeting_rule(circle: Circle, today: date | None = None, periods: int = 2) -> list[RuleStatus]:
    """The current period and the ones before it, newest first."""
    today = today or bangkok_today()
    held_dates = [m.held_on for m in circle.meetings]
    statuses = []
    day = today
    created_on = to_local(circle.created_at).date() if circle.created_at else None
    for _index in range(periods):
        label, start, end = rule_period(day, circle.meeting_period)
        if created_on and end < created_on and statuses:
            break  # the circle did not exist yet
        held = sum(start <= d <= end for d in held_dates)
        statuses.append(RuleStatus(label, start, end, held, circle.meeting_count,
                                   judge_period(held, circle.meeting_count, end, today)))
        day = start - timedelta(days=1)
    return statuses
