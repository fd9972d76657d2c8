"""Lesson plans (แผนการจัดการเรียนรู้): the list with filters and Thai search, writing with a live
preview, the plan page with lineage, attachments and typed comments, history, diffs and restoring,
adapting a colleague's plan, good-practice showcase, and the attachment downloads (authorized like
the plan, never served from static)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from plc import authz
from plc.blueprints._helpers import page_arg, page_size, whole_number
from plc.extensions import db, limiter
from plc.forms._fields import apply_service_errors
from plc.forms.circles import LEARNING_AREAS
from plc.forms.lesson_plans import (
    COMMENT_KIND_HINTS,
    COMMENT_KIND_LABELS,
    MAX_BODY,
    PLAN_VISIBILITY_HINTS,
    PLAN_VISIBILITY_LABELS,
    AttachmentForm,
    CommentForm,
    LessonPlanForm,
)
from plc.forms.people import ConfirmForm
from plc.i18n import current_locale
from plc.models import Attachment, Circle, Cycle, InnovationStep, LessonPlan, School
from plc.rendering import render_markdown
from plc.services import circles, cycles, innovations, lesson_plans, org

bp = Blueprint("lesson_plans", __name__)

PREVIEW_LIMIT = "60 per minute"
DIFF_CONTEXT = 3  # unchanged lines kept around each change; longer unchanged stretches fold away


# ---------------------------------------------------------------------------- arguments


# ---------------------------------------------------------------------------- the list


@bp.get("/lesson-plans")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    learning_area = (request.args.get("learning_area") or "").strip()[:120]
    grade = (request.args.get("grade") or "").strip()[:60]
    showcase = request.args.get("showcase") == "1"
    mine = request.args.get("mine") == "1"
    school_id = whole_number(request.args.get("school"))
    school = db.session.get(School, school_id) if school_id else None
    if school is not None and not authz.can_view_school(current_user, school):
        school = None
    query = lesson_plans.plans_query(current_user, q=q or None, learning_area=learning_area or None,
                                     grade=grade or None, school_id=school.id if school else None,
                                     showcase=showcase, author_id=current_user.id if mine else None)
    if school_id and school is None:
        query = query.where(False)  # a school the user cannot see has no plans for them
    pagination = db.paginate(query.options(*lesson_plans.list_options()), page=page_arg(), per_page=page_size(),
                             error_out=False)
    schools = db.session.scalars(org.schools_query(current_user)).all()
    areas = list(LEARNING_AREAS)
    if learning_area and learning_area not in areas:
        areas.append(learning_area)
    filtered = bool(q or learning_area or grade or showcase or mine or school_id)
    return render_template("lesson_plans/index.html", pagination=pagination, q=q, learning_area=learning_area,
                           grade=grade, showcase=showcase, mine=mine, school_id=school.id if school else None,
                           schools=schools, areas=areas, filtered=filtered,
                           visibility_labels=PLAN_VISIBILITY_LABELS)


# ---------------------------------------------------------------------------- writing


@dataclass
class StepGroup:
    key: str
    title: str
    steps: list[InnovationStep]
    open: bool = False


def _my_cycles(*extra: Cycle | None) -> list[Cycle]:
    """Cycles of the user's own circles they may work on, plus the plan's (or the asked-for) cycle."""
    mine = [c.id for c in db.session.scalars(circles.circles_query(current_user, mine=True))]
    found = list(db.session.scalars(cycles.cycles_query(current_user).where(Cycle.circle_id.in_(mine)))) if mine else []
    found = [c for c in found if authz.can_work_on_cycle(current_user, c)]
    for cycle in extra:
        if cycle is not None and cycle not in found:
            found.insert(0, cycle)
    return found


def _my_circles(*extra: Circle | None) -> list[Circle]:
    found = [c for c in db.session.scalars(circles.circles_query(current_user, mine=True))
             if authz.can_work_in_circle(current_user, c)]
    for circle in extra:
        if circle is not None and circle not in found:
            found.insert(0, circle)
    return found


def _step_groups(chosen_cycle: Cycle | None, cycle_choices: list[Cycle], plan: LessonPlan | None) -> list[StepGroup]:
    """The chosen cycle's innovations first (open), the other cycles' and the library's after; steps
    already applied to the plan stay on offer even when their innovation has moved on."""
    locale = current_locale()
    groups: list[StepGroup] = []
    seen_versions: set[int] = set()
    seen_steps: set[int] = set()

    def add(version, key: str, title: str, is_open: bool = False) -> None:
        if version.id in seen_versions or not version.steps:
            return
        seen_versions.add(version.id)
        seen_steps.update(s.id for s in version.steps)
        groups.append(StepGroup(key, title, list(version.steps), is_open))

    if chosen_cycle is not None:
        for version in chosen_cycle.innovation_versions:
            add(version, f"v{version.id}", version.display_name(locale), True)
    for cycle in cycle_choices:
        for version in cycle.innovation_versions:
            add(version, f"v{version.id}", version.display_name(locale))
    for innovation in db.session.scalars(innovations.innovations_query(current_user)
                                         .options(*innovations.list_options())):
        add(innovation.current, f"v{innovation.current.id}", innovation.current.display_name(locale))
    # (Only steps of innovations the user may see: the service refuses the others.)
    leftover = [s for s in (plan.steps if plan is not None else [])
                if s.id not in seen_steps and authz.can_view_innovation(current_user, s.version.innovation)]
    if leftover:
        groups.insert(0, StepGroup("applied", _("Steps applied before"), leftover, True))
    return groups


def _named_in_form(plan: LessonPlan | None, action: str) -> tuple[Cycle | None, Circle | None]:
    """The cycle and circle a posted form names, asked as the API asks them: 404 unseen or missing,
    403 not the user's to work in (audited under ``action``). Keeping the plan's own needs nothing new."""
    if request.method != "POST":
        return None, None
    cycle_id = whole_number(request.form.get("cycle_id")) or None
    circle_id = whole_number(request.form.get("circle_id")) or None
    cycle = circle = None
    if cycle_id is not None and (plan is None or cycle_id != plan.cycle_id):
        cycle = authz.access_plan_cycle(current_user, cycle_id, action)
    if circle_id is not None and (plan is None or circle_id != plan.circle_id):
        circle = authz.access_plan_circle(current_user, circle_id, action)
    return cycle, circle


def _fill_choices(form: LessonPlanForm, plan: LessonPlan | None, asked_cycle: Cycle | None,
                  named: tuple[Cycle | None, Circle | None] = (None, None)) -> tuple:
    named_cycle, named_circle = named
    cycle_choices = _my_cycles(plan.cycle if plan else None, asked_cycle, named_cycle)
    circle_choices = _my_circles(plan.circle if plan else None, named_circle)
    form.cycle_id.choices = [SelectChoice(0, _("— Not part of a cycle —"))] + [
        SelectChoice(c.id, f"{c.title} · {c.circle.name}") for c in cycle_choices]
    form.circle_id.choices = [SelectChoice(0, _("— No circle —"))] + [
        SelectChoice(c.id, c.name) for c in circle_choices]
    chosen_id = form.cycle_id.data if isinstance(form.cycle_id.data, int) else None
    chosen = next((c for c in cycle_choices if c.id == chosen_id), None)
    groups = _step_groups(chosen, cycle_choices, plan)
    form.step_ids.choices = [SelectChoice(s.id, s.label(current_locale())) for g in groups for s in g.steps]
    return groups


def _plan_input(form: LessonPlanForm) -> lesson_plans.PlanInput:
    return lesson_plans.PlanInput(
        title=form.title.data or "", body_md=(form.body_md.data or "").replace("\r\n", "\n"),
        learning_area=form.chosen_learning_area(), grade=form.grade.data,
        duration_minutes=form.duration_minutes.data, visibility=form.visibility.data or "",
        circle_id=form.circle_id.data or None, cycle_id=form.cycle_id.data or None,
        step_ids=list(dict.fromkeys(form.step_ids.data or [])), message=form.message.data)


def _render_form(form: LessonPlanForm, groups: list[StepGroup], plan: LessonPlan | None, *, preview: str | None = None,
                 status: int = 200):
    return render_template("lesson_plans/form.html", form=form, plan=plan, groups=groups, preview=preview,
                           visibility_hints=PLAN_VISIBILITY_HINTS,
                           chosen_steps=set(form.step_ids.data or [])), status


def _wants_preview() -> bool:
    return request.method == "POST" and request.form.get("action") == "preview"


def _preview_of(form: LessonPlanForm) -> str:
    return render_markdown((form.body_md.data or "")[:MAX_BODY])


@bp.route("/lesson-plans/new", methods=["GET", "POST"])
@login_required
def create():
    asked = None
    asked_id = whole_number(request.args.get("cycle_id"))
    if asked_id:
        asked = authz.access_plan_cycle(current_user, asked_id, "lesson_plan.create")
    form = LessonPlanForm()
    if request.method == "GET":
        area = asked.circle.learning_area if asked else current_user.learning_area_th
        form.show_learning_area(area)
        form.cycle_id.data = asked.id if asked else 0
        form.circle_id.data = 0
        form.visibility.data = "circle" if asked else "private"
        if asked is not None:
            form.grade.data = asked.target_grade
            form.step_ids.data = [s.id for s in asked.steps]
        form.body_md.data = lesson_plans.template_for(area, list(asked.steps) if asked else None)
    groups = _fill_choices(form, None, asked, _named_in_form(None, "lesson_plan.create"))
    if _wants_preview():
        return _render_form(form, groups, None, preview=_preview_of(form))
    status = 200
    if form.validate_on_submit():
        try:
            plan = lesson_plans.create(current_user, _plan_input(form))
        except lesson_plans.LessonPlanError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = error.status
        else:
            db.session.commit()
            flash(_("The lesson plan is saved as revision 1."), "success")
            return redirect(url_for("lesson_plans.show", plan_id=plan.id))
    elif request.method == "POST":
        status = 422
    return _render_form(form, groups, None, status=status)


def _preview_key() -> str:
    """Per person, not per address: a whole school often shares one internet address."""
    return f"preview:{current_user.get_id()}"


@bp.post("/lesson-plans/preview")
@login_required
@limiter.limit(PREVIEW_LIMIT, key_func=_preview_key)
def preview():
    """The live preview (htmx): the same sanitizer as saving, so what is shown is what is stored."""
    body = request.form.get("body_md", "")
    if len(body) > MAX_BODY:
        return render_template("lesson_plans/_preview.html", html=None, too_long=True), 413
    return render_template("lesson_plans/_preview.html", html=render_markdown(body.replace("\r\n", "\n")))


@bp.route("/lesson-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.edit")
    form = LessonPlanForm(obj=plan if request.method == "GET" else None)
    if request.method == "GET":
        form.show_learning_area(plan.learning_area)
        form.cycle_id.data = plan.cycle_id or 0
        form.circle_id.data = plan.circle_id or 0
        form.step_ids.data = [s.id for s in plan.steps]
        form.message.data = ""
    groups = _fill_choices(form, plan, None, _named_in_form(plan, "lesson_plan.edit"))
    if _wants_preview():
        return _render_form(form, groups, plan, preview=_preview_of(form))
    status = 200
    if form.validate_on_submit():
        try:
            revision = lesson_plans.update(current_user, plan, _plan_input(form))
        except lesson_plans.LessonPlanError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            status = error.status
        else:
            db.session.commit()
            if revision is None:
                flash(_("The title and text did not change, so no new revision was made. The other details are "
                        "saved."), "info")
            else:
                flash(_("Saved as revision %(n)d.", n=revision.number), "success")
            return redirect(url_for("lesson_plans.show", plan_id=plan.id))
    elif request.method == "POST":
        status = 422
    return _render_form(form, groups, plan, status=status)


# ---------------------------------------------------------------------------- the plan page


def _lineage(plan: LessonPlan) -> dict:
    source_revision = plan.forked_from
    source = source_revision.plan if source_revision is not None else None
    return {
        "source_revision": source_revision,
        "source": source,
        "source_visible": source is not None and authz.can_view_plan(current_user, source),
        "forks": lesson_plans.forks_of(current_user, plan),
    }


def _applied_steps(plan: LessonPlan) -> list[tuple]:
    """[(innovation version, [steps])] in the order the steps were applied."""
    grouped: dict[int, tuple] = {}
    for step in plan.steps:
        grouped.setdefault(step.version_id, (step.version, []))[1].append(step)
    return list(grouped.values())


def _kind_counts(comments) -> list[tuple[str, str, int]]:
    counts = {kind: 0 for kind in COMMENT_KIND_LABELS}
    for comment in comments:
        if comment.deleted_at is None and comment.kind in counts:
            counts[comment.kind] += 1
    return [(kind, COMMENT_KIND_LABELS[kind], n) for kind, n in counts.items() if n]


def render_plan(plan: LessonPlan, *, comment_form=None, reply_to: int | None = None, attachment_form=None,
                status: int = 200):
    allowed = authz.permissions(current_user, plan)  # the API's permissions field says the same
    can_edit, can_comment = allowed["edit"], allowed["comment"]
    threads = [c for c in plan.comments if c.parent_id is None]
    if comment_form is None and can_comment:
        comment_form = CommentForm(formdata=None)
    if attachment_form is None and can_edit:
        attachment_form = AttachmentForm(formdata=None)
    return render_template(
        "lesson_plans/show.html", plan=plan, revision=plan.revisions[-1] if plan.revisions else None,
        lineage=_lineage(plan), applied=_applied_steps(plan), threads=threads,
        kind_counts=_kind_counts(plan.comments), can_edit=can_edit, can_comment=can_comment,
        can_fork=allowed["fork"], can_showcase=allowed["showcase"],
        comment_form=comment_form, reply_to=reply_to, attachment_form=attachment_form,
        confirm_form=ConfirmForm(formdata=None), visibility_labels=PLAN_VISIBILITY_LABELS,
        kind_labels=COMMENT_KIND_LABELS, kind_hints=COMMENT_KIND_HINTS, image_types=lesson_plans.IMAGE_TYPES,
        max_mb=_max_attachment_mb()), status


def _max_attachment_mb() -> float:
    limit = current_app.config.get("PLC_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    return round(limit / (1024 * 1024), 1)


@bp.get("/lesson-plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.view", options=lesson_plans.page_options())
    return render_plan(plan)


@bp.post("/lesson-plans/<int:plan_id>/comments")
@login_required
def comment(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.comment")
    form = CommentForm()
    parent_id = whole_number(form.parent_id.data)
    revision_number = whole_number(form.revision.data)
    # Errors show under the reply box of the comment answered, or under the main box.
    reply_to = parent_id if any(c.id == parent_id for c in plan.comments) else None
    if form.validate_on_submit():
        try:
            created = lesson_plans.add_comment(current_user, plan, body_md=form.body_md.data or "",
                                               kind=form.kind.data, parent_id=parent_id,
                                               revision_number=revision_number)
        except lesson_plans.LessonPlanError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields, aliases={"revision": "body_md", "parent_id": "body_md"})
            return render_plan(plan, comment_form=form, reply_to=reply_to, status=error.status)
        db.session.commit()
        flash(_("Your reply is posted.") if parent_id else _("Your comment is posted."), "success")
        return redirect(url_for("lesson_plans.show", plan_id=plan.id) + f"#comment-{created.id}")
    return render_plan(plan, comment_form=form, reply_to=reply_to, status=422)


@bp.post("/lesson-plans/<int:plan_id>/fork")
@login_required
def fork(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.fork")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("lesson_plans.show", plan_id=plan.id))
    copy = lesson_plans.fork(current_user, plan)
    db.session.commit()
    flash(_("Your own copy is ready, visible only to you until you share it. Adapt it for your class; the "
            "original is credited."), "success")
    return redirect(url_for("lesson_plans.show", plan_id=copy.id))


@bp.post("/lesson-plans/<int:plan_id>/showcase")
@login_required
def showcase(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.showcase")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("lesson_plans.show", plan_id=plan.id))
    on = request.form.get("on") == "1"
    lesson_plans.set_showcase(current_user, plan, on)
    db.session.commit()
    if on:
        flash(_("Marked as good practice (วิธีปฏิบัติที่ดี). Everyone on the platform can now see the plan."),
              "success")
    else:
        flash(_("No longer marked as good practice."), "success")
    return redirect(url_for("lesson_plans.show", plan_id=plan.id))


@bp.route("/lesson-plans/<int:plan_id>/delete", methods=["GET", "POST"])
@login_required
def delete(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.delete")
    form = ConfirmForm()
    if form.validate_on_submit():
        lesson_plans.delete(current_user, plan)
        db.session.commit()
        flash(_("The lesson plan “%(title)s” is deleted.", title=plan.title), "success")
        return redirect(url_for("lesson_plans.index", mine="1"))
    return render_template("people/confirm.html", form=form, title=_("Delete this lesson plan?"),
                           message=_("“%(title)s” and its history, comments and attachments will no longer be "
                                     "shown to anyone. Adapted copies made by colleagues stay theirs.",
                                     title=plan.title),
                           confirm_label=_("Delete lesson plan"),
                           cancel_url=url_for("lesson_plans.show", plan_id=plan.id))


# ---------------------------------------------------------------------------- attachments


@bp.post("/lesson-plans/<int:plan_id>/attachments")
@login_required
def upload(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.attach")
    form = AttachmentForm()
    if not form.validate_on_submit():
        return render_plan(plan, attachment_form=form, status=422)
    upload_file = form.file.data
    if upload_file is None or not getattr(upload_file, "filename", ""):
        form.file.errors = [*form.file.errors, _("Choose a file to upload.")]
        return render_plan(plan, attachment_form=form, status=422)
    try:
        attachment = lesson_plans.add_attachment(current_user, plan, upload_file.filename, upload_file.read())
    except lesson_plans.LessonPlanError as error:
        db.session.rollback()
        apply_service_errors(form, error.fields)
        return render_plan(plan, attachment_form=form, status=error.status)
    db.session.commit()
    flash(_("“%(name)s” is attached.", name=attachment.original_name), "success")
    return redirect(url_for("lesson_plans.show", plan_id=plan.id) + "#attachments")


# Stored files are never cached and never run: no script, style or frame of theirs, nor a type sniffed.
FILE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def send_attachment(attachment: Attachment, *, as_attachment: bool):
    """The stored file, named as uploaded (Content-Disposition with filename*=UTF-8''…), for the pages
    and the API alike; 404 when the file itself is gone."""
    path = lesson_plans.attachment_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=as_attachment,
                         download_name=attachment.original_name, conditional=False, max_age=0)
    response.headers.update(FILE_HEADERS)
    return response


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = authz.access_attachment(current_user, attachment_id, "attachment.download")
    return send_attachment(attachment, as_attachment=True)


@bp.get("/attachments/<int:attachment_id>/inline")
@login_required
def inline(attachment_id: int):
    """Pictures shown in a plan (``![…](/attachments/<id>/inline)``); other files only download."""
    attachment = authz.access_attachment(current_user, attachment_id, "attachment.view")
    if attachment.content_type not in lesson_plans.IMAGE_TYPES:
        abort(404)
    return send_attachment(attachment, as_attachment=False)


# ---------------------------------------------------------------------------- history and diffs


@bp.get("/lesson-plans/<int:plan_id>/history")
@login_required
def history(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.history")
    revisions = list(reversed(plan.revisions))
    latest = plan.revisions[-1].number if plan.revisions else 0
    return render_template("lesson_plans/history.html", plan=plan, revisions=revisions, latest=latest,
                           default_from=max(1, latest - 1), default_to=latest,
                           can_edit=authz.can_edit_plan(current_user, plan))


@bp.get("/lesson-plans/<int:plan_id>/revisions/<int:number>")
@login_required
def revision(plan_id: int, number: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.revision")
    shown = lesson_plans.revision_of(plan, number)
    can_comment = authz.can_comment_plan(current_user, plan)
    comments = [c for c in plan.comments if c.revision_id == shown.id and c.deleted_at is None]
    return render_template("lesson_plans/revision.html", plan=plan, revision=shown, comments=comments,
                           latest=plan.revisions[-1].number, can_edit=authz.can_edit_plan(current_user, plan),
                           can_comment=can_comment, comment_form=CommentForm(formdata=None) if can_comment else None,
                           kind_labels=COMMENT_KIND_LABELS)


@bp.route("/lesson-plans/<int:plan_id>/revisions/<int:number>/restore", methods=["GET", "POST"])
@login_required
def restore(plan_id: int, number: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.restore")
    lesson_plans.revision_of(plan, number)
    form = ConfirmForm()
    if form.validate_on_submit():
        created = lesson_plans.restore(current_user, plan, number)
        db.session.commit()
        flash(_("Revision %(old)d is restored as the new revision %(new)d.", old=number, new=created.number),
              "success")
        return redirect(url_for("lesson_plans.history", plan_id=plan.id))
    return render_template("people/confirm.html", form=form, title=_("Restore revision %(n)d?", n=number),
                           message=_("The text of revision %(n)d becomes the current text, as a new revision. "
                                     "Nothing in the history is lost.", n=number),
                           confirm_label=_("Restore as a new revision"),
                           cancel_url=url_for("lesson_plans.history", plan_id=plan.id))


@dataclass
class DiffBlock:
    folded: bool
    lines: list


def fold_diff(lines: list, context: int = DIFF_CONTEXT) -> list[DiffBlock]:
    """Keeps ``context`` unchanged lines around each change and folds longer unchanged stretches."""
    blocks: list[DiffBlock] = []
    index = 0
    while index < len(lines):
        if lines[index].op != "equal":
            end = index
            while end < len(lines) and lines[end].op != "equal":
                end += 1
            blocks.append(DiffBlock(False, lines[index:end]))
            index = end
            continue
        end = index
        while end < len(lines) and lines[end].op == "equal":
            end += 1
        run = lines[index:end]
        head = 0 if index == 0 else context
        tail = 0 if end == len(lines) else context
        if len(run) > head + tail + 1:
            if head:
                blocks.append(DiffBlock(False, run[:head]))
            blocks.append(DiffBlock(True, run[head:len(run) - tail]))
            if tail:
                blocks.append(DiffBlock(False, run[len(run) - tail:]))
        else:
            blocks.append(DiffBlock(False, run))
        index = end
    return blocks


@bp.get("/lesson-plans/<int:plan_id>/diff")
@login_required
def diff(plan_id: int):
    plan = authz.access_plan(current_user, plan_id, "lesson_plan.diff")
    latest = plan.revisions[-1].number
    old = lesson_plans.revision_of(plan, whole_number(request.args.get("from")) or max(1, latest - 1))
    new = lesson_plans.revision_of(plan, whole_number(request.args.get("to")) or latest)
    lines = lesson_plans.diff(old, new)
    added = sum(1 for line in lines if line.op == "insert")
    removed = sum(1 for line in lines if line.op == "delete")
    return render_template("lesson_plans/diff.html", plan=plan, old=old, new=new, blocks=fold_diff(lines),
                           added=added, removed=removed, revisions=plan.revisions)


# ---------------------------------------------------------------------------- the cycle page


@bp.app_template_global()
def cycle_lesson_plans(cycle: Cycle) -> list[LessonPlan]:
    """The plans of a cycle that the current user may see (for the cycle page's timeline slot)."""
    return list(db.session.scalars(lesson_plans.plans_query(current_user, cycle_id=cycle.id)
                                   .options(selectinload(LessonPlan.author))))
