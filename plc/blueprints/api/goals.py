"""School goals (เป้าหมายโรงเรียน), the network's core goals, their coverage and the focus areas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.schemas import (
    NetworkBriefSchema,
    ObjectSchema,
    PageArgsSchema,
    PersonSchema,
    SchoolBriefSchema,
    page_schema,
)
from plc.extensions import db
from plc.i18n import academic_term, bangkok_today
from plc.models import FocusArea, SchoolGoal
from plc.models._types import length_of
from plc.models.goals import GOAL_KINDS, GOAL_STATUSES
from plc.services import goals
from plc.services.goals import GoalInput

blp = Blueprint("api_goals", __name__, url_prefix="", description="School goals, core goals and focus areas")
blp.before_request(authenticate_request)

YEAR = validate.Range(min=2500, max=2700)


# ---------------------------------------------------------------------------- schemas


class FocusAreaSchema(Schema):
    id = fields.Integer(required=True)
    taxonomy = fields.String(required=True)
    code = fields.String(required=True)
    position = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)
    source = fields.String(allow_none=True)


class FocusAreaListSchema(Schema):
    items = fields.List(fields.Nested(FocusAreaSchema), required=True)


class FocusAreaArgsSchema(Schema):
    taxonomy = fields.String(load_default=None, validate=validate.Length(max=length_of(FocusArea.taxonomy)))


class GoalSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(GOAL_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(GOAL_STATUSES))
    is_template = fields.Boolean(required=True, metadata={
        "description": "a network's core goal; each school of the network has its own copy (parent_id)"})
    school = fields.Nested(SchoolBriefSchema, allow_none=True, required=True)
    network = fields.Nested(NetworkBriefSchema, allow_none=True, required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    carried_from_id = fields.Integer(allow_none=True, required=True)
    academic_year_be = fields.Integer(required=True)
    statement = fields.String(required=True)
    context_needs = fields.String(allow_none=True, required=True)
    indicator = fields.String(allow_none=True, required=True)
    target = fields.String(allow_none=True, required=True)
    focus_areas = fields.List(fields.Nested(FocusAreaSchema), required=True)
    created_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    approved_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    approved_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class GoalCopySchema(Schema):
    id = fields.Integer(required=True)
    school = fields.Nested(SchoolBriefSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(GOAL_STATUSES))


class GoalPermissionsSchema(Schema):
    edit = fields.Boolean(required=True)
    approve = fields.Boolean(required=True)


class GoalDetailSchema(ObjectSchema, GoalSchema):
    copies = fields.List(fields.Nested(GoalCopySchema), required=True,
                         metadata={"description": "for a core goal: the schools' copies the caller may see"})
    permissions = fields.Nested(GoalPermissionsSchema, required=True)

    def get_copies(self, goal: SchoolGoal) -> list[SchoolGoal]:
        user = api_user()
        copies = [c for c in goal.copies if c.school_id is not None and authz.can_view_goal(user, c)]
        return sorted(copies, key=lambda c: c.school.name_th)

    def get_permissions(self, goal: SchoolGoal) -> dict:
        user = api_user()
        return {"edit": authz.can_edit_goal(user, goal), "approve": authz.can_approve_goal(user, goal)}


class GoalTransitionResultSchema(Schema):
    goal = fields.Nested(GoalDetailSchema, required=True)
    follow_up = fields.Nested(GoalSchema, allow_none=True, required=True,
                              metadata={"description": "after carry_over: the new draft for the next year"})


class GoalQueryArgsSchema(PageArgsSchema):
    school_id = fields.Integer(load_default=None)
    network_id = fields.Integer(load_default=None)
    year = fields.Integer(load_default=None, validate=YEAR)
    include_templates = fields.Boolean(load_default=False, metadata={"description": "also the networks' core goals"})


class GoalFieldsSchema(Schema):
    academic_year_be = fields.Integer(required=True, validate=YEAR, metadata={"example": 2569})
    statement = fields.String(required=True, validate=validate.Length(max=length_of(SchoolGoal.statement)))
    context_needs = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=length_of(SchoolGoal.context_needs)))
    indicator = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=length_of(SchoolGoal.indicator)))
    target = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=length_of(SchoolGoal.target)))
    focus_area_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))


class GoalCreateSchema(GoalFieldsSchema):
    school_id = fields.Integer(required=True)


class GoalUpdateSchema(Schema):
    """Only the fields sent change."""

    academic_year_be = fields.Integer(validate=YEAR)
    statement = fields.String(validate=validate.Length(max=length_of(SchoolGoal.statement)))
    context_needs = fields.String(allow_none=True, validate=validate.Length(max=length_of(SchoolGoal.context_needs)))
    indicator = fields.String(allow_none=True, validate=validate.Length(max=length_of(SchoolGoal.indicator)))
    target = fields.String(allow_none=True, validate=validate.Length(max=length_of(SchoolGoal.target)))
    focus_area_ids = fields.List(fields.Integer(), validate=validate.Length(max=50))


class GoalTransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(goals.TRANSITIONS)))


class CoverageArgsSchema(Schema):
    year = fields.Integer(load_default=None, validate=YEAR,
                          metadata={"description": "academic year (BE); the current one if omitted"})


class CoreStatusSchema(Schema):
    goal_id = fields.Integer(required=True)
    status = fields.String(allow_none=True, required=True, validate=validate.OneOf(GOAL_STATUSES))


class CoverageRowSchema(ObjectSchema):
    """Read from a ``goals.CoverageRow``."""

    school = fields.Nested(SchoolBriefSchema, required=True)
    goals = fields.Integer(required=True)
    approved = fields.Integer(required=True)
    achieved = fields.Integer(required=True)
    cycles = fields.Integer(required=True)
    core_status = fields.List(fields.Nested(CoreStatusSchema), required=True)

    def get_core_status(self, row: goals.CoverageRow) -> list[dict]:
        return [{"goal_id": goal_id, "status": status} for goal_id, status in row.core_status.items()]


class CoverageSchema(Schema):
    network = fields.Nested(NetworkBriefSchema, required=True)
    academic_year_be = fields.Integer(required=True)
    core_goals = fields.List(fields.Nested(GoalSchema), required=True)
    schools = fields.List(fields.Nested(CoverageRowSchema), required=True)


GoalPageSchema = page_schema(GoalSchema, "GoalPage")


# ---------------------------------------------------------------------------- helpers


def _goal_input(body: dict, goal: SchoolGoal | None = None) -> GoalInput:
    """The service's input from a full body, or from ``goal`` with the fields of a partial one."""
    def value(name):
        if name in body or goal is None:
            return body.get(name)
        if name == "focus_area_ids":
            return [a.id for a in goal.focus_areas]
        return getattr(goal, name)

    return GoalInput(statement=value("statement") or "", academic_year_be=value("academic_year_be"),
                     context_needs=value("context_needs"), indicator=value("indicator"), target=value("target"),
                     focus_area_ids=tuple(value("focus_area_ids") or ()))


# ---------------------------------------------------------------------------- goals


@blp.route("/goals")
@blp.arguments(GoalQueryArgsSchema, location="query")
@blp.response(200, GoalPageSchema)
@errors(blp, 401)
def list_goals(args):
    """Goals of the schools the caller may see, newest academic year first."""
    query = goals.goals_query(api_user(), school_id=args["school_id"], network_id=args["network_id"],
                              year=args["year"], include_templates=args["include_templates"])
    return paginated(query, args, lambda goal: goal)  # the page schema serialises each goal


@blp.route("/goals", methods=["POST"])
@blp.arguments(GoalCreateSchema)
@blp.response(201, GoalDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_goal(body):
    """Draft a school goal; the school's director approves it."""
    user = api_user()
    school = authz.access_goal_school(user, body["school_id"], "goal.create")
    goal = goals.create_school_goal(user, school, _goal_input(body))
    db.session.commit()
    return goal


@blp.route("/goals/<int:goal_id>")
@blp.response(200, GoalDetailSchema)
@errors(blp, 401, 404)
def get_goal(goal_id: int):
    """One goal; for a core goal, also the schools' copies the caller may see."""
    return authz.access_goal(api_user(), goal_id, "goal.view")


@blp.route("/goals/<int:goal_id>", methods=["PATCH"])
@blp.arguments(GoalUpdateSchema)
@blp.response(200, GoalDetailSchema)
@errors(blp, 400, 401, 403, 404, 409)
def update_goal(body, goal_id: int):
    """Edit a draft; an approved goal stays as it was approved (409)."""
    user = api_user()
    goal = authz.access_goal(user, goal_id, "goal.edit")
    goals.update_goal(user, goal, _goal_input(body, goal))
    db.session.commit()
    return goal


@blp.route("/goals/<int:goal_id>/transitions", methods=["POST"])
@blp.arguments(GoalTransitionSchema)
@blp.response(200, GoalTransitionResultSchema)
@errors(blp, 400, 401, 403, 404)
def transition_goal(body, goal_id: int):
    """Approve a draft, mark an approved goal achieved or carried over (a draft for the next year
    follows), or reopen it. The school's director decides."""
    user = api_user()
    goal = authz.access_goal(user, goal_id, "goal.status")
    follow_up = goals.transition(user, goal, body["action"])
    db.session.commit()
    return {"goal": goal, "follow_up": follow_up}


# ---------------------------------------------------------------------------- networks


@blp.route("/networks/<int:network_id>/core-goals", methods=["POST"])
@blp.arguments(GoalFieldsSchema)
@blp.response(201, GoalDetailSchema)
@errors(blp, 400, 401, 403, 404)
def publish_core_goal(body, network_id: int):
    """The coordinator publishes a shared goal; every school of the network gets a draft copy."""
    user = api_user()
    network = authz.access_goal_network(user, network_id, "goal.publish_core")
    template = goals.publish_core_goal(user, network, _goal_input(body))
    db.session.commit()
    return template


@blp.route("/networks/<int:network_id>/goal-coverage")
@blp.arguments(CoverageArgsSchema, location="query")
@blp.response(200, CoverageSchema)
@errors(blp, 401, 403, 404)
def goal_coverage(args, network_id: int):
    """Per school of the network: its goals of the year, each core goal's status, cycles serving them."""
    user = api_user()
    network = authz.access_goal_network(user, network_id, "goal.coverage")
    year = args["year"] or academic_term(bangkok_today()).year_be
    templates, rows = goals.coverage(network, year)
    return {"network": network, "academic_year_be": year, "core_goals": templates, "schools": rows}


@blp.route("/focus-areas")
@blp.arguments(FocusAreaArgsSchema, location="query")
@blp.response(200, FocusAreaListSchema)
@errors(blp, 401)
def list_focus_areas(args):
    """The focus-area taxonomies goals are tagged with."""
    query = select(FocusArea).order_by(FocusArea.taxonomy, FocusArea.position, FocusArea.id)
    if args["taxonomy"]:
        query = query.where(FocusArea.taxonomy == args["taxonomy"])
    return {"items": db.session.scalars(query).all()}
