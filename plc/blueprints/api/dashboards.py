"""The dashboards' JSON twins: the same figures as the pages, for a network, a school, an area office
and the programme. Teachers are named only where the caller manages them; reflections are counts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors
from plc.blueprints.api.schemas import NetworkBriefSchema, ObjectSchema, SchoolBriefSchema
from plc.errors import ApiError
from plc.services import dashboards

blp = Blueprint("api_dashboards", __name__, url_prefix="/dashboards",
                description="Participation and impact dashboards (counts and aggregates)")
blp.before_request(authenticate_request)


class DashboardArgsSchema(Schema):
    term = fields.String(load_default=None, validate=validate.Length(max=20), metadata={
        "description": "a semester such as 2/2569 or an academic year such as 2569; default: the current semester"})
    stuck_weeks = fields.Integer(load_default=dashboards.DEFAULT_STUCK_WEEKS, validate=validate.Range(min=1, max=52),
                                 metadata={"description": "a cycle in one phase longer than this is stuck"})


class CheckpointCountsSchema(Schema):
    upstream = fields.Integer(required=True)
    midstream = fields.Integer(required=True)
    downstream = fields.Integer(required=True)


class FiguresSchema(Schema):
    teachers = fields.Integer(required=True)
    teachers_with_hours = fields.Integer(required=True)
    teachers_without_hours = fields.Integer(required=True)
    plc_minutes = fields.Integer(required=True)
    plc_hours = fields.Float(required=True)
    participation = fields.Float(allow_none=True, required=True,
                                 metadata={"description": "share of the teachers with PLC hours (0–1)"})
    circles = fields.Integer(required=True)
    circles_met = fields.Integer(required=True)
    circles_due = fields.Integer(required=True)
    circles_missed = fields.Integer(required=True)
    meetings_held = fields.Integer(required=True)
    meetings_required = fields.Integer(required=True)
    sessions_online = fields.Integer(required=True)
    sessions_onsite = fields.Integer(required=True)
    attendance_rate = fields.Float(allow_none=True, required=True)
    cycles = fields.Integer(required=True)
    cycles_closed_with_lessons = fields.Integer(required=True)
    checkpoints = fields.Nested(CheckpointCountsSchema, required=True)
    outcomes_recorded = fields.Integer(required=True)
    outcomes_reported = fields.Integer(required=True, metadata={"description": "groups of at least 5 learners"})
    outcomes_fewer_than_5 = fields.Integer(required=True)
    effect_size_mean = fields.Float(allow_none=True, required=True, metadata={
        "description": "mean Hedges' g of the groups of at least 5 learners; null when there is none"})
    share_above_hinge = fields.Float(allow_none=True, required=True)
    plans = fields.Integer(required=True)
    plans_shared = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    forks = fields.Integer(required=True)
    reflections = fields.Integer(required=True)
    reflections_shared = fields.Integer(required=True)
    visits_planned = fields.Integer(required=True)
    visits_held = fields.Integer(required=True)
    visits_overdue = fields.Integer(required=True)
    teachers_visited = fields.Integer(required=True)
    visit_coverage = fields.Float(allow_none=True, required=True)
    goals = fields.Integer(required=True)
    goals_approved = fields.Integer(required=True)


class PeriodSchema(Schema):
    label = fields.String(required=True, metadata={"example": "2/2569"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    as_of = fields.Date(required=True, metadata={"description": "figures count up to this day"})


class SubjectSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)


class SchoolFiguresSchema(ObjectSchema):
    """Read from a ``dashboards.SchoolRow``."""

    school = fields.Nested(SchoolBriefSchema, required=True)
    figures = fields.Nested(FiguresSchema, required=True)

    def get_figures(self, row: dashboards.SchoolRow) -> dict:
        return row.unit.as_dict()


class NetworkFiguresSchema(Schema):
    network = fields.Nested(NetworkBriefSchema, required=True)
    cohort = fields.Integer(allow_none=True, required=True)
    figures = fields.Nested(FiguresSchema, required=True)


class CircleFiguresSchema(Schema):
    """Read from a ``dashboards.CircleRow``."""

    id = fields.Integer(required=True, attribute="circle_id")
    name = fields.String(required=True)
    school_id = fields.Integer(allow_none=True, required=True)
    network_id = fields.Integer(allow_none=True, required=True)
    rule_status = fields.String(required=True, attribute="status", validate=validate.OneOf(("met", "due", "missed")))
    meetings_held = fields.Integer(required=True)
    meetings_required = fields.Integer(required=True)
    sessions_held = fields.Integer(required=True)
    cycles = fields.Integer(required=True)


class MonthSchema(ObjectSchema):
    """Read from a ``dashboards.MonthRow``."""

    month = fields.String(required=True, metadata={"example": "2026-11"})
    meetings = fields.Integer(required=True)
    sessions = fields.Integer(required=True)
    plc_minutes = fields.Integer(required=True, attribute="minutes")
    visits_held = fields.Integer(required=True)

    def get_month(self, row: dashboards.MonthRow) -> str:
        return f"{row.year}-{row.month:02d}"


class HoursBucketSchema(Schema):
    min_minutes = fields.Integer(required=True)
    max_minutes = fields.Integer(allow_none=True, required=True, metadata={"description": "exclusive; null: no limit"})
    teachers = fields.Integer(required=True)


class PhaseCountSchema(Schema):
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)
    cycles = fields.Integer(required=True)


class StepCountSchema(Schema):
    label_th = fields.String(required=True)
    label_en = fields.String(required=True)
    cycles = fields.Integer(required=True)


class InnovationUseSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    schools = fields.Integer(required=True)
    network_circles = fields.Integer(required=True)
    cycles = fields.Integer(required=True)
    effect_size_mean = fields.Float(allow_none=True, required=True)
    outcomes_fewer_than_5 = fields.Integer(required=True)
    steps = fields.List(fields.Nested(StepCountSchema), required=True)


class StuckCycleSchema(Schema):
    """Read from a ``dashboards.StuckCycle``."""

    id = fields.Integer(required=True, attribute="cycle_id")
    title = fields.String(required=True)
    circle_id = fields.Integer(required=True)
    school_id = fields.Integer(allow_none=True, required=True)
    phase_th = fields.String(required=True)
    phase_en = fields.String(required=True)
    since = fields.Date(required=True)
    weeks = fields.Integer(required=True)


class TeacherFiguresSchema(Schema):
    """Read from a ``dashboards.TeacherRow``."""

    id = fields.Integer(required=True, attribute="user_id")
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    school_ids = fields.List(fields.Integer(), required=True)
    plc_minutes = fields.Integer(required=True, attribute="minutes")
    sessions = fields.Integer(required=True)
    visits_held = fields.Integer(required=True)
    left_on = fields.Date(allow_none=True, required=True)


class DashboardSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("network", "school", "area_office", "programme")))
    subject = fields.Nested(SubjectSchema, allow_none=True, required=True)
    period = fields.Nested(PeriodSchema, required=True)
    stuck_weeks = fields.Integer(required=True)
    total = fields.Nested(FiguresSchema, required=True)
    schools = fields.List(fields.Nested(SchoolFiguresSchema), required=True)
    networks = fields.List(fields.Nested(NetworkFiguresSchema), required=True,
                           metadata={"description": "the programme's networks by cohort (programme only)"})
    network_circles = fields.List(fields.Nested(NetworkFiguresSchema), required=True,
                                  metadata={"description": "network-wide circles of the networks in scope"})
    schools_without_meetings = fields.List(fields.Integer(), required=True)
    circles = fields.List(fields.Nested(CircleFiguresSchema), required=True)
    months = fields.List(fields.Nested(MonthSchema), required=True)
    hours_distribution = fields.List(fields.Nested(HoursBucketSchema), required=True)
    phases = fields.List(fields.Nested(PhaseCountSchema), required=True)
    cycles_closed = fields.Integer(required=True)
    innovations = fields.List(fields.Nested(InnovationUseSchema), required=True)
    stuck_cycles = fields.List(fields.Nested(StuckCycleSchema), required=True)
    teachers = fields.List(fields.Nested(TeacherFiguresSchema), required=True, metadata={
        "description": "named only in the schools the caller manages; empty otherwise"})


def _answer(kind: str, object_id: int | None, args: dict) -> dict:
    user = api_user()
    subject = authz.access_dashboard(user, object_id, f"dashboard.{kind}")
    try:
        period = dashboards.Period.parse(args["term"])
    except ValueError:
        message = dashboards.period_error_message(args["term"])
        raise ApiError(422, message, fields={"term": [message]}) from None
    scope = dashboards.scope_for(kind, subject, authz.dashboard_named_school_ids(user))
    d = dashboards.cached_build(scope, period, stuck_weeks=args["stuck_weeks"])
    return {
        "kind": kind, "subject": subject,
        "period": {"label": period.label, "starts_on": period.starts_on, "ends_on": period.ends_on, "as_of": d.as_of},
        "stuck_weeks": d.stuck_weeks, "total": d.total.as_dict(),
        "schools": d.schools,
        "networks": [{"network": row.network, "cohort": row.network.cohort, "figures": row.unit.as_dict()}
                     for row in dashboards.by_network(d)] if kind == "programme" else [],
        "network_circles": [{"network": d.networks[network_id], "cohort": d.networks[network_id].cohort,
                             "figures": unit.as_dict()} for network_id, unit in d.network_units.items() if unit.circles],
        "schools_without_meetings": [row.school.id for row in d.schools_without_meetings],
        "circles": d.circles,
        "months": d.months,
        "hours_distribution": [{"min_minutes": low, "max_minutes": high, "teachers": n}
                               for low, high, n in d.hours_distribution],
        "phases": [{"name_th": th, "name_en": en, "cycles": n} for th, en, n in d.phases],
        "cycles_closed": d.cycles_closed,
        "innovations": [{"id": u.innovation_id, "name_th": u.name_th, "name_en": u.name_en,
                         "schools": len(u.school_ids), "network_circles": u.network_circles, "cycles": len(u.cycles),
                         "effect_size_mean": None if u.effect_size_mean is None else round(u.effect_size_mean, 2),
                         "outcomes_fewer_than_5": u.outcomes_small,
                         "steps": [{"label_th": th, "label_en": en, "cycles": n} for th, en, n in u.step_rows()]}
                        for u in d.innovations],
        "stuck_cycles": d.stuck,
        "teachers": d.teachers,
    }


@blp.route("/programme")
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
@errors(blp, 401, 404, 422)
def programme(args):
    """The whole programme by network and cohort (programme administrators)."""
    return _answer("programme", None, args)


@blp.route("/networks/<int:network_id>")
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
@errors(blp, 401, 403, 404, 422)
def network(args, network_id: int):
    """A network's schools (its coordinators, coaches and supervisors)."""
    return _answer("network", network_id, args)


@blp.route("/schools/<int:school_id>")
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
@errors(blp, 401, 403, 404, 422)
def school(args, school_id: int):
    """One school (its director, its networks' staff, its area office)."""
    return _answer("school", school_id, args)


@blp.route("/area-offices/<int:area_office_id>")
@blp.arguments(DashboardArgsSchema, location="query")
@blp.response(200, DashboardSchema)
@errors(blp, 401, 403, 404, 422)
def area_office(args, area_office_id: int):
    """An area office's schools (its staff: read-only)."""
    return _answer("area_office", area_office_id, args)
