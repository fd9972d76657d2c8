"""JSON API under /api/v1 (DESIGN §6). Bearer tokens only: no cookies, hence no CSRF."""

from __future__ import annotations

import re
from http import HTTPStatus

import flask_smorest
from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import abort as webargs_abort

from plc.errors import ApiError
from plc.extensions import api, csrf, db
from plc.services import accounts

# marshmallow's own messages are English only; these are the ones a client can meet, in the
# request's language.
_FIXED_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field cannot be empty."),
    "Unknown field.": _l("This field is not expected."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Enter a finite number."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Enter true or false."),
    "Not a valid date.": _l("Enter a date as YYYY-MM-DD."),
    "Not a valid list.": _l("Enter a list."),
    "Invalid input type.": _l("Send a JSON object."),
    "Invalid value.": _l("This value is not valid."),
}
_PATTERNS = (
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), _l("Choose one of: %(choices)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     _l("Enter a value from %(min)s to %(max)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), _l("Enter a value of at least %(min)s.")),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), _l("Enter a value of at most %(max)s.")),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     _l("The length must be from %(min)s to %(max)s.")),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), _l("The length must be at least %(min)s.")),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), _l("The length must be at most %(max)s.")),
)


def localized_messages(messages):
    """marshmallow's error structure with every message in the request's language and every key
    a string (list items are reported by index)."""
    if isinstance(messages, dict):
        # A field's messages are always a list (a lazily translated custom message arrives bare).
        return {str(key): localized_messages(value if isinstance(value, (dict, list, tuple)) else [value])
                for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [localized_messages(item) for item in messages]
    text = str(messages)
    if text in _FIXED_MESSAGES:
        return str(_FIXED_MESSAGES[text])
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match:
            return str(template) % match.groupdict()  # translated first, then filled in
    return text


class LocalizedParser(FlaskParser):
    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        webargs_abort(error_status_code or self.DEFAULT_VALIDATION_STATUS, exc=error,
                      messages=localized_messages(error.messages), schema=schema, headers=error_headers)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint whose input errors speak the request's language."""

    ARGUMENTS_PARSER = LocalizedParser()


ERROR_RESPONSES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
                   413: HTTPStatus(413).name, 422: "UNPROCESSABLE_ENTITY"}


def errors(blp: flask_smorest.Blueprint, *statuses: int):
    """Declares the error answers an operation can give (all in the ``Error`` shape)."""
    def decorator(func):
        for status in reversed(statuses):
            func = blp.alt_response(status, response=ERROR_RESPONSES[status])(func)
        return func

    return decorator


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
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return {"items": [dump(item) for item in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total or 0, "pages": page.pages}


def register(app) -> None:
    # the operation modules import this package's Blueprint and helpers, so they load after it
    from plc.blueprints.api import (  # noqa: PLC0415
        auth,
        circles,
        coaching,
        cycles,
        dashboards,
        evidence,
        forums,
        goals,
        innovations,
        lesson_plans,
        live_sessions,
        mail,
        org,
        reflections,
        search,
        surveys,
        users,
    )
    from plc.blueprints.api.schemas import ErrorSchema  # noqa: PLC0415  (as above)

    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    for module in (auth, users, org, goals, innovations, circles, cycles, lesson_plans, reflections, coaching,
                   search, live_sessions, dashboards, surveys, forums, mail, evidence):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.blp.url_prefix or ''}")
