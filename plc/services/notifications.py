"""In-app notifications: a kind and its values are stored, and worded when shown, in the reader's
language. Live sessions (scheduled, summary written) and coaching visits (planned) send them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from plc.extensions import db
from plc.models import User
from plc.models._types import length_of, utcnow
from plc.models.live_sessions import Notification

NOTIFICATION_TEXTS = {
    "session_scheduled": _l("New PLC session: %(title)s"),
    "session_summary": _l("Summary of %(title)s"),
    "visit_planned": _l("%(coach)s plans a coaching visit to your classroom"),
}


def notify(user_id: int, kind: str, data: dict, url: str | None = None) -> Notification:
    """Keeps the kind and its values; the text is worded when shown, in the reader's language.
    ``title`` keeps the wording in the sender's language for readers of old rows."""
    note = Notification(user_id=user_id, kind=kind, data=data, title=notification_text(kind, data)[:length_of(Notification.title)], url=url)
    db.session.add(note)
    return note


def notification_text(kind: str, data: dict, fallback: str = "") -> str:
    template = NOTIFICATION_TEXTS.get(kind)
    try:
        return str(template) % data if template is not None else fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def notification_title(note: Notification) -> str:
    """The notification in the current request's language."""
    return notification_text(note.kind, note.data or {}, note.title)


def unread_notifications(user: User, limit: int = 20) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.read_at.is_(None))
                                   .order_by(Notification.created_at.desc()).limit(limit)))


def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Marks the user's unread notifications read (all of them when no ids are given); returns how many."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
