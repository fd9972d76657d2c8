"""Live PLC sessions in the browser pages: scheduling from a circle (and its refusals), who may open a
session and who runs it, starting and ending from the page, the summary and its notifications,
onsite attendance, the PLC-hours ledger and its CSV, and the circle and cycle pages that list the
sessions. The chat itself is tested in tests/realtime/test_namespace.py and in the browser
(tests/e2e/test_live_chat.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plc.models import AuditEvent, CircleMeeting, Cycle, Role, School, User
from plc.models._types import utcnow
from plc.models.live_sessions import Attendance, LiveSession, Notification, SessionGuest, SessionMute
from plc.services import circles, live_sessions
from plc.services.live_sessions import SessionInput
from tests.conftest import add_user, csrf_from, login
from tests.plc_helpers import build_plc_work

TITLE = "PLC ออนไลน์ ครั้งที่ 1: การอ่านจับใจความ"


def client_for(app, key: str, lang: str = "en"):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


def post(client, path: str, data: dict | None = None, page: str = "/"):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(client, page)})


@pytest.fixture
def plc(app, world, in_db) -> dict:
    """School A's circle (the teacher facilitates; a colleague and the N1 coach are members) with an
    active cycle. teacher2 (school B, N1) can be a guest; the outsider (N2) cannot."""
    ids = build_plc_work(in_db, world)
    with in_db() as session:
        school_a = session.get(School, world.school_a.id)
        teacher = session.get(User, world.teacher.id)
        colleague = add_user("colleague", Role.TEACHER, school_a, name_th="ครูมานี มีนา")
        circle = session.get(Cycle, ids["cycle_id"]).circle
        circles.add_member(teacher, circle, colleague)
        circles.add_member(teacher, circle, session.get(User, world.coach.id))
        session.flush()
        return {**ids, "colleague_id": colleague.id}


def schedule(app, world, plc, *, mode: str = "online", started: bool = False, guests=(), minutes_ago: int = 5,
             duration: int = 60) -> int:
    with app.app_context():
        from plc.extensions import db

        teacher = db.session.get(User, world.teacher.id)
        circle = db.session.get(Cycle, plc["cycle_id"]).circle
        live = live_sessions.schedule(teacher, circle, SessionInput(
            title=TITLE, starts_at=utcnow() - timedelta(minutes=minutes_ago), duration_minutes=duration, mode=mode,
            agenda="ทบทวนแผนการสอน", cycle_id=plc["cycle_id"], guest_ids=list(guests)))
        if started:
            live_sessions.start(teacher, live)
        db.session.commit()
        return live.id


def count(app, model) -> int:
    with app.app_context():
        from plc.extensions import db

        return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------- scheduling


def test_schedule_form_defaults_to_the_active_cycle_and_offers_network_guests(app, world, plc):
    client = client_for(app, "teacher")
    html = client.get(f"/circles/{plc['circle_id']}/sessions/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{plc["cycle_id"]}">|<option value="{plc["cycle_id"]}" selected>', html)
    assert "current phase" in html and "Active cycle" in html
    assert world.teacher2.name_th in html  # school B, same network: may be a guest
    assert world.outsider.name_th not in html and "ครูมานี มีนา" not in html  # other network; already a member
    assert 'type="date"' in html and 'type="time"' in html


@pytest.mark.parametrize(("change", "field_error"), [
    ({"day": "2569-13-45"}, "Enter a date."),
    ({"day": "not a date"}, "Enter a date."),
    ({"day": ""}, "Choose the date of the session."),
    ({"time": "25:99"}, "Enter a time such as 13:30."),
    ({"duration_minutes": "3"}, "A session lasts between 5 minutes and 8 hours."),
    ({"duration_minutes": "600"}, "A session lasts between 5 minutes and 8 hours."),
    ({"duration_minutes": "ห้าสิบ"}, "Enter a whole number"),
    ({"title": "  "}, "Give the session a title."),
    ({"mode": "hybrid"}, "Choose from the list."),
    ({"guest_ids": "OUTSIDER"}, "is not in a school of this network."),
])
def test_scheduling_bad_input_is_refused_and_saves_nothing(app, world, plc, change, field_error):
    client = client_for(app, "teacher")
    data = {"title": TITLE, "day": "2026-11-20", "time": "15:30", "duration_minutes": "90", "mode": "online",
            "cycle_id": str(plc["cycle_id"]), "agenda": "วาระ"}
    if change.get("guest_ids") == "OUTSIDER":
        change = {"guest_ids": str(world.outsider.id)}
    data.update(change)
    path = f"/circles/{plc['circle_id']}/sessions/new"
    response = post(client, path, data, page=path)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error in html.replace("&#39;", "'"), html[html.find("<form"):][:3000]
    assert count(app, LiveSession) == 0 and count(app, Notification) == 0


def test_scheduling_saves_bangkok_time_guests_and_notifies_the_invited(app, world, plc):
    client = client_for(app, "teacher")
    path = f"/circles/{plc['circle_id']}/sessions/new"
    response = post(client, path, {
        "title": TITLE, "day": "2026-11-20", "time": "15.30 น.", "duration_minutes": "๙๐", "mode": "online",
        "cycle_id": str(plc["cycle_id"]), "agenda": "ทบทวนผลการสอน", "guest_ids": str(world.teacher2.id)}, page=path)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        from plc.extensions import db

        live = db.session.scalar(select(LiveSession))
        assert response.headers["Location"].endswith(f"/live/{live.id}")
        assert live.starts_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)  # 15:30 in Bangkok
        assert live.duration_minutes == 90 and live.host_id == world.teacher.id and live.cycle_id == plc["cycle_id"]
        assert live.phase_id is not None  # the cycle's current phase
        assert [g.user_id for g in db.session.scalars(select(SessionGuest))] == [world.teacher2.id]
        notified = set(db.session.scalars(select(Notification.user_id)))
        assert notified == {plc["colleague_id"], world.coach.id, world.teacher2.id}
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert TITLE in page and "15:30" in page and "ทบทวนผลการสอน" in page


@pytest.mark.parametrize(("key", "status"), [("colleague", 403), ("coach", 200), ("teacher", 200),
                                             ("director", 200), ("teacher2", 404), ("outsider", 404)])
def test_who_may_schedule(app, world, plc, key, status):
    client = client_for(app, key)
    path = f"/circles/{plc['circle_id']}/sessions/new"
    assert client.get(path).status_code == status
    data = {"title": TITLE, "day": "2026-11-20", "time": "15:30", "duration_minutes": "60", "mode": "online"}
    response = client.post(path, data={**data, "csrf_token": csrf_from(client, "/")})
    assert response.status_code == (302 if status == 200 else status)
    circle_page = client.get(f"/circles/{plc['circle_id']}")
    if status != 404:
        assert (f'href="/circles/{plc["circle_id"]}/sessions/new"' in circle_page.get_data(as_text=True)) == (
            status == 200)


def test_a_facilitator_without_a_coach_role_may_schedule(app, world, plc, in_db):
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        circle = session.get(Cycle, plc["cycle_id"]).circle
        member = next(m for m in circle.current_members() if m.user_id == plc["colleague_id"])
        circles.set_role(teacher, circle, member, "facilitator")
    client = client_for(app, "colleague")
    assert client.get(f"/circles/{plc['circle_id']}/sessions/new").status_code == 200


# ---------------------------------------------------------------------------- the session page


@pytest.mark.parametrize(("key", "status", "host"), [
    ("teacher", 200, True), ("colleague", 200, False), ("coach", 200, False), ("teacher2", 200, False),
    ("director", 200, True), ("outsider", 404, False), ("coordinator2", 404, False)])
def test_session_page_access_and_host_controls(app, world, plc, key, status, host):
    session_id = schedule(app, world, plc, guests=[world.teacher2.id], started=True)
    client = client_for(app, key)
    response = client.get(f"/live/{session_id}")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert TITLE in html
        assert ('id="host-controls"' in html) == host
        assert (f'action="/live/{session_id}/mute"' in html) == host
        assert 'id="chat"' in html and 'data-state="live"' in html
        assert "/static/vendor/socket.io.min.js" in html and "/static/js/live.js" in html
    for path in (f"/live/{session_id}/start", f"/live/{session_id}/read-only", f"/live/{session_id}/summary"):
        refused = post(client, path, {"read_only": "1"})
        assert refused.status_code == (302 if host and path.endswith("read-only") else 409 if host and
                                       path.endswith("start") else 422 if host else 403 if status == 200 else 404)


def test_host_starts_and_ends_the_session_from_the_page(app, world, plc):
    session_id = schedule(app, world, plc)
    host = client_for(app, "teacher")
    member = client_for(app, "colleague")
    html = host.get(f"/live/{session_id}").get_data(as_text=True)
    assert "Start the session" in html and 'data-state="scheduled"' in html
    assert post(member, f"/live/{session_id}/start").status_code == 403
    assert post(host, f"/live/{session_id}/start").status_code == 302
    html = member.get(f"/live/{session_id}").get_data(as_text=True)
    assert 'data-state="live"' in html and "Live now" in html
    assert member.get(f"/live/{session_id}/end").status_code == 403
    confirm = host.get(f"/live/{session_id}/end")
    assert confirm.status_code == 200 and "End the session" in confirm.get_data(as_text=True)
    with app.app_context():
        from plc.extensions import db

        assert db.session.get(LiveSession, session_id).state == "live"  # GET only asks
    ended = post(host, f"/live/{session_id}/end", page=f"/live/{session_id}/end")
    assert ended.status_code == 302 and ended.headers["Location"].endswith("#summary")
    with app.app_context():
        from plc.extensions import db

        live = db.session.get(LiveSession, session_id)
        assert live.state == "ended" and live.ended_at is not None
        meeting = db.session.scalar(select(CircleMeeting).where(CircleMeeting.title == TITLE))
        assert meeting is not None and meeting.mode == "online" and meeting.cycle_id == plc["cycle_id"]
    html = member.get(f"/live/{session_id}").get_data(as_text=True)
    assert 'id="transcript"' in html and "live.js" not in html and "Ended" in html
    assert post(host, f"/live/{session_id}/start").status_code == 409


def test_read_only_and_mute_from_the_page(app, world, plc):
    session_id = schedule(app, world, plc, started=True)
    host = client_for(app, "teacher")
    assert post(host, f"/live/{session_id}/read-only", {"read_only": "1"}).status_code == 302
    html = client_for(app, "colleague").get(f"/live/{session_id}").get_data(as_text=True)
    assert 'data-read-only="1"' in html and "The host has made the chat read-only." in html
    assert re.search(r'<textarea id="chat-input"[^>]*disabled', html)
    assert post(host, f"/live/{session_id}/mute", {"user_id": str(plc["colleague_id"]), "muted": "1"}).status_code == 302
    assert post(host, f"/live/{session_id}/mute", {"user_id": str(world.outsider.id), "muted": "1"}).status_code == 302
    with app.app_context():
        from plc.extensions import db

        assert list(db.session.scalars(select(SessionMute.user_id))) == [plc["colleague_id"]]
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "live.muted")) is not None


def test_a_session_left_running_ends_by_itself(app, world, plc):
    session_id = schedule(app, world, plc, started=True, minutes_ago=180, duration=60)
    html = client_for(app, "colleague").get(f"/live/{session_id}").get_data(as_text=True)
    assert 'id="transcript"' in html
    with app.app_context():
        from plc.extensions import db

        assert db.session.get(LiveSession, session_id).state == "ended"


# ---------------------------------------------------------------------------- after the session


def _end(app, world, session_id):
    with app.app_context():
        from plc.extensions import db

        live_sessions.end(db.session.get(User, world.teacher.id), db.session.get(LiveSession, session_id))
        db.session.commit()


def test_summary_notifies_the_members_on_their_home_page(app, world, plc):
    session_id = schedule(app, world, plc, guests=[world.teacher2.id], started=True)
    _end(app, world, session_id)
    with app.app_context():
        from plc.extensions import db

        db.session.execute(Notification.__table__.delete())  # forget the invitations
        db.session.commit()
    host = client_for(app, "teacher")
    page = f"/live/{session_id}"
    assert "Write the summary" in host.get(page).get_data(as_text=True)
    refused = post(host, f"/live/{session_id}/summary", {"decisions": "  "}, page=page)
    assert refused.status_code == 422 and "Write what the circle decided." in refused.get_data(as_text=True)
    refused = post(host, f"/live/{session_id}/summary", {"decisions": "ตกลง", "items-0-text": "ทำสื่อ",
                                                          "items-0-owner_id": "0"}, page=page)
    assert refused.status_code == 422 and "Choose who will do it." in refused.get_data(as_text=True)
    refused = post(host, f"/live/{session_id}/summary", {"decisions": "ตกลง", "items-0-text": "ทำสื่อ",
                                                          "items-0-owner_id": str(world.outsider.id)}, page=page)
    assert refused.status_code == 422
    assert count(app, Notification) == 0
    saved = post(host, f"/live/{session_id}/summary", {
        "decisions": "**ใช้นิทานพื้นบ้าน**เป็นสื่อการอ่าน <script>alert(1)</script>",
        "items-0-text": "ทำแบบทดสอบก่อนเรียน", "items-0-owner_id": str(plc["colleague_id"]),
        "items-0-due_on": "2026-12-01", "items-1-text": "", "items-1-owner_id": "0"}, page=page)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]

    member = client_for(app, "colleague")
    home = member.get("/").get_data(as_text=True)
    assert f"Summary of {TITLE}" in home and f'href="/live/{session_id}"' in home
    assert re.search(r'id="notification-count">1<', home)
    session_html = member.get(page).get_data(as_text=True)
    assert "<strong>ใช้นิทานพื้นบ้าน</strong>" in session_html and "<script>alert" not in session_html
    assert "ทำแบบทดสอบก่อนเรียน" in session_html and "Colleague Tester" in session_html
    assert "Write the summary" not in session_html and "Edit the summary" not in session_html
    guest_home = client_for(app, "teacher2").get("/").get_data(as_text=True)
    assert f"Summary of {TITLE}" in guest_home
    # Worded in the reader's language, not in the language the host wrote in.
    thai_home = client_for(app, "teacher2", lang="th").get("/").get_data(as_text=True)
    assert f"สรุปการประชุม {TITLE}" in thai_home and f"Summary of {TITLE}" not in thai_home
    assert f"Summary of {TITLE}" not in host.get("/").get_data(as_text=True)  # the writer is not told

    with app.app_context():
        from plc.extensions import db

        note_id = db.session.scalar(select(Notification.id).where(Notification.user_id == plc["colleague_id"]))
    assert post(client_for(app, "teacher2"), f"/notifications/{note_id}/read").status_code == 404
    assert post(member, f"/notifications/{note_id}/read").status_code == 302
    home = member.get("/").get_data(as_text=True)
    assert f"Summary of {TITLE}" not in home and 'id="notification-count"' not in home

    again = post(host, f"/live/{session_id}/summary", {"decisions": "แก้ไขแล้ว", "items-0-text": ""}, page=page)
    assert again.status_code == 302
    assert count(app, Notification) == 3  # colleague, coach, guest: for the first summary only


def test_circle_and_cycle_pages_list_the_sessions(app, world, plc):
    session_id = schedule(app, world, plc, started=True)
    _end(app, world, session_id)
    client = client_for(app, "colleague")
    circle_html = client.get(f"/circles/{plc['circle_id']}").get_data(as_text=True)
    assert f'href="/live/{session_id}"' in circle_html
    cycle_html = client.get(f"/cycles/{plc['cycle_id']}").get_data(as_text=True)
    assert f'href="/live/{session_id}#transcript"' in cycle_html and "slot-live_sessions" in cycle_html
    assert client.get("/live").status_code == 200 and TITLE in client.get("/live").get_data(as_text=True)


# ---------------------------------------------------------------------------- attendance and PLC hours


def test_onsite_attendance_becomes_ledger_minutes(app, world, plc):
    session_id = schedule(app, world, plc, mode="onsite", duration=90)
    host = client_for(app, "teacher")
    page = f"/live/{session_id}"
    html = host.get(page).get_data(as_text=True)
    assert 'id="onsite"' in html and "live.js" not in html and "Start the session" not in html
    assert 'id="onsite"' not in client_for(app, "colleague").get(page).get_data(as_text=True)
    bad = post(host, f"/live/{session_id}/attendance", {"present": str(plc["colleague_id"]),
                                                         f"minutes-{plc['colleague_id']}": "0"}, page=page)
    assert bad.status_code == 422
    assert post(host, f"/live/{session_id}/attendance", {}, page=page).status_code == 422
    assert post(client_for(app, "colleague"), f"/live/{session_id}/attendance",
                {"present": str(plc["colleague_id"])}).status_code == 403
    assert count(app, Attendance) == 0
    ok = post(host, f"/live/{session_id}/attendance", {
        "present": [str(plc["colleague_id"]), str(world.coach.id)], f"minutes-{plc['colleague_id']}": "๙๐",
        f"minutes-{world.coach.id}": "60", f"minutes-{world.teacher.id}": "90"}, page=page)
    assert ok.status_code == 302
    with app.app_context():
        from plc.extensions import db

        assert db.session.get(LiveSession, session_id).state == "ended"
    ledger = client_for(app, "colleague").get("/plc-hours").get_data(as_text=True)
    assert f'id="ledger-{session_id}"' in ledger and ">90<" in ledger and "1 h 30 min" in ledger
    assert f'id="ledger-{session_id}"' not in client_for(app, "teacher").get("/plc-hours").get_data(as_text=True)


def _attend(app, session_id: int, user_id: int, minutes: int, *, ago_days: int = 0):
    with app.app_context():
        from plc.extensions import db

        live = db.session.get(LiveSession, session_id)
        start = utcnow() - timedelta(days=ago_days, minutes=minutes + 1)
        live.starts_at = live.started_at = start
        db.session.add(Attendance(session_id=session_id, user_id=user_id, connection_id=f"sid-{user_id}-{minutes}",
                                  joined_at=start, last_seen_at=start + timedelta(minutes=minutes),
                                  left_at=start + timedelta(minutes=minutes)))
        db.session.commit()


def test_ledger_page_and_csv_with_bom_thai_and_totals(app, world, plc):
    first = schedule(app, world, plc, guests=[world.teacher2.id], started=True)
    _attend(app, first, world.teacher2.id, 45)
    _end(app, world, first)
    second = schedule(app, world, plc, guests=[world.teacher2.id], started=True)
    _attend(app, second, world.teacher2.id, 30)
    _end(app, world, second)

    guest = client_for(app, "teacher2", lang="th")
    html = guest.get("/plc-hours").get_data(as_text=True)
    assert f'id="ledger-{first}"' in html and f'id="ledger-{second}"' in html and TITLE in html
    assert ">45<" in html and ">30<" in html and ">75<" in html

    response = guest.get("/plc-hours.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows[0]) == 9  # teacher, date, session, circle, mode, semester, fiscal year, minutes, hours
    body = [r for r in rows[1:] if r]
    sessions = [r for r in body if r[2] == TITLE]
    assert len(sessions) == 2 and {r[7] for r in sessions} == {"45", "30"}
    assert all(r[0] == world.teacher2.name_th for r in body) and "ครู" in body[0][0]
    assert sessions[0][3] == "วงคณิตศาสตร์ ป.4"
    totals = [r for r in body if r[2] != TITLE]
    assert totals[-1][7] == "75" and totals[-1][8] == "1.25"
    assert any(r[5] and r[7] == "75" for r in totals) and any(r[6] and r[7] == "75" for r in totals)
    with app.app_context():
        from plc.extensions import db

        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.plc_hours"))
        assert event is not None and event.actor_id == world.teacher2.id and event.target_id == world.teacher2.id


@pytest.mark.parametrize(("key", "status"), [("teacher2", 200), ("coordinator", 200), ("coach", 403),
                                             ("director", 404), ("teacher", 404), ("outsider", 404)])
def test_who_may_read_someone_elses_ledger(app, world, plc, key, status):
    session_id = schedule(app, world, plc, guests=[world.teacher2.id], started=True)
    _attend(app, session_id, world.teacher2.id, 20)
    _end(app, world, session_id)
    client = client_for(app, key)
    response = client.get(f"/people/{world.teacher2.id}/plc-hours")
    assert response.status_code == status
    if status == 200:
        assert f'id="ledger-{session_id}"' in response.get_data(as_text=True)
    assert client.get(f"/people/{world.teacher2.id}/plc-hours.csv").status_code == status
    person_page = client.get(f"/people/{world.teacher2.id}")
    if person_page.status_code == 200:
        linked = f'href="/people/{world.teacher2.id}/plc-hours"' in person_page.get_data(as_text=True)
        assert linked == (status == 200)


def test_empty_ledger_and_lists(app, world, plc):
    client = client_for(app, "colleague")
    assert "No PLC hours yet" in client.get("/plc-hours").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/plc-hours.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "Teacher" and rows[-1][7] == "0"
    assert "No session is planned in your circles." in client.get("/live").get_data(as_text=True)


# ---------------------------------------------------------------------------- the script


def test_live_js_is_a_small_static_file_and_the_page_has_no_inline_script(app, world, plc):
    js = Path(app.root_path) / "static" / "js" / "live.js"
    assert js.is_file() and js.stat().st_size < 15 * 1024
    text = js.read_text(encoding="utf-8")
    assert "innerHTML" not in text and "eval(" not in text
    session_id = schedule(app, world, plc, started=True)
    client = client_for(app, "colleague", lang="th")
    assert client.get("/static/js/live.js").status_code == 200
    html = client.get(f"/live/{session_id}").get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert " style=" not in html and "<style" not in html and " onclick=" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts.index("/static/vendor/socket.io.min.js") < scripts.index("/static/js/live.js")
    assert 'data-t-offline="' in html and 'data-t-typing="' in html
