from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from plc.blueprints.auth import SESSION_TOKEN_KEY
from plc.extensions import db
from plc.forms.auth import ChangePasswordForm, EmailPreferencesForm, ProfileForm
from plc.services import accounts, mail

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    form = ProfileForm(obj=current_user)
    status = 200
    if form.validate_on_submit():
        accounts.update_profile(current_user, name_th=form.name_th.data, name_en=form.name_en.data,
                                title_th=form.title_th.data, position_th=form.position_th.data,
                                learning_area_th=form.learning_area_th.data, locale=form.locale.data,
                                thai_digits=form.thai_digits.data)
        db.session.commit()
        session["lang"] = current_user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("profile.edit"))
    if request.method == "POST":
        status = 422
    return _page(form, ChangePasswordForm(prefix="pw")), status


@bp.post("/password")
@login_required
def change_password():
    password_form = ChangePasswordForm(prefix="pw")
    status = 422
    if password_form.validate_on_submit():
        try:
            accounts.change_password(current_user, password_form.current_password.data,
                                     password_form.new_password.data, keep_session_token=session.get(SESSION_TOKEN_KEY))
        except accounts.AccountError as error:
            db.session.rollback()
            for field, messages in error.fields.items():
                getattr(password_form, field).errors = [*getattr(password_form, field).errors, *messages]
        else:
            db.session.commit()
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("profile.edit"))
    return _page(ProfileForm(obj=current_user), password_form), status


@bp.post("/email")
@login_required
def email_preferences():
    mail_form = EmailPreferencesForm()
    if not mail_form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("profile.edit"))
    mail.set_preferences(current_user, mail_form.choices())
    db.session.commit()
    flash(_("Your choice of e-mail notifications is saved."), "success")
    return redirect(url_for("profile.edit", _anchor="email-h"))


def _page(form: ProfileForm, password_form: ChangePasswordForm) -> str:
    mail_form = EmailPreferencesForm(formdata=None, data=mail.preferences(current_user))
    return render_template("profile/edit.html", form=form, password_form=password_form, mail_form=mail_form,
                           mail_configured=mail.mail_enabled())
