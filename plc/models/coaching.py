"""Coaching and supervision visits (การนิเทศ), following S-DIA's implement step: plan together,
observe learners, reflect on both sides, synthesise across visits."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow


class VisitStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


VISIT_STATUSES = tuple(VisitStatus)


class CoachingVisit(db.Model):
    __tablename__ = "coaching_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"))
    planned_on: Mapped[date] = mapped_column(Date, index=True)
    focus: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    observe_what: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.PLANNED)
    held_on: Mapped[date | None] = mapped_column(Date)
    observation_notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    coach_reflection: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    teacher_reflection: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    follow_up: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coach = relationship("User", foreign_keys=[coach_id])
    teacher = relationship("User", foreign_keys=[teacher_id])
    school = relationship("School")
    cycle = relationship("Cycle")


class CoachingSynthesis(db.Model):
    """The coach's synthesis across visits to one teacher (สังเคราะห์ผล)."""

    __tablename__ = "coaching_synthesis"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    term: Mapped[str] = mapped_column(String(12))  # academic term, e.g. 2/2569
    body_md: Mapped[str] = mapped_column(Text, info={"max_length": 50000})
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coach = relationship("User", foreign_keys=[coach_id])
    teacher = relationship("User", foreign_keys=[teacher_id])
