"""The Socket.IO namespace ``/live`` (DESIGN §6). Handlers are thin: parse → authorize (again, on
every event) → one service call → commit → acknowledge. Broadcasts leave through the outbox after
the commit."""

from __future__ import annotations

import logging
import threading

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf
from limits import parse
from werkzeug.exceptions import Forbidden, NotFound

from plc import authz
from plc.extensions import db, socketio
from plc.models.live_sessions import SessionState
from plc.realtime import outbox
from plc.realtime.presence import limits, store, throttle
from plc.services import live_sessions

log = logging.getLogger(__name__)

SEND_LIMIT = parse("20 per 10 seconds")
TYPING_LIMIT = parse("1 per 3 seconds")
TYPING_MAX_PARTICIPANTS = 50


CHAT_LOCK_STRIPES = 64


def install_chat_locks(app) -> None:
    # SQLite has one writer at a time for the whole file: one lock, so writers of different sessions
    # queue here rather than in SQLite's sleeping busy handler. PostgreSQL: a stripe per session.
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    stripes = 1 if sqlite else CHAT_LOCK_STRIPES
    app.extensions.setdefault("plc_chat_locks", tuple(threading.Lock() for _ in range(stripes)))


def chat_lock(session_id: int) -> threading.Lock:
    """Serializes, within this process, the writes that take a session's next event number, from
    the number through the commit to the broadcast. Two effects: the broadcasts leave in the order
    of their numbers (a thread that committed event 5 cannot emit after the one that committed 6),
    and a waiting writer wakes the moment the lock is free instead of sleeping in SQLite's busy
    handler (SQLite writes are serialized anyway; on PostgreSQL the session row lock already
    serializes one session's writers, and other sessions use other stripes)."""
    locks = current_app.extensions["plc_chat_locks"]
    return locks[session_id % len(locks)]


def _error(code: str, message: str, **extra) -> dict:
    return {"ok": False, "error": code, "message": message, **extra}


def _user():
    """The user behind this socket, re-checked on every event: a logged-out or disabled user has
    no valid login session any more and is refused."""
    if not current_user.is_authenticated or not current_user.is_active:
        return None
    return current_user._get_current_object()


def _fields(data) -> dict:
    """An event's payload as a dict: anything else (nothing, a string, a list) counts as empty, so
    malformed input gets a clear error ack instead of an exception and no answer at all."""
    return data if isinstance(data, dict) else {}


def _int(data, key: str, default: int | None = None) -> int | None:
    try:
        value = int(_fields(data).get(key, default))
    except (TypeError, ValueError, OverflowError):
        return default
    return value if -(2**31) <= value < 2**31 else default  # ids are database integers


def _session(user, session_id: int | None, action: str):
    """The session if ``user`` may do ``action`` to it, its state brought up to date first
    (``live_sessions.session_for``, as the pages and the API ask it; an ending is saved at once);
    ``None`` for a refusal (audited all the same), which the handlers answer with an error code."""
    try:
        live, ended = live_sessions.session_for(user, session_id, action)
    except (NotFound, Forbidden):
        return None
    if ended:
        db.session.commit()
    return live


def presence_payload(session_id: int) -> dict:
    members = store().members(session_id)
    return {"session_id": session_id, "present": [{"id": p.user_id, "name": p.name} for p in members]}


def _emit_presence(session_id: int) -> None:
    socketio.emit("presence", presence_payload(session_id), to=outbox.session_room(session_id),
                  namespace=outbox.NAMESPACE)


def broadcast_presence(session_id: int) -> None:
    """Tells the room who is here now, coalesced: at most one broadcast per session per second and
    process (see presence.PresenceThrottle); the joiner's own list comes in its join ack."""
    throttle().request(session_id, _emit_presence)


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        user = _user()
        if user is None:
            raise ConnectionRefusedError("unauthorized")
        try:
            validate_csrf(_fields(auth).get("csrf_token"))
        except ValidationError as error:
            raise ConnectionRefusedError("csrf") from error
        store().connect(request.sid, user.id)
        join_room(outbox.user_room(user.id))
        session.modified = False

    def on_disconnect(self, reason=None):
        # May run inside another request's after-commit (a logout ends its sockets), so it writes
        # on a connection of its own rather than the request's session.
        left = store().disconnect(request.sid)
        with db.engine.begin() as connection:
            live_sessions.close_interval(request.sid, connection=connection)
        for session_id in left:
            broadcast_presence(session_id)

    def on_join(self, data=None):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        session_id, since_id = _int(data, "session_id"), _int(data, "since_id", 0) or 0
        live = _session(user, session_id, "live_session.join")
        if live is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        join_room(outbox.session_room(live.id))
        if live.state == SessionState.LIVE:
            live_sessions.close_interval(request.sid, live.id)
            live_sessions.open_interval(user, live, request.sid)
        db.session.commit()
        store().join(request.sid, live.id, user.id, user.name_th)
        messages, truncated = live_sessions.history(live.id, since_id)
        broadcast_presence(live.id)
        return {"ok": True, "messages": [live_sessions.message_payload(m) for m in messages],
                "truncated": truncated, "state": live_sessions.state_payload(live),
                "presence": presence_payload(live.id)["present"]}

    def on_leave(self, data=None):
        session_id = _int(data, "session_id")
        if session_id is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        leave_room(outbox.session_room(session_id))
        store().leave(request.sid, session_id)
        live_sessions.close_interval(request.sid, session_id)
        db.session.commit()
        broadcast_presence(session_id)
        return {"ok": True}

    def on_send_message(self, data=None):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        access = authz.chat_access(user, _int(data, "session_id"), "live_session.send_message")
        if access is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        if not limits().hit(SEND_LIMIT, "chat", str(user.id)):
            return _error("rate_limited", _("You are sending messages too fast. Wait a few seconds."))
        if live_sessions.left_running(access):  # ended first, as the pages and the API end it: not live
            _session(user, access.session_id, "live_session.send_message")
        with chat_lock(access.session_id):
            try:
                payload, _created = live_sessions.post_message(access, str(_fields(data).get("body") or ""),
                                                               str(_fields(data).get("client_id") or ""))
            except live_sessions.SessionError as error:
                db.session.rollback()
                return _error(error.code, str(error), fields=error.fields)
            db.session.commit()  # the outbox broadcasts now; the sender hears only after this
        return {"ok": True, "message": payload}

    def _own_message(self, user, data, action: str):
        live = _session(user, _int(data, "session_id"), action)
        if live is None:
            return None, None
        return live, live_sessions.find_message(live.id, _int(data, "message_id", -1))

    def on_edit_message(self, data=None):
        body = str(_fields(data).get("body") or "")
        return self._change_own_message(
            data, "live_session.edit_message",
            lambda user, message, live: live_sessions.edit_message(user, message, body), with_fields=True)

    def on_delete_message(self, data=None):
        return self._change_own_message(
            data, "live_session.delete_message",
            lambda user, message, live: live_sessions.delete_message(user, message, live), with_fields=False)

    def _change_own_message(self, data, action: str, change, *, with_fields: bool):
        """Edit or delete: the service checks who may; committed before the answer (the outbox then
        tells the room)."""
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        live, message = self._own_message(user, data, action)
        if message is None:
            return _error("not_found", _("Message not found."))
        with chat_lock(live.id):
            try:
                change(user, message, live)
            except live_sessions.SessionError as error:
                db.session.rollback()
                extra = {"fields": error.fields} if with_fields else {}
                return _error(error.code, str(error), **extra)
            payload = live_sessions.message_payload(message)
            db.session.commit()
        return {"ok": True, "message": payload}

    def on_typing(self, data=None):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        access = authz.chat_access(user, _int(data, "session_id"), "live_session.typing")
        if access is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        if len(store().members(access.session_id)) > TYPING_MAX_PARTICIPANTS:
            return {"ok": True, "sent": False}
        if not limits().hit(TYPING_LIMIT, "typing", str(user.id)):
            return {"ok": True, "sent": False}
        socketio.emit("typing", {"session_id": access.session_id, "user": {"id": user.id, "name": user.name_th}},
                      to=outbox.session_room(access.session_id), namespace=outbox.NAMESPACE, include_self=False)
        return {"ok": True, "sent": True}

    def on_heartbeat(self, data=None):
        if _user() is None:
            return _error("unauthorized", _("Please log in again."))
        store().heartbeat(request.sid)
        live_sessions.touch_interval(request.sid)
        db.session.commit()
        return {"ok": True}

    def _hosted(self, data, action: str):
        user = _user()
        return user, _session(user, _int(data, "session_id"), action) if user else None

    def on_mute(self, data=None):
        user, live = self._hosted(data, "live_session.mute")
        if live is None:
            return _error("forbidden", _("Only the host can do this."))
        live_sessions.set_muted(user, live, _int(data, "user_id", 0), bool(_fields(data).get("muted", True)))
        db.session.commit()
        return {"ok": True}

    def on_set_read_only(self, data=None):
        user, live = self._hosted(data, "live_session.read_only")
        if live is None:
            return _error("forbidden", _("Only the host can do this."))
        live_sessions.set_read_only(user, live, bool(_fields(data).get("read_only", True)))
        db.session.commit()
        return {"ok": True}

