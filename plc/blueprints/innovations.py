"""The innovation library (นวัตกรรม): browse and search, each model with its steps and versions, where
it is used, and a school's or network's own models (editing adds a version; history stays)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.blueprints._helpers import page_arg, page_size, school_or_network
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.innovations import InnovationForm, RevisionForm, steps_to_text
from plc.labels import INNOVATION_KIND_LABELS, INNOVATION_OWNER_LABELS, VISIBILITY_LABELS
from plc.models import Innovation, InnovationVersion, Network, School
from plc.services import innovations, org

bp = Blueprint("innovations", __name__)


def _owner_targets() -> list[tuple[str, str, School | Network]]:
    """Schools and networks for which the user may add an innovation."""
    targets: list[tuple[str, str, School | Network]] = []
    for school in db.session.scalars(org.schools_query(current_user)):
        if authz.can_create_innovation(current_user, school):
            targets.append((f"school:{school.id}", _("School: %(name)s", name=school.name_th), school))
    for network in db.session.scalars(org.networks_query(current_user)):
        if authz.can_create_innovation(current_user, network):
            targets.append((f"network:{network.id}", _("Network: %(name)s", name=network.name_th), network))
    return targets


def _version_input(form) -> innovations.VersionInput | None:
    steps = form.parsed_steps()
    if steps is None:
        return None
    return innovations.VersionInput(name_th=form.name_th.data or "", name=form.name.data, name_en=form.name_en.data,
                                    description_th=form.description_th.data,
                                    description_en=form.description_en.data, steps=steps,
                                    change_note=form.change_note.data)


@bp.get("/innovations")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("kind") if request.args.get("kind") in INNOVATION_KIND_LABELS else ""
    owner = request.args.get("owner") if request.args.get("owner") in INNOVATION_OWNER_LABELS else ""
    pagination = db.paginate(innovations.innovations_query(current_user, q=q or None, kind=kind or None,
                                                           owner=owner or None).options(*innovations.list_options()),
                             page=page_arg(), per_page=page_size(), error_out=False)
    can_add = bool(_owner_targets())
    return render_template("innovations/index.html", pagination=pagination, q=q, kind=kind, owner=owner,
                           can_add=can_add)


@bp.route("/innovations/new", methods=["GET", "POST"])
@login_required
def create():
    # A school or network the form names is asked first, as the API asks it: outside the choices it
    # is 404 (unseen) or 403 (seen, not the user's to add an innovation for), audited.
    named = school_or_network(request.form.get("owner")) if request.method == "POST" else None
    if named is not None:
        authz.access_innovation_owner(current_user, *named, "innovation.create")
    targets = _owner_targets()
    if not targets:
        authz.deny_forbidden(current_user, "innovation.create")
    form = InnovationForm()
    form.owner.choices = [SelectChoice(value, text) for value, text, _obj in targets]
    form.kind.choices = [SelectChoice(k, v) for k, v in INNOVATION_KIND_LABELS.items()]
    form.visibility.choices = [SelectChoice(k, v) for k, v in VISIBILITY_LABELS.items()]
    if request.method == "GET":
        form.kind.data = "classroom_model"
        form.visibility.data = "network"
        if request.args.get("owner"):
            form.owner.data = request.args["owner"]
    status = 200
    if form.validate_on_submit():
        owner = next(obj for value, _text, obj in targets if value == form.owner.data)
        data = _version_input(form)
        if data is not None:
            try:
                innovation = innovations.create(current_user, owner=owner, kind=form.kind.data,
                                                visibility=form.visibility.data, data=data)
            except innovations.InnovationError as error:
                db.session.rollback()
                apply_service_errors(form, error.fields)
            else:
                db.session.commit()
                flash(_("The innovation is in the library."), "success")
                return redirect(url_for("innovations.show", innovation_id=innovation.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("innovations/form.html", form=form, innovation=None), status


@bp.get("/innovations/<int:innovation_id>")
@login_required
def show(innovation_id: int):
    innovation = authz.access_innovation(current_user, innovation_id, "innovation.view",
                                         options=innovations.page_options())
    return _render_version(innovation, innovation.current)


@bp.get("/innovations/<int:innovation_id>/versions/<int:number>")
@login_required
def version(innovation_id: int, number: int):
    chosen = authz.access_innovation_version(current_user, innovation_id, number, options=innovations.page_options())
    return _render_version(chosen.innovation, chosen)


def _render_version(innovation: Innovation, shown: InnovationVersion):
    usage = innovations.usage(current_user, innovation)
    return render_template("innovations/show.html", innovation=innovation, version=shown,
                           is_current=shown.id == innovation.current.id, usage=usage)


@bp.route("/innovations/<int:innovation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(innovation_id: int):
    innovation = authz.access_innovation(current_user, innovation_id, "innovation.edit")
    current = innovation.current
    form = RevisionForm(obj=current if request.method == "GET" else None)
    if request.method == "GET":
        form.steps.data = steps_to_text(current)
        form.change_note.data = ""
    status = 200
    if form.validate_on_submit():
        data = _version_input(form)
        if data is not None:
            try:
                new = innovations.revise(current_user, innovation, data)
            except innovations.InnovationError as error:
                db.session.rollback()
                apply_service_errors(form, error.fields)
            else:
                db.session.commit()
                flash(_("Version %(n)s is saved. Cycles that used an earlier version keep it.", n=new.number),
                      "success")
                return redirect(url_for("innovations.show", innovation_id=innovation.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("innovations/form.html", form=form, innovation=innovation), status
