from datetime import UTC, date, datetime

import pytest

from plc.i18n import AcademicTerm, academic_term, fiscal_year_be, format_date, format_datetime, to_thai_digits


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (date(2025, 5, 16), "1/2568"),
        (date(2025, 10, 31), "1/2568"),
        (date(2025, 11, 1), "2/2568"),
        (date(2026, 3, 31), "2/2568"),
        (date(2026, 5, 15), "2/2568"),
        (date(2026, 5, 16), "1/2569"),
        (date(2026, 11, 22), "2/2569"),
        (date(2024, 1, 10), "2/2566"),
    ],
)
def test_academic_term_follows_the_thai_school_year(day, term):
    assert str(academic_term(day)) == term


def test_academic_term_bounds_parse_and_next():
    term = AcademicTerm.parse("2/2568")
    assert (term.starts_on, term.ends_on) == (date(2025, 11, 1), date(2026, 5, 15))
    assert term.next() == AcademicTerm(2569, 1)
    assert AcademicTerm.parse("1/2569").starts_on == date(2026, 5, 16)
    assert academic_term(term.starts_on) == term and academic_term(term.ends_on) == term
    for bad in ("3/2568", "1-2568", "x/2568", "1/68"):
        with pytest.raises(ValueError):
            AcademicTerm.parse(bad)


@pytest.mark.parametrize(("day", "year"), [(date(2025, 9, 30), 2568), (date(2025, 10, 1), 2569), (date(2026, 1, 5), 2569)])
def test_fiscal_year_runs_october_to_september(day, year):
    assert fiscal_year_be(day) == year


def test_buddhist_era_dates_in_thai_and_gregorian_in_english():
    day = date(2026, 11, 22)
    assert format_date(day, locale="th") == "22 พ.ย. 2569"
    assert format_date(day, style="long", locale="th") == "22 พฤศจิกายน 2569"
    assert format_date(day, locale="en") == "22 Nov 2026"
    assert format_date(None) == ""


def test_datetimes_are_shown_in_bangkok_time():
    moment = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)  # 01:30 on the 22nd in Bangkok
    assert format_datetime(moment, locale="th") == "22 พ.ย. 2569 01:30 น."
    assert format_datetime(moment, locale="en") == "22 Nov 2026 01:30"


def test_thai_digits():
    assert to_thai_digits("1/2568") == "๑/๒๕๖๘"


def test_thai_digits_follow_the_user_setting(world, login_as, in_db):
    from plc.models import User

    client = login_as("teacher")
    html = client.get("/").get_data(as_text=True)
    assert "๒๕" not in html
    with in_db() as session:
        session.get(User, world.teacher.id).thai_digits = True
    html = client.get("/").get_data(as_text=True)
    assert "๒๕" in html, "the Buddhist-Era year should be in Thai digits"
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "๒๕" not in html, "Thai digits are for the Thai interface only"
