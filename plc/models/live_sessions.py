"""Live online PLC sessions: the chat that is part of the cycle's record, attendance intervals that
become PLC hours, the host's summary, and in-app notifications."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

SESSION_MODES = ("online", "onsite")
class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


SESSION_STATES = tuple(SessionState)


class LiveSession(db.Model):
    __tablename__ = "live_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("cycle_phase.id", ondelete="SET NULL"))
    host_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    mode: Mapped[str] = mapped_column(String(10), default="online")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    state: Mapped[str] = mapped_column(String(12), default=SessionState.SCHEDULED)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-session counter: every message and every edit or delete takes the next number, under the
    # session row's lock, so numbers follow commit order and "everything after N" never skips.
    last_event: Mapped[int] = mapped_column(Integer, default=0)
    summary_decisions: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    summary_html: Mapped[str | None] = mapped_column(Text)
    summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the e-mail reminders were queued (plc/services/live_sessions.queue_due_reminders); set when
    # the session is scheduled if it starts sooner than the reminder lead: its scheduling e-mail tells.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    circle = relationship("Circle")
    cycle = relationship("Cycle")
    phase = relationship("CyclePhase")
    host = relationship("User")
    guests: Mapped[list[SessionGuest]] = relationship(back_populates="session", cascade="all, delete-orphan")
    action_items: Mapped[list[ActionItem]] = relationship(back_populates="session", order_by="ActionItem.id",
                                                          cascade="all, delete-orphan")


class SessionGuest(db.Model):
    """Someone from another school of the network invited to one session."""

    __tablename__ = "session_guest"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[LiveSession] = relationship(back_populates="guests")
    user = relationship("User", foreign_keys=[user_id])


class ChatMessage(db.Model):
    __tablename__ = "chat_message"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "author_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the message's id within its session
    event: Mapped[int] = mapped_column(Integer, index=True)  # counter value of its latest change
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id])


class SessionMute(db.Model):
    __tablename__ = "session_mute"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    """One join→leave interval of one connection, written when it happens (not kept in memory)."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[str | None] = mapped_column(String(64), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Onsite meetings: the host records who attended and for how long.
    onsite_minutes: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])


class ActionItem(db.Model):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, info={"max_length": 500})
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)

    session: Mapped[LiveSession] = relationship(back_populates="action_items")
    owner = relationship("User")


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
