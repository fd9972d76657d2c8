"""PLC cycles (วงจร PLC): starting one in a circle, and the cycle page with everything in one place —
goals, innovations and steps, phases, DE checkpoints, outcomes with effect sizes, the timeline and
the lessons learned that close it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.cycles import TARGET_GROUP_LABELS, CheckpointForm, CycleForm, LessonsForm, OutcomeForm
from plc.forms.people import ConfirmForm
from plc.i18n import current_locale
from plc.models import Circle, Cycle, Innovation
from plc.services import cycles, innovations, outcomes, timeline

bp = Blueprint("cycles", __name__)

# What each empty slot of the timeline waits for (timeline.SLOTS; later issues fill them).
SLOT_PLACEHOLDERS = {
    "reflections": _l("Coming with reflection logs: what teachers and coaches noticed after each lesson."),
    "live_sessions": _l("Coming with live online PLC sessions: meetings held on the platform."),
}
CLASSROOM_FIRST = ("classroom_model", "teaching_approach")
OUTCOME_ALIASES = {"pre": "pre_n", "post": "post_n"}


# ---------------------------------------------------------------------------- starting a cycle


def _library(user) -> list[Innovation]:
    """The innovations the user may apply, classroom models first."""
    found = db.session.scalars(innovations.innovations_query(user).options(*innovations.list_options())).all()
    return sorted(found, key=lambda i: (i.kind not in CLASSROOM_FIRST,))


def _fill_cycle_choices(form: CycleForm, circle: Circle, library: list[Innovation]) -> list:
    goals = db.session.scalars(cycles.goals_for_circle(circle)).all()
    locale = current_locale()
    form.goal_ids.choices = [SelectChoice(g.id, g.statement) for g in goals]
    versions = [i.current for i in library]
    form.innovation_version_ids.choices = [SelectChoice(v.id, v.display_name(locale)) for v in versions]
    form.step_ids.choices = [SelectChoice(s.id, s.label(locale)) for v in versions for s in v.steps]
    form.template_version_id.choices = [SelectChoice(0, _l("— Choose the innovation —"))] + [
        SelectChoice(v.id, v.display_name(locale)) for v in versions if v.top_steps]
    return goals


def _cycle_input(form: CycleForm, library: list[Innovation]) -> cycles.CycleInput:
    """Choosing a step, or following an innovation's steps, applies that innovation too."""
    step_version = {s.id: i.current.id for i in library for s in i.current.steps}
    step_ids = list(form.step_ids.data or [])
    version_ids = list(form.innovation_version_ids.data or [])
    extra = [step_version[s] for s in step_ids if s in step_version]
    template_version_id = form.template_version_id.data or None
    if form.template.data == "innovation" and template_version_id:
        extra.append(template_version_id)
    version_ids = list(dict.fromkeys(version_ids + extra))
    return cycles.CycleInput(
        title=form.title.data or "", problem=form.problem.data or "", goal_ids=list(form.goal_ids.data or []),
        template=form.template.data, template_version_id=template_version_id if form.template.data == "innovation"
        else None, innovation_version_ids=version_ids, step_ids=step_ids,
        challenge_issues=form.challenge_issues.data, target_grade=form.target_grade.data,
        target_class_size=form.target_class_size.data, target_groups=list(form.target_groups.data or []))


@bp.route("/circles/<int:circle_id>/cycles/new", methods=["GET", "POST"])
@login_required
def create(circle_id: int):
    circle = authz.access_circle(current_user, circle_id, "cycle.create")
    form = CycleForm()
    library = _library(current_user)
    goals = _fill_cycle_choices(form, circle, library)
    if request.method == "GET":
        form.template.data = "thai_plc"
        form.template_version_id.data = 0
        if len(goals) == 1:
            form.goal_ids.data = [goals[0].id]
    status = 200
    if form.validate_on_submit():
        try:
            cycle = cycles.create(current_user, circle, _cycle_input(form, library))
        except cycles.CycleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("The cycle has started with its first phase."), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id))
    elif request.method == "POST":
        status = 422
    classroom = [i for i in library if i.kind in CLASSROOM_FIRST]
    others = [i for i in library if i.kind not in CLASSROOM_FIRST]
    chosen_versions, chosen_steps = set(form.innovation_version_ids.data or []), set(form.step_ids.data or [])
    others_open = not classroom or any(
        i.current.id in chosen_versions or any(s.id in chosen_steps for s in i.current.steps) for i in others)
    return render_template("cycles/form.html", form=form, circle=circle, goals=goals, classroom=classroom,
                           others=others, others_open=others_open, target_group_labels=TARGET_GROUP_LABELS), status


# ---------------------------------------------------------------------------- the cycle page


def _applied(cycle: Cycle) -> list[tuple]:
    """(version, steps applied from it, number of the innovation's current version)."""
    return [(v, [s for s in cycle.steps if s.version_id == v.id], v.innovation.current.number)
            for v in cycle.innovation_versions]


def _effects(cycle: Cycle) -> list[tuple]:
    rows = []
    for outcome in cycle.outcomes:
        try:
            effect = outcomes.effect_of(outcome)
        except outcomes.OutcomeError:
            effect = None
        rows.append((outcome, effect))
    return rows


def render_cycle(cycle: Cycle, *, checkpoint_form=None, outcome_form=None, status: int = 200):
    can_work = authz.permissions(current_user, cycle)["work"]  # as the API's permissions field says
    if can_work:
        checkpoint_form = checkpoint_form or CheckpointForm(formdata=None)
        outcome_form = outcome_form or OutcomeForm(formdata=None)
    current = cycle.current_phase
    following = next((p for p in cycle.phases if current and p.position == current.position + 1), None)
    slots = [(key, text, SLOT_PLACEHOLDERS.get(key)) for key, text in timeline.SLOTS]
    return render_template(
        "cycles/show.html", cycle=cycle, circle=cycle.circle, applied=_applied(cycle), effects=_effects(cycle),
        current=current, following=following, entries=timeline.entries(cycle, current_locale()), slots=slots,
        can_work=can_work, checkpoint_form=checkpoint_form, outcome_form=outcome_form,
        confirm_form=ConfirmForm(formdata=None), hinge=outcomes.HINGE_POINT, band_labels=outcomes.BAND_LABELS,
        target_group_labels=TARGET_GROUP_LABELS), status


def _closed(cycle: Cycle):
    flash(_("This cycle is closed. Its record can be read but no longer changed."), "error")
    return render_cycle(cycle, status=409)


@bp.get("/cycles/<int:cycle_id>")
@login_required
def show(cycle_id: int):
    cycle = authz.access_cycle(current_user, cycle_id, "cycle.view", options=cycles.page_options())
    return render_cycle(cycle)


@bp.post("/cycles/<int:cycle_id>/advance")
@login_required
def advance(cycle_id: int):
    cycle = authz.access_cycle(current_user, cycle_id, "cycle.advance")
    if cycle.is_closed:
        return _closed(cycle)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("cycles.show", cycle_id=cycle.id) + "#phases")
    try:
        following = cycles.advance(current_user, cycle)
    except cycles.CycleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cycles.show", cycle_id=cycle.id) + "#phases")
    db.session.commit()
    if following is not None:
        flash(_("Next phase: %(name)s.", name=following.display_name(current_locale())), "success")
    else:
        flash(_("Every phase is done. Record the lessons learned to close the cycle."), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id) + "#phases")


@bp.post("/cycles/<int:cycle_id>/checkpoints")
@login_required
def add_checkpoint(cycle_id: int):
    cycle = authz.access_cycle(current_user, cycle_id, "cycle.checkpoint")
    if cycle.is_closed:
        return _closed(cycle)
    form = CheckpointForm()
    if form.validate_on_submit():
        try:
            checkpoint = cycles.add_checkpoint(current_user, cycle, stage=form.stage.data, held_on=form.held_on.data,
                                               reviewed=form.reviewed.data, monitored=form.monitored.data,
                                               evaluated=form.evaluated.data, changed=form.changed.data)
        except cycles.CycleError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("The DE checkpoint is recorded."), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id) + f"#checkpoint-{checkpoint.id}")
    return render_cycle(cycle, checkpoint_form=form, status=422)


@bp.post("/cycles/<int:cycle_id>/outcomes")
@login_required
def add_outcome(cycle_id: int):
    cycle = authz.access_cycle(current_user, cycle_id, "cycle.outcome")
    if cycle.is_closed:
        return _closed(cycle)
    form = OutcomeForm()
    if form.validate_on_submit():
        pre_post = (form.aggregate("pre"), form.aggregate("post"))
        try:
            outcome, effect = outcomes.record(current_user, cycle, measure=form.measure.data,
                                              group=form.group.data, pre=pre_post[0], post=pre_post[1])
        except outcomes.OutcomeError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields, aliases=OUTCOME_ALIASES)
        else:
            db.session.commit()
            flash(_("The outcome is recorded: effect size %(g)s (Hedges' g).", g=f"{effect.hedges_g:.2f}"),
                  "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id) + f"#outcome-{outcome.id}")
    else:
        # Show the statistics' own messages too, on the numbers that could be read.
        for name, messages in outcomes.validate(form.aggregate("pre"), form.aggregate("post")).items():
            target = form._fields.get(OUTCOME_ALIASES.get(name, name.replace(".", "_")))
            if target is not None and not target.errors:
                target.errors = [*target.errors, *messages]
    return render_cycle(cycle, outcome_form=form, status=422)


@bp.route("/cycles/<int:cycle_id>/close", methods=["GET", "POST"])
@login_required
def close(cycle_id: int):
    """Lessons learned (ถอดบทเรียน), then a confirmation page, then the cycle is closed for good."""
    cycle = authz.access_cycle(current_user, cycle_id, "cycle.close")
    if cycle.is_closed:
        flash(_("This cycle is already closed."), "info")
        return redirect(url_for("cycles.show", cycle_id=cycle.id) + "#lessons")
    form = LessonsForm()
    if request.method == "GET" or request.form.get("edit"):
        return render_template("cycles/close.html", form=form, cycle=cycle, circle=cycle.circle), 200
    if not form.validate_on_submit():
        return render_template("cycles/close.html", form=form, cycle=cycle, circle=cycle.circle), 422
    if form.confirmed.data != "yes":
        return render_template("cycles/close_confirm.html", form=form, cycle=cycle, circle=cycle.circle)
    lessons = cycles.LessonsInput(results=form.results.data, picture_of_success=form.picture_of_success.data,
                                  problems=form.problems.data, conditions=form.conditions.data,
                                  next_steps=form.next_steps.data)
    try:
        cycles.close(current_user, cycle, lessons)
    except cycles.CycleError as error:
        db.session.rollback()
        apply_service_errors(form, error.fields)
        return render_template("cycles/close.html", form=form, cycle=cycle, circle=cycle.circle), 422
    db.session.commit()
    flash(_("The cycle is closed with its lessons learned. Share them with the network."), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id) + "#lessons")
