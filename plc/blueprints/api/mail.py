"""The caller's choice of which notifications also come by e-mail."""

from __future__ import annotations

from marshmallow import Schema, fields

from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors
from plc.extensions import db
from plc.services import mail

blp = Blueprint("api_mail", __name__, url_prefix="", description="Notifications by e-mail")
blp.before_request(authenticate_request)


class EmailKindsSchema(Schema):
    """One yes/no per kind of notification (on unless turned off); the kinds of plc.models.mail.EMAIL_KINDS."""

    invitation = fields.Boolean(metadata={"description": "the link to set a password when someone invites you"})
    session_scheduled = fields.Boolean(metadata={"description": "a new PLC session of your circle (or one you are a guest of)"})
    session_reminder = fields.Boolean(metadata={
        "description": "a reminder before a session you are invited to starts (PLC_SESSION_REMINDER_HOURS, 24 by default)"})
    visit_planned = fields.Boolean(metadata={"description": "a coaching visit planned to your classroom"})
    session_summary = fields.Boolean(metadata={"description": "the summary of a session you were invited to"})


class EmailPreferencesSchema(Schema):
    mail_configured = fields.Boolean(required=True, metadata={
        "description": "false when the platform sends no e-mail at all (no MAIL_SERVER): the choices are kept for later"})
    preferences = fields.Nested(EmailKindsSchema, required=True)


class EmailPreferencesUpdateSchema(Schema):
    preferences = fields.Nested(EmailKindsSchema, required=True, metadata={
        "description": "the kinds to change; kinds left out stay as they are"})


def _answer(user) -> dict:
    return {"mail_configured": mail.mail_enabled(), "preferences": mail.preferences(user)}


@blp.route("/me/email-preferences")
@blp.response(200, EmailPreferencesSchema)
@errors(blp, 401)
def get_email_preferences():
    """Which notifications the caller gets by e-mail."""
    return _answer(api_user())


@blp.route("/me/email-preferences", methods=["PUT"])
@blp.arguments(EmailPreferencesUpdateSchema)
@blp.response(200, EmailPreferencesSchema)
@errors(blp, 400, 401, 422)
def put_email_preferences(body):
    """Choose which notifications come by e-mail (every kind is on until turned off)."""
    user = api_user()
    mail.set_preferences(user, body["preferences"])
    db.session.commit()
    return _answer(user)
