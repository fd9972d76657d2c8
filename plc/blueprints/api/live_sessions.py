"""Live PLC sessions over HTTP (issue 5, DESIGN §6): scheduling, starting and ending, the chat history
(the HTTP twin of the socket's ``join`` ack), attendance, onsite attendance, the host's summary, a
teacher's PLC-hours ledger (JSON or CSV) and the caller's in-app notifications.

Every session route answers 404 to someone who may not see the session (another tenant), exactly
as for an id that does not exist; 403 to someone who sees it but may not do this."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Response, g, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plc import audit, authz, exports
from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors, paginated
from plc.blueprints.api.cycles import CycleCircleSchema, PhaseSchema
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.extensions import db, limiter
from plc.i18n import BANGKOK, to_local
from plc.models import User
from plc.models._types import length_of
from plc.models.live_sessions import SESSION_MODES, SESSION_STATES, ActionItem, LiveSession, Notification
from plc.services import live_sessions, notifications
from plc.services.live_sessions import ActionItemInput, SessionInput

blp = Blueprint("api_live_sessions", __name__, url_prefix="", description="Live PLC sessions, PLC hours, notifications")
blp.before_request(authenticate_request)

EXPORT_LIMIT = "30 per minute"


# ---------------------------------------------------------------------------- schemas


class BangkokDateTime(fields.DateTime):
    """A date-time written in Bangkok time (+07:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(None if value is None else to_local(value), attr, obj, **kwargs)


class SessionCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)


class LiveSessionSchema(ObjectSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(SESSION_MODES))
    state = fields.String(required=True, validate=validate.OneOf(SESSION_STATES),
                          metadata={"description": "scheduled → live (host starts) → ended (host ends, or "
                                                   "automatically after the planned end plus a grace period)"})
    read_only = fields.Boolean(required=True, metadata={"description": "only the host may write in the chat"})
    starts_at = BangkokDateTime(required=True, metadata={"description": "in Bangkok time (+07:00)"})
    ends_at = BangkokDateTime(required=True, metadata={"description": "planned end, in Bangkok time"})
    duration_minutes = fields.Integer(required=True)
    started_at = BangkokDateTime(allow_none=True, required=True, metadata={"description": "in Bangkok time"})
    ended_at = BangkokDateTime(allow_none=True, required=True, metadata={"description": "in Bangkok time"})
    circle = fields.Nested(CycleCircleSchema, required=True)
    cycle_id = fields.Integer(allow_none=True, required=True)
    host = fields.Nested(PersonSchema, required=True)
    has_summary = fields.Boolean(required=True)

    def get_ends_at(self, live: LiveSession) -> datetime:
        return live_sessions.planned_end(live)

    def get_has_summary(self, live: LiveSession) -> bool:
        return live.summary_at is not None


class SummarySchema(ObjectSchema):
    """Read from the session."""

    decisions = fields.String(required=True, metadata={"description": "markdown source"})
    decisions_html = fields.String(required=True, metadata={"description": "sanitized HTML of the decisions"})
    written_at = fields.DateTime(required=True, attribute="summary_at")

    def get_decisions(self, live: LiveSession) -> str:
        return live.summary_decisions or ""

    def get_decisions_html(self, live: LiveSession) -> str:
        return live.summary_html or ""


class ActionItemSchema(Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    owner = fields.Nested(PersonSchema, allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)


class SessionPermissionsSchema(Schema):
    attend = fields.Boolean(required=True, metadata={"description": "may join the chat"})
    host = fields.Boolean(required=True, metadata={"description": "may start, end, moderate, take attendance "
                                                                  "and write the summary"})


class LiveSessionDetailSchema(LiveSessionSchema):
    agenda = fields.String(allow_none=True, required=True)
    cycle = fields.Nested(SessionCycleSchema, allow_none=True, required=True)
    phase = fields.Nested(PhaseSchema, allow_none=True, required=True,
                          metadata={"description": "the cycle's phase when the session was scheduled"})
    guests = fields.List(fields.Nested(PersonSchema), required=True)
    summary = fields.Nested(SummarySchema, allow_none=True, required=True)
    action_items = fields.List(fields.Nested(ActionItemSchema), required=True)
    last_event_id = fields.Integer(required=True, attribute="last_event", metadata={
        "description": "the session's latest chat event: pass it as since_id to hear only what follows"})
    permissions = fields.Nested(SessionPermissionsSchema, required=True)

    def get_guests(self, live: LiveSession) -> list[User]:
        return [guest.user for guest in live.guests]

    def get_summary(self, live: LiveSession) -> LiveSession | None:
        return None if live.summary_at is None else live  # SummarySchema reads the session

    def get_permissions(self, live: LiveSession) -> dict:
        return authz.permissions(api_user(), live)


class SessionQueryArgsSchema(PageArgsSchema):
    circle_id = fields.Integer(load_default=None)
    upcoming = fields.Boolean(load_default=False, metadata={
        "description": "only sessions not yet ended of the caller's circles, where they are a guest or the host"})


class SessionCreateSchema(Schema):
    circle_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=length_of(LiveSession.title)))
    starts_at = fields.AwareDateTime(
        required=True, default_timezone=BANGKOK,
        error_messages={"invalid": _l("Enter a date and time in ISO 8601, for example 2026-06-15T13:30:00+07:00.")},
        metadata={"description": "ISO 8601; without an offset the time is taken as Bangkok time"})
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=8 * 60))
    mode = fields.String(required=True, validate=validate.OneOf(SESSION_MODES))
    agenda = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=length_of(LiveSession.agenda)))
    cycle_id = fields.Integer(load_default=None, allow_none=True)
    guest_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=200),
                            metadata={"description": "people from other schools of the circle's network"})


class MessageAuthorSchema(Schema):
    id = fields.Integer(allow_none=True, required=True)
    name = fields.String(required=True)


class MessageSchema(Schema):
    """Exactly the shape of the socket's ``message`` event and ``join`` ack."""

    id = fields.Integer(required=True, metadata={"description": "server-assigned, increasing per session"})
    event_id = fields.Integer(required=True, metadata={
        "description": "counter value of the message's latest change (creation, edit or deletion)"})
    session_id = fields.Integer(required=True)
    author = fields.Nested(MessageAuthorSchema, required=True)
    body = fields.String(required=True, metadata={"description": "plain text; empty for a deleted message"})
    client_id = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    edited_at = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})
    deleted = fields.Boolean(required=True, metadata={"description": "a tombstone"})


class MessageHistorySchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    truncated = fields.Boolean(required=True, metadata={
        "description": "more than the limit changed after since_id: reload the whole history"})


class MessageArgsSchema(Schema):
    since_id = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "the last event_id the client has; messages, edits and deletions after it are returned"})


class AttendanceRowSchema(Schema):
    user = fields.Nested(PersonSchema, required=True)
    minutes = fields.Integer(required=True, metadata={"description": "overlapping connections count once"})
    joins = fields.Integer(required=True)
    first_joined = fields.DateTime(allow_none=True, required=True)
    last_left = fields.DateTime(allow_none=True, required=True)
    present = fields.Boolean(required=True)


class AttendanceSchema(Schema):
    session_id = fields.Integer(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["everyone", "own"]), metadata={
        "description": "everyone (the host and the circle's managers) or own (a participant's own row)"})
    rows = fields.List(fields.Nested(AttendanceRowSchema), required=True)


class AttendeeSchema(Schema):
    user_id = fields.Integer(required=True)
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=8 * 60))


class OnsiteAttendanceSchema(Schema):
    attendees = fields.List(fields.Nested(AttendeeSchema), required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _once_each(self, data, **_kwargs):
        user_ids = [a["user_id"] for a in data.get("attendees", [])]
        if len(user_ids) != len(set(user_ids)):
            raise ValidationError(_l("List each person once."), "attendees")


class ActionItemInputSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=length_of(ActionItem.text)))
    owner_id = fields.Integer(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)


class SummaryInputSchema(Schema):
    decisions = fields.String(required=True,
                              validate=validate.Length(max=length_of(LiveSession.summary_decisions)),
                              metadata={"description": "markdown"})
    action_items = fields.List(fields.Nested(ActionItemInputSchema), load_default=list,
                               validate=validate.Length(max=50))


class LedgerCircleSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class LedgerRowSchema(Schema):
    session_id = fields.Integer(required=True, attribute="session.id")
    title = fields.String(required=True, attribute="session.title")
    circle = fields.Nested(LedgerCircleSchema, required=True, attribute="session.circle")
    date = fields.Date(required=True, metadata={"description": "the day it was held (Bangkok)"})
    term = fields.String(required=True, metadata={"example": "2/2569", "description": "semester/BE academic year"})
    fiscal_year = fields.Integer(required=True, metadata={"example": 2570, "description": "BE fiscal year"})
    mode = fields.String(required=True, validate=validate.OneOf(SESSION_MODES))
    minutes = fields.Integer(required=True)


class TermTotalSchema(Schema):
    term = fields.String(required=True)
    minutes = fields.Integer(required=True)
    hours = fields.Float(required=True)


class FiscalYearTotalSchema(Schema):
    fiscal_year = fields.Integer(required=True)
    minutes = fields.Integer(required=True)
    hours = fields.Float(required=True)


class LedgerTotalsSchema(Schema):
    terms = fields.List(fields.Nested(TermTotalSchema), required=True)
    fiscal_years = fields.List(fields.Nested(FiscalYearTotalSchema), required=True)
    minutes = fields.Integer(required=True)
    hours = fields.Float(required=True)


class LedgerSchema(Schema):
    user = fields.Nested(PersonSchema, required=True)
    rows = fields.List(fields.Nested(LedgerRowSchema), required=True)
    totals = fields.Nested(LedgerTotalsSchema, required=True)


class LedgerArgsSchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]), metadata={
        "description": "csv: a UTF-8 file (with BOM, for Excel) to attach to the performance-agreement evidence"})


class NotificationSchema(ObjectSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"example": "session_summary"})
    title = fields.String(required=True)
    url = fields.String(allow_none=True, required=True, metadata={"description": "the page it is about"})
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True, required=True)

    def get_title(self, note: Notification) -> str:
        return notifications.notification_title(note)  # in the request's language


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True, metadata={
        "description": "the newest unread notifications (at most 100)"})
    unread = fields.Integer(required=True, metadata={"description": "how many are unread in all"})


LiveSessionPageSchema = page_schema(LiveSessionSchema, "LiveSessionPage")


# ---------------------------------------------------------------------------- helpers


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _ledger_totals(rows, totals: dict) -> dict:
    total = sum(r.minutes for r in rows)
    return {"terms": [{"term": term, "minutes": m, "hours": _hours(m)} for term, m in totals["term"].items()],
            "fiscal_years": [{"fiscal_year": int(year), "minutes": m, "hours": _hours(m)}
                             for year, m in totals["fiscal_year"].items()],
            "minutes": total, "hours": _hours(total)}


def _session(session_id: int, action: str) -> LiveSession:
    """The session if the caller may do ``action`` to it, its state brought up to date first
    (``live_sessions.session_for``, as the pages and the chat ask it); an ending is saved at once."""
    live, ended = live_sessions.session_for(api_user(), session_id, action)
    if ended:
        db.session.commit()
    return live


def _export_key() -> str:
    user = getattr(g, "api_user", None)
    return f"export:user:{user.id}" if user is not None else "export:anonymous"


def _not_csv() -> bool:
    return request.args.get("format") != "csv"


def ledger_csv(teacher: User, rows, totals: dict) -> Response:
    """One row per session, then totals per semester and fiscal year."""
    lines = exports.ledger_rows(teacher, rows)
    if rows:
        lines += [[], *exports.ledger_total_rows(teacher, totals)]
    name = f"ชั่วโมง PLC {teacher.name_th}.csv"
    fallback = f"plc-hours-{teacher.id}.csv"
    return exports.csv_response(
        lines, f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}")


# ---------------------------------------------------------------------------- sessions


@blp.route("/live-sessions")
@blp.arguments(SessionQueryArgsSchema, location="query")
@blp.response(200, LiveSessionPageSchema)
@errors(blp, 401)
def list_sessions(args):
    """Sessions the caller may see (of circles they see, or where they are a guest), by start time."""
    query = live_sessions.sessions_query(api_user(), circle_id=args["circle_id"], upcoming=args["upcoming"])
    if live_sessions.end_overdue(query):
        db.session.commit()
    return paginated(query, args, lambda live: live)  # the page schema serialises each session


@blp.route("/live-sessions", methods=["POST"])
@blp.arguments(SessionCreateSchema)
@blp.response(201, LiveSessionDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_session(body):
    """Schedule a session for a circle (facilitators and managers of the circle, and coaches or
    supervisors in it). Members and guests are notified. A ``starts_at`` without an offset is Bangkok time."""
    user = api_user()
    circle = authz.access_session_circle(user, body.pop("circle_id"), "live_session.schedule")
    live = live_sessions.schedule(user, circle, SessionInput(**body))
    db.session.commit()
    return live


@blp.route("/live-sessions/<int:session_id>")
@blp.response(200, LiveSessionDetailSchema)
@errors(blp, 401, 404)
def get_session(session_id: int):
    """The session with its current state, host, circle, cycle and phase, guests, summary and action items."""
    return _session(session_id, "live_session.view")


@blp.route("/live-sessions/<int:session_id>/start", methods=["POST"])
@blp.response(200, LiveSessionDetailSchema)
@errors(blp, 401, 403, 404, 409)
def start_session(session_id: int):
    """The host starts a scheduled online session (409 in any other state, and for onsite meetings)."""
    live = _session(session_id, "live_session.start")
    live_sessions.start(api_user(), live)
    db.session.commit()
    return live


@blp.route("/live-sessions/<int:session_id>/end", methods=["POST"])
@blp.response(200, LiveSessionDetailSchema)
@errors(blp, 401, 403, 404, 409)
def end_session(session_id: int):
    """The host ends a live session (409 in any other state); open attendance intervals are closed."""
    live = _session(session_id, "live_session.end")
    live_sessions.end(api_user(), live)
    db.session.commit()
    return live


@blp.route("/live-sessions/<int:session_id>/messages")
@blp.arguments(MessageArgsSchema, location="query")
@blp.response(200, MessageHistorySchema)
@errors(blp, 401, 403, 404)
def list_messages(args, session_id: int):
    """The HTTP twin of the socket's ``join`` ack: messages, edits and deletions (tombstones) whose
    event_id is after ``since_id``, oldest first, at most 500 (``truncated`` when there were more).

    Those who may attend (members, guests, the host, the circle's managers) read it at any time;
    others who see the circle read it once the session has ended, as part of the circle's record."""
    live = _session(session_id, "live_session.messages")
    messages, truncated = live_sessions.history(live.id, args["since_id"])
    return {"messages": [live_sessions.message_payload(m) for m in messages], "truncated": truncated}


@blp.route("/live-sessions/<int:session_id>/attendance")
@blp.response(200, AttendanceSchema)
@errors(blp, 401, 403, 404)
def get_attendance(session_id: int):
    """Minutes, joins, first join and last leave per participant.

    Who sees what (``authz``): the host and the circle's managers (``can_host_session``) see everyone
    (``scope: everyone``); another participant (``can_attend_session``: member, guest) sees only
    their own row (``scope: own``, empty if they never joined); anyone else who can see the session
    gets 403."""
    user = api_user()
    live = _session(session_id, "live_session.attendance")
    everyone = authz.can_host_session(user, live)
    rows = live_sessions.attendance(live)
    if not everyone:
        rows = [r for r in rows if r.user.id == user.id]
    return {"session_id": live.id, "scope": "everyone" if everyone else "own", "rows": rows}


@blp.route("/live-sessions/<int:session_id>/onsite-attendance", methods=["POST"])
@blp.arguments(OnsiteAttendanceSchema)
@blp.response(200, AttendanceSchema)
@errors(blp, 400, 401, 403, 404)
def record_onsite_attendance(body, session_id: int):
    """The host records who came to an onsite meeting and for how many minutes (replacing an earlier
    record); the meeting is then ended and the minutes count as PLC hours. Online sessions: 422."""
    live = _session(session_id, "live_session.onsite_attendance")
    live_sessions.record_onsite(api_user(), live, {a["user_id"]: a["minutes"] for a in body["attendees"]})
    db.session.commit()
    return {"session_id": live.id, "scope": "everyone", "rows": live_sessions.attendance(live)}


@blp.route("/live-sessions/<int:session_id>/summary", methods=["POST"])
@blp.arguments(SummaryInputSchema)
@blp.response(200, LiveSessionDetailSchema)
@errors(blp, 400, 401, 403, 404, 409)
def write_summary(body, session_id: int):
    """The host writes (or rewrites) the summary after the session has ended (409 before): decisions
    and action items with owners from the session. The first summary notifies every participant."""
    live = _session(session_id, "live_session.summary")
    items = [ActionItemInput(**item) for item in body["action_items"]]
    live_sessions.write_summary(api_user(), live, body["decisions"], items)
    db.session.commit()
    return live


# ---------------------------------------------------------------------------- PLC hours


@blp.route("/users/<int:user_id>/plc-hours")
@limiter.limit(EXPORT_LIMIT, key_func=_export_key, exempt_when=_not_csv)
@blp.arguments(LedgerArgsSchema, location="query")
@blp.response(200, LedgerSchema)
@blp.doc(responses={"200": {"description": "The ledger as JSON, or as a CSV file with ?format=csv", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Ledger"}},
    "text/csv": {"schema": {"type": "string"}, "example": "\ufeffครู,วันที่,…"}}}})
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@errors(blp, 401, 403, 404)
def plc_hours(args, user_id: int):
    """A teacher's PLC-hours ledger: online minutes from attendance and onsite meetings recorded by
    the host, per session, with totals per semester and fiscal year. The teacher and those who manage
    them may read it. ``?format=csv`` answers a file (text/csv, UTF-8 with BOM) instead; exports are
    audited and rate-limited."""
    teacher = authz.access_ledger(api_user(), user_id, "ledger.view")
    rows = live_sessions.ledger(teacher)
    totals = live_sessions.ledger_totals(rows)
    if args["format"] == "csv":
        audit.record("export.plc_hours", api_user(), teacher, rows=len(rows), via="api")
        db.session.commit()
        return ledger_csv(teacher, rows, totals)
    return {"user": teacher, "rows": rows, "totals": _ledger_totals(rows, totals)}


# ---------------------------------------------------------------------------- notifications


@blp.route("/notifications")
@blp.response(200, NotificationListSchema)
@errors(blp, 401)
def list_notifications():
    """The caller's unread notifications, newest first."""
    user = api_user()
    return {"items": notifications.unread_notifications(user, limit=100),
            "unread": notifications.unread_count(user)}


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
@errors(blp, 401, 404)
def read_notification(notification_id: int):
    """Mark one of the caller's notifications read (someone else's answers 404)."""
    user = api_user()
    note = authz.access_notification(user, notification_id, "notification.read")
    notifications.mark_read(user, [note.id])
    db.session.commit()
    return note
