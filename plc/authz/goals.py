"""School goals and the network's core goals."""

from __future__ import annotations

from plc.authz.base import (
    NETWORK_STAFF,
    WORKING_ROLES,
    access,
    is_admin,
    is_signed_in,
    member_network_ids,
    member_school_ids,
)
from plc.authz.people import can_manage_network, can_manage_school, can_view_network, can_view_school
from plc.models import Network, Role, School, SchoolGoal
from plc.models.goals import GoalStatus


def can_view_goal(user, goal) -> bool:
    if goal.school_id is not None:
        return can_view_school(user, goal.school)
    return can_view_network(user, goal.network)


def can_draft_goal(user, school: School) -> bool:
    return is_signed_in(user) and (
        school.id in member_school_ids(user, WORKING_ROLES) or can_manage_school(user, school))


def can_write_goal(user, goal) -> bool:
    """Who writes the goal while it is a draft: its author (still drafting for the school) and the
    school's managers; the network's managers write a core goal. ``can_edit_goal`` also asks that the
    goal is still a draft."""
    if goal.school_id is None:
        return can_manage_network(user, goal.network)
    return (goal.created_by_id == user.id and can_draft_goal(user, goal.school)) or can_manage_school(user, goal.school)


def can_edit_goal(user, goal) -> bool:
    """What the pages and the API's ``permissions`` offer: a draft its writer may edit. Past its draft
    (a school's approved goal, a core goal as published) editing is a conflict with its state, for
    everyone (``services.goals.check_editable``)."""
    return goal.status == GoalStatus.DRAFT and can_write_goal(user, goal)


def can_approve_goal(user, goal) -> bool:
    """The school's director decides on its goals (admins too)."""
    if goal.school_id is None or not is_signed_in(user):
        return False
    return is_admin(user) or goal.school_id in member_school_ids(user, {Role.DIRECTOR})


def can_publish_core_goal(user, network: Network) -> bool:
    return can_manage_network(user, network)


def can_view_goal_coverage(user, network: Network) -> bool:
    return is_signed_in(user) and (is_admin(user) or network.id in member_network_ids(user, NETWORK_STAFF))


# ---------------------------------------------------------------------------- one way in

# What each action on a goal needs beyond seeing it; the action names are the audited ones. Whether
# the goal is still a draft is the service's to answer (409 on the pages and the API), after this.
GOAL_ACTIONS = {
    "goal.view": None,
    "goal.edit": can_write_goal,
    "goal.status": can_approve_goal,
}

# A school a goal is drafted for; a network whose core goals are published or whose coverage is read.
GOAL_SCHOOL_ACTIONS = {"goal.create": can_draft_goal}
GOAL_NETWORK_ACTIONS = {"goal.publish_core": can_publish_core_goal, "goal.coverage": can_view_goal_coverage}


def access_goal(user, goal_id: int | None, action: str, *, options=()) -> SchoolGoal:
    """The goal, for the pages and the API alike: 404 unseen or missing, 403 seen but not allowed."""
    return access(user, SchoolGoal, goal_id, action, view=can_view_goal, do=GOAL_ACTIONS[action], options=options)


def access_goal_school(user, school_id: int | None, action: str, *, options=()) -> School:
    """The school a goal is to be drafted for, refused (404, 403) under the goal's action."""
    return access(user, School, school_id, action, view=can_view_school, do=GOAL_SCHOOL_ACTIONS[action],
                  options=options)


def access_goal_network(user, network_id: int | None, action: str, *, options=()) -> Network:
    """The network whose core goals are published or whose coverage is read, refused (404, 403)
    under that action."""
    return access(user, Network, network_id, action, view=can_view_network, do=GOAL_NETWORK_ACTIONS[action],
                  options=options)
