"""Reflection logs (บันทึกสะท้อนคิด): private by default, shared with a coach–teacher pair or the circle,
answered in a feedback thread. Directors and coordinators see how many there are, never the text."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.extensions import db
from plc.models import Reflection, ReflectionFeedback
from plc.models._types import length_of
from plc.models.reflections import REFLECTION_FIELDS, REFLECTION_VISIBILITIES, ReflectionStatus
from plc.services import reflections
from plc.services.reflections import ReflectionInput

blp = Blueprint("api_reflections", __name__, url_prefix="", description="Reflection logs")
blp.before_request(authenticate_request)

INPUT_FIELDS = ("title", "cycle_id", "visibility", "partner_id", "lesson_plan_id", "body_md", *REFLECTION_FIELDS)
PART_DESCRIPTIONS = {
    "results": "results (ผลที่เกิดขึ้น)",
    "picture_of_success": "picture of success (ภาพความสำเร็จ)",
    "problems": "problems and obstacles (ปัญหาและอุปสรรค)",
    "conditions": "conditions for success (เงื่อนไขความสำเร็จ)",
    "next_steps": "next steps (สิ่งที่จะทำต่อไป)",
    "innovation_tried": "action research: the innovation tried",
    "lessons_learned": "action research: lessons learned",
}


# ---------------------------------------------------------------------------- schemas


class ReflectionCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class ReflectionPermissionsSchema(Schema):
    edit = fields.Boolean(required=True)
    feedback = fields.Boolean(required=True)


class ReflectionSchema(ObjectSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    cycle = fields.Nested(ReflectionCycleSchema, required=True)
    author = fields.Nested(PersonSchema, required=True)
    partner = fields.Nested(PersonSchema, allow_none=True, required=True,
                            metadata={"description": "the coach or teacher of the pair"})
    lesson_plan_id = fields.Integer(allow_none=True, required=True)
    visibility = fields.String(required=True, validate=validate.OneOf(REFLECTION_VISIBILITIES))
    status = fields.String(required=True, validate=validate.OneOf(list(ReflectionStatus)))
    results = fields.String(allow_none=True, required=True, metadata={"description": PART_DESCRIPTIONS["results"]})
    picture_of_success = fields.String(allow_none=True, required=True,
                                       metadata={"description": PART_DESCRIPTIONS["picture_of_success"]})
    problems = fields.String(allow_none=True, required=True, metadata={"description": PART_DESCRIPTIONS["problems"]})
    conditions = fields.String(allow_none=True, required=True,
                               metadata={"description": PART_DESCRIPTIONS["conditions"]})
    next_steps = fields.String(allow_none=True, required=True,
                               metadata={"description": PART_DESCRIPTIONS["next_steps"]})
    innovation_tried = fields.String(allow_none=True, required=True,
                                     metadata={"description": PART_DESCRIPTIONS["innovation_tried"]})
    lessons_learned = fields.String(allow_none=True, required=True,
                                    metadata={"description": PART_DESCRIPTIONS["lessons_learned"]})
    body_md = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "sanitized HTML"})
    feedback_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    permissions = fields.Nested(ReflectionPermissionsSchema, required=True)

    def get_feedback_count(self, reflection: Reflection) -> int:
        return len(reflection.feedback)

    def get_permissions(self, reflection: Reflection) -> dict:
        user = api_user()
        return {"edit": authz.can_edit_reflection(user, reflection),
                "feedback": authz.can_give_feedback(user, reflection)}


class FeedbackSchema(Schema):
    id = fields.Integer(required=True)
    reflection_id = fields.Integer(required=True)
    author = fields.Nested(PersonSchema, allow_none=True, required=True)
    body_md = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "sanitized HTML"})
    created_at = fields.DateTime(required=True)


class ReflectionCountSchema(Schema):
    cycle_id = fields.Integer(required=True)
    count = fields.Integer(required=True, metadata={"description": "shared reflections (drafts are not counted)"})


class ReflectionQueryArgsSchema(PageArgsSchema):
    cycle_id = fields.Integer(load_default=None)
    mine = fields.Boolean(load_default=False, metadata={"description": "only the caller's own"})


def _parts(**kwargs) -> dict:
    return {name: fields.String(allow_none=True, validate=validate.Length(max=length_of(getattr(Reflection, name))),
                                metadata={"description": PART_DESCRIPTIONS[name]}, **kwargs)
            for name in REFLECTION_FIELDS}


ReflectionUpdateSchema = Schema.from_dict({
    "title": fields.String(validate=validate.Length(min=1, max=length_of(Reflection.title))),
    "cycle_id": fields.Integer(metadata={"description": "a cycle of one of the author's circles"}),
    "visibility": fields.String(validate=validate.OneOf(REFLECTION_VISIBILITIES), metadata={
        "description": "private (the author), pair (with partner_id) or circle (the cycle's circle)"}),
    "partner_id": fields.Integer(allow_none=True, metadata={"description": "the coach or teacher of the pair"}),
    "lesson_plan_id": fields.Integer(allow_none=True),
    "body_md": fields.String(validate=validate.Length(max=length_of(Reflection.body_md)),
                             metadata={"description": "free markdown"}),
    **_parts(),
}, name="ReflectionUpdate")

ReflectionCreateSchema = Schema.from_dict({
    "title": fields.String(required=True, validate=validate.Length(min=1, max=length_of(Reflection.title))),
    "cycle_id": fields.Integer(required=True, metadata={"description": "a cycle of one of the author's circles"}),
    "visibility": fields.String(load_default="private", validate=validate.OneOf(REFLECTION_VISIBILITIES), metadata={
        "description": "private (the author), pair (with partner_id) or circle (the cycle's circle)"}),
    "partner_id": fields.Integer(load_default=None, allow_none=True,
                                 metadata={"description": "the coach or teacher of the pair"}),
    "lesson_plan_id": fields.Integer(load_default=None, allow_none=True),
    "body_md": fields.String(load_default="", validate=validate.Length(max=length_of(Reflection.body_md)),
                             metadata={"description": "free markdown"}),
    **_parts(load_default=None),
}, name="ReflectionCreate")


class FeedbackCreateSchema(Schema):
    body_md = fields.String(required=True, validate=validate.Length(min=1, max=length_of(ReflectionFeedback.body_md)))


ReflectionPageSchema = page_schema(ReflectionSchema, "ReflectionPage")


# ---------------------------------------------------------------------------- helpers


def _input(body: dict, reflection: Reflection | None = None) -> ReflectionInput:
    if reflection is None:
        return ReflectionInput(**{name: body[name] for name in INPUT_FIELDS})
    return ReflectionInput(**{name: body[name] if name in body else getattr(reflection, name)
                              for name in INPUT_FIELDS})


# ---------------------------------------------------------------------------- routes


@blp.route("/reflections")
@blp.arguments(ReflectionQueryArgsSchema, location="query")
@blp.response(200, ReflectionPageSchema)
@errors(blp, 401)
def list_reflections(args):
    """Reflections whose text the caller may read: their own, shared with them as the pair, or shared
    with a circle they belong to."""
    query = reflections.reflections_query(api_user(), cycle_id=args["cycle_id"], mine=args["mine"])
    return paginated(query, args, lambda reflection: reflection)  # the page schema serialises each one


@blp.route("/reflections", methods=["POST"])
@blp.arguments(ReflectionCreateSchema)
@blp.response(201, ReflectionSchema)
@errors(blp, 400, 401, 403, 404)
def create_reflection(body):
    """Start a draft (only the author sees it until it is shared)."""
    user = api_user()
    authz.check_reflection_links(user, None, body["cycle_id"], body["lesson_plan_id"], "reflection.create")
    reflection = reflections.save_draft(user, _input(body))
    db.session.commit()
    return reflection


@blp.route("/reflections/<int:reflection_id>")
@blp.response(200, ReflectionSchema)
@errors(blp, 401, 404)
def get_reflection(reflection_id: int):
    """One reflection, if the caller may read it (404 otherwise, whoever asks)."""
    return authz.access_reflection(api_user(), reflection_id, "reflection.view")


@blp.route("/reflections/<int:reflection_id>", methods=["PATCH"])
@blp.arguments(ReflectionUpdateSchema)
@blp.response(200, ReflectionSchema)
@errors(blp, 400, 401, 403, 404)
def update_reflection(body, reflection_id: int):
    """Save changes (the author; also what autosave sends). Only the fields sent change."""
    user = api_user()
    reflection = authz.access_reflection(user, reflection_id, "reflection.edit")
    authz.check_reflection_links(user, reflection, body.get("cycle_id"), body.get("lesson_plan_id"),
                                 "reflection.edit")
    reflections.save_draft(user, _input(body, reflection), reflection)
    db.session.commit()
    return reflection


@blp.route("/reflections/<int:reflection_id>/share", methods=["POST"])
@blp.response(200, ReflectionSchema)
@errors(blp, 401, 403, 404, 422)
def share_reflection(reflection_id: int):
    """Make the reflection visible to its pair or circle (a private one stays the author's)."""
    user = api_user()
    reflection = authz.access_reflection(user, reflection_id, "reflection.share")
    reflections.share(user, reflection)
    db.session.commit()
    return reflection


@blp.route("/reflections/<int:reflection_id>/feedback")
@blp.response(200, FeedbackSchema(many=True))
@errors(blp, 401, 404)
def list_feedback(reflection_id: int):
    """The feedback thread, oldest first."""
    reflection = authz.access_reflection(api_user(), reflection_id, "reflection.view")
    return reflection.feedback


@blp.route("/reflections/<int:reflection_id>/feedback", methods=["POST"])
@blp.arguments(FeedbackCreateSchema)
@blp.response(201, FeedbackSchema)
@errors(blp, 400, 401, 403, 404)
def add_feedback(body, reflection_id: int):
    """Answer in the feedback thread (the coach, the pair, the circle, or the author)."""
    user = api_user()
    reflection = authz.access_reflection(user, reflection_id, "reflection.feedback")
    feedback = reflections.add_feedback(user, reflection, body["body_md"])
    db.session.commit()
    return feedback


@blp.route("/cycles/<int:cycle_id>/reflection-count")
@blp.response(200, ReflectionCountSchema)
@errors(blp, 401, 404)
def reflection_count(cycle_id: int):
    """How many shared reflections a cycle has: for anyone who may see the cycle; never their text."""
    cycle = authz.access_reflection_count(api_user(), cycle_id, "reflection.count")
    return {"cycle_id": cycle.id, "count": reflections.counts_by_cycle([cycle.id]).get(cycle.id, 0)}
