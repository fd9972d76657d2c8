"""Surveys: who builds them for a scope, who answers them, who reads their reports.

Builders: for a session or a circle, whoever may schedule sessions there (the circle's facilitators
and managers, and the coaches and supervisors in it); for a school, its director, the coordinators
of its networks and its coaches (of the school or of one of its networks); for a network, its
coordinators and coaches. Respondents are the members of the scope: those who attend the session,
the circle's current members, the school's staff, the staff of the network and of its schools.
Builders (and the author) manage a survey and read its report; respondents see it once published.
"""

from __future__ import annotations

from sqlalchemy import false, or_, select, true

from plc.authz.base import (
    access,
    cached_memberships,
    is_admin,
    is_signed_in,
    managed_network_ids,
    managed_school_ids,
    member_network_ids,
    member_school_ids,
    network_ids_of_schools,
    school_ids_of_networks,
    scope_filter,
)
from plc.authz.circles import can_view_circle, current_circle_ids, facilitated_circle_ids
from plc.authz.live_sessions import can_attend_session, can_schedule_session, can_view_session
from plc.authz.people import can_view_network, can_view_school
from plc.models import Circle, LiveSession, Network, Role, School
from plc.models.live_sessions import SessionGuest
from plc.models.surveys import Survey, SurveyScope

COACHING = {Role.COACH}


def _builder_school_ids(user) -> set[int] | None:
    managed = managed_school_ids(user)
    if managed is None:
        return None
    return managed | member_school_ids(user, COACHING) | school_ids_of_networks(member_network_ids(user, COACHING))


def _builder_network_ids(user) -> set[int] | None:
    managed = managed_network_ids(user)
    if managed is None:
        return None
    return managed | member_network_ids(user, COACHING)


def can_build_survey(user, scope) -> bool:
    """May build a survey for ``scope``: a live session, a circle, a school or a network."""
    if not is_signed_in(user):
        return False
    if isinstance(scope, LiveSession):
        return can_schedule_session(user, scope.circle) or scope.host_id == user.id
    if isinstance(scope, Circle):
        return can_schedule_session(user, scope)
    if isinstance(scope, School):
        ids = _builder_school_ids(user)
        return ids is None or scope.id in ids
    if isinstance(scope, Network):
        ids = _builder_network_ids(user)
        return ids is None or scope.id in ids
    return False


def can_manage_survey(user, survey) -> bool:
    """Change, publish and close the survey, read its report."""
    return is_signed_in(user) and (survey.author_id == user.id or can_build_survey(user, survey.scope_object))


def is_survey_respondent(user, survey) -> bool:
    """A member of the survey's scope: the people it asks."""
    if not is_signed_in(user):
        return False
    scope = survey.scope
    if scope == SurveyScope.SESSION:
        return can_attend_session(user, survey.live_session)
    if scope == SurveyScope.CIRCLE:
        return survey.circle_id in current_circle_ids(user)
    if scope == SurveyScope.SCHOOL:
        return survey.school_id in member_school_ids(user)
    schools = member_school_ids(user)
    return survey.network_id in member_network_ids(user) | network_ids_of_schools(schools)


def can_view_survey(user, survey) -> bool:
    return can_manage_survey(user, survey) or (survey.published_at is not None and is_survey_respondent(user, survey))


def can_answer_survey(user, survey) -> bool:
    """Whether the survey asks this person; whether it is open today is the service's to say."""
    return survey.published_at is not None and is_survey_respondent(user, survey)


def answerable_surveys_clause(user):
    """SQL twin of ``can_answer_survey`` (published surveys whose scope the user belongs to)."""
    if not is_signed_in(user):
        return false()
    schools = member_school_ids(user)
    networks = member_network_ids(user) | network_ids_of_schools(schools)
    circles = current_circle_ids(user)
    attended = select(LiveSession.id).where(or_(
        LiveSession.host_id == user.id,
        LiveSession.circle_id.in_(circles) if circles else false(),
        LiveSession.id.in_(select(SessionGuest.session_id).where(SessionGuest.user_id == user.id))))
    hosted = select(LiveSession.id).where(LiveSession.circle_id.in_(select(Circle.id).where(_managed_circles(user))))
    return Survey.published_at.is_not(None) & or_(
        scope_filter(Survey.school_id, schools),
        scope_filter(Survey.network_id, networks),
        scope_filter(Survey.circle_id, circles),
        Survey.live_session_id.in_(attended),
        Survey.live_session_id.in_(hosted),
    )


def _managed_circles(user):
    """Circles the user manages (the SQL form of ``can_manage_circle``)."""
    if is_admin(user):
        return true()
    return or_(scope_filter(Circle.id, facilitated_circle_ids(user)),
               scope_filter(Circle.school_id, managed_school_ids(user) or set()),
               scope_filter(Circle.network_id, managed_network_ids(user) or set()))


def managed_surveys_clause(user):
    """The surveys the user wrote or may manage by the scope's builder rule, for the list page."""
    if not is_signed_in(user):
        return false()
    if is_admin(user):
        return true()
    schools, networks = _builder_school_ids(user) or set(), _builder_network_ids(user) or set()
    circles = current_circle_ids(user) if any(
        Role(m) in {Role.COACH, Role.SUPERVISOR} for m in _role_names(user)) else set()
    scheduling = or_(_managed_circles(user), scope_filter(Circle.id, circles))
    circle_ids = select(Circle.id).where(scheduling)
    return or_(
        Survey.author_id == user.id,
        scope_filter(Survey.school_id, schools),
        scope_filter(Survey.network_id, networks),
        Survey.circle_id.in_(circle_ids),
        Survey.live_session_id.in_(select(LiveSession.id).where(
            or_(LiveSession.circle_id.in_(circle_ids), LiveSession.host_id == user.id))),
    )


def _role_names(user) -> set[str]:
    return {m.role for m in cached_memberships(user)}


# ---------------------------------------------------------------------------- one way in

SURVEY_ACTIONS = {
    "survey.view": None,
    "survey.edit": can_manage_survey,
    "survey.publish": can_manage_survey,
    "survey.close": can_manage_survey,
    "survey.report": can_manage_survey,
    "survey.respond": can_answer_survey,
}


def access_survey(user, survey_id: int | None, action: str, *, options=()) -> Survey:
    """The survey: 404 for who neither manages nor is asked by it, 403 for what they may not do."""
    return access(user, Survey, survey_id, action, view=can_view_survey, do=SURVEY_ACTIONS[action], options=options)


SURVEY_SCOPE_MODELS = {SurveyScope.SESSION: LiveSession, SurveyScope.CIRCLE: Circle,
                       SurveyScope.SCHOOL: School, SurveyScope.NETWORK: Network}


def access_survey_scope(user, scope: SurveyScope, scope_id: int | None, action: str = "survey.create"):
    """The session, circle, school or network a new survey is for: 404 unseen, 403 for who may not
    build a survey there."""
    view = {SurveyScope.SESSION: can_view_session, SurveyScope.CIRCLE: can_view_circle,
            SurveyScope.SCHOOL: can_view_school, SurveyScope.NETWORK: can_view_network}[scope]
    return access(user, SURVEY_SCOPE_MODELS[scope], scope_id, action, view=view, do=can_build_survey)


SURVEY_PERMISSIONS = {"manage": can_manage_survey, "respond": can_answer_survey}
