"""Coaching and supervision visits."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import (
    access,
    cached_memberships,
    is_admin,
    is_signed_in,
    managed_school_ids,
    member_area_office_ids,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    scope_filter,
)
from plc.authz.circles import can_view_cycle
from plc.authz.people import can_manage_school, can_view_school, can_view_user
from plc.extensions import db
from plc.models import CoachingVisit, Cycle, Role, School, User


def can_coach(user, teacher, school) -> bool:
    """Coaches and supervisors visit teachers of their school or of their networks' schools."""
    if not is_signed_in(user) or teacher.id == user.id:
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
    if not is_signed_in(user):
        return False
    return or_(CoachingVisit.coach_id == user.id, CoachingVisit.teacher_id == user.id,
               scope_filter(CoachingVisit.school_id, managed_school_ids(user)))


def can_view_visit(user, visit) -> bool:
    if not is_signed_in(user):
        return False
    return user.id in (visit.coach_id, visit.teacher_id) or is_admin(user) or visit.school_id in (
        managed_school_ids(user) or set())


def can_edit_visit(user, visit) -> bool:
    return is_signed_in(user) and user.id in (visit.coach_id, visit.teacher_id)


def can_view_visit_coverage(user, school) -> bool:
    return is_signed_in(user) and (can_manage_school(user, school) or school.id in (
        school_ids_of_networks(member_network_ids(user, {Role.COACH, Role.SUPERVISOR}))))


def can_read_synthesis(user, teacher) -> bool:
    """The teacher reads the syntheses about them; a coach those they may write."""
    return is_signed_in(user) and (user.id == teacher.id or can_write_synthesis(user, teacher))


COACHING_ROLES = {Role.COACH, Role.SUPERVISOR, Role.DIRECTOR}


def can_plan_visits(user) -> bool:
    """Whether the user holds a role that coaches anyone (the teacher still has to pass can_coach)."""
    return is_signed_in(user) and (is_admin(user) or any(Role(m.role) in COACHING_ROLES
                                                           for m in cached_memberships(user)))


def can_use_coaching(user) -> bool:
    """Whom the main menu offers the coaching pages: those who coach or oversee visits, and
    teachers who have been visited."""

    if not is_signed_in(user):
        return False
    if is_admin(user) or any(Role(m.role) in COACHING_ROLES | {Role.COORDINATOR} for m in cached_memberships(user)):
        return True
    return db.session.scalar(select(CoachingVisit.id).where(CoachingVisit.teacher_id == user.id).limit(1)) is not None


def can_record_visit(user, visit) -> bool:
    """The coach records the observation and the synthesis."""
    return is_signed_in(user) and user.id == visit.coach_id


def can_write_synthesis(user, teacher) -> bool:
    """A coach writes a synthesis about a teacher they may coach in one of the teacher's schools."""
    if not is_signed_in(user) or teacher is None:
        return False
    return any(can_coach(user, teacher, m.school) for m in teacher.current_memberships() if m.school_id)


def _plans_visits(user, _teacher) -> bool:
    """``can_plan_visits`` asked of the teacher named (the dict's rules take the row)."""
    return can_plan_visits(user)


# ---------------------------------------------------------------------------- one way in

# What each action on a visit needs beyond seeing it; the action names are the audited ones.
VISIT_ACTIONS = {
    "visit.view": None,
    "visit.record": can_record_visit,
    "visit.reflect": can_edit_visit,
    "visit.cancel": can_edit_visit,
}

# A visit is planned with a teacher of a school (whom only someone who coaches may plan with), in an
# optional cycle; a school's coverage is for those who oversee its visits.
VISIT_SCHOOL_ACTIONS = {"visit.plan": None, "visit.coverage": can_view_visit_coverage}
VISIT_TEACHER_ACTIONS = {"visit.plan": _plans_visits}
VISIT_CYCLE_ACTIONS = {"visit.plan": None}

# The coach's synthesis about a teacher: the teacher and the coach read it, the coach writes it.
SYNTHESIS_ACTIONS = {"visit.synthesis": None, "visit.write_synthesis": can_write_synthesis}


def access_visit(user, visit_id: int | None, action: str, *, options=()) -> CoachingVisit:
    """The visit, for the pages and the API alike: 404 unseen or missing, 403 seen but not allowed.
    Whether the visit's state allows the action (held, cancelled) is the service's to answer (422)."""
    return access(user, CoachingVisit, visit_id, action, view=can_view_visit, do=VISIT_ACTIONS[action],
                  options=options)


def access_visit_school(user, school_id: int | None, action: str, *, options=()) -> School:
    return access(user, School, school_id, action, view=can_view_school, do=VISIT_SCHOOL_ACTIONS[action],
                  options=options)


def access_visit_teacher(user, teacher_id: int | None, action: str, *, options=()) -> User:
    return access(user, User, teacher_id, action, view=can_view_user, do=VISIT_TEACHER_ACTIONS[action],
                  options=options)


def access_visit_cycle(user, cycle_id: int | None, action: str, *, options=()) -> Cycle:
    return access(user, Cycle, cycle_id, action, view=can_view_cycle, do=VISIT_CYCLE_ACTIONS[action],
                  options=options)


def access_visit_plan(user, teacher_id: int, school_id: int,
                      cycle_id: int | None) -> tuple[User, School, Cycle | None]:
    """What a new visit is planned with, for the page and the API alike: a school or teacher the user
    may not see (or that does not exist) is 404, so is a cycle; then someone who coaches nobody is
    403. Whether this coach may visit this teacher there is the service's to answer (422)."""
    school = access_visit_school(user, school_id, "visit.plan")
    teacher = access_visit_teacher(user, teacher_id, "visit.plan")
    cycle = access_visit_cycle(user, cycle_id, "visit.plan") if cycle_id is not None else None
    return teacher, school, cycle


def access_synthesis(user, teacher_id: int | None, action: str, *, options=()) -> User:
    """The teacher whose synthesis is asked for: 404 for anyone but the teacher and the coaches who
    may write about them, 403 for the teacher writing their own."""
    return access(user, User, teacher_id, action, view=can_read_synthesis, do=SYNTHESIS_ACTIONS[action],
                  options=options)
