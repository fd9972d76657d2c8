"""PLC circles (วง PLC): lists, creating one, the circle page with members, norms, the meeting rule,
meetings and cycles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.blueprints._helpers import int_arg, page_arg, page_size, school_or_network
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.circles import (
    LEARNING_AREAS,
    AddMemberForm,
    CircleForm,
    EditCircleForm,
    MeetingForm,
    MemberRoleForm,
)
from plc.forms.people import ConfirmForm
from plc.i18n import bangkok_today, current_locale
from plc.models import Circle, CircleMember, Cycle, Network, School, User
from plc.models.cycles import CycleStatus
from plc.services import circles, cycles, org

bp = Blueprint("circles", __name__)


@bp.app_template_global()
def learning_area_label(value: str | None) -> str:
    """A stored learning area in the reader's language (Thai values are the curriculum's names)."""
    if not value:
        return ""
    if current_locale() == "en" and value in LEARNING_AREAS:
        return str(LEARNING_AREAS[value])
    return value


def my_work(user, limit: int = 10) -> tuple[list[Circle], list[Cycle]]:
    """For the home page: the user's circles and the active cycles in them."""
    mine = db.session.scalars(circles.circles_query(user, mine=True).options(
        selectinload(Circle.school), selectinload(Circle.network))).all()
    active = []
    if mine:
        ids = [c.id for c in mine]
        active = db.session.scalars(cycles.cycles_query(user, status=CycleStatus.ACTIVE)
                                    .where(Cycle.circle_id.in_(ids)).limit(limit)
                                    .options(selectinload(Cycle.phases))).all()
    return mine[:limit], active


def _member_or_404(circle: Circle, member_id: int) -> CircleMember:
    member = db.session.get(CircleMember, member_id)
    if member is None or member.circle_id != circle.id or not member.is_current():
        authz.deny_unseen(current_user, "circle.member", None)
    return member


def _scope_targets() -> list[tuple[str, str, School | Network]]:
    targets: list[tuple[str, str, School | Network]] = []
    for school in db.session.scalars(org.schools_query(current_user)):
        if authz.can_create_circle(current_user, school):
            targets.append((f"school:{school.id}", _("School: %(name)s", name=school.name_th), school))
    for network in db.session.scalars(org.networks_query(current_user)):
        if authz.can_create_circle(current_user, network):
            targets.append((f"network:{network.id}", _("Network: %(name)s", name=network.name_th), network))
    return targets


def _circle_input(form: CircleForm) -> circles.CircleInput:
    return circles.CircleInput(name=form.name.data or "", learning_area=form.chosen_learning_area(),
                               grade_band=form.grade_band.data, description=form.description.data,
                               norms=form.norms.data, meeting_count=form.meeting_count.data or 0,
                               meeting_period=form.meeting_period.data)


# ---------------------------------------------------------------------------- lists and creating


@bp.get("/circles")
@login_required
def index():
    school_id, network_id = int_arg("school"), int_arg("network")
    school = db.session.get(School, school_id) if school_id else None
    network = db.session.get(Network, network_id) if network_id else None
    if school is not None and not authz.can_view_school(current_user, school):
        school = None
    if network is not None and not authz.can_view_network(current_user, network):
        network = None
    filtered = bool(school_id or network_id)
    show = request.args.get("show")
    if show not in ("mine", "all"):
        show = "all" if filtered else "mine"
    query = circles.circles_query(current_user, school_id=school.id if school else None,
                                  network_id=network.id if network else None,
                                  mine=show == "mine").options(*circles.list_options())
    if (school_id and school is None) or (network_id and network is None):
        query = query.where(False)
    pagination = db.paginate(query, page=page_arg(), per_page=page_size(), error_out=False)
    rules = {c.id: circles.meeting_rule(c, periods=1)[0] for c in pagination.items}
    return render_template("circles/index.html", pagination=pagination, show=show, school=school, network=network,
                           rules=rules, can_create=bool(_scope_targets()))


@bp.route("/circles/new", methods=["GET", "POST"])
@login_required
def create():
    # A school or network the form names is asked first, as the API asks it: outside the choices it
    # is 404 (unseen) or 403 (seen, not the user's to start a circle in), audited.
    named = school_or_network(request.form.get("scope")) if request.method == "POST" else None
    if named is not None:
        authz.access_circle_scope(current_user, *named, "circle.create")
    targets = _scope_targets()
    if not targets:
        authz.deny_forbidden(current_user, "circle.create")
    form = CircleForm()
    form.scope.choices = [SelectChoice(value, text) for value, text, _obj in targets]
    if request.method == "GET" and request.args.get("scope"):
        form.scope.data = request.args["scope"]
    status = 200
    if form.validate_on_submit():
        scope = next(obj for value, _text, obj in targets if value == form.scope.data)
        try:
            circle = circles.create(current_user, scope, _circle_input(form))
        except circles.CircleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("The circle is ready. You facilitate it: add its members next."), "success")
            return redirect(url_for("circles.show", circle_id=circle.id))
    elif request.method == "POST":
        status = 422
    return render_template("circles/form.html", form=form, circle=None), status


@bp.route("/circles/<int:circle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.edit")
    form = EditCircleForm(obj=circle if request.method == "GET" else None)
    if request.method == "GET":
        form.show_learning_area(circle.learning_area)
    status = 200
    if form.validate_on_submit():
        before = circle.norms_version
        try:
            circles.update(current_user, circle, _circle_input(form))
        except circles.CircleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = 422
        else:
            db.session.commit()
            if circle.norms_version != before:
                flash(_("The circle is saved. The norms changed, so every member is asked to accept them again."),
                      "success")
            else:
                flash(_("The circle is saved."), "success")
            return redirect(url_for("circles.show", circle_id=circle.id))
    elif request.method == "POST":
        status = 422
    return render_template("circles/form.html", form=form, circle=circle), status


# ---------------------------------------------------------------------------- the circle page


def _meeting_form(circle: Circle, formdata=None) -> MeetingForm:
    open_cycles = [c for c in circle.cycles if not c.is_closed]
    form = MeetingForm(formdata=formdata, cycles=open_cycles)
    if formdata is None:
        form.held_on.data = bangkok_today()
    return form


def render_circle(circle: Circle, *, add_form=None, meeting_form=None, status: int = 200):
    allowed = authz.permissions(current_user, circle)  # the API's permissions field says the same
    can_manage, can_work = allowed["manage"], allowed["work"]
    if can_manage and add_form is None:
        add_form = AddMemberForm(formdata=None)
    if add_form is not None:
        add_form.user_id.choices = [SelectChoice(u.id, u.display_name(current_locale()))
                                    for u in circles.candidates(circle)]
    if can_work and meeting_form is None:
        meeting_form = _meeting_form(circle)
    members = circle.current_members()
    former = [m for m in circle.members if not m.is_current()]
    me = circle.membership_of(current_user.id)
    meetings = list(reversed(circle.meetings))[:10]
    return render_template(
        "circles/show.html", circle=circle, members=members, former=former, me=me,
        rule=circles.meeting_rule(circle), meetings=meetings, meetings_total=len(circle.meetings),
        cycles=list(reversed(circle.cycles)), can_manage=can_manage, can_work=can_work, add_form=add_form,
        meeting_form=meeting_form, confirm_form=ConfirmForm(formdata=None),
        role_form=MemberRoleForm(formdata=None)), status


@bp.get("/circles/<int:circle_id>")
@login_required
def show(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.view", options=circles.page_options())
    return render_circle(circle)


@bp.post("/circles/<int:circle_id>/members")
@login_required
def add_member(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.add_member")
    form = AddMemberForm()
    form.user_id.choices = [SelectChoice(u.id, u.display_name(current_locale())) for u in circles.candidates(circle)]
    if form.validate_on_submit():
        person = db.session.get(User, form.user_id.data)
        try:
            circles.add_member(current_user, circle, person, form.role.data)
        except circles.CircleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("%(name)s joined the circle.", name=person.display_name(current_locale())), "success")
            return redirect(url_for("circles.show", circle_id=circle.id) + "#members")
    return render_circle(circle, add_form=form, status=422)


@bp.route("/circles/<int:circle_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(circle_id: int, member_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.remove_member")
    member = _member_or_404(circle, member_id)
    form = ConfirmForm()
    name = member.user.display_name(current_locale())
    if form.validate_on_submit():
        try:
            circles.remove_member(current_user, circle, member)
        except circles.CircleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("circles.show", circle_id=circle.id) + "#members")
        db.session.commit()
        flash(_("%(name)s has left the circle. Their work in it is kept.", name=name), "success")
        return redirect(url_for("circles.show", circle_id=circle.id) + "#members")
    return render_template("people/confirm.html", form=form, title=_("Remove %(name)s from the circle?", name=name),
                           message=_("%(name)s will no longer be a member of %(circle)s from today. What they "
                                     "recorded in the circle's cycles stays, and the membership stays in the "
                                     "circle's history.", name=name, circle=circle.name),
                           confirm_label=_("Remove from the circle"),
                           cancel_url=url_for("circles.show", circle_id=circle.id) + "#members")


@bp.post("/circles/<int:circle_id>/members/<int:member_id>/role")
@login_required
def set_role(circle_id: int, member_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.set_role")
    member = _member_or_404(circle, member_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose member or facilitator."), "error")
        return redirect(url_for("circles.show", circle_id=circle.id) + "#members")
    try:
        circles.set_role(current_user, circle, member, form.role.data)
    except circles.CircleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if form.role.data == "facilitator":
            flash(_("%(name)s now facilitates the circle.", name=member.user.display_name(current_locale())),
                  "success")
        else:
            flash(_("%(name)s is now a member of the circle.", name=member.user.display_name(current_locale())),
                  "success")
    return redirect(url_for("circles.show", circle_id=circle.id) + "#members")


@bp.post("/circles/<int:circle_id>/norms/accept")
@login_required
def accept_norms(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.accept_norms")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
    else:
        try:
            circles.accept_norms(current_user, circle)
        except circles.CircleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("You accepted the circle's norms."), "success")
    return redirect(url_for("circles.show", circle_id=circle.id) + "#norms")


@bp.post("/circles/<int:circle_id>/meetings")
@login_required
def record_meeting(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "circle.record_meeting")
    form = _meeting_form(circle, formdata=request.form)
    if form.validate_on_submit():
        cycle = db.session.get(Cycle, form.cycle_id.data) if form.cycle_id.data else None
        try:
            circles.record_meeting(current_user, circle, held_on=form.held_on.data, title=form.title.data or "",
                                   mode=form.mode.data, notes=form.notes.data, minutes=form.minutes.data,
                                   cycle=cycle)
        except circles.CircleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("The meeting is recorded."), "success")
            return redirect(url_for("circles.show", circle_id=circle.id) + "#meetings")
    return render_circle(circle, meeting_form=form, status=422)
