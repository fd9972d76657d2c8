"""PLC cycles (วงจร PLC): goals served, innovations applied, phases, DE checkpoints, outcomes and
lessons learned."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Date, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

PHASE_TEMPLATES = ("thai_plc", "pdca", "innovation")
DE_STAGES = ("upstream", "midstream", "downstream")
class CycleStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


CYCLE_STATUSES = tuple(CycleStatus)

cycle_goal = Table(
    "cycle_goal",
    db.metadata,
    Column("cycle_id", ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("school_goal.id", ondelete="CASCADE"), primary_key=True),
)

cycle_innovation_version = Table(
    "cycle_innovation_version",
    db.metadata,
    Column("cycle_id", ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True),
    Column("innovation_version_id", ForeignKey("innovation_version.id"), primary_key=True, index=True),
)

cycle_step = Table(
    "cycle_step",
    db.metadata,
    Column("cycle_id", ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True),
    Column("step_id", ForeignKey("innovation_step.id"), primary_key=True),
)


class Cycle(db.Model):
    __tablename__ = "cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    challenge_issues: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    target_grade: Mapped[str | None] = mapped_column(String(60))
    target_class_size: Mapped[int | None] = mapped_column(Integer)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list, info={"item_max_length": 30})
    template: Mapped[str] = mapped_column(String(16), default="thai_plc")
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("innovation_version.id"))
    status: Mapped[str] = mapped_column(String(12), default=CycleStatus.ACTIVE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    circle = relationship("Circle", back_populates="cycles")
    goals = relationship("SchoolGoal", secondary=cycle_goal, order_by="SchoolGoal.id")
    innovation_versions = relationship("InnovationVersion", secondary=cycle_innovation_version,
                                       order_by="InnovationVersion.id")
    steps = relationship("InnovationStep", secondary=cycle_step, order_by="InnovationStep.position")
    template_version = relationship("InnovationVersion", foreign_keys=[template_version_id])
    phases: Mapped[list[CyclePhase]] = relationship(back_populates="cycle", order_by="CyclePhase.position",
                                                    cascade="all, delete-orphan")
    checkpoints: Mapped[list[DECheckpoint]] = relationship(back_populates="cycle", order_by="DECheckpoint.id",
                                                           cascade="all, delete-orphan")
    outcomes: Mapped[list[OutcomeMeasure]] = relationship(back_populates="cycle", order_by="OutcomeMeasure.id",
                                                          cascade="all, delete-orphan")
    lessons: Mapped[LessonsLearned | None] = relationship(back_populates="cycle", cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def current_phase(self) -> CyclePhase | None:
        return next((p for p in self.phases if p.started_on and not p.ended_on), None)

    @property
    def is_closed(self) -> bool:
        return self.status == CycleStatus.CLOSED


class CyclePhase(db.Model):
    __tablename__ = "cycle_phase"
    __table_args__ = (UniqueConstraint("cycle_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("innovation_step.id"))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    cycle: Mapped[Cycle] = relationship(back_populates="phases")

    def display_name(self, locale: str = "th") -> str:
        return self.name_en if locale == "en" else self.name_th

    @property
    def state(self) -> str:
        if self.ended_on:
            return "done"
        return "current" if self.started_on else "upcoming"


class DECheckpoint(db.Model):
    """A developmental-evaluation review: upstream (ต้นน้ำ), midstream (กลางน้ำ), downstream (ปลายน้ำ)."""

    __tablename__ = "de_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[date] = mapped_column(Date, default=bangkok_today)
    reviewed: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    monitored: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    evaluated: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    changed: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="checkpoints")
    recorded_by = relationship("User")


class OutcomeMeasure(db.Model):
    """Pre and post aggregates for one group of students on one measure. Never student identities."""

    __tablename__ = "outcome_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    measure: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(60))
    pre_n: Mapped[int] = mapped_column(Integer)
    pre_mean: Mapped[float] = mapped_column(Float)
    pre_sd: Mapped[float] = mapped_column(Float)
    post_n: Mapped[int] = mapped_column(Integer)
    post_mean: Mapped[float] = mapped_column(Float)
    post_sd: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="outcomes")
    recorded_by = relationship("User")


class LessonsLearned(db.Model):
    """ถอดบทเรียน: required to close a cycle (DOMAIN §3, 004:L434-439)."""

    __tablename__ = "lessons_learned"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), unique=True)
    results: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    picture_of_success: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    problems: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    conditions: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    next_steps: Mapped[str] = mapped_column(Text, info={"max_length": 10000})
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="lessons")
    recorded_by = relationship("User")
