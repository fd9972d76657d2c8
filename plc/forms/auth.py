from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                                 render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    title_th = StringField(_l("Title (Thai)"), validators=[Optional(), Length(max=40)])
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    position_th = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    learning_area_th = StringField(_l("Learning area"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")])
    thai_digits = BooleanField(_l("Show numbers in Thai digits"))
