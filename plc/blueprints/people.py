"""People in the user's scope: list, profile, invitations, roles, disabling."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.blueprints._helpers import page_arg, page_size
from plc.extensions import db
from plc.forms.people import ConfirmForm, GrantForm, InviteForm
from plc.labels import ROLE_LABELS
from plc.models import AreaOffice, Network, Role, School, User
from plc.services import accounts, memberships, org

bp = Blueprint("people", __name__)

SCOPE_MODELS = {"school": School, "network": Network, "area_office": AreaOffice}


def _grant_targets() -> list[tuple[str, str, list[Role]]]:
    """(value, label, roles) for every scope where the acting user may grant some role."""
    targets: list[tuple[str, str, list[Role]]] = []
    if authz.is_admin(current_user):
        targets.append(("global", _("Whole platform"), [Role.ADMIN]))
    for network in db.session.scalars(org.networks_query(current_user)):
        roles = sorted(authz.grantable_roles(current_user, network))
        if roles:
            targets.append((f"network:{network.id}", _("Network: %(name)s", name=network.name_th), roles))
    for school in db.session.scalars(org.schools_query(current_user)):
        roles = sorted(authz.grantable_roles(current_user, school))
        if roles:
            targets.append((f"school:{school.id}", _("School: %(name)s", name=school.name_th), roles))
    if authz.is_admin(current_user):
        for office in db.session.scalars(db.select(AreaOffice).order_by(AreaOffice.name_th)):
            targets.append((f"area_office:{office.id}", _("Area office: %(name)s", name=office.name_th),
                            sorted(authz.grantable_roles(current_user, office))))
    return targets


def _resolve_scope(value: str):
    if value == "global":
        return None, True
    kind, _sep, raw_id = (value or "").partition(":")
    model = SCOPE_MODELS.get(kind)
    if model is None or not raw_id.isdigit():
        return None, False
    scope = db.session.get(model, int(raw_id))
    return scope, scope is not None


def _fill_choices(form) -> list[tuple[str, str, list[Role]]]:
    targets = _grant_targets()
    form.scope.choices = [SelectChoice(value, text) for value, text, _roles in targets]
    all_roles = sorted({role for _v, _t, roles in targets for role in roles})
    form.role.choices = [SelectChoice(role.value, str(ROLE_LABELS[role.value])) for role in all_roles]
    return targets


def _role_and_scope_allowed(form) -> tuple[object, Role | None]:
    scope, found = _resolve_scope(form.scope.data)
    try:
        role = Role(form.role.data)
    except ValueError:
        role = None
    if not found or role is None or not authz.can_grant(current_user, scope, role):
        form.role.errors = [*form.role.errors, _("You cannot give this role in the chosen school or network.")]
        return scope, None
    return scope, role


@bp.get("/people")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    include_disabled = request.args.get("disabled") == "1" and authz.can_invite(current_user)
    pagination = db.paginate(org.people_query(current_user, q=q or None, include_disabled=include_disabled),
                             page=page_arg(), per_page=page_size(), error_out=False)
    return render_template("people/index.html", pagination=pagination, q=q, include_disabled=include_disabled)


@bp.get("/people/<int:user_id>")
@login_required
def show(user_id: int):
    person = authz.access_user(current_user, user_id, "user.view", options=org.person_options())
    grant_form = None
    if authz.can_manage_user(current_user, person):
        grant_form = GrantForm()
        _fill_choices(grant_form)
    history = [m for m in person.memberships if not m.is_current()]
    return render_template("people/show.html", person=person, grant_form=grant_form, history=history,
                           confirm_form=ConfirmForm())


@bp.route("/people/invite", methods=["GET", "POST"])
@login_required
def invite():
    if not authz.can_invite(current_user):
        authz.deny_forbidden(current_user, "user.invite")
    form = InviteForm()
    targets = _fill_choices(form)
    if request.method == "GET" and request.args.get("scope"):
        form.scope.data = request.args["scope"]
    status = 200
    if form.validate_on_submit():
        scope, role = _role_and_scope_allowed(form)
        if role is not None:
            try:
                person, link = memberships.invite(current_user, email=form.email.data, name_th=form.name_th.data,
                                                  name_en=form.name_en.data, role=role, scope=scope)
            except accounts.AccountError as error:
                db.session.rollback()
                for field, messages in error.fields.items():
                    getattr(form, field).errors = [*getattr(form, field).errors, *messages]
                status = 422
            else:
                db.session.commit()
                if link is None:
                    flash(_("%(name)s was added. They can log in with their existing password.",
                            name=person.name_th), "success")
                    return redirect(url_for("people.show", user_id=person.id))
                return _show_invitation_link(person, link.token)
        else:
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("people/invite.html", form=form, targets=targets), status


def _show_invitation_link(person: User, token: str):
    url = url_for("auth.accept_invitation", token=token, _external=True)
    if current_app.config["PLC_PROFILE"] == "embedded":
        current_app.logger.info("Invitation link for %s: %s", person.email, url)
    return render_template("people/invitation_link.html", person=person, url=url,
                           hours=current_app.config["PLC_INVITATION_HOURS"])


@bp.post("/people/<int:user_id>/invitation")
@login_required
def reinvite(user_id: int):
    person = authz.access_user(current_user, user_id, "user.reinvite")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("people.show", user_id=person.id))
    link = accounts.create_invitation(current_user, person)
    db.session.commit()
    return _show_invitation_link(person, link.token)


@bp.post("/people/<int:user_id>/memberships")
@login_required
def grant(user_id: int):
    person = authz.access_user(current_user, user_id, "membership.grant")
    form = GrantForm()
    _fill_choices(form)
    if form.validate_on_submit():
        scope, role = _role_and_scope_allowed(form)
        if role is not None:
            try:
                memberships.grant(current_user, person, role, scope)
            except accounts.AccountError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Role added."), "success")
                return redirect(url_for("people.show", user_id=person.id))
        else:
            flash(form.role.errors[-1], "error")
    else:
        flash(_("Choose a school or network and a role."), "error")
    return redirect(url_for("people.show", user_id=person.id))


@bp.route("/memberships/<int:membership_id>/end", methods=["GET", "POST"])
@login_required
def end_membership(membership_id: int):
    membership = authz.access_membership(current_user, membership_id, "membership.end")
    form = ConfirmForm()
    if form.validate_on_submit():
        memberships.end(current_user, membership)
        db.session.commit()
        flash(_("The role has ended. It stays in the person's history."), "success")
        return redirect(url_for("people.show", user_id=membership.user_id))
    return render_template("people/confirm.html", form=form,
                           title=_("End this role?"),
                           message=_("%(name)s will no longer be %(role)s in %(scope)s. The history is kept.",
                                     name=membership.user.name_th, role=ROLE_LABELS[membership.role],
                                     scope=getattr(membership.scope, "name_th", "")),
                           confirm_label=_("End role"),
                           cancel_url=url_for("people.show", user_id=membership.user_id))


@bp.route("/people/<int:user_id>/disable", methods=["GET", "POST"])
@login_required
def disable(user_id: int):
    person = authz.access_user(current_user, user_id, "user.disable")
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.disable_user(current_user, person)
        db.session.commit()
        flash(_("%(name)s's account is disabled and logged out everywhere.", name=person.name_th), "success")
        return redirect(url_for("people.show", user_id=person.id))
    return render_template("people/confirm.html", form=form, title=_("Disable this account?"),
                           message=_("%(name)s will be logged out at once and cannot log in until the account "
                                     "is enabled again. Their work is kept.", name=person.name_th),
                           confirm_label=_("Disable account"),
                           cancel_url=url_for("people.show", user_id=person.id))


@bp.post("/people/<int:user_id>/enable")
@login_required
def enable(user_id: int):
    person = authz.access_managed_user(current_user, user_id, "user.enable")
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.enable_user(current_user, person)
        db.session.commit()
        flash(_("%(name)s's account is enabled.", name=person.name_th), "success")
    return redirect(url_for("people.show", user_id=person.id))
