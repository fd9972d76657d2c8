"""Exchange forums (เวทีแลกเปลี่ยนเรียนรู้): holding one at a PLC session, schools' submissions with
typed feedback, the panel and its scores, the results and honours, certificates as PDF, the
good-practice badges of cycles, plans and schools, and the public showcase."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from plc import authz
from plc.blueprints._helpers import int_arg, page_arg, page_size, whole_number
from plc.certificates import certificate_pdf
from plc.errors import ServiceError
from plc.extensions import db, limiter
from plc.forms._fields import apply_service_errors
from plc.forms.forums import (
    FEEDBACK_KIND_HINTS,
    FEEDBACK_KIND_LABELS,
    ConsentForm,
    ForumFeedbackForm,
    ForumForm,
    HonourForm,
    PanelistForm,
    RemovePanelistForm,
    SubmissionForm,
    criteria_text,
    parse_criteria,
)
from plc.forms.people import ConfirmForm
from plc.i18n import bangkok_today, current_locale, to_local
from plc.labels import MEETING_MODE_LABELS
from plc.models import Circle, LessonPlan, School, User
from plc.models.forums import Forum, ForumSubmission
from plc.services import cycles, forums, lesson_plans, org

bp = Blueprint("forums", __name__)

CHOICE_LIMIT = 200
PANEL_SEARCH_FROM = 15
PANEL_SHOWN = 100
SCORE_FIELD = re.compile(r"^criterion-(\d{1,9})$")


# ---------------------------------------------------------------------------- template helpers


@bp.app_template_global()
def forum_of_session(live) -> Forum | None:
    """The exchange forum held at this live session, if any."""
    return db.session.scalar(select(Forum).where(Forum.live_session_id == live.id))


@bp.app_template_global()
def good_practice(*, cycle=None, plan=None, school=None) -> list[ForumSubmission]:
    """Honoured forum work linked to a cycle, a lesson plan or a school (one statement)."""
    return forums.honours_for(cycle=cycle, plan=plan, school=school)


def _local_name(obj) -> str:
    if obj is None:
        return ""
    return obj.name_en if current_locale() == "en" and getattr(obj, "name_en", None) else obj.name_th


def organiser_name(forum: Forum) -> str:
    return _local_name(forum.school if forum.school_id is not None else forum.network)


# ---------------------------------------------------------------------------- helpers


def _forum(forum_id: int, action: str) -> Forum:
    return authz.access_forum(current_user, forum_id, action, options=forums.page_options())


def _submission(submission_id: int, action: str) -> ForumSubmission:
    return authz.access_submission(current_user, submission_id, action, options=forums.submission_page_options())


def _to_forum(forum: Forum, anchor: str = ""):
    return redirect(url_for("forums.show", forum_id=forum.id) + anchor)


def _to_submission(submission: ForumSubmission, anchor: str = ""):
    return redirect(url_for("forums.submission", submission_id=submission.id) + anchor)


def _forum_input(form: ForumForm) -> forums.ForumInput:
    return forums.ForumInput(title=form.title.data or "", description=form.description.data,
                             submissions_close_on=form.submissions_close_on.data,
                             criteria=parse_criteria(form.criteria.data))


def _show_service_error(form, error: ServiceError) -> int:
    db.session.rollback()
    apply_service_errors(form, error.fields or {})
    if not error.fields:
        form.form_errors.append(error.message)
    return error.status


def _status(form, status: int) -> int:
    return status if status != 200 else 422 if form.errors or form.form_errors else 200


# ---------------------------------------------------------------------------- forums


@bp.get("/forums")
@login_required
def index():
    pagination = db.paginate(forums.forums_query(current_user).options(*forums.list_options()), page=page_arg(),
                             per_page=page_size(), error_out=False)
    return render_template("forums/index.html", pagination=pagination, today=bangkok_today(),
                           mode_labels=MEETING_MODE_LABELS)


@bp.route("/live-sessions/<int:session_id>/forum/new", methods=["GET", "POST"])
@login_required
def new(session_id: int):
    live = authz.access_forum_session(current_user, session_id)
    held = forum_of_session(live)
    if held is not None:
        flash(_("This session already holds a forum."), "info")
        return _to_forum(held)
    form = ForumForm()
    if request.method == "GET":
        form.title.data = live.title
        session_day = to_local(live.starts_at).date()
        form.submissions_close_on.data = max(bangkok_today(), session_day - timedelta(days=1))
        form.criteria.data = criteria_text(forums.DEFAULT_CRITERIA)
    status = 200
    if form.validate_on_submit():
        try:
            forum = forums.create_forum(current_user, live, _forum_input(form))
        except ServiceError as error:
            status = _show_service_error(form, error)
        else:
            db.session.commit()
            flash(_("The forum is set up. Schools of the forum can now submit their work."), "success")
            return _to_forum(forum)
    return render_template("forums/form.html", form=form, forum=None, live=live), _status(form, status)


@bp.get("/forums/<int:forum_id>")
@login_required
def show(forum_id: int):
    forum = _forum(forum_id, "forum.view")
    return render_template("forums/show.html", forum=forum, live=forum.live_session,
                           manages=authz.can_manage_forum(current_user, forum),
                           can_submit=authz.can_submit_to_forum(current_user, forum),
                           is_open=bangkok_today() <= forum.submissions_close_on, mode_labels=MEETING_MODE_LABELS,
                           organiser=organiser_name(forum))


@bp.route("/forums/<int:forum_id>/edit", methods=["GET", "POST"])
@login_required
def edit(forum_id: int):
    forum = _forum(forum_id, "forum.edit")
    form = ForumForm(obj=forum if request.method == "GET" else None)
    if request.method == "GET":
        form.criteria.data = criteria_text(forum.criteria)
    status = 200
    if form.validate_on_submit():
        try:
            forums.update_forum(current_user, forum, _forum_input(form))
        except ServiceError as error:
            status = _show_service_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return _to_forum(forum)
    return render_template("forums/form.html", form=form, forum=forum, live=forum.live_session), \
        _status(form, status)


# ---------------------------------------------------------------------------- the panel


def _candidates(forum: Forum, *, q: str = "", only: int | None = None):
    query = forums.panel_candidates(forum).where(User.id.not_in([p.user_id for p in forum.panelists]))
    if only is not None:
        return query.where(User.id == only)
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(User.name_th.ilike(pattern), User.name_en.ilike(pattern), User.email.ilike(pattern)))
    return query


def _render_panel(forum: Forum, *, form: PanelistForm | None = None, message: str | None = None,
                  status: int = 200):
    q = (request.args.get("q") or "").strip()[:100]
    total = db.session.scalar(select(func.count()).select_from(_candidates(forum).order_by(None).subquery()))
    shown = db.session.scalars(_candidates(forum, q=q).limit(PANEL_SHOWN)).all()
    display = PanelistForm(formdata=None, candidates=shown, locale=current_locale())
    if form is not None:
        display.user_id.errors = list(form.user_id.errors)
    return render_template("forums/panel.html", forum=forum, form=display,
                           remove_form=RemovePanelistForm(formdata=None),
                           q=q, searchable=total > PANEL_SEARCH_FROM or bool(q), total=total, shown=shown,
                           message=message), status


@bp.route("/forums/<int:forum_id>/panel", methods=["GET", "POST"])
@login_required
def panel(forum_id: int):
    forum = _forum(forum_id, "forum.panel")
    if request.method == "GET":
        return _render_panel(forum)
    posted = whole_number(request.form.get("user_id"))
    form = PanelistForm(candidates=db.session.scalars(_candidates(forum, only=posted or 0)).all(),
                        locale=current_locale())
    if not form.validate_on_submit():
        return _render_panel(forum, form=form, status=422)
    person = db.session.get(User, form.user_id.data)
    try:
        forums.add_panelist(current_user, forum, person)
    except ServiceError as error:
        db.session.rollback()
        return _render_panel(forum, message=error.message, status=error.status)
    db.session.commit()
    flash(_("%(name)s is on the panel.", name=person.display_name(current_locale())), "success")
    return redirect(url_for("forums.panel", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/panel/remove")
@login_required
def remove_panelist(forum_id: int):
    forum = _forum(forum_id, "forum.panel")
    form = RemovePanelistForm()
    if not form.validate():
        abort(400)
    try:
        forums.remove_panelist(current_user, forum, whole_number(form.user_id.data) or 0)
    except ServiceError as error:
        db.session.rollback()
        return _render_panel(forum, message=error.message, status=error.status)
    db.session.commit()
    flash(_("Removed from the panel."), "success")
    return redirect(url_for("forums.panel", forum_id=forum.id))


# ---------------------------------------------------------------------------- submissions


def _submission_form(forum: Forum) -> SubmissionForm:
    """The form with its choices: the user's schools of the forum, the cycles they may read in
    circles of those schools (or of the forum's network), those schools' plans they may read, and
    the schools' staff as co-authors."""
    locale = current_locale()
    school_ids = authz.submitting_school_ids(current_user, forum)
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids)).order_by(School.name_th)).all()
    where = Circle.school_id.in_(school_ids)
    if forum.network_id is not None:
        where = or_(where, Circle.network_id == forum.network_id)
    found_cycles = db.session.scalars(cycles.cycles_query(current_user).where(where).limit(CHOICE_LIMIT)).all()
    plans = db.session.scalars(lesson_plans.plans_query(current_user).where(LessonPlan.school_id.in_(school_ids))
                               .options(*lesson_plans.list_options()).limit(CHOICE_LIMIT)).all()
    colleagues: dict[int, User] = {}
    for school in schools:
        for membership in db.session.scalars(org.current_members_query(school_id=school.id)):
            if membership.user_id != current_user.id:
                colleagues.setdefault(membership.user_id, membership.user)
    ordered = sorted(colleagues.values(), key=lambda u: u.display_name(locale))
    return SubmissionForm(schools=schools, cycles=found_cycles, plans=plans, colleagues=ordered, locale=locale)


@bp.route("/forums/<int:forum_id>/submissions/new", methods=["GET", "POST"])
@login_required
def submit(forum_id: int):
    forum = _forum(forum_id, "forum.submit")
    form = _submission_form(forum)
    status = 200
    if form.validate_on_submit():
        data = forums.SubmissionInput(
            school_id=form.school_id.data, title=form.title.data or "", summary=form.summary.data,
            cycle_id=form.cycle_id.data or None, lesson_plan_id=form.lesson_plan_id.data or None,
            author_ids=tuple(form.author_ids.data or ()), showcase_consent=bool(form.showcase_consent.data))
        try:
            submission = forums.submit(current_user, forum, data)
        except ServiceError as error:
            status = _show_service_error(form, error)
        else:
            db.session.commit()
            flash(_("Your school's work is submitted to the forum."), "success")
            return _to_submission(submission)
    return render_template("forums/submit.html", forum=forum, form=form,
                           is_open=bangkok_today() <= forum.submissions_close_on), _status(form, status)


def _render_submission(submission: ForumSubmission, *, status: int = 200,
                       feedback_form: ForumFeedbackForm | None = None, honour_form: HonourForm | None = None,
                       score_errors: dict | None = None,
                       score_values: dict | None = None, message: str | None = None):
    forum = submission.forum
    panelist = authz.can_score_submission(current_user, submission)
    if score_values is None and panelist:
        score_values = {f"criterion-{k}": str(v) for k, v in forums.my_scores(current_user, submission).items()}
    mine = next((a for a in submission.authors if a.user_id == current_user.id), None)
    return render_template(
        "forums/submission.html", submission=submission, forum=forum, panelist=panelist,
        manages=authz.can_manage_forum(current_user, forum), mine=mine,
        feedback_form=feedback_form or ForumFeedbackForm(formdata=None),
        honour_form=honour_form or HonourForm(formdata=None,
                                              data={"honour": submission.honour or forums.DEFAULT_HONOUR}),
        confirm_form=ConfirmForm(formdata=None), consent_form=ConsentForm(formdata=None),
        score_errors=score_errors or {}, score_values=score_values or {}, message=message,
        kind_labels=FEEDBACK_KIND_LABELS, kind_hints=FEEDBACK_KIND_HINTS), status


@bp.get("/forum-submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    return _render_submission(_submission(submission_id, "forum_submission.view"))


@bp.post("/forum-submissions/<int:submission_id>/feedback")
@login_required
def feedback(submission_id: int):
    submission = _submission(submission_id, "forum_submission.feedback")
    form = ForumFeedbackForm()
    if not form.validate_on_submit():
        return _render_submission(submission, feedback_form=form, status=422)
    try:
        forums.give_feedback(current_user, submission, form.kind.data, form.body.data)
    except ServiceError as error:
        return _render_submission(submission, feedback_form=form, status=_show_service_error(form, error))
    db.session.commit()
    flash(_("Thank you for your feedback."), "success")
    return _to_submission(submission, "#feedback")


@bp.post("/forum-submissions/<int:submission_id>/score")
@login_required
def score(submission_id: int):
    submission = _submission(submission_id, "forum_submission.score")
    if not ConfirmForm().validate():
        abort(400)
    posted = {name: value for name, value in request.form.items() if SCORE_FIELD.match(name)}
    scores = {int(SCORE_FIELD.match(name).group(1)): value for name, value in posted.items()}
    try:
        forums.score(current_user, submission, scores)
    except ServiceError as error:
        db.session.rollback()
        return _render_submission(submission, status=error.status, score_errors=error.fields or {},
                                  score_values=posted, message=None if error.fields else error.message)
    db.session.commit()
    flash(_("Your scores are saved."), "success")
    return _to_submission(submission, "#scoring")


def _after_honour(submission: ForumSubmission):
    if request.form.get("back") == "results":
        return redirect(url_for("forums.results", forum_id=submission.forum_id))
    return _to_submission(submission)


@bp.post("/forum-submissions/<int:submission_id>/honour")
@login_required
def honour(submission_id: int):
    submission = _submission(submission_id, "forum_submission.honour")
    form = HonourForm()
    if not form.validate_on_submit():
        return _render_submission(submission, honour_form=form, status=422)
    try:
        forums.honour(current_user, submission, form.honour.data)
    except ServiceError as error:
        return _render_submission(submission, honour_form=form, status=_show_service_error(form, error))
    db.session.commit()
    flash(_("The work is honoured: “%(honour)s”.", honour=submission.honour), "success")
    return _after_honour(submission)


@bp.post("/forum-submissions/<int:submission_id>/honour/withdraw")
@login_required
def withdraw_honour(submission_id: int):
    submission = _submission(submission_id, "forum_submission.honour")
    if not ConfirmForm().validate():
        abort(400)
    try:
        forums.withdraw_honour(current_user, submission)
    except ServiceError as error:
        db.session.rollback()
        return _render_submission(submission, status=error.status, message=error.message)
    db.session.commit()
    flash(_("The honour is withdrawn."), "success")
    return _after_honour(submission)


@bp.post("/forum-submissions/<int:submission_id>/consent")
@login_required
def consent(submission_id: int):
    submission = _submission(submission_id, "forum_submission.consent")
    form = ConsentForm()
    if not form.validate():
        abort(400)
    agreed = form.consent.data == "1"
    forums.set_consent(current_user, submission, agreed)
    db.session.commit()
    flash(_("You agree to show this work in the public showcase if it is honoured.") if agreed
          else _("This work will not be shown in the public showcase."), "success")
    return _to_submission(submission, "#consent")


# ---------------------------------------------------------------------------- results and certificates


@bp.get("/forums/<int:forum_id>/results")
@login_required
def results(forum_id: int):
    forum = _forum(forum_id, "forum.results")
    return render_template("forums/results.html", forum=forum, ranking=forums.results(forum),
                           confirm_form=ConfirmForm(formdata=None),
                           honour_form=HonourForm(formdata=None, data={"honour": forums.DEFAULT_HONOUR}))


@bp.get("/forums/<int:forum_id>/certificates")
@login_required
def certificates(forum_id: int):
    forum = _forum(forum_id, "forum.certificates")
    return render_template("forums/certificates.html", forum=forum,
                           entitlements=forums.entitlements(current_user, forum))


@bp.get("/forums/<int:forum_id>/certificates/<any(participation, recognition):kind>.pdf")
@login_required
def certificate(forum_id: int, kind: str):
    forum = _forum(forum_id, "forum.certificates")
    try:
        issued = forums.issue_certificate(current_user, forum, kind, int_arg("submission"))
    except ServiceError as error:
        if error.status != 404:
            raise
        authz.deny_unseen(current_user, "certificate.download", forum)
    db.session.commit()
    issued = authz.access_certificate(current_user, issued.id, "certificate.download")
    locale = current_locale()
    pdf = certificate_pdf(recipient=current_user.display_name(locale), kind=kind, forum_title=forum.title,
                          held_on=forum.held_on, organiser=organiser_name(forum), code=issued.code,
                          honour=issued.submission.honour if issued.submission else None, locale=locale)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{forum.id}-{kind}.pdf"',
        "Cache-Control": "no-store"})


# ---------------------------------------------------------------------------- the public showcase


@bp.get("/showcase")
def showcase():
    """Public: honoured work whose authors all agreed, without links to the platform's private pages."""
    pagination = db.paginate(forums.showcase_query().options(*forums.submission_list_options()), page=page_arg(),
                             per_page=page_size(), error_out=False)
    return render_template("forums/showcase.html", pagination=pagination)


@bp.get("/certificates/verify")
@limiter.limit("30 per minute")
def verify_certificate():
    """Public: whether a code printed on a certificate is one the platform issued, and to whom."""
    code = (request.args.get("code") or "").strip()
    found = forums.verify_certificate(code) if code else None
    return render_template("forums/verify.html", code=code, certificate=found,
                           organiser=organiser_name(found.forum) if found else None), 404 if code and not found else 200
