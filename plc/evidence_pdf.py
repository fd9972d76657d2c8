"""The evidence pack for the performance agreement (วPA) as PDF: A4 portrait, a cover (the teacher, their
school and position, the period and the day it was printed, in the Buddhist Era in Thai), then one
section per kind of evidence with its tables, and page numbers. Made with fpdf2, the Sarabun font
embedded (a subset) and HarfBuzz shaping, like the certificates (plc/certificates.py).

It draws the plain rows ``plc.services.evidence.Evidence`` holds (it reads attributes, and imports
nothing above its layer). Needs an app context: the strings come from the Babel catalogue, in the
locale asked for."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from plc.certificates import FONT_FAMILY, FONT_FILES
from plc.clock import bangkok_today
from plc.i18n import format_date
from plc.labels import CIRCLE_ROLE_LABELS, CYCLE_STATUS_LABELS, MEETING_MODE_LABELS

MARGIN = 18
ACCENT = (30, 80, 120)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 235, 245))


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _number(value: float) -> str:
    return f"{value:.2f}"


class _Document(FPDF):
    def __init__(self, footer_text: str, page_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text
        self._page_text = page_text  # "Page %(page)s of %(pages)s", translated, {nb} for the count

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-14)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, self._footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 6, self._page_text % {"page": self.page_no(), "pages": "{nb}"}, align="R")


def _labels() -> dict[str, str]:
    roles = {**{code: str(label) for code, label in CIRCLE_ROLE_LABELS.items()},
             "creator": _("Started the cycle"), "author": _("Author of work in it")}
    kinds = {"participation": _("Certificate of Participation"), "recognition": _("Certificate of Recognition")}
    bands = {"negative": _("negative"), "low": _("low"), "typical": _("typical"), "desired": _("desired zone")}
    visibilities = {"pair": _("Coach–teacher pair"), "circle": _("The circle")}
    return {"roles": roles, "kinds": kinds, "bands": bands, "visibilities": visibilities}


def evidence_pdf(evidence, *, locale: str = "th") -> bytes:
    """The evidence as PDF bytes, in ``locale`` whatever the request speaks."""
    with force_locale(locale):
        return _render(evidence, locale)


def _render(evidence, locale: str) -> bytes:
    name = evidence.name(locale)
    period = evidence.period
    labels = _labels()
    pdf = _Document(footer_text=f"{name} · {period.label}", page_text=_("Page %(page)s of %(pages)s"))
    title = _("Evidence for the performance agreement (วPA)")
    pdf.set_title(f"{title}: {name}")
    pdf.set_author(name)
    pdf.set_subject(period.label)
    pdf.set_creator("PLC")
    pdf.set_lang(locale)
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, path)
    pdf.set_text_shaping(True)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.alias_nb_pages()

    def text(value: str, size: float = 11, *, bold: bool = False, align: str = "L", color=(0, 0, 0),
             height: float | None = None) -> None:
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.multi_cell(0, height or size * 0.5, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(value: str) -> None:
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.ln(4)
        text(value, 15, bold=True, color=ACCENT, height=8)
        pdf.set_draw_color(*ACCENT)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.ln(3)

    def subheading(value: str) -> None:
        pdf.ln(2)
        text(value, 12, bold=True, height=6.5)
        pdf.ln(1)

    def table(header: list[str], rows: list[list[str]], widths: tuple[int, ...], *,
              align: tuple[str, ...] | None = None) -> None:
        pdf.set_font(FONT_FAMILY, "", 9.5)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(170, 170, 170)
        with pdf.table(col_widths=widths, headings_style=HEADINGS, line_height=5.5, padding=1.2,
                       text_align=align or "LEFT", first_row_as_headings=True) as grid:
            for values in [header, *rows]:
                row = grid.row()
                for value in values:
                    row.cell(value)
        pdf.ln(2)

    def nothing() -> None:
        text(_("Nothing recorded in this period."), 10, color=(100, 100, 100), height=6)

    # ---------------------------------------------------------------- the cover
    pdf.add_page()
    pdf.set_y(55)
    text(title, 22, bold=True, align="C", color=ACCENT, height=11)
    pdf.ln(2)
    text(_("Professional learning community (PLC) work recorded on the platform"), 13, align="C", height=7)
    pdf.ln(16)
    text(name, 20, bold=True, align="C", height=10)
    if evidence.position:
        text(evidence.position, 13, align="C", height=7)
    for school in evidence.school_names(locale):
        text(school, 13, align="C", height=7)
    pdf.ln(12)
    text(period.label, 16, bold=True, align="C", height=8)
    text(period.dates, 12, align="C", height=7)
    pdf.ln(18)
    summary = [
        [_("PLC hours"), _("%(hours)s hours (%(minutes)s minutes)", hours=_hours(evidence.total_minutes),
                                                                    minutes=evidence.total_minutes)],
        [_("PLC cycles"), str(len(evidence.cycles))],
        [_("Lesson plans"), str(len(evidence.plans))],
        [_("Shared reflections"), str(len(evidence.reflections))],
        [_("Coaching visits received"), str(len(evidence.visits))],
        [_("Exchange forums"), str(len(evidence.forums))],
        [_("Certificates"), str(len(evidence.certificates))],
    ]
    pdf.set_x(MARGIN + 25)
    pdf.set_font(FONT_FAMILY, "", 11)
    with pdf.table(col_widths=(60, 64), width=124, first_row_as_headings=False, line_height=6.5,
                   padding=1.5, text_align=("LEFT", "RIGHT")) as grid:
        for label, value in summary:
            row = grid.row()
            row.cell(label)
            row.cell(value)
    pdf.set_y(pdf.h - 35)
    text(_("Printed on %(date)s", date=format_date(bangkok_today(), "long", locale=locale)), 10, align="C",
         color=(90, 90, 90), height=6)

    # ---------------------------------------------------------------- PLC hours
    pdf.add_page()
    heading(_("PLC hours"))
    if evidence.hours:
        subheading(_("By session"))
        table([_("Date"), _("Session"), _("Circle"), _("Mode"), _("Minutes")],
              [[format_date(r.date, locale=locale), r.session_title, r.circle_name,
                str(MEETING_MODE_LABELS.get(r.mode, r.mode)), str(r.minutes)] for r in evidence.hours],
              (24, 62, 48, 20, 20), align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"))
        subheading(_("By circle"))
        table([_("Circle"), _("Sessions"), _("Minutes"), _("Hours")],
              [[c.circle_name, str(c.sessions), str(c.minutes), _hours(c.minutes)] for c in evidence.circles]
              + [[_("Total"), str(len(evidence.hours)), str(evidence.total_minutes), _hours(evidence.total_minutes)]],
              (94, 26, 27, 27), align=("LEFT", "RIGHT", "RIGHT", "RIGHT"))
        text(_("In all: %(hours)s hours (%(minutes)s minutes)", hours=_hours(evidence.total_minutes),
               minutes=evidence.total_minutes), 11, bold=True, height=6)
    else:
        nothing()

    # ---------------------------------------------------------------- cycles
    heading(_("PLC cycles and my part in them"))
    if evidence.cycles:
        table([_("Cycle"), _("Circle"), _("My part"), _("Status"), _("Phase")],
              [[c.title, c.circle_name, ", ".join(labels["roles"].get(r, r) for r in c.roles),
                str(CYCLE_STATUS_LABELS.get(c.status, c.status)), c.phase(locale) or "–"] for c in evidence.cycles],
              (40, 32, 44, 28, 30))
        for cycle in evidence.cycles:
            if not cycle.outcomes:
                continue
            subheading(_("Outcomes of “%(cycle)s”", cycle=cycle.title))
            table([_("Measure"), _("Group"), _("Before (n, mean)"), _("After (n, mean)"), _("Effect size (g)")],
                  [[o.measure, o.group, f"{o.pre_n}, {_number(o.pre_mean)}", f"{o.post_n}, {_number(o.post_mean)}",
                    (f"{_number(o.effect_size)} ({labels['bands'].get(o.band, o.band)})"
                     if o.effect_size is not None else "–")] for o in cycle.outcomes],
                  (46, 30, 30, 30, 38), align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))
    else:
        nothing()

    # ---------------------------------------------------------------- lesson plans
    heading(_("Lesson plans"))
    if evidence.plans:
        table([_("Lesson plan"), _("Learning area and grade"), _("Revisions"), _("In this period"),
               _("Last revised")],
              [[p.title, " ".join(x for x in (p.learning_area, p.grade) if x) or "–", str(p.revisions),
                str(p.revisions_in_period), format_date(p.revised_on, locale=locale) or "–"] for p in evidence.plans],
              (60, 40, 20, 22, 32), align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"))
    else:
        nothing()

    # ---------------------------------------------------------------- reflections
    heading(_("Shared reflections"))
    if evidence.reflections:
        table([_("Date"), _("Reflection"), _("PLC cycle"), _("Shared with")],
              [[format_date(r.written_on, locale=locale), r.title, r.cycle_title,
                labels["visibilities"].get(r.visibility, r.visibility)] for r in evidence.reflections],
              (26, 64, 52, 32))
        text(_("Their full text is in the reflections folder of the pack."), 9, color=(100, 100, 100), height=5)
    else:
        nothing()

    # ---------------------------------------------------------------- coaching visits
    heading(_("Coaching visits received"))
    if evidence.visits:
        table([_("Date"), _("Coach"), _("Focus"), _("Follow-up")],
              [[format_date(v.held_on, locale=locale), v.coach_name, v.focus, v.follow_up or "–"]
               for v in evidence.visits], (26, 40, 60, 48))
    else:
        nothing()

    # ---------------------------------------------------------------- forums and certificates
    heading(_("Exchange forums"))
    if evidence.forums:
        table([_("Date"), _("Forum"), _("Organised by"), _("My part"), _("Minutes")],
              [[format_date(f.held_on, locale=locale), f.title, f.organiser(locale),
                (_("Presented: %(works)s", works=", ".join(f.presented)) if f.presented else _("Attended")),
                str(f.minutes)] for f in evidence.forums],
              (24, 50, 40, 44, 16), align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"))
    else:
        nothing()
    heading(_("Certificates"))
    if evidence.certificates:
        table([_("Forum"), _("Certificate"), _("Honour"), _("Verification code")],
              [[c.forum_title, labels["kinds"].get(c.kind, c.kind), c.honour or "–", c.code or "–"]
               for c in evidence.certificates], (50, 42, 46, 36))
    else:
        nothing()
    return bytes(pdf.output())
