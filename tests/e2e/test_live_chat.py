"""Issue 5 as a new user would try it, in a real browser, in Thai: the coach schedules and starts an
online session of the N1 network circle (demo data: coach facilitates; teacher of school A and
teacher2 of school B are members), both teachers open it in their own browser contexts and chat in
Thai, teacher2 loses the connection while teacher writes (and writes something too), comes back and
sees every message exactly once; the coach ends the session and writes the summary; each teacher is
notified and finds the session in their PLC-hours ledger.

PLC minutes are counted from real join/leave intervals and a ledger row needs at least one minute
(the service leaves out sessions rounded to 0 minutes), so the test keeps the session open for at
least 45 seconds after the teachers joined instead of backdating anything.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui_text import th

pytestmark = pytest.mark.browser

PASSWORD = "demo-pass-2567"
CIRCLE = "วง PLC เครือข่ายขยายผลรูปแบบ 5 L และ PAC Model"
TEACHER_TH = "สุดารัตน์ เพชรรักษ์"
TEACHER2_TH = "อนุชา หนูแก้ว"
LOGIN_URL = re.compile(r"/auth/login(\?.*)?$")
SESSION_URL = re.compile(r"/live/(\d+)(#.*)?$")
MIN_OPEN_SECONDS = 45

def log_in(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label(th("E-mail"), exact=True).fill(email)
    page.get_by_label(th("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=th("Log in"), exact=True).click()
    expect(page).not_to_have_url(LOGIN_URL)


def chat_message(page: Page, text: str):
    """Acknowledged messages only (a pending local echo has no data-id)."""
    return page.locator("#chat-log li.msg[data-id]").filter(has=page.locator(".msg-body", has_text=re.compile(
        "^" + re.escape(text) + "$")))


def open_session(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator("#chat-form")).to_be_visible()  # live.js took over the page
    expect(page.locator("#chat-input")).to_be_enabled()


def send(page: Page, text: str) -> None:
    box = page.locator("#chat-input")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def test_coach_runs_an_online_session_with_two_teachers_and_one_drops_off(fresh_page, csp, live_server):
    suffix = uuid.uuid4().hex[:6]
    title = f"PLC ออนไลน์ แลกเปลี่ยนการใช้ 5 L {suffix}"

    # --- the coach schedules a session of the network circle and starts it -------------------------
    coach = fresh_page()
    log_in(coach, "coach@example.org")
    coach.goto("/circles?show=mine")
    coach.get_by_role("link", name=CIRCLE, exact=True).click()
    coach.get_by_role("link", name=th("Schedule a session"), exact=True).click()
    expect(coach.get_by_role("heading", level=1)).to_have_text(th("Schedule a PLC session"))
    coach.get_by_label(th("Title"), exact=True).fill(title)
    now = coach.evaluate("() => new Date().toLocaleString('sv-SE', {timeZone: 'Asia/Bangkok'})")  # 2026-11-22 10:05:00
    coach.get_by_label(th("Date"), exact=True).fill(now[:10])
    coach.get_by_label(th("Start time (Bangkok time)"), exact=True).fill(now[11:16])
    coach.get_by_label(th("Length (minutes)"), exact=True).fill("60")
    coach.get_by_label(th("Agenda"), exact=True).fill("แลกเปลี่ยนผลการใช้ขั้น Learning ของ 5 L ในแต่ละโรงเรียน")
    coach.get_by_role("button", name=th("Schedule the session"), exact=True).click()
    expect(coach).to_have_url(SESSION_URL)
    session_id = SESSION_URL.search(coach.url).group(1)
    path = f"/live/{session_id}"
    expect(coach.get_by_role("heading", level=1)).to_have_text(title)
    coach.get_by_role("button", name=th("Start the session"), exact=True).click()
    expect(coach.locator("#session-state")).to_have_text(th("Live now"))

    # --- both teachers open it, each in their own browser context, and chat in Thai ---------------
    teacher = fresh_page()
    log_in(teacher, "teacher@example.org")
    teacher2 = fresh_page()
    log_in(teacher2, "teacher2@example.org")
    expect(teacher2.get_by_role("link", name=title, exact=True).first).to_be_visible()  # invited: on the home page
    open_session(teacher, path)
    open_session(teacher2, path)
    joined_at = time.monotonic()
    for page in (teacher, teacher2):
        expect(page.locator("#presence-list")).to_contain_text(TEACHER_TH)
        expect(page.locator("#presence-list")).to_contain_text(TEACHER2_TH)

    hello = "สวัสดีค่ะ ทุกคน วันนี้มาแลกเปลี่ยนเรื่องการอ่านกันนะคะ"
    send(teacher, hello)
    expect(chat_message(teacher2, hello)).to_have_count(1)
    expect(chat_message(teacher2, hello).locator(".msg-author")).to_have_text(TEACHER_TH)
    reply = "สวัสดีครับ โรงเรียนวัดวารวิ่งพร้อมแล้วครับ"
    send(teacher2, reply)
    expect(chat_message(teacher, reply)).to_have_count(1)
    expect(chat_message(teacher2, reply)).to_have_count(1)  # the local echo was replaced, not doubled

    # Authors edit their own messages and delete them (a tombstone for everyone).
    reply_id = chat_message(teacher2, reply).get_attribute("data-id")
    edited = reply + " ทั้งสามห้องเรียน"
    item = teacher2.locator(f"#msg-{reply_id}")
    item.get_by_role("button", name=th("Edit your message"), exact=True).click()
    editor = item.get_by_role("textbox", name=th("Edit your message"), exact=True)
    editor.fill(edited)
    editor.press("Enter")
    expect(chat_message(teacher, edited)).to_have_count(1)
    expect(teacher.locator(f"#msg-{reply_id} .msg-edited")).to_be_visible()
    oops = "ข้อความผิดห้อง ขอลบนะคะ"
    send(teacher, oops)
    expect(chat_message(teacher2, oops)).to_have_count(1)
    oops_id = chat_message(teacher, oops).get_attribute("data-id")
    teacher.once("dialog", lambda dialog: dialog.accept())
    teacher.locator(f"#msg-{oops_id}").get_by_role("button", name=th("Delete"), exact=True).click()
    expect(teacher2.locator(f"#msg-{oops_id} .msg-body")).to_have_text(th("This message was deleted."))

    # Thai input: Enter that ends an IME composition does not send a half-written word.
    box = teacher.locator("#chat-input")
    box.fill("กำลังพิม")
    expect(teacher2.locator("#live-typing")).to_contain_text(TEACHER_TH)  # the typing indicator
    box.dispatch_event("compositionstart")
    box.dispatch_event("keydown", {"key": "Enter", "isComposing": True})
    box.dispatch_event("keydown", {"key": "Enter"})  # still composing (Safari order)
    box.dispatch_event("compositionend")
    expect(box).to_have_value("กำลังพิม")
    box.fill("")

    # --- teacher2 drops off; teacher writes twice, teacher2 writes once while offline -------------
    teacher2.context.set_offline(True)
    banner = teacher2.locator("#live-offline")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(th("You are offline. Your messages wait and are sent when the connection returns."))
    missed = ["ข้อความแรกระหว่างที่ครูอนุชาหลุด: ใช้นิทานพื้นบ้านเป็นสื่อ",
              "ข้อความที่สอง: นัดสังเกตชั้นเรียนสัปดาห์หน้า"]
    for text in missed:
        send(teacher, text)
        expect(chat_message(teacher, text)).to_have_count(1)
    waiting = "ผมเขียนตอนเน็ตหลุดครับ"
    send(teacher2, waiting)
    expect(teacher2.locator("#chat-log li.msg.pending")).to_contain_text(th("Waiting for the connection…"))
    teacher2.wait_for_timeout(1500)
    for text in missed:
        expect(chat_message(teacher2, text)).to_have_count(0)  # really offline

    teacher2.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=20_000)
    for text in missed:
        expect(chat_message(teacher2, text)).to_have_count(1, timeout=20_000)
    expect(chat_message(teacher2, waiting)).to_have_count(1, timeout=20_000)
    expect(teacher2.locator("#chat-log li.msg.pending")).to_have_count(0)
    expect(chat_message(teacher, waiting)).to_have_count(1)
    teacher2.wait_for_timeout(1000)  # nothing arrives twice after the replay
    bodies = teacher2.locator("#chat-log li.msg .msg-body").all_text_contents()
    for text in [hello, edited, *missed, waiting]:
        assert bodies.count(text) == 1, bodies
    assert oops not in bodies and reply not in bodies
    ids = [int(i) for i in teacher2.locator("#chat-log li.msg").evaluate_all("els => els.map(e => e.dataset.id)")]
    assert ids == sorted(ids) and len(ids) == len(set(ids)), ids

    # --- the coach ends the session and writes the summary ----------------------------------------
    remaining = MIN_OPEN_SECONDS - (time.monotonic() - joined_at)
    if remaining > 0:  # so that each teacher has at least one whole PLC minute (see the docstring)
        time.sleep(remaining)
    coach.goto(path)
    coach.get_by_role("link", name=th("End the session"), exact=True).click()
    coach.get_by_role("button", name=th("End the session"), exact=True).click()
    expect(coach).to_have_url(re.compile(rf"/live/{session_id}#summary$"))
    for page in (teacher, teacher2):
        expect(page.locator("#session-state")).to_have_text(th("Ended"))
        expect(page.locator("#chat-input")).to_be_disabled()
    summary = coach.locator("#summary")
    summary.get_by_label(th("What the circle decided"), exact=True).fill(
        "ทุกโรงเรียนใช้นิทานพื้นบ้านเป็นสื่อการอ่าน และนัดสังเกตชั้นเรียนออนไลน์")
    summary.locator("#items-0-text").fill("เตรียมแผนการสอนขั้น Learning")
    summary.locator("#items-0-owner_id").select_option(label=TEACHER2_TH)
    summary.get_by_role("button", name=th("Save the summary"), exact=True).click()
    expect(coach.get_by_role("status").filter(
        has_text=th("The summary is saved and the members are notified."))).to_be_visible()

    # --- each teacher is notified, reads the transcript and finds the session in the ledger -------
    for page in (teacher, teacher2):
        page.goto("/")
        notes = page.locator("#notifications-card")
        expect(notes.get_by_role("link", name=th("Summary of %(title)s", title=title), exact=True)).to_be_visible()
        expect(page.locator("#notification-count")).to_be_visible()
        page.goto(path)
        transcript = page.locator("#transcript")
        expect(transcript).not_to_contain_text(oops)
        for text in [hello, edited, *missed, waiting]:
            expect(transcript.locator(".msg-body", has_text=re.compile("^" + re.escape(text) + "$"))).to_have_count(1)
        expect(page.locator("#summary")).to_contain_text("เตรียมแผนการสอนขั้น Learning")
        page.goto("/plc-hours")
        row = page.locator(f"#ledger-{session_id}")
        expect(row).to_be_visible()
        expect(row).to_contain_text(title)
        minutes = int(row.locator("td").last.inner_text())
        assert minutes >= 1, minutes

    csp.assert_clean()
