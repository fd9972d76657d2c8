"""CSV files a teacher attaches to evidence (the PLC-hours ledger): UTF-8 with a BOM so that Excel
shows Thai, headers in the request's language, never cached."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response
from flask_babel import gettext as _

from plc.i18n import format_date
from plc.labels import MEETING_MODE_LABELS


def csv_response(rows: Iterable[list], content_disposition: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition, "Cache-Control": "no-store"})


def hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def ledger_rows(teacher, rows) -> list[list]:
    """The header and one row per session of a teacher's PLC-hours ledger."""
    header = [_("Teacher"), _("Date"), _("Session"), _("Circle"), _("Mode"), _("Semester"), _("Fiscal year"),
              _("Minutes"), _("Hours")]
    return [header] + [[teacher.name_th, format_date(row.date, "long"), row.session.title, row.session.circle.name,
                        str(MEETING_MODE_LABELS.get(row.mode, row.mode)), row.term, row.fiscal_year, row.minutes,
                        hours(row.minutes)] for row in rows]


def ledger_total_rows(teacher, totals: dict) -> list[list]:
    """Totals per semester, then per fiscal year."""
    return [[teacher.name_th, "", _("Total"), "", "", term, "", minutes, hours(minutes)]
            for term, minutes in totals["term"].items()] + \
           [[teacher.name_th, "", _("Total"), "", "", "", year, minutes, hours(minutes)]
            for year, minutes in totals["fiscal_year"].items()]
