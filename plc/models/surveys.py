"""Surveys (แบบสอบถาม / แบบประเมินความพึงพอใจ) on the 5-level scale, for a live session, a circle, a
school or a network (DOMAIN §5, 004:L589-646).

A response is anonymous unless the author said otherwise before the survey opened: then the
response row carries no person and no time, its key is random (so neither its order nor its key
tells who answered), and only ``SurveyParticipation`` says that a person has answered, once.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

# The lower bound of each band, best first; a mean at or above a floor takes that band's label.
DEFAULT_BAND_FLOORS = (4.50, 3.50, 2.50, 1.50, 1.00)
SCALE_LEVELS = (5, 4, 3, 2, 1)


class SurveyScope(StrEnum):
    SESSION = "session"
    CIRCLE = "circle"
    SCHOOL = "school"
    NETWORK = "network"


class SurveyItemKind(StrEnum):
    SCALE = "scale"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"


CHOICE_KINDS = {SurveyItemKind.SINGLE, SurveyItemKind.MULTIPLE}
TEXT_KINDS = {SurveyItemKind.SHORT_TEXT, SurveyItemKind.LONG_TEXT}


class SurveyState(StrEnum):
    DRAFT = "draft"  # being built; nobody answers yet
    SCHEDULED = "scheduled"  # published, before its first day
    OPEN = "open"
    CLOSED = "closed"


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint("(CASE WHEN live_session_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN circle_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN school_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN network_id IS NULL THEN 0 ELSE 1 END) = 1", name="survey_one_scope"),
        CheckConstraint("closes_on >= opens_on", name="survey_dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"),
                                                        index=True)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)  # the last day answers are taken, Bangkok time
    band_floors: Mapped[str] = mapped_column(String(60), default=lambda: json.dumps(DEFAULT_BAND_FLOORS))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
    live_session = relationship("LiveSession")
    circle = relationship("Circle")
    school = relationship("School")
    network = relationship("Network")
    sections: Mapped[list[SurveySection]] = relationship(back_populates="survey", order_by="SurveySection.position",
                                                         cascade="all, delete-orphan")

    @property
    def scope(self) -> SurveyScope:
        if self.live_session_id is not None:
            return SurveyScope.SESSION
        if self.circle_id is not None:
            return SurveyScope.CIRCLE
        if self.school_id is not None:
            return SurveyScope.SCHOOL
        return SurveyScope.NETWORK

    @property
    def scope_object(self):
        return {SurveyScope.SESSION: self.live_session, SurveyScope.CIRCLE: self.circle,
                SurveyScope.SCHOOL: self.school, SurveyScope.NETWORK: self.network}[self.scope]

    def state(self, today: date) -> SurveyState:
        if self.published_at is None:
            return SurveyState.DRAFT
        if self.closed_early_at is not None or today > self.closes_on:
            return SurveyState.CLOSED
        if today < self.opens_on:
            return SurveyState.SCHEDULED
        return SurveyState.OPEN

    @property
    def floors(self) -> tuple[float, ...]:
        return tuple(float(value) for value in json.loads(self.band_floors))

    @property
    def items(self) -> list[SurveyItem]:
        return [item for section in self.sections for item in section.items]


class SurveySection(db.Model):
    __tablename__ = "survey_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))

    survey: Mapped[Survey] = relationship(back_populates="sections")
    items: Mapped[list[SurveyItem]] = relationship(back_populates="section", order_by="SurveyItem.position",
                                                   cascade="all, delete-orphan")


class SurveyItem(db.Model):
    __tablename__ = "survey_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_section.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    prompt: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    choices_json: Mapped[str] = mapped_column(Text, default="[]", info={"max_length": 5000})

    section: Mapped[SurveySection] = relationship(back_populates="items")

    @property
    def choices(self) -> list[str]:
        return json.loads(self.choices_json or "[]")


def response_key() -> str:
    return secrets.token_hex(16)


class SurveyParticipation(db.Model):
    """That a person has answered (once); never which answers are theirs in an anonymous survey."""

    __tablename__ = "survey_participation"
    __table_args__ = (UniqueConstraint("survey_id", "user_id", name="survey_participation_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"

    key: Mapped[str] = mapped_column(String(32), primary_key=True, default=response_key)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))  # named only

    respondent = relationship("User")
    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"
    __table_args__ = (CheckConstraint("level IS NULL OR (level BETWEEN 1 AND 5)", name="survey_answer_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_key: Mapped[str] = mapped_column(ForeignKey("survey_response.key", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_item.id", ondelete="CASCADE"), index=True)
    level: Mapped[int | None] = mapped_column(Integer)
    choices_json: Mapped[str | None] = mapped_column(Text)  # indices into the item's choices
    text: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")

    @property
    def chosen(self) -> list[int]:
        return json.loads(self.choices_json or "[]")


class SurveyDraft(db.Model):
    """A respondent's unfinished answers, kept so that a dropped connection loses nothing; removed
    when the response is sent (the draft is theirs alone, and never part of a report)."""

    __tablename__ = "survey_draft"
    __table_args__ = (UniqueConstraint("survey_id", "user_id", name="survey_draft_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    answers_json: Mapped[str] = mapped_column(Text, default="{}", info={"max_length": 200_000})
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
