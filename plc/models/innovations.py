"""The innovation library (นวัตกรรม): models, their versions and ordered, possibly nested steps.

Editing a published innovation adds a version; cycles and lesson plans point at the version they
used, so history is never rewritten.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

INNOVATION_KINDS = (
    "classroom_model", "school_process_model", "supervision_model", "esao_process_model",
    "early_childhood_model", "safety_model", "programme", "information_system", "teaching_approach",
)
INNOVATION_VISIBILITIES = ("public", "network", "school")


class Innovation(db.Model):
    __tablename__ = "innovation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    policy_area: Mapped[str | None] = mapped_column(String(200))
    owner_level: Mapped[str | None] = mapped_column(String(16))  # school | esao | network | programme
    owner_name_th: Mapped[str | None] = mapped_column(String(200))
    owner_office_th: Mapped[str | None] = mapped_column(String(200))
    owner_school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    owner_network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    source: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner_school = relationship("School")
    owner_network = relationship("Network")
    versions: Mapped[list[InnovationVersion]] = relationship(
        back_populates="innovation", order_by="InnovationVersion.number", cascade="all, delete-orphan")

    @property
    def current(self) -> InnovationVersion:
        return self.versions[-1]


class InnovationVersion(db.Model):
    __tablename__ = "innovation_version"
    __table_args__ = (UniqueConstraint("innovation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(ForeignKey("innovation.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description_th: Mapped[str | None] = mapped_column(Text, info={"max_length": 10000})
    description_en: Mapped[str | None] = mapped_column(Text, info={"max_length": 10000})
    notes: Mapped[str | None] = mapped_column(Text, info={"max_length": 20000})
    change_note: Mapped[str | None] = mapped_column(String(300))
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    innovation: Mapped[Innovation] = relationship(back_populates="versions")
    steps: Mapped[list[InnovationStep]] = relationship(
        back_populates="version", order_by="InnovationStep.position", cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def top_steps(self) -> list[InnovationStep]:
        return [s for s in self.steps if s.parent_id is None]

    def display_name(self, locale: str = "th") -> str:
        return self.name_en or self.name if locale == "en" else self.name_th


class InnovationStep(db.Model):
    """One step of a version. Codes may repeat (PISSA has two S); a step may have sub-steps."""

    __tablename__ = "innovation_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("innovation_version.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("innovation_step.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the whole version, sub-steps included
    number: Mapped[int] = mapped_column(Integer)  # order among siblings, as the source numbers them
    code: Mapped[str | None] = mapped_column(String(60))
    label_en: Mapped[str | None] = mapped_column(String(200))
    text_th: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    text_en: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})

    version: Mapped[InnovationVersion] = relationship(back_populates="steps")
    parent: Mapped[InnovationStep | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[InnovationStep]] = relationship(back_populates="parent", order_by="InnovationStep.position")

    def label(self, locale: str = "th") -> str:
        head = f"{self.code} " if self.code else f"{self.number}. "
        if locale == "en":
            return head + (self.label_en or self.text_en or self.text_th)
        return head + (self.label_en + " – " if self.label_en else "") + self.text_th
