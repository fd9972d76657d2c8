"""Certificates as PDF: an A4 landscape page in Thai (or English) for someone who took part in a forum
or whose work a forum recognised as good practice, the date in the Buddhist Era, and a verification
code. The Sarabun font (plc/static/vendor/fonts/, SIL OFL) is embedded as a subset, and the text is
shaped by HarfBuzz so that Thai vowels and tone marks sit where they belong.

Needs an app context (the strings come from the Babel catalogue, in the locale asked for)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from plc.i18n import format_date

# fontTools logs each step of subsetting the fonts at INFO: some sixty lines for every certificate.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "static" / "vendor" / "fonts"
FONT_FAMILY = "Sarabun"
FONT_FILES = {"": FONTS / "Sarabun_400Regular.ttf", "B": FONTS / "Sarabun_700Bold.ttf"}

KINDS = ("participation", "recognition")

PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # A4 landscape, in mm
MARGIN = 28


def _texts(kind: str, *, recipient: str, forum_title: str, held_on: date, organiser: str, code: str,
           locale: str) -> dict[str, str]:
    with force_locale(locale):
        if kind == "recognition":
            heading = _("Certificate of Recognition")
            body = _("whose work was selected as good practice at the forum “%(forum)s”", forum=forum_title)
        else:
            heading = _("Certificate of Participation")
            body = _("has taken part in the forum “%(forum)s”", forum=forum_title)
        return {
            "heading": heading,
            "certify": _("This is to certify that"),
            "body": body,
            "organiser": _("organised by %(organiser)s", organiser=organiser),
            "date": _("Given on %(date)s", date=format_date(held_on, "long", locale=locale)),
            "code": _("Verification code %(code)s", code=code),
        }


def certificate_pdf(*, recipient: str, kind: str, forum_title: str, held_on: date, organiser: str, code: str,
                    honour: str | None = None, locale: str = "th") -> bytes:
    """The certificate as PDF bytes. ``kind`` is "participation" or "recognition"; ``honour`` (free text,
    such as the award's name) is printed under the recognition line, and not on a participation one."""
    if kind not in KINDS:
        raise ValueError(f"not a kind of certificate: {kind!r}")
    texts = _texts(kind, recipient=recipient, forum_title=forum_title, held_on=held_on,
                   organiser=organiser, code=code, locale=locale)

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"{texts['heading']}: {recipient}")
    pdf.set_author(organiser)
    pdf.set_subject(forum_title)
    pdf.set_creator("PLC")
    pdf.set_lang(locale)
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, path)
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(120, 90, 30)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, PAGE_WIDTH - 28, PAGE_HEIGHT - 28)

    def line(text: str, size: float, *, bold: bool = False, height: float | None = None,
             color: tuple[int, int, int] = (0, 0, 0)) -> None:
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.multi_cell(0, height or size * 0.5, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_y(38)
    line(texts["heading"], 34, bold=True, color=(120, 90, 30))
    pdf.ln(10)
    line(texts["certify"], 18)
    pdf.ln(4)
    line(recipient, 30, bold=True)
    pdf.ln(6)
    line(texts["body"], 18)
    if kind == "recognition" and honour:
        pdf.ln(1)
        line(honour, 18, bold=True)
    pdf.ln(2)
    line(texts["organiser"], 16)
    pdf.ln(10)
    line(texts["date"], 16)

    pdf.set_y(PAGE_HEIGHT - 30)
    line(texts["code"], 10, color=(80, 80, 80))
    return bytes(pdf.output())
