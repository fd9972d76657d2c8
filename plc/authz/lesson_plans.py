"""Lesson plans: their visibility, comments, forks, the showcase and their files."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import (
    access,
    is_admin,
    is_signed_in,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    school_ids_with_visible_members,
    scope_filter,
    visible_network_ids,
)
from plc.authz.circles import (
    can_view_circle,
    can_view_cycle,
    can_work_in_circle,
    can_work_on_cycle,
    current_circle_ids,
)
from plc.models import Attachment, Circle, Cycle, LessonPlan, Role
from plc.models.org import network_school

# Visibility tiers: private (author), circle (the plan's circle), school (author's school staff),
# network (everyone in the school's networks), public (everyone logged in; showcase).


def visible_plans_clause(user):
    """SQL twin of ``can_view_plan``."""
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    networks = visible_network_ids(user) or set()
    circles = current_circle_ids(user)
    network_schools = select(network_school.c.school_id).where(network_school.c.network_id.in_(networks))
    return or_(
        LessonPlan.author_id == user.id,
        LessonPlan.visibility == "public",
        (LessonPlan.visibility == "circle") & scope_filter(LessonPlan.circle_id, circles),
        LessonPlan.visibility.in_(("school", "network")) & scope_filter(LessonPlan.school_id, schools),
        (LessonPlan.visibility == "network") & LessonPlan.school_id.in_(network_schools),
    )


def can_view_plan(user, plan) -> bool:
    if not is_signed_in(user) or plan.deleted_at is not None:
        return False
    if is_admin(user) or plan.author_id == user.id or plan.visibility == "public":
        return True
    if plan.visibility == "circle":
        return plan.circle_id in current_circle_ids(user)
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    if plan.visibility in ("school", "network") and plan.school_id in schools:
        return True
    if plan.visibility == "network" and plan.school_id is not None:
        # The plan's school is in one of the user's networks (as visible_plans_clause asks it).
        return plan.school_id in school_ids_of_networks(visible_network_ids(user) or set())
    return False


def can_edit_plan(user, plan) -> bool:
    """The author writes the plan; colleagues comment or fork it."""
    return is_signed_in(user) and plan.deleted_at is None and (plan.author_id == user.id or is_admin(user))


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


def can_view_attachment(user, attachment) -> bool:
    """A plan's files are seen by whoever sees the plan."""
    return can_view_plan(user, attachment.plan)


# ---------------------------------------------------------------------------- one way in

# What each action on a plan needs beyond seeing it; the action names are the audited ones.
PLAN_ACTIONS = {
    "lesson_plan.view": None,
    "lesson_plan.history": None,
    "lesson_plan.revision": None,
    "lesson_plan.diff": None,
    "lesson_plan.edit": can_edit_plan,
    "lesson_plan.delete": can_edit_plan,
    "lesson_plan.attach": can_edit_plan,
    "lesson_plan.restore": can_edit_plan,
    "lesson_plan.comment": can_comment_plan,
    "lesson_plan.fork": can_fork_plan,
    "lesson_plan.showcase": can_showcase_plan,
}

ATTACHMENT_ACTIONS = {
    "attachment.download": None,
    "attachment.view": None,  # shown inline in the plan (pictures only; the caller refuses the rest)
}

# A cycle or circle a plan is written for is asked of that cycle or circle: the writer works in it.
PLAN_CYCLE_ACTIONS = {"lesson_plan.create": can_work_on_cycle, "lesson_plan.edit": can_work_on_cycle}
PLAN_CIRCLE_ACTIONS = {"lesson_plan.create": can_work_in_circle, "lesson_plan.edit": can_work_in_circle}


def access_plan(user, plan_id: int | None, action: str, *, options=()) -> LessonPlan:
    """The plan, for the pages and the API alike: 404 unseen, deleted or missing, 403 seen but not allowed."""
    return access(user, LessonPlan, plan_id, action, view=can_view_plan, do=PLAN_ACTIONS[action],
                  options=options)


def access_attachment(user, attachment_id: int | None, action: str, *, options=()) -> Attachment:
    return access(user, Attachment, attachment_id, action, view=can_view_attachment,
                  do=ATTACHMENT_ACTIONS[action], options=options)


def access_plan_cycle(user, cycle_id: int | None, action: str) -> Cycle:
    """The cycle a plan is to belong to, refused (404, 403) under the plan's action."""
    return access(user, Cycle, cycle_id, action, view=can_view_cycle, do=PLAN_CYCLE_ACTIONS[action])


def access_plan_circle(user, circle_id: int | None, action: str) -> Circle:
    """The circle a plan is to be shared with, refused (404, 403) under the plan's action."""
    return access(user, Circle, circle_id, action, view=can_view_circle, do=PLAN_CIRCLE_ACTIONS[action])


# What the pages and the API (its ``permissions`` field) tell a person they may do with a plan.
PLAN_PERMISSIONS = {"edit": can_edit_plan, "comment": can_comment_plan, "fork": can_fork_plan,
                    "showcase": can_showcase_plan}
