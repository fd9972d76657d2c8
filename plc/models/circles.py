"""PLC circles (วง PLC): who meets, under which norms, how often, and when they met."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

CIRCLE_ROLES = ("member", "facilitator")
MEETING_PERIODS = ("semester", "month")
MEETING_MODES = ("onsite", "online")


class Circle(db.Model):
    __tablename__ = "circle"
    __table_args__ = (
        CheckConstraint("(school_id IS NULL) <> (network_id IS NULL)", name="one_scope"),
        CheckConstraint("meeting_count >= 1", name="meeting_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    learning_area: Mapped[str | None] = mapped_column(String(120))
    grade_band: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    norms: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    norms_version: Mapped[int] = mapped_column(Integer, default=1)
    meeting_count: Mapped[int] = mapped_column(Integer, default=1)
    meeting_period: Mapped[str] = mapped_column(String(12), default="semester")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school = relationship("School")
    network = relationship("Network")
    members: Mapped[list[CircleMember]] = relationship(back_populates="circle", order_by="CircleMember.joined_on",
                                                       cascade="all, delete-orphan")
    meetings: Mapped[list[CircleMeeting]] = relationship(back_populates="circle", order_by="CircleMeeting.held_on",
                                                         cascade="all, delete-orphan")
    cycles = relationship("Cycle", back_populates="circle", order_by="Cycle.created_at")

    @property
    def scope(self):
        return self.school or self.network

    @property
    def scope_kind(self) -> str:
        return "school" if self.school_id is not None else "network"

    def current_members(self, today: date | None = None) -> list[CircleMember]:
        today = today or bangkok_today()
        return [m for m in self.members if m.is_current(today)]

    def membership_of(self, user_id: int, today: date | None = None) -> CircleMember | None:
        return next((m for m in self.current_members(today) if m.user_id == user_id), None)


class CircleMember(db.Model):
    """Joining and leaving are dated; rows stay when someone leaves."""

    __tablename__ = "circle_member"
    __table_args__ = (CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12), default="member")
    joined_on: Mapped[date] = mapped_column(Date, default=bangkok_today)
    left_on: Mapped[date | None] = mapped_column(Date)  # first day no longer a member
    accepted_norms_version: Mapped[int | None] = mapped_column(Integer)
    accepted_norms_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    circle: Mapped[Circle] = relationship(back_populates="members")
    user = relationship("User")

    def is_current(self, today: date | None = None) -> bool:
        today = today or bangkok_today()
        return self.joined_on <= today and (self.left_on is None or self.left_on > today)

    @staticmethod
    def current_clause(today=None):
        """``is_current`` in SQL; ``today`` may be a bound parameter (statements built once)."""
        today = bangkok_today() if today is None else today
        return (CircleMember.joined_on <= today) & or_(CircleMember.left_on.is_(None), CircleMember.left_on > today)

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"

    @property
    def has_accepted_norms(self) -> bool:
        return self.accepted_norms_version == self.circle.norms_version


class CircleMeeting(db.Model):
    """A meeting that was held (onsite or online); counts towards the circle's meeting rule."""

    __tablename__ = "circle_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(12), default="onsite")
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 10000})
    minutes: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    circle: Mapped[Circle] = relationship(back_populates="meetings")
    cycle = relationship("Cycle")
    recorded_by = relationship("User")
