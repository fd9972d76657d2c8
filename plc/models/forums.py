"""Exchange forums (เวทีแลกเปลี่ยนเรียนรู้, 001 around L290 and L639): schools present their PLC work at
a session of a school or a network, peers give typed feedback, a panel scores the presentations on
the organiser's rubric, and selected work is honoured as good practice, with certificates.

A forum is held at a live session (onsite or online), so its attendance counts towards PLC hours
the way every session does."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.clock import BANGKOK
from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow


class FeedbackKind(StrEnum):
    STRENGTH = "strength"
    QUESTION = "question"
    SUGGESTION = "suggestion"


class CertificateKind(StrEnum):
    PARTICIPATION = "participation"
    RECOGNITION = "recognition"


class Forum(db.Model):
    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), unique=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": 5000})
    submissions_close_on: Mapped[date] = mapped_column(Date)  # the last day schools may submit
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    live_session = relationship("LiveSession")
    school = relationship("School")
    network = relationship("Network")
    organiser = relationship("User")
    criteria: Mapped[list[ForumCriterion]] = relationship(back_populates="forum", order_by="ForumCriterion.position",
                                                          cascade="all, delete-orphan")
    panelists: Mapped[list[ForumPanelist]] = relationship(back_populates="forum", cascade="all, delete-orphan")
    submissions: Mapped[list[ForumSubmission]] = relationship(back_populates="forum", order_by="ForumSubmission.id",
                                                              cascade="all, delete-orphan")

    @property
    def held_on(self) -> date:
        return self.live_session.starts_at.astimezone(BANGKOK).date()


class ForumCriterion(db.Model):
    """One row of the organiser's rubric, scored from 0 to ``max_score``."""

    __tablename__ = "forum_criterion"
    __table_args__ = (CheckConstraint("max_score BETWEEN 1 AND 100", name="forum_criterion_max"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    max_score: Mapped[int] = mapped_column(Integer, default=5)

    forum: Mapped[Forum] = relationship(back_populates="criteria")


class ForumPanelist(db.Model):
    __tablename__ = "forum_panelist"
    __table_args__ = (UniqueConstraint("forum_id", "user_id", name="forum_panelist_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)

    forum: Mapped[Forum] = relationship(back_populates="panelists")
    user = relationship("User")


class ForumSubmission(db.Model):
    """A school's presentation: its PLC cycle and lesson plan, and whether it was honoured."""

    __tablename__ = "forum_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id", ondelete="SET NULL"), index=True)
    lesson_plan_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_plan.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text, info={"max_length": 10000})
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    honour: Mapped[str | None] = mapped_column(String(200))  # e.g. "แนวปฏิบัติที่ดี (Good practice)"
    honoured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    forum: Mapped[Forum] = relationship(back_populates="submissions")
    school = relationship("School")
    cycle = relationship("Cycle")
    lesson_plan = relationship("LessonPlan")
    authors: Mapped[list[SubmissionAuthor]] = relationship(back_populates="submission", order_by="SubmissionAuthor.id",
                                                           cascade="all, delete-orphan")
    feedback: Mapped[list[ForumFeedback]] = relationship(back_populates="submission", order_by="ForumFeedback.id",
                                                         cascade="all, delete-orphan")

    @property
    def showcased(self) -> bool:
        """Honoured, and every author agreed to show it publicly."""
        return self.honoured_at is not None and bool(self.authors) and all(a.showcase_consent for a in self.authors)


class SubmissionAuthor(db.Model):
    __tablename__ = "submission_author"
    __table_args__ = (UniqueConstraint("submission_id", "user_id", name="submission_author_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("forum_submission.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    showcase_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # each author decides for themself

    submission: Mapped[ForumSubmission] = relationship(back_populates="authors")
    user = relationship("User")


class ForumFeedback(db.Model):
    __tablename__ = "forum_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("forum_submission.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[ForumSubmission] = relationship(back_populates="feedback")
    author = relationship("User")


class ForumScore(db.Model):
    __tablename__ = "forum_score"
    __table_args__ = (UniqueConstraint("submission_id", "panelist_id", "criterion_id", name="forum_score_once"),
                      CheckConstraint("score >= 0", name="forum_score_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("forum_submission.id", ondelete="CASCADE"), index=True)
    panelist_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("forum_criterion.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def certificate_code() -> str:
    return secrets.token_hex(6).upper()


def certificate_subject(kind: str, submission_id: int | None) -> str:
    """What one certificate is for: "participation", or "recognition:<submission>" (one per honoured work)."""
    return str(kind) if submission_id is None else f"{kind}:{submission_id}"


class Certificate(db.Model):
    """Issued once per person, forum and subject; its code lets anyone holding the paper check it."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("forum_id", "user_id", "subject", name="certificate_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("forum_submission.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(40))  # certificate_subject(kind, submission_id)
    code: Mapped[str] = mapped_column(String(16), unique=True, default=certificate_code)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum = relationship("Forum")
    user = relationship("User")
    submission = relationship("ForumSubmission")
