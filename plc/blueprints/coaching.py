"""Coaching and supervision visits (การนิเทศ): the coach's semester calendar, planning a visit with
a teacher, the observation, both reflections, cancelling, the coach's synthesis across visits, and a
school's visit coverage."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from plc import authz
from plc.blueprints._helpers import int_arg, whole_number
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.coaching import (
    VISIT_STATUS_LABELS,
    ObservationForm,
    SynthesisForm,
    VisitForm,
    VisitReflectionForm,
)
from plc.forms.people import ConfirmForm
from plc.i18n import AcademicTerm, academic_term, bangkok_today, format_date
from plc.models import CoachingVisit
from plc.models.coaching import VisitStatus
from plc.models.cycles import CycleStatus
from plc.services import coaching, cycles

bp = Blueprint("coaching", __name__)


def _term() -> AcademicTerm:
    """``?term=2/2569`` or the current semester."""
    raw = (request.args.get("term") or "").strip()
    if raw:
        try:
            return AcademicTerm.parse(raw[:12])
        except ValueError:
            pass
    return academic_term(bangkok_today())


def _previous(term: AcademicTerm) -> AcademicTerm:
    return AcademicTerm(term.year_be, 1) if term.semester == 2 else AcademicTerm(term.year_be - 1, 2)


def _posted_plan() -> tuple[int, int, int | None] | None:
    """The teacher, school and cycle a posted visit form names (``teacher`` is ``teacher_id:school_id``)."""
    teacher, _sep, school = (request.form.get("teacher") or "").partition(":")
    teacher_id, school_id = whole_number(teacher), whole_number(school)
    if teacher_id is None or school_id is None:
        return None
    return teacher_id, school_id, whole_number(request.form.get("cycle_id")) or None


# ---------------------------------------------------------------------------- the calendar


@bp.get("/coaching")
@login_required
def index():
    term = _term()
    today = bangkok_today()
    coaches = authz.can_plan_visits(current_user)
    rows = coaching.calendar(current_user, term, today=today) if coaches else []
    coach_visits = coaching.visits_of_coach(current_user, term) if coaches else []
    my_visits = coaching.visits_of_teacher(current_user, term)
    overdue_ids = {v.id for row in rows for v in row.overdue}
    active_mine = [v for v in my_visits if v.status != VisitStatus.CANCELLED]
    overdue_ids |= {v.id for v in active_mine if coaching.is_overdue(v, today, active_mine)}
    return render_template("coaching/index.html", term=term, previous_term=_previous(term), next_term=term.next(),
                           rows=rows, coach_visits=coach_visits, my_visits=my_visits, overdue_ids=overdue_ids,
                           coaches=coaches, status_labels=VISIT_STATUS_LABELS, today=today)


# ---------------------------------------------------------------------------- planning


@bp.route("/coaching/visits/new", methods=["GET", "POST"])
@login_required
def create():
    # What the form names is asked first, as the API asks it: unseen is 404 before "you coach nobody".
    posted = _posted_plan() if request.method == "POST" else None
    planned_with = authz.access_visit_plan(current_user, *posted) if posted else None
    if not authz.can_plan_visits(current_user):
        authz.deny_forbidden(current_user, "visit.plan")
    teachers = coaching.coachable(current_user)
    available_cycles = db.session.scalars(cycles.cycles_query(current_user, status=CycleStatus.ACTIVE).limit(200)).all()
    form = VisitForm(teachers=teachers, cycles=available_cycles)
    if request.method == "GET":
        teacher_id, school_id = int_arg("teacher_id"), int_arg("school_id")
        chosen = [(t, s) for t, s in teachers if t.id == teacher_id and (school_id is None or s.id == school_id)]
        if chosen:
            form.teacher.data = f"{chosen[0][0].id}:{chosen[0][1].id}"
        form.cycle_id.data = int_arg("cycle_id") or 0
    status = 200
    if form.validate_on_submit() and planned_with is not None:  # a valid choice names a teacher
        teacher, school, cycle = planned_with
        try:
            visit = coaching.plan_visit(current_user, teacher=teacher, school=school,
                                        planned_on=form.planned_on.data, focus=form.focus.data,
                                        observe_what=form.observe_what.data, cycle=cycle)
        except coaching.VisitError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields, aliases={"teacher_id": "teacher"})
            status = 422
        else:
            db.session.commit()
            flash(_("The visit is planned and the teacher has been notified."), "success")
            return redirect(url_for("coaching.show", visit_id=visit.id))
    elif request.method == "POST":
        status = 422
    return render_template("coaching/form.html", form=form, has_teachers=bool(teachers)), status


# ---------------------------------------------------------------------------- a visit


def _render_visit(visit: CoachingVisit, *, observation_form=None, reflection_form=None, status: int = 200):
    is_coach = authz.can_record_visit(current_user, visit)
    can_reflect = authz.can_edit_visit(current_user, visit) and visit.status == VisitStatus.HELD
    if is_coach and visit.status != VisitStatus.CANCELLED and observation_form is None:
        observation_form = ObservationForm(formdata=None, held_on=visit.held_on or bangkok_today(),
                                           observation_notes=visit.observation_notes, follow_up=visit.follow_up,
                                           follow_up_due_on=visit.follow_up_due_on)
    if can_reflect and reflection_form is None:
        mine = visit.coach_reflection if current_user.id == visit.coach_id else visit.teacher_reflection
        reflection_form = VisitReflectionForm(formdata=None, text=mine)
    return render_template(
        "coaching/show.html", visit=visit, is_coach=is_coach, can_reflect=can_reflect,
        observation_form=observation_form if is_coach and visit.status != VisitStatus.CANCELLED else None,
        reflection_form=reflection_form if can_reflect else None,
        can_cancel=authz.can_edit_visit(current_user, visit) and visit.status == VisitStatus.PLANNED,
        confirm_form=ConfirmForm(formdata=None), status_labels=VISIT_STATUS_LABELS,
        term=academic_term(visit.planned_on)), status


@bp.get("/coaching/visits/<int:visit_id>")
@login_required
def show(visit_id: int):
    return _render_visit(authz.access_visit(current_user, visit_id, "visit.view"))


@bp.post("/coaching/visits/<int:visit_id>/observation")
@login_required
def record(visit_id: int):
    visit = authz.access_visit(current_user, visit_id, "visit.record")
    form = ObservationForm()
    if form.validate_on_submit():
        try:
            coaching.record_held(current_user, visit, held_on=form.held_on.data,
                                 observation_notes=form.observation_notes.data, follow_up=form.follow_up.data,
                                 follow_up_due_on=form.follow_up_due_on.data)
        except coaching.VisitError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("The observation is recorded. Now write your reflection; the teacher writes theirs."), "success")
            return redirect(url_for("coaching.show", visit_id=visit.id) + "#reflections")
    return _render_visit(visit, observation_form=form, status=422)


@bp.post("/coaching/visits/<int:visit_id>/reflection")
@login_required
def reflect(visit_id: int):
    visit = authz.access_visit(current_user, visit_id, "visit.reflect")
    form = VisitReflectionForm()
    if form.validate_on_submit():
        try:
            coaching.reflect(current_user, visit, form.text.data)
        except coaching.VisitError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields, aliases={"reflection": "text"})
        else:
            db.session.commit()
            flash(_("Your reflection on the visit is saved."), "success")
            return redirect(url_for("coaching.show", visit_id=visit.id) + "#reflections")
    return _render_visit(visit, reflection_form=form, status=422)


@bp.route("/coaching/visits/<int:visit_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(visit_id: int):
    visit = authz.access_visit(current_user, visit_id, "visit.cancel")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            coaching.cancel(current_user, visit)
        except coaching.VisitError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("coaching.show", visit_id=visit.id))
        db.session.commit()
        flash(_("The visit is cancelled. It stays in the record."), "success")
        return redirect(url_for("coaching.show", visit_id=visit.id))
    return render_template("people/confirm.html", form=form, title=_("Cancel this visit?"),
                           message=_("The visit to %(name)s planned for %(date)s will be marked as cancelled.",
                                     name=visit.teacher.name_th, date=format_date(visit.planned_on)),
                           confirm_label=_("Cancel the visit"),
                           cancel_url=url_for("coaching.show", visit_id=visit.id))


# ---------------------------------------------------------------------------- synthesis


@bp.route("/coaching/teachers/<int:user_id>/synthesis", methods=["GET", "POST"])
@login_required
def synthesis(user_id: int):
    """The coach's synthesis (สังเคราะห์ผล) of a semester's visits to one teacher; the teacher reads it."""
    action = "visit.write_synthesis" if request.method == "POST" else "visit.synthesis"
    teacher = authz.access_synthesis(current_user, user_id, action)
    can_write = authz.can_write_synthesis(current_user, teacher)
    is_self = teacher.id == current_user.id
    term = _term()
    visits = coaching.visits_of_teacher(teacher, term, coach=None if is_self else current_user)
    syntheses = coaching.syntheses_about(teacher, term)
    mine = next((s for s in syntheses if s.coach_id == current_user.id), None)
    form = SynthesisForm(formdata=None, body_md=mine.body_md if mine else None) if can_write else None
    status = 200
    if can_write and request.method == "POST":
        form = SynthesisForm()
        if form.validate_on_submit():
            try:
                coaching.save_synthesis(current_user, teacher, term, form.body_md.data)
            except coaching.VisitError as error:
                db.session.rollback()
                apply_service_errors(form, error.fields)
            else:
                db.session.commit()
                flash(_("The synthesis for semester %(term)s is saved.", term=str(term)), "success")
                return redirect(url_for("coaching.synthesis", user_id=teacher.id, term=str(term)))
        status = 422
    shown = syntheses if is_self else [s for s in syntheses if s.coach_id == current_user.id]
    return render_template("coaching/synthesis.html", teacher=teacher, term=term, previous_term=_previous(term),
                           next_term=term.next(), visits=visits, syntheses=shown, form=form,
                           status_labels=VISIT_STATUS_LABELS), status


# ---------------------------------------------------------------------------- a school's coverage


@bp.get("/schools/<int:school_id>/coaching")
@login_required
def school_coverage(school_id: int):
    school = authz.access_visit_school(current_user, school_id, "visit.coverage")
    term = _term()
    rows = coaching.coverage(school, term)
    coachable = {r.teacher.id for r in rows if authz.can_coach(current_user, r.teacher, school)}
    return render_template("coaching/coverage.html", school=school, term=term, previous_term=_previous(term),
                           next_term=term.next(), rows=rows, coachable=coachable,
                           without=sum(1 for r in rows if r.held == 0))
