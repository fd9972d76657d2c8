"""Self-service exports: one row per archive a director or an admin asked for in the browser.

The archive itself (plc/archive.py's format) is written by plc/services/archive_jobs.py under the
instance folder, ``<instance>/exports/<stored_name>``; the name is random, never given by a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

EXPORT_SCOPES = ("platform", "network", "school")
EXPORT_STATUSES = ("queued", "running", "done", "failed")
ACTIVE_STATUSES = ("queued", "running")
INTERRUPTED = "interrupted"  # the error of a job whose process died before it finished


class ExportJob(db.Model):
    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_requester_status", "requested_by_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    scope_kind: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[int | None] = mapped_column(Integer)  # the school's or network's id; none for the platform
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    stored_name: Mapped[str | None] = mapped_column(String(80))  # emptied once the file is deleted
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The builder's last sign of life (each progress write): a job silent for long has lost its process.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by = relationship("User", lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0
