"""The evidence pack for the performance agreement (วPA): a page that previews one period's figures and
the download of the pack (a ZIP with the PDF, the PLC-hours CSV, lesson plans, shared reflections and
certificates). Only the teacher themself (``authz.can_download_evidence``)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from plc import authz
from plc.extensions import db, limiter
from plc.i18n import current_locale
from plc.models import User
from plc.services import evidence

bp = Blueprint("evidence", __name__)

DOWNLOAD_LIMIT = "10 per hour"


def _download_key() -> str:
    user_id = getattr(current_user, "id", None) if current_user.is_authenticated else None
    return f"evidence:user:{user_id}" if user_id is not None else f"evidence:address:{request.remote_addr}"


@bp.get("/evidence")
@login_required
def index():
    teacher = authz.access_evidence(current_user, current_user.id, "evidence.view")
    periods = evidence.available_periods(teacher)
    try:
        found = evidence.evidence_for(teacher, request.args.get("period"))
    except evidence.EvidenceError as error:
        return render_template("evidence/index.html", evidence=None, periods=periods, error=error.message,
                               asked=request.args.get("period", "")[:evidence.MAX_PERIOD_TEXT]), 422
    return render_template("evidence/index.html", evidence=found, periods=periods, error=None,
                           asked=found.period.key)


def _download(teacher: User) -> Response:
    made = evidence.pack(teacher, request.args.get("period"), locale=current_locale())
    db.session.commit()  # the certificates issued for the pack and the audit record
    return Response(made.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "no-store"})


@bp.get("/evidence/download")
@login_required
@limiter.limit(DOWNLOAD_LIMIT, key_func=_download_key)
def download():
    return _download(authz.access_evidence(current_user, current_user.id, "evidence.download"))


@bp.get("/people/<int:user_id>/evidence/download")
@login_required
@limiter.limit(DOWNLOAD_LIMIT, key_func=_download_key)
def person_download(user_id: int):
    """The same pack addressed by person: the teacher's own, 403 or 404 for anyone else's."""
    return _download(authz.access_evidence(current_user, user_id, "evidence.download"))
