"""Exchange forums: who organises, who takes part, who scores, whose certificates.

The organiser is whoever hosts the forum's session (its host and the circle's managers). A forum
belongs to the school or network of that session's circle; the staff of its schools (all the
network's schools for a network forum) and the network's staff see it, submit their school's work
and give feedback. The panel, named by the organiser, scores. Each person downloads only their own
certificates. Honoured work whose authors all consented is public in the showcase.
"""

from __future__ import annotations

from sqlalchemy import false, or_

from plc.authz.base import (
    WORKING_ROLES,
    access,
    is_admin,
    is_signed_in,
    member_network_ids,
    member_school_ids,
    network_ids_of_schools,
    school_ids_of_networks,
    scope_filter,
)
from plc.authz.circles import can_view_cycle
from plc.authz.lesson_plans import can_view_plan
from plc.authz.live_sessions import can_host_session, can_view_session
from plc.models.forums import Certificate, Forum, ForumSubmission
from plc.models.live_sessions import LiveSession


def forum_school_ids(forum) -> set[int]:
    """The schools that may present at ``forum``."""
    if forum.school_id is not None:
        return {forum.school_id}
    return school_ids_of_networks({forum.network_id})


def can_organise_forum_at(user, session) -> bool:
    """Hold an exchange forum at this session: its host and the managers of its circle."""
    return can_host_session(user, session)


def can_manage_forum(user, forum) -> bool:
    return is_signed_in(user) and can_host_session(user, forum.live_session)


def is_forum_member(user, forum) -> bool:
    """Staff of a school of the forum, or (network forum) a member of the network."""
    if not is_signed_in(user):
        return False
    if member_school_ids(user) & forum_school_ids(forum):
        return True
    return forum.network_id is not None and forum.network_id in member_network_ids(user)


def is_panelist(user, forum) -> bool:
    return is_signed_in(user) and any(p.user_id == user.id for p in forum.panelists)


def can_view_forum(user, forum) -> bool:
    return is_signed_in(user) and (is_admin(user) or is_forum_member(user, forum) or is_panelist(user, forum)
                                   or can_view_session(user, forum.live_session))


def visible_forums_clause(user):
    """SQL form of ``can_view_forum`` for the list (membership of the scope; the organiser and the
    panel reach a forum they are not members of from its session or their invitation)."""
    if not is_signed_in(user):
        return false()
    if is_admin(user):
        return True
    schools = member_school_ids(user)
    networks = member_network_ids(user) | network_ids_of_schools(schools)
    return or_(scope_filter(Forum.school_id, schools), scope_filter(Forum.network_id, networks),
               Forum.panelists.any(user_id=user.id), Forum.organiser_id == user.id)


def submitting_school_ids(user, forum) -> set[int]:
    """The schools this user may present for: their own schools among the forum's, as staff."""
    return member_school_ids(user, WORKING_ROLES) & forum_school_ids(forum) if is_signed_in(user) else set()


def can_submit_to_forum(user, forum) -> bool:
    return bool(submitting_school_ids(user, forum))


def can_link_to_submission(user, cycle=None, plan=None) -> bool:
    """A presentation links only the cycle and plan its presenter may read."""
    return (cycle is None or can_view_cycle(user, cycle)) and (plan is None or can_view_plan(user, plan))


def is_submission_author(user, submission) -> bool:
    return is_signed_in(user) and any(a.user_id == user.id for a in submission.authors)


def can_view_submission(user, submission) -> bool:
    return can_view_forum(user, submission.forum)


def can_edit_submission(user, submission) -> bool:
    return is_submission_author(user, submission) or can_manage_forum(user, submission.forum)


def can_give_forum_feedback(user, submission) -> bool:
    return can_view_forum(user, submission.forum)


def can_score_submission(user, submission) -> bool:
    return is_panelist(user, submission.forum)


def can_honour_submission(user, submission) -> bool:
    return can_manage_forum(user, submission.forum)


def can_read_certificate(user, certificate) -> bool:
    return is_signed_in(user) and certificate.user_id == user.id


# ---------------------------------------------------------------------------- one way in

FORUM_ACTIONS = {
    "forum.view": None,
    "forum.edit": can_manage_forum,
    "forum.panel": can_manage_forum,
    "forum.results": can_manage_forum,
    "forum.submit": can_submit_to_forum,
    "forum.certificates": None,
}

SUBMISSION_ACTIONS = {
    "forum_submission.view": None,
    "forum_submission.edit": can_edit_submission,
    "forum_submission.consent": is_submission_author,
    "forum_submission.feedback": can_give_forum_feedback,
    "forum_submission.score": can_score_submission,
    "forum_submission.honour": can_honour_submission,
}

CERTIFICATE_ACTIONS = {"certificate.download": None}


def access_forum(user, forum_id: int | None, action: str, *, options=()) -> Forum:
    return access(user, Forum, forum_id, action, view=can_view_forum, do=FORUM_ACTIONS[action], options=options)


def access_forum_session(user, session_id: int | None, *, options=()) -> LiveSession:
    """The session a forum is to be held at: 404 for a session the user does not see, 403 for one
    they may not organise a forum at."""
    return access(user, LiveSession, session_id, "forum.create", view=can_view_session, do=can_organise_forum_at,
                  options=options)


def access_submission(user, submission_id: int | None, action: str, *, options=()) -> ForumSubmission:
    return access(user, ForumSubmission, submission_id, action, view=can_view_submission,
                  do=SUBMISSION_ACTIONS[action], options=options)


def access_certificate(user, certificate_id: int | None, action: str, *, options=()) -> Certificate:
    """One's own certificate; anyone else's answers 404."""
    return access(user, Certificate, certificate_id, action, view=can_read_certificate,
                  do=CERTIFICATE_ACTIONS[action], options=options)


FORUM_PERMISSIONS = {"manage": can_manage_forum, "submit": can_submit_to_forum, "score": is_panelist}
