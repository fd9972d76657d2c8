"""Self-service exports in the browser: a director's school, or (an admin) the platform, a network
or a school, as the archive of ``flask export``, built in the background (plc/services/archive_jobs.py).
The page lists the person's jobs with their progress (plc/static/js/exports.js polls the status);
the download is the requester's (or an admin's) for 24 hours. Asking is rate-limited and audited."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from plc import audit, authz
from plc.extensions import db, limiter
from plc.models import Network, School
from plc.models.archive_jobs import INTERRUPTED
from plc.services import archive_jobs

bp = Blueprint("exports", __name__)

REQUEST_LIMIT = "3 per hour"


def _request_key() -> str:
    user_id = getattr(current_user, "id", None) if current_user.is_authenticated else None
    return f"export:user:{user_id}" if user_id is not None else f"export:address:{request.remote_addr}"


def _parse_scope(value: str) -> tuple[str, int | None]:
    kind, _sep, raw = (value or "").partition(":")
    if kind == "platform" and not raw:
        return kind, None
    if kind in ("school", "network") and raw.isdigit():
        return kind, int(raw)
    return "", None


def _status_label(job) -> str:
    if job.status == "done" and archive_jobs.file_of(job) is None:
        return _("Expired")
    return {"queued": _("Waiting"), "running": _("Being prepared"), "done": _("Ready"),
            "failed": _("Failed")}.get(job.status, job.status)


def _failure(job) -> tuple[str | None, str | None]:
    """Why the job failed, in the reader's language, and the technical detail kept with it."""
    if job.status != "failed":
        return None, None
    if job.error == INTERRUPTED:
        return _("The export was interrupted (the server stopped while preparing it). Ask for it again."), None
    return _("The export could not be prepared. Ask for it again; if it fails again, tell the platform's "
             "administrator what is written below."), job.error


def _status(job) -> dict:
    ready = archive_jobs.file_of(job) is not None
    error, detail = _failure(job)
    return {"id": job.id, "status": job.status, "status_label": _status_label(job), "done": job.progress_done,
            "total": job.progress_total, "percent": job.percent, "active": job.is_active,
            "download_url": url_for("exports.download", job_id=job.id) if ready else None,
            "error": error, "error_detail": detail}


def _settle() -> None:
    """Old archives deleted and dead jobs failed before a page or a poll shows them."""
    if archive_jobs.clean_up():
        db.session.commit()


def _choices(user) -> list[tuple[str, object]]:
    """The scopes the person may export, as (form value, row or None for the platform)."""
    ids = authz.exportable_school_ids(user)
    schools = select(School).order_by(School.name_th)
    if ids is not None:
        schools = schools.where(School.id.in_(ids))
    choices: list[tuple[str, object]] = []
    if authz.can_export_platform(user):
        choices.append(("platform", None))
        choices += [(f"network:{n.id}", n) for n in db.session.scalars(select(Network).order_by(Network.name_th))]
    choices += [(f"school:{s.id}", s) for s in db.session.scalars(schools)]
    return choices


def _scope_rows(jobs) -> dict[tuple[str, int], object]:
    rows: dict[tuple[str, int], object] = {}
    for kind, model in (("school", School), ("network", Network)):
        ids = {job.scope_id for job in jobs if job.scope_kind == kind and job.scope_id is not None}
        if ids:
            rows.update({(kind, row.id): row for row in db.session.scalars(select(model).where(model.id.in_(ids)))})
    return rows


@bp.get("/exports")
@login_required
def index():
    if not authz.can_request_export(current_user):
        authz.deny_forbidden(current_user, "export.view")
    _settle()
    jobs = archive_jobs.jobs_of(current_user)
    chosen = request.args.get("scope", "")
    return render_template("exports/index.html", jobs=jobs, statuses={job.id: _status(job) for job in jobs},
                           scopes=_scope_rows(jobs), choices=_choices(current_user), chosen=chosen,
                           limit=REQUEST_LIMIT)


@bp.post("/exports")
@login_required
@limiter.limit(REQUEST_LIMIT, key_func=_request_key)
def create():
    kind, object_id = _parse_scope(request.form.get("scope", ""))
    kind, row = authz.access_export_scope(current_user, kind, object_id, "export.request")
    job = archive_jobs.request_export(current_user, kind, row.id if row is not None else None)
    audit.record("export.request", current_user, job, scope_kind=kind, scope_id=job.scope_id)
    db.session.commit()
    archive_jobs.start(current_app._get_current_object(), job.id)
    flash(_("The export is being prepared. This page shows its progress; the download link appears here "
            "when it is ready."), "success")
    return redirect(url_for("exports.index"))


@bp.get("/exports/<int:job_id>/status")
@login_required
def status(job_id: int):
    job = authz.access_export_job(current_user, job_id, "export.status")
    if job.is_active:
        _settle()
    response = jsonify(_status(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = authz.access_export_job(current_user, job_id, "export.download")
    path = archive_jobs.file_of(job)
    if path is None:
        abort(404)
    audit.record("export.download", current_user, job, scope_kind=job.scope_kind, scope_id=job.scope_id,
                 size=job.size)
    db.session.commit()
    scope = job.scope_kind if job.scope_id is None else f"{job.scope_kind}-{job.scope_id}"
    stamp = (job.finished_at.date() if job.finished_at else date.today()).isoformat()
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=f"plc-export-{scope}-{stamp}.zip", conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response
