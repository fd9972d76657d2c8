"""Reflection logs (บันทึกสะท้อนคิด): writing with autosave (kept on the device when the connection
drops), sharing with the coach–teacher pair or the circle, the feedback thread, and the counts-only
overview for directors and coordinators."""

from __future__ import annotations

import re
from datetime import UTC
from types import SimpleNamespace

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plc import authz
from plc.blueprints._helpers import page_arg, page_size, whole_number
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.people import ConfirmForm
from plc.forms.reflections import FIELD_LABELS, STATUS_LABELS, VISIBILITY_LABELS, FeedbackForm, ReflectionForm
from plc.models import Cycle, LessonPlan, Reflection, School
from plc.models.org import network_school
from plc.models.reflections import REFLECTION_FIELDS, ReflectionStatus
from plc.services import cycles, lesson_plans, org, reflections

bp = Blueprint("reflections", __name__)

CLEAR_KEYS = "reflection_drafts_to_clear"  # session: device copies to drop after a successful save
NEW_DRAFTS = "reflection_new_drafts"  # session: {new-draft key: id of the draft autosave created}


# ---------------------------------------------------------------------------- helpers


def storage_key(user_id: int, reflection: Reflection | None = None, cycle_id: int | None = None) -> str:
    """The localStorage key of the device copy: per user, per reflection (or per new draft)."""
    if reflection is not None:
        return f"plc-reflection-{user_id}-{reflection.id}"
    return f"plc-reflection-{user_id}-new-{cycle_id or 0}"


def _posted_draft_key() -> str | None:
    """The new-draft key the form started under (echoed back only if it is this user's)."""
    key = request.form.get("draft_key") or ""
    return key if re.fullmatch(rf"plc-reflection-{current_user.id}-new-\d{{1,9}}", key) else None


def _known_draft() -> Reflection | None:
    """The draft an earlier autosave of this new reflection created, so that a repeated first save
    (an answer lost to a dropped connection) or the final submit never makes a second one."""
    key = _posted_draft_key()
    reflection_id = (session.get(NEW_DRAFTS) or {}).get(key) if key else None
    reflection = db.session.get(Reflection, reflection_id) if reflection_id else None
    return reflection if reflection is not None and authz.can_edit_reflection(current_user, reflection) else None


def _remember_draft(reflection: Reflection, *, done: bool = False) -> None:
    key = _posted_draft_key()
    if not key:
        return
    drafts = {k: v for k, v in (session.get(NEW_DRAFTS) or {}).items() if k != key}
    if not done:
        drafts[key] = reflection.id
    session[NEW_DRAFTS] = dict(list(drafts.items())[-10:])


def _iso(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment else ""


def _writable_cycles(user, keep: Cycle | None = None) -> list[Cycle]:
    """Cycles the user may write reflections in (active first); ``keep`` stays for an existing one."""
    found = [c for c in db.session.scalars(cycles.cycles_query(user)) if authz.can_work_on_cycle(user, c)]
    if keep is not None and keep not in found:
        found.append(keep)
    return sorted(found, key=lambda c: c.is_closed)


def _plans(user, cycle: Cycle | None, keep: LessonPlan | None = None) -> list[LessonPlan]:
    found: dict[int, LessonPlan] = {}
    if cycle is not None:
        for plan in db.session.scalars(lesson_plans.plans_query(user, cycle_id=cycle.id).limit(50)):
            found[plan.id] = plan
    for plan in db.session.scalars(lesson_plans.plans_query(user, author_id=user.id).limit(50)):
        found.setdefault(plan.id, plan)
    if keep is not None and authz.can_view_plan(user, keep):
        found.setdefault(keep.id, keep)
    return list(found.values())


def _build_form(action: str, reflection: Reflection | None = None, *, default_cycle_id: int | None = None):
    """The form with choices for the cycle it is (being) written in; returns (form, cycle, cycles).
    A posted cycle or lesson plan is refused as the API refuses it (404 unseen, 403 not the user's
    cycle) before the form is asked whether it is one of its choices."""
    wanted = None
    if request.method == "POST":
        wanted = whole_number(request.form.get("cycle_id"))
        authz.check_reflection_links(current_user, reflection, wanted or None,
                                     whole_number(request.form.get("lesson_plan_id")) or None, action)
    available = _writable_cycles(current_user, keep=reflection.cycle if reflection else None)
    wanted = wanted or (reflection.cycle_id if reflection else default_cycle_id)
    cycle = next((c for c in available if c.id == wanted), available[0] if available else None)
    partners = [u for u in reflections.possible_partners(cycle) if u.id != current_user.id] if cycle else []
    if reflection is not None and reflection.partner is not None and reflection.partner not in partners:
        partners.append(reflection.partner)
    plans = _plans(current_user, cycle, keep=reflection.lesson_plan if reflection else None)
    form = ReflectionForm(obj=reflection if request.method == "GET" else None, cycles=available, plans=plans,
                          partners=partners)
    if request.method == "GET":
        if reflection is None:
            form.cycle_id.data = cycle.id if cycle else None
            form.visibility.data = "private"
        form.partner_id.data = (reflection.partner_id if reflection else None) or 0
        form.lesson_plan_id.data = (reflection.lesson_plan_id if reflection else None) or 0
    return form, cycle, available


def _input(form: ReflectionForm) -> reflections.ReflectionInput:
    data = {name: getattr(form, name).data for name in REFLECTION_FIELDS}
    return reflections.ReflectionInput(
        title=form.title.data or "", cycle_id=form.cycle_id.data or 0, visibility=form.visibility.data or "",
        partner_id=form.partner_id.data or None, lesson_plan_id=form.lesson_plan_id.data or None,
        body_md=form.body_md.data or "", **data)


def _render_form(form, reflection, cycle, available, status=200):
    key = storage_key(current_user.id, reflection, None if reflection else (cycle.id if cycle else 0))
    return render_template(
        "reflections/form.html", form=form, reflection=reflection, cycle=cycle, available=available,
        field_names=REFLECTION_FIELDS, storage_key=key,
        draft_key=_posted_draft_key() or (None if reflection else key),
        server_saved_at=_iso(reflection.updated_at) if reflection else "",
        autosave_url=url_for("reflections.autosave", reflection_id=reflection.id) if reflection
        else url_for("reflections.autosave_new")), status


def _save(form, reflection: Reflection | None):
    """Saves (and shares, if asked) from a submitted form; the response to send back."""
    try:
        saved = reflections.save_draft(current_user, _input(form), reflection)
        if request.form.get("action") == "share":
            reflections.share(current_user, saved)
    except reflections.ReflectionError as error:
        db.session.rollback()
        apply_service_errors(form, error.fields)
        return None
    db.session.commit()
    _remember_draft(saved, done=True)
    session[CLEAR_KEYS] = [k for k in (storage_key(current_user.id, saved), _posted_draft_key()) if k]
    if saved.status == ReflectionStatus.SHARED:
        flash(_("The reflection is saved and shared."), "success")
    else:
        flash(_("The draft is saved. Only you can read it until you share it."), "success")
    return redirect(url_for("reflections.show", reflection_id=saved.id))


def _autosave_answer(form, reflection: Reflection | None):
    """JSON for autosave.js: ``{ok, saved_at}`` (plus where the new draft now lives), or 422."""
    if not form.validate_on_submit():
        return jsonify(ok=False, errors=form.errors), 422
    try:
        saved = reflections.save_draft(current_user, _input(form), reflection)
    except reflections.ReflectionError as error:
        db.session.rollback()
        return jsonify(ok=False, errors=error.fields), 422
    db.session.commit()
    if request.endpoint == "reflections.autosave_new":
        _remember_draft(saved)
    return jsonify(ok=True, saved_at=_iso(saved.updated_at), id=saved.id, status=saved.status,
                   storage_key=storage_key(current_user.id, saved),
                   edit_url=url_for("reflections.edit", reflection_id=saved.id),
                   autosave_url=url_for("reflections.autosave", reflection_id=saved.id))


@bp.app_template_global()
def cycle_reflections(cycle: Cycle) -> SimpleNamespace:
    """For the cycle page: the reflections this user may read, and (for everyone who sees the cycle)
    how many have been shared. Never the text of the others."""
    readable = []
    if authz.can_view_cycle(current_user, cycle):
        readable = db.session.scalars(reflections.reflections_query(current_user, cycle_id=cycle.id)
                                      .options(selectinload(Reflection.author))).all()
    count = None
    if authz.can_count_reflections(current_user, cycle):
        count = reflections.counts_by_cycle([cycle.id]).get(cycle.id, 0)
    return SimpleNamespace(readable=readable, count=count,
                           can_write=authz.can_work_on_cycle(current_user, cycle))


# ---------------------------------------------------------------------------- lists


@bp.get("/reflections")
@login_required
def index():
    show = request.args.get("show") if request.args.get("show") in ("mine", "shared") else "mine"
    cycle_id = whole_number(request.args.get("cycle_id"))
    cycle = db.session.get(Cycle, cycle_id) if cycle_id else None
    if cycle is not None and not authz.can_view_cycle(current_user, cycle):
        cycle = None
    query = reflections.reflections_query(current_user, cycle_id=cycle.id if cycle else None, mine=show == "mine")
    if cycle_id and cycle is None:
        query = query.where(False)
    if show == "shared":
        query = query.where(Reflection.author_id != current_user.id)
    pagination = db.paginate(query.options(*reflections.list_options()), page=page_arg(), per_page=page_size(),
                             error_out=False)
    return render_template("reflections/index.html", pagination=pagination, show=show, cycle=cycle,
                           can_write=bool(_writable_cycles(current_user)),
                           visibility_labels=VISIBILITY_LABELS, status_labels=STATUS_LABELS)


@bp.get("/reflections/overview")
@login_required
def overview():
    """Counts only: how many cycles and shared reflections each school (and network circle) has."""
    if not authz.can_view_reflection_overview(current_user):
        authz.deny_forbidden(current_user, "reflection.overview")
    networks = [n for n in db.session.scalars(org.networks_query(current_user))
                if authz.can_view_goal_coverage(current_user, n)]
    managed = authz.managed_school_ids(current_user)
    school_ids: set[int] = set()
    if networks:
        school_ids |= set(db.session.scalars(select(network_school.c.school_id)
                                             .where(network_school.c.network_id.in_([n.id for n in networks]))))
    if managed is None:
        school_ids |= set(db.session.scalars(select(School.id)))
    else:
        school_ids |= managed
    schools = [s for s in db.session.scalars(select(School).where(School.id.in_(school_ids)).order_by(School.name_th))
               if authz.can_view_school(current_user, s)] if school_ids else []
    by_school, by_network = reflections.counts_by_scope(school_ids=[s.id for s in schools],
                                                        network_ids=[n.id for n in networks])
    empty = reflections.ScopeCounts()
    school_rows = [(s, by_school.get(s.id, empty)) for s in schools]
    network_rows = [(n, by_network.get(n.id, empty)) for n in networks]
    return render_template("reflections/overview.html", school_rows=school_rows, network_rows=network_rows)


# ---------------------------------------------------------------------------- writing


@bp.route("/reflections/new", methods=["GET", "POST"])
@login_required
def create():
    wanted = whole_number(request.args.get("cycle_id"))
    if wanted and request.method == "GET":
        authz.access_reflection_cycle(current_user, wanted, "reflection.create")
    form, cycle, available = _build_form("reflection.create", default_cycle_id=wanted)
    if not available:
        return render_template("reflections/no_cycle.html"), 200
    status = 200
    if form.validate_on_submit():
        response = _save(form, _known_draft())
        if response is not None:
            return response
        status = 422
    elif request.method == "POST":
        status = 422
    return _render_form(form, None, cycle, available, status)


@bp.post("/reflections/autosave")
@login_required
def autosave_new():
    """The first autosave of a new reflection creates its draft; later ones go to its own URL."""
    form, _cycle, _available = _build_form("reflection.create")
    return _autosave_answer(form, _known_draft())


@bp.get("/reflections/<int:reflection_id>")
@login_required
def show(reflection_id: int):
    reflection = authz.access_reflection(current_user, reflection_id, "reflection.view")
    feedback_form = FeedbackForm(formdata=None) if authz.can_give_feedback(current_user, reflection) else None
    return _render_show(reflection, feedback_form)


def _render_show(reflection: Reflection, feedback_form, status: int = 200):
    return render_template("reflections/show.html", reflection=reflection, feedback_form=feedback_form,
                           confirm_form=ConfirmForm(formdata=None), field_labels=FIELD_LABELS,
                           field_names=REFLECTION_FIELDS, visibility_labels=VISIBILITY_LABELS,
                           has_parts=any(getattr(reflection, name) for name in REFLECTION_FIELDS),
                           status_labels=STATUS_LABELS, clear_keys=session.pop(CLEAR_KEYS, [])), status


@bp.route("/reflections/<int:reflection_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reflection_id: int):
    reflection = authz.access_reflection(current_user, reflection_id, "reflection.edit")
    form, cycle, available = _build_form("reflection.edit", reflection)
    status = 200
    if form.validate_on_submit():
        response = _save(form, reflection)
        if response is not None:
            return response
        status = 422
    elif request.method == "POST":
        status = 422
    return _render_form(form, reflection, cycle, available, status)


@bp.post("/reflections/<int:reflection_id>/autosave")
@login_required
def autosave(reflection_id: int):
    reflection = authz.access_reflection(current_user, reflection_id, "reflection.autosave")
    form, _cycle, _available = _build_form("reflection.autosave", reflection)
    return _autosave_answer(form, reflection)


@bp.post("/reflections/<int:reflection_id>/share")
@login_required
def share(reflection_id: int):
    reflection = authz.access_reflection(current_user, reflection_id, "reflection.share")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("reflections.show", reflection_id=reflection.id))
    try:
        reflections.share(current_user, reflection)
    except reflections.ReflectionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reflections.edit", reflection_id=reflection.id))
    db.session.commit()
    if reflection.visibility == "private":
        flash(_("The reflection is final. It is private, so only you can read it."), "success")
    else:
        flash(_("The reflection is shared."), "success")
    return redirect(url_for("reflections.show", reflection_id=reflection.id))


@bp.post("/reflections/<int:reflection_id>/feedback")
@login_required
def add_feedback(reflection_id: int):
    reflection = authz.access_reflection(current_user, reflection_id, "reflection.feedback")
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            feedback = reflections.add_feedback(current_user, reflection, form.body_md.data)
        except reflections.ReflectionError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("Your feedback is added."), "success")
            return redirect(url_for("reflections.show", reflection_id=reflection.id) + f"#feedback-{feedback.id}")
    return _render_show(reflection, form, status=422)
