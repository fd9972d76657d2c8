"""The exchange-forum journey in a real browser, tried as a new user would, in Thai and in English: a
forum is held, two schools present, the panel selects one, its teachers download their certificates.

The demo data (seeds/demo/surveys.yaml, section ``forums``) holds network N1's forum at the upcoming
online session of the network circle, organised by the session's host (the coach), with two
panelists and two presentations already submitted: school A's (its teacher agreed to the public
showcase) and school B's (its teacher did not).

1. The organiser opens “เวทีแลกเปลี่ยนเรียนรู้” from the menu, then the forum, and sees both schools'
   presentations, the rubric and the panel.
2. A teacher of school A opens the submission form and submits a second work with a Thai title
   (the demo's deadline is the day after seeding).
3. A teacher of school B asks a question on school A's work through the feedback form: it appears
   under its Thai kind label.
4. Each panelist scores every criterion of every presentation through the scoring form: a score above
   the criterion's maximum first shows the Thai message and is not saved, then a correct one is.
5. The organiser opens the results (A first), honours A from the results page; the good-practice
   badge then shows on A's presentation, on school A's page and on the PLC cycle A presented.
6. The public showcase, read without logging in, shows A's work and neither B's nor the new one.
7. The session is online and has not happened, so nobody has attendance: participation comes from
   presenting (``forums.entitlements``), recognition from the honoured work. School A's teacher
   downloads the Thai certificate of recognition, school B's the English certificate of
   participation; each PDF is read back with pypdf.

Expected UI text comes from the compiled catalogues through ``th()``/``en()``. No page of the
journey may break the Content Security Policy.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from plc.i18n import BE_OFFSET, TH_MONTHS_SHORT, format_date
from plc.services.forums import DEFAULT_CRITERIA, DEFAULT_HONOUR
from tests.e2e.browsing import LOGIN_URL, demo, demo_person, expect_lang, flash, h1, log_in, path_of
from tests.e2e.ui_text import en, th

pytestmark = pytest.mark.browser

ORGANISER = "coach@example.org"  # host of the forum's session
PANEL = ["wilaiwan.d@example.org", "coordinator@example.org"]
TEACHER_A = "teacher@example.org"  # presented school A's work, agreed to the showcase
TEACHER_B = "teacher2@example.org"  # presented school B's work, did not agree
TIMEOUT = 20_000  # ms: another test run may be using the CPU
FORUM_PATH = re.compile(r"^/forums/(\d+)$")
SUBMISSION_PATH = re.compile(r"^/forum-submissions/(\d+)$")

NEW_TITLE = "การใช้เกมบัตรคำพัฒนาการเขียนคำควบกล้ำ ป.2 ต่อยอดจากวง PLC"
NEW_SUMMARY = "ครูในวงออกแบบเกมบัตรคำจับคู่คำควบกล้ำ ร ล ว ทดลองใช้สองสัปดาห์ และเก็บคำที่นักเรียนเขียนผิดก่อนและหลัง"
QUESTION = "นิทานพื้นบ้านเมืองนครที่ใช้ยาวกี่หน้า และนักเรียนกลุ่มอ่อนใช้เวลาอ่านนานเท่าไรคะ"
CRITERIA = [name for name, _max in DEFAULT_CRITERIA]
MAX_SCORE = 5  # every criterion of the default rubric
# Scores per panelist for A, B and the new work (criteria in rubric order):
# A 19 and 18 → 18.50 (5.00 4.50 4.50 4.50); B 14 and 13 → 13.50 (3.50 3.50 3.50 3.00);
# new 12 and 10 → 11.00 (3.00 2.50 3.00 2.50).
SCORES = {
    PANEL[0]: {"A": (5, 5, 4, 5), "B": (4, 3, 4, 3), "new": (3, 3, 3, 3)},
    PANEL[1]: {"A": (5, 4, 5, 4), "B": (3, 4, 3, 3), "new": (3, 2, 3, 2)},
}
RESULTS = {"A": ("18.50", ["5.00", "4.50", "4.50", "4.50"]), "B": ("13.50", ["3.50", "3.50", "3.50", "3.00"]),
           "new": ("11.00", ["3.00", "2.50", "3.00", "2.50"])}


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=TIMEOUT)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other journeys


# ---------------------------------------------------------------------------- the demo data






def demo_school(key: str) -> dict:
    return next(s for s in demo("demo.yaml")["schools"] if s["key"] == key)


def demo_network(key: str) -> dict:
    return next(n for n in demo("demo.yaml")["networks"] if n["key"] == key)


def demo_forum() -> dict:
    (forum,) = demo("surveys.yaml")["forums"]
    return forum


def demo_submission(school: str) -> dict:
    return next(s for s in demo_forum()["submissions"] if s["school"] == school)


def demo_cycle_title(key: str) -> str:
    return next(c for c in demo("plc.yaml")["cycles"] if c["key"] == key)["title"]


@dataclass
class Work:
    """One presentation of the forum: its title, school and page."""

    title: str
    school: str  # Thai name of the presenting school
    id: int = 0

    @property
    def path(self) -> str:
        return f"/forum-submissions/{self.id}"


# ---------------------------------------------------------------------------- page helpers










def open_page(fresh_page) -> Page:
    page = fresh_page()
    page.set_default_timeout(TIMEOUT)
    page.set_default_navigation_timeout(30_000)
    return page



def detail(page: Page, term: str):
    """The <dd> of a description list entry."""
    return page.locator("dl.details div").filter(has=page.locator("dt", has_text=re.compile(
        "^" + re.escape(term) + "$"))).locator("dd")


def open_work(page: Page, forum_id: int, forum_title: str, work: Work) -> None:
    """A presentation, opened from the forum's list of presentations."""
    page.goto(f"/forums/{forum_id}")
    expect(h1(page, forum_title)).to_be_visible()
    page.locator("table").get_by_role("link", name=work.title, exact=True).click()
    expect(h1(page, work.title)).to_be_visible()
    assert path_of(page) == work.path, page.url


# ---------------------------------------------------------------------------- 1: the organiser


def open_the_forum(page: Page, forum_title: str, works: list[Work]) -> tuple[int, date]:
    """From the menu to the forum; both presentations listed. Returns the forum's id and day."""
    t = th
    nav = page.get_by_role("navigation", name=t("Main menu"), exact=True)
    nav.get_by_role("link", name=t("Forums"), exact=True).click()
    expect(nav.get_by_role("link", name="เวทีแลกเปลี่ยนเรียนรู้", exact=True)).to_have_attribute(
        "aria-current", "page")
    expect(h1(page, t("Exchange forums"))).to_be_visible()
    page.get_by_role("link", name=forum_title, exact=True).click()
    expect(h1(page, forum_title)).to_be_visible()
    match = FORUM_PATH.match(path_of(page))
    assert match, page.url

    expect(page.locator("p.meta")).to_contain_text(demo_person(ORGANISER)["name_th"])
    for action in ("Settings", "Panel", "Results of the panel", "My certificates"):
        expect(page.get_by_role("link", name=t(action), exact=True)).to_be_visible()
    # An online session: there is no onsite attendance to record, presenting earns participation.
    expect(detail(page, t("Where"))).to_have_text(t("Online"))
    held = re.search(r"(\d{1,2}) (\S+) (\d{4})", detail(page, t("When")).inner_text())
    assert held, detail(page, t("When")).inner_text()
    held_on = date(int(held.group(3)) - BE_OFFSET, TH_MONTHS_SHORT.index(held.group(2)) + 1, int(held.group(1)))

    rubric = page.get_by_role("region", name=t("Scoring rubric"), exact=True)
    for name in CRITERIA:
        expect(rubric.get_by_role("row").filter(has_text=name).get_by_role("cell")).to_have_text([name, "5"])
    for email in PANEL:
        expect(rubric.get_by_role("listitem").filter(has_text=demo_person(email)["name_th"])).to_have_count(1)

    listed = page.get_by_role("region", name=t("Presentations (%(n)s)", n="2"), exact=True)
    rows = listed.locator("tbody tr")
    expect(rows).to_have_count(2)
    for work in works:
        row = rows.filter(has=page.get_by_role("link", name=work.title, exact=True))
        expect(row.get_by_role("cell").nth(1)).to_have_text(work.school)
        href = row.get_by_role("link", name=work.title, exact=True).get_attribute("href")
        found = SUBMISSION_PATH.match(href or "")
        assert found, href
        work.id = int(found.group(1))
    # Both presentations open for the organiser.
    for work in works:
        page.goto(work.path)
        expect(h1(page, work.title)).to_be_visible()
        expect(page.locator("p.meta")).to_contain_text(work.school)
    return int(match.group(1)), held_on


# ---------------------------------------------------------------------------- 2: a second work of A


def submit_a_second_work(page: Page, forum_id: int, forum_title: str, school_a: str) -> Work:
    t = th
    page.goto(f"/forums/{forum_id}")
    page.get_by_role("link", name=t("Submit your school's work"), exact=True).click()
    expect(h1(page, t("Submit your school's work"))).to_be_visible()
    assert path_of(page) == f"/forums/{forum_id}/submissions/new", page.url
    expect(page.locator("section.card p.muted").first).to_contain_text(forum_title)
    school = page.get_by_label(t("Presenting school"), exact=True)
    expect(school.locator("option")).to_have_text([school_a])  # her only school of the forum
    expect(page.get_by_label(t("Title of the presentation"), exact=True)).to_be_empty()
    consent = page.get_by_label(t("If this work is honoured, I agree to show it in the public showcase"),
                                exact=True)
    expect(consent).not_to_be_checked()

    page.get_by_label(t("Title of the presentation"), exact=True).fill(NEW_TITLE)
    page.get_by_label(t("Summary of the work"), exact=True).fill(NEW_SUMMARY)
    page.get_by_role("button", name=t("Submit"), exact=True).click()

    expect(h1(page, NEW_TITLE)).to_be_visible()
    expect(flash(page, t("Your school's work is submitted to the forum."))).to_be_visible()
    match = SUBMISSION_PATH.match(path_of(page))
    assert match, page.url
    expect(page.locator("p.meta")).to_contain_text(school_a)
    expect(page.locator("p.meta")).to_contain_text(demo_person(TEACHER_A)["name_th"])
    expect(page.get_by_role("region", name=t("Public showcase"), exact=True)).to_contain_text(
        t("You have not agreed to show this work in the public showcase."))
    page.get_by_role("navigation", name=t("Breadcrumb"), exact=True).get_by_role(
        "link", name=forum_title, exact=True).click()
    expect(page.get_by_role("region", name=t("Presentations (%(n)s)", n="3"), exact=True)
           .get_by_role("link", name=NEW_TITLE, exact=True)).to_be_visible()
    return Work(NEW_TITLE, school_a, int(match.group(1)))


# ---------------------------------------------------------------------------- 3: feedback


def ask_a_question(page: Page, forum_id: int, forum_title: str, work: Work, asker: str) -> None:
    t = th
    open_work(page, forum_id, forum_title, work)
    feedback = page.get_by_role("region", name=t("Feedback (%(n)s)", n="2"), exact=True)
    expect(feedback.locator("ol.comment-thread > li")).to_have_count(2)  # from the demo data
    kinds = feedback.get_by_role("group", name=t("Kind of feedback"), exact=True)
    expect(kinds.get_by_role("radio")).to_have_count(3)
    question = kinds.get_by_role("radio", name=f"{t('Question')} — {t('Something you want to understand')}",
                                 exact=True)
    question.check()
    expect(question).to_be_checked()
    feedback.get_by_label(t("Your feedback on this work"), exact=True).fill(QUESTION)
    feedback.get_by_role("button", name=t("Give feedback"), exact=True).click()

    expect(flash(page, t("Thank you for your feedback."))).to_be_visible()
    assert path_of(page) == work.path and page.url.endswith("#feedback"), page.url
    thread = page.get_by_role("region", name=t("Feedback (%(n)s)", n="3"), exact=True).locator(
        "ol.comment-thread > li")
    expect(thread).to_have_count(3)
    mine = thread.filter(has_text=QUESTION)
    expect(mine).to_have_count(1)
    expect(mine.locator(".comment-kind")).to_have_text(f"? {t('Question')}")
    expect(mine.locator(".comment-kind")).to_contain_text("คำถาม")
    expect(mine.locator(".comment-head strong")).to_have_text(demo_person(asker)["name_th"])


# ---------------------------------------------------------------------------- 4: the panel


def score_input(page: Page, name: str):
    scoring = page.get_by_role("region", name=th("Your scores"), exact=True)
    return scoring.get_by_label(f"{name} ({th('0 to %(max)s', max=str(MAX_SCORE))})", exact=True)


def score_a_work(page: Page, forum_id: int, forum_title: str, work: Work, scores: tuple[int, ...],
                 too_high: int | None) -> None:
    """Scores every criterion; with ``too_high`` (a criterion's index), first sends a score above its
    maximum and checks the Thai message and that nothing was saved."""
    t = th
    open_work(page, forum_id, forum_title, work)
    scoring = page.get_by_role("region", name=t("Your scores"), exact=True)
    for name in CRITERIA:
        expect(score_input(page, name)).to_have_value("")  # not scored yet
    if too_high is not None:
        for index, (name, value) in enumerate(zip(CRITERIA, scores, strict=True)):
            score_input(page, name).fill(str(MAX_SCORE + 2 if index == too_high else value))
        scoring.get_by_role("button", name=t("Save my scores"), exact=True).click()
        expect(page.get_by_role("alert")).to_have_text(t("Please correct the scores marked below."))
        wrong = score_input(page, CRITERIA[too_high])
        message = t("Give a whole number from 0 to %(max)d.", max=MAX_SCORE)
        assert message.startswith("ให้คะแนนเป็นจำนวนเต็มตั้งแต่ 0 ถึง 5"), message
        expect(wrong).to_have_attribute("aria-invalid", "true")
        expect(wrong).to_have_accessible_description(message)
        expect(scoring.locator("ul.errors")).to_have_text([message])  # only that criterion
        expect(wrong).to_have_value(str(MAX_SCORE + 2))  # what was typed is kept to correct
        # Not saved: the page read afresh has no scores of this panelist.
        page.goto(work.path)
        for name in CRITERIA:
            expect(score_input(page, name)).to_have_value("")
    for name, value in zip(CRITERIA, scores, strict=True):
        score_input(page, name).fill(str(value))
    scoring.get_by_role("button", name=t("Save my scores"), exact=True).click()
    expect(flash(page, t("Your scores are saved."))).to_be_visible()
    assert path_of(page) == work.path and page.url.endswith("#scoring"), page.url
    page.reload()
    for name, value in zip(CRITERIA, scores, strict=True):
        expect(score_input(page, name)).to_have_value(str(value))


# ---------------------------------------------------------------------------- 5: results and honour


def honour_the_best(page: Page, forum_id: int, forum_title: str, works: dict[str, Work]) -> None:
    t = th
    page.goto(f"/forums/{forum_id}")
    page.get_by_role("link", name=t("Results of the panel"), exact=True).click()
    expect(h1(page, f"{t('Results of the panel')}: {forum_title}")).to_be_visible()
    table = page.get_by_role("table", name=t("Ranking"), exact=True)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    honour_button = re.compile(r"^\s*" + re.escape(t("Honour as good practice")))
    for rank, key in enumerate(["A", "B", "new"], start=1):
        work, (total, per_criterion) = works[key], RESULTS[key]
        expect(rows.nth(rank - 1).get_by_role("cell")).to_have_text(
            [str(rank), work.title, work.school, f"{total} / 20", *per_criterion, "2", honour_button])

    rows.nth(0).get_by_role("button", name=honour_button).click()  # no confirmation asked
    expect(h1(page, f"{t('Results of the panel')}: {forum_title}")).to_be_visible()
    expect(flash(page, t("The work is honoured: “%(honour)s”.", honour=DEFAULT_HONOUR))).to_be_visible()
    first = rows.nth(0)
    expect(first).to_contain_text(works["A"].title)
    expect(first.locator(".badge-honour")).to_have_text(f"★ {t('Good practice')}")
    expect(first).to_contain_text(DEFAULT_HONOUR)
    expect(first.get_by_role("button", name=re.compile("^" + re.escape(t("Withdraw the honour"))))).to_be_visible()
    for other in (rows.nth(1), rows.nth(2)):
        expect(other.locator(".badge-honour")).to_have_count(0)
        expect(other.get_by_role("button", name=honour_button)).to_be_visible()

    # On the forum page and on the presentation.
    page.get_by_role("link", name=t("Back to the forum"), exact=True).click()
    listed = page.get_by_role("region", name=t("Presentations (%(n)s)", n="3"), exact=True)
    expect(listed.locator("tbody tr").filter(has_text=works["A"].title).locator(".badge-honour")).to_have_count(1)
    expect(listed.locator(".badge-honour")).to_have_count(1)
    listed.get_by_role("link", name=works["A"].title, exact=True).click()
    expect(page.locator(".title-row .badge-honour")).to_have_text(f"★ {t('Good practice')}")
    expect(page.locator("p.honour-notice")).to_contain_text(DEFAULT_HONOUR)


def expect_good_practice(page: Page, forum_title: str) -> None:
    badges = page.get_by_role("list", name=th("Honoured as good practice"), exact=True)
    expect(badges.get_by_role("listitem")).to_have_count(1)
    expect(badges).to_contain_text(th("Good practice"))
    expect(badges).to_contain_text(DEFAULT_HONOUR)
    expect(badges).to_contain_text(th("at the forum “%(forum)s”", forum=forum_title))


# ---------------------------------------------------------------------------- 7: certificates

# What survives of a PDF's text for comparison: Thai letters and marks, Thai and Arabic digits,
# Latin letters and spaces. fpdf2's shaped Thai text extracts with a stray character after the vowel
# ำ (SARA AM: a control character or "%", depending on the line), and a long line may wrap; both
# the extracted text and the expected strings are reduced the same way before comparing.
NOT_KEPT = re.compile(r"[^\u0E01-\u0E3A\u0E40-\u0E4E\u0E50-\u0E590-9A-Za-z ]+")


def comparable(text: str) -> str:
    return " ".join(NOT_KEPT.sub(" ", text).split())


def download_certificate(page: Page, forum_id: int, kind_label: str, filename: str) -> str:
    entry = page.get_by_role("listitem").filter(has=page.locator("strong", has_text=re.compile(
        "^" + re.escape(kind_label) + "$")))
    expect(entry).to_have_count(1)
    with page.expect_download(timeout=30_000) as info:
        entry.get_by_role("link", name=re.compile(r"PDF")).click()
    download = info.value
    assert download.suggested_filename == filename, download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF"), data[:10]
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def recognition_in_thai(page: Page, forum_id: int, forum_title: str, work: Work, held_on: date,
                        organiser: str) -> None:
    t = th
    page.goto(f"/forums/{forum_id}")
    page.get_by_role("link", name=t("My certificates"), exact=True).click()
    expect(h1(page, t("My certificates"))).to_be_visible()
    entries = page.locator("section.card ul.plain-list > li")
    expect(entries).to_have_count(2)  # participation (she presented) and recognition (honoured work)
    expect(entries.filter(has_text=t("Certificate of participation"))).to_have_count(1)
    recognition = entries.filter(has_text=t("Certificate of recognition"))
    expect(recognition).to_contain_text(work.title)
    expect(recognition).to_contain_text(DEFAULT_HONOUR)
    expect(recognition.get_by_role("link", name=t("Download (PDF)"), exact=True)).to_have_attribute(
        "href", f"/forums/{forum_id}/certificates/recognition.pdf?submission={work.id}")

    text = comparable(download_certificate(page, forum_id, t("Certificate of recognition"),
                                           f"certificate-{forum_id}-recognition.pdf"))
    for expected in (t("Certificate of Recognition"), demo_person(TEACHER_A)["name_th"], forum_title,
                     DEFAULT_HONOUR, t("organised by %(organiser)s", organiser=organiser),
                     format_date(held_on, "long", locale="th"), str(held_on.year + BE_OFFSET)):
        assert comparable(expected) in text, f"{expected!r} not in the certificate: {text!r}"
    assert "เกียรติบัตร" in text, text


def participation_in_english(page: Page, forum_id: int, forum_title: str, held_on: date, organiser: str) -> None:
    t = en
    page.goto(f"/forums/{forum_id}?lang=en")
    expect_lang(page, "en")
    expect(h1(page, forum_title)).to_be_visible()
    page.get_by_role("link", name=t("My certificates"), exact=True).click()
    expect(h1(page, "My certificates")).to_be_visible()
    entries = page.locator("section.card ul.plain-list > li")
    expect(entries).to_have_count(1)  # B presented, B was not honoured
    expect(entries).to_contain_text("Certificate of participation")

    text = comparable(download_certificate(page, forum_id, "Certificate of participation",
                                           f"certificate-{forum_id}-participation.pdf"))
    # The English certificate gives the English name and, like every English page, the Gregorian year.
    for expected in ("Certificate of Participation", demo_person(TEACHER_B)["name_en"], forum_title,
                     f"organised by {organiser}", f"Given on {format_date(held_on, locale='en')}",
                     str(held_on.year)):
        assert comparable(expected) in text, f"{expected!r} not in the certificate: {text!r}"
    assert "Recognition" not in text and DEFAULT_HONOUR not in text, text
    expect_lang(page, "en")


# ---------------------------------------------------------------------------- the test


def test_a_forum_is_held_two_schools_present_the_panel_selects_one_and_certificates(
        fresh_page, live_server, csp):
    forum_data, network = demo_forum(), demo_network("N1")
    forum_title = forum_data["title"]
    assert forum_data["organiser"] == ORGANISER and forum_data["panel"] == PANEL
    school_a, school_b = demo_school("A")["name_th"], demo_school("B")["name_th"]
    a, b = demo_submission("A"), demo_submission("B")
    assert (a["by"], a["consent"], b["by"], b["consent"]) == (TEACHER_A, True, TEACHER_B, False)
    works = {"A": Work(a["title"], school_a), "B": Work(b["title"], school_b)}

    # 1. The organiser finds the forum and both schools' presentations.
    organiser = open_page(fresh_page)
    log_in(organiser, ORGANISER)
    forum_id, held_on = open_the_forum(organiser, forum_title, [works["A"], works["B"]])

    # 2. A teacher of school A submits a second work while submissions are open.
    teacher_a = open_page(fresh_page)
    log_in(teacher_a, TEACHER_A)
    works["new"] = submit_a_second_work(teacher_a, forum_id, forum_title, school_a)

    # 3. A teacher of school B asks a question on school A's work.
    teacher_b = open_page(fresh_page)
    log_in(teacher_b, TEACHER_B)
    ask_a_question(teacher_b, forum_id, forum_title, works["A"], TEACHER_B)
    teacher_b.goto(works["B"].path)
    expect(teacher_b.get_by_role("region", name=th("Public showcase"), exact=True)).to_contain_text(
        th("You have not agreed to show this work in the public showcase."))

    # 4. The panel scores every presentation; each panelist first sends one score too high.
    for number, email in enumerate(PANEL):
        panelist = open_page(fresh_page)
        log_in(panelist, email)
        for key in ("A", "B", "new"):
            score_a_work(panelist, forum_id, forum_title, works[key], SCORES[email][key],
                         too_high=number if key == "A" else None)

    # 5. The organiser ranks and honours A; the badge shows where A's work is linked.
    honour_the_best(organiser, forum_id, forum_title, works)
    organiser.goto(f"/schools/{live_server.school_id(school_a)}")
    expect(h1(organiser, school_a)).to_be_visible()
    expect_good_practice(organiser, forum_title)
    organiser.goto(f"/schools/{live_server.school_id(school_b)}")
    expect(h1(organiser, school_b)).to_be_visible()
    expect(organiser.get_by_role("list", name=th("Honoured as good practice"), exact=True)).to_have_count(0)

    teacher_a.goto(works["A"].path)
    cycle_title = demo_cycle_title(a["cycle"])
    teacher_a.locator("dl.details").get_by_role("link", name=cycle_title, exact=True).click()
    expect(h1(teacher_a, cycle_title)).to_be_visible()
    expect_good_practice(teacher_a, forum_title)

    # 6. The public showcase, without logging in.
    public = open_page(fresh_page)
    public.goto("/showcase")
    expect(public).not_to_have_url(LOGIN_URL)
    expect(h1(public, th("Showcase of good practice"))).to_be_visible()
    items = public.locator("li.showcase-item")
    expect(items).to_have_count(1)
    expect(items.get_by_role("heading", level=2)).to_have_text(works["A"].title)
    expect(items).to_contain_text(DEFAULT_HONOUR)
    expect(items).to_contain_text(school_a)
    expect(items).to_contain_text(demo_person(TEACHER_A)["name_th"])
    for hidden in (works["B"].title, works["new"].title, QUESTION):  # B's teacher did not agree; not honoured
        expect(public.get_by_text(hidden)).to_have_count(0)
    expect(public.locator('a[href^="/forum-submissions/"], a[href^="/forums/"]')).to_have_count(0)

    # 7. Certificates: A's teacher in Thai (recognition), B's teacher in English (participation).
    recognition_in_thai(teacher_a, forum_id, forum_title, works["A"], held_on, network["name_th"])
    participation_in_english(teacher_b, forum_id, forum_title, held_on, network["name_en"])

    expect_lang(organiser, "th")
    csp.assert_clean()
