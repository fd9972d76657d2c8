"""The survey journey in a real browser, tried as a new user would, in Thai and in English.

1. The coordinator of network N1 (who manages its circle, so may build a survey for its sessions)
   opens the upcoming online session of the network circle, clicks “New survey for this session”,
   fills the form in Thai, adds three 5-level-scale questions and one long-text question through the
   "add a question" form and publishes the survey through the confirmation page.
2. Three teachers of the circle answer on a phone-sized page (390×844, touch), each in a fresh
   browser context: the menu is behind the menu button, the page fits the width, levels are picked
   by tapping their labels. One first sends with a question unanswered and sees “กรุณาตอบข้อนี้”
   beside it; one answers in English; one keeps a draft through a dropped connection and a reload.
3. With three respondents (fewer than SURVEY_MIN_GROUP = 5) the report shows only their number.
   Two more members of the circle answer; the report then shows n, x̄, S.D., the level, the Thai
   narrative and the chart; the CSV and XLSX downloads hold the items and the open answers but no
   respondent's name; the print view shows the Buddhist-Era year.

Expected UI text comes from the compiled catalogues through ``th()``/``en()``. No page of the
journey may break the Content Security Policy.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from plc.i18n import format_date
from tests.e2e.browsing import (
    bangkok_today,
    demo,
    demo_person,
    expect_lang,
    flash,
    h1,
    log_in,
    path_of,
)
from tests.e2e.ui_text import en, th
from tests.realtime_server import DEMO_PASSWORD

pytestmark = pytest.mark.browser

BUILDER = "coordinator@example.org"  # coordinator of N1: manages the network circle N1-spread
CIRCLE_KEY = "N1-spread"  # the network circle; its first demo session is always upcoming
PHONE_TEACHERS = ["teacher@example.org", "teacher2@example.org", "nattida.s@example.org"]
MORE_MEMBERS = ["piyanuch.s@example.org", "wilaiwan.d@example.org"]  # 4th and 5th respondents
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}
SURVEY_PATH = re.compile(r"^/surveys/(\d+)$")
SCALE = {5: "Very high", 4: "High", 3: "Moderate", 2: "Low", 1: "Very low"}

QUESTIONS = [
    "กิจกรรม PLC ออนไลน์ครั้งนี้ตรงกับปัญหาการจัดการเรียนรู้ในชั้นเรียนของท่าน",
    "ท่านได้แนวทางการสอนตามรูปแบบ 5 L ไปปรับใช้ในห้องเรียน",
    "ระยะเวลาในการประชุมออนไลน์มีความเหมาะสม",
]
COMMENT_PROMPT = "ข้อเสนอแนะเพิ่มเติม"
# Levels per respondent (PHONE_TEACHERS, then MORE_MEMBERS), for the three scale questions:
# Q1 5,5,4,5,5 → x̄ 4.80 S.D. 0.45; Q2 4,5,4,4,5 → 4.40 0.55; Q3 4,3,3,4,4 → 3.60 0.55;
# overall x̄ 4.27 (mean of means), S.D. 0.51 (mean of S.D.s) → "High".
LEVELS = [(5, 4, 4), (5, 5, 3), (4, 4, 3), (5, 4, 4), (5, 5, 4)]
COMMENTS = [
    "อยากให้มีตัวอย่างแผนการสอนขั้น Learning ให้ดูก่อนประชุมครั้งหน้า",
    "สัญญาณอินเทอร์เน็ตที่โรงเรียนไม่ค่อยดี ขอให้ส่งสไลด์ล่วงหน้าค่ะ",
    "ชอบที่ได้ฟังครูต่างโรงเรียนเล่าประสบการณ์ อยากให้จัดทุกเดือน",
    "ควรเพิ่มเวลาในการแลกเปลี่ยนเรื่องการวัดผลกลุ่มอ่อน",
    "ขอบคุณโค้ชที่ช่วยสะท้อนผลอย่างกัลยาณมิตร",
]






def session_title() -> str:
    return next(s for s in demo("work.yaml")["live_sessions"] if s["circle"] == CIRCLE_KEY)["title"]














def fits_the_width(page: Page) -> None:
    sizes = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1] + 1, f"{page.url} scrolls sideways: {sizes}"


# ---------------------------------------------------------------------------- finding the session


def find_session_and_members(live_server) -> tuple[int, set[str]]:
    """The demo session of the network circle (through the JSON API, as the builder) and the Thai
    names of the circle's current members."""
    token = live_server.api("POST", "/api/v1/auth/token", {"email": BUILDER, "password": DEMO_PASSWORD})["token"]
    title, found, page = session_title(), None, 1
    while found is None:
        listing = live_server.api("GET", f"/api/v1/live-sessions?per_page=100&page={page}", token=token)
        found = next((s for s in listing["items"] if s["title"] == title), None)
        if page >= listing["pages"]:
            break
        page += 1
    assert found is not None, f"demo session {title!r} not found"
    assert found["state"] == "scheduled", found
    circle = live_server.api("GET", f"/api/v1/circles/{found['circle']['id']}", token=token)
    assert circle["network_id"] is not None, circle  # a network circle
    return found["id"], {m["user"]["name_th"] for m in circle["members"]}


# ---------------------------------------------------------------------------- 1: building


def build_survey(page: Page, session_id: int, title: str) -> int:
    t = th
    page.goto(f"/live/{session_id}")
    expect(h1(page, session_title())).to_be_visible()
    page.get_by_role("link", name=t("New survey for this session"), exact=True).click()
    expect(h1(page, t("New survey"))).to_be_visible()
    expect(page.get_by_text(session_title(), exact=True)).to_be_visible()  # "For: <session>"

    today = bangkok_today()
    page.get_by_label(t("Title"), exact=True).fill(title)
    page.get_by_label(t("What it is for"), exact=True).fill("ประเมินความพึงพอใจของครูที่เข้าร่วม PLC ออนไลน์เครือข่าย")
    page.get_by_label(t("Opens on"), exact=True).fill(today.isoformat())
    page.get_by_label(t("Closes after"), exact=True).fill((today + timedelta(days=14)).isoformat())
    expect(page.get_by_label(t("Anonymous answers (the report never shows who answered what)"),
                             exact=True)).to_be_checked()
    page.get_by_role("button", name=t("Create the draft"), exact=True).click()

    expect(h1(page, title)).to_be_visible()
    expect(flash(page, t("The survey is a draft. Add its questions, then publish it."))).to_be_visible()
    match = SURVEY_PATH.match(path_of(page))
    assert match, page.url
    expect(page.locator("p.meta")).to_contain_text(f"{t('Session')}: {session_title()}")

    items = page.locator("ol.survey-items > li")
    for number, (kind, prompt) in enumerate([("5-level scale", q) for q in QUESTIONS]
                                            + [("Long answer", COMMENT_PROMPT)], start=1):
        adder = page.locator("details.form-details")
        if adder.get_attribute("open") is None:  # folded once the section has a question
            adder.get_by_text(t("Add a question to this section"), exact=True).click()
        adder.get_by_label(t("Kind of question"), exact=True).select_option(label=t(kind))
        adder.get_by_label(t("Question"), exact=True).fill(prompt)
        required = adder.get_by_label(t("An answer is required"), exact=True)
        expect(required).to_be_checked()
        if kind == "Long answer":
            required.uncheck()
        adder.get_by_role("button", name=t("Add the question"), exact=True).click()
        expect(items).to_have_count(number)
        expect(items.nth(number - 1)).to_contain_text(prompt)
        expect(items.nth(number - 1)).to_contain_text(t(kind))
    expect(items.nth(3)).to_contain_text(t("optional"))

    page.get_by_role("link", name=t("Publish…"), exact=True).click()
    expect(h1(page, t("Publish the survey?"))).to_be_visible()
    expect(page.get_by_text(t("Answers are anonymous: the report never shows who answered what."))).to_be_visible()
    page.get_by_role("button", name=t("Yes, publish it"), exact=True).click()
    expect(h1(page, title)).to_be_visible()
    expect(flash(page, t("The survey is published."))).to_be_visible()
    expect(page.locator(".title-row .badge")).to_have_text(t("Open"))
    expect(page.get_by_text(t("%(n)s people have answered.", n="0"), exact=True)).to_be_visible()
    return int(match.group(1))


# ---------------------------------------------------------------------------- 2: answering


def question(page: Page, prompt: str):
    """The fieldset of one question (its legend is the prompt, then "(required)")."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(prompt)))


def level_radio(page: Page, t, prompt: str, level: int):
    return question(page, prompt).get_by_role("radio", name=f"{level} {t(SCALE[level])}", exact=True)


def pick(page: Page, t, prompt: str, level: int, touch: bool = True) -> None:
    """Taps (or clicks) the label of a level, as a respondent does."""
    radio = level_radio(page, t, prompt, level)
    name = f"{level} {t(SCALE[level])}"
    label = question(page, prompt).locator("label.scale-choice").filter(
        has=page.get_by_role("radio", name=name, exact=True))
    if touch:
        label.tap()
    else:
        label.click()
    expect(radio).to_be_checked()


def open_survey_from_menu(page: Page, t, title: str, phone: bool) -> None:
    nav = page.get_by_role("navigation", name=t("Main menu"), exact=True)
    link = nav.get_by_role("link", name=t("Surveys"), exact=True)
    if phone:  # folded behind the menu button
        toggle = page.get_by_role("button", name=t("Menu"), exact=True)
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(link).to_be_hidden()
        toggle.tap()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        link.tap()
    else:
        link.click()
    expect(h1(page, t("Surveys"))).to_be_visible()
    listed = page.get_by_role("region", name=t("Surveys for you to answer"), exact=True)
    entry = listed.get_by_role("listitem").filter(has_text=title)
    expect(entry).to_contain_text(t("Open"))
    entry.get_by_role("link", name=title, exact=True).click()
    expect(h1(page, title)).to_be_visible()
    assert re.match(r"^/surveys/\d+/respond$", path_of(page)), page.url


def send_and_thank(page: Page, t, title: str) -> None:
    page.get_by_role("button", name=t("Send my answers"), exact=True).click()
    expect(h1(page, t("Thank you"))).to_be_visible()
    expect(page.get_by_text(t("Your answers to “%(title)s” are recorded.", title=title))).to_be_visible()
    expect(page.get_by_text(t("They are anonymous: nobody can see which answers are yours."))).to_be_visible()


def answer_plainly(page: Page, t, title: str, levels, comment: str, phone: bool = True) -> None:
    for prompt, level in zip(QUESTIONS, levels, strict=True):
        pick(page, t, prompt, level, touch=phone)
    question(page, COMMENT_PROMPT).get_by_role("textbox").fill(comment)
    send_and_thank(page, t, title)


def answer_leaving_one_out(page: Page, title: str, levels, comment: str) -> None:
    """Sends with the second question unanswered, sees the Thai message beside it, completes it."""
    t = th
    pick(page, t, QUESTIONS[0], levels[0])
    pick(page, t, QUESTIONS[2], levels[2])
    question(page, COMMENT_PROMPT).get_by_role("textbox").fill(comment)
    page.get_by_role("button", name=t("Send my answers"), exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(t("Please answer the questions marked below."))
    missing = question(page, QUESTIONS[1])
    expect(missing.locator("ul.errors")).to_have_text("กรุณาตอบข้อนี้")
    expect(missing).to_have_accessible_description(t("Answer this question."))
    expect(page.locator(".survey-question.has-error")).to_have_count(1)
    fits_the_width(page)
    # What was given is still there.
    expect(level_radio(page, t, QUESTIONS[0], levels[0])).to_be_checked()
    expect(level_radio(page, t, QUESTIONS[2], levels[2])).to_be_checked()
    expect(question(page, COMMENT_PROMPT).get_by_role("textbox")).to_have_value(comment)

    pick(page, t, QUESTIONS[1], levels[1])
    send_and_thank(page, t, title)


def answer_through_a_dropped_connection(page: Page, title: str, levels, comment: str) -> None:
    """The draft is saved on the server, the connection drops, the page is reloaded: still chosen."""
    t = th
    status = page.locator("#autosave-status")
    pick(page, t, QUESTIONS[0], levels[0])
    expect(status).to_have_text(re.compile("^(" + re.escape(t("Saved on this device only")) + "|"
                                           + re.escape(t("Saving…")) + "|" + re.escape(t("Saved")) + ")"))
    expect(status).to_have_text(re.compile("^" + re.escape(t("Saved")) + r" · \d\d:\d\d$"), timeout=12_000)
    expect(status).to_contain_text("บันทึกแล้ว")

    page.context.set_offline(True)
    pick(page, t, QUESTIONS[1], levels[1])
    expect(status).to_have_text(t("Offline: saved on this device only. It will be sent when you are back online."))
    page.context.set_offline(False)
    page.reload()
    expect(h1(page, title)).to_be_visible()
    expect(level_radio(page, t, QUESTIONS[0], levels[0])).to_be_checked()  # from the server's draft
    expect(level_radio(page, t, QUESTIONS[1], levels[1])).to_be_checked()  # kept on the device
    expect(level_radio(page, t, QUESTIONS[2], levels[2])).not_to_be_checked()

    pick(page, t, QUESTIONS[2], levels[2])
    question(page, COMMENT_PROMPT).get_by_role("textbox").fill(comment)
    send_and_thank(page, t, title)
    # Sent: the copy kept on this (perhaps shared) device is dropped (the thanks page names it).
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('plc-survey-'))",
                           timeout=5_000)


def phone_teacher(fresh_page, email: str, lang: str, title: str, index: int) -> None:
    t = th if lang == "th" else en
    page = fresh_page(**PHONE)
    log_in(page, email, lang)
    open_survey_from_menu(page, t, title, phone=True)
    fits_the_width(page)
    labels = question(page, QUESTIONS[0]).locator("label.scale-choice")
    if lang == "en":
        expect(labels).to_have_text(["5 Very high", "4 High", "3 Moderate", "2 Low", "1 Very low"])
        expect(page.get_by_role("button", name="Send my answers", exact=True)).to_be_visible()
    else:
        expect(labels.first).to_have_text("5 มากที่สุด")
        expect(labels).to_have_text([f"{level} {th(SCALE[level])}" for level in SCALE])
    levels, comment = LEVELS[index], COMMENTS[index]
    if index == 0:
        answer_leaving_one_out(page, title, levels, comment)
    elif index == 2:
        answer_through_a_dropped_connection(page, title, levels, comment)
    else:
        answer_plainly(page, t, title, levels, comment)
    fits_the_width(page)
    expect_lang(page, lang)


# ---------------------------------------------------------------------------- 3: the report


def open_report(page: Page, survey_id: int, title: str) -> None:
    page.goto(f"/surveys/{survey_id}")
    page.get_by_role("link", name=th("Report"), exact=True).click()
    expect(h1(page, f"{th('Report')}: {title}")).to_be_visible()


def names_of(emails) -> list[str]:
    people = [demo_person(email) for email in emails]
    return [p["name_th"] for p in people] + [p["name_en"] for p in people] + list(emails)


def expect_counts_only(page: Page, survey_id: int, title: str, respondents: int) -> None:
    open_report(page, survey_id, title)
    body = page.locator("section.card")
    expect(body).to_contain_text(th("Respondents: %(n)s", n=str(respondents)))
    expect(body.locator("p.notice")).to_have_text(th(
        "Results are shown from %(n)s respondents, so that nobody's answers can be told apart. Until then only "
        "the number of respondents is shown.", n="5"))
    text = body.inner_text()
    for hidden in ["5.00", "4.67", "x̄", "S.D.", *COMMENTS]:
        assert hidden not in text, f"{hidden!r} shown with {respondents} respondents"
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.locator("canvas")).to_have_count(0)
    csv_text = page.request.get(f"/surveys/{survey_id}/report.csv").text()
    assert th("Results are shown from %(n)d respondents.", n=5) in csv_text, csv_text
    assert not any(comment in csv_text for comment in COMMENTS), csv_text


def expect_full_report(page: Page, survey_id: int, title: str, respondents: list[str]) -> None:
    open_report(page, survey_id, title)
    body = page.locator("section.card")
    expect(body).to_contain_text(th("Respondents: %(n)s", n="5"))
    table = page.get_by_role("table", name=th("Satisfaction assessment results"), exact=True)
    expected = [("4.80", "0.45", "Very high"), ("4.40", "0.55", "High"), ("3.60", "0.55", "High")]
    for number, (prompt, (mean, sd, level)) in enumerate(zip(QUESTIONS, expected, strict=True), start=1):
        row = table.get_by_role("row").filter(has_text=prompt)
        expect(row.get_by_role("cell")).to_have_text([str(number), prompt, "5", mean, sd, th(level)])
    overall = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=th("Overall"), exact=True))
    expect(overall.get_by_role("cell")).to_have_text(["4.27", "0.51", th("High")])

    narrative = body.locator("p.survey-narrative")
    expect(narrative).to_contain_text("ในภาพรวมได้รับการประเมินอยู่ในระดับ")
    expect(narrative).to_have_text(
        th("Overall, the assessment is at the level “%(label)s” (x̄ = %(mean)s, S.D. = %(sd)s). The item rated "
           "highest is %(items)s, with a mean of %(high)s.", label=th("High"), mean="4.27", sd="0.51",
           items=QUESTIONS[0], high="4.80")
        + " " + th("The item rated lowest is %(items)s, with a mean of %(low)s.", items=QUESTIONS[2], low="3.60"))
    expect(page.locator('canvas[data-drawn="true"]')).to_have_count(1)
    answers = body.locator("ul.open-answers > li")
    expect(answers).to_have_count(len(COMMENTS))
    for comment in COMMENTS:
        expect(answers.filter(has_text=comment)).to_have_count(1)
    text = body.inner_text()
    assert not [name for name in respondents if name in text], "a respondent is named in the report"

    # --- the downloads -----------------------------------------------------------------------------
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"survey-{survey_id}-report.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # a BOM, for Excel to read the Thai text
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert [th("Survey"), title] in rows and [th("Respondents"), "5"] in rows, rows[:4]
    for number, (prompt, (mean, sd, level)) in enumerate(zip(QUESTIONS, expected, strict=True), start=1):
        row = next(r for r in rows if prompt in r)
        assert row[1:7] == [str(number), prompt, "5", mean, sd, th(level)], row
    assert all(comment in cells for comment in COMMENTS)
    assert not [name for name in respondents if any(name in cell for cell in cells)], "a respondent in the CSV"

    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"survey-{survey_id}-report.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    cells = [str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell is not None]
    assert title in cells and all(prompt in cells for prompt in QUESTIONS), cells[:20]
    assert "4.80" in cells and "4.27" in cells and all(comment in cells for comment in COMMENTS)
    assert not [name for name in respondents if any(name in cell for cell in cells)], "a respondent in the XLSX"

    # --- the print view -----------------------------------------------------------------------------
    page.get_by_role("link", name=th("Print view (A4)"), exact=True).click()
    assert path_of(page) == f"/surveys/{survey_id}/report/print", page.url
    expect(h1(page, title)).to_be_visible()
    today = bangkok_today()
    printed = page.locator("p.printed-on")
    expect(printed).to_have_text(th("Printed on %(day)s", day=format_date(today, "long", locale="th")))
    expect(printed).to_contain_text(str(today.year + 543))
    expect(printed).not_to_contain_text(str(today.year))
    expect(page.get_by_text(th("%(start)s to %(end)s", start=format_date(today, locale="th"),
                               end=format_date(today + timedelta(days=14), locale="th")))).to_be_visible()
    expect(page.get_by_role("table", name=th("Satisfaction assessment results"), exact=True)).to_be_visible()
    expect(page.locator("canvas")).to_have_count(0)


# ---------------------------------------------------------------------------- the test


def test_a_coordinator_builds_a_session_survey_teachers_answer_on_phones_and_the_report(
        fresh_page, live_server, csp):
    session_id, members = find_session_and_members(live_server)
    respondents = PHONE_TEACHERS + MORE_MEMBERS
    for email in respondents:
        assert demo_person(email)["name_th"] in members, f"{email} is not a current member of the circle"
    for email in PHONE_TEACHERS:
        assert [m["role"] for m in demo_person(email)["memberships"]] == ["teacher"], email
    title = f"ผลการประเมินความพึงพอใจผู้เข้าร่วม PLC ออนไลน์เครือข่าย ({uuid.uuid4().hex[:6]})"

    builder = fresh_page()
    log_in(builder, BUILDER)
    survey_id = build_survey(builder, session_id, title)

    for index, email in enumerate(PHONE_TEACHERS):
        phone_teacher(fresh_page, email, "en" if index == 1 else "th", title, index)

    expect_counts_only(builder, survey_id, title, respondents=3)

    for index, email in enumerate(MORE_MEMBERS, start=len(PHONE_TEACHERS)):
        page = fresh_page()
        log_in(page, email)
        open_survey_from_menu(page, th, title, phone=False)
        answer_plainly(page, th, title, LEVELS[index], COMMENTS[index], phone=False)

    expect_full_report(builder, survey_id, title, names_of(respondents))
    expect_lang(builder, "th")
    csp.assert_clean()
