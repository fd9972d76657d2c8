"""Every permission rule of the platform, in one place.

Views, the API, socket handlers and templates ask here; nothing else decides who may see or do
what. Two kinds of answer:

* predicates ``can_*(user, obj) -> bool``;
* query scoping ``visible_*_ids(user)`` (``None`` means "all", for admins) used inside queries so
  that lists, searches and exports never contain another tenant's rows.

An object the user may not see answers 404 (``deny_unseen``), so its existence does not leak; an
object the user may see but not change answers 403 (``deny_forbidden``). Both are audited.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, g, has_request_context
from sqlalchemy import bindparam, or_, select

from plc import audit
from plc.database import execute_core
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import (
    AreaOffice,
    Circle,
    CircleMember,
    CoachingVisit,
    Cycle,
    Innovation,
    LessonPlan,
    Membership,
    Network,
    Reflection,
    Role,
    School,
    User,
)
from plc.models.live_sessions import LiveSession, SessionGuest
from plc.models.org import network_school
from plc.models.users import ROLE_SCOPES

NETWORK_STAFF = {Role.COORDINATOR, Role.COACH, Role.SUPERVISOR}
AREA_STAFF = {Role.AREA_VIEWER, Role.SUPERVISOR}


# ---------------------------------------------------------------------------- memberships


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _memberships(user) -> list[Membership]:
    if not _authenticated(user):
        return []
    # Cached per request: authorization is asked many times while one page renders.
    cache = g.setdefault("_plc_memberships", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = user.current_memberships()
    return cache[user.id]


def forget_cached_memberships() -> None:
    if has_request_context():
        g.pop("_plc_memberships", None)
        g.pop("_plc_circles", None)
        g.pop("_plc_org", None)


def is_admin(user) -> bool:
    return any(m.role == Role.ADMIN for m in _memberships(user))


def _ids(user, attr: str, roles: Iterable[Role] | None = None) -> set[int]:
    wanted = set(roles) if roles is not None else None
    return {
        getattr(m, attr)
        for m in _memberships(user)
        if getattr(m, attr) is not None and (wanted is None or Role(m.role) in wanted)
    }


def member_school_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "school_id", roles)


def member_network_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "network_id", roles)


def member_area_office_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "area_office_id", roles)


def _org_lookup(kind: str, ids: Iterable[int], statement) -> set[int]:
    """The union of what ``statement`` (key, value rows for the keys in :keys) maps ``ids`` to.

    Cached per request and per id, like the memberships: the organisation (which schools are in
    which network, which office a school belongs to) does not change while a page renders, and
    permission rules ask the same question for every row of a list. Only ids not asked before in
    this request are looked up, so the number of statements follows the user's scopes, not the rows."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    cache = g.setdefault("_plc_org", {}).setdefault(kind, {}) if has_request_context() else {}
    missing = ids - cache.keys()
    if missing:
        found: dict[int, set[int]] = {i: set() for i in missing}
        for key, value in db.session.execute(statement, {"keys": sorted(missing)}):
            found[key].add(value)
        cache.update({key: frozenset(values) for key, values in found.items()})
    return set().union(*(cache[i] for i in ids))


@functools.cache
def _org_statements() -> dict[str, object]:
    keys = bindparam("keys", expanding=True)
    return {
        "schools_of_network": select(network_school.c.network_id, network_school.c.school_id)
        .where(network_school.c.network_id.in_(keys)),
        "networks_of_school": select(network_school.c.school_id, network_school.c.network_id)
        .where(network_school.c.school_id.in_(keys)),
        "schools_of_area_office": select(School.area_office_id, School.id).where(School.area_office_id.in_(keys)),
    }


def school_ids_of_networks(network_ids: set[int]) -> set[int]:
    return _org_lookup("schools_of_network", network_ids, _org_statements()["schools_of_network"])


def network_ids_of_schools(school_ids: set[int]) -> set[int]:
    return _org_lookup("networks_of_school", school_ids, _org_statements()["networks_of_school"])


def _school_ids_of_area_offices(area_office_ids: set[int]) -> set[int]:
    return _org_lookup("schools_of_area_office", area_office_ids, _org_statements()["schools_of_area_office"])


# ---------------------------------------------------------------------------- scoping


def visible_network_ids(user) -> set[int] | None:
    """Networks the user belongs to directly, through one of their schools, or through the schools
    of their area office."""
    if is_admin(user):
        return None
    area_schools = _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    return member_network_ids(user) | network_ids_of_schools(member_school_ids(user) | area_schools)


def visible_school_ids(user) -> set[int] | None:
    """The user's own schools, the schools of their networks and of their area office."""
    if is_admin(user):
        return None
    network_ids = visible_network_ids(user) or set()
    return (
        member_school_ids(user)
        | school_ids_of_networks(network_ids)
        | _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    )


def school_ids_with_visible_members(user) -> set[int] | None:
    """Schools whose staff list the user may read: colleagues in their own school; network
    staff (coordinator, coach, supervisor) across their networks' schools; area staff across
    the area office."""
    if is_admin(user):
        return None
    return (
        member_school_ids(user)
        | school_ids_of_networks(member_network_ids(user, NETWORK_STAFF))
        | _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    )


def managed_school_ids(user) -> set[int] | None:
    if is_admin(user):
        return None
    return member_school_ids(user, {Role.DIRECTOR}) | school_ids_of_networks(
        member_network_ids(user, {Role.COORDINATOR})
    )


def managed_network_ids(user) -> set[int] | None:
    if is_admin(user):
        return None
    return member_network_ids(user, {Role.COORDINATOR})


def _within(ids: set[int] | None, object_id: int) -> bool:
    return ids is None or object_id in ids


def scope_filter(column, ids: set[int] | None):
    """A WHERE clause restricting ``column`` to ``ids`` (no restriction for admins)."""
    if ids is None:
        return True
    return column.in_(ids) if ids else False


# ---------------------------------------------------------------------------- predicates


def can_view_network(user, network: Network) -> bool:
    return _authenticated(user) and _within(visible_network_ids(user), network.id)


def can_manage_network(user, network: Network) -> bool:
    return _authenticated(user) and _within(managed_network_ids(user), network.id)


def can_view_school(user, school: School) -> bool:
    return _authenticated(user) and _within(visible_school_ids(user), school.id)


def can_view_school_members(user, school: School) -> bool:
    return _authenticated(user) and _within(school_ids_with_visible_members(user), school.id)


def can_manage_school(user, school: School) -> bool:
    return _authenticated(user) and _within(managed_school_ids(user), school.id)


def can_view_area_office(user, area_office: AreaOffice) -> bool:
    return is_admin(user) or area_office.id in member_area_office_ids(user)


def can_view_user(user, other: User) -> bool:
    if not _authenticated(user):
        return False
    if user.id == other.id or is_admin(user):
        return True
    network_ids = visible_network_ids(user) or set()
    member_school_scope = school_ids_with_visible_members(user) or set()
    for membership in other.current_memberships():
        if membership.school_id is not None and membership.school_id in member_school_scope:
            return True
        if membership.network_id is not None and membership.network_id in network_ids:
            return True
        if membership.area_office_id is not None and membership.area_office_id in member_area_office_ids(user):
            return True
    return _in_managed_scope(user, other, include_past=True)


def _in_managed_scope(user, other: User, *, include_past: bool) -> bool:
    """Whether any of ``other``'s memberships (past ones too, if asked) lies in a school or network
    the user manages: a director still sees, and can re-add, a teacher whose role there ended."""
    schools = managed_school_ids(user) or set()
    networks = managed_network_ids(user) or set()
    memberships = other.memberships if include_past else other.current_memberships()
    return any(
        (m.school_id is not None and m.school_id in schools)
        or (m.network_id is not None and m.network_id in networks)
        for m in memberships
    )


def can_manage_user(user, other: User) -> bool:
    """Directors manage their school's staff, coordinators the people of their networks and of
    the networks' schools; nobody but an admin manages an admin; nobody manages themselves here."""
    if not _authenticated(user) or user.id == other.id:
        return False
    if is_admin(user):
        return True
    if Role.ADMIN in other.roles():
        return False
    return _in_managed_scope(user, other, include_past=True)


def grantable_roles(user, scope) -> set[Role]:
    """Roles the user may grant (and end) in ``scope`` (a School, Network, AreaOffice or None for
    global)."""
    if not _authenticated(user):
        return set()
    kind = {School: "school", Network: "network", AreaOffice: "area_office"}.get(type(scope), "global")
    allowed_here = {role for role, kinds in ROLE_SCOPES.items() if kind in kinds}
    if is_admin(user):
        return allowed_here
    if isinstance(scope, School):
        granted: set[Role] = set()
        if scope.id in member_school_ids(user, {Role.DIRECTOR}):
            granted |= {Role.TEACHER, Role.COACH}
        coordinated = member_network_ids(user, {Role.COORDINATOR})
        # The school is in a network the user coordinates (asked once per request, not per school).
        if coordinated and scope.id in school_ids_of_networks(coordinated):
            granted |= {Role.TEACHER, Role.COACH, Role.DIRECTOR}
        return granted & allowed_here
    if isinstance(scope, Network) and scope.id in member_network_ids(user, {Role.COORDINATOR}):
        return {Role.COACH, Role.SUPERVISOR, Role.COORDINATOR} & allowed_here
    return set()


def can_grant(user, scope, role: Role | str) -> bool:
    try:
        return Role(role) in grantable_roles(user, scope)
    except ValueError:
        return False


def can_end_membership(user, membership: Membership) -> bool:
    if not _authenticated(user) or membership.user_id == user.id or membership.ends_on is not None:
        return False
    return can_grant(user, membership.scope, membership.role)


def can_invite(user) -> bool:
    """Whether the user manages any scope in which people can be invited."""
    if is_admin(user):
        return True
    return bool(managed_school_ids(user) or managed_network_ids(user))


def can_disable_user(user, other: User) -> bool:
    return can_manage_user(user, other)


def can_view_audit_log(user) -> bool:
    return is_admin(user)


# ---------------------------------------------------------------------------- refusals


def _audit_denial(user, action: str, target, status: int) -> None:
    if target is None:  # nothing to protect: the object does not exist
        return

    db.session.rollback()
    audit.record("authz.denied", user if _authenticated(user) else None, target,
                 attempted=action, status=status)
    db.session.commit()


def deny_unseen(user, action: str, target=None):
    """404: the object does not exist for this user."""
    _audit_denial(user, action, target, 404)
    abort(404)


def deny_forbidden(user, action: str, target=None):
    """403: the user can see the object but may not do this to it."""
    _audit_denial(user, action, target, 403)
    abort(403)


def require_view(user, allowed: bool, action: str, target) -> None:
    if not allowed:
        deny_unseen(user, action, target)


def require_manage(user, can_see: bool, can_do: bool, action: str, target) -> None:
    if not can_see:
        deny_unseen(user, action, target)
    if not can_do:
        deny_forbidden(user, action, target)


def template_helpers() -> dict:
    """Predicates exposed to templates so they show only what the user may do."""
    return {
        "can_view_network": can_view_network,
        "can_manage_network": can_manage_network,
        "can_view_school": can_view_school,
        "can_view_school_members": can_view_school_members,
        "can_manage_school": can_manage_school,
        "can_view_user": can_view_user,
        "can_manage_user": can_manage_user,
        "can_end_membership": can_end_membership,
        "can_invite": can_invite,
        "can_disable_user": can_disable_user,
        "can_view_audit_log": can_view_audit_log,
        "is_admin": is_admin,
        "can_view_circle": can_view_circle,
        "can_manage_circle": can_manage_circle,
        "can_work_in_circle": can_work_in_circle,
        "can_create_circle": can_create_circle,
        "can_view_cycle": can_view_cycle,
        "can_work_on_cycle": can_work_on_cycle,
        "can_view_goal": can_view_goal,
        "can_draft_goal": can_draft_goal,
        "can_edit_goal": can_edit_goal,
        "can_approve_goal": can_approve_goal,
        "can_publish_core_goal": can_publish_core_goal,
        "can_view_goal_coverage": can_view_goal_coverage,
        "can_view_innovation": can_view_innovation,
        "can_create_innovation": can_create_innovation,
        "can_edit_innovation": can_edit_innovation,
        "can_read_reflection": can_read_reflection,
        "can_edit_reflection": can_edit_reflection,
        "can_give_feedback": can_give_feedback,
        "can_count_reflections": can_count_reflections,
        "can_view_reflection_overview": can_view_reflection_overview,
        "can_plan_visits": can_plan_visits,
        "can_use_coaching": can_use_coaching,
        "can_view_visit": can_view_visit,
        "can_edit_visit": can_edit_visit,
        "can_record_visit": can_record_visit,
        "can_view_visit_coverage": can_view_visit_coverage,
        "can_view_ledger": can_view_ledger,
        "can_use_dashboards": can_use_dashboards,
        "can_view_network_dashboard": can_view_network_dashboard,
        "can_view_school_dashboard": can_view_school_dashboard,
        "can_view_area_dashboard": can_view_area_dashboard,
    }


# ---------------------------------------------------------------------------- PLC work
# Circles and cycles: members work in their circles; facilitators manage them; directors see
# their school's circles; coordinators their networks'; everyone else gets 404.

WORKING_ROLES = {Role.TEACHER, Role.COACH, Role.DIRECTOR}


def _circle_roles(user) -> dict[int, str]:
    """{circle id: 'member' | 'facilitator'} for the user's current circle memberships."""
    if not _authenticated(user):
        return {}
    cache = g.setdefault("_plc_circles", {}) if has_request_context() else {}
    if user.id not in cache:
        rows = db.session.execute(_current_memberships_statement(), {"user_id": user.id, "today": bangkok_today()})
        cache[user.id] = {circle_id: role for circle_id, role in rows}
    return cache[user.id]


@functools.cache
def _current_memberships_statement():
    """Built once: asked on most pages."""

    return select(CircleMember.circle_id, CircleMember.role).where(
        CircleMember.user_id == bindparam("user_id"), CircleMember.current_clause(bindparam("today")))


def _current_circle_ids(user) -> set[int]:
    return set(_circle_roles(user))


def _facilitated_circle_ids(user) -> set[int]:
    return {circle_id for circle_id, role in _circle_roles(user).items() if role == "facilitator"}


def visible_circles_clause(user):
    """WHERE clause for circles the user may see."""

    if is_admin(user):
        return True
    if not _authenticated(user):
        return False
    return or_(
        scope_filter(Circle.school_id, school_ids_with_visible_members(user)),
        scope_filter(Circle.network_id, visible_network_ids(user)),
        scope_filter(Circle.id, _current_circle_ids(user)),
    )


def can_view_circle(user, circle) -> bool:
    if not _authenticated(user):
        return False
    if is_admin(user) or circle.id in _current_circle_ids(user):
        return True
    if circle.school_id is not None:
        return circle.school_id in (school_ids_with_visible_members(user) or set())
    return circle.network_id in (visible_network_ids(user) or set())


def can_manage_circle(user, circle) -> bool:
    if not _authenticated(user):
        return False
    if is_admin(user) or circle.id in _facilitated_circle_ids(user):
        return True
    if circle.school_id is not None:
        return circle.school_id in (managed_school_ids(user) or set())
    return circle.network_id in (managed_network_ids(user) or set())


def can_work_in_circle(user, circle) -> bool:
    """Start cycles, record meetings, checkpoints and outcomes."""
    return _authenticated(user) and (circle.id in _current_circle_ids(user) or can_manage_circle(user, circle))


def can_create_circle(user, scope) -> bool:
    if not _authenticated(user):
        return False
    if is_admin(user):
        return True
    if isinstance(scope, School):
        return scope.id in member_school_ids(user, WORKING_ROLES) or scope.id in (managed_school_ids(user) or set())
    if isinstance(scope, Network):
        return scope.id in member_network_ids(user, NETWORK_STAFF)
    return False


def can_join_circle(user, circle) -> bool:
    """Who may be added as a member: staff of the circle's school, or of any school of the network
    (network circles take teachers from every school), plus the network's coaches and supervisors."""
    if not _authenticated(user):
        return False
    if circle.school_id is not None:
        schools = {circle.school_id}
        networks = {n.id for n in circle.school.networks}
    else:
        schools = {s.id for s in circle.network.schools}
        networks = {circle.network_id}
    return bool(member_school_ids(user, WORKING_ROLES) & schools or member_network_ids(user, NETWORK_STAFF) & networks)


def can_view_cycle(user, cycle) -> bool:
    return can_view_circle(user, cycle.circle)


def can_work_on_cycle(user, cycle) -> bool:
    return can_work_in_circle(user, cycle.circle)


# ---------------------------------------------------------------------------- goals


def can_view_goal(user, goal) -> bool:
    if goal.school_id is not None:
        return can_view_school(user, goal.school)
    return can_view_network(user, goal.network)


def can_draft_goal(user, school: School) -> bool:
    return _authenticated(user) and (
        school.id in member_school_ids(user, WORKING_ROLES) or can_manage_school(user, school))


def can_edit_goal(user, goal) -> bool:
    if goal.school_id is None:
        return can_manage_network(user, goal.network)
    return goal.status == "draft" and (
        (goal.created_by_id == user.id and can_draft_goal(user, goal.school)) or can_manage_school(user, goal.school))


def can_approve_goal(user, goal) -> bool:
    """The school's director decides on its goals (admins too)."""
    if goal.school_id is None or not _authenticated(user):
        return False
    return is_admin(user) or goal.school_id in member_school_ids(user, {Role.DIRECTOR})


def can_publish_core_goal(user, network: Network) -> bool:
    return can_manage_network(user, network)


def can_view_goal_coverage(user, network: Network) -> bool:
    return _authenticated(user) and (is_admin(user) or network.id in member_network_ids(user, NETWORK_STAFF))


# ---------------------------------------------------------------------------- innovations


def can_view_innovation(user, innovation) -> bool:
    if not _authenticated(user):
        return False
    if innovation.visibility == "public" or is_admin(user):
        return True
    networks = visible_network_ids(user) or set()
    if innovation.owner_school_id is not None:
        if innovation.owner_school_id in member_school_ids(user) | (school_ids_with_visible_members(user) or set()):
            return True
        # Shared with the network: the owner school is in one of the user's networks (asked of the
        # user's networks once per request, not of each innovation's school).
        return innovation.visibility == "network" and innovation.owner_school_id in school_ids_of_networks(networks)
    return innovation.visibility == "network" and innovation.owner_network_id in networks


def visible_innovations_clause(user):
    """SQL twin of ``can_view_innovation``: public models, plus those shared within the user's schools
    or networks."""
    if is_admin(user):
        return True
    if not _authenticated(user):
        return False
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    networks = visible_network_ids(user) or set()
    return or_(
        Innovation.visibility == "public",
        Innovation.owner_school_id.in_(schools) if schools else False,
        (Innovation.visibility == "network") & (
            Innovation.owner_network_id.in_(networks) if networks else False),
        (Innovation.visibility == "network") & Innovation.owner_school_id.in_(
            select(School.id).where(School.networks.any(Network.id.in_(networks)))) if networks else False,
    )


def can_create_innovation(user, owner) -> bool:
    if isinstance(owner, School):
        return can_draft_goal(user, owner)
    if isinstance(owner, Network):
        return _authenticated(user) and (is_admin(user) or owner.id in member_network_ids(user, NETWORK_STAFF))
    return is_admin(user)


def can_edit_innovation(user, innovation) -> bool:
    if not _authenticated(user):
        return False
    if is_admin(user):
        return True
    if innovation.owner_school_id is not None:
        return innovation.owner_school_id in member_school_ids(user, {Role.DIRECTOR}) or (
            innovation.created_by_id == user.id and innovation.owner_school_id in member_school_ids(user))
    if innovation.owner_network_id is not None:
        return innovation.owner_network_id in member_network_ids(user, {Role.COORDINATOR}) or (
            innovation.created_by_id == user.id and innovation.owner_network_id in member_network_ids(user))
    return False


# ---------------------------------------------------------------------------- lesson plans
# Visibility tiers: private (author), circle (the plan's circle), school (author's school staff),
# network (everyone in the school's networks), public (everyone logged in; showcase).


def visible_plans_clause(user):
    """SQL twin of ``can_view_plan``."""
    if is_admin(user):
        return True
    if not _authenticated(user):
        return False
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    networks = visible_network_ids(user) or set()
    circles = _current_circle_ids(user)
    network_schools = select(network_school.c.school_id).where(network_school.c.network_id.in_(networks))
    return or_(
        LessonPlan.author_id == user.id,
        LessonPlan.visibility == "public",
        (LessonPlan.visibility == "circle") & scope_filter(LessonPlan.circle_id, circles),
        LessonPlan.visibility.in_(("school", "network")) & scope_filter(LessonPlan.school_id, schools),
        (LessonPlan.visibility == "network") & LessonPlan.school_id.in_(network_schools),
    )


def can_view_plan(user, plan) -> bool:
    if not _authenticated(user) or plan.deleted_at is not None:
        return False
    if is_admin(user) or plan.author_id == user.id or plan.visibility == "public":
        return True
    if plan.visibility == "circle":
        return plan.circle_id in _current_circle_ids(user)
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    if plan.visibility in ("school", "network") and plan.school_id in schools:
        return True
    if plan.visibility == "network" and plan.school_id is not None:
        # The plan's school is in one of the user's networks (as visible_plans_clause asks it).
        return plan.school_id in school_ids_of_networks(visible_network_ids(user) or set())
    return False


def can_edit_plan(user, plan) -> bool:
    """The author writes the plan; colleagues comment or fork it."""
    return _authenticated(user) and plan.deleted_at is None and (plan.author_id == user.id or is_admin(user))


def can_comment_plan(user, plan) -> bool:
    return can_view_plan(user, plan)


def can_fork_plan(user, plan) -> bool:
    return can_view_plan(user, plan)


def can_showcase_plan(user, plan) -> bool:
    """Coordinators mark good practice (วิธีปฏิบัติที่ดี) from their networks' schools."""
    if not can_view_plan(user, plan):
        return False
    if is_admin(user):
        return True
    return plan.school_id is not None and plan.school_id in school_ids_of_networks(
        member_network_ids(user, {Role.COORDINATOR}))


# ---------------------------------------------------------------------------- reflections
# Reflection text is private by default; "pair" adds the coach–teacher partner, "circle" the
# members of the cycle's circle. Directors and coordinators see only that reflections exist.


def visible_reflections_clause(user):
    """SQL twin of ``can_read_reflection``."""
    if not _authenticated(user):
        return False
    circles = _current_circle_ids(user)
    circle_cycles = select(Cycle.id).where(Cycle.circle_id.in_(circles)) if circles else None
    return or_(
        Reflection.author_id == user.id,
        (Reflection.partner_id == user.id) & Reflection.visibility.in_(("pair", "circle"))
        & (Reflection.status == "shared"),
        (Reflection.visibility == "circle") & (Reflection.status == "shared")
        & (Reflection.cycle_id.in_(circle_cycles) if circle_cycles is not None else False),
    )


def can_read_reflection(user, reflection) -> bool:
    if not _authenticated(user):
        return False
    if reflection.author_id == user.id:
        return True
    if reflection.status != "shared":
        return False
    if reflection.visibility in ("pair", "circle") and reflection.partner_id == user.id:
        return True
    return reflection.visibility == "circle" and reflection.cycle.circle_id in _current_circle_ids(user)


def can_edit_reflection(user, reflection) -> bool:
    return _authenticated(user) and reflection.author_id == user.id


def can_give_feedback(user, reflection) -> bool:
    return can_read_reflection(user, reflection)


def can_count_reflections(user, cycle) -> bool:
    """Who sees how many reflections a cycle has (never their text): anyone who sees the cycle."""
    return can_view_cycle(user, cycle)


def can_view_reflection_overview(user) -> bool:
    """The counts-only summary of reflections per school: network staff (as for goal coverage) and
    those who manage a school (directors, coordinators)."""
    return _authenticated(user) and (is_admin(user) or bool(member_network_ids(user, NETWORK_STAFF))
                                     or bool(managed_school_ids(user)))


# ---------------------------------------------------------------------------- coaching visits


def can_coach(user, teacher, school) -> bool:
    """Coaches and supervisors visit teachers of their school or of their networks' schools."""
    if not _authenticated(user) or teacher.id == user.id:
        return False
    if school.id not in {m.school_id for m in teacher.current_memberships() if m.school_id}:
        return False
    if is_admin(user):
        return True
    coaching_schools = member_school_ids(user, {Role.COACH, Role.DIRECTOR}) | school_ids_of_networks(
        member_network_ids(user, {Role.COACH, Role.SUPERVISOR}))
    area = member_area_office_ids(user, {Role.SUPERVISOR})
    return school.id in coaching_schools or school.area_office_id in area


def visible_visits_clause(user):
    """WHERE clause for the visits the user may see (the same rule as ``can_view_visit``): their own
    as coach or teacher, and those at schools they manage."""

    if is_admin(user):
        return True
    if not _authenticated(user):
        return False
    return or_(CoachingVisit.coach_id == user.id, CoachingVisit.teacher_id == user.id,
               scope_filter(CoachingVisit.school_id, managed_school_ids(user)))


def can_view_visit(user, visit) -> bool:
    if not _authenticated(user):
        return False
    return user.id in (visit.coach_id, visit.teacher_id) or is_admin(user) or visit.school_id in (
        managed_school_ids(user) or set())


def can_edit_visit(user, visit) -> bool:
    return _authenticated(user) and user.id in (visit.coach_id, visit.teacher_id)


def can_view_visit_coverage(user, school) -> bool:
    return _authenticated(user) and (can_manage_school(user, school) or school.id in (
        school_ids_of_networks(member_network_ids(user, {Role.COACH, Role.SUPERVISOR}))))


# ---------------------------------------------------------------------------- live sessions
# The circle's current members, invited guests and the host attend; whoever may see the circle
# may read the record afterwards; the host and the circle's managers run the session.


def _is_guest(user, session) -> bool:
    return any(guest.user_id == user.id for guest in session.guests)


def can_view_session(user, session) -> bool:
    return _authenticated(user) and (can_view_circle(user, session.circle) or _is_guest(user, session))


@dataclass
class SessionAccess:
    """Whether one user attends one live session, read in one statement (``session_access``): the
    chat asks it on every event. The host, the circle's current members and invited guests attend
    directly; the circle's managers attend and host too, which takes the circle rule
    (``can_manage_circle``) and is asked only when the direct answer does not settle it."""

    user: User
    session_id: int
    circle_id: int
    host_id: int
    direct: bool

    @functools.cached_property
    def may_host(self) -> bool:
        return _hosts(self.user, self.host_id, load_circle=lambda: db.session.get(Circle, self.circle_id))

    @property
    def may_attend(self) -> bool:
        return self.direct or self.may_host


@functools.cache
def _session_access_statement():
    user_id = bindparam("user_id")
    member = select(CircleMember.id).where(CircleMember.circle_id == LiveSession.circle_id,
                                           CircleMember.user_id == user_id,
                                           CircleMember.current_clause(bindparam("today"))).exists()
    guest = select(SessionGuest.id).where(SessionGuest.session_id == LiveSession.id,
                                          SessionGuest.user_id == user_id).exists()
    return select(LiveSession.id, LiveSession.circle_id, LiveSession.host_id,
                  or_(LiveSession.host_id == user_id, member, guest).label("direct")).where(
        LiveSession.id == bindparam("session_id"))


def session_access(user, session_id: int | None) -> SessionAccess | None:
    """``None`` when the session does not exist or the user may not attend it."""
    if not _authenticated(user) or session_id is None:
        return None
    row = execute_core(_session_access_statement(), {"user_id": user.id, "session_id": session_id,
                                                          "today": bangkok_today()}).one_or_none()
    if row is None:
        return None
    access = SessionAccess(user=user, session_id=row.id, circle_id=row.circle_id, host_id=row.host_id,
                           direct=bool(row.direct))
    return access if access.may_attend else None


def can_attend_session(user, session) -> bool:
    """Asks the database (``session_access``), not the loaded object: the session must be stored."""
    return session_access(user, session.id) is not None


def _hosts(user, host_id: int, *, load_circle) -> bool:
    """The host, and whoever manages the circle (loaded only when the host is someone else)."""
    return host_id == user.id or can_manage_circle(user, load_circle())


def can_host_session(user, session) -> bool:
    return _authenticated(user) and _hosts(user, session.host_id, load_circle=lambda: session.circle)


def can_schedule_session(user, circle) -> bool:
    """Facilitators and managers of the circle, and coaches or supervisors who are in it."""
    if can_manage_circle(user, circle):
        return True
    coaching = {Role.COACH, Role.SUPERVISOR}
    return circle.id in _current_circle_ids(user) and any(Role(m.role) in coaching for m in _memberships(user))


def can_view_ledger(user, teacher) -> bool:
    """A teacher's PLC-hours ledger: the teacher, and those who manage them."""
    return _authenticated(user) and (user.id == teacher.id or can_manage_user(user, teacher))


COACHING_ROLES = {Role.COACH, Role.SUPERVISOR, Role.DIRECTOR}


def can_plan_visits(user) -> bool:
    """Whether the user holds a role that coaches anyone (the teacher still has to pass can_coach)."""
    return _authenticated(user) and (is_admin(user) or any(Role(m.role) in COACHING_ROLES
                                                           for m in _memberships(user)))


def can_use_coaching(user) -> bool:
    """Whom the main menu offers the coaching pages: those who coach or oversee visits, and
    teachers who have been visited."""

    if not _authenticated(user):
        return False
    if is_admin(user) or any(Role(m.role) in COACHING_ROLES | {Role.COORDINATOR} for m in _memberships(user)):
        return True
    return db.session.scalar(select(CoachingVisit.id).where(CoachingVisit.teacher_id == user.id).limit(1)) is not None


def can_record_visit(user, visit) -> bool:
    """The coach records the observation and the synthesis."""
    return _authenticated(user) and user.id == visit.coach_id


def can_write_synthesis(user, teacher) -> bool:
    """A coach writes a synthesis about a teacher they may coach in one of the teacher's schools."""
    if not _authenticated(user) or teacher is None:
        return False
    return any(can_coach(user, teacher, m.school) for m in teacher.current_memberships() if m.school_id)


# ---------------------------------------------------------------------------- dashboards
# Coordinators, coaches and supervisors of a network, directors of a school, area-office staff and
# programme admins read participation figures. Everyone of them sees counts and aggregates; teachers
# are named only in the schools the viewer manages (``dashboard_named_school_ids``). Reflection text
# never appears on a dashboard.


def can_view_network_dashboard(user, network: Network) -> bool:
    return _authenticated(user) and (is_admin(user) or network.id in member_network_ids(user, NETWORK_STAFF))


def can_view_school_dashboard(user, school: School) -> bool:
    if not _authenticated(user):
        return False
    if is_admin(user) or school.id in member_school_ids(user, {Role.DIRECTOR}):
        return True
    if school.id in school_ids_of_networks(member_network_ids(user, NETWORK_STAFF)):
        return True
    return school.area_office_id is not None and school.area_office_id in member_area_office_ids(user, AREA_STAFF)


def can_view_area_dashboard(user, area_office: AreaOffice) -> bool:
    return _authenticated(user) and (is_admin(user) or area_office.id in member_area_office_ids(user, AREA_STAFF))


def can_view_programme_dashboard(user) -> bool:
    return is_admin(user)


def dashboard_named_school_ids(user) -> set[int] | None:
    """Schools whose teachers a dashboard may name for this user: those the user manages (a
    director's school, a coordinator's networks' schools; every school for an admin, ``None``)."""
    return managed_school_ids(user) if _authenticated(user) else set()


def dashboards_of(user) -> dict[str, list]:
    """The dashboards the user may open, for the menu and the index page."""
    if not _authenticated(user):
        return {"programme": False, "networks": [], "schools": [], "area_offices": []}
    admin = is_admin(user)
    networks = member_network_ids(user, NETWORK_STAFF)
    schools = member_school_ids(user, {Role.DIRECTOR})
    area_offices = member_area_office_ids(user, AREA_STAFF)
    return {
        "programme": admin,
        "networks": list(db.session.scalars(select(Network).where(Network.id.in_(networks)).order_by(Network.name_th)))
        if networks else [],
        "schools": list(db.session.scalars(select(School).where(School.id.in_(schools)).order_by(School.name_th)))
        if schools else [],
        "area_offices": list(db.session.scalars(select(AreaOffice).where(AreaOffice.id.in_(area_offices))
                                                .order_by(AreaOffice.name_th))) if area_offices else [],
    }


def can_use_dashboards(user) -> bool:
    return _authenticated(user) and (is_admin(user) or bool(
        member_network_ids(user, NETWORK_STAFF) or member_school_ids(user, {Role.DIRECTOR})
        or member_area_office_ids(user, AREA_STAFF)))


def access_dashboard(user, kind: str, object_id: int | None = None):
    """Loads the subject of a dashboard (a Network, School or AreaOffice; None for the programme)
    and checks that the user may read it, for the pages, their downloads and the API alike: a
    subject the user cannot see answers 404, one they see but may not review, 403 (audited)."""
    action = f"dashboard.{kind}"
    if kind == "programme":
        if not can_view_programme_dashboard(user):
            deny_unseen(user, action)
        return None
    model, may_see, may_review = {
        "network": (Network, can_view_network, can_view_network_dashboard),
        "school": (School, can_view_school, can_view_school_dashboard),
        "area_office": (AreaOffice, can_view_area_office, can_view_area_dashboard),
    }[kind]
    subject = db.session.get(model, object_id) if object_id is not None else None
    if subject is None:
        deny_unseen(user, action)
    require_manage(user, may_see(user, subject), may_review(user, subject), action, subject)
    return subject
