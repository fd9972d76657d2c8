"""PLC cycles (วงจร PLC): goals and innovations, phases, DE checkpoints, outcomes with effect sizes,
lessons learned and the timeline."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.goals import GoalSchema, dump_goal
from plc.blueprints.api.schemas import LONG_TEXT, PageArgsSchema, PersonSchema, dump_person, page_schema
from plc.errors import ApiError
from plc.extensions import db
from plc.i18n import current_locale
from plc.models import Cycle, DECheckpoint, InnovationStep, InnovationVersion, OutcomeMeasure
from plc.models.cycles import CYCLE_STATUSES, DE_STAGES, PHASE_TEMPLATES
from plc.services import cycles, outcomes, timeline
from plc.services.cycles import CycleInput, LessonsInput
from plc.services.outcomes import Aggregate, EffectSize

blp = Blueprint("api_cycles", __name__, url_prefix="", description="PLC cycles")
blp.before_request(authenticate_request)

LESSON_PARTS = ("results", "picture_of_success", "problems", "conditions", "next_steps")


# ---------------------------------------------------------------------------- schemas


class CycleCircleSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    school_id = fields.Integer(allow_none=True, required=True)
    network_id = fields.Integer(allow_none=True, required=True)


class PhaseSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    key = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["done", "current", "upcoming"]))
    started_on = fields.Date(allow_none=True, required=True)
    ended_on = fields.Date(allow_none=True, required=True)
    step_id = fields.Integer(allow_none=True, required=True,
                             metadata={"description": "the innovation step this phase follows (innovation template)"})


class CycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CYCLE_STATUSES))
    template = fields.String(required=True, validate=validate.OneOf(PHASE_TEMPLATES))
    circle = fields.Nested(CycleCircleSchema, required=True)
    current_phase = fields.Nested(PhaseSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)


class AppliedStepSchema(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    number = fields.Integer(required=True)
    position = fields.Integer(required=True)
    code = fields.String(allow_none=True, required=True)
    label_en = fields.String(allow_none=True, required=True)
    text_th = fields.String(required=True)
    text_en = fields.String(allow_none=True, required=True)


class AppliedInnovationSchema(Schema):
    innovation_id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "the version number the cycle applies"})
    latest_version = fields.Integer(required=True)
    kind = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    applied_steps = fields.List(fields.Nested(AppliedStepSchema), required=True)


class TemplateVersionSchema(Schema):
    innovation_id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    name_th = fields.String(required=True)


class CheckpointSchema(Schema):
    id = fields.Integer(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(DE_STAGES))
    held_on = fields.Date(required=True)
    reviewed = fields.String(allow_none=True, required=True)
    monitored = fields.String(allow_none=True, required=True)
    evaluated = fields.String(allow_none=True, required=True)
    changed = fields.String(allow_none=True, required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class AggregateSchema(Schema):
    """Scores of one group at one time: never student identities."""

    n = fields.Integer(required=True, metadata={"description": "number of students (at least 2)"})
    mean = fields.Float(required=True)
    sd = fields.Float(required=True, metadata={"description": "standard deviation (greater than 0)"})


class EffectSizeSchema(Schema):
    cohens_d = fields.Float(required=True)
    hedges_g = fields.Float(required=True, metadata={"description": "d corrected for small groups: the figure to report"})
    ci95 = fields.List(fields.Float(), required=True, validate=validate.Length(equal=2),
                       metadata={"description": "95 % confidence interval of g"})
    pooled_sd = fields.Float(required=True)
    mean_gain = fields.Float(required=True)
    hinge_point = fields.Float(required=True)
    above_hinge = fields.Boolean(required=True)
    band = fields.String(required=True, validate=validate.OneOf(["negative", "low", "typical", "desired"]))
    interpretation = fields.String(required=True)


class OutcomeSchema(Schema):
    id = fields.Integer(required=True)
    cycle_id = fields.Integer(required=True)
    measure = fields.String(required=True)
    group = fields.String(required=True)
    pre = fields.Nested(AggregateSchema, required=True)
    post = fields.Nested(AggregateSchema, required=True)
    effect_size = fields.Nested(EffectSizeSchema, required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class LessonsSchema(Schema):
    results = fields.String(required=True)
    picture_of_success = fields.String(required=True)
    problems = fields.String(required=True)
    conditions = fields.String(required=True)
    next_steps = fields.String(required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class TimelineEntrySchema(Schema):
    when = fields.String(required=True, metadata={"description": "ISO 8601 date or date-time"})
    kind = fields.String(required=True)
    title = fields.String(required=True)
    detail = fields.String(allow_none=True, required=True)
    anchor = fields.String(allow_none=True, required=True)


class CyclePermissionsSchema(Schema):
    work = fields.Boolean(required=True)


class CycleDetailSchema(CycleSchema):
    problem = fields.String(required=True)
    challenge_issues = fields.String(allow_none=True, required=True)
    target_grade = fields.String(allow_none=True, required=True)
    target_class_size = fields.Integer(allow_none=True, required=True)
    target_groups = fields.List(fields.String(), required=True)
    template_version = fields.Nested(TemplateVersionSchema, allow_none=True, required=True)
    goals = fields.List(fields.Nested(GoalSchema), required=True)
    innovations = fields.List(fields.Nested(AppliedInnovationSchema), required=True)
    phases = fields.List(fields.Nested(PhaseSchema), required=True)
    checkpoints = fields.List(fields.Nested(CheckpointSchema), required=True)
    outcomes = fields.List(fields.Nested(OutcomeSchema), required=True)
    lessons = fields.Nested(LessonsSchema, allow_none=True, required=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)
    created_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    permissions = fields.Nested(CyclePermissionsSchema, required=True)


class CycleQueryArgsSchema(PageArgsSchema):
    circle_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(CYCLE_STATUSES))


class CycleCreateSchema(Schema):
    circle_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(max=200))
    problem = fields.String(required=True, validate=LONG_TEXT)
    goal_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(max=50),
                           metadata={"description": "at least one goal of the circle's school or network"})
    template = fields.String(required=True, validate=validate.OneOf(PHASE_TEMPLATES))
    template_version_id = fields.Integer(load_default=None, allow_none=True,
                                         metadata={"description": "with template=innovation: whose steps to follow"})
    innovation_version_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))
    step_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=200))
    challenge_issues = fields.String(load_default=None, allow_none=True, validate=LONG_TEXT)
    target_grade = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    target_class_size = fields.Integer(load_default=None, allow_none=True)
    target_groups = fields.List(fields.String(validate=validate.Length(max=30)), load_default=list,
                                validate=validate.Length(max=10), metadata={"example": ["เก่ง", "กลาง", "อ่อน"]})


class CheckpointCreateSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(DE_STAGES))
    held_on = fields.Date(load_default=None, allow_none=True)
    reviewed = fields.String(load_default=None, allow_none=True, validate=LONG_TEXT)
    monitored = fields.String(load_default=None, allow_none=True, validate=LONG_TEXT)
    evaluated = fields.String(load_default=None, allow_none=True, validate=LONG_TEXT)
    changed = fields.String(load_default=None, allow_none=True, validate=LONG_TEXT)


class OutcomeCreateSchema(Schema):
    measure = fields.String(required=True, validate=validate.Length(max=200), error_messages={
        "required": _l("Name the measure, for example a reading test.")})
    group = fields.String(required=True, validate=validate.Length(max=60), error_messages={
        "required": _l("Name the group, for example the whole class or the weaker group.")})
    pre = fields.Nested(AggregateSchema, required=True, error_messages={
        "required": _l("Enter the scores before the cycle (pre-test) as well as after.")})
    post = fields.Nested(AggregateSchema, required=True, error_messages={
        "required": _l("Enter the scores after the cycle (post-test).")})


class CloseSchema(Schema):
    """ถอดบทเรียน: every part is needed to close the cycle."""

    results = fields.String(required=True, validate=LONG_TEXT)
    picture_of_success = fields.String(required=True, validate=LONG_TEXT)
    problems = fields.String(required=True, validate=LONG_TEXT)
    conditions = fields.String(required=True, validate=LONG_TEXT)
    next_steps = fields.String(required=True, validate=LONG_TEXT)


CyclePageSchema = page_schema(CycleSchema, "CyclePage")


# ---------------------------------------------------------------------------- dumping


def dump_phase(phase) -> dict | None:
    return phase and {"id": phase.id, "position": phase.position, "key": phase.key, "name_th": phase.name_th,
                      "name_en": phase.name_en, "state": phase.state, "started_on": phase.started_on,
                      "ended_on": phase.ended_on, "step_id": phase.step_id}


def dump_cycle(cycle: Cycle) -> dict:
    circle = cycle.circle
    return {"id": cycle.id, "title": cycle.title, "status": cycle.status, "template": cycle.template,
            "circle": {"id": circle.id, "name": circle.name, "school_id": circle.school_id,
                       "network_id": circle.network_id},
            "current_phase": dump_phase(cycle.current_phase), "created_at": cycle.created_at,
            "closed_at": cycle.closed_at}


def _dump_step(step: InnovationStep) -> dict:
    return {"id": step.id, "parent_id": step.parent_id, "number": step.number, "position": step.position,
            "code": step.code, "label_en": step.label_en, "text_th": step.text_th, "text_en": step.text_en}


def _dump_applied(cycle: Cycle, version: InnovationVersion) -> dict:
    innovation = version.innovation
    return {"innovation_id": innovation.id, "version_id": version.id, "version": version.number,
            "latest_version": innovation.current.number, "kind": innovation.kind, "name_th": version.name_th,
            "name_en": version.name_en,
            "applied_steps": [_dump_step(s) for s in cycle.steps if s.version_id == version.id]}


def dump_checkpoint(checkpoint: DECheckpoint) -> dict:
    return {"id": checkpoint.id, "stage": checkpoint.stage, "held_on": checkpoint.held_on,
            "reviewed": checkpoint.reviewed, "monitored": checkpoint.monitored, "evaluated": checkpoint.evaluated,
            "changed": checkpoint.changed, "recorded_by": dump_person(checkpoint.recorded_by),
            "created_at": checkpoint.created_at}


def dump_outcome(outcome: OutcomeMeasure, effect: EffectSize | None = None) -> dict:
    effect = effect or outcomes.effect_of(outcome)
    return {"id": outcome.id, "cycle_id": outcome.cycle_id, "measure": outcome.measure, "group": outcome.group,
            "pre": {"n": outcome.pre_n, "mean": outcome.pre_mean, "sd": outcome.pre_sd},
            "post": {"n": outcome.post_n, "mean": outcome.post_mean, "sd": outcome.post_sd},
            "effect_size": effect.as_dict(), "recorded_by": dump_person(outcome.recorded_by),
            "created_at": outcome.created_at}


def _iso(value: date | datetime) -> str:
    return value.isoformat()


def dump_cycle_detail(cycle: Cycle) -> dict:
    lessons = cycle.lessons
    template = cycle.template_version
    return {
        **dump_cycle(cycle), "problem": cycle.problem, "challenge_issues": cycle.challenge_issues,
        "target_grade": cycle.target_grade, "target_class_size": cycle.target_class_size,
        "target_groups": list(cycle.target_groups or []),
        "template_version": template and {"innovation_id": template.innovation_id, "version_id": template.id,
                                          "version": template.number, "name_th": template.name_th},
        "goals": [dump_goal(g) for g in cycle.goals],
        "innovations": [_dump_applied(cycle, v) for v in cycle.innovation_versions],
        "phases": [dump_phase(p) for p in cycle.phases],
        "checkpoints": [dump_checkpoint(c) for c in cycle.checkpoints],
        "outcomes": [dump_outcome(o) for o in cycle.outcomes],
        "lessons": lessons and {**{part: getattr(lessons, part) for part in LESSON_PARTS},
                                "recorded_by": dump_person(lessons.recorded_by), "created_at": lessons.created_at},
        "timeline": [{"when": _iso(e.when), "kind": e.kind, "title": e.title, "detail": e.detail,
                      "anchor": e.anchor} for e in timeline.entries(cycle, current_locale())],
        "created_by": dump_person(cycle.created_by),
        "permissions": {"work": authz.can_work_on_cycle(api_user(), cycle) and not cycle.is_closed},
    }


def _refuse_closed(cycle: Cycle) -> None:
    """A closed cycle is read-only: 409, asked after the caller may work on it at all."""
    if cycle.is_closed:
        raise ApiError(409, _("This cycle is closed."))


# ---------------------------------------------------------------------------- routes


@blp.route("/cycles")
@blp.arguments(CycleQueryArgsSchema, location="query")
@blp.response(200, CyclePageSchema)
@errors(blp, 401)
def list_cycles(args):
    """Cycles of the circles the caller may see, newest first."""
    query = cycles.cycles_query(api_user(), circle_id=args["circle_id"], status=args["status"])
    return paginated(query, args, dump_cycle)


@blp.route("/cycles", methods=["POST"])
@blp.arguments(CycleCreateSchema)
@blp.response(201, CycleDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_cycle(body):
    """Start a cycle in a circle, serving school goals and applying pinned innovation versions."""
    user = api_user()
    circle = authz.access_circle(user, body.pop("circle_id"), "cycle.create")
    cycle = cycles.create(user, circle, CycleInput(**body))
    db.session.commit()
    return dump_cycle_detail(cycle)


@blp.route("/cycles/<int:cycle_id>")
@blp.response(200, CycleDetailSchema)
@errors(blp, 401, 404)
def get_cycle(cycle_id: int):
    """The whole cycle: goals, innovations as applied, phases, checkpoints, outcomes, lessons, timeline."""
    return dump_cycle_detail(authz.access_cycle(api_user(), cycle_id, "cycle.view"))


@blp.route("/cycles/<int:cycle_id>/advance", methods=["POST"])
@blp.response(200, CycleDetailSchema)
@errors(blp, 401, 403, 404, 409, 422)
def advance_cycle(cycle_id: int):
    """End the current phase and start the next."""
    user = api_user()
    cycle = authz.access_cycle(user, cycle_id, "cycle.advance")
    _refuse_closed(cycle)
    cycles.advance(user, cycle)
    db.session.commit()
    return dump_cycle_detail(cycle)


@blp.route("/cycles/<int:cycle_id>/checkpoints", methods=["POST"])
@blp.arguments(CheckpointCreateSchema)
@blp.response(201, CheckpointSchema)
@errors(blp, 400, 401, 403, 404, 409)
def add_checkpoint(body, cycle_id: int):
    """A developmental-evaluation review: upstream, midstream or downstream."""
    user = api_user()
    cycle = authz.access_cycle(user, cycle_id, "cycle.checkpoint")
    _refuse_closed(cycle)
    checkpoint = cycles.add_checkpoint(user, cycle, **body)
    db.session.commit()
    return dump_checkpoint(checkpoint)


@blp.route("/cycles/<int:cycle_id>/outcomes", methods=["POST"])
@blp.arguments(OutcomeCreateSchema)
@blp.response(201, OutcomeSchema)
@errors(blp, 400, 401, 403, 404, 409)
def add_outcome(body, cycle_id: int):
    """Pre and post aggregates of one group on one measure; answers with the effect size."""
    user = api_user()
    cycle = authz.access_cycle(user, cycle_id, "cycle.outcome")
    _refuse_closed(cycle)
    outcome, effect = outcomes.record(user, cycle, measure=body["measure"], group=body["group"],
                                      pre=Aggregate(**body["pre"]), post=Aggregate(**body["post"]))
    db.session.commit()
    return dump_outcome(outcome, effect)


@blp.route("/cycles/<int:cycle_id>/close", methods=["POST"])
@blp.arguments(CloseSchema)
@blp.response(200, CycleDetailSchema)
@errors(blp, 400, 401, 403, 404, 409)
def close_cycle(body, cycle_id: int):
    """Record the lessons learned (ถอดบทเรียน) and close the cycle; it is read-only afterwards."""
    user = api_user()
    cycle = authz.access_cycle(user, cycle_id, "cycle.close")
    _refuse_closed(cycle)
    cycles.close(user, cycle, LessonsInput(**body))
    db.session.commit()
    return dump_cycle_detail(cycle)
