"""Live PLC sessions: scheduling, starting and ending, chat that loses nothing, attendance that
becomes PLC hours, the host's summary and notifications."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Row, Select, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from plc import audit, authz
from plc.database import execute_core
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import academic_term, fiscal_year_be, to_local
from plc.models import Circle, CircleMeeting, CircleMember, Cycle, User
from plc.models._types import utcnow
from plc.models.live_sessions import (
    SESSION_MODES,
    ActionItem,
    Attendance,
    ChatMessage,
    LiveSession,
    SessionGuest,
    SessionMute,
    SessionState,
)
from plc.realtime import outbox
from plc.rendering import render_markdown
from plc.services import mail
from plc.services.inputs import clean_text, fit
from plc.services.notifications import notify

GRACE = timedelta(minutes=30)
STILL_HERE = timedelta(seconds=90)  # the presence TTL: heartbeats come every 30 seconds
MAX_BODY = 2000
HISTORY_LIMIT = 500
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class SessionError(ServiceError):
    """``code`` names the refusal for the socket clients too; a wrong state is a conflict and another
    person's message is not yours to change."""

    STATUS_OF_CODE = {"conflict": 409, "forbidden": 403}

    def __init__(self, fields: dict[str, list[str]], code: str = "invalid"):
        super().__init__(fields, status=self.STATUS_OF_CODE.get(code, 422))
        self.code = code



# ---------------------------------------------------------------------------- scheduling


@dataclass
class SessionInput:
    title: str
    starts_at: datetime
    duration_minutes: int = 60
    mode: str = "online"
    agenda: str | None = None
    cycle_id: int | None = None
    guest_ids: list[int] = field(default_factory=list)


def schedule(actor: User, circle: Circle, data: SessionInput) -> LiveSession:
    errors: dict[str, list[str]] = {}
    if not clean_text(data.title):
        errors["title"] = [_("Give the session a title.")]
    if data.starts_at is None or data.starts_at.tzinfo is None:
        errors["starts_at"] = [_("Choose the date and time (Bangkok time).")]
    try:
        duration = int(data.duration_minutes)
    except (TypeError, ValueError):
        duration = 0
    if not 5 <= duration <= 8 * 60:
        errors["duration_minutes"] = [_("A session lasts between 5 minutes and 8 hours.")]
    if data.mode not in SESSION_MODES:
        errors["mode"] = [_("Choose online or onsite.")]
    cycle = db.session.get(Cycle, data.cycle_id) if data.cycle_id else None
    if data.cycle_id and (cycle is None or cycle.circle_id != circle.id):
        errors["cycle_id"] = [_("Choose a cycle of this circle.")]
    guests = list(db.session.scalars(select(User).where(User.id.in_(data.guest_ids or []))))
    network_ids = authz.network_ids_of_schools({circle.school_id}) if circle.school_id else {circle.network_id}
    for guest in guests:
        guest_networks = authz.member_network_ids(guest) | authz.network_ids_of_schools(authz.member_school_ids(guest))
        if not guest_networks & network_ids:
            errors.setdefault("guest_ids", []).append(
                _("%(name)s is not in a school of this network.", name=guest.name_th))
    if len(guests) != len(set(data.guest_ids or [])):
        errors.setdefault("guest_ids", []).append(_("Choose guests from the network."))
    if errors:
        raise SessionError(errors)
    session = LiveSession(circle=circle, cycle=cycle, phase=cycle.current_phase if cycle else None,
                          host_id=actor.id, title=fit(LiveSession.title, data.title), agenda=clean_text(data.agenda),
                          mode=data.mode, starts_at=data.starts_at.astimezone(UTC), duration_minutes=duration)
    if session.starts_at <= utcnow() + reminder_lead():  # sooner than a reminder would come: this e-mail tells
        session.reminded_at = utcnow()
    db.session.add(session)
    db.session.flush()
    for guest in guests:
        db.session.add(SessionGuest(session=session, user_id=guest.id, invited_by_id=actor.id))
    told = invitees(session) - {actor.id}
    for user_id in told:
        notify(user_id, "session_scheduled", {"title": session.title}, f"/live/{session.id}")
    mail.queue_session_scheduled(session, told, actor)
    db.session.flush()
    return session


def invitees(session: LiveSession) -> set[int]:
    members = {m.user_id for m in session.circle.current_members()}
    return members | {g.user_id for g in session.guests} | {session.host_id}


def reminder_lead() -> timedelta:
    return timedelta(hours=current_app.config["PLC_SESSION_REMINDER_HOURS"])


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queues the e-mail reminder of each scheduled session that starts within the reminder lead, to
    whoever is invited then, once: a session is claimed by one UPDATE of its ``reminded_at``, so two
    senders (two processes) never remind twice. Run by the e-mail sender before it sends; returns how
    many messages it queued (flushed: the caller commits)."""
    lead = reminder_lead()
    if not lead or not mail.mail_enabled():
        return 0
    now = now or utcnow()
    due = db.session.scalars(select(LiveSession.id).where(
        LiveSession.state == SessionState.SCHEDULED, LiveSession.reminded_at.is_(None),
        LiveSession.starts_at > now, LiveSession.starts_at <= now + lead).order_by(LiveSession.starts_at)).all()
    queued = 0
    for session_id in due:
        claimed = db.session.execute(
            update(LiveSession).where(LiveSession.id == session_id, LiveSession.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            session = db.session.get(LiveSession, session_id)
            queued += len(mail.queue_session_reminder(session, invitees(session)))
    return queued


def sessions_query(user, *, circle_id: int | None = None, upcoming: bool = False) -> Select:
    guest_of = select(SessionGuest.session_id).where(SessionGuest.user_id == user.id)
    query = select(LiveSession).where(or_(
        LiveSession.circle_id.in_(select(Circle.id).where(authz.visible_circles_clause(user))),
        LiveSession.id.in_(guest_of)))
    if circle_id is not None:
        query = query.where(LiveSession.circle_id == circle_id)
    if upcoming:
        query = query.where(LiveSession.state != SessionState.ENDED, LiveSession.starts_at >= utcnow() - timedelta(hours=12))
        mine = select(CircleMember.circle_id).where(CircleMember.user_id == user.id, CircleMember.current_clause())
        query = query.where(or_(LiveSession.circle_id.in_(mine), LiveSession.id.in_(guest_of),
                                LiveSession.host_id == user.id))
    return query.order_by(LiveSession.starts_at)


# ---------------------------------------------------------------------------- state


def planned_end(session: LiveSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.duration_minutes)


def left_running(session, now: datetime | None = None) -> bool:
    """Live past its planned end and the grace period: ``refresh_state`` ends it. ``session`` is a
    LiveSession or the chat's ``authz.SessionAccess`` (its state and planned times)."""
    return session.state == SessionState.LIVE and (now or utcnow()) > planned_end(session) + GRACE


def refresh_state(session: LiveSession, now: datetime | None = None) -> bool:
    """Ends a live session that ran past its planned end plus the grace period; True if it did."""
    now = now or utcnow()
    if left_running(session, now):
        _finish(session, None, ended_at=planned_end(session) + GRACE)
        return True
    return False


def session_for(user, session_id: int | None, action: str) -> tuple[LiveSession, bool]:
    """The session ``action`` is asked of, for the pages, the API and the chat alike: 404 for one the
    user may not see (or that does not exist); then its state brought up to date (``refresh_state``),
    because whether it has ended decides who reads its chat and what the host may still do; then the
    action's rule, 403. Refusals are audited (``authz.access_session``). With the session, whether it
    has just been ended (flushed): the caller commits that at once, whatever the action then meets."""
    live = authz.see_session(user, session_id, action)
    ended = refresh_state(live)
    return authz.access_session(user, live.id, action), ended


def end_overdue(query: Select, now: datetime | None = None) -> bool:
    """Ends the sessions of ``query`` left running past their end and the grace period, before a list
    of them is read (so that its filters see them ended, as the session's own page and the API do);
    True if one was (flushed: the caller commits)."""
    now = now or utcnow()
    running = db.session.scalars(query.where(LiveSession.state == SessionState.LIVE,
                                             LiveSession.starts_at < now - GRACE)).all()
    ended = [live for live in running if refresh_state(live, now)]
    return bool(ended)


def start(actor: User, session: LiveSession) -> LiveSession:
    if session.state != SessionState.SCHEDULED:
        raise SessionError({"state": [_("Only a scheduled session can start.")]}, code="conflict")
    if session.mode != "online":
        raise SessionError({"mode": [_("Onsite meetings are not started here: record who attended instead.")]},
                           code="conflict")
    session.state = SessionState.LIVE
    session.started_at = utcnow()
    outbox.queue(db.session, "session_state", state_payload(session), outbox.session_room(session.id))
    return session


def end(actor: User, session: LiveSession) -> LiveSession:
    if session.state != SessionState.LIVE:
        raise SessionError({"state": [_("Only a live session can end.")]}, code="conflict")
    _finish(session, actor)
    return session


def _finish(session: LiveSession, actor: User | None, ended_at: datetime | None = None) -> None:
    session.state = SessionState.ENDED
    session.ended_at = ended_at or utcnow()
    # Connections still here at the end (a heartbeat within the presence window) stay until the end;
    # the others count only up to their last heartbeat.
    db.session.execute(update(Attendance).where(Attendance.session_id == session.id, Attendance.left_at.is_(None),
                                                Attendance.last_seen_at >= session.ended_at - STILL_HERE)
                       .values(left_at=session.ended_at))
    db.session.execute(update(Attendance).where(Attendance.session_id == session.id, Attendance.left_at.is_(None))
                       .values(left_at=func.coalesce(Attendance.last_seen_at, session.ended_at)))
    db.session.execute(update(Attendance).where(Attendance.session_id == session.id,
                                                Attendance.left_at > session.ended_at)
                       .values(left_at=session.ended_at))
    minutes = int(((session.ended_at - (session.started_at or session.starts_at)).total_seconds()) // 60)
    db.session.add(CircleMeeting(circle_id=session.circle_id, cycle_id=session.cycle_id,
                                 held_on=to_local(session.started_at or session.starts_at).date(),
                                 mode="online", title=session.title, minutes=max(minutes, 1),
                                 recorded_by_id=getattr(actor, "id", None)))
    outbox.queue(db.session, "session_state", state_payload(session), outbox.session_room(session.id))


def state_payload(session: LiveSession) -> dict:
    return {"session_id": session.id, "state": session.state, "read_only": session.read_only}


# ---------------------------------------------------------------------------- chat


def message_payload(message, author_name: str | None = None) -> dict:
    """A message as clients see it: ``message`` is a ChatMessage or a row of its columns (then
    with the author's name)."""
    deleted = message.deleted_at is not None
    if author_name is None:
        author_name = message.author.name_th if message.author else ""
    return {
        "id": message.seq,
        "event_id": message.event,
        "session_id": message.session_id,
        "author": {"id": message.author_id, "name": author_name},
        "body": "" if deleted else message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
    }


# The chat's hot path runs these for every message: built once (with bound parameters) rather
# than per call, and in SQL Core, without ORM objects to build and track (it is the platform's
# busiest write: 300 messages a second on one core is the benchmark).
_live = LiveSession.__table__
_messages = ChatMessage.__table__
_mutes = SessionMute.__table__
_NEXT_EVENT = (update(_live).where(_live.c.id == bindparam("session_id"))
               .values(last_event=_live.c.last_event + 1)
               .returning(_live.c.last_event, _live.c.state, _live.c.read_only,
                          select(_mutes.c.id).where(_mutes.c.session_id == _live.c.id,
                                                    _mutes.c.user_id == bindparam("user_id"))
                          .exists().label("muted")))
_BY_CLIENT_ID = select(_messages).where(_messages.c.session_id == bindparam("session_id"),
                                        _messages.c.author_id == bindparam("author_id"),
                                        _messages.c.client_id == bindparam("client_id"))
_INSERT_MESSAGE = insert(_messages).returning(*_messages.c)


def _next_event(session_id: int, user_id: int) -> Row:
    """Takes the session's next counter value (``last_event``) and reads its ``state``,
    ``read_only`` and whether the host has ``muted`` the user, as they are now. The UPDATE locks the
    session row until commit, so concurrent writers in one session commit in the order of their
    numbers, and a session that ends takes no message after its end. (A table-level UPDATE: a loaded LiveSession's ``last_event`` is not
    refreshed, and nothing reads it.)"""
    return execute_core(_NEXT_EVENT, {"session_id": session_id, "user_id": user_id}).one()


def history(session_id: int, since_id: int = 0, limit: int = HISTORY_LIMIT) -> tuple[list[ChatMessage], bool]:
    """Messages (and edits and deletions) after ``since_id``, oldest first; True if there were more."""
    rows = list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.event > max(0, since_id))
        .order_by(ChatMessage.event).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def latest(session_id: int, limit: int = HISTORY_LIMIT) -> list[ChatMessage]:
    rows = list(db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == session_id)
                                   .order_by(ChatMessage.seq.desc()).limit(limit)
                                   .options(selectinload(ChatMessage.author))))
    return rows[::-1]


def find_message(session_id: int, message_id: int | None) -> ChatMessage | None:
    """A session's message by the id clients know (its number within the session)."""
    return db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == session_id,
                                                       ChatMessage.seq == message_id))


def post_message(access: authz.SessionAccess, body: str, client_id: str) -> tuple[dict, bool]:
    """Stores a message by ``access.user`` and returns it as clients see it, and whether it is new:
    a repeated client_id from the same author returns the stored message instead of a duplicate.
    ``access`` is ``authz.session_access`` for this event. The caller commits, then acknowledges."""
    actor = access.user
    text = (body or "").replace("\r\n", "\n").strip()
    if not CLIENT_ID.match(client_id or ""):
        raise SessionError({"client_id": [_("Missing message id.")]})
    if len(text) > MAX_BODY:
        raise SessionError({"body": [_("A message has at most %(n)d characters.", n=MAX_BODY)]})
    counter = _next_event(access.session_id, actor.id)  # first write: holds the session row until commit
    existing = execute_core(_BY_CLIENT_ID, {"session_id": access.session_id, "author_id": actor.id,
                                            "client_id": client_id}).one_or_none()
    if existing is not None:
        return message_payload(existing, actor.name_th), False  # a retry: the number taken stays unused
    if not text:
        raise SessionError({"body": [_("Write a message.")]})
    if counter.state != SessionState.LIVE:
        raise SessionError({"state": [_("The session is not live.")]}, code="not_live")
    if counter.read_only and not access.may_host:
        raise SessionError({"state": [_("The host has made the chat read-only.")]}, code="read_only")
    if counter.muted:
        raise SessionError({"body": [_("The host has muted you in this session.")]}, code="muted")
    row = execute_core(_INSERT_MESSAGE, {
        "session_id": access.session_id, "seq": counter.last_event, "event": counter.last_event,
        "author_id": actor.id, "client_id": client_id, "body": text}).one()
    payload = message_payload(row, actor.name_th)
    outbox.queue(db.session, "message", payload, outbox.session_room(access.session_id))
    return payload, True


def edit_message(actor: User, message: ChatMessage, body: str) -> ChatMessage:
    text = (body or "").strip()
    if message.author_id != actor.id or message.deleted_at is not None:
        raise SessionError({"message": [_("You can edit only your own messages.")]}, code="forbidden")
    if not text or len(text) > MAX_BODY:
        raise SessionError({"body": [_("A message has 1 to %(n)d characters.", n=MAX_BODY)]})
    message.event = _next_event(message.session_id, actor.id).last_event
    message.body = text
    message.edited_at = utcnow()
    outbox.queue(db.session, "message", message_payload(message), outbox.session_room(message.session_id))
    return message


def delete_message(actor: User, message: ChatMessage, session: LiveSession) -> ChatMessage:
    """Authors delete their own messages, hosts any; the row stays as a tombstone."""
    host = authz.can_host_session(actor, session)
    if message.author_id != actor.id and not host:
        raise SessionError({"message": [_("You can delete only your own messages.")]}, code="forbidden")
    if message.deleted_at is None:
        message.event = _next_event(message.session_id, actor.id).last_event
        message.deleted_at = utcnow()
        message.deleted_by_id = actor.id
        if message.author_id != actor.id:
            audit.record("live.message_deleted", actor, session, message_id=message.seq, author_id=message.author_id)
        outbox.queue(db.session, "message_deleted", message_payload(message), outbox.session_room(message.session_id))
    return message


def set_muted(actor: User, session: LiveSession, user_id: int, muted: bool) -> None:
    row = db.session.scalar(select(SessionMute).where(SessionMute.session_id == session.id,
                                                      SessionMute.user_id == user_id))
    if muted and row is None:
        db.session.add(SessionMute(session_id=session.id, user_id=user_id, muted_by_id=actor.id))
    elif not muted and row is not None:
        db.session.delete(row)
    audit.record("live.muted" if muted else "live.unmuted", actor, session, user_id=user_id)
    # Tell the participant's open pages at once (they would otherwise learn it at their next send).
    outbox.queue(db.session, "muted", {"session_id": session.id, "muted": muted}, outbox.user_room(user_id))


def set_read_only(actor: User, session: LiveSession, read_only: bool) -> None:
    session.read_only = read_only
    audit.record("live.read_only" if read_only else "live.writable", actor, session)
    outbox.queue(db.session, "session_state", state_payload(session), outbox.session_room(session.id))


# ---------------------------------------------------------------------------- attendance


def open_interval(user: User, session: LiveSession, connection_id: str) -> Attendance:
    now = utcnow()
    row = Attendance(session_id=session.id, user_id=user.id, connection_id=connection_id, joined_at=now,
                     last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def close_interval(connection_id: str, session_id: int | None = None, connection=None) -> None:
    condition = [Attendance.connection_id == connection_id, Attendance.left_at.is_(None)]
    if session_id is not None:
        condition.append(Attendance.session_id == session_id)
    (connection or db.session).execute(update(Attendance).where(*condition).values(left_at=utcnow()))


def touch_interval(connection_id: str) -> None:
    db.session.execute(update(Attendance).where(Attendance.connection_id == connection_id,
                                                Attendance.left_at.is_(None)).values(last_seen_at=utcnow()))


def record_onsite(actor: User, session: LiveSession, attendees: dict[int, int]) -> None:
    """The host records who came to an onsite meeting and for how many minutes."""
    if session.mode != "onsite":
        raise SessionError({"mode": [_("Attendance is taken by the host only for onsite meetings.")]})
    allowed = invitees(session)
    errors = [uid for uid, minutes in attendees.items() if uid not in allowed or not 0 < int(minutes) <= 8 * 60]
    if errors:
        raise SessionError({"attendees": [_("Record members of the circle with 1 to 480 minutes.")]})
    db.session.execute(Attendance.__table__.delete().where(Attendance.session_id == session.id,
                                                           Attendance.onsite_minutes.is_not(None)))
    when = session.starts_at
    for user_id, minutes in attendees.items():
        db.session.add(Attendance(session_id=session.id, user_id=user_id, joined_at=when, last_seen_at=when,
                                  left_at=when + timedelta(minutes=int(minutes)), onsite_minutes=int(minutes),
                                  recorded_by_id=actor.id))
    if session.state != SessionState.ENDED:
        session.state = SessionState.ENDED
        session.started_at = session.started_at or when
        session.ended_at = when + timedelta(minutes=session.duration_minutes)
        db.session.add(CircleMeeting(circle_id=session.circle_id, cycle_id=session.cycle_id,
                                     held_on=to_local(when).date(), mode="onsite", title=session.title,
                                     minutes=session.duration_minutes, recorded_by_id=actor.id))
    db.session.flush()


def _merged_minutes(intervals: list[tuple[datetime, datetime]]) -> float:
    total = timedelta()
    current_start = current_end = None
    for start_at, end_at in sorted(intervals):
        if current_end is None or start_at > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start_at, end_at
        else:
            current_end = max(current_end, end_at)
    if current_end is not None:
        total += current_end - current_start
    return total.total_seconds() / 60


def participant_minutes(intervals: list[tuple[datetime, datetime | None, int | None]], cap: datetime) -> int:
    """One participant's minutes in one session from their (joined_at, left_at, onsite_minutes)
    intervals: overlapping connections (two tabs) count once, online time stops at ``cap`` (the
    session's end), onsite minutes are what the host recorded, even beyond the planned duration."""
    spans = [(joined, left if onsite is not None else min(left or cap, cap)) for joined, left, onsite in intervals]
    if len(spans) == 1:  # most people connect once: nothing to merge
        joined, left = spans[0]
        return int(round((left - joined).total_seconds() / 60)) if left > joined else 0
    return int(round(_merged_minutes([(a, b) for a, b in spans if b > a])))


@dataclass
class AttendanceRow:
    user: User
    minutes: int
    joins: int
    first_joined: datetime | None
    last_left: datetime | None
    present: bool


def attendance(session: LiveSession, now: datetime | None = None) -> list[AttendanceRow]:
    """Minutes per participant: overlapping connections (two tabs) count once."""
    now = now or utcnow()
    rows = list(db.session.scalars(select(Attendance).where(Attendance.session_id == session.id)))
    by_user: dict[int, list[Attendance]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    cap = session.ended_at or now
    result = []
    for intervals in by_user.values():
        minutes = participant_minutes([(r.joined_at, r.left_at, r.onsite_minutes) for r in intervals], cap)
        result.append(AttendanceRow(
            user=intervals[0].user, minutes=minutes, joins=len(intervals),
            first_joined=min(r.joined_at for r in intervals),
            last_left=max((r.left_at for r in intervals if r.left_at), default=None),
            present=any(r.left_at is None for r in intervals) and session.state == SessionState.LIVE))
    return sorted(result, key=lambda r: r.user.name_th)


@dataclass
class LedgerRow:
    session: LiveSession
    date: date
    term: str
    fiscal_year: int
    minutes: int
    mode: str


def ledger(user: User) -> list[LedgerRow]:
    """PLC hours of one teacher: online minutes from attendance plus onsite meetings, per session."""
    # The user's intervals of every session at once (the minutes are counted as ``attendance`` counts
    # them), and the sessions with what the ledger shows of them: a fixed number of statements.
    now = utcnow()
    intervals: dict[int, list[tuple[datetime, datetime | None, int | None]]] = {}
    for session_id, joined_at, left_at, onsite in db.session.execute(
            select(Attendance.session_id, Attendance.joined_at, Attendance.left_at, Attendance.onsite_minutes)
            .where(Attendance.user_id == user.id)):
        intervals.setdefault(session_id, []).append((joined_at, left_at, onsite))
    rows = []
    if not intervals:
        return rows
    for session in db.session.scalars(select(LiveSession).where(LiveSession.id.in_(intervals))
                                      .order_by(LiveSession.starts_at)
                                      .options(selectinload(LiveSession.circle), selectinload(LiveSession.guests))):
        minutes = participant_minutes(intervals[session.id], session.ended_at or now)
        if minutes <= 0:
            continue
        day = to_local(session.started_at or session.starts_at).date()
        rows.append(LedgerRow(session=session, date=day, term=str(academic_term(day)),
                              fiscal_year=fiscal_year_be(day), minutes=minutes, mode=session.mode))
    return rows


def ledger_totals(rows: list[LedgerRow]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {"term": {}, "fiscal_year": {}}
    for row in rows:
        totals["term"][row.term] = totals["term"].get(row.term, 0) + row.minutes
        key = str(row.fiscal_year)
        totals["fiscal_year"][key] = totals["fiscal_year"].get(key, 0) + row.minutes
    return totals


# ---------------------------------------------------------------------------- after the session


@dataclass
class ActionItemInput:
    text: str
    owner_id: int | None = None
    due_on: date | None = None


def write_summary(actor: User, session: LiveSession, decisions: str, items: list[ActionItemInput]) -> LiveSession:
    if session.state != SessionState.ENDED:
        raise SessionError({"state": [_("Write the summary after the session has ended.")]}, code="conflict")
    if not clean_text(decisions):
        raise SessionError({"decisions": [_("Write what the circle decided.")]})
    allowed = invitees(session)
    for item in items:
        if not clean_text(item.text) or (item.owner_id is not None and item.owner_id not in allowed):
            raise SessionError({"action_items": [_("Each action item needs a text and an owner from the session.")]})
    first = session.summary_at is None
    session.summary_decisions = decisions.strip()
    session.summary_html = render_markdown(session.summary_decisions)
    session.summary_at = utcnow()
    session.action_items = [ActionItem(text=i.text.strip(), owner_id=i.owner_id, due_on=i.due_on) for i in items]
    if first:
        told = invitees(session) - {actor.id}
        for user_id in told:
            notify(user_id, "session_summary", {"title": session.title}, f"/live/{session.id}")
        mail.queue_session_summary(session, told)
    db.session.flush()
    return session
