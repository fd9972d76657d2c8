"""The Socket.IO namespace ``/live`` (DESIGN §6). Handlers are thin: parse → authorize (again, on
every event) → one service call → commit → acknowledge. Broadcasts leave through the outbox after
the commit."""

from __future__ import annotations

import logging

from flask import request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf
from limits import parse

from plc import authz
from plc.extensions import db, limiter, socketio
from plc.models.live_sessions import ChatMessage, LiveSession
from plc.realtime import outbox
from plc.realtime.presence import store
from plc.services import live_sessions

log = logging.getLogger(__name__)

SEND_LIMIT = parse("20 per 10 seconds")
TYPING_LIMIT = parse("1 per 3 seconds")
TYPING_MAX_PARTICIPANTS = 50


def _error(code: str, message: str, **extra) -> dict:
    return {"ok": False, "error": code, "message": message, **extra}


def _user():
    """The user behind this socket, re-checked on every event: a logged-out or disabled user has
    no valid login session any more and is refused."""
    if not current_user.is_authenticated or not current_user.is_active:
        return None
    return current_user._get_current_object()


def _int(data, key: str, default: int | None = None) -> int | None:
    try:
        return int((data or {}).get(key, default))
    except (TypeError, ValueError):
        return default


def _attendable(user, session_id: int | None):
    session_row = db.session.get(LiveSession, session_id) if session_id else None
    if session_row is None or not authz.can_attend_session(user, session_row):
        return None
    return session_row


def presence_payload(session_id: int) -> dict:
    members = store().members(session_id)
    return {"session_id": session_id, "present": [{"id": p.user_id, "name": p.name} for p in members]}


def broadcast_presence(session_id: int) -> None:
    socketio.emit("presence", presence_payload(session_id), to=outbox.session_room(session_id),
                  namespace=outbox.NAMESPACE)


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        user = _user()
        if user is None:
            raise ConnectionRefusedError("unauthorized")
        try:
            validate_csrf((auth or {}).get("csrf_token"))
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

    def on_join(self, data):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        session_id, since_id = _int(data, "session_id"), _int(data, "since_id", 0) or 0
        live = _attendable(user, session_id)
        if live is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        if live_sessions.refresh_state(live):
            db.session.commit()
        join_room(outbox.session_room(live.id))
        if live.state == "live":
            live_sessions.close_interval(request.sid, live.id)
            live_sessions.open_interval(user, live, request.sid)
        db.session.commit()
        store().join(request.sid, live.id, user.id, user.name_th)
        messages, truncated = live_sessions.history(live.id, since_id)
        broadcast_presence(live.id)
        return {"ok": True, "messages": [live_sessions.message_payload(m) for m in messages],
                "truncated": truncated, "state": live_sessions.state_payload(live),
                "presence": presence_payload(live.id)["present"]}

    def on_leave(self, data):
        session_id = _int(data, "session_id")
        leave_room(outbox.session_room(session_id))
        store().leave(request.sid, session_id)
        live_sessions.close_interval(request.sid, session_id)
        db.session.commit()
        broadcast_presence(session_id)
        return {"ok": True}

    def on_send_message(self, data):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        live = _attendable(user, _int(data, "session_id"))
        if live is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        client_id = str((data or {}).get("client_id") or "")
        if not limiter.limiter.hit(SEND_LIMIT, "chat", str(user.id)):
            return _error("rate_limited", _("You are sending messages too fast. Wait a few seconds."))
        try:
            message, _created = live_sessions.post_message(user, live.id, str((data or {}).get("body") or ""),
                                                           client_id)
        except live_sessions.SessionError as error:
            db.session.rollback()
            return _error(error.code, str(error), fields=error.fields)
        db.session.commit()  # the outbox broadcasts now; the sender hears only after this
        return {"ok": True, "message": live_sessions.message_payload(message)}

    def _own_message(self, user, data):
        live = _attendable(user, _int(data, "session_id"))
        if live is None:
            return None, None
        message = db.session.scalar(db.select(ChatMessage).where(ChatMessage.session_id == live.id,
                                                                 ChatMessage.seq == _int(data, "message_id", -1)))
        return live, message

    def on_edit_message(self, data):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        live, message = self._own_message(user, data)
        if message is None:
            return _error("not_found", _("Message not found."))
        try:
            live_sessions.edit_message(user, message, str((data or {}).get("body") or ""))
        except live_sessions.SessionError as error:
            db.session.rollback()
            return _error(error.code, str(error), fields=error.fields)
        db.session.commit()
        return {"ok": True, "message": live_sessions.message_payload(message)}

    def on_delete_message(self, data):
        user = _user()
        if user is None:
            return _error("unauthorized", _("Please log in again."))
        live, message = self._own_message(user, data)
        if message is None:
            return _error("not_found", _("Message not found."))
        try:
            live_sessions.delete_message(user, message, live)
        except live_sessions.SessionError as error:
            db.session.rollback()
            return _error(error.code, str(error))
        db.session.commit()
        return {"ok": True, "message": live_sessions.message_payload(message)}

    def on_typing(self, data):
        user = _user()
        live = _attendable(user, _int(data, "session_id")) if user else None
        if live is None:
            return _error("not_found", _("This session does not exist or you are not invited."))
        if len(store().members(live.id)) > TYPING_MAX_PARTICIPANTS:
            return {"ok": True, "sent": False}
        if not limiter.limiter.hit(TYPING_LIMIT, "typing", str(user.id)):
            return {"ok": True, "sent": False}
        socketio.emit("typing", {"session_id": live.id, "user": {"id": user.id, "name": user.name_th}},
                      to=outbox.session_room(live.id), namespace=outbox.NAMESPACE, include_self=False)
        return {"ok": True, "sent": True}

    def on_heartbeat(self, data=None):
        if _user() is None:
            return _error("unauthorized", _("Please log in again."))
        store().heartbeat(request.sid)
        live_sessions.touch_interval(request.sid)
        db.session.commit()
        return {"ok": True}

    def _hosted(self, data):
        user = _user()
        live = _attendable(user, _int(data, "session_id")) if user else None
        if live is None or not authz.can_host_session(user, live):
            return user, None
        return user, live

    def on_mute(self, data):
        user, live = self._hosted(data)
        if live is None:
            return _error("forbidden", _("Only the host can do this."))
        live_sessions.set_muted(user, live, _int(data, "user_id", 0), bool((data or {}).get("muted", True)))
        db.session.commit()
        return {"ok": True}

    def on_set_read_only(self, data):
        user, live = self._hosted(data)
        if live is None:
            return _error("forbidden", _("Only the host can do this."))
        live_sessions.set_read_only(user, live, bool((data or {}).get("read_only", True)))
        db.session.commit()
        return {"ok": True}


def disconnect_user(user_id: int) -> None:
    """Ends every socket of a user, on every process (the message queue carries it)."""
    for sid in store().sids_of(user_id):
        try:
            socketio.server.disconnect(sid, namespace=outbox.NAMESPACE)
        except (KeyError, ValueError):  # already gone
            log.debug("socket %s already disconnected", sid)
