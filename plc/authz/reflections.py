"""Reflections: private by default, shared with a partner or the circle."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import NETWORK_STAFF, _authenticated, is_admin, managed_school_ids, member_network_ids
from plc.authz.circles import _current_circle_ids, can_view_cycle
from plc.models import Cycle, Reflection

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
