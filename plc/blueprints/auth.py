"""Logging in and out, and accepting an invitation. Sessions are checked against the database on
every request, so logging out, changing a password or being disabled ends them everywhere."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from plc.blueprints._helpers import client_ip, safe_next_url
from plc.extensions import db, limiter, login_manager
from plc.forms.auth import LoginForm, SetPasswordForm
from plc.models import User
from plc.services import accounts

bp = Blueprint("auth", __name__, url_prefix="/auth")

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the session key name, not a secret


def _login_account_key() -> str:
    return "login-account:" + accounts.normalise_email(request.form.get("email", ""))


def _login_failed(response) -> bool:
    return response.status_code != 302


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # the server-side login session is the protection

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = accounts.logged_in_user(session.get(SESSION_TOKEN_KEY, ""))
        if user is None or str(user.id) != user_id:
            session.pop(SESSION_TOKEN_KEY, None)
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            abort(401)
        flash(_("Please log in to continue."), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _start_session(user: User) -> None:
    token = accounts.start_login_session(user, client_ip(), request.headers.get("User-Agent"))
    db.session.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PLC_LOGIN_LIMIT_IP"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["PLC_LOGIN_LIMIT_ACCOUNT"], key_func=_login_account_key,
               methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user)
            return redirect(safe_next_url(request.args.get("next"), url_for("main.home")))
        db.session.commit()  # keeps the audit record of the failure
        form.password.errors.append(_("The e-mail or password is not correct."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_login_session(current_user, session.get(SESSION_TOKEN_KEY, ""))
    db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def accept_invitation(token: str):
    invitation = accounts.find_invitation(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(invitation, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            form.password.errors.extend(error.fields.get("password", [error.message]))
            status = 422
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            _start_session(user)
            flash(_("Welcome! Your password is set."), "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/invitation.html", form=form, invitation=invitation), status
