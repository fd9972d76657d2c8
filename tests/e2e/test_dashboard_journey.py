"""The coordinator's four questions, answered from the network dashboard in a real browser, in Thai and
English; the CSV and XLSX downloads hold the page's numbers; the director and an area viewer see only
their own scope."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.test_journeys import log_in, main_nav
from tests.e2e.ui_text import en, th

pytestmark = pytest.mark.browser

N1_TH = "เครือข่ายโรงเรียนต้นแบบการจัดการเรียนรู้เชิงรุก"
SCHOOL_A = "โรงเรียนท่าน้อย"
AREA_VIEWER = "chatree.r@example.org"


def open_network_dashboard(page: Page, t=th) -> None:
    main_nav(page, t).get_by_role("link", name=t("Dashboards"), exact=True).click()
    page.get_by_role("link", name=re.compile(re.escape(t("Network: %(name)s", name="")))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(t("Network dashboard: %(name)s", name=""))


def summary_figure(page: Page, label: str) -> str:
    figures = page.locator("#summary-figures")
    exact = re.compile("^" + re.escape(label) + "$")
    return figures.locator("div", has=page.locator("dt", has_text=exact)).locator("dd").inner_text().strip()


def download(page: Page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return info.value.path().read_bytes()


def test_coordinator_answers_the_four_questions_in_thai_and_english(fresh_page, csp):
    page = fresh_page()
    log_in(page, "coordinator@example.org")
    open_network_dashboard(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(N1_TH)

    # 1. Which schools of my network have not held a PLC meeting this semester?
    no_meetings = page.locator('ul[aria-labelledby="no-meetings"]')
    expect(no_meetings.get_by_role("link").first).to_be_visible()
    assert SCHOOL_A not in no_meetings.inner_text()  # school A met this semester
    # 2. How many PLC hours, and who has none? (named: the coordinator manages N1's schools)
    expect(page.locator('ul[aria-labelledby="zero-hours"] li').first).to_be_visible()
    teachers = summary_figure(page, th("Teachers"))
    assert int(teachers) > 0
    # 3. Which innovations are in use where, with what effect size?
    innovations = page.locator("#table-innovations")
    expect(innovations.get_by_role("link", name=re.compile("PAC"))).to_be_visible()
    # 4. Which teachers have had no coaching visit?
    expect(page.get_by_text(th("Teachers visited"), exact=True).first).to_be_visible()

    # The charts are drawn (Chart.js, vendored) and every chart has its table beside it.
    expect(page.locator("canvas#chart-months[data-drawn='true']")).to_have_count(1)
    expect(page.locator("#table-months tbody tr").first).to_be_visible()

    # The CSV (Excel-ready, Thai intact) and the XLSX hold the page's numbers.
    schools_links = page.locator('section[aria-labelledby="schools-table"] .downloads')
    data = download(page, schools_links.get_by_role("link", name="CSV"))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=True))
    assert rows[-1][0] == th("Total") and total[th("Teachers")] == teachers
    assert any(row[0] == SCHOOL_A for row in rows)
    sheet = load_workbook(io.BytesIO(download(page, schools_links.get_by_role("link", name="XLSX")))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[-1][values[0].index(th("Teachers"))] == int(teachers)

    # The same answers in English, one click away.
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=2, name=en("Needs attention"))).to_be_visible()
    expect(page.get_by_role("heading", level=3, name=en("Schools with no PLC meeting in this period"))).to_be_visible()
    assert summary_figure(page, en("Teachers")) == teachers
    # Another semester is one choice away, and the figures follow it.
    page.get_by_label(en("Semester or academic year")).select_option(index=2)
    page.get_by_role("button", name=en("Show"), exact=True).click()
    expect(page).to_have_url(re.compile(r"term="))
    csp.assert_clean()


def test_director_and_area_viewer_see_their_scope_only(fresh_page, live_server, csp):
    page = fresh_page()
    log_in(page, "director@example.org")
    main_nav(page).get_by_role("link", name=th("Dashboards"), exact=True).click()
    links = page.locator(".dashboard-links a")
    expect(links).to_have_count(1)
    expect(links.first).to_have_text(th("School: %(name)s", name=SCHOOL_A))
    links.first.click()
    expect(page.locator("#table-teachers")).to_be_visible()  # the director's own teachers, by name
    network_url = page.locator("nav.breadcrumbs a").nth(1)  # school A's network dashboard is not theirs
    assert network_url.count() == 0
    response = page.goto("/dashboards/networks/1")
    assert response.status in (403, 404)

    other = fresh_page()
    log_in(other, AREA_VIEWER)
    main_nav(other).get_by_role("link", name=th("Dashboards"), exact=True).click()
    other.locator(".dashboard-links a").first.click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(th("Area office dashboard: %(name)s", name=""))
    expect(other.locator("#table-schools")).to_contain_text(SCHOOL_A)
    expect(other.locator("#table-teachers")).to_have_count(0)  # counts only: area staff manage no teachers
    csp.assert_clean()
