"""Every error answers in the client's language and format: an HTML page or the API's JSON shape
``{"error": code, "message": text, "fields": {…}}``. No tracebacks ever reach a client."""

from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from plc.extensions import db

log = logging.getLogger(__name__)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
}

ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You do not have permission to do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This conflicts with the current state"),
    413: _l("The upload is too large"),
    422: _l("Some fields need attention"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

ERROR_MESSAGES = {
    400: _l("Please check what you sent and try again."),
    401: _l("Log in to continue."),
    403: _l("Ask your school director or network coordinator if you need access."),
    404: _l("It may have been moved, or you may not have access to it."),
    405: _l("Go back and try again from the page."),
    409: _l("Reload the page to see the latest version."),
    413: _l("Choose a smaller file and try again."),
    422: _l("Please correct the highlighted fields."),
    429: _l("Please wait a minute before trying again."),
    500: _l("The error has been logged. Please try again in a moment."),
}


class ServiceError(ValueError):
    """A refused operation, raised by a service: the status it answers with, a message for the person
    and the messages per form field. Views that show the form again catch it; anything they do not
    catch is answered here, once, as an HTML page or the API's JSON."""

    status = 422

    def __init__(self, fields: dict[str, list[str]] | None = None, *, message: str | None = None,
                 status: int | None = None):
        self.fields = fields or {}
        self.message = message or "; ".join(str(m) for ms in self.fields.values() for m in ms)
        super().__init__(self.message)
        if status is not None:
            self.status = status


class ApiError(HTTPException):
    """An error raised by API code with a specific message and field errors."""

    def __init__(self, status: int, message: str, fields: dict | None = None, error: str | None = None):
        super().__init__(description=message)
        self.code = status
        self.fields = fields or {}
        self.error = error or ERROR_CODES.get(status, "error")


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _fields_from(exc: HTTPException) -> dict:
    fields = getattr(exc, "fields", None)
    if fields:
        return fields
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, dict):
        # webargs nests by location (json, query…); callers only care about the field names.
        merged: dict = {}
        for value in messages.values():
            if isinstance(value, dict):
                merged.update(value)
        return merged or messages
    return {}


def _message_for(exc: HTTPException, status: int) -> str:
    if isinstance(exc, ApiError):
        return exc.description
    if isinstance(exc, CSRFError):
        return str(_l("The form has expired or was sent from elsewhere. Reload the page and try again."))
    return str(ERROR_MESSAGES.get(status, exc.description or ""))


def render_error(exc: HTTPException):
    status = exc.code or 500
    message = _message_for(exc, status)
    if wants_json():
        body = {"error": getattr(exc, "error", None) or ERROR_CODES.get(status, "error"),
                "message": message, "fields": _fields_from(exc)}
        response = jsonify(body)
        response.status_code = status
    else:
        title = str(ERROR_TITLES.get(status, exc.name))
        response = render_template("errors/error.html", status=status, title=title, message=message), status

        response = make_response(response)
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="plc"'
    if status == 429 and exc.get_response().headers.get("Retry-After"):
        response.headers["Retry-After"] = exc.get_response().headers["Retry-After"]
    return response


def render_service_error(exc: ServiceError):
    db.session.rollback()  # the service may have flushed part of what it refused
    message = exc.message or str(ERROR_MESSAGES[422])
    return render_error(ApiError(exc.status, message, exc.fields))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return render_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)

    db.session.rollback()  # the error page (its menu) may query; a failed transaction would break it too
    return render_error(InternalServerError())


def register(app) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(ServiceError, render_service_error)
    app.register_error_handler(Exception, handle_unexpected)
