"""Lesson plans: writing and revising together, forks with attribution, comments, attachments."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import (
    Attachment,
    Circle,
    Comment,
    Cycle,
    InnovationStep,
    InnovationVersion,
    LessonPlan,
    LessonPlanRevision,
    User,
)
from plc.models._types import length_of, utcnow
from plc.models.lesson_plans import COMMENT_KINDS, PLAN_VISIBILITIES
from plc.rendering import render_markdown
from plc.services import search
from plc.services.inputs import clean_text, fit


class LessonPlanError(ServiceError):
    """A refused lesson-plan operation (404 for a revision that does not exist, 413 for a file too large)."""


@dataclass
class PlanInput:
    title: str
    body_md: str = ""
    learning_area: str | None = None
    grade: str | None = None
    duration_minutes: int | None = None
    visibility: str = "private"
    circle_id: int | None = None
    cycle_id: int | None = None
    step_ids: list[int] = field(default_factory=list)
    message: str | None = None


# ---------------------------------------------------------------------------- templates


def template_for(learning_area: str | None, steps: list[InnovationStep] | None = None) -> str:
    """The starting text for a new plan; the author changes whatever they like."""
    area = learning_area or _("(learning area)")
    activity_lines = [f"### {s.label('th')}\n- " for s in (steps or []) if s.parent_id is None] or [
        "### ขั้นนำ\n- ", "### ขั้นสอน\n- ", "### ขั้นสรุป\n- "]
    return "\n".join([
        f"# แผนการจัดการเรียนรู้ กลุ่มสาระการเรียนรู้{area}",
        "",
        "## มาตรฐานการเรียนรู้และตัวชี้วัด",
        "- ",
        "",
        "## จุดประสงค์การเรียนรู้",
        "1. ด้านความรู้ (K): ",
        "2. ด้านทักษะ/กระบวนการ (P): ",
        "3. ด้านคุณลักษณะ (A): ",
        "",
        "## สมรรถนะสำคัญของผู้เรียน",
        "- ความสามารถในการสื่อสาร",
        "- ความสามารถในการคิด",
        "",
        "## กิจกรรมการเรียนรู้",
        *activity_lines,
        "",
        "## การวัดและประเมินผล",
        "| สิ่งที่ประเมิน | วิธีการ | เครื่องมือ | เกณฑ์ |",
        "|---|---|---|---|",
        "|  |  |  |  |",
        "",
        "## สื่อและแหล่งเรียนรู้",
        "- ",
        "",
    ])


# ---------------------------------------------------------------------------- reading


def plans_query(user, *, q: str | None = None, learning_area: str | None = None, grade: str | None = None,
                school_id: int | None = None, cycle_id: int | None = None, showcase: bool = False,
                author_id: int | None = None) -> Select:
    query = select(LessonPlan).where(LessonPlan.deleted_at.is_(None), authz.visible_plans_clause(user))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(LessonPlan.title.ilike(pattern), LessonPlan.body_md.ilike(pattern)))
    if learning_area:
        query = query.where(LessonPlan.learning_area == learning_area)
    if grade:
        query = query.where(LessonPlan.grade == grade)
    if school_id:
        query = query.where(LessonPlan.school_id == school_id)
    if cycle_id:
        query = query.where(LessonPlan.cycle_id == cycle_id)
    if author_id:
        query = query.where(LessonPlan.author_id == author_id)
    if showcase:
        query = query.where(LessonPlan.showcase.is_(True))
    return query.order_by(LessonPlan.updated_at.desc())


def list_options() -> tuple:
    """Loader options for lists of plans that show each plan's author and school."""
    return (selectinload(LessonPlan.author), selectinload(LessonPlan.school))


def page_options() -> tuple:
    """Loader options for a plan's page: its revisions, threaded comments with their authors,
    attachments, the innovation steps applied, its circle and cycle. A fixed number of statements
    however many comments, replies, attachments or steps it has."""

    comments = selectinload(LessonPlan.comments)
    return (*list_options(), selectinload(LessonPlan.revisions),
            comments.selectinload(Comment.author), comments.selectinload(Comment.replies),
            selectinload(LessonPlan.attachments).selectinload(Attachment.uploaded_by),
            selectinload(LessonPlan.steps).selectinload(InnovationStep.version)
            .selectinload(InnovationVersion.innovation),
            selectinload(LessonPlan.circle), selectinload(LessonPlan.cycle).selectinload(Cycle.circle))


def forks_of(user, plan: LessonPlan) -> list[LessonPlan]:
    revision_ids = [r.id for r in plan.revisions]
    if not revision_ids:
        return []
    return list(db.session.scalars(select(LessonPlan).where(
        LessonPlan.forked_from_id.in_(revision_ids), LessonPlan.deleted_at.is_(None),
        authz.visible_plans_clause(user)).options(*list_options())))


# ---------------------------------------------------------------------------- writing


def _validate(actor: User, data: PlanInput,
              plan: LessonPlan | None = None) -> tuple[list[InnovationStep], object, object]:
    """``plan`` (when updating): keeping the plan's own cycle or circle needs no new permission, so an
    author who has left the circle can still revise the plan."""

    errors: dict[str, list[str]] = {}
    if not clean_text(data.title):
        errors["title"] = [_("Give the plan a title.")]
    if len(data.body_md or "") > length_of(LessonPlan.body_md):
        errors["body_md"] = [_("The plan is too long (at most %(n)s characters).",
                               n=f"{length_of(LessonPlan.body_md):,}")]
    if data.visibility not in PLAN_VISIBILITIES:
        errors["visibility"] = [_("Choose who can see the plan.")]
    if data.duration_minutes is not None and not 1 <= int(data.duration_minutes) <= 60 * 40:
        errors["duration_minutes"] = [_("Give the duration in minutes.")]
    circle = cycle = None
    if data.cycle_id:
        cycle = db.session.get(Cycle, data.cycle_id)
        kept = plan is not None and plan.cycle_id == data.cycle_id
        if cycle is None or not (kept or authz.can_work_on_cycle(actor, cycle)):
            errors["cycle_id"] = [_("Choose a cycle of one of your circles.")]
        else:
            circle = cycle.circle
    if data.circle_id and circle is None:
        circle = db.session.get(Circle, data.circle_id)
        kept = plan is not None and plan.circle_id == data.circle_id
        if circle is None or not (kept or authz.can_work_in_circle(actor, circle)):
            errors["circle_id"] = [_("Choose one of your circles.")]
    if data.visibility == "circle" and circle is None:
        errors["visibility"] = [_("To share with a circle, choose the circle or cycle.")]
    steps = list(db.session.scalars(select(InnovationStep).where(InnovationStep.id.in_(data.step_ids or []))))
    # Only steps of innovations the author may see: a plan shows its steps' text to its readers.
    if len(steps) != len(set(data.step_ids or [])) or not all(
            authz.can_view_innovation(actor, s.version.innovation) for s in steps):
        errors["step_ids"] = [_("Choose steps from the innovation library.")]
    if errors:
        raise LessonPlanError(errors)
    return steps, circle, cycle


def _author_school_id(actor: User) -> int | None:
    schools = sorted(authz.member_school_ids(actor))
    return schools[0] if schools else None


def create(actor: User, data: PlanInput) -> LessonPlan:
    steps, circle, cycle = _validate(actor, data)
    body = data.body_md or ""
    plan = LessonPlan(author_id=actor.id, school_id=(circle.school_id if circle and circle.school_id else
                                                     _author_school_id(actor)),
                      circle=circle, cycle=cycle, title=fit(LessonPlan.title, data.title),
                      learning_area=fit(LessonPlan.learning_area, data.learning_area), grade=fit(LessonPlan.grade, data.grade),
                      duration_minutes=data.duration_minutes, visibility=data.visibility, steps=steps)
    db.session.add(plan)
    db.session.flush()
    _add_revision(actor, plan, plan.title, body, data.message or _("First version"))
    search.index_plan(plan)
    return plan


def _add_revision(actor: User, plan: LessonPlan, title: str, body_md: str, message: str | None,
                  restored_from: int | None = None) -> LessonPlanRevision:
    plan.revision_count += 1
    html = render_markdown(body_md)
    revision = LessonPlanRevision(plan=plan, number=plan.revision_count, title=title, body_md=body_md,
                                  body_html=html, message=fit(LessonPlanRevision.message, message), author_id=actor.id,
                                  restored_from=restored_from)
    db.session.add(revision)
    plan.title, plan.body_md, plan.body_html, plan.updated_at = title, body_md, html, utcnow()
    db.session.flush()
    return revision


def update(actor: User, plan: LessonPlan, data: PlanInput) -> LessonPlanRevision | None:
    """Saves the plan; a change of title or text becomes a new revision (None when nothing changed)."""
    steps, circle, cycle = _validate(actor, data, plan)
    plan.learning_area = fit(LessonPlan.learning_area, data.learning_area)
    plan.grade = fit(LessonPlan.grade, data.grade)
    plan.duration_minutes = data.duration_minutes
    plan.visibility = data.visibility
    plan.circle, plan.cycle, plan.steps = circle, cycle, steps
    title, body = fit(LessonPlan.title, data.title), data.body_md or ""
    revision = None
    if title != plan.title or body != plan.body_md:
        revision = _add_revision(actor, plan, title, body, data.message)
    else:
        plan.updated_at = utcnow()
    search.index_plan(plan)
    return revision


def _find_revision(plan: LessonPlan, number: int | None) -> LessonPlanRevision | None:
    return next((r for r in plan.revisions if r.number == number), None) if number is not None else None


def revision_of(plan: LessonPlan, number: int | None) -> LessonPlanRevision:
    """The plan's revision ``number`` (the pages and the API alike); 404 when it has none such."""
    revision = _find_revision(plan, number)
    if revision is None:
        raise LessonPlanError({"number": [_("There is no such revision.")]}, status=404)
    return revision


def restore(actor: User, plan: LessonPlan, number: int) -> LessonPlanRevision:
    old = revision_of(plan, number)
    revision = _add_revision(actor, plan, old.title, old.body_md, _("Restored revision %(n)d", n=number),
                             restored_from=number)
    search.index_plan(plan)
    return revision


def fork(actor: User, plan: LessonPlan) -> LessonPlan:
    """An own copy to adapt, crediting the original ("adapted from …")."""
    source = plan.revisions[-1]
    copy = LessonPlan(author_id=actor.id, school_id=_author_school_id(actor), title=source.title,
                      learning_area=plan.learning_area, grade=plan.grade, duration_minutes=plan.duration_minutes,
                      visibility="private", forked_from=source, steps=list(plan.steps))
    db.session.add(copy)
    db.session.flush()
    _add_revision(actor, copy, source.title, source.body_md,
                  _("Adapted from “%(title)s” by %(author)s", title=plan.title, author=plan.author.name_th))
    search.index_plan(copy)
    audit.record("lesson_plan.forked", actor, copy, source_plan_id=plan.id)
    return copy


def set_showcase(actor: User, plan: LessonPlan, on: bool) -> None:
    plan.showcase = on
    plan.showcased_by_id, plan.showcased_at = (actor.id, utcnow()) if on else (None, None)
    if on and plan.visibility != "public":
        plan.visibility = "public"
    search.index_plan(plan)
    audit.record("lesson_plan.showcase" if on else "lesson_plan.unshowcase", actor, plan)


def delete(actor: User, plan: LessonPlan) -> None:
    plan.deleted_at = utcnow()
    search.remove("lesson_plan", plan.id)
    audit.record("lesson_plan.deleted", actor, plan)


# ---------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffLine:
    op: str  # equal | insert | delete
    old_number: int | None
    new_number: int | None
    text: str


def diff(old: LessonPlanRevision, new: LessonPlanRevision) -> list[DiffLine]:
    """A line diff of the markdown, with unchanged stretches kept short."""
    a = (old.title + "\n\n" + old.body_md).splitlines()
    b = (new.title + "\n\n" + new.body_md).splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                lines.append(DiffLine("equal", i1 + offset + 1, j1 + offset + 1, a[i1 + offset]))
            continue
        for index in range(i1, i2):
            lines.append(DiffLine("delete", index + 1, None, a[index]))
        for index in range(j1, j2):
            lines.append(DiffLine("insert", None, index + 1, b[index]))
    return lines


# ---------------------------------------------------------------------------- comments


def add_comment(actor: User, plan: LessonPlan, *, body_md: str, kind: str = "note", parent_id: int | None = None,
                revision_number: int | None = None) -> Comment:
    errors: dict[str, list[str]] = {}
    if kind not in COMMENT_KINDS:
        errors["kind"] = [_("Choose question, suggestion, strength or note.")]
    if not clean_text(body_md):
        errors["body_md"] = [_("Write your comment.")]
    elif len(body_md) > length_of(Comment.body_md):
        errors["body_md"] = [_("Keep comments under %(n)s characters.", n=f"{length_of(Comment.body_md):,}")]
    parent = db.session.get(Comment, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.plan_id != plan.id):
        errors["parent_id"] = [_("You can only reply to a comment on this plan.")]
    revision = None
    if revision_number is not None:
        revision = _find_revision(plan, revision_number)
        if revision is None:
            errors["revision"] = [_("There is no such revision.")]
    if errors:
        raise LessonPlanError(errors)
    comment = Comment(plan=plan, parent=parent, revision=revision or plan.revisions[-1], author_id=actor.id,
                      kind=kind, body_md=body_md.strip(), body_html=render_markdown(body_md.strip()))
    db.session.add(comment)
    db.session.flush()
    return comment


# ---------------------------------------------------------------------------- attachments

# Content checks by magic bytes: (extensions, content type, signature test).
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ALLOWED_TYPES = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda head: head.startswith((b"GIF87a", b"GIF89a"))),
    "webp": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", lambda h: h.startswith(_ZIP)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda h: h.startswith(_ZIP)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", lambda h: h.startswith(_ZIP)),
    "doc": ("application/msword", lambda head: head.startswith(_OLE)),
    "xls": ("application/vnd.ms-excel", lambda head: head.startswith(_OLE)),
    "ppt": ("application/vnd.ms-powerpoint", lambda head: head.startswith(_OLE)),
    "txt": ("text/plain; charset=utf-8", None),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def display_name(filename: str) -> str:
    """The person's file name without any path, control or reserved characters; Thai kept."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return name[:200] or "file"


def _looks_like_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_attachment(actor: User, plan: LessonPlan, filename: str, data: bytes) -> Attachment:
    name = display_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = current_app.config.get("PLC_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    if extension not in ALLOWED_TYPES:
        raise LessonPlanError({"file": [_("This kind of file is not accepted. Use PDF, pictures, Word, Excel, "
                                          "PowerPoint or text files.")]})
    if not data:
        raise LessonPlanError({"file": [_("The file is empty.")]})
    if len(data) > limit:
        raise LessonPlanError({"file": [_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))]},
                              status=413)
    content_type, check = ALLOWED_TYPES[extension]
    valid = check(data[:16]) if check else _looks_like_text(data)
    if not valid:
        raise LessonPlanError({"file": [_("The file's content does not match its name (.%(ext)s).", ext=extension)]})
    stored = uuid.uuid4().hex
    (upload_dir() / stored).write_bytes(data)
    attachment = Attachment(plan=plan, uploaded_by_id=actor.id, original_name=name, stored_name=stored,
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
