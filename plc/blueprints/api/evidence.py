"""The caller's evidence pack for the performance agreement (วPA) as a ZIP: ``evidence.pdf`` (A4, Thai
fonts embedded, dates in the Buddhist Era), ``plc-hours.csv``, the lesson plans and shared reflections
as markdown, and the certificates as PDF. Only one's own pack: there is no path naming someone else."""

from __future__ import annotations

from flask import Response, g
from marshmallow import Schema, fields, validate

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors
from plc.extensions import db, limiter
from plc.i18n import current_locale
from plc.services import evidence

blp = Blueprint("api_evidence", __name__, url_prefix="",
                description="The evidence pack for the performance agreement")
blp.before_request(authenticate_request)

DOWNLOAD_LIMIT = "10 per hour"
ZIP_DESCRIPTION = ("The evidence pack as a ZIP, a download named evidence-<user>-<period>.zip: evidence.pdf, "
                   "plc-hours.csv, lesson-plans/<n>-<slug>.md, reflections/<n>.md and "
                   "certificates/<kind>-<forum>.pdf")


class EvidenceArgsSchema(Schema):
    period = fields.String(load_default="", validate=validate.Length(max=evidence.MAX_PERIOD_TEXT), metadata={
        "description": "a semester (2/2569) or a fiscal year (fy2569 or ปีงบประมาณ 2569); the current semester "
                       "when left out. Anything else answers 422."})


def _download_key() -> str:
    user = getattr(g, "api_user", None)
    return f"evidence:user:{user.id}" if user is not None else "evidence:anonymous"


@blp.route("/me/evidence")
@limiter.limit(DOWNLOAD_LIMIT, key_func=_download_key)
@blp.arguments(EvidenceArgsSchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/zip",
              description=ZIP_DESCRIPTION)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@errors(blp, 401, 422)
def download_evidence(args):
    """The caller's evidence pack for one semester or fiscal year. Certificates the caller is entitled to
    are issued on the way (the same verification codes after); downloads are audited and limited to
    10 an hour."""
    user = api_user()
    teacher = authz.access_evidence(user, user.id, "evidence.download")
    made = evidence.pack(teacher, args["period"], locale=current_locale(), via="api")
    db.session.commit()
    return Response(made.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "no-store"})
