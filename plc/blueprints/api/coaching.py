"""Coaching and supervision visits (การนิเทศ): planned together, held with observation notes on the
learners, reflected on by coach and teacher; a coach's calendar and a school's visit coverage."""

from __future__ import annotations

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
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.extensions import db
from plc.i18n import AcademicTerm, academic_term, bangkok_today
from plc.models import CoachingVisit
from plc.models._types import length_of
from plc.models.coaching import VISIT_STATUSES
from plc.services import coaching

blp = Blueprint("api_coaching", __name__, url_prefix="", description="Coaching and supervision visits")
blp.before_request(authenticate_request)


class TermField(fields.String):
    """An academic term written semester/Buddhist-Era year: ``2/2569``."""

    default_error_messages = {"invalid_term": _l("Write the term as semester/year, for example 2/2569.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return AcademicTerm.parse(text)
        except (ValueError, TypeError) as exc:
            raise self.make_error("invalid_term") from exc


# ---------------------------------------------------------------------------- schemas


class VisitSchoolSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)


class VisitCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class VisitPermissionsSchema(Schema):
    edit = fields.Boolean(required=True, metadata={"description": "the coach or the teacher of the visit"})


class VisitSchema(ObjectSchema):
    id = fields.Integer(required=True)
    coach = fields.Nested(PersonSchema, required=True)
    teacher = fields.Nested(PersonSchema, required=True)
    school = fields.Nested(VisitSchoolSchema, required=True)
    cycle = fields.Nested(VisitCycleSchema, allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(VISIT_STATUSES))
    planned_on = fields.Date(required=True)
    focus = fields.String(required=True, metadata={"description": "agreed together before the visit"})
    observe_what = fields.String(allow_none=True, required=True)
    held_on = fields.Date(allow_none=True, required=True)
    observation_notes = fields.String(allow_none=True, required=True,
                                      metadata={"description": "the learners' behaviour and learning"})
    coach_reflection = fields.String(allow_none=True, required=True)
    teacher_reflection = fields.String(allow_none=True, required=True)
    follow_up = fields.String(allow_none=True, required=True)
    follow_up_due_on = fields.Date(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    permissions = fields.Nested(VisitPermissionsSchema, required=True)

    def get_permissions(self, visit: CoachingVisit) -> dict:
        return {"edit": authz.can_edit_visit(api_user(), visit)}


class VisitBriefSchema(Schema):
    id = fields.Integer(required=True)
    school_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(VISIT_STATUSES))
    planned_on = fields.Date(required=True)
    held_on = fields.Date(allow_none=True, required=True)
    focus = fields.String(required=True)
    follow_up_due_on = fields.Date(allow_none=True, required=True)


class TermSchema(ObjectSchema):
    """Read from an ``AcademicTerm``."""

    label = fields.String(required=True, metadata={"example": "2/2569"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    def get_label(self, term: AcademicTerm) -> str:
        return str(term)


class CalendarRowSchema(Schema):
    """Read from a ``coaching.CalendarRow``."""

    teacher = fields.Nested(PersonSchema, required=True)
    planned = fields.Integer(required=True, metadata={"description": "visits planned in the term (not cancelled)"})
    held = fields.Integer(required=True)
    overdue = fields.List(fields.Nested(VisitBriefSchema), required=True, metadata={
        "description": "planned visits whose date has passed, and follow-ups due with no later visit held"})
    next_visit = fields.Nested(VisitBriefSchema, allow_none=True, required=True)


class CalendarSchema(Schema):
    term = fields.Nested(TermSchema, required=True)
    coach = fields.Nested(PersonSchema, required=True)
    teachers = fields.List(fields.Nested(CalendarRowSchema), required=True)


class VisitCoverageRowSchema(Schema):
    """Read from a ``coaching.CoverageRow``."""

    teacher = fields.Nested(PersonSchema, required=True)
    held = fields.Integer(required=True, metadata={"description": "visits held in the term (0 = none)"})
    last_held_on = fields.Date(allow_none=True, required=True)


class VisitCoverageSchema(Schema):
    school = fields.Nested(VisitSchoolSchema, required=True)
    term = fields.Nested(TermSchema, required=True)
    teachers = fields.List(fields.Nested(VisitCoverageRowSchema), required=True,
                           metadata={"description": "every current teacher, those without a visit first"})
    without_visit = fields.Integer(required=True)


class VisitQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(VISIT_STATUSES))
    teacher_id = fields.Integer(load_default=None)
    school_id = fields.Integer(load_default=None)
    cycle_id = fields.Integer(load_default=None)


class VisitCreateSchema(Schema):
    teacher_id = fields.Integer(required=True)
    school_id = fields.Integer(required=True, metadata={"description": "the teacher's school"})
    planned_on = fields.Date(required=True)
    focus = fields.String(required=True, validate=validate.Length(min=1, max=length_of(CoachingVisit.focus)))
    observe_what = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=length_of(CoachingVisit.observe_what)))
    cycle_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "one of the teacher's cycles"})


class VisitHeldSchema(Schema):
    held_on = fields.Date(required=True)
    observation_notes = fields.String(required=True,
                                      validate=validate.Length(max=length_of(CoachingVisit.observation_notes)))
    follow_up = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=length_of(CoachingVisit.follow_up)))
    follow_up_due_on = fields.Date(load_default=None, allow_none=True)


class VisitReflectionSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=length_of(CoachingVisit.coach_reflection)),
                         metadata={"description": "the caller's post-visit reflection (coach or teacher)"})


class TermArgsSchema(Schema):
    term = TermField(load_default=None, metadata={"description": "semester/year, by default the current one",
                                                  "example": "2/2569"})


VisitPageSchema = page_schema(VisitSchema, "CoachingVisitPage")


# ---------------------------------------------------------------------------- helpers


def _current_term(term: AcademicTerm | None) -> AcademicTerm:
    return term or academic_term(bangkok_today())


# ---------------------------------------------------------------------------- routes


@blp.route("/coaching-visits")
@blp.arguments(VisitQueryArgsSchema, location="query")
@blp.response(200, VisitPageSchema)
@errors(blp, 401)
def list_visits(args):
    """Visits where the caller is the coach or the teacher, and those at schools they manage; latest first."""
    query = coaching.visits_query(api_user(), status=args["status"], teacher_id=args["teacher_id"],
                                  school_id=args["school_id"], cycle_id=args["cycle_id"])
    return paginated(query, args, lambda visit: visit)  # the page schema serialises each visit


@blp.route("/coaching-visits", methods=["POST"])
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
@errors(blp, 400, 401, 403, 404, 422)
def plan_visit(body):
    """The coach (or supervisor) plans a visit with a teacher: the focus, what to observe, the date."""
    user = api_user()
    teacher, school, cycle = authz.access_visit_plan(user, body["teacher_id"], body["school_id"],
                                                     body["cycle_id"])
    visit = coaching.plan_visit(user, teacher=teacher, school=school, planned_on=body["planned_on"],
                                focus=body["focus"], observe_what=body["observe_what"], cycle=cycle)
    db.session.commit()
    return visit


@blp.route("/coaching-visits/<int:visit_id>")
@blp.response(200, VisitSchema)
@errors(blp, 401, 404)
def get_visit(visit_id: int):
    """One visit: plan, observation notes, both reflections and the follow-up."""
    return authz.access_visit(api_user(), visit_id, "visit.view")


@blp.route("/coaching-visits/<int:visit_id>/held", methods=["POST"])
@blp.arguments(VisitHeldSchema)
@blp.response(200, VisitSchema)
@errors(blp, 400, 401, 403, 404)
def record_held(body, visit_id: int):
    """The coach records that the visit took place, with what was observed of the learners."""
    user = api_user()
    visit = authz.access_visit(user, visit_id, "visit.record")
    coaching.record_held(user, visit, **body)
    db.session.commit()
    return visit


@blp.route("/coaching-visits/<int:visit_id>/reflection", methods=["POST"])
@blp.arguments(VisitReflectionSchema)
@blp.response(200, VisitSchema)
@errors(blp, 400, 401, 403, 404)
def reflect_on_visit(body, visit_id: int):
    """The coach's or the teacher's post-visit reflection (whoever calls)."""
    user = api_user()
    visit = authz.access_visit(user, visit_id, "visit.reflect")
    coaching.reflect(user, visit, body["text"])
    db.session.commit()
    return visit


@blp.route("/coaching-visits/<int:visit_id>/cancel", methods=["POST"])
@blp.response(200, VisitSchema)
@errors(blp, 401, 403, 404, 422)
def cancel_visit(visit_id: int):
    """Cancel a planned visit (the coach or the teacher)."""
    user = api_user()
    visit = authz.access_visit(user, visit_id, "visit.cancel")
    coaching.cancel(user, visit)
    db.session.commit()
    return visit


@blp.route("/coaching/calendar")
@blp.arguments(TermArgsSchema, location="query")
@blp.response(200, CalendarSchema)
@errors(blp, 401)
def coaching_calendar(args):
    """The caller's visits in a term per teacher: planned versus held, overdue ones and follow-ups flagged."""
    user = api_user()
    term = _current_term(args["term"])
    return {"term": term, "coach": user, "teachers": coaching.calendar(user, term)}


@blp.route("/schools/<int:school_id>/visit-coverage")
@blp.arguments(TermArgsSchema, location="query")
@blp.response(200, VisitCoverageSchema)
@errors(blp, 401, 403, 404)
def visit_coverage(args, school_id: int):
    """Every current teacher of the school with the visits they had in the term: who had none."""
    user = api_user()
    school = authz.access_visit_school(user, school_id, "visit.coverage")
    term = _current_term(args["term"])
    rows = coaching.coverage(school, term)
    return {"school": school, "term": term, "teachers": rows, "without_visit": sum(r.held == 0 for r in rows)}
