from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from plc.blueprints.api import Blueprint, api_user, authenticate_request
from plc.blueprints.api.schemas import TokenRequestSchema, TokenSchema
from plc.errors import ApiError
from plc.extensions import db, limiter
from plc.services import accounts

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Tokens for the API")


def _account_key() -> str:
    body = request.get_json(silent=True)
    return "login-account:" + accounts.normalise_email(str(body.get("email", "") if isinstance(body, dict) else ""))


def _failed(response) -> bool:
    return response.status_code != 201


@blp.route("/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["PLC_LOGIN_LIMIT_IP"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["PLC_LOGIN_LIMIT_ACCOUNT"], key_func=_account_key, deduct_when=_failed)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.doc(security=[])
def issue_token(body):
    """Exchange e-mail and password for a bearer token."""
    user = accounts.authenticate(body["email"], body["password"])
    if user is None:
        db.session.commit()
        raise ApiError(401, _("The e-mail or password is not correct."))
    token, row = accounts.issue_api_token(user)
    db.session.commit()
    return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at}


@blp.route("/token", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(401, response="UNAUTHORIZED")
def revoke_token():
    """Revoke the token used for this request."""
    authenticate_request()
    token = request.headers["Authorization"].partition(" ")[2].strip()
    accounts.revoke_api_token(api_user(), token)
    db.session.commit()
    return ""
