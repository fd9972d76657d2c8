"""Reflection logs (บันทึกสะท้อนคิด) by teachers and coaches, private by default."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

REFLECTION_VISIBILITIES = ("private", "pair", "circle")


class ReflectionStatus(StrEnum):
    DRAFT = "draft"
    SHARED = "shared"

# The structured parts the source documents ask for (DOMAIN §3, 004:L418-439).
REFLECTION_FIELDS = ("results", "picture_of_success", "problems", "conditions", "next_steps",
                     "innovation_tried", "lessons_learned")


class Reflection(db.Model):
    __tablename__ = "reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)  # coach ↔ teacher pair
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    lesson_plan_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_plan.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(12), default="private")
    status: Mapped[str] = mapped_column(String(12), default=ReflectionStatus.DRAFT)
    results: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    picture_of_success: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    problems: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    conditions: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    next_steps: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    innovation_tried: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    lessons_learned: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    body_md: Mapped[str] = mapped_column(Text, default="", info={"max_length": 100_000})
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    partner = relationship("User", foreign_keys=[partner_id])
    cycle = relationship("Cycle")
    lesson_plan = relationship("LessonPlan")
    feedback: Mapped[list[ReflectionFeedback]] = relationship(back_populates="reflection",
                                                              order_by="ReflectionFeedback.id",
                                                              cascade="all, delete-orphan")


class ReflectionFeedback(db.Model):
    __tablename__ = "reflection_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflection.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text, info={"max_length": 20000})
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reflection: Mapped[Reflection] = relationship(back_populates="feedback")
    author = relationship("User")
