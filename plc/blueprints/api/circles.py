"""PLC circles (วง PLC): members, norms, meetings and the meeting rule."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.errors import ApiError
from plc.extensions import db
from plc.models import Circle, CircleMeeting, Cycle, User
from plc.models._types import length_of
from plc.models.circles import CIRCLE_ROLES, MEETING_MODES, MEETING_PERIODS
from plc.models.cycles import CYCLE_STATUSES
from plc.services import circles
from plc.services.circles import CircleInput

blp = Blueprint("api_circles", __name__, url_prefix="", description="PLC circles")
blp.before_request(authenticate_request)

CIRCLE_FIELDS = ("name", "learning_area", "grade_band", "description", "norms", "meeting_count", "meeting_period")


# ---------------------------------------------------------------------------- schemas


class CircleScopeSchema(Schema):
    """Read from the circle: its school or its network."""

    kind = fields.String(required=True, attribute="scope_kind", validate=validate.OneOf(["school", "network"]))
    id = fields.Integer(required=True, attribute="scope.id")
    name_th = fields.String(required=True, attribute="scope.name_th")
    name_en = fields.String(allow_none=True, required=True, attribute="scope.name_en")


class CircleSchema(ObjectSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    scope = fields.Nested(CircleScopeSchema, required=True)
    school_id = fields.Integer(allow_none=True, required=True)
    network_id = fields.Integer(allow_none=True, required=True)
    learning_area = fields.String(allow_none=True, required=True)
    grade_band = fields.String(allow_none=True, required=True)
    description = fields.String(allow_none=True, required=True)
    meeting_count = fields.Integer(required=True)
    meeting_period = fields.String(required=True, validate=validate.OneOf(MEETING_PERIODS))
    member_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)

    def get_scope(self, circle: Circle) -> Circle:
        return circle  # CircleScopeSchema reads the circle's school or network

    def get_member_count(self, circle: Circle) -> int:
        return len(circle.current_members())


class CircleMemberSchema(Schema):
    user = fields.Nested(PersonSchema, required=True)
    role = fields.String(required=True, validate=validate.OneOf(CIRCLE_ROLES))
    joined_on = fields.Date(required=True)
    left_on = fields.Date(allow_none=True, required=True, metadata={"description": "first day no longer a member"})
    accepted_norms = fields.Boolean(required=True, attribute="has_accepted_norms",
                                    metadata={"description": "accepted the current norms"})
    accepted_norms_version = fields.Integer(allow_none=True, required=True)
    accepted_norms_at = fields.DateTime(allow_none=True, required=True)


class MeetingRuleSchema(Schema):
    label = fields.String(required=True, metadata={"description": "the semester (1/2568) or month (6/2568)"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    held = fields.Integer(required=True)
    required = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["met", "due", "missed"]))


class MeetingSchema(Schema):
    id = fields.Integer(required=True)
    circle_id = fields.Integer(required=True)
    cycle_id = fields.Integer(allow_none=True, required=True)
    held_on = fields.Date(required=True)
    title = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MEETING_MODES))
    notes = fields.String(allow_none=True, required=True)
    minutes = fields.Integer(allow_none=True, required=True)
    recorded_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class CircleCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CYCLE_STATUSES))


class CirclePermissionsSchema(Schema):
    manage = fields.Boolean(required=True)
    work = fields.Boolean(required=True)


class CircleDetailSchema(CircleSchema):
    norms = fields.String(allow_none=True, required=True)
    norms_version = fields.Integer(required=True)
    members = fields.List(fields.Nested(CircleMemberSchema), required=True)
    former_members = fields.List(fields.Nested(CircleMemberSchema), required=True)
    meeting_rule = fields.List(fields.Nested(MeetingRuleSchema), required=True,
                               metadata={"description": "the current period first, then the one before"})
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)
    cycles = fields.List(fields.Nested(CircleCycleSchema), required=True)
    permissions = fields.Nested(CirclePermissionsSchema, required=True)

    def get_members(self, circle: Circle) -> list:
        return circle.current_members()

    def get_former_members(self, circle: Circle) -> list:
        current = circle.current_members()
        return [m for m in circle.members if m not in current]

    def get_meeting_rule(self, circle: Circle) -> list:
        return circles.meeting_rule(circle)

    def get_meetings(self, circle: Circle) -> list:
        return list(reversed(circle.meetings))  # newest first

    def get_permissions(self, circle: Circle) -> dict:
        return authz.permissions(api_user(), circle)


class CircleQueryArgsSchema(PageArgsSchema):
    school_id = fields.Integer(load_default=None)
    network_id = fields.Integer(load_default=None)
    mine = fields.Boolean(load_default=False, metadata={"description": "only circles the caller is a member of"})


class CircleUpdateSchema(Schema):
    """Only the fields sent change. New norms ask every member to accept them again."""

    name = fields.String(validate=validate.Length(max=length_of(Circle.name)))
    learning_area = fields.String(allow_none=True,
                                  validate=validate.Length(max=length_of(Circle.learning_area)))
    grade_band = fields.String(allow_none=True, validate=validate.Length(max=length_of(Circle.grade_band)))
    description = fields.String(allow_none=True, validate=validate.Length(max=length_of(Circle.description)))
    norms = fields.String(allow_none=True, validate=validate.Length(max=length_of(Circle.norms)))
    meeting_count = fields.Integer(validate=validate.Range(min=1, max=31))
    meeting_period = fields.String(validate=validate.OneOf(MEETING_PERIODS))


class CircleCreateSchema(Schema):
    school_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "a school circle"})
    network_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "or a network circle"})
    name = fields.String(required=True, validate=validate.Length(max=length_of(Circle.name)))
    learning_area = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=length_of(Circle.learning_area)))
    grade_band = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=length_of(Circle.grade_band)))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=length_of(Circle.description)))
    norms = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=length_of(Circle.norms)))
    meeting_count = fields.Integer(required=True, validate=validate.Range(min=1, max=31),
                                   metadata={"description": "meetings required per period"})
    meeting_period = fields.String(required=True, validate=validate.OneOf(MEETING_PERIODS))

    @validates_schema
    def _one_scope(self, data, **_kwargs):
        if (data.get("school_id") is None) == (data.get("network_id") is None):
            raise ValidationError(_("Give either a school or a network for the circle."), "school_id")


class MemberAddSchema(Schema):
    user_id = fields.Integer(required=True)
    role = fields.String(load_default="member", validate=validate.OneOf(CIRCLE_ROLES))


class MeetingCreateSchema(Schema):
    held_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(max=length_of(CircleMeeting.title)))
    mode = fields.String(load_default="onsite", validate=validate.OneOf(MEETING_MODES))
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=length_of(CircleMeeting.notes)))
    minutes = fields.Integer(load_default=None, allow_none=True)
    cycle_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "a cycle of this circle the meeting belongs to"})


CirclePageSchema = page_schema(CircleSchema, "CirclePage")


# ---------------------------------------------------------------------------- helpers


def _circle_input(body: dict, circle: Circle | None = None) -> CircleInput:
    values = {name: body[name] if name in body or circle is None else getattr(circle, name)
              for name in CIRCLE_FIELDS}
    return CircleInput(**values)


# ---------------------------------------------------------------------------- routes


@blp.route("/circles")
@blp.arguments(CircleQueryArgsSchema, location="query")
@blp.response(200, CirclePageSchema)
@errors(blp, 401)
def list_circles(args):
    """Circles the caller may see: their own, their schools', their networks'."""
    query = circles.circles_query(api_user(), school_id=args["school_id"], network_id=args["network_id"],
                                  mine=args["mine"])
    return paginated(query, args, lambda circle: circle)  # the page schema serialises each circle


@blp.route("/circles", methods=["POST"])
@blp.arguments(CircleCreateSchema)
@blp.response(201, CircleDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_circle(body):
    """Start a school or network circle; the caller facilitates it."""
    user = api_user()
    scope = authz.access_circle_scope(user, body["school_id"], body["network_id"], "circle.create")
    circle = circles.create(user, scope, _circle_input(body))
    db.session.commit()
    return circle


@blp.route("/circles/<int:circle_id>")
@blp.response(200, CircleDetailSchema)
@errors(blp, 401, 404)
def get_circle(circle_id: int):
    """A circle with its members, meetings, cycles and whether it keeps its meeting rule."""
    return authz.access_circle(api_user(), circle_id, "circle.view")


@blp.route("/circles/<int:circle_id>", methods=["PATCH"])
@blp.arguments(CircleUpdateSchema)
@blp.response(200, CircleDetailSchema)
@errors(blp, 400, 401, 403, 404)
def update_circle(body, circle_id: int):
    """Change the circle; only the fields sent change. New norms must be accepted again."""
    user = api_user()
    circle = authz.access_circle(user, circle_id, "circle.edit")
    circles.update(user, circle, _circle_input(body, circle))
    db.session.commit()
    return circle


@blp.route("/circles/<int:circle_id>/members", methods=["POST"])
@blp.arguments(MemberAddSchema)
@blp.response(201, CircleMemberSchema)
@errors(blp, 400, 401, 403, 404)
def add_member(body, circle_id: int):
    """Add a member or facilitator from the staff of the circle's school or network."""
    user = api_user()
    circle = authz.access_circle(user, circle_id, "circle.add_member")
    person = db.session.get(User, body["user_id"])
    if person is None or not authz.can_view_user(user, person):
        # The same answer as for someone who may not join: nothing leaks about other tenants.
        raise ApiError(422, _("Only staff of the circle's school or network can join it."),
                       {"user_id": [_("Only staff of the circle's school or network can join it.")]})
    member = circles.add_member(user, circle, person, body["role"])
    db.session.commit()
    return member


@blp.route("/circles/<int:circle_id>/members/<int:user_id>", methods=["DELETE"])
@blp.response(200, CircleMemberSchema)
@errors(blp, 401, 403, 404, 422)
def remove_member(circle_id: int, user_id: int):
    """The member leaves: the membership stays, with the date it ended."""
    user = api_user()
    circle = authz.access_circle(user, circle_id, "circle.remove_member")
    member = circle.membership_of(user_id)
    if member is None:
        authz.deny_unseen(user, "circle.remove_member", None)
    circles.remove_member(user, circle, member)
    db.session.commit()
    return member


@blp.route("/circles/<int:circle_id>/norms/accept", methods=["POST"])
@blp.response(200, CircleMemberSchema)
@errors(blp, 401, 403, 404, 422)
def accept_norms(circle_id: int):
    """The caller, a member, accepts the circle's current norms."""
    user = api_user()
    circle = authz.access_circle(user, circle_id, "circle.accept_norms")
    member = circles.accept_norms(user, circle)
    db.session.commit()
    return member


@blp.route("/circles/<int:circle_id>/meetings", methods=["POST"])
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingSchema)
@errors(blp, 400, 401, 403, 404)
def record_meeting(body, circle_id: int):
    """Record a meeting that took place; it counts towards the meeting rule."""
    user = api_user()
    circle = authz.access_circle(user, circle_id, "circle.record_meeting")
    cycle = None
    if body["cycle_id"] is not None:
        cycle = db.session.get(Cycle, body["cycle_id"])
        if cycle is None or cycle.circle_id != circle.id:
            raise ApiError(422, _("Choose a cycle of this circle."), {"cycle_id": [_("Choose a cycle of this circle.")]})
    meeting = circles.record_meeting(user, circle, held_on=body["held_on"], title=body["title"],
                                     mode=body["mode"], notes=body["notes"], minutes=body["minutes"],
                                     cycle=cycle)
    db.session.commit()
    return meeting
