"""School goals (เป้าหมายโรงเรียน): lists per school and year, drafts, the director's decisions,
core goals a coordinator publishes to the network, and the network's coverage table."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.blueprints._helpers import int_arg, page_arg, page_size, whole_number
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.goals import FOCUS_TAXONOMY_LABELS, GoalForm, GoalStatusForm
from plc.i18n import academic_term, bangkok_today, current_locale
from plc.models import Cycle, FocusArea, Network, School, SchoolGoal
from plc.models.cycles import cycle_goal
from plc.models.goals import GoalStatus
from plc.services import goals, org

bp = Blueprint("goals", __name__)

STATUS_ACTIONS = {
    "approve": GoalStatus.DRAFT,
    "achieve": GoalStatus.APPROVED,
    "carry_over": GoalStatus.APPROVED,
    "reopen": GoalStatus.APPROVED,
}


def current_year() -> int:
    return academic_term(bangkok_today()).year_be


def focus_groups() -> list[tuple[str, str, list[FocusArea]]]:
    """(taxonomy, heading, areas) for the grouped focus-area checkboxes."""
    areas = db.session.scalars(select(FocusArea).order_by(FocusArea.taxonomy, FocusArea.position, FocusArea.id))
    groups = []
    for taxonomy, items in groupby(areas, key=lambda area: area.taxonomy):
        heading = FOCUS_TAXONOMY_LABELS.get(taxonomy)
        groups.append((taxonomy, str(heading) if heading else taxonomy, list(items)))
    order = list(FOCUS_TAXONOMY_LABELS)
    return sorted(groups, key=lambda group: order.index(group[0]) if group[0] in order else len(order))


def _focus_choices(form: GoalForm, groups) -> None:
    en = current_locale() == "en"
    form.focus_area_ids.choices = [SelectChoice(area.id, (area.name_en if en and area.name_en else area.name_th))
                                   for _taxonomy, _heading, areas in groups for area in areas]


def _draftable_schools() -> list[School]:
    return [s for s in db.session.scalars(org.schools_query(current_user)) if authz.can_draft_goal(current_user, s)]


def _goal_input(form: GoalForm) -> goals.GoalInput:
    return goals.GoalInput(statement=form.statement.data or "", academic_year_be=form.academic_year_be.data or 0,
                           context_needs=form.context_needs.data, indicator=form.indicator.data,
                           target=form.target.data, focus_area_ids=tuple(form.focus_area_ids.data or ()))


# ---------------------------------------------------------------------------- lists


@bp.get("/goals")
@login_required
def index():
    school_id = int_arg("school")
    network_id = int_arg("network")
    year = int_arg("year") if "year" in request.args else current_year()
    school = db.session.get(School, school_id) if school_id else None
    if school is not None and not authz.can_view_school(current_user, school):
        school = None
    network = db.session.get(Network, network_id) if network_id else None
    if network is not None and not authz.can_view_network(current_user, network):
        network = None
    query = goals.goals_query(current_user, school_id=school.id if school else None,
                              network_id=network.id if network else None, year=year,
                              include_templates=network is not None)
    if (school_id and school is None) or (network_id and network is None):
        query = query.where(False)
    pagination = db.paginate(query, page=page_arg(), per_page=page_size(), error_out=False)
    schools = db.session.scalars(org.schools_query(current_user)).all()
    draftable = [s for s in schools if authz.can_draft_goal(current_user, s)]
    this_year = current_year()
    years = sorted({this_year + 1, this_year, this_year - 1, this_year - 2} | ({year} if year else set()),
                   reverse=True)
    return render_template("goals/index.html", pagination=pagination, schools=schools, school=school,
                           network=network, year=year, years=years, draftable=draftable)


# ---------------------------------------------------------------------------- create and edit


@bp.route("/goals/new", methods=["GET", "POST"])
@login_required
def create():
    schools = _draftable_schools()
    # What the request names is asked first, as the API asks it: a school outside the choices is 404
    # (unseen) or 403 (seen, not the user's to draft for), audited, not a form error.
    wanted = int_arg("school")
    posted = whole_number(request.form.get("school_id")) if request.method == "POST" else None
    for named in (wanted, posted):
        if named is not None:
            authz.access_goal_school(current_user, named, "goal.create")
    if not schools:
        authz.deny_forbidden(current_user, "goal.create")
    form = GoalForm()
    en = current_locale() == "en"
    form.school_id.choices = [SelectChoice(s.id, s.name_en if en and s.name_en else s.name_th) for s in schools]
    groups = focus_groups()
    _focus_choices(form, groups)
    if request.method == "GET":
        form.academic_year_be.data = current_year()
        if wanted is not None:
            form.school_id.data = wanted
    status = 200
    if form.validate_on_submit():
        school = authz.access_goal_school(current_user, form.school_id.data, "goal.create")
        try:
            goal = goals.create_school_goal(current_user, school, _goal_input(form))
        except goals.GoalError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("The goal is saved as a draft. The school director approves it."), "success")
            return redirect(url_for("goals.show", goal_id=goal.id))
    elif request.method == "POST":
        status = 422
    return render_template("goals/form.html", form=form, groups=groups, goal=None, network=None), status


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(goal_id: int):
    goal = authz.access_goal(current_user, goal_id, "goal.edit")
    goals.check_editable(goal)
    form = GoalForm(obj=goal if request.method == "GET" else None)
    del form.school_id
    groups = focus_groups()
    _focus_choices(form, groups)
    if request.method == "GET":
        form.focus_area_ids.data = [a.id for a in goal.focus_areas]
    status = 200
    if form.validate_on_submit():
        try:
            goals.update_goal(current_user, goal, _goal_input(form))
        except goals.GoalError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = error.status
        else:
            db.session.commit()
            flash(_("The goal is saved."), "success")
            return redirect(url_for("goals.show", goal_id=goal.id))
    elif request.method == "POST":
        status = 422
    return render_template("goals/form.html", form=form, groups=groups, goal=goal, network=None), status


# ---------------------------------------------------------------------------- one goal


@bp.get("/goals/<int:goal_id>")
@login_required
def show(goal_id: int):
    goal = authz.access_goal(current_user, goal_id, "goal.view")
    cycles = [c for c in db.session.scalars(
        select(Cycle).join(cycle_goal, cycle_goal.c.cycle_id == Cycle.id).where(cycle_goal.c.goal_id == goal.id)
        .order_by(Cycle.created_at.desc())) if authz.can_view_cycle(current_user, c)]
    copies = [c for c in goal.copies if authz.can_view_goal(current_user, c)] if goal.is_template else []
    follow_ups = db.session.scalars(select(SchoolGoal).where(SchoolGoal.carried_from_id == goal.id)).all()
    follow_ups = [g for g in follow_ups if authz.can_view_goal(current_user, g)]
    carried_from = db.session.get(SchoolGoal, goal.carried_from_id) if goal.carried_from_id else None
    return render_template("goals/show.html", goal=goal, cycles=cycles, copies=copies, follow_ups=follow_ups,
                           carried_from=carried_from, status_form=GoalStatusForm(),
                           actions=[a for a, source in STATUS_ACTIONS.items() if source == goal.status])


@bp.post("/goals/<int:goal_id>/status")
@login_required
def change_status(goal_id: int):
    goal = authz.access_goal(current_user, goal_id, "goal.status")
    form = GoalStatusForm()
    if not form.validate_on_submit() or form.action.data not in STATUS_ACTIONS:
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("goals.show", goal_id=goal.id))
    try:
        follow_up = goals.transition(current_user, goal, form.action.data)
    except goals.GoalError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("goals.show", goal_id=goal.id))
    db.session.commit()
    messages = {
        "approve": _("The goal is approved."),
        "achieve": _("The goal is marked as achieved."),
        "carry_over": _("The goal is carried over: a draft for the next academic year was created."),
        "reopen": _("The goal is back to draft and can be edited."),
    }
    flash(messages[form.action.data], "success")
    if follow_up is not None:
        return redirect(url_for("goals.show", goal_id=follow_up.id))
    return redirect(url_for("goals.show", goal_id=goal.id))


# ---------------------------------------------------------------------------- network: core goals and coverage


@bp.route("/networks/<int:network_id>/goals/new", methods=["GET", "POST"])
@login_required
def publish_core(network_id: int):
    network = authz.access_goal_network(current_user, network_id, "goal.publish_core")
    form = GoalForm()
    del form.school_id
    groups = focus_groups()
    _focus_choices(form, groups)
    if request.method == "GET":
        form.academic_year_be.data = current_year()
    status = 200
    if form.validate_on_submit():
        try:
            template = goals.publish_core_goal(current_user, network, _goal_input(form))
        except goals.GoalError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("The core goal is published. Each school of the network has a draft copy for its director "
                    "to approve."), "success")
            return redirect(url_for("goals.coverage", network_id=network.id, year=template.academic_year_be))
    elif request.method == "POST":
        status = 422
    return render_template("goals/form.html", form=form, groups=groups, goal=None, network=network), status


@bp.get("/networks/<int:network_id>/goals/coverage")
@login_required
def coverage(network_id: int):
    network = authz.access_goal_network(current_user, network_id, "goal.coverage")
    year = int_arg("year") or current_year()
    if not 2400 <= year <= 2800:
        abort(404)
    templates, rows = goals.coverage(network, year)
    this_year = current_year()
    years = sorted({this_year + 1, this_year, this_year - 1, this_year - 2, year}, reverse=True)
    return render_template("goals/coverage.html", network=network, year=year, years=years, templates=templates,
                           rows=rows)
