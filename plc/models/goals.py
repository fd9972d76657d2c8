"""School goals (เป้าหมายโรงเรียน) and the focus-area taxonomies they are tagged with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

GOAL_KINDS = ("core", "school")
class GoalStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ACHIEVED = "achieved"
    CARRIED_OVER = "carried_over"


GOAL_STATUSES = tuple(GoalStatus)


class FocusArea(db.Model):
    """A tag from a seeded taxonomy: TSQP's six measures, the quality-school seven focus areas."""

    __tablename__ = "focus_area"
    __table_args__ = (UniqueConstraint("taxonomy", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taxonomy: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(40))


goal_focus_area = Table(
    "goal_focus_area",
    db.metadata,
    Column("goal_id", ForeignKey("school_goal.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_area.id", ondelete="CASCADE"), primary_key=True),
)


class SchoolGoal(db.Model):
    """A goal for one academic year.

    ``kind='school'``: set by the school. ``kind='core'``: a shared goal (เป้าหมายร่วม). The
    coordinator's template has ``network_id`` and no school; publishing it gives each school of
    the network its own copy (``parent_id`` → template) that the school's director approves.
    """

    __tablename__ = "school_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="school")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("school_goal.id"), index=True)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("school_goal.id"))
    academic_year_be: Mapped[int] = mapped_column(Integer, index=True)
    statement: Mapped[str] = mapped_column(Text, info={"max_length": 2000})
    context_needs: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    indicator: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    target: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.DRAFT)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school = relationship("School")
    network = relationship("Network")
    parent: Mapped[SchoolGoal | None] = relationship(remote_side=[id], foreign_keys=[parent_id],
                                                    back_populates="copies")
    copies: Mapped[list[SchoolGoal]] = relationship(foreign_keys=[parent_id], back_populates="parent")
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=goal_focus_area,
                                                        order_by="FocusArea.taxonomy, FocusArea.position")
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_template(self) -> bool:
        return self.kind == "core" and self.school_id is None
