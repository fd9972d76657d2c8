"""The PLC journey of issue 3 in a real browser, in Thai and in English (each in a fresh context).

A teacher creates a school circle, starts a cycle that applies the PAC Model and follows its steps
as phases, advances through the phases, records a DE checkpoint and an outcome (with its effect
size), is refused a bad outcome, and closes the cycle with its lessons learned. An outsider from
another network then gets a 404 for the cycle.

Expected UI text comes from the compiled catalogues through ``th()``/``en()``, exactly as the server
translates it, so the assertions hold whether or not a string is translated yet. The e2e conftest
compiles the catalogues before the live server starts, so both read the same ``.mo``.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.ui_text import en, pattern, th

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-pass-2567"
SCHOOL_A = "โรงเรียนท่าน้อย"
READING_GOAL = "นักเรียนชั้น ป.1–3 อ่านออกเขียนได้ และอ่านจับใจความได้ตามเกณฑ์ของชั้นเรียน"
LOGIN_URL = re.compile(r"/auth/login(\?.*)?$")
CYCLE_PATH = re.compile(r"^/cycles/\d+$")

# Cycle pages of the teacher's journeys, by language, for the outsider test.
CYCLE_PATHS: dict[str, str] = {}

def _pac_model() -> dict:
    data = yaml.safe_load((ROOT / "seeds" / "reference" / "innovations.yaml").read_text(encoding="utf-8"))
    entries = list(data.get("innovations") or []) + list(data.get("teaching_approaches") or [])
    return next(item for item in entries if item["id"] == "pac-model")


def pac_names(lang: str) -> tuple[str, list[str]]:
    """The PAC Model's display name and its phase names (InnovationVersion.display_name, InnovationStep.label)."""
    pac = _pac_model()
    steps = sorted(pac["steps"], key=lambda s: s["order"])
    if lang == "en":
        return pac["name"], [f"{s['code']} {s['label_en']}" for s in steps]
    return pac["name_th"], [f"{s['code']} {s['label_en']} – {s['text_th']}" for s in steps]


def expect_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def log_in(page: Page, email: str, t=th) -> None:
    page.goto("/auth/login")
    page.get_by_label(t("E-mail"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("Log in"), exact=True).click()
    expect(page).not_to_have_url(LOGIN_URL)


def flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def h1(page: Page):
    return page.get_by_role("heading", level=1)


# ---------------------------------------------------------------------------------------------


def run_teacher_journey(page: Page, lang: str) -> str:
    """The whole journey; returns the path of the closed cycle."""
    t = th if lang == "th" else en
    suffix = uuid.uuid4().hex[:6]
    pac_name, phases = pac_names(lang)
    assert len(phases) == 3, phases
    if lang == "th":
        circle_name = f"วง PLC การอ่าน ({lang}) {suffix}"
        title = f"พัฒนาการอ่านจับใจความ ป.3 ด้วย PAC Model {suffix}"
        problem = "นักเรียน ป.3 ร้อยละ 28 อ่านจับใจความได้ต่ำกว่าเกณฑ์"
        norms = "เริ่มตรงเวลา\nพูดถึงการเรียนรู้ของนักเรียน ไม่พูดถึงตัวบุคคล"
        reviewed = "ทบทวนแผนการจัดการเรียนรู้ตามขั้น PAC ก่อนสอน"
        measure, group = "แบบทดสอบการอ่านจับใจความ", "ทั้งห้อง"
        lessons = ["นักเรียนอ่านจับใจความได้ดีขึ้น ค่าเฉลี่ยเพิ่มขึ้น 6.4 คะแนน",
                   "นักเรียนเล่าเรื่องที่อ่านด้วยคำพูดของตนเองได้",
                   "เวลาในการสังเกตชั้นเรียนไม่เพียงพอ",
                   "ผู้บริหารสนับสนุนเวลาสำหรับวง PLC ทุกสัปดาห์",
                   "ขยายผลสู่ชั้น ป.4 ในภาคเรียนถัดไป"]
        learning_area_label = "ภาษาไทย"
    else:
        circle_name = f"Reading circle ({lang}) {suffix}"
        title = f"Reading comprehension in grade 3 with PAC {suffix}"
        problem = "28% of grade 3 students read below the expected level."
        norms = "We start on time.\nWe talk about students' learning, not about people."
        reviewed = "Reviewed the PAC lesson plans before teaching."
        measure, group = "Reading comprehension test", "Whole class"
        lessons = ["Reading comprehension improved: the mean rose by 6.4 points.",
                   "Students retell what they read in their own words.",
                   "Too little time for classroom observation.",
                   "The director gives the circle time every week.",
                   "Extend to grade 4 next semester."]
        learning_area_label = f"ภาษาไทย ({en('Thai language')})"

    # --- log in; in English switch with the language link first ----------------------------------
    log_in(page, "teacher@example.org")
    expect_lang(page, "th")
    if lang == "en":
        page.get_by_role("navigation", name=th("Language"), exact=True).get_by_role(
            "link", name="English", exact=True).click()
    expect_lang(page, lang)

    # --- Circles → a new school circle ------------------------------------------------------------
    page.get_by_role("navigation", name=t("Main menu"), exact=True).get_by_role(
        "link", name=t("Circles"), exact=True).click()
    expect(h1(page)).to_have_text(t("PLC circles"))
    page.get_by_role("link", name=t("New circle"), exact=True).first.click()
    expect(h1(page)).to_have_text(t("New PLC circle"))
    page.get_by_label(t("School or network"), exact=True).select_option(
        label=t("School: %(name)s", name=SCHOOL_A))
    page.get_by_label(t("Name of the circle"), exact=True).fill(circle_name)
    page.get_by_label(t("Learning area"), exact=True).select_option(label=learning_area_label)
    page.get_by_label(t("Norms (agreements every member accepts)"), exact=True).fill(norms)
    page.get_by_role("button", name=t("Create circle"), exact=True).click()

    expect(h1(page)).to_have_text(circle_name)
    expect(flash(page, t("The circle is ready. You facilitate it: add its members next."))).to_be_visible()
    expect(page.get_by_text(t("Thai language") if lang == "en" else "ภาษาไทย", exact=True)).to_be_visible()
    norms_region = page.get_by_role("region", name=t("Norms"), exact=True)
    for line in norms.splitlines():
        expect(norms_region.get_by_text(line, exact=True)).to_be_visible()
    accept = norms_region.get_by_role("button", name=t("I accept the norms"), exact=True)
    if accept.count():
        accept.click()
        norms_region = page.get_by_role("region", name=t("Norms"), exact=True)
    expect(norms_region.get_by_text(pattern(t, "You accepted these norms on %(date)s."))).to_be_visible()
    expect(norms_region.get_by_role("button", name=t("I accept the norms"), exact=True)).to_have_count(0)

    # --- start a cycle that applies the PAC Model and follows its steps ---------------------------
    page.get_by_role("link", name=t("Start a cycle"), exact=True).first.click()
    expect(h1(page)).to_have_text(t("Start a PLC cycle in %(circle)s", circle=circle_name))
    page.get_by_label(t("Title"), exact=True).fill(title)
    page.get_by_label(t("Problem or focus"), exact=True).fill(problem)

    goals = page.get_by_role("group", name=t("School goals it serves"), exact=True)
    goal = goals.get_by_role("checkbox", name=re.compile(re.escape(READING_GOAL)))
    goal.check()
    expect(goal).to_be_checked()

    innovations = page.get_by_role("group", name=t("Innovations and steps it applies"), exact=True)
    pac_summary = innovations.locator("summary").filter(has_text=re.compile(rf"^\s*{re.escape(pac_name)}\s+·"))
    expect(pac_summary).to_have_count(1)
    if not pac_summary.is_visible():  # behind "Other models in the library"
        innovations.locator("summary").filter(has_text=pattern(
            t, "Other models in the library: school processes, supervision, area offices (%(n)s)")).click()
    pac_summary.click()
    apply_pac = innovations.get_by_role("checkbox", name=pattern(
        t, "Apply %(name)s (version %(n)s)", name=pac_name), exact=True)
    apply_pac.check()
    expect(apply_pac).to_be_checked()
    step_boxes = innovations.get_by_role("group", name=t("Steps of %(name)s", name=pac_name), exact=True) \
        .get_by_role("checkbox")
    expect(step_boxes).to_have_count(3)
    for box in step_boxes.all():
        box.check()
        expect(box).to_be_checked()

    phase_group = page.get_by_role("group", name=t("Phases"), exact=True)
    phase_group.get_by_role("radio", name=t("The steps of an innovation"), exact=True).check()
    page.get_by_label(t("Follow the steps of"), exact=True).select_option(label=pac_name)
    page.get_by_role("button", name=t("Start the cycle"), exact=True).click()

    # --- the cycle page: three PAC phases, the first one current ----------------------------------
    expect(h1(page)).to_have_text(title)
    expect(page).to_have_url(re.compile(r"/cycles/\d+(#.*)?$"))
    cycle_path = urllib.parse.urlsplit(page.url).path
    assert CYCLE_PATH.match(cycle_path), page.url
    expect(flash(page, t("The cycle has started with its first phase."))).to_be_visible()
    expect(page.get_by_text(t("In progress"), exact=True)).to_be_visible()
    expect(page.get_by_text(t("the steps of %(name)s", name=pac_name), exact=True)).to_be_visible()
    applied = page.get_by_role("region", name=t("Innovations and steps applied"), exact=True)
    expect(applied.get_by_role("heading", name=re.compile(re.escape(pac_name)))).to_be_visible()
    expect(applied.get_by_role("listitem")).to_have_count(3)
    served = page.get_by_role("region", name=t("School goals it serves"), exact=True)
    expect(served.get_by_text(READING_GOAL)).to_be_visible()

    phase_region = page.get_by_role("region", name=t("Phases"), exact=True)
    items = phase_region.get_by_role("listitem")
    expect(items).to_have_count(3)
    for item, name in zip(items.all(), phases, strict=True):
        expect(item).to_contain_text(name)

    def expect_current(index: int) -> None:
        current = items.nth(index)
        expect(current).to_have_attribute("aria-current", "step")
        expect(current).to_contain_text(t("Current phase"))
        for done in range(index):
            expect(items.nth(done)).to_contain_text(t("Done"))
            expect(items.nth(done)).not_to_have_attribute("aria-current", "step")
        for upcoming in range(index + 1, len(phases)):
            expect(items.nth(upcoming)).to_contain_text(t("Upcoming"))
        expect(phase_region.get_by_text(
            t("%(done)s of %(total)s phases done.", done=str(index), total=str(len(phases))))).to_be_visible()

    expect_current(0)
    for index in (0, 1):
        phase_region.get_by_role("button", name=t(
            "Finish “%(this)s” and start “%(next)s”", this=phases[index], next=phases[index + 1]), exact=True).click()
        expect(flash(page, t("Next phase: %(name)s.", name=phases[index + 1]))).to_be_visible()
        expect_current(index + 1)
    last_phase_button = phase_region.get_by_role(
        "button", name=t("Finish the last phase, “%(this)s”", this=phases[2]), exact=True)
    expect(last_phase_button).to_be_visible()

    # --- a DE checkpoint upstream ------------------------------------------------------------------
    checkpoints = page.get_by_role("region", name=t("DE checkpoints"), exact=True)
    checkpoints.get_by_text(t("Record a DE checkpoint"), exact=True).click()
    checkpoints.get_by_label(t("Stage"), exact=True).select_option(label=t("Upstream (design)"))
    checkpoints.get_by_label(t("What was reviewed"), exact=True).fill(reviewed)
    checkpoints.get_by_role("button", name=t("Record checkpoint"), exact=True).click()
    expect(flash(page, t("The DE checkpoint is recorded."))).to_be_visible()
    checkpoints = page.get_by_role("region", name=t("DE checkpoints"), exact=True)
    entry = checkpoints.get_by_role("listitem").filter(has_text=reviewed)
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("strong")).to_have_text(t("Upstream (design)"))
    expect(entry).to_contain_text(t("Reviewed"))

    # --- an outcome and its effect size -------------------------------------------------------------
    outcomes = page.get_by_role("region", name=t("Outcomes and effect size"), exact=True)

    def record_outcome(name: str, post_sd: str) -> None:
        outcomes.get_by_text(t("Record an outcome"), exact=True).click()
        outcomes.get_by_label(t("Measure"), exact=True).fill(name)
        outcomes.get_by_label(t("Group of students"), exact=True).fill(group)
        for legend, (n, mean, sd) in ((t("Before the cycle (pre-test)"), ("30", "52.3", "10.1")),
                                      (t("After the cycle (post-test)"), ("30", "58.7", post_sd))):
            part = outcomes.get_by_role("group", name=legend, exact=True)
            part.get_by_label(t("Students (n)"), exact=True).fill(n)
            part.get_by_label(t("Average (mean)"), exact=True).fill(mean)
            part.get_by_label(t("Standard deviation (SD)"), exact=True).fill(sd)
        outcomes.get_by_role("button", name=t("Record and compute the effect size"), exact=True).click()

    record_outcome(measure, "9.4")
    # Hedges' g of these aggregates is 0.6475 → 0.65, above the 0.40 hinge point.
    expect(flash(page, t("The outcome is recorded: effect size %(g)s (Hedges' g).", g="0.65"))).to_be_visible()
    table = outcomes.get_by_role("table", name=t("Outcome measures"), exact=True)
    expect(table.get_by_role("rowheader")).to_have_count(1)
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=measure, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(group)
    expect(row.get_by_text("g = 0.65", exact=True)).to_be_visible()
    expect(row).to_contain_text(t("Above the 0.40 hinge point: the zone of desired effects"))
    expect(row).to_contain_text(t("At or above the 0.40 hinge point"))

    # --- a bad outcome (post SD 0) is refused with a localized message, and adds no row -----------
    bad_measure = f"{measure} – SD 0"
    record_outcome(bad_measure, "0")
    post = outcomes.get_by_role("group", name=t("After the cycle (post-test)"), exact=True)
    post_sd = post.get_by_label(t("Standard deviation (SD)"), exact=True)
    expect(post_sd).to_have_attribute("aria-invalid", "true")
    expect(post_sd).to_have_accessible_description(t("The standard deviation must be greater than 0."))
    expect(post.get_by_text(t("The standard deviation must be greater than 0."), exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=pattern(
        t, "The outcome is recorded: effect size %(g)s (Hedges' g)."))).to_have_count(0)
    expect(table.get_by_role("rowheader")).to_have_count(1)
    expect(table.get_by_role("rowheader", name=bad_measure, exact=True)).to_have_count(0)

    # --- lessons learned → confirmation → closed ---------------------------------------------------
    page.get_by_role("region", name=t("Lessons learned"), exact=True).get_by_role(
        "link", name=t("Record lessons learned and close"), exact=True).click()
    expect(h1(page)).to_have_text(t("Lessons learned (ถอดบทเรียน)"))
    expect(page.get_by_text(t("The cycle is still in the phase “%(name)s”. Closing ends it.", name=phases[2]),
                            exact=True)).to_be_visible()
    labels = [t("Results"), t("Picture of success"), t("Problems and obstacles"), t("Conditions for success"),
              t("Next steps")]
    for label, text in zip(labels, lessons, strict=True):
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_role("button", name=t("Review and close"), exact=True).click()

    expect(h1(page)).to_have_text(t("Close this cycle?"))
    expect(page.get_by_text(t(
        "“%(title)s” will be closed with these lessons learned. Its record stays for everyone who can see "
        "the circle, but it can no longer be changed.", title=title), exact=True)).to_be_visible()
    for text in lessons:
        expect(page.get_by_text(text, exact=True)).to_be_visible()
    page.get_by_role("button", name=t("Close the cycle"), exact=True).click()

    expect(h1(page)).to_have_text(title)
    expect(flash(page, t("The cycle is closed with its lessons learned. Share them with the network."))) \
        .to_be_visible()
    expect(page.get_by_text(t("This cycle is closed. Its record can be read but no longer changed."),
                            exact=True)).to_be_visible()
    expect(page.get_by_text(t("Closed"), exact=True)).to_be_visible()
    phase_region = page.get_by_role("region", name=t("Phases"), exact=True)
    items = phase_region.get_by_role("listitem")
    for item in items.all():
        expect(item).to_contain_text(t("Done"))
    expect(phase_region.get_by_role("button")).to_have_count(0)  # read-only: no advance button
    expect(page.get_by_role("button", name=pattern(t, "Finish the last phase, “%(this)s”"))).to_have_count(0)
    expect(page.get_by_text(t("Record a DE checkpoint"), exact=True)).to_have_count(0)
    expect(page.get_by_text(t("Record an outcome"), exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=t("Record lessons learned and close"), exact=True)).to_have_count(0)
    lessons_region = page.get_by_role("region", name=t("Lessons learned"), exact=True)
    for text in lessons:
        expect(lessons_region.get_by_text(text, exact=True)).to_be_visible()
    expect(page.get_by_role("table", name=t("Outcome measures"), exact=True)
           .get_by_text("g = 0.65", exact=True)).to_be_visible()

    # The circle lists the cycle as closed.
    page.get_by_role("navigation", name=t("Breadcrumb"), exact=True).get_by_role(
        "link", name=circle_name, exact=True).click()
    expect(h1(page)).to_have_text(circle_name)
    cycles = page.get_by_role("region", name=t("PLC cycles"), exact=True)
    expect(cycles.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(cycles.get_by_text(t("Closed: %(done)s of %(total)s phases done", done="3", total="3"))).to_be_visible()
    expect_lang(page, lang)
    return cycle_path


@pytest.mark.parametrize("lang", ["th", "en"])
def test_teacher_runs_a_pac_cycle_from_circle_to_lessons_learned(fresh_page, csp, lang):
    page = fresh_page()
    CYCLE_PATHS[lang] = run_teacher_journey(page, lang)
    csp.assert_clean()


def test_outsider_gets_404_for_the_cycle(fresh_page, csp):
    cycle_path = CYCLE_PATHS.get("th") or CYCLE_PATHS.get("en")
    if cycle_path is None:  # run on its own: make a cycle first
        cycle_path = run_teacher_journey(fresh_page(), "th")

    teacher = fresh_page()
    log_in(teacher, "teacher@example.org")
    response = teacher.goto(cycle_path)
    assert response is not None and response.status == 200
    title = h1(teacher).inner_text()

    page = fresh_page()
    log_in(page, "outsider@example.org")
    response = page.goto(cycle_path)
    assert response is not None and response.status == 404, response and response.status
    expect_lang(page, "th")
    expect(h1(page)).to_have_text(th("Page not found"))
    expect(page.get_by_text(f"{th('Error code')} 404")).to_be_visible()
    expect(page.get_by_text(title)).to_have_count(0)  # nothing about the cycle leaks
    csp.assert_clean()
