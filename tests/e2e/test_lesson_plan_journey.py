"""The lesson-plan and coaching journey in a real browser, in Thai and in English (fresh contexts).

1. A teacher writes a lesson plan (แผนการจัดการเรียนรู้) in Thai for one of her cycles through the page
   form; the live preview shows the Markdown rendered as she types.
2. A colleague of the same circle finds the plan and posts a suggestion in Thai.
3. The author sees the suggestion, revises the plan with a revision message, opens the history and
   sees the diff between the two revisions (the removed and the added Thai line).
4. A coach plans a visit with the teacher (focus, what to observe, date), records the observation,
   both write their reflection after the visit, and the visit shows as held on the coach's calendar.

An outsider from another network then gets a 404 for the plan and its history.

Expected UI text comes from the compiled catalogues through ``th()``/``en()``, exactly as the server
translates it, so the assertions hold whether or not a string is translated yet. Every actor works in
their own browser context and switches the language with the language link after logging in.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import bangkok_today, demo, expect_lang, flash, log_in, path_of
from tests.e2e.ui_text import catalogue, en, th

pytestmark = pytest.mark.browser

AUTHOR = "teacher@example.org"  # facilitates the circle A-thai and runs its cycle A-thai-5l-s2
COLLEAGUE = "nattida.s@example.org"  # a member of the same circle
COACH = "coach@example.org"  # coach of network N1, to which the author's school belongs
OUTSIDER = "outsider@example.org"  # a teacher of network N2
CIRCLE_KEY, CYCLE_KEY = "A-thai", "A-thai-5l-s2"
PLAN_PATH = re.compile(r"^/lesson-plans/\d+$")
VISIT_PATH = re.compile(r"^/coaching/visits/\d+$")

# Plan pages of the journeys, by language, for the outsider test.
PLAN_PATHS: dict[str, str] = {}


def plural(t, singular: str, plural_: str, num: int) -> str:
    """``ngettext`` of the language of ``t`` (th or en), with ``num`` filled in."""
    locale = "th" if t is th else "en"
    return catalogue(locale).ngettext(singular, plural_, num) % {"num": num}




def person(email: str, lang: str) -> str:
    """The display name of a demo person (User.display_name)."""
    found = next(p for p in demo("demo.yaml")["people"] if p["email"] == email)
    return found["name_en"] if lang == "en" and found.get("name_en") else found["name_th"]


def cycle_title() -> str:
    return next(c for c in demo("plc.yaml")["cycles"] if c["key"] == CYCLE_KEY)["title"]


def cycle_option() -> str:
    """The label of the demo cycle in the cycle selects (plan and visit forms): "<cycle> · <circle>"."""
    circle = next(c for c in demo("plc.yaml")["circles"] if c["key"] == CIRCLE_KEY)
    return f"{cycle_title()} · {circle['name']}"








def menu(page: Page, t, name: str) -> None:
    page.get_by_role("navigation", name=t("Main menu"), exact=True).get_by_role(
        "link", name=t(name), exact=True).click()




def h1(page: Page, name: str | re.Pattern):
    """The page's own heading (a plan's Markdown may hold a level-1 heading too)."""
    if isinstance(name, str):
        return page.get_by_role("heading", level=1, name=name, exact=True)
    return page.get_by_role("heading", level=1, name=name)




# ---------------------------------------------------------------------------- the plan's text

PLAN_HEADING = "แผนการจัดการเรียนรู้ที่ 1 รักการอ่านนิทานพื้นบ้าน"
OLD_LINE = "- นักเรียนอ่านนิทานพื้นบ้านเงียบ ๆ คนเดียว 15 นาที"
NEW_LINE = "- นักเรียนอ่านนิทานพื้นบ้านเป็นคู่ ผลัดกันอ่านออกเสียงและเล่าเรื่องให้เพื่อนฟัง 15 นาที"
PLAN_BODY = "\n".join([
    f"# {PLAN_HEADING}",
    "",
    "## จุดประสงค์การเรียนรู้",
    "1. นักเรียนอ่านนิทานพื้นบ้านนครศรีธรรมราชได้คล่อง",
    "2. นักเรียนบอกใจความสำคัญของเรื่องที่อ่านได้",
    "",
    "## กิจกรรมการเรียนรู้",
    "### ขั้นนำ",
    "- ครูเล่านิทานสั้นและถามคำถามกระตุ้นความสนใจ",
    "### ขั้นสอน",
    OLD_LINE,
    "- นักเรียนตอบคำถามจากเรื่องที่อ่านในใบงาน",
    "### ขั้นสรุป",
    "- นักเรียนร่วมกันสรุปใจความสำคัญ **ด้วยแผนผังความคิด**",
])
SUGGESTION = "ลองให้นักเรียนอ่านเป็นคู่ ผลัดกันอ่านออกเสียง จะช่วยนักเรียนกลุ่มอ่อนได้มากขึ้น"
REVISION_MESSAGE = "ให้นักเรียนอ่านเป็นคู่ตามข้อเสนอแนะของเพื่อนครู"


# ---------------------------------------------------------------------------- 1–3: the lesson plan


def write_plan(page: Page, lang: str, title: str) -> str:
    """The author writes the plan for her cycle; returns the plan's path."""
    t = th if lang == "th" else en
    menu(page, t, "Lesson plans")
    expect(h1(page, t("Lesson plans"))).to_be_visible()
    page.get_by_role("link", name=t("Write a lesson plan"), exact=True).first.click()
    expect(h1(page, t("Write a lesson plan"))).to_be_visible()

    page.get_by_label(t("Title"), exact=True).fill(title)
    page.get_by_label(t("Grade"), exact=True).fill("ป.2")
    page.get_by_label(t("Duration (minutes)"), exact=True).fill("60")
    page.get_by_label(t("PLC cycle"), exact=True).select_option(label=cycle_option())
    circle_only = page.get_by_role("group", name=t("Who can see the plan"), exact=True).get_by_role(
        "radio", name=re.compile("^" + re.escape(t("My PLC circle"))))
    circle_only.check()
    expect(circle_only).to_be_checked()

    # The live preview: the Markdown is rendered (by the server's sanitizer) as the teacher types.
    preview = page.get_by_role("region", name=t("Preview"), exact=True)
    expect(preview.get_by_role("heading", name=PLAN_HEADING, exact=True)).to_have_count(0)
    body = page.get_by_label(t("The plan"), exact=True)
    body.fill(PLAN_BODY)
    body.press("End")  # a key: the preview follows keyup (htmx)
    expect(preview.get_by_role("heading", level=1, name=PLAN_HEADING, exact=True)).to_be_visible()
    expect(preview.get_by_role("heading", level=3, name="ขั้นสอน", exact=True)).to_be_visible()
    expect(preview.get_by_role("strong")).to_have_text("ด้วยแผนผังความคิด")
    expect(preview.get_by_role("listitem").filter(has_text=OLD_LINE[2:])).to_have_count(1)
    expect(preview).not_to_contain_text("**")  # rendered, not echoed
    expect(preview).not_to_contain_text("###")

    page.get_by_role("button", name=t("Save the lesson plan"), exact=True).click()
    expect(h1(page, title)).to_be_visible()
    expect(flash(page, t("The lesson plan is saved as revision 1."))).to_be_visible()
    plan_path = path_of(page)
    assert PLAN_PATH.match(plan_path), page.url
    article = page.get_by_role("article")
    expect(article.get_by_role("heading", level=1, name=PLAN_HEADING, exact=True)).to_be_visible()
    expect(article.get_by_role("strong")).to_have_text("ด้วยแผนผังความคิด")
    about = page.get_by_role("region", name=t("About this plan"), exact=True)
    expect(about.get_by_role("link", name=cycle_title(), exact=True)).to_be_visible()
    expect(page.get_by_text(t("Visible to: %(who)s", who=t("My PLC circle")), exact=True)).to_be_visible()
    return plan_path


def colleague_comments(page: Page, lang: str, title: str, plan_path: str) -> None:
    t = th if lang == "th" else en
    menu(page, t, "Lesson plans")
    search = page.get_by_role("search", name=t("Search lesson plans"), exact=True)
    search.get_by_label(t("Search"), exact=True).fill(title)
    search.get_by_role("button", name=t("Search"), exact=True).click()
    page.get_by_role("link", name=title, exact=True).click()
    expect(h1(page, title)).to_be_visible()
    assert path_of(page) == plan_path, page.url
    expect(page.get_by_role("article").get_by_role("heading", level=1, name=PLAN_HEADING)).to_be_visible()
    # A colleague comments or adapts, but does not edit.
    expect(page.get_by_role("link", name=t("Edit"), exact=True)).to_have_count(0)

    comments = page.get_by_role("region", name=t("Comments"), exact=True)
    new_comment = comments.locator("form").filter(has=page.get_by_label(t("Your comment"), exact=True))
    new_comment.get_by_role("group", name=t("Kind of comment"), exact=True).get_by_role(
        "radio", name=re.compile("^" + re.escape(t("Suggestion")))).check()
    new_comment.get_by_label(t("Your comment"), exact=True).fill(SUGGESTION)
    new_comment.get_by_role("button", name=t("Post comment"), exact=True).click()

    expect(flash(page, t("Your comment is posted."))).to_be_visible()
    expect_comment(page, t, lang)


def expect_comment(page: Page, t, lang: str) -> None:
    comments = page.get_by_role("region", name=t("Comments"), exact=True)
    item = comments.get_by_role("listitem").filter(has_text=SUGGESTION)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(person(COLLEAGUE, lang))
    expect(item).to_contain_text(t("Suggestion"))
    expect(item).to_contain_text(t("on revision %(n)s", n="1"))


def author_revises(page: Page, lang: str, title: str, plan_path: str) -> None:
    t = th if lang == "th" else en
    page.goto(plan_path)
    expect(h1(page, title)).to_be_visible()
    expect_comment(page, t, lang)

    page.get_by_role("link", name=t("Edit"), exact=True).click()
    expect(h1(page, t("Edit the lesson plan"))).to_be_visible()
    body = page.get_by_label(t("The plan"), exact=True)
    text = body.input_value()
    assert OLD_LINE in text, text
    body.fill(text.replace(OLD_LINE, NEW_LINE))
    page.get_by_label(t("What changed"), exact=True).fill(REVISION_MESSAGE)
    page.get_by_role("button", name=t("Save the plan"), exact=True).click()

    expect(h1(page, title)).to_be_visible()
    expect(flash(page, t("Saved as revision %(n)d.", n=2))).to_be_visible()
    article = page.get_by_role("article")
    expect(article).to_contain_text(NEW_LINE[2:])
    expect(article).not_to_contain_text(OLD_LINE[2:])

    # The history: two revisions, the newer one with its message; compare them.
    page.get_by_role("link", name=plural(t, "History (%(num)s revision)", "History (%(num)s revisions)", 2),
                     exact=True).click()
    expect(h1(page, t("History of “%(title)s”", title=title))).to_be_visible()
    revisions = page.get_by_role("table", name=t("Revisions"), exact=True)
    rows = revisions.get_by_role("row").filter(has=page.get_by_role("rowheader"))
    expect(rows).to_have_count(2)
    newest = rows.first
    expect(newest.get_by_role("rowheader")).to_contain_text(t("Revision %(n)s", n="2"))
    expect(newest).to_contain_text(t("current"))
    expect(newest).to_contain_text(REVISION_MESSAGE)
    expect(newest).to_contain_text(person(AUTHOR, lang))
    expect(revisions.get_by_role("radio", name=t("Compare from revision %(n)s", n="1"), exact=True)).to_be_checked()
    expect(revisions.get_by_role("radio", name=t("Compare to revision %(n)s", n="2"), exact=True)).to_be_checked()
    page.get_by_role("button", name=t("Compare the chosen revisions"), exact=True).click()

    expect(h1(page, t("Changes from revision %(a)s to revision %(b)s", a="1", b="2"))).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=", ".join([
        plural(t, "%(num)s line added", "%(num)s lines added", 1),
        plural(t, "%(num)s line removed", "%(num)s lines removed", 1)]), exact=True)).to_be_visible()
    removed = page.get_by_role("deletion")
    added = page.get_by_role("insertion")
    expect(removed).to_have_count(1)
    expect(added).to_have_count(1)
    expect(removed).to_have_text(f"{t('Removed:')} {OLD_LINE}")
    expect(added).to_have_text(f"{t('Added:')} {NEW_LINE}")
    expect(removed).to_be_visible()
    expect(added).to_be_visible()
    expect(page.get_by_text(REVISION_MESSAGE)).to_be_visible()


# ---------------------------------------------------------------------------- 4: the coaching visit


def calendar_row(page: Page, t, lang: str):
    calendar = page.get_by_role("region", name=t("My visits per teacher"), exact=True)
    return calendar.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=person(AUTHOR, lang), exact=True))


def held_on_calendar(page: Page, t, lang: str) -> int:
    """The "Held" count of the author's row on the coach's calendar (0 without a row)."""
    row = calendar_row(page, t, lang)
    if not row.count():
        return 0
    return int(row.get_by_role("cell").nth(1).inner_text().strip())


def expect_reflections(region, t, coach_text: str, teacher_text: str | None) -> None:
    """The record of both reflections: Coach, then Teacher (a form below may hold the reader's own)."""
    expect(region.get_by_role("term")).to_have_text([t("Coach"), t("Teacher")])
    coach_says, teacher_says = region.get_by_role("definition").nth(0), region.get_by_role("definition").nth(1)
    expect(coach_says).to_have_text(coach_text)
    if teacher_text is None:
        expect(teacher_says).to_have_text("—")
    else:
        expect(teacher_says).to_have_text(teacher_text)


def coaching_visit(coach: Page, teacher: Page, lang: str, suffix: str) -> None:
    t = th if lang == "th" else en
    today = bangkok_today()
    focus = f"การอ่านออกเสียงเป็นคู่ของนักเรียน ป.2 ({suffix})"
    observe = "นักเรียนกลุ่มอ่อนอ่านออกเสียงกับเพื่อนได้กี่ประโยค และเล่าเรื่องด้วยคำพูดของตนเองได้หรือไม่"
    notes = "นักเรียน 18 จาก 22 คนอ่านออกเสียงเป็นคู่ได้ครบ กลุ่มอ่อนยังต้องการบัตรคำช่วย"
    follow_up = "เตรียมบัตรคำควบกล้ำให้กลุ่มอ่อนก่อนอ่านเป็นคู่"
    coach_reflection = "ครูจัดคู่อ่านได้ดี ควรให้เวลาเล่าเรื่องมากขึ้น"
    teacher_reflection = "การสังเกตช่วยให้เห็นว่ากลุ่มอ่อนต้องการบัตรคำ จะปรับแผนครั้งต่อไป"
    teacher_name, coach_name = person(AUTHOR, lang), person(COACH, lang)
    visit_heading = t("Visit to %(name)s", name=teacher_name)

    # --- the coach plans the visit agreed with the teacher ----------------------------------------
    menu(coach, t, "Coaching")
    expect(h1(coach, t("Coaching and supervision"))).to_be_visible()
    held_before = held_on_calendar(coach, t, lang)
    coach.get_by_role("link", name=t("Plan a visit"), exact=True).first.click()
    expect(h1(coach, t("Plan a visit"))).to_be_visible()
    coach.get_by_label(t("Teacher"), exact=True).select_option(
        label=f"{person(AUTHOR, 'th')} · {_school_a()}")
    coach.get_by_label(t("Date of the visit"), exact=True).fill(today.isoformat())
    coach.get_by_label(t("Focus agreed with the teacher"), exact=True).fill(focus)
    coach.get_by_label(t("What to observe"), exact=True).fill(observe)
    coach.get_by_label(t("PLC cycle (optional)"), exact=True).select_option(label=cycle_option())
    coach.get_by_role("button", name=t("Plan the visit"), exact=True).click()

    expect(h1(coach, visit_heading)).to_be_visible()
    expect(flash(coach, t("The visit is planned and the teacher has been notified."))).to_be_visible()
    visit_path = path_of(coach)
    assert VISIT_PATH.match(visit_path), coach.url
    plan = coach.get_by_role("region", name=t("Plan"), exact=True)
    expect(plan.get_by_text(focus, exact=True)).to_be_visible()
    expect(plan.get_by_text(observe, exact=True)).to_be_visible()
    expect(plan.get_by_role("link", name=cycle_title(), exact=True)).to_be_visible()
    expect(coach.get_by_text(t("Planned"), exact=True)).to_be_visible()

    # --- the teacher is told, and sees the planned visit to her classroom -------------------------
    menu(teacher, t, "Home")
    notifications = teacher.get_by_role("region", name=t("Notifications"), exact=True)
    told = notifications.locator(f'a[href="{visit_path}"]')  # (the demo has other visits planned for her)
    expect(told).to_have_text(t("%(coach)s plans a coaching visit to your classroom", coach=person(COACH, "th")))
    told.click()
    expect(h1(teacher, visit_heading)).to_be_visible()
    assert path_of(teacher) == visit_path, teacher.url
    # (The main menu offers Coaching to a teacher once a visit to her classroom exists.)
    menu(teacher, t, "Coaching")
    expect(h1(teacher, t("Coaching and supervision"))).to_be_visible()
    visited = teacher.get_by_role("region", name=t("Visits to my classroom"), exact=True)
    mine = visited.get_by_role("listitem").filter(has_text=focus)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(t("Planned"))
    mine.get_by_role("link", name=re.compile(re.escape(coach_name))).click()
    expect(h1(teacher, visit_heading)).to_be_visible()
    assert path_of(teacher) == visit_path, teacher.url
    expect(teacher.get_by_role("region", name=t("Plan"), exact=True).get_by_text(observe, exact=True)).to_be_visible()
    expect(teacher.get_by_text(t("Both of you write a reflection once the visit has been held."),
                               exact=True)).to_be_visible()
    expect(teacher.get_by_label(t("Your reflection after the visit"), exact=True)).to_have_count(0)
    expect(teacher.get_by_label(t("Observation notes"), exact=True)).to_have_count(0)  # the coach records it

    # --- the coach records the observation and reflects -------------------------------------------
    observation = coach.get_by_role("region", name=t("Observation"), exact=True)
    expect(observation.get_by_label(t("Held on"), exact=True)).to_have_value(today.isoformat())
    observation.get_by_label(t("Observation notes"), exact=True).fill(notes)
    observation.get_by_label(t("Agreed follow-up"), exact=True).fill(follow_up)
    observation.get_by_label(t("Follow up by"), exact=True).fill((today + timedelta(days=14)).isoformat())
    observation.get_by_role("button", name=t("Save the observation"), exact=True).click()
    expect(flash(coach, t("The observation is recorded. Now write your reflection; the teacher writes theirs."))) \
        .to_be_visible()
    expect(coach.get_by_text(t("Held"), exact=True)).to_be_visible()
    observation = coach.get_by_role("region", name=t("Observation"), exact=True)
    # (The form to correct it keeps the same text, folded away: check the record itself.)
    expect(observation.get_by_role("definition").filter(has_text=notes)).to_be_visible()
    expect(observation.get_by_role("definition").filter(has_text=follow_up)).to_be_visible()
    expect(observation.get_by_text(t("Correct the observation"), exact=True)).to_be_visible()

    reflections = coach.get_by_role("region", name=t("Reflections after the visit"), exact=True)
    reflections.get_by_label(t("Your reflection after the visit"), exact=True).fill(coach_reflection)
    reflections.get_by_role("button", name=t("Save my reflection"), exact=True).click()
    expect(flash(coach, t("Your reflection on the visit is saved."))).to_be_visible()

    # --- the teacher reads the observation and writes her reflection ------------------------------
    teacher.reload()
    expect(h1(teacher, visit_heading)).to_be_visible()
    expect(teacher.get_by_text(t("Held"), exact=True)).to_be_visible()
    expect(teacher.get_by_role("region", name=t("Observation"), exact=True).get_by_text(notes, exact=True)) \
        .to_be_visible()
    reflections = teacher.get_by_role("region", name=t("Reflections after the visit"), exact=True)
    expect_reflections(reflections, t, coach_reflection, None)
    reflections.get_by_label(t("Your reflection after the visit"), exact=True).fill(teacher_reflection)
    reflections.get_by_role("button", name=t("Save my reflection"), exact=True).click()
    expect(flash(teacher, t("Your reflection on the visit is saved."))).to_be_visible()
    reflections = teacher.get_by_role("region", name=t("Reflections after the visit"), exact=True)
    expect_reflections(reflections, t, coach_reflection, teacher_reflection)

    # --- the coach sees both reflections, and the visit as held on the calendar -------------------
    coach.reload()
    reflections = coach.get_by_role("region", name=t("Reflections after the visit"), exact=True)
    expect_reflections(reflections, t, coach_reflection, teacher_reflection)
    coach.get_by_role("navigation", name=t("Breadcrumb"), exact=True).get_by_role(
        "link", name=t("Coaching and supervision"), exact=True).click()
    expect(h1(coach, t("Coaching and supervision"))).to_be_visible()
    row = calendar_row(coach, t, lang)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text(str(held_before + 1))
    calendar = coach.get_by_role("region", name=t("My visits per teacher"), exact=True)
    entry = calendar.get_by_role("listitem").filter(has_text=focus)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(teacher_name)
    expect(entry).to_contain_text(t("Held"))
    expect(entry).not_to_contain_text(t("Overdue"))


def _school_a() -> str:
    return next(s for s in demo("demo.yaml")["schools"] if s["key"] == "A")["name_th"]


# ---------------------------------------------------------------------------- the tests


def run_plan_journey(fresh_page, lang: str) -> tuple[Page, str, str]:
    """Steps 1–3; returns the author's page, the suffix of this run and the plan's path."""
    suffix = uuid.uuid4().hex[:6]
    title = f"แผนที่ 1 รักการอ่านนิทานพื้นบ้าน ป.2 ({lang}) {suffix}"
    author = fresh_page()
    log_in(author, AUTHOR, lang)
    plan_path = write_plan(author, lang, title)

    colleague = fresh_page()
    log_in(colleague, COLLEAGUE, lang)
    colleague_comments(colleague, lang, title, plan_path)

    author_revises(author, lang, title, plan_path)
    expect_lang(author, lang)
    expect_lang(colleague, lang)
    return author, suffix, plan_path


@pytest.mark.parametrize("lang", ["th", "en"])
def test_lesson_plan_comment_revision_and_coaching_visit(fresh_page, csp, lang):
    author, suffix, plan_path = run_plan_journey(fresh_page, lang)
    PLAN_PATHS[lang] = plan_path

    coach = fresh_page()
    log_in(coach, COACH, lang)
    coaching_visit(coach, author, lang, suffix)
    expect_lang(coach, lang)
    csp.assert_clean()


def test_outsider_gets_404_for_the_lesson_plan(fresh_page, csp):
    plan_path = PLAN_PATHS.get("th") or PLAN_PATHS.get("en")
    if plan_path is None:  # run on its own: write a plan first
        _, _, plan_path = run_plan_journey(fresh_page, "th")

    page = fresh_page()
    log_in(page, OUTSIDER)
    for path in (plan_path, plan_path + "/history", plan_path + "/revisions/1"):
        response = page.goto(path)
        assert response is not None and response.status == 404, (path, response and response.status)
        expect_lang(page, "th")
        expect(h1(page, th("Page not found"))).to_be_visible()
        expect(page.get_by_text(f"{th('Error code')} 404")).to_be_visible()
        expect(page.get_by_text("รักการอ่านนิทานพื้นบ้าน")).to_have_count(0)  # nothing about the plan leaks
    # Nor does the plan turn up in the outsider's list or search.
    page.goto("/lesson-plans?" + urllib.parse.urlencode({"q": "รักการอ่านนิทานพื้นบ้าน"}))
    expect(page.get_by_role("link", name=re.compile("รักการอ่านนิทานพื้นบ้าน"))).to_have_count(0)
    csp.assert_clean()
