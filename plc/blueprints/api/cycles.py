"""PLC cycles (วงจร PLC): goals and innovations, phases, DE checkpoints, outcomes with effect sizes,
lessons learned and the timeline."""

from __future__ import annotations

from typing import NamedTuple

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
from plc.blueprints.api.goals import GoalSchema
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.errors import ApiError
from plc.extensions import db
from plc.i18n import current_locale
from plc.models import Cycle, DECheckpoint, InnovationStep, InnovationVersion, LessonsLearned, OutcomeMeasure
from plc.models._types import length_of
from plc.models.cycles import CYCLE_STATUSES, DE_STAGES, PHASE_TEMPLATES
from plc.services import cycles, outcomes, timeline
from plc.services.cycles import CycleInput, LessonsInput
from plc.services.outcomes import Aggregate

blp = Blueprint("api_cycles", __name__, url_prefix="", description="PLC cycles")
blp.before_request(authenticate_request)


class AppliedVersion(NamedTuple):
    """An innovation version as a cycle applies it: with the steps of it the cycle follows."""

    version: InnovationVersion
    applied_steps: list[InnovationStep]


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


class CycleSchema(ObjectSchema):
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
    """Read from an AppliedVersion: an innovation version and the steps of it the cycle applies."""

    innovation_id = fields.Integer(required=True, attribute="version.innovation_id")
    version_id = fields.Integer(required=True, attribute="version.id")
    version = fields.Integer(required=True, attribute="version.number",
                             metadata={"description": "the version number the cycle applies"})
    latest_version = fields.Integer(required=True, attribute="version.innovation.current.number")
    kind = fields.String(required=True, attribute="version.innovation.kind")
    name_th = fields.String(required=True, attribute="version.name_th")
    name_en = fields.String(allow_none=True, required=True, attribute="version.name_en")
    applied_steps = fields.List(fields.Nested(AppliedStepSchema), required=True)


class TemplateVersionSchema(Schema):
    innovation_id = fields.Integer(required=True)
    version_id = fields.Integer(required=True, attribute="id")
    version = fields.Integer(required=True, attribute="number")
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


class OutcomeSchema(ObjectSchema):
    id = fields.Integer(required=True)
    cycle_id = fields.Integer(required=True)
    measure = fields.String(required=True)
    group = fields.String(required=True)
    pre = fields.Nested(AggregateSchema, required=True)
    post = fields.Nested(AggregateSchema, required=True)
    effect_size = fields.Nested(EffectSizeSchema, required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)

    def get_pre(self, outcome: OutcomeMeasure) -> Aggregate:
        return Aggregate(outcome.pre_n, outcome.pre_mean, outcome.pre_sd)

    def get_post(self, outcome: OutcomeMeasure) -> Aggregate:
        return Aggregate(outcome.post_n, outcome.post_mean, outcome.post_sd)

    def get_effect_size(self, outcome: OutcomeMeasure) -> dict:
        return outcomes.effect_of(outcome).as_dict()  # rounded, with the hinge point and the band's words


class LessonsSchema(Schema):
    results = fields.String(required=True)
    picture_of_success = fields.String(required=True)
    problems = fields.String(required=True)
    conditions = fields.String(required=True)
    next_steps = fields.String(required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class TimelineEntrySchema(ObjectSchema):
    when = fields.String(required=True, metadata={"description": "ISO 8601 date or date-time"})
    kind = fields.String(required=True)
    title = fields.String(required=True)
    detail = fields.String(allow_none=True, required=True)
    anchor = fields.String(allow_none=True, required=True)

    def get_when(self, entry: timeline.TimelineEntry) -> str:
        return entry.when.isoformat()


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

    def get_innovations(self, cycle: Cycle) -> list[AppliedVersion]:
        return [AppliedVersion(version, [s for s in cycle.steps if s.version_id == version.id])
                for version in cycle.innovation_versions]

    def get_timeline(self, cycle: Cycle) -> list:
        return timeline.entries(cycle, current_locale())

    def get_permissions(self, cycle: Cycle) -> dict:
        return authz.permissions(api_user(), cycle)


class CycleQueryArgsSchema(PageArgsSchema):
    circle_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(CYCLE_STATUSES))


class CycleCreateSchema(Schema):
    circle_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(max=length_of(Cycle.title)))
    problem = fields.String(required=True, validate=validate.Length(max=length_of(Cycle.problem)))
    goal_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(max=50),
                           metadata={"description": "at least one goal of the circle's school or network"})
    template = fields.String(required=True, validate=validate.OneOf(PHASE_TEMPLATES))
    template_version_id = fields.Integer(load_default=None, allow_none=True,
                                         metadata={"description": "with template=innovation: whose steps to follow"})
    innovation_version_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))
    step_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=200))
    challenge_issues = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=length_of(Cycle.challenge_issues)))
    target_grade = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=length_of(Cycle.target_grade)))
    target_class_size = fields.Integer(load_default=None, allow_none=True)
    target_groups = fields.List(fields.String(validate=validate.Length(max=Cycle.target_groups.info["item_max_length"])),
                                load_default=list,
                                validate=validate.Length(max=10), metadata={"example": ["เก่ง", "กลาง", "อ่อน"]})


class CheckpointCreateSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(DE_STAGES))
    held_on = fields.Date(load_default=None, allow_none=True)
    reviewed = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=length_of(DECheckpoint.reviewed)))
    monitored = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=length_of(DECheckpoint.monitored)))
    evaluated = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=length_of(DECheckpoint.evaluated)))
    changed = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length_of(DECheckpoint.changed)))


class OutcomeCreateSchema(Schema):
    measure = fields.String(required=True, validate=validate.Length(max=length_of(OutcomeMeasure.measure)),
                            error_messages={"required": _l("Name the measure, for example a reading test.")})
    group = fields.String(required=True, validate=validate.Length(max=length_of(OutcomeMeasure.group)),
                          error_messages={"required": _l("Name the group, for example the whole class or the "
                                                         "weaker group.")})
    pre = fields.Nested(AggregateSchema, required=True, error_messages={
        "required": _l("Enter the scores before the cycle (pre-test) as well as after.")})
    post = fields.Nested(AggregateSchema, required=True, error_messages={
        "required": _l("Enter the scores after the cycle (post-test).")})


class CloseSchema(Schema):
    """ถอดบทเรียน: every part is needed to close the cycle."""

    results = fields.String(required=True, validate=validate.Length(max=length_of(LessonsLearned.results)))
    picture_of_success = fields.String(required=True,
                                       validate=validate.Length(max=length_of(LessonsLearned.picture_of_success)))
    problems = fields.String(required=True, validate=validate.Length(max=length_of(LessonsLearned.problems)))
    conditions = fields.String(required=True,
                               validate=validate.Length(max=length_of(LessonsLearned.conditions)))
    next_steps = fields.String(required=True,
                               validate=validate.Length(max=length_of(LessonsLearned.next_steps)))


CyclePageSchema = page_schema(CycleSchema, "CyclePage")


# ---------------------------------------------------------------------------- helpers


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
    return paginated(query, args, lambda cycle: cycle)  # the page schema serialises each cycle


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
    return cycle


@blp.route("/cycles/<int:cycle_id>")
@blp.response(200, CycleDetailSchema)
@errors(blp, 401, 404)
def get_cycle(cycle_id: int):
    """The whole cycle: goals, innovations as applied, phases, checkpoints, outcomes, lessons, timeline."""
    return authz.access_cycle(api_user(), cycle_id, "cycle.view")


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
    return cycle


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
    return checkpoint


@blp.route("/cycles/<int:cycle_id>/outcomes", methods=["POST"])
@blp.arguments(OutcomeCreateSchema)
@blp.response(201, OutcomeSchema)
@errors(blp, 400, 401, 403, 404, 409)
def add_outcome(body, cycle_id: int):
    """Pre and post aggregates of one group on one measure; answers with the effect size."""
    user = api_user()
    cycle = authz.access_cycle(user, cycle_id, "cycle.outcome")
    _refuse_closed(cycle)
    outcome, _effect = outcomes.record(user, cycle, measure=body["measure"], group=body["group"],
                                       pre=Aggregate(**body["pre"]), post=Aggregate(**body["post"]))
    db.session.commit()
    return outcome


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
    return cycle
