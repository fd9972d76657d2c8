"""CSV and XLSX files people attach to evidence and reports (the PLC-hours ledger, dashboard tables,
survey reports): CSV in UTF-8 with a BOM so that Excel shows Thai, headers in the request's language,
never cached."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from plc.i18n import format_date
from plc.labels import MEETING_MODE_LABELS


def csv_response(rows: Iterable[list], content_disposition: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition, "Cache-Control": "no-store"})


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(rows: Iterable[list], sheet_title: str, content_disposition: str, *,
                  freeze: str | None = "B2") -> Response:
    """One sheet, its first row in bold."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31]
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = freeze
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE,
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
