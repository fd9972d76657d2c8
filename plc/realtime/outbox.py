"""Events for connected clients are queued during the database transaction and emitted only after
it commits, so nobody ever hears of a message that a rollback then erased."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from plc.extensions import socketio
from plc.realtime.presence import store

log = logging.getLogger(__name__)

NAMESPACE = "/live"


@dataclass(frozen=True)
class Pending:
    event: str
    data: dict
    room: str


def queue(session: Session, name: str, data: dict, room: str) -> None:
    session.info.setdefault("plc_outbox", []).append(Pending(name, data, room))


DISCONNECT = "__disconnect_user__"


def queue_disconnect(session: Session, user_id: int) -> None:
    """After the commit, end the user's sockets (logout, disabled, removed from a circle)."""
    queue(session, DISCONNECT, {"user_id": user_id}, user_room(user_id))


def _emit_after_commit(session: Session) -> None:
    pending = session.info.pop("plc_outbox", [])
    if not pending:
        return
    for item in pending:
        if item.event == DISCONNECT:
            disconnect_user(item.data["user_id"])
        else:
            socketio.emit(item.event, item.data, to=item.room, namespace=NAMESPACE)


def disconnect_user(user_id: int) -> None:
    """Ends every socket of a user, on every process (the message queue carries it)."""
    for sid in store().sids_of(user_id):
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except (KeyError, ValueError):  # already gone
            log.debug("socket %s already disconnected", sid)


def _discard(session: Session, *_args) -> None:
    session.info.pop("plc_outbox", None)


def install() -> None:
    if not event.contains(Session, "after_commit", _emit_after_commit):
        event.listen(Session, "after_commit", _emit_after_commit)
        event.listen(Session, "after_soft_rollback", _discard)


def session_room(session_id: int) -> str:
    return f"session:{session_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"
