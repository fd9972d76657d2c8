"""Lesson plans (แผนการจัดการเรียนรู้) with revisions, forks, comments and attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

PLAN_VISIBILITIES = ("private", "circle", "school", "network", "public")
COMMENT_KINDS = ("question", "suggestion", "strength", "note")

lesson_plan_step = Table(
    "lesson_plan_step",
    db.metadata,
    Column("lesson_plan_id", ForeignKey("lesson_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("step_id", ForeignKey("innovation_step.id"), primary_key=True),
)


class LessonPlan(db.Model):
    __tablename__ = "lesson_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id", ondelete="SET NULL"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    learning_area: Mapped[str | None] = mapped_column(String(120), index=True)
    grade: Mapped[str | None] = mapped_column(String(60))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    visibility: Mapped[str] = mapped_column(String(12), default="private")
    showcase: Mapped[bool] = mapped_column(Boolean, default=False)
    showcased_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    showcased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The revision this plan was adapted from. No foreign key: plans and revisions point at each
    # other, and revisions are never deleted while their plan exists (plans are soft-deleted).
    forked_from_id: Mapped[int | None] = mapped_column(Integer, index=True)
    body_md: Mapped[str] = mapped_column(Text, default="", info={"max_length": 200_000})
    body_html: Mapped[str] = mapped_column(Text, default="")
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("User", foreign_keys=[author_id])
    school = relationship("School")
    circle = relationship("Circle")
    cycle = relationship("Cycle")
    steps = relationship("InnovationStep", secondary=lesson_plan_step, order_by="InnovationStep.position")
    revisions: Mapped[list[LessonPlanRevision]] = relationship(
        back_populates="plan", order_by="LessonPlanRevision.number", foreign_keys="LessonPlanRevision.plan_id",
        cascade="all, delete-orphan")
    forked_from: Mapped[LessonPlanRevision | None] = relationship(
        primaryjoin="foreign(LessonPlan.forked_from_id) == LessonPlanRevision.id", viewonly=False)
    comments: Mapped[list[Comment]] = relationship(back_populates="plan", order_by="Comment.id",
                                                   cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="plan", order_by="Attachment.id",
                                                         cascade="all, delete-orphan")


class LessonPlanRevision(db.Model):
    """Every save that changes something; restoring an old text adds a new revision."""

    __tablename__ = "lesson_plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lesson_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, info={"max_length": 200_000})
    body_html: Mapped[str] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(String(300))
    restored_from: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[LessonPlan] = relationship(back_populates="revisions", foreign_keys=[plan_id])
    author = relationship("User")


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lesson_plan.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_plan_revision.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12), default="note")
    body_md: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[LessonPlan] = relationship(back_populates="comments")
    revision = relationship("LessonPlanRevision")
    author = relationship("User")
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(back_populates="parent", order_by="Comment.id")


class Attachment(db.Model):
    """A file kept under a generated name; the original (often Thai) name is only for display."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lesson_plan.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[LessonPlan] = relationship(back_populates="attachments")
    uploaded_by = relationship("User")
