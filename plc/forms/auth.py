from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from plc.forms._fields import max_length
from plc.models import User
from plc.models.mail import EMAIL_KINDS
from plc.services import passwords
from plc.services.mail import KIND_LABELS

# No column holds a password (only its hash): every password field is held to the service's limit.
PASSWORD_LIMIT = Length(max=passwords.MAX_LENGTH,
                        message=_l("The password is too long (at most %(max)d characters).", max=passwords.MAX_LENGTH))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), max_length(User.email)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), PASSWORD_LIMIT],
                             render_kw={"autocomplete": "current-password"})


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_LIMIT],
                             render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), PASSWORD_LIMIT],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_LIMIT],
                                 render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    title_th = StringField(_l("Title (Thai)"), validators=[Optional(), max_length(User.title_th)])
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(), max_length(User.name_th)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), max_length(User.name_en)])
    position_th = StringField(_l("Position"), validators=[Optional(), max_length(User.position_th)])
    learning_area_th = StringField(_l("Learning area"), validators=[Optional(), max_length(User.learning_area_th)])
    locale = SelectField(_l("Language"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")])
    thai_digits = BooleanField(_l("Show numbers in Thai digits"))


class EmailPreferencesForm(FlaskForm):
    """Which notifications also come by e-mail: one box per kind (an unticked box is a no)."""

    invitation = BooleanField(KIND_LABELS["invitation"])
    session_scheduled = BooleanField(KIND_LABELS["session_scheduled"])
    session_reminder = BooleanField(KIND_LABELS["session_reminder"])
    visit_planned = BooleanField(KIND_LABELS["visit_planned"])
    session_summary = BooleanField(KIND_LABELS["session_summary"])

    def choices(self) -> dict[str, bool]:
        return {kind: bool(self[kind].data) for kind in EMAIL_KINDS}

    def kind_fields(self) -> list:
        return [self[kind] for kind in EMAIL_KINDS]
