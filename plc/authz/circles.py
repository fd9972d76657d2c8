"""PLC circles and their cycles."""

from __future__ import annotations

import functools

from flask import g, has_request_context
from sqlalchemy import bindparam, or_, select

from plc.authz.base import (
    NETWORK_STAFF,
    WORKING_ROLES,
    access,
    is_admin,
    is_signed_in,
    managed_network_ids,
    managed_school_ids,
    member_network_ids,
    member_school_ids,
    school_ids_with_visible_members,
    scope_filter,
    visible_network_ids,
)
from plc.authz.people import can_view_network, can_view_school
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import Circle, CircleMember, Cycle, Membership, Network, School, User

# Circles and cycles: members work in their circles; facilitators manage them; directors see
# their school's circles; coordinators their networks'; everyone else gets 404.

def _circle_roles(user) -> dict[int, str]:
    """{circle id: 'member' | 'facilitator'} for the user's current circle memberships."""
    if not is_signed_in(user):
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


def current_circle_ids(user) -> set[int]:
    return set(_circle_roles(user))


def facilitated_circle_ids(user) -> set[int]:
    return {circle_id for circle_id, role in _circle_roles(user).items() if role == "facilitator"}


def visible_circles_clause(user):
    """WHERE clause for circles the user may see."""

    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    return or_(
        scope_filter(Circle.school_id, school_ids_with_visible_members(user)),
        scope_filter(Circle.network_id, visible_network_ids(user)),
        scope_filter(Circle.id, current_circle_ids(user)),
    )


def can_view_circle(user, circle) -> bool:
    if not is_signed_in(user):
        return False
    if is_admin(user) or circle.id in current_circle_ids(user):
        return True
    if circle.school_id is not None:
        return circle.school_id in (school_ids_with_visible_members(user) or set())
    return circle.network_id in (visible_network_ids(user) or set())


def can_manage_circle(user, circle) -> bool:
    if not is_signed_in(user):
        return False
    if is_admin(user) or circle.id in facilitated_circle_ids(user):
        return True
    if circle.school_id is not None:
        return circle.school_id in (managed_school_ids(user) or set())
    return circle.network_id in (managed_network_ids(user) or set())


def can_work_in_circle(user, circle) -> bool:
    """Start cycles, record meetings, checkpoints and outcomes."""
    return is_signed_in(user) and (circle.id in current_circle_ids(user) or can_manage_circle(user, circle))


def can_create_circle(user, scope) -> bool:
    if not is_signed_in(user):
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
    if not is_signed_in(user):
        return False
    schools, networks = _joining_scope(circle)
    return bool(member_school_ids(user, WORKING_ROLES) & schools or member_network_ids(user, NETWORK_STAFF) & networks)


def _joining_scope(circle) -> tuple[set[int], set[int]]:
    """The schools whose staff, and the networks whose coaches and supervisors, may join ``circle``."""
    if circle.school_id is not None:
        return {circle.school_id}, {n.id for n in circle.school.networks}
    return {s.id for s in circle.network.schools}, {circle.network_id}


def circle_joiners_clause(circle):
    """SQL twin of ``can_join_circle``: the users who may be added to ``circle``."""
    schools, networks = _joining_scope(circle)
    joining = select(Membership.user_id).where(Membership.current_clause(), or_(
        Membership.school_id.in_(schools) & Membership.role.in_([r.value for r in WORKING_ROLES]),
        Membership.network_id.in_(networks) & Membership.role.in_([r.value for r in NETWORK_STAFF])))
    return User.id.in_(joining) & User.disabled_at.is_(None)


def can_view_cycle(user, cycle) -> bool:
    return can_view_circle(user, cycle.circle)


def can_work_on_cycle(user, cycle) -> bool:
    return can_work_in_circle(user, cycle.circle)


# ---------------------------------------------------------------------------- one way in

# What each action on a circle needs beyond seeing it; the action names are the audited ones.
CIRCLE_ACTIONS = {
    "circle.view": None,
    "circle.edit": can_manage_circle,
    "circle.add_member": can_manage_circle,
    "circle.remove_member": can_manage_circle,
    "circle.set_role": can_manage_circle,
    "circle.accept_norms": can_work_in_circle,
    "circle.record_meeting": can_work_in_circle,
    "cycle.create": can_work_in_circle,
}

CYCLE_ACTIONS = {
    "cycle.view": None,
    "cycle.advance": can_work_on_cycle,
    "cycle.checkpoint": can_work_on_cycle,
    "cycle.outcome": can_work_on_cycle,
    "cycle.close": can_work_on_cycle,
}


def access_circle(user, circle_id: int | None, action: str, *, options=()) -> Circle:
    """The circle, for the pages and the API alike: 404 unseen or missing, 403 seen but not allowed."""
    return access(user, Circle, circle_id, action, view=can_view_circle, do=CIRCLE_ACTIONS[action], options=options)


def access_cycle(user, cycle_id: int | None, action: str, *, options=()) -> Cycle:
    """The cycle, for the pages and the API alike. Whether a closed cycle may still change is the
    caller's to answer (409), after this."""
    return access(user, Cycle, cycle_id, action, view=can_view_cycle, do=CYCLE_ACTIONS[action], options=options)


CIRCLE_SCOPE_ACTIONS = {"circle.create": can_create_circle}


def access_circle_scope(user, school_id: int | None, network_id: int | None, action: str) -> School | Network:
    """The school or network a circle is started in: 404 unseen or missing, 403 where the user may not
    start one."""
    if school_id is not None:
        return access(user, School, school_id, action, view=can_view_school, do=CIRCLE_SCOPE_ACTIONS[action])
    return access(user, Network, network_id, action, view=can_view_network, do=CIRCLE_SCOPE_ACTIONS[action])


def can_change_cycle(user, cycle) -> bool:
    """Work on the cycle that still changes: a closed cycle is read-only for everyone."""
    return can_work_on_cycle(user, cycle) and not cycle.is_closed


# What the pages and the API (its ``permissions`` field) tell a person they may do here.
CIRCLE_PERMISSIONS = {"manage": can_manage_circle, "work": can_work_in_circle}
CYCLE_PERMISSIONS = {"work": can_change_cycle}
