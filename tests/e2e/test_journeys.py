"""User journeys in a real browser against the live server with demo data (DESIGN §6 accounts).

Thai is the default language. Expected UI text comes from the compiled catalogue through
``th()``, exactly as the server translates it, so these tests hold both before and after the
Thai translations are filled in; locale-independent facts (``<html lang>``, the language link,
Thai demo data) are checked as well.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui_text import en, th

pytestmark = pytest.mark.browser

PASSWORD = "demo-pass-2567"
SCHOOL_A = "โรงเรียนท่าน้อย"
SCHOOL_A_EN = "Tha Noi School"
N1_EN = "Active Learning Model Schools Network"
TEACHER_TH = "สุดารัตน์ เพชรรักษ์"
TEACHER_EN = "Sudarat Phetrak"
SCHOOL_A_COLLEAGUES_EN = ["Theerawat Chuchuaynak", "Nattida Sukkasem", "Wichai Thongkhao", "Kanokwan Rattanaphan"]
THAI = re.compile(r"[\u0E00-\u0E7F]")
LOGIN_URL = re.compile(r"/auth/login(\?.*)?$")
HOME_URL = re.compile(r"^http://127\.0\.0\.1:\d+/(\?.*)?$")

def expect_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def main_nav(page: Page, t=th):
    return page.get_by_role("navigation", name=t("Main menu"), exact=True)


def log_in(page: Page, email: str, password: str = PASSWORD, t=th) -> None:
    """Log in through the form; the page must be on (or redirected to) the login page."""
    if not LOGIN_URL.search(page.url):
        page.goto("/auth/login")
    page.get_by_label(t("E-mail"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    expect(page).not_to_have_url(LOGIN_URL)


def log_out(page: Page, t=th) -> None:
    page.get_by_role("button", name=t("Log out"), exact=True).click()
    expect(page).to_have_url(LOGIN_URL)


# --- (a) ---------------------------------------------------------------------------------------

def test_teacher_logs_in_in_thai_switches_to_english_browses_and_logs_out(fresh_page, csp):
    page = fresh_page()
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)  # anonymous visitors are sent to the login form
    expect_lang(page, "th")
    expect(page.get_by_role("heading", level=1)).to_have_text(th("Log in"))
    expect(page.get_by_role("navigation", name=th("Language"))
           .get_by_role("link", name="English", exact=True)).to_be_visible()

    log_in(page, "teacher@example.org")
    expect(page).to_have_url(HOME_URL)
    expect_lang(page, "th")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(th("Hello, %(name)s", name=TEACHER_TH))
    assert THAI.search(heading.inner_text()), "the home page heading should be in Thai"
    my_roles = page.get_by_role("region", name=th("My roles"), exact=True)
    expect(my_roles.get_by_role("link", name=SCHOOL_A, exact=True)).to_be_visible()

    # Switch to English with the language link; the choice sticks for the rest of the session.
    page.get_by_role("link", name="English", exact=True).click()
    expect_lang(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(en("Hello, %(name)s", name=TEACHER_EN))
    expect(page.get_by_role("link", name="ภาษาไทย", exact=True)).to_be_visible()

    # Organisation browser: networks → network → school. On a wide screen the menu is always shown.
    expect(main_nav(page, en)).to_be_visible()
    main_nav(page, en).get_by_role("link", name="Networks", exact=True).click()
    expect(page).to_have_url(re.compile(r"/networks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Networks")
    expect_lang(page, "en")
    page.get_by_role("link", name=N1_EN, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(N1_EN)
    expect(page.get_by_role("heading", name=re.compile(r"^Schools \(\d+\)$"))).to_be_visible()
    page.get_by_role("link", name=SCHOOL_A_EN, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SCHOOL_A_EN)
    expect(page.locator("p[lang=th]", has_text=SCHOOL_A)).to_be_visible()

    people = page.locator("section", has=page.get_by_role("heading", name="People", exact=True))
    for name in [TEACHER_EN, *SCHOOL_A_COLLEAGUES_EN]:
        expect(people.get_by_role("link", name=name, exact=True)).to_be_visible()

    # A reflection draft kept on this (shared) device is forgotten at logout; other keys stay.
    page.evaluate("""() => { localStorage.setItem('plc-reflection-7-new-0', '{"results":"ร่าง"}');
                             localStorage.setItem('unrelated-key', 'stays'); }""")
    log_out(page, en)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    assert page.evaluate("() => [localStorage.getItem('plc-reflection-7-new-0'), "
                         "localStorage.getItem('unrelated-key')]") == [None, "stays"]

    # The session is really over.
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    csp.assert_clean()


# --- (b) ---------------------------------------------------------------------------------------

def test_outsider_gets_404_for_a_school_of_another_network(fresh_page, live_server, csp):
    school_a = live_server.school_id(SCHOOL_A)
    page = fresh_page()
    page.goto("/auth/login")
    log_in(page, "outsider@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text(th("Hello, %(name)s", name="จันทร์เพ็ญ คำมูล"))

    response = page.goto(f"/schools/{school_a}")
    assert response is not None and response.status == 404
    expect_lang(page, "th")
    expect(page.get_by_role("heading", level=1)).to_have_text(th("Page not found"))
    expect(page.get_by_text(f"{th('Error code')} 404")).to_be_visible()
    expect(page.get_by_text(SCHOOL_A)).to_have_count(0)  # nothing about the school leaks

    # The teacher of school A does see it (the id is right; the 404 is the tenant boundary).
    other = fresh_page()
    other.goto("/auth/login")
    log_in(other, "teacher@example.org")
    response = other.goto(f"/schools/{school_a}")
    assert response is not None and response.status == 200
    expect(other.get_by_role("heading", level=1)).to_have_text(SCHOOL_A)
    csp.assert_clean()


# --- (c) ---------------------------------------------------------------------------------------

def test_director_invites_a_teacher_who_sets_a_thai_password(fresh_page, csp):
    email = f"new.teacher.{uuid.uuid4().hex[:8]}@example.org"
    name_th = "มานี มีนา"
    password = "ฝนตกที่ทุ่งนาตอนเช้าวันจันทร์ ๒๕๖๙"

    director = fresh_page()
    director.goto("/auth/login")
    log_in(director, "director@example.org")
    director.get_by_role("link", name=th("Invite a person"), exact=True).click()
    expect(director.get_by_role("heading", level=1)).to_have_text(th("Invite a person"))
    director.get_by_label(th("E-mail"), exact=True).fill(email)
    director.get_by_label(th("Name (Thai)"), exact=True).fill(name_th)
    director.get_by_label(th("School or network"), exact=True).select_option(
        label=th("School: %(name)s", name=SCHOOL_A))
    director.get_by_label(th("Role"), exact=True).select_option("teacher")
    director.get_by_role("button", name=th("Create invitation"), exact=True).click()

    expect(director.get_by_role("heading", level=1)).to_have_text(th("Invitation for %(name)s", name=name_th))
    link_field = director.get_by_label(th("Invitation link"), exact=True)
    link = link_field.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/auth/invitation/[^/?#\s]+", link), link

    invitee = fresh_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(th("Welcome, %(name)s", name=name_th))
    invitee.get_by_label(th("New password"), exact=True).fill(password)
    invitee.get_by_label(th("Repeat the new password"), exact=True).fill(password)
    invitee.get_by_role("button", name=th("Set password and log in"), exact=True).click()
    expect(invitee).to_have_url(HOME_URL)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(th("Hello, %(name)s", name=name_th))
    expect(invitee.get_by_text(th("Welcome! Your password is set."))).to_be_visible()
    my_roles = invitee.get_by_role("region", name=th("My roles"), exact=True)
    expect(my_roles).to_contain_text(th("Teacher"))
    expect(my_roles.get_by_role("link", name=SCHOOL_A, exact=True)).to_be_visible()

    # The link works once.
    response = invitee.goto(link)
    assert response is not None and response.status == 404
    expect(invitee.get_by_role("heading", level=1)).to_have_text(th("This link is not valid"))

    # And the Thai password is a real password: log in with it from another browser.
    again = fresh_page()
    again.goto("/auth/login")
    log_in(again, email, password)
    expect(again.get_by_role("heading", level=1)).to_have_text(th("Hello, %(name)s", name=name_th))
    csp.assert_clean()


# --- (d) ---------------------------------------------------------------------------------------

def _has_no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_phone_viewport_login_fits_and_menu_toggles(fresh_page, csp):
    page = fresh_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/auth/login")
    expect(page.get_by_role("heading", level=1)).to_have_text(th("Log in"))
    assert _has_no_horizontal_scroll(page), page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")

    log_in(page, "teacher@example.org")
    expect(page).to_have_url(HOME_URL)
    assert _has_no_horizontal_scroll(page)
    menu = page.get_by_label(th("Menu"), exact=True)
    networks_link = main_nav(page).get_by_role("link", name=th("Networks"), exact=True)
    log_out_button = page.get_by_role("button", name=th("Log out"), exact=True)
    expect(menu).to_be_visible()
    # Whatever state the menu starts in on a phone, the toggle must open and close it.
    started_open = networks_link.is_visible()
    for want_open in (not started_open, started_open, not started_open, started_open):
        menu.tap()
        if want_open:
            expect(networks_link).to_be_visible()
            expect(log_out_button).to_be_visible()
        else:
            expect(networks_link).to_be_hidden()
            expect(log_out_button).to_be_hidden()
    assert _has_no_horizontal_scroll(page)

    if not networks_link.is_visible():
        menu.tap()
    networks_link.tap()
    expect(page).to_have_url(re.compile(r"/networks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(th("Networks"))
    csp.assert_clean()


# --- (e) ---------------------------------------------------------------------------------------

def test_no_csp_violations_on_the_pages_of_the_app(fresh_page, live_server, csp):
    """Scripts, styles and htmx all load under the strict CSP, in both languages, logged in and out."""
    school_a = live_server.school_id(SCHOOL_A)
    page = fresh_page()
    visited: list[str] = []

    def visit(path: str, status: int = 200) -> None:
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        visited.append(path)

    def follow(link) -> None:
        link.click()
        page.wait_for_load_state("load")
        visited.append(page.url)

    visit("/auth/login")
    visit("/auth/invitation/not-a-real-token", 404)
    log_in(page, "director@example.org")
    for lang in ("th", "en"):
        visit(f"/?lang={lang}")
        expect_lang(page, lang)
        for path in ("/networks", "/schools", f"/schools/{school_a}", f"/schools?q={SCHOOL_A}",
                     "/people", "/people/invite", "/profile"):
            visit(path)
        visit("/no-such-page", 404)
        visit("/networks")
        follow(page.locator("main table a[href^='/networks/']").first)
        expect(page).to_have_url(re.compile(r"/networks/\d+$"))
        visit("/people")
        follow(page.locator("main table a[href^='/people/']").first)
        expect(page).to_have_url(re.compile(r"/people/\d+$"))
    assert len(visited) >= 26
    csp.assert_clean()
