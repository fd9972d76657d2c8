"""Live and onsite sessions, their chat and the attendance ledger."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from werkzeug.exceptions import Forbidden, NotFound

from plc.authz.base import access, cached_memberships, is_signed_in
from plc.authz.circles import can_manage_circle, can_view_circle, current_circle_ids
from plc.authz.people import can_manage_user, can_view_user
from plc.database import execute_core
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import Circle, CircleMember, Role, User
from plc.models.live_sessions import LiveSession, Notification, SessionGuest, SessionState

# The circle's current members, invited guests and the host attend; whoever may see the circle
# may read the record afterwards; the host and the circle's managers run the session.


def _is_guest(user, session) -> bool:
    return any(guest.user_id == user.id for guest in session.guests)


def can_view_session(user, session) -> bool:
    return is_signed_in(user) and (can_view_circle(user, session.circle) or _is_guest(user, session))


@dataclass
class SessionAccess:
    """Whether one user attends one live session, read in one statement (``session_access``): the
    chat asks it on every event. The host, the circle's current members and invited guests attend
    directly; the circle's managers attend and host too, which takes the circle rule
    (``can_manage_circle``) and is asked only when the direct answer does not settle it. The state
    and the planned times come along, for the chat to tell a session left running past its end."""

    user: User
    session_id: int
    circle_id: int
    host_id: int
    direct: bool
    state: str
    starts_at: datetime
    duration_minutes: int

    @functools.cached_property
    def may_host(self) -> bool:
        return _hosts(self.user, self.host_id, load_circle=lambda: db.session.get(Circle, self.circle_id))

    @property
    def may_attend(self) -> bool:
        return self.direct or self.may_host


@functools.cache
def _session_access_statement():
    user_id = bindparam("user_id")
    member = select(CircleMember.id).where(CircleMember.circle_id == LiveSession.circle_id,
                                           CircleMember.user_id == user_id,
                                           CircleMember.current_clause(bindparam("today"))).exists()
    guest = select(SessionGuest.id).where(SessionGuest.session_id == LiveSession.id,
                                          SessionGuest.user_id == user_id).exists()
    return select(LiveSession.id, LiveSession.circle_id, LiveSession.host_id, LiveSession.state,
                  LiveSession.starts_at, LiveSession.duration_minutes,
                  or_(LiveSession.host_id == user_id, member, guest).label("direct")).where(
        LiveSession.id == bindparam("session_id"))


def session_access(user, session_id: int | None) -> SessionAccess | None:
    """``None`` when the session does not exist or the user may not attend it."""
    if not is_signed_in(user) or session_id is None:
        return None
    row = execute_core(_session_access_statement(), {"user_id": user.id, "session_id": session_id,
                                                          "today": bangkok_today()}).one_or_none()
    if row is None:
        return None
    access = SessionAccess(user=user, session_id=row.id, circle_id=row.circle_id, host_id=row.host_id,
                           direct=bool(row.direct), state=row.state, starts_at=row.starts_at,
                           duration_minutes=row.duration_minutes)
    return access if access.may_attend else None


def can_attend_session(user, session) -> bool:
    """Asks the database (``session_access``), not the loaded object: the session must be stored."""
    return session_access(user, session.id) is not None


def _hosts(user, host_id: int, *, load_circle) -> bool:
    """The host, and whoever manages the circle (loaded only when the host is someone else)."""
    return host_id == user.id or can_manage_circle(user, load_circle())


def can_host_session(user, session) -> bool:
    return is_signed_in(user) and _hosts(user, session.host_id, load_circle=lambda: session.circle)


def can_schedule_session(user, circle) -> bool:
    """Facilitators and managers of the circle, and coaches or supervisors who are in it."""
    if can_manage_circle(user, circle):
        return True
    coaching = {Role.COACH, Role.SUPERVISOR}
    return circle.id in current_circle_ids(user) and any(Role(m.role) in coaching for m in cached_memberships(user))


def can_read_chat(user, session) -> bool:
    """Those who attend read the chat at any time; others who see the session once it has ended, as
    part of the circle's record."""
    return session.state == SessionState.ENDED or can_attend_session(user, session)


def can_read_attendance(user, session) -> bool:
    """The host and the circle's managers read everyone's minutes; other participants their own."""
    return can_host_session(user, session) or can_attend_session(user, session)


def can_read_notification(user, note) -> bool:
    return is_signed_in(user) and note.user_id == user.id


def can_view_ledger(user, teacher) -> bool:
    """A teacher's PLC-hours ledger: the teacher, and those who manage them."""
    return is_signed_in(user) and (user.id == teacher.id or can_manage_user(user, teacher))


# ---------------------------------------------------------------------------- one way in

# What each action on a session needs beyond seeing it; the action names are the audited ones.
SESSION_ACTIONS = {
    "live_session.view": None,
    "live_session.messages": can_read_chat,
    "live_session.attendance": can_read_attendance,
    "live_session.join": can_attend_session,
    "live_session.edit_message": can_attend_session,
    "live_session.delete_message": can_attend_session,
    "live_session.send_message": can_attend_session,
    "live_session.typing": can_attend_session,
    "live_session.start": can_host_session,
    "live_session.end": can_host_session,
    "live_session.read_only": can_host_session,
    "live_session.mute": can_host_session,
    "live_session.onsite_attendance": can_host_session,
    "live_session.summary": can_host_session,
}

# Scheduling is asked of the circle the session will belong to.
SESSION_CIRCLE_ACTIONS = {"live_session.schedule": can_schedule_session}

LEDGER_ACTIONS = {"ledger.view": can_view_ledger}

NOTIFICATION_ACTIONS = {"notification.read": None}


def access_session(user, session_id: int | None, action: str, *, options=()) -> LiveSession:
    """The session, for the pages, the API and the chat alike: 404 unseen or missing, 403 seen but
    not allowed. Bringing its state up to date (a session left running) is the caller's, after this."""
    return access(user, LiveSession, session_id, action, view=can_view_session, do=SESSION_ACTIONS[action],
                  options=options)


def see_session(user, session_id: int | None, action: str, *, options=()) -> LiveSession:
    """Only the first half of ``access_session`` (404, audited under ``action``), for a caller that
    brings the session's state up to date before the action's rule is asked: whether it has ended
    decides who reads the chat."""
    if action not in SESSION_ACTIONS:
        raise KeyError(action)
    return access(user, LiveSession, session_id, action, view=can_view_session, options=options)


def find_session(user, session_id: int | None, action: str) -> LiveSession | None:
    """``access_session`` for the socket handlers, which answer an error code rather than an HTTP
    status: ``None`` for a refusal (audited all the same)."""
    try:
        return access_session(user, session_id, action)
    except (NotFound, Forbidden):
        return None


# The chat's busiest events ask ``session_access`` (one statement) rather than load the session.
CHAT_ACTIONS = ("live_session.send_message", "live_session.typing")


def chat_access(user, session_id: int | None, action: str) -> SessionAccess | None:
    """``session_access`` for a chat event of ``CHAT_ACTIONS``: ``None`` for a refusal, audited as
    ``find_session`` audits it (404 unseen, 403 seen but not attended); what settles an allowed event
    stays the one statement."""
    if action not in CHAT_ACTIONS:
        raise KeyError(action)
    allowed = session_access(user, session_id)
    if allowed is None:
        find_session(user, session_id, action)
    return allowed


def access_session_circle(user, circle_id: int | None, action: str, *, options=()) -> Circle:
    """The circle a session is scheduled in: 404 unseen or missing, 403 for who may not schedule there."""
    return access(user, Circle, circle_id, action, view=can_view_circle, do=SESSION_CIRCLE_ACTIONS[action],
                  options=options)


def access_ledger(user, teacher_id: int | None, action: str, *, options=()) -> User:
    """The teacher whose PLC-hours ledger is asked for: 404 for someone the user may not see at all,
    403 for someone whose ledger is not theirs to read."""
    return access(user, User, teacher_id, action, view=can_view_user, do=LEDGER_ACTIONS[action], options=options)


def access_notification(user, notification_id: int | None, action: str, *, options=()) -> Notification:
    """One of the user's own notifications; anyone else's answers 404, like one that does not exist."""
    return access(user, Notification, notification_id, action, view=can_read_notification,
                  do=NOTIFICATION_ACTIONS[action], options=options)


# What the pages and the API (its ``permissions`` field) tell a person they may do in a session.
SESSION_PERMISSIONS = {"attend": can_attend_session, "host": can_host_session}
