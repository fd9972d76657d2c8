"""School goals and the network's core goals."""

from __future__ import annotations

from plc.authz.base import (
    NETWORK_STAFF,
    WORKING_ROLES,
    _authenticated,
    is_admin,
    member_network_ids,
    member_school_ids,
)
from plc.authz.people import can_manage_network, can_manage_school, can_view_network, can_view_school
from plc.models import Network, Role, School


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
