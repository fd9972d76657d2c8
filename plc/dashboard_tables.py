"""The dashboards' tables as rows of plain values, for CSV (UTF-8 with a BOM, so Excel shows Thai)
and XLSX (openpyxl) downloads. Headers are in the request's language; numbers stay numbers, so a
spreadsheet can sum them. The pages show the same figures (``plc/templates/dashboards``)."""

from __future__ import annotations

import re

from flask import Response
from flask_babel import gettext as _

from plc.exports import csv_response, xlsx_response
from plc.i18n import TH_MONTHS_SHORT, current_locale, format_date
from plc.labels import RULE_STATUS_LABELS
from plc.services.dashboards import Dashboard, Unit, by_network


def _percent(value: float | None):
    return "" if value is None else round(value * 100, 1)


def effect_size_cell(unit) -> float | str:
    """The mean effect size of a Unit or an InnovationUse, or "fewer than 5" when every group was
    too small to report."""
    if unit.effect_size_mean is not None:
        return round(unit.effect_size_mean, 2)
    if unit.outcomes_small:
        return _("fewer than 5 learners")
    return ""


def month_label(year: int, month: int) -> str:
    if current_locale() == "th":
        return f"{TH_MONTHS_SHORT[month - 1]} {year + 543}"
    return f"{year}-{month:02d}"


def _name(place) -> str:
    return place.display_name(current_locale())


def unit_header() -> list[str]:
    return [_("Teachers"), _("Teachers with PLC hours"), _("Teachers without PLC hours"), _("PLC hours"),
            _("Participation (%)"), _("Circles"), _("Meeting rule met"), _("Meeting rule due"),
            _("Meeting rule missed"), _("Meetings held"), _("Meetings required"), _("Online sessions held"),
            _("Onsite sessions held"), _("Attendance rate (%)"), _("PLC cycles"), _("Closed with lessons learned"),
            _("Upstream checkpoints"), _("Midstream checkpoints"), _("Downstream checkpoints"),
            _("Outcomes recorded"), _("Mean effect size"), _("At or above 0.40 (%)"), _("Lesson plans"),
            _("Shared lesson plans"), _("Comments"), _("Forks"), _("Reflections"), _("Visits planned"),
            _("Visits held"), _("Visits overdue"), _("Teachers visited"), _("Visit coverage (%)"), _("School goals"),
            _("Approved goals")]


def unit_cells(unit: Unit) -> list:
    return [unit.teacher_count, len(unit.teachers_with_hours), unit.teachers_without_hours,
            round(unit.minutes / 60, 2), _percent(unit.participation), unit.circles, unit.rule["met"],
            unit.rule["due"], unit.rule["missed"], unit.meetings_held, unit.meetings_required, unit.sessions_online,
            unit.sessions_onsite, _percent(unit.attendance_rate), unit.cycles, unit.cycles_closed_with_lessons,
            unit.checkpoints["upstream"], unit.checkpoints["midstream"], unit.checkpoints["downstream"],
            unit.outcomes_recorded, effect_size_cell(unit), _percent(unit.share_above_hinge), unit.plans,
            unit.plans_shared, unit.comments, unit.forks, unit.reflections, unit.visits_planned, unit.visits_held,
            unit.visits_overdue, unit.teachers_visited_count, _percent(unit.visit_coverage),
            unit.goals, unit.goals_approved]


def _schools(dashboard: Dashboard) -> list[list]:
    rows = [[_("School"), *unit_header()]]
    rows += [[_name(row.school), *unit_cells(row.unit)] for row in dashboard.schools]
    for network_id, unit in dashboard.network_units.items():
        if unit.circles:
            rows.append([_("Network-wide circles of %(network)s", network=_name(dashboard.networks[network_id])),
                         *unit_cells(unit)])
    rows.append([_("Total"), *unit_cells(dashboard.total)])
    return rows


def _networks(dashboard: Dashboard) -> list[list]:
    rows = [[_("Network"), _("Cohort"), *unit_header()]]
    rows += [[_name(row.network), row.network.cohort or "", *unit_cells(row.unit)] for row in by_network(dashboard)]
    rows.append([_("Total"), "", *unit_cells(dashboard.total)])
    return rows


def _circles(dashboard: Dashboard, school_names: dict[int, str]) -> list[list]:
    rows = [[_("Circle"), _("School"), _("Meeting rule"), _("Meetings held"), _("Meetings required"),
             _("Sessions held"), _("PLC cycles")]]
    for c in dashboard.circles:
        where = school_names.get(c.school_id, "") if c.school_id else _("Network-wide")
        rows.append([c.name, where, str(RULE_STATUS_LABELS.get(c.status, c.status)), c.meetings_held,
                     c.meetings_required, c.sessions_held, c.cycles])
    return rows


def _teachers(dashboard: Dashboard, school_names: dict[int, str]) -> list[list]:
    rows = [[_("Teacher"), _("School"), _("PLC hours"), _("Sessions attended"), _("Visits held"), _("Left on")]]
    locale = current_locale()
    for t in dashboard.teachers:
        rows.append([t.display_name(locale), ", ".join(school_names[s] for s in t.school_ids),
                     round(t.minutes / 60, 2), t.sessions, t.visits_held, format_date(t.left_on) if t.left_on else ""])
    return rows


def _months(dashboard: Dashboard) -> list[list]:
    rows = [[_("Month"), _("Meetings held"), _("Sessions held"), _("PLC hours"), _("Visits held")]]
    rows += [[month_label(m.year, m.month), m.meetings, m.sessions, round(m.minutes / 60, 2), m.visits_held]
             for m in dashboard.months]
    return rows


def hours_range_label(low: int, high: int | None) -> str:
    if high == 0:
        return _("No PLC hours")
    if high is None:
        return _("%(low)s hours or more", low=low // 60)
    if low < 60:
        return _("Under %(high)s hour", high=high // 60)
    return _("%(low)s to under %(high)s hours", low=low // 60, high=high // 60)


def _hours(dashboard: Dashboard) -> list[list]:
    return [[_("PLC hours per teacher"), _("Teachers")]] + [
        [hours_range_label(low, high), n] for low, high, n in dashboard.hours_distribution]


def _phases(dashboard: Dashboard) -> list[list]:
    en = current_locale() == "en"
    rows = [[_("Phase"), _("PLC cycles")]] + [[en_name if en else th, n] for th, en_name, n in dashboard.phases]
    rows.append([_("Closed"), dashboard.cycles_closed])
    return rows


def _innovations(dashboard: Dashboard) -> list[list]:
    rows = [[_("Innovation"), _("Schools"), _("Network-wide circles"), _("PLC cycles"), _("Mean effect size")]]
    locale = current_locale()
    for use in dashboard.innovations:
        rows.append([use.display_name(locale), len(use.school_ids), use.network_circles, len(use.cycles),
                     effect_size_cell(use)])
    return rows


def _steps(dashboard: Dashboard) -> list[list]:
    rows = [[_("Innovation"), _("Step"), _("PLC cycles")]]
    en = current_locale() == "en"
    for use in dashboard.innovations:
        rows += [[use.display_name("en" if en else "th"), en_label if en else th, n]
                 for th, en_label, n in use.step_rows()]
    return rows


def _stuck(dashboard: Dashboard, school_names: dict[int, str]) -> list[list]:
    rows = [[_("PLC cycle"), _("School"), _("Phase"), _("In this phase since"), _("Weeks")]]
    en = current_locale() == "en"
    for s in dashboard.stuck:
        rows.append([s.title, school_names.get(s.school_id, _("Network-wide")) if s.school_id else _("Network-wide"),
                     s.phase_en if en else s.phase_th, format_date(s.since), s.weeks])
    return rows


TABLES = ("schools", "networks", "circles", "teachers", "months", "hours", "phases", "innovations", "steps", "stuck")


def table_title(name: str) -> str:
    return {
        "schools": _("Schools"), "networks": _("Networks"), "circles": _("PLC circles"), "teachers": _("Teachers"),
        "months": _("By month"), "hours": _("PLC hours per teacher"), "phases": _("PLC cycles by phase"),
        "innovations": _("Innovations in use"), "steps": _("Innovation steps applied"),
        "stuck": _("Cycles stuck in one phase"),
    }[name]


def available_tables(dashboard: Dashboard) -> list[str]:
    names = [t for t in TABLES if t not in ("networks", "teachers")]
    if dashboard.scope.kind == "programme":
        names.insert(0, "networks")
    if dashboard.scope.named_school_ids:
        names.insert(names.index("months"), "teachers")
    return names


def table_rows(dashboard: Dashboard, name: str) -> list[list]:
    school_names = {row.school.id: _name(row.school) for row in dashboard.schools}
    builders = {
        "schools": lambda: _schools(dashboard), "networks": lambda: _networks(dashboard),
        "circles": lambda: _circles(dashboard, school_names), "teachers": lambda: _teachers(dashboard, school_names),
        "months": lambda: _months(dashboard), "hours": lambda: _hours(dashboard), "phases": lambda: _phases(dashboard),
        "innovations": lambda: _innovations(dashboard), "steps": lambda: _steps(dashboard),
        "stuck": lambda: _stuck(dashboard, school_names),
    }
    return builders[name]()


def _filename(stem: str, name: str, dashboard: Dashboard, extension: str) -> str:
    period = dashboard.period.label.replace("/", "-")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "dashboard"
    return f"{safe}-{name}-{period}.{extension}"


def csv_download(dashboard: Dashboard, name: str, stem: str) -> Response:
    return csv_response(table_rows(dashboard, name),
                        f'attachment; filename="{_filename(stem, name, dashboard, "csv")}"')


def xlsx_download(dashboard: Dashboard, name: str, stem: str) -> Response:
    return xlsx_response(table_rows(dashboard, name), table_title(name),
                         f'attachment; filename="{_filename(stem, name, dashboard, "xlsx")}"')
