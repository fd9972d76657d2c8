"""Lesson plans (แผนการจัดการเรียนรู้): markdown with sanitized HTML, revisions and diffs, forks with
attribution, typed threaded comments, showcase, and attachments downloaded with the plan's authorization."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy.orm.attributes import set_committed_value

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.schemas import (
    ObjectSchema,
    PageArgsSchema,
    PersonSchema,
    SchoolBriefSchema,
    page_schema,
)
from plc.blueprints.lesson_plans import send_attachment
from plc.errors import ApiError
from plc.extensions import db
from plc.models import (
    Attachment,
    Comment,
    InnovationStep,
    LessonPlan,
    LessonPlanRevision,
    User,
)
from plc.models._types import length_of
from plc.models.lesson_plans import COMMENT_KINDS, PLAN_VISIBILITIES
from plc.services import lesson_plans
from plc.services.lesson_plans import ALLOWED_TYPES, PlanInput

blp = Blueprint("api_lesson_plans", __name__, url_prefix="", description="Lesson plans")
blp.before_request(authenticate_request)

PLAN_FIELDS = ("title", "body_md", "learning_area", "grade", "duration_minutes", "visibility", "circle_id",
               "cycle_id", "step_ids")
DOWNLOAD_TYPES = sorted({content_type.split(";")[0] for content_type, _check in ALLOWED_TYPES.values()})


# ---------------------------------------------------------------------------- schemas


class PlanCircleSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PlanCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)


class PlanStepSchema(Schema):
    id = fields.Integer(required=True)
    innovation_id = fields.Integer(required=True, attribute="version.innovation_id")
    version = fields.Integer(required=True, attribute="version.number",
                             metadata={"description": "the innovation version the step belongs to"})
    parent_id = fields.Integer(allow_none=True, required=True)
    code = fields.String(allow_none=True, required=True)
    label_en = fields.String(allow_none=True, required=True)
    text_th = fields.String(required=True)
    text_en = fields.String(allow_none=True, required=True)


class ForkedFromSchema(ObjectSchema):
    """Attribution ("adapted from …"): the revision the plan was copied from. Read from that revision."""

    plan_id = fields.Integer(required=True)
    revision = fields.Integer(required=True, attribute="number",
                              metadata={"description": "the revision number that was copied"})
    title = fields.String(required=True, metadata={"description": "the title of that revision"})
    author = fields.Nested(PersonSchema, allow_none=True, required=True, attribute="plan.author")
    available = fields.Boolean(required=True, metadata={"description": "whether the caller may open the original"})

    def get_available(self, revision: LessonPlanRevision) -> bool:
        return authz.can_view_plan(api_user(), revision.plan)


class ForkSchema(Schema):
    """Read from the plan adapted from this one."""

    plan_id = fields.Integer(required=True, attribute="id")
    title = fields.String(required=True)
    author = fields.Nested(PersonSchema, allow_none=True, required=True)
    revision = fields.Integer(required=True, attribute="forked_from.number",
                              metadata={"description": "the revision of this plan it was copied from"})
    created_at = fields.DateTime(required=True)


class AttachmentSchema(ObjectSchema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="original_name",
                         metadata={"description": "the file name as uploaded (Thai kept), for display"})
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True)
    uploaded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    url = fields.String(required=True, metadata={"description": "where to download it (with the same token)"})

    def get_url(self, attachment: Attachment) -> str:
        return url_for("api_lesson_plans.download_attachment", attachment_id=attachment.id)


class PlanPermissionsSchema(Schema):
    edit = fields.Boolean(required=True)
    comment = fields.Boolean(required=True)
    fork = fields.Boolean(required=True)
    showcase = fields.Boolean(required=True)


class PlanSchema(ObjectSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    learning_area = fields.String(allow_none=True, required=True)
    grade = fields.String(allow_none=True, required=True)
    duration_minutes = fields.Integer(allow_none=True, required=True)
    visibility = fields.String(required=True, validate=validate.OneOf(PLAN_VISIBILITIES))
    showcase = fields.Boolean(required=True, metadata={"description": "marked good practice (วิธีปฏิบัติที่ดี)"})
    author = fields.Nested(PersonSchema, required=True)
    school = fields.Nested(SchoolBriefSchema, allow_none=True, required=True)
    circle_id = fields.Integer(allow_none=True, required=True)
    cycle_id = fields.Integer(allow_none=True, required=True)
    revision_count = fields.Integer(required=True)
    forked = fields.Boolean(required=True, metadata={"description": "adapted from another plan"})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)

    def get_forked(self, plan: LessonPlan) -> bool:
        return plan.forked_from_id is not None


class PlanDetailSchema(PlanSchema):
    body_md = fields.String(required=True, metadata={"description": "the markdown source"})
    body_html = fields.String(required=True, metadata={"description": "sanitized HTML rendered from body_md"})
    circle = fields.Nested(PlanCircleSchema, allow_none=True, required=True)
    cycle = fields.Nested(PlanCycleSchema, allow_none=True, required=True)
    steps = fields.List(fields.Nested(PlanStepSchema), required=True,
                        metadata={"description": "the innovation steps the plan applies"})
    forked_from = fields.Nested(ForkedFromSchema, allow_none=True, required=True)
    forks = fields.List(fields.Nested(ForkSchema), required=True,
                        metadata={"description": "plans adapted from this one that the caller may see"})
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    comment_count = fields.Integer(required=True)
    showcased_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    showcased_at = fields.DateTime(allow_none=True, required=True)
    permissions = fields.Nested(PlanPermissionsSchema, required=True)

    def get_forks(self, plan: LessonPlan) -> list[LessonPlan]:
        return lesson_plans.forks_of(api_user(), plan)

    def get_comment_count(self, plan: LessonPlan) -> int:
        return sum(c.deleted_at is None for c in plan.comments)

    def get_showcased_by(self, plan: LessonPlan) -> User | None:
        return db.session.get(User, plan.showcased_by_id) if plan.showcased_by_id else None

    def get_permissions(self, plan: LessonPlan) -> dict:
        return authz.permissions(api_user(), plan)


class RevisionSchema(Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    message = fields.String(allow_none=True, required=True)
    author = fields.Nested(PersonSchema, allow_none=True, required=True)
    restored_from = fields.Integer(allow_none=True, required=True,
                                   metadata={"description": "the revision this one restored"})
    created_at = fields.DateTime(required=True)


class RevisionDetailSchema(RevisionSchema):
    plan_id = fields.Integer(required=True)
    body_md = fields.String(required=True)
    body_html = fields.String(required=True)


class PlanSavedSchema(Schema):
    plan = fields.Nested(PlanDetailSchema, required=True)
    revision_created = fields.Boolean(required=True,
                                      metadata={"description": "false when neither title nor text changed"})
    revision = fields.Nested(RevisionSchema, allow_none=True, required=True)


class DiffLineSchema(Schema):
    op = fields.String(required=True, validate=validate.OneOf(["equal", "insert", "delete"]))
    old_number = fields.Integer(allow_none=True, required=True)
    new_number = fields.Integer(allow_none=True, required=True)
    text = fields.String(required=True)


class RevisionDiffSchema(Schema):
    plan_id = fields.Integer(required=True)
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)
    lines = fields.List(fields.Nested(DiffLineSchema), required=True,
                        metadata={"description": "the title, a blank line, then the markdown, line by line"})


class PlanCommentSchema(ObjectSchema):
    """A deleted comment stays in its thread as a tombstone: no text, no author. The views fill each
    comment's ``replies`` from the plan's comments (``_threads``) rather than a query per comment."""

    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    revision = fields.Integer(allow_none=True, required=True, metadata={"description": "the revision commented on"})
    kind = fields.String(required=True, validate=validate.OneOf(COMMENT_KINDS))
    body_md = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "sanitized HTML"})
    author = fields.Nested(PersonSchema, allow_none=True, required=True)
    deleted = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    replies = fields.List(fields.Nested(lambda: PlanCommentSchema()), required=True)

    def get_revision(self, comment: Comment) -> int | None:
        return comment.revision.number if comment.revision is not None else None

    def get_body_md(self, comment: Comment) -> str:
        return "" if comment.deleted_at is not None else comment.body_md

    def get_body_html(self, comment: Comment) -> str:
        return "" if comment.deleted_at is not None else comment.body_html

    def get_author(self, comment: Comment) -> User | None:
        return None if comment.deleted_at is not None else comment.author

    def get_deleted(self, comment: Comment) -> bool:
        return comment.deleted_at is not None


class PlanQueryArgsSchema(PageArgsSchema):
    # words searched for, not stored: no column holds this limit
    q = fields.String(load_default=None, validate=validate.Length(max=100),
                      metadata={"description": "words in the title or text"})
    learning_area = fields.String(load_default=None,
                                  validate=validate.Length(max=length_of(LessonPlan.learning_area)))
    grade = fields.String(load_default=None, validate=validate.Length(max=length_of(LessonPlan.grade)))
    school_id = fields.Integer(load_default=None)
    cycle_id = fields.Integer(load_default=None)
    showcase = fields.Boolean(load_default=False, metadata={"description": "only good practice"})
    mine = fields.Boolean(load_default=False, metadata={"description": "only the caller's own plans"})


class PlanUpdateSchema(Schema):
    """Only the fields sent change; a changed title or text becomes a new revision."""

    title = fields.String(validate=validate.Length(min=1, max=length_of(LessonPlan.title)))
    body_md = fields.String(validate=validate.Length(max=length_of(LessonPlan.body_md)),
                            metadata={"description": "markdown"})
    learning_area = fields.String(allow_none=True,
                                  validate=validate.Length(max=length_of(LessonPlan.learning_area)))
    grade = fields.String(allow_none=True, validate=validate.Length(max=length_of(LessonPlan.grade)))
    duration_minutes = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2400))
    visibility = fields.String(validate=validate.OneOf(PLAN_VISIBILITIES))
    cycle_id = fields.Integer(allow_none=True, metadata={"description": "a cycle of one of the caller's circles"})
    circle_id = fields.Integer(allow_none=True, metadata={"description": "one of the caller's circles"})
    step_ids = fields.List(fields.Integer(), validate=validate.Length(max=100),
                           metadata={"description": "innovation steps the plan applies"})
    message = fields.String(allow_none=True,
                            validate=validate.Length(max=length_of(LessonPlanRevision.message)),
                            metadata={"description": "what changed, kept with the revision"})


class PlanCreateSchema(PlanUpdateSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=length_of(LessonPlan.title)))
    body_md = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length_of(LessonPlan.body_md)),
                            metadata={"description": "markdown; left out, the plan starts from the template of "
                                                     "its learning area"})
    visibility = fields.String(load_default="private", validate=validate.OneOf(PLAN_VISIBILITIES))
    step_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=100))


class DiffArgsSchema(Schema):
    from_ = fields.Integer(data_key="from", load_default=None, validate=validate.Range(min=1),
                           metadata={"description": "revision number; by default the one before `to`"})
    to = fields.Integer(load_default=None, validate=validate.Range(min=1),
                        metadata={"description": "revision number; by default the latest"})


class CommentCreateSchema(Schema):
    kind = fields.String(load_default="note", validate=validate.OneOf(COMMENT_KINDS))
    body_md = fields.String(required=True, validate=validate.Length(min=1, max=length_of(Comment.body_md)))
    parent_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "the comment answered"})
    revision = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "the revision number commented on; by default the latest"})


class ShowcaseSchema(Schema):
    on = fields.Boolean(required=True, metadata={"description": "mark (true) or unmark (false) as good practice; "
                                                                "marking makes the plan public"})


class AttachmentUploadSchema(Schema):
    file = Upload(load_default=None, metadata={
        "description": "the file (PDF, pictures, Word, Excel, PowerPoint or text); its content must match its "
                       "name. Required."})


PlanPageSchema = page_schema(PlanSchema, "LessonPlanPage")


# ---------------------------------------------------------------------------- helpers


def _check_named(body: dict, plan: LessonPlan | None, action: str) -> None:
    """A cycle or circle named in the body: unseen or missing is 404; seen but not the caller's to work
    in is 403. Keeping the plan's own cycle or circle needs nothing new."""
    user = api_user()
    cycle_id, circle_id = body.get("cycle_id"), body.get("circle_id")
    if cycle_id is not None and (plan is None or cycle_id != plan.cycle_id):
        authz.access_plan_cycle(user, cycle_id, action)
    if circle_id is not None and (plan is None or circle_id != plan.circle_id):
        authz.access_plan_circle(user, circle_id, action)


def _plan_input(body: dict, plan: LessonPlan) -> PlanInput:
    current = {"title": plan.title, "body_md": plan.body_md, "learning_area": plan.learning_area,
               "grade": plan.grade, "duration_minutes": plan.duration_minutes, "visibility": plan.visibility,
               "circle_id": plan.circle_id, "cycle_id": plan.cycle_id, "step_ids": [s.id for s in plan.steps]}
    values = {name: body[name] if name in body else current[name] for name in PLAN_FIELDS}
    return PlanInput(**values, message=body.get("message"))


def _saved(plan: LessonPlan, revision: LessonPlanRevision | None) -> dict:
    return {"plan": plan, "revision_created": revision is not None, "revision": revision}


def _threads(plan: LessonPlan) -> list[Comment]:
    """The plan's top-level comments; every comment's ``replies`` is filled from the plan's comments,
    loaded once, so that serialising the threads asks no query per comment."""
    replies: dict[int | None, list[Comment]] = {}
    for comment in plan.comments:
        replies.setdefault(comment.parent_id, []).append(comment)
    for comment in plan.comments:
        set_committed_value(comment, "replies", replies.get(comment.id, []))
    return replies.get(None, [])


# ---------------------------------------------------------------------------- plans


@blp.route("/lesson-plans")
@blp.arguments(PlanQueryArgsSchema, location="query")
@blp.response(200, PlanPageSchema)
@errors(blp, 401)
def list_plans(args):
    """Plans the caller may see (their own, their circles', schools', networks', and public ones), latest first."""
    user = api_user()
    query = lesson_plans.plans_query(user, q=args["q"], learning_area=args["learning_area"], grade=args["grade"],
                                     school_id=args["school_id"], cycle_id=args["cycle_id"],
                                     showcase=args["showcase"], author_id=user.id if args["mine"] else None)
    return paginated(query, args, lambda plan: plan)  # the page schema serialises each plan


@blp.route("/lesson-plans", methods=["POST"])
@blp.arguments(PlanCreateSchema)
@blp.response(201, PlanDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_plan(body):
    """Write a plan; its text is the first revision. Without `body_md` it starts from the template of its
    learning area (objectives and indicators, competencies, activities per innovation step, assessment,
    materials)."""
    user = api_user()
    _check_named(body, None, "lesson_plan.create")
    if body["body_md"] is None:
        steps = [db.session.get(InnovationStep, step_id) for step_id in body["step_ids"]]
        body["body_md"] = lesson_plans.template_for(body.get("learning_area"), [s for s in steps if s is not None])
    plan = lesson_plans.create(user, PlanInput(**{name: body.get(name) for name in PLAN_FIELDS if name in body},
                                               message=body.get("message")))
    db.session.commit()
    return plan


@blp.route("/lesson-plans/<int:plan_id>")
@blp.response(200, PlanDetailSchema)
@errors(blp, 401, 404)
def get_plan(plan_id: int):
    """The plan: markdown and sanitized HTML, steps, lineage both ways, attachments."""
    return authz.access_plan(api_user(), plan_id, "lesson_plan.view")


@blp.route("/lesson-plans/<int:plan_id>", methods=["PATCH"])
@blp.arguments(PlanUpdateSchema)
@blp.response(200, PlanSavedSchema)
@errors(blp, 400, 401, 403, 404)
def update_plan(body, plan_id: int):
    """Change the plan (the author); a changed title or text becomes a new revision with the message."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.edit")
    _check_named(body, plan, "lesson_plan.edit")
    revision = lesson_plans.update(user, plan, _plan_input(body, plan))
    db.session.commit()
    return _saved(plan, revision)


@blp.route("/lesson-plans/<int:plan_id>", methods=["DELETE"])
@blp.response(204)
@errors(blp, 401, 403, 404)
def delete_plan(plan_id: int):
    """Delete the plan (the author); it disappears from lists and search, forks keep their attribution."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.delete")
    lesson_plans.delete(user, plan)
    db.session.commit()
    return ""


# ---------------------------------------------------------------------------- revisions


@blp.route("/lesson-plans/<int:plan_id>/revisions")
@blp.response(200, RevisionSchema(many=True))
@errors(blp, 401, 404)
def list_revisions(plan_id: int):
    """Every revision, newest first."""
    plan = authz.access_plan(api_user(), plan_id, "lesson_plan.history")
    return list(reversed(plan.revisions))


@blp.route("/lesson-plans/<int:plan_id>/revisions/<int:number>")
@blp.response(200, RevisionDetailSchema)
@errors(blp, 401, 404)
def get_revision(plan_id: int, number: int):
    """One revision's text as it was saved."""
    plan = authz.access_plan(api_user(), plan_id, "lesson_plan.revision")
    return lesson_plans.revision_of(plan, number)


@blp.route("/lesson-plans/<int:plan_id>/diff")
@blp.arguments(DiffArgsSchema, location="query")
@blp.response(200, RevisionDiffSchema)
@errors(blp, 401, 404, 422)
def diff_revisions(args, plan_id: int):
    """A line diff between two revisions (by default the latest and the one before)."""
    plan = authz.access_plan(api_user(), plan_id, "lesson_plan.diff")
    latest = plan.revision_count
    to = args["to"] or latest
    start = args["from_"] or max(1, to - 1)
    problems = {name: [_("There is no such revision.")] for name, number in (("from", start), ("to", to))
                if number > latest}
    if problems:
        raise ApiError(422, _("There is no such revision."), problems)
    lines = lesson_plans.diff(lesson_plans.revision_of(plan, start), lesson_plans.revision_of(plan, to))
    return {"plan_id": plan.id, "from_": start, "to": to, "lines": lines}


@blp.route("/lesson-plans/<int:plan_id>/revisions/<int:number>/restore", methods=["POST"])
@blp.response(201, PlanSavedSchema)
@errors(blp, 401, 403, 404)
def restore_revision(plan_id: int, number: int):
    """Bring back an earlier text as a new revision (history is never rewritten)."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.restore")
    revision = lesson_plans.restore(user, plan, number)
    db.session.commit()
    return _saved(plan, revision)


@blp.route("/lesson-plans/<int:plan_id>/fork", methods=["POST"])
@blp.response(201, PlanDetailSchema)
@errors(blp, 401, 403, 404)
def fork_plan(plan_id: int):
    """An own private copy to adapt, crediting the original ("adapted from …")."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.fork")
    copy = lesson_plans.fork(user, plan)
    db.session.commit()
    return copy


@blp.route("/lesson-plans/<int:plan_id>/showcase", methods=["POST"])
@blp.arguments(ShowcaseSchema)
@blp.response(200, PlanDetailSchema)
@errors(blp, 400, 401, 403, 404)
def showcase_plan(body, plan_id: int):
    """Coordinators mark good practice from their networks' schools (or take the mark away)."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.showcase")
    lesson_plans.set_showcase(user, plan, body["on"])
    db.session.commit()
    return plan


# ---------------------------------------------------------------------------- comments


@blp.route("/lesson-plans/<int:plan_id>/comments")
@blp.response(200, PlanCommentSchema(many=True))
@errors(blp, 401, 404)
def list_comments(plan_id: int):
    """Comments as threads: each with its replies, oldest first."""
    return _threads(authz.access_plan(api_user(), plan_id, "lesson_plan.view"))


@blp.route("/lesson-plans/<int:plan_id>/comments", methods=["POST"])
@blp.arguments(CommentCreateSchema)
@blp.response(201, PlanCommentSchema)
@errors(blp, 400, 401, 403, 404)
def add_comment(body, plan_id: int):
    """A question, suggestion, strength or note on the plan or one of its revisions, or a reply."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.comment")
    comment = lesson_plans.add_comment(user, plan, body_md=body["body_md"], kind=body["kind"],
                                       parent_id=body["parent_id"], revision_number=body["revision"])
    db.session.commit()
    set_committed_value(comment, "replies", [])  # a new comment has none (not worth a query)
    return comment


# ---------------------------------------------------------------------------- attachments


@blp.route("/lesson-plans/<int:plan_id>/attachments")
@blp.response(200, AttachmentSchema(many=True))
@errors(blp, 401, 404)
def list_attachments(plan_id: int):
    """Worksheets, slides and photos of the plan."""
    plan = authz.access_plan(api_user(), plan_id, "lesson_plan.view")
    return plan.attachments


@blp.route("/lesson-plans/<int:plan_id>/attachments", methods=["POST"])
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, AttachmentSchema)
@errors(blp, 400, 401, 403, 404, 413)
def upload_attachment(files, plan_id: int):
    """Attach a file (multipart field `file`). Too large: 413; a kind not accepted, or content that does
    not match the name: 422. Stored under a generated name; the uploaded name is kept for display."""
    user = api_user()
    plan = authz.access_plan(user, plan_id, "lesson_plan.attach")
    upload = files["file"]
    if upload is None:
        raise ApiError(422, _("Choose a file to upload."), {"file": [_("Choose a file to upload.")]})
    attachment = lesson_plans.add_attachment(user, plan, upload.filename or "", upload.read())
    db.session.commit()
    return attachment


@blp.route("/attachments/<int:attachment_id>")
@blp.doc(responses={"200": {"description": "The file, as a download named as it was uploaded "
                                           "(Content-Disposition with filename*=UTF-8''…)",
                            "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                        for media in DOWNLOAD_TYPES}}})
@errors(blp, 401, 404)
def download_attachment(attachment_id: int):
    """Download an attachment: allowed to whoever may see its plan; 404 otherwise."""
    attachment = authz.access_attachment(api_user(), attachment_id, "attachment.download")
    return send_attachment(attachment, as_attachment=True)
