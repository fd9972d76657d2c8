from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from plc.forms._fields import max_length
from plc.models import User


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), max_length(User.email)])
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(), max_length(User.name_th)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), max_length(User.name_en)])
    scope = SelectField(_l("School or network"), validators=[DataRequired()])
    role = SelectField(_l("Role"), validators=[DataRequired()])


class GrantForm(FlaskForm):
    scope = SelectField(_l("School or network"), validators=[DataRequired()])
    role = SelectField(_l("Role"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""

    next = HiddenField()
