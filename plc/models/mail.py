"""E-mail: the outbox of messages queued in the transaction that made them (sent after it commits,
by plc/mailer.py) and each person's choice of which notifications they get by e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

# The notifications that can also come by e-mail (the in-app kinds, plus the invitation link).
EMAIL_KINDS = ("invitation", "session_scheduled", "session_reminder", "visit_planned", "session_summary")


class EmailMessage(db.Model):
    """One message to one person, rendered in their language when it was queued.

    Due while ``sent_at`` is empty and ``next_attempt_at`` has come; a sender claims a row by moving
    ``next_attempt_at`` on, so two senders never send the same row. Given up: ``next_attempt_at`` empty
    with ``last_error`` kept."""

    __tablename__ = "email_message"
    __table_args__ = (Index("ix_email_message_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class EmailPreference(db.Model):
    """A person's choice for one kind; no row means yes (every kind is on by default)."""

    __tablename__ = "email_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
