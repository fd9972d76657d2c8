"""Reflections: private by default, shared with a partner or the circle."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import (
    NETWORK_STAFF,
    access,
    is_admin,
    is_signed_in,
    managed_school_ids,
    member_network_ids,
)
from plc.authz.circles import can_view_cycle, can_work_on_cycle, current_circle_ids
from plc.authz.lesson_plans import can_view_plan
from plc.models import Cycle, LessonPlan, Reflection
from plc.models.reflections import ReflectionStatus

# Reflection text is private by default; "pair" adds the coach–teacher partner, "circle" the
# members of the cycle's circle. Directors and coordinators see only that reflections exist.


def visible_reflections_clause(user):
    """SQL twin of ``can_read_reflection``."""
    if not is_signed_in(user):
        return False
    circles = current_circle_ids(user)
    circle_cycles = select(Cycle.id).where(Cycle.circle_id.in_(circles)) if circles else None
    return or_(
        Reflection.author_id == user.id,
        (Reflection.partner_id == user.id) & Reflection.visibility.in_(("pair", "circle"))
        & (Reflection.status == ReflectionStatus.SHARED),
        (Reflection.visibility == "circle") & (Reflection.status == ReflectionStatus.SHARED)
        & (Reflection.cycle_id.in_(circle_cycles) if circle_cycles is not None else False),
    )


def can_read_reflection(user, reflection) -> bool:
    if not is_signed_in(user):
        return False
    if reflection.author_id == user.id:
        return True
    if reflection.status != ReflectionStatus.SHARED:
        return False
    if reflection.visibility in ("pair", "circle") and reflection.partner_id == user.id:
        return True
    return reflection.visibility == "circle" and reflection.cycle.circle_id in current_circle_ids(user)


def can_edit_reflection(user, reflection) -> bool:
    return is_signed_in(user) and reflection.author_id == user.id


def can_give_feedback(user, reflection) -> bool:
    return can_read_reflection(user, reflection)


def can_count_reflections(user, cycle) -> bool:
    """Who sees how many reflections a cycle has (never their text): anyone who sees the cycle."""
    return can_view_cycle(user, cycle)


def can_view_reflection_overview(user) -> bool:
    """The counts-only summary of reflections per school: network staff (as for goal coverage) and
    those who manage a school (directors, coordinators)."""
    return is_signed_in(user) and (is_admin(user) or bool(member_network_ids(user, NETWORK_STAFF))
                                     or bool(managed_school_ids(user)))


# ---------------------------------------------------------------------------- one way in

# What each action on a reflection needs beyond reading it; the action names are the audited ones.
REFLECTION_ACTIONS = {
    "reflection.view": None,
    "reflection.edit": can_edit_reflection,
    "reflection.autosave": can_edit_reflection,
    "reflection.share": can_edit_reflection,
    "reflection.feedback": can_give_feedback,
}

# The cycle a reflection is written in and the lesson plan it is about, asked under the action on the
# reflection: the author works on the cycle and only has to see the plan.
REFLECTION_CYCLE_ACTIONS = {
    "reflection.create": can_work_on_cycle,
    "reflection.edit": can_work_on_cycle,
    "reflection.autosave": can_work_on_cycle,
}
REFLECTION_PLAN_ACTIONS = {"reflection.create": None, "reflection.edit": None, "reflection.autosave": None}

# How many reflections a cycle has, for whoever may count them (``can_count_reflections``).
REFLECTION_COUNT_ACTIONS = {"reflection.count": None}


def access_reflection(user, reflection_id: int | None, action: str, *, options=()) -> Reflection:
    """The reflection, for the pages and the API alike: 404 for one the user may not read (its
    existence does not leak) or that does not exist, 403 for one they read but may not do this to."""
    return access(user, Reflection, reflection_id, action, view=can_read_reflection,
                  do=REFLECTION_ACTIONS[action], options=options)


def access_reflection_cycle(user, cycle_id: int | None, action: str, *, options=()) -> Cycle:
    """The cycle a reflection is written in: 404 unseen or missing, 403 seen but not the user's to
    write in."""
    return access(user, Cycle, cycle_id, action, view=can_view_cycle, do=REFLECTION_CYCLE_ACTIONS[action],
                  options=options)


def access_reflection_plan(user, plan_id: int | None, action: str, *, options=()) -> LessonPlan:
    """The lesson plan a reflection is about: 404 for one the user may not see or that does not exist."""
    return access(user, LessonPlan, plan_id, action, view=can_view_plan, do=REFLECTION_PLAN_ACTIONS[action],
                  options=options)


def access_reflection_count(user, cycle_id: int | None, action: str, *, options=()) -> Cycle:
    """The cycle whose reflections are counted: 404 for one the user may not count, like a missing one."""
    return access(user, Cycle, cycle_id, action, view=can_count_reflections,
                  do=REFLECTION_COUNT_ACTIONS[action], options=options)


def check_reflection_links(user, reflection, cycle_id: int | None, plan_id: int | None, action: str) -> None:
    """The cycle and the lesson plan a reflection is being (re)written with, refused as
    ``access_reflection_cycle`` and ``access_reflection_plan`` refuse. Only a change is asked: what
    the reflection already has was asked when it was chosen."""
    if cycle_id is not None and (reflection is None or cycle_id != reflection.cycle_id):
        access_reflection_cycle(user, cycle_id, action)
    if plan_id is not None and (reflection is None or plan_id != reflection.lesson_plan_id):
        access_reflection_plan(user, plan_id, action)
