"""One row per searchable record, kept up to date by the services that change those records.

SQLite indexes ``title`` and ``body`` in an FTS5 trigram table (``search_fts``, created by the
migration); PostgreSQL in a pg_trgm GIN index. Thai has no spaces, so both match substrings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

SEARCH_KINDS = ("lesson_plan", "innovation", "circle", "cycle")


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    learning_area: Mapped[str | None] = mapped_column(String(120), index=True)
    grade: Mapped[str | None] = mapped_column(String(60))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"), index=True)
    innovation_keys: Mapped[str] = mapped_column(String(400), default="|")  # "|3|17|": innovations involved
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
