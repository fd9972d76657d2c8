"""Locale selection, Buddhist-Era dates, Thai digits and the Thai school calendar (DOMAIN §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from plc.clock import BANGKOK, bangkok_today  # noqa: F401  (re-exported: the callers say plc.i18n)

BE_OFFSET = 543
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
TH_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
TH_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
EN_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def select_locale() -> str:
    """``?lang=`` wins and is remembered in the session; then the user's setting; then Thai."""
    supported = current_app.config["PLC_LOCALES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    requested = request.args.get("lang")
    if requested in supported:
        session["lang"] = requested
        return requested
    if session.get("lang") in supported:
        return session["lang"]
    user = getattr(g, "api_user", None) or current_user
    if user is not None and user.is_authenticated and user.locale in supported:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    if not has_request_context():
        return "th"
    return str(get_locale() or "th")


def wants_thai_digits() -> bool:
    if not has_request_context():
        return False
    # Asked for every number a page shows (thousands on a dashboard): once per request is enough,
    # since the locale and the user are settled before anything renders.
    if "_plc_thai_digits" not in g:
        g._plc_thai_digits = current_locale() == "th" and bool(
            current_user and current_user.is_authenticated and current_user.thai_digits)
    return g._plc_thai_digits


def to_thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def localize_digits(value) -> str:
    text = "" if value is None else str(value)
    return to_thai_digits(text) if wants_thai_digits() else text


def be_year(year: int) -> int:
    return year + BE_OFFSET


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BANGKOK)


def format_date(value: date | datetime | None, style: str = "medium", locale: str | None = None) -> str:
    """``22 พ.ย. 2569`` in Thai (Buddhist Era), ``22 Nov 2026`` in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    locale = locale or current_locale()
    if locale == "th":
        months = TH_MONTHS if style == "long" else TH_MONTHS_SHORT
        text = f"{value.day} {months[value.month - 1]} {be_year(value.year)}"
    else:
        text = f"{value.day} {EN_MONTHS_SHORT[value.month - 1]} {value.year}"
    return localize_digits(text)


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    locale = locale or current_locale()
    clock = f"{local:%H:%M}" + (" น." if locale == "th" else "")
    return f"{format_date(local.date(), locale=locale)} {localize_digits(clock)}"


@dataclass(frozen=True, order=True)
class AcademicTerm:
    """A semester of the Thai academic year, written ``1/2568`` (semester/BE year)."""

    year_be: int
    semester: int

    def __str__(self) -> str:
        return f"{self.semester}/{self.year_be}"

    @property
    def starts_on(self) -> date:
        year = self.year_be - BE_OFFSET
        return date(year, 5, 16) if self.semester == 1 else date(year, 11, 1)

    @property
    def ends_on(self) -> date:
        year = self.year_be - BE_OFFSET
        return date(year, 10, 31) if self.semester == 1 else date(year + 1, 5, 15)

    @classmethod
    def parse(cls, text: str) -> AcademicTerm:
        semester, _, year = text.strip().partition("/")
        term = cls(int(year), int(semester))
        if term.semester not in (1, 2) or term.year_be < 2400:
            raise ValueError(f"not an academic term: {text!r}")
        return term

    def next(self) -> AcademicTerm:
        return AcademicTerm(self.year_be, 2) if self.semester == 1 else AcademicTerm(self.year_be + 1, 1)


def academic_term(day: date) -> AcademicTerm:
    """Semester 1 runs 16 May – 31 Oct, semester 2 from 1 Nov to 15 May (break included)."""
    if day >= date(day.year, 5, 16):
        semester = 1 if day < date(day.year, 11, 1) else 2
        return AcademicTerm(be_year(day.year), semester)
    return AcademicTerm(be_year(day.year - 1), 2)


def fiscal_year_be(day: date) -> int:
    """ปีงบประมาณ: October to September, named after the year in which it ends."""
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def language_url(code: str) -> str:
    """The current page in another language, keeping its query string. After a form POST the page
    has no address of its own, so the switch goes to the home page instead of a 405."""

    if request.method != "GET" or request.endpoint is None:
        return "/?" + urlencode({"lang": code})
    query = urlencode([*[(k, v) for k, v in request.args.items(multi=True) if k != "lang"], ("lang", code)])
    return f"{request.path}?{query}"


def register(app) -> None:
    app.add_template_global(language_url)
    app.add_template_filter(format_date, "be_date")
    app.add_template_filter(format_datetime, "be_datetime")
    app.add_template_filter(localize_digits, "digits")
    app.add_template_global(academic_term)
    app.add_template_global(bangkok_today)
    app.add_template_global(current_locale)
