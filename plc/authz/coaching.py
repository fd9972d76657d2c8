"""Coaching and supervision visits."""

from __future__ import annotations

from sqlalchemy import or_

from plc.authz.base import (
    _authenticated,
    is_admin,
    managed_school_ids,
    member_area_office_ids,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    scope_filter,
)
from plc.authz.people import can_manage_school
from plc.models import CoachingVisit, Role


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
