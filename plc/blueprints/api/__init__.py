"""JSON API under /api/v1 (DESIGN §6). Bearer tokens only: no cookies, hence no CSRF."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from plc.errors import ApiError
from plc.extensions import api, csrf
from plc.services import accounts


def authenticate_request() -> None:
    """before_request of every protected API blueprint."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = accounts.resolve_api_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        raise ApiError(401, _("A valid API token is required. Get one from POST /api/v1/auth/token."))
    g.api_user = user


def api_user():
    return g.api_user


def paginated(query, args, dump) -> dict:
    from plc.extensions import db

    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return {"items": [dump(item) for item in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total or 0, "pages": page.pages}


def register(app) -> None:
    from plc.blueprints.api import auth, org, users
    from plc.blueprints.api.schemas import ErrorSchema

    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    for module in (auth, users, org):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.blp.url_prefix or ''}")
