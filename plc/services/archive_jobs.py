"""Self-service exports: a job per archive asked for in the browser, built in the background with
plc/archive.py (the same format as ``flask export``) into ``<instance>/exports/<random>.zip``.

``request_export`` adds the job (the caller commits, then calls ``start``); ``run_job`` builds it in
an app context of its own, writing its progress in short transactions of their own so the page can
show it while the archive is read in another. ``start`` runs it in a daemon thread (a greenlet under
gunicorn's gevent worker, which patches threading), like plc/mailer.py's sender; with
PLC_EXPORT_BACKGROUND=0 (the tests) nothing is started and the caller runs ``run_job`` itself.

Finished archives are deleted after ``KEEP_FOR``, and a job that has shown no sign of life (a
progress write, at least every ``HEARTBEAT``) for ``STALE_AFTER`` is marked failed, its process having
died: checked whenever someone opens the exports page or asks for a new one."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from plc import archive
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import Network
from plc.models._types import utcnow
from plc.models.archive_jobs import ACTIVE_STATUSES, INTERRUPTED, ExportJob

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=15)
HEARTBEAT = 30  # seconds: progress is written every 5 % of the rows, and at least this often
PROGRESS_STEP = 0.05


def export_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config.get("PLC_EXPORT_DIR") or Path(app.instance_path) / "exports")


def file_of(job: ExportJob, app: Flask | None = None) -> Path | None:
    """The job's archive on disk, if it is done and still kept."""
    if job.status != "done" or not job.stored_name:
        return None
    path = export_dir(app) / job.stored_name
    return path if path.is_file() else None


def jobs_of(user, limit: int = 20) -> list[ExportJob]:
    return list(db.session.scalars(select(ExportJob).where(ExportJob.requested_by_id == user.id)
                                   .order_by(ExportJob.id.desc()).limit(limit)))


def clean_up(now=None) -> int:
    """Delete the archives finished more than KEEP_FOR ago; fail the jobs that will never finish.
    Returns how many jobs it changed (flushed: the caller commits)."""
    now = now or utcnow()
    changed = 0
    for job in db.session.scalars(select(ExportJob).where(ExportJob.stored_name.is_not(None),
                                                          ExportJob.finished_at < now - KEEP_FOR)):
        (export_dir() / job.stored_name).unlink(missing_ok=True)
        job.stored_name = None
        changed += 1
    last_sign = func.coalesce(ExportJob.updated_at, ExportJob.created_at)
    for job in db.session.scalars(select(ExportJob).where(ExportJob.status.in_(ACTIVE_STATUSES),
                                                          last_sign < now - STALE_AFTER)):
        job.status, job.error, job.finished_at = "failed", INTERRUPTED, now
        changed += 1
    db.session.flush()
    return changed


def request_export(actor, scope_kind: str, scope_id: int | None) -> ExportJob:
    """A queued job for the scope the caller has checked (``authz.access_export_scope``). Refused
    (409) while the same person has a job queued or running."""
    clean_up()
    running = db.session.scalar(select(ExportJob.id).where(ExportJob.requested_by_id == actor.id,
                                                           ExportJob.status.in_(ACTIVE_STATUSES)).limit(1))
    if running is not None:
        raise ServiceError(status=409, message=_(
            "Your previous export is still being prepared. Wait until it is ready, then try again."))
    job = ExportJob(requested_by_id=actor.id, scope_kind=scope_kind,
                    scope_id=scope_id if scope_kind != "platform" else None, status="queued")
    db.session.add(job)
    db.session.flush()
    return job


def start(app: Flask, job_id: int) -> threading.Thread | None:
    """Build the job in the background (after the request's commit); nothing with
    PLC_EXPORT_BACKGROUND off."""
    if not app.config.get("PLC_EXPORT_BACKGROUND", True):
        return None
    thread = threading.Thread(target=run_job, args=(app, job_id), name=f"plc-export-{job_id}", daemon=True)
    thread.start()
    return thread


class _Progress:
    """plc.archive's progress: ``progress(label, total)`` as a context manager with ``update(n)``;
    writes done/total to the job row in its own transaction every PROGRESS_STEP of the total."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = self.total = self.written = 0
        self.written_at = time.monotonic()

    def __call__(self, _label: str, total: int):
        self.total, self.done, self.written = total, 0, 0
        self._write()
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self._write()
        return False

    def update(self, n: int) -> None:
        self.done += n
        if (self.done - self.written >= max(1, int(self.total * PROGRESS_STEP))
                or time.monotonic() - self.written_at >= HEARTBEAT):
            self._write()

    def _write(self) -> None:
        try:
            with db.engine.begin() as connection:
                connection.execute(update(ExportJob).where(ExportJob.id == self.job_id)
                                   .values(progress_done=self.done, progress_total=self.total, updated_at=utcnow()))
            self.written, self.written_at = self.done, time.monotonic()
        except Exception:  # progress is a courtesy: a busy database must not fail the export
            log.warning("could not write the progress of export %s", self.job_id, exc_info=True)


def _scope_of(job: ExportJob):
    if job.scope_kind == "platform":
        return None
    if job.scope_kind == "network":
        network = db.session.get(Network, job.scope_id)
        if network is None:
            raise archive.ArchiveError("The network no longer exists.")
        return ("network", network.key)
    return ("school", job.scope_id)


def run_job(app: Flask, job_id: int) -> None:
    """Build the job's archive; marks it done (name, size) or failed (the error kept)."""
    with app.app_context():
        try:
            job = db.session.get(ExportJob, job_id)
            if job is None or job.status != "queued":
                return
            job.status, job.updated_at = "running", utcnow()
            db.session.commit()
            scope = _scope_of(job)
            folder = export_dir(app)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{secrets.token_hex(16)}.zip"
            path = folder / name
            try:
                archive.export_archive(path, scope=scope, progress=_Progress(job_id), credentials=False)
            except Exception as error:
                db.session.rollback()
                path.unlink(missing_ok=True)
                job = db.session.get(ExportJob, job_id)
                if isinstance(error, archive.ArchiveError):
                    job.error = str(error)[:500]
                else:
                    log.exception("export %s failed", job_id)
                    job.error = f"{type(error).__name__}: {error}"[:500]
                job.status, job.finished_at = "failed", utcnow()
                db.session.commit()
                return
            job = db.session.get(ExportJob, job_id)
            job.status, job.stored_name, job.size = "done", name, path.stat().st_size
            job.progress_done = job.progress_total
            job.finished_at = utcnow()
            db.session.commit()
        finally:
            db.session.remove()
