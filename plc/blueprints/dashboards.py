"""Participation dashboards: a network's (coordinators), a school's (directors), an area office's and
the programme's (admins), for a semester or an academic year, with their tables as CSV and XLSX."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from plc import audit, authz, dashboard_tables
from plc.errors import ApiError
from plc.extensions import db, limiter
from plc.i18n import bangkok_today, localize_digits
from plc.services import dashboards, goals

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

EXPORT_LIMIT = "30 per minute"
KINDS = {"networks": "network", "schools": "school", "area-offices": "area_office"}


@bp.app_template_filter("percent")
def percent(ratio: float | None) -> str:
    return "–" if ratio is None else localize_digits(f"{ratio * 100:.0f} %")


@bp.app_template_filter("hours")
def hours(minutes: int) -> str:
    return localize_digits(f"{minutes / 60:,.1f}")


@bp.app_template_filter("hours_number")
def hours_number(minutes: int) -> float:
    return round(minutes / 60, 1)


@bp.app_template_filter("month_label")
def month_label(month) -> str:
    return localize_digits(dashboard_tables.month_label(month.year, month.month))


@bp.app_template_filter("hours_range")
def hours_range(bucket) -> str:
    return localize_digits(dashboard_tables.hours_range_label(bucket[0], bucket[1]))


def requested_period() -> dashboards.Period:
    """``?term=2/2569`` (a semester) or ``?term=2569`` (an academic year); the current semester by default."""
    text = request.args.get("term", "")
    try:
        return dashboards.Period.parse(text[:20])
    except ValueError:
        message = dashboards.period_error_message(text[:20])
        raise ApiError(400, message, fields={"term": [message]}) from None


def requested_stuck_weeks() -> int:
    text = request.args.get("stuck_weeks", "")
    if not text:
        return dashboards.DEFAULT_STUCK_WEEKS
    if not text.isdigit() or not 1 <= int(text) <= 52:
        message = _("Enter a number of weeks from 1 to 52.")
        raise ApiError(400, message, fields={"stuck_weeks": [message]})
    return int(text)


def load(kind: str, object_id: int | None) -> tuple[object, dashboards.Dashboard]:
    """The dashboard's subject (checked in ``authz.access_dashboard``) and its figures."""
    subject = authz.access_dashboard(current_user, object_id, f"dashboard.{kind}")
    period = requested_period()
    scope = dashboards.scope_for(kind, subject, authz.dashboard_named_school_ids(current_user))
    return subject, dashboards.cached_build(scope, period, stuck_weeks=requested_stuck_weeks())


def _render(kind: str, subject, dashboard: dashboards.Dashboard, **extra):
    return render_template(
        "dashboards/show.html", kind=kind, subject=subject, dashboard=dashboard,
        periods=dashboards.recent_periods(bangkok_today()), tables=dashboard_tables.available_tables(dashboard),
        tables_module=dashboard_tables, network_rows=dashboards.by_network(dashboard) if kind == "programme" else [],
        **extra)


@bp.get("/")
@login_required
def index():
    return render_template("dashboards/index.html", available=authz.dashboards_of(current_user))


@bp.get("/programme")
@login_required
def programme():
    _subject, dashboard = load("programme", None)
    return _render("programme", None, dashboard)


@bp.get("/networks/<int:object_id>")
@login_required
def network(object_id: int):
    subject, dashboard = load("network", object_id)
    templates, coverage = goals.coverage(subject, dashboard.period.year_be)
    return _render("network", subject, dashboard, goal_templates=templates, goal_coverage=coverage)


@bp.get("/schools/<int:object_id>")
@login_required
def school(object_id: int):
    subject, dashboard = load("school", object_id)
    return _render("school", subject, dashboard)


@bp.get("/area-offices/<int:object_id>")
@login_required
def area_office(object_id: int):
    subject, dashboard = load("area_office", object_id)
    return _render("area_office", subject, dashboard)


def _download(kind: str, object_id: int | None, table: str, extension: str):
    subject, dashboard = load(kind, object_id)
    if table not in dashboard_tables.available_tables(dashboard):
        raise ApiError(404, _("This dashboard has no such table."))
    stem = kind if subject is None else f"{kind}-{subject.id}"
    builder = dashboard_tables.xlsx_download if extension == "xlsx" else dashboard_tables.csv_download
    response = builder(dashboard, table, stem)  # before the commit, which would expire the loaded rows
    audit.record("export.dashboard", current_user, subject, table=table, format=extension,
                 period=dashboard.period.label, target_type=None if subject is not None else "programme")
    db.session.commit()
    return response


@bp.get("/programme/<table>.<any(csv, xlsx):extension>")
@login_required
@limiter.limit(EXPORT_LIMIT)
def programme_download(table: str, extension: str):
    return _download("programme", None, table, extension)


@bp.get("/<any(networks, schools, 'area-offices'):kind>/<int:object_id>/<table>.<any(csv, xlsx):extension>")
@login_required
@limiter.limit(EXPORT_LIMIT)
def download(kind: str, object_id: int, table: str, extension: str):
    return _download(KINDS[kind], object_id, table, extension)
