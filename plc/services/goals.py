"""School goals: drafting, approval by the director, achievement or carrying over, and core goals
that a network coordinator publishes to every school of the network."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import FocusArea, Network, School, SchoolGoal, User
from plc.models._types import length_of, utcnow
from plc.models.cycles import cycle_goal
from plc.models.goals import GoalStatus
from plc.services.inputs import clean_text


class GoalError(ServiceError):
    """A refused school-goal operation."""


@dataclass
class GoalInput:
    statement: str
    academic_year_be: int
    context_needs: str | None = None
    indicator: str | None = None
    target: str | None = None
    focus_area_ids: tuple[int, ...] = ()



def _validated(data: GoalInput) -> tuple[GoalInput, list[FocusArea]]:
    errors: dict[str, list[str]] = {}
    if not clean_text(data.statement):
        errors["statement"] = [_("Write the goal.")]
    elif len(data.statement) > length_of(SchoolGoal.statement):
        errors["statement"] = [_("Keep the goal under %(n)s characters.", n=f"{length_of(SchoolGoal.statement):,}")]
    if not (2500 <= int(data.academic_year_be or 0) <= 2700):
        errors["academic_year_be"] = [_("Give the academic year in the Buddhist Era, for example 2569.")]
    areas = list(db.session.scalars(select(FocusArea).where(FocusArea.id.in_(data.focus_area_ids or ()))))
    if len(areas) != len(set(data.focus_area_ids or ())):
        errors["focus_area_ids"] = [_("Choose focus areas from the list.")]
    if errors:
        raise GoalError(errors)
    return data, areas


def goals_query(user, *, school_id: int | None = None, network_id: int | None = None,
                year: int | None = None, include_templates: bool = False) -> Select:
    """Goals of schools the user may see (and, if asked, the core templates of their networks)."""
    schools = authz.visible_school_ids(user)
    networks = authz.visible_network_ids(user)
    scope = authz.scope_filter(SchoolGoal.school_id, schools)
    if include_templates:
        scope = or_(scope, SchoolGoal.school_id.is_(None) & authz.scope_filter(SchoolGoal.network_id, networks))
    query = select(SchoolGoal).where(scope)
    if not include_templates:
        query = query.where(SchoolGoal.school_id.is_not(None))
    if school_id is not None:
        query = query.where(SchoolGoal.school_id == school_id)
    if network_id is not None:
        query = query.where(or_(SchoolGoal.network_id == network_id, SchoolGoal.school_id.in_(
            select(School.id).where(School.networks.any(Network.id == network_id)))))
    if year is not None:
        query = query.where(SchoolGoal.academic_year_be == year)
    return query.order_by(SchoolGoal.academic_year_be.desc(), SchoolGoal.kind, SchoolGoal.id)


def create_school_goal(actor: User, school: School, data: GoalInput) -> SchoolGoal:
    data, areas = _validated(data)
    goal = SchoolGoal(kind="school", school=school, academic_year_be=int(data.academic_year_be),
                      statement=data.statement.strip(), context_needs=clean_text(data.context_needs),
                      indicator=clean_text(data.indicator), target=clean_text(data.target), focus_areas=areas,
                      created_by_id=actor.id)
    db.session.add(goal)
    db.session.flush()
    return goal


def check_editable(goal: SchoolGoal) -> None:
    """Only a draft is edited: an approved goal stays as its director approved it (a school's goal is
    reopened first), and a core goal as it was published. A conflict with the goal's state (409), for
    everyone who writes it; who writes it at all is the rule book's."""
    if goal.status != GoalStatus.DRAFT:
        raise GoalError({"status": [_("Only a draft goal can be edited. Approved goals stay as they were approved.")]},
                        status=409)


def update_goal(actor: User, goal: SchoolGoal, data: GoalInput) -> SchoolGoal:
    check_editable(goal)
    data, areas = _validated(data)
    goal.statement = data.statement.strip()
    goal.academic_year_be = int(data.academic_year_be)
    goal.context_needs = clean_text(data.context_needs)
    goal.indicator = clean_text(data.indicator)
    goal.target = clean_text(data.target)
    goal.focus_areas = areas
    return goal


def publish_core_goal(actor: User, network: Network, data: GoalInput) -> SchoolGoal:
    """The coordinator's shared goal; every school of the network gets a draft copy to approve."""
    data, areas = _validated(data)
    template = SchoolGoal(kind="core", network=network, academic_year_be=int(data.academic_year_be),
                          statement=data.statement.strip(), context_needs=clean_text(data.context_needs),
                          indicator=clean_text(data.indicator), target=clean_text(data.target), focus_areas=areas,
                          status=GoalStatus.APPROVED, approved_by_id=actor.id, approved_at=utcnow(), created_by_id=actor.id)
    db.session.add(template)
    db.session.flush()
    for school in network.schools:
        db.session.add(SchoolGoal(kind="core", school=school, network=network, parent=template,
                                  academic_year_be=template.academic_year_be, statement=template.statement,
                                  context_needs=template.context_needs, indicator=template.indicator,
                                  target=template.target, focus_areas=list(areas), created_by_id=actor.id))
    db.session.flush()
    audit.record("goal.core_published", actor, template, network_id=network.id, schools=len(network.schools))
    return template


TRANSITIONS = {"approve": (GoalStatus.DRAFT, GoalStatus.APPROVED),
               "achieve": (GoalStatus.APPROVED, GoalStatus.ACHIEVED),
               "carry_over": (GoalStatus.APPROVED, GoalStatus.CARRIED_OVER),
               "reopen": (GoalStatus.APPROVED, GoalStatus.DRAFT)}


def transition(actor: User, goal: SchoolGoal, action: str) -> SchoolGoal | None:
    """Moves the goal along draft → approved → achieved / carried over. Carrying over returns the
    new draft for the next academic year."""
    if action not in TRANSITIONS or goal.is_template:
        raise GoalError({"action": [_("This change is not possible.")]})
    source, target = TRANSITIONS[action]
    if goal.status != source:
        raise GoalError({"status": [_("This goal is not in a state that allows this change.")]})
    goal.status = target
    follow_up = None
    if action == "approve":
        goal.approved_by_id, goal.approved_at = actor.id, utcnow()
    elif action == "reopen":
        goal.approved_by_id, goal.approved_at = None, None
    elif action == "carry_over":
        follow_up = SchoolGoal(kind=goal.kind, school_id=goal.school_id, network_id=goal.network_id,
                               parent_id=goal.parent_id, carried_from_id=goal.id,
                               academic_year_be=goal.academic_year_be + 1, statement=goal.statement,
                               context_needs=goal.context_needs, indicator=goal.indicator, target=goal.target,
                               focus_areas=list(goal.focus_areas), created_by_id=actor.id)
        db.session.add(follow_up)
    db.session.flush()
    audit.record(f"goal.{action}", actor, goal)
    return follow_up


@dataclass
class CoverageRow:
    school: School
    goals: int
    approved: int
    achieved: int
    core_status: dict[int, str | None]
    cycles: int


def coverage(network: Network, year: int) -> tuple[list[SchoolGoal], list[CoverageRow]]:
    """Per school of the network: its goals this year, the status of each core goal, and how many
    PLC cycles serve its goals."""
    templates = list(db.session.scalars(select(SchoolGoal).where(
        SchoolGoal.network_id == network.id, SchoolGoal.school_id.is_(None), SchoolGoal.academic_year_be == year)))
    school_ids = [s.id for s in network.schools]
    goals = list(db.session.scalars(select(SchoolGoal).where(
        SchoolGoal.school_id.in_(school_ids), SchoolGoal.academic_year_be == year)))
    cycle_counts = dict(db.session.execute(
        select(SchoolGoal.school_id, func.count(func.distinct(cycle_goal.c.cycle_id)))
        .join(cycle_goal, cycle_goal.c.goal_id == SchoolGoal.id)
        .where(SchoolGoal.school_id.in_(school_ids), SchoolGoal.academic_year_be == year)
        .group_by(SchoolGoal.school_id)).all())
    rows = []
    for school in network.schools:
        own = [g for g in goals if g.school_id == school.id]
        rows.append(CoverageRow(
            school=school, goals=len(own),
            approved=sum(g.status == GoalStatus.APPROVED for g in own),
            achieved=sum(g.status == GoalStatus.ACHIEVED for g in own),
            core_status={t.id: next((g.status for g in own if g.parent_id == t.id), None) for t in templates},
            cycles=cycle_counts.get(school.id, 0)))
    return templates, rows
