"""The JSON API of live PLC sessions (issue 5): scheduling, start and end, the chat history over HTTP
(the socket's twin), attendance, onsite attendance, the summary and its notifications, the PLC-hours
ledger with its CSV export.

Every JSON answer is validated against the OpenAPI document the app publishes (``ApiClient``);
objects are made through the API itself or through the services (``in_db``)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from plc.extensions import db, socketio
from plc.i18n import BANGKOK
from plc.models import AuditEvent, Circle, Role, School, User
from plc.models._types import utcnow
from plc.models.live_sessions import Attendance, ChatMessage, LiveSession
from plc.services import circles, live_sessions
from tests.conftest import add_user, csrf_from, login
from tests.live_helpers import post_as
from tests.openapi_helpers import error, ok, operations
from tests.plc_helpers import build_plc_work

TOKEN_PATH = "/api/v1/auth/token"
SESSIONS = "/api/v1/live-sessions"
NO_SUCH_ID = 987654
MEMBER_NAME = "ครูมานี มีนา"

LIVE_OPERATIONS = {
    ("/api/v1/live-sessions", "GET"), ("/api/v1/live-sessions", "POST"),
    ("/api/v1/live-sessions/{session_id}", "GET"), ("/api/v1/live-sessions/{session_id}/start", "POST"),
    ("/api/v1/live-sessions/{session_id}/end", "POST"), ("/api/v1/live-sessions/{session_id}/messages", "GET"),
    ("/api/v1/live-sessions/{session_id}/attendance", "GET"),
    ("/api/v1/live-sessions/{session_id}/onsite-attendance", "POST"),
    ("/api/v1/live-sessions/{session_id}/summary", "POST"),
    ("/api/v1/users/{user_id}/plc-hours", "GET"),
    ("/api/v1/notifications", "GET"), ("/api/v1/notifications/{notification_id}/read", "POST"),
}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def circle(world, in_db) -> dict:
    """The school-A circle of ``build_plc_work`` (teacher facilitates; a cycle in its first phase) with
    two more members: the network coach and a second teacher of school A (``member``)."""
    work = build_plc_work(in_db, world)
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        member = add_user("member", Role.TEACHER, session.get(School, world.school_a.id), name_th=MEMBER_NAME)
        row = session.get(Circle, work["circle_id"])
        circles.add_member(teacher, row, session.get(User, world.coach.id))
        circles.add_member(teacher, row, member)
        return {**work, "member_id": member.id}


def in_an_hour() -> str:
    return (datetime.now(BANGKOK) + timedelta(hours=1)).replace(microsecond=0).isoformat()


def schedule(call, circle, key: str = "teacher", **fields):
    body = {"circle_id": circle["circle_id"], "title": "PLC ออนไลน์ ครั้งที่ 1", "starts_at": in_an_hour(),
            "duration_minutes": 60, "mode": "online", **fields}
    return call(key, "POST", SESSIONS, json=body)


@pytest.fixture
def live(call, circle, world) -> dict:
    """A live online session of the circle, hosted by the teacher, with teacher2 (school B, same
    network) invited as a guest."""
    created = ok(schedule(call, circle, guest_ids=[world.teacher2.id], cycle_id=circle["cycle_id"]), 201)
    return ok(call("teacher", "POST", f"{SESSIONS}/{created['id']}/start"))


def _user(key: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{key}@example.org"))


# ---------------------------------------------------------------------------- the document


def test_every_live_route_is_documented_and_protected(spec):
    documented = {(path, method) for path, method, _op in operations(spec)}
    assert LIVE_OPERATIONS - documented == set()
    for path, method in LIVE_OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("security", spec.get("security")) == [{"bearerAuth": []}], (method, path)
        assert "401" in operation["responses"]
    for action in ("start", "end", "summary"):
        assert "409" in spec["paths"][f"/api/v1/live-sessions/{{session_id}}/{action}"]["post"]["responses"]
    ledger = spec["paths"]["/api/v1/users/{user_id}/plc-hours"]["get"]["responses"]["200"]["content"]
    assert set(ledger) == {"application/json", "text/csv"}


# ---------------------------------------------------------------------------- scheduling and states


def test_schedule_start_and_end(call, circle, world, in_db):
    created = ok(schedule(call, circle, agenda="ทบทวนผลการใช้สื่อจริง", cycle_id=circle["cycle_id"],
                          guest_ids=[world.teacher2.id]), 201)
    sid = created["id"]
    assert created["state"] == "scheduled" and created["mode"] == "online"
    assert created["host"]["id"] == world.teacher.id and created["circle"]["id"] == circle["circle_id"]
    assert created["cycle"]["id"] == circle["cycle_id"] and created["phase"]["state"] == "current"
    assert [g["id"] for g in created["guests"]] == [world.teacher2.id]
    assert created["permissions"] == {"attend": True, "host": True}
    assert created["summary"] is None and created["action_items"] == [] and created["last_event_id"] == 0
    # Members and guests are invited (in-app notifications); the host is not notified of their own act.
    for key in ("coach", "member", "teacher2"):
        notes = ok(call(key, "GET", "/api/v1/notifications"))
        assert [n["kind"] for n in notes["items"]] == ["session_scheduled"] and notes["unread"] == 1, key
        assert notes["items"][0]["url"] == f"/live/{sid}"
    assert ok(call("teacher", "GET", "/api/v1/notifications")) == {"items": [], "unread": 0}

    # Members see it in their lists, the guest too; upcoming only lists sessions not yet ended.
    for key in ("coach", "member", "teacher2", "teacher"):
        page = ok(call(key, "GET", f"{SESSIONS}?upcoming=true"))
        assert [s["id"] for s in page["items"]] == [sid], key
    page = ok(call("coach", "GET", f"{SESSIONS}?circle_id={circle['circle_id']}"))
    assert page["total"] == 1 and page["items"][0]["state"] == "scheduled"

    # Ending before it started, starting twice, ending twice: 409 with the field named.
    assert error(call("teacher", "POST", f"{SESSIONS}/{sid}/end"), 409, "state")["error"] == "conflict"
    # Seen but not the host: 403 (the coach and the guest attend; they do not run it).
    for key in ("coach", "teacher2"):
        error(call(key, "POST", f"{SESSIONS}/{sid}/start"), 403)
    started = ok(call("teacher", "POST", f"{SESSIONS}/{sid}/start"))
    assert started["state"] == "live" and started["started_at"]
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/start"), 409, "state")
    error(call("coach", "POST", f"{SESSIONS}/{sid}/end"), 403)
    ended = ok(call("teacher", "POST", f"{SESSIONS}/{sid}/end"))
    assert ended["state"] == "ended" and ended["ended_at"]
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/end"), 409, "state")
    assert ok(call("coach", "GET", f"{SESSIONS}?upcoming=true"))["items"] == []
    with in_db() as session:
        row = session.get(Circle, circle["circle_id"])
        assert [m.mode for m in row.meetings] == ["online"], "the session counts for the circle's meeting rule"


def test_the_circles_manager_may_run_a_session_someone_else_hosts(call, circle, world):
    """The director manages school A's circles: not the host, yet allowed to start and end."""
    sid = ok(schedule(call, circle, key="coach"), 201)["id"]
    assert ok(call("director", "GET", f"{SESSIONS}/{sid}"))["permissions"] == {"attend": True, "host": True}
    assert ok(call("director", "POST", f"{SESSIONS}/{sid}/start"))["state"] == "live"


def test_naive_starts_at_is_bangkok_time(call, circle, in_db):
    naive = ok(schedule(call, circle, starts_at="2026-12-10T13:00:00"), 201)
    assert naive["starts_at"] == "2026-12-10T13:00:00+07:00"
    assert naive["ends_at"] == "2026-12-10T14:00:00+07:00"
    utc = ok(schedule(call, circle, starts_at="2026-12-10T06:00:00Z"), 201)
    assert utc["starts_at"] == "2026-12-10T13:00:00+07:00", "the same instant, shown in Bangkok time"
    offset = ok(schedule(call, circle, starts_at="2026-12-10T15:00:00+09:00"), 201)
    assert offset["starts_at"] == "2026-12-10T13:00:00+07:00"
    with in_db() as session:
        stored = session.get(LiveSession, naive["id"]).starts_at
        assert stored == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)


def test_scheduling_is_validated(call, circle, world, in_db):
    body = error(schedule(call, circle, starts_at="next Tuesday", duration_minutes=2, mode="hybrid", title=""),
                 422, "starts_at", "duration_minutes", "mode", "title")
    assert body["error"] == "unprocessable"
    error(call("teacher", "POST", SESSIONS, json={}), 422, "circle_id", "title", "starts_at", "duration_minutes",
          "mode")
    # Guests come from the circle's network; a cycle must be the circle's.
    error(schedule(call, circle, guest_ids=[world.outsider.id]), 422, "guest_ids")
    error(schedule(call, circle, guest_ids=[NO_SUCH_ID]), 422, "guest_ids")
    with in_db() as session:
        other = circles.create(session.get(User, world.teacher.id), session.get(School, world.school_a.id),
                               circles.CircleInput(name="วงอื่น"))
        session.flush()
        other_id = other.id
    error(schedule(call, circle, cycle_id=NO_SUCH_ID), 422, "cycle_id")
    error(call("teacher", "POST", SESSIONS, json={"circle_id": other_id, "title": "x", "starts_at": in_an_hour(),
                                                   "duration_minutes": 30, "mode": "online",
                                                   "cycle_id": circle["cycle_id"]}), 422, "cycle_id")
    with in_db() as session:
        assert session.scalar(select(func.count(LiveSession.id))) == 0, "nothing was stored"


def test_who_may_schedule(call, circle, world):
    # The area viewer sees the circle but runs nothing in it; a member teacher does not schedule.
    error(schedule(call, circle, key="area_viewer"), 403)
    error(schedule(call, circle, key="member"), 403)
    # Another tenant, or a circle that does not exist: the same 404.
    hidden = error(schedule(call, circle, key="outsider"), 404)
    assert hidden == error(call("outsider", "POST", SESSIONS, json={
        "circle_id": NO_SUCH_ID, "title": "x", "starts_at": in_an_hour(), "duration_minutes": 30,
        "mode": "online"}), 404)
    # A coach in the circle may.
    assert ok(schedule(call, circle, key="coach"), 201)["host"]["id"] == world.coach.id


def test_a_live_session_ends_itself_after_the_planned_end_and_grace(call, live, in_db):
    with in_db() as session:
        row = session.get(LiveSession, live["id"])
        row.starts_at = row.started_at = utcnow() - timedelta(hours=3)
    shown = ok(call("coach", "GET", f"{SESSIONS}/{live['id']}"))
    assert shown["state"] == "ended"
    ends_at = datetime.fromisoformat(shown["ends_at"])
    assert datetime.fromisoformat(shown["ended_at"]) == ends_at + live_sessions.GRACE
    error(call("teacher", "POST", f"{SESSIONS}/{live['id']}/end"), 409, "state")
    with in_db() as session:
        assert session.get(LiveSession, live["id"]).state == "ended", "saved, not only shown"


# ---------------------------------------------------------------------------- chat over HTTP


def _socket(app, key: str):
    http = app.test_client()
    login(http, f"{key}@example.org")
    return socketio.test_client(app, namespace="/live", auth={"csrf_token": csrf_from(http, "/")},
                                flask_test_client=http)


def test_messages_over_http_equal_what_the_socket_stored(app, call, live, world, in_db):
    sid = live["id"]
    with in_db() as session:
        teacher, coach, guest = _user("teacher"), _user("coach"), _user("teacher2")
        first = post_as(teacher, sid, "สวัสดีครับ ทุกคน", "t-1")
        second = post_as(coach, sid, "วันนี้คุยเรื่องเศษส่วน", "c-1")
        third = post_as(guest, sid, "ขอแชร์จากโรงเรียนวัดวารวิ่งค่ะ", "g-1")
        session.flush()
        third_event, first_id = third.event, first.seq
        live_sessions.edit_message(coach, second, "วันนี้คุยเรื่องเศษส่วนและทศนิยม")
        live_sessions.delete_message(teacher, first, session.get(LiveSession, sid))
    with in_db():
        stored, _more = live_sessions.history(sid, 0)
        expected = [live_sessions.message_payload(m) for m in stored]

    everything = ok(call("member", "GET", f"{SESSIONS}/{sid}/messages"))
    assert everything == {"messages": expected, "truncated": False}
    assert [m["client_id"] for m in everything["messages"]] == ["g-1", "c-1", "t-1"], "ordered by their last change"
    tombstone = everything["messages"][-1]
    assert tombstone["deleted"] is True and tombstone["body"] == "" and tombstone["id"] == first_id

    # After the third message: only the edit and the tombstone.
    later = ok(call("member", "GET", f"{SESSIONS}/{sid}/messages?since_id={third_event}"))
    assert [(m["client_id"], m["deleted"]) for m in later["messages"]] == [("c-1", False), ("t-1", True)]
    assert later["messages"][0]["body"] == "วันนี้คุยเรื่องเศษส่วนและทศนิยม" and later["messages"][0]["edited_at"]
    assert later["truncated"] is False
    last = everything["messages"][-1]["event_id"]
    assert ok(call("member", "GET", f"{SESSIONS}/{sid}/messages?since_id={last}")) == {"messages": [],
                                                                                       "truncated": False}
    assert ok(call("member", "GET", f"{SESSIONS}/{sid}"))["last_event_id"] == last

    # Exactly what the socket's join acknowledges, for the same since_id.
    socket = _socket(app, "member")
    for since in (0, third_event):
        ack = socket.emit("join", {"session_id": sid, "since_id": since}, namespace="/live", callback=True)
        assert ack["ok"]
        http = ok(call("member", "GET", f"{SESSIONS}/{sid}/messages?since_id={since}"))
        assert http == {"messages": ack["messages"], "truncated": ack["truncated"]}
    socket.disconnect("/live")

    error(call("member", "GET", f"{SESSIONS}/{sid}/messages?since_id=-1"), 422, "since_id")
    error(call("member", "GET", f"{SESSIONS}/{sid}/messages?since_id=abc"), 422, "since_id")


def test_history_is_truncated_past_500(call, live, in_db):
    sid = live["id"]
    with in_db():
        teacher = _user("teacher")
        for n in range(501):
            post_as(teacher, sid, f"ข้อความที่ {n}", f"bulk-{n}")
    full = ok(call("coach", "GET", f"{SESSIONS}/{sid}/messages"))
    assert len(full["messages"]) == 500 and full["truncated"] is True
    assert [m["client_id"] for m in full["messages"][:2]] == ["bulk-0", "bulk-1"], "the oldest first"
    rest = ok(call("coach", "GET", f"{SESSIONS}/{sid}/messages?since_id={full['messages'][0]['event_id']}"))
    assert len(rest["messages"]) == 500 and rest["truncated"] is False
    assert rest["messages"][-1]["client_id"] == "bulk-500"


def test_who_reads_the_chat(call, live, world, in_db):
    sid = live["id"]
    with in_db():
        post_as(_user("teacher2"), sid, "สวัสดีจากโรงเรียน ข", "g-1")
    # A guest from another school of the network reads it, as do members and the host.
    for key in ("teacher2", "coach", "member", "teacher", "director", "admin"):
        assert len(ok(call(key, "GET", f"{SESSIONS}/{sid}/messages"))["messages"]) == 1, key
    # The network supervisor sees the circle but is not in the session: not while it is live …
    error(call("supervisor", "GET", f"{SESSIONS}/{sid}/messages"), 403)
    # … and once it has ended, the transcript is part of the circle's record.
    ok(call("teacher", "POST", f"{SESSIONS}/{sid}/end"))
    assert len(ok(call("supervisor", "GET", f"{SESSIONS}/{sid}/messages"))["messages"]) == 1


# ---------------------------------------------------------------------------- attendance


def test_attendance_minutes(call, live, world, circle, in_db):
    sid = live["id"]
    with in_db() as session:
        row = session.get(LiveSession, sid)
        start = row.starts_at = row.started_at = utcnow() - timedelta(minutes=70)
        coach, member = _user("coach"), _user("member")
        for user, joined, left in ((coach, 0, 30), (coach, 10, 20), (coach, 40, 50), (member, 5, 25)):
            session.add(Attendance(session_id=sid, user_id=user.id, joined_at=start + timedelta(minutes=joined),
                                   last_seen_at=start + timedelta(minutes=left),
                                   left_at=start + timedelta(minutes=left)))
    # The host (and the circle's managers) see everyone.
    for key in ("teacher", "director", "admin"):
        seen = ok(call(key, "GET", f"{SESSIONS}/{sid}/attendance"))
        assert seen["scope"] == "everyone" and seen["session_id"] == sid
        assert {(r["user"]["id"], r["minutes"], r["joins"]) for r in seen["rows"]} == {
            (world.coach.id, 40, 3), (circle["member_id"], 20, 1)}, key
    coach_row = next(r for r in seen["rows"] if r["user"]["id"] == world.coach.id)
    assert datetime.fromisoformat(coach_row["first_joined"]) == start
    assert datetime.fromisoformat(coach_row["last_left"]) == start + timedelta(minutes=50)
    assert coach_row["present"] is False
    # A participant sees only their own row; a guest who never joined sees none.
    own = ok(call("coach", "GET", f"{SESSIONS}/{sid}/attendance"))
    assert own["scope"] == "own" and [(r["user"]["id"], r["minutes"]) for r in own["rows"]] == [(world.coach.id, 40)]
    assert ok(call("teacher2", "GET", f"{SESSIONS}/{sid}/attendance")) == {"session_id": sid, "scope": "own",
                                                                          "rows": []}
    # Seeing the circle is not enough to read others' attendance.
    error(call("supervisor", "GET", f"{SESSIONS}/{sid}/attendance"), 403)
    error(call("area_viewer", "GET", f"{SESSIONS}/{sid}/attendance"), 403)


def test_onsite_attendance_becomes_plc_hours(call, circle, world, in_db):
    sid = ok(schedule(call, circle, mode="onsite", title="ประชุม PLC ที่ห้องประชุม", starts_at="2026-12-10T13:00:00"),
             201)["id"]
    path = f"{SESSIONS}/{sid}/onsite-attendance"
    # Onsite meetings are not started online.
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/start"), 409, "mode")
    attendees = [{"user_id": circle["member_id"], "minutes": 90}, {"user_id": world.coach.id, "minutes": 45}]
    error(call("coach", "POST", path, json={"attendees": attendees}), 403)
    error(call("teacher", "POST", path, json={"attendees": attendees + attendees[:1]}), 422, "attendees")
    error(call("teacher", "POST", path, json={"attendees": [{"user_id": world.outsider.id, "minutes": 30}]}),
          422, "attendees")
    error(call("teacher", "POST", path, json={"attendees": [{"user_id": world.coach.id, "minutes": 0}]}), 422,
          "attendees")
    recorded = ok(call("teacher", "POST", path, json={"attendees": attendees}))
    assert recorded["scope"] == "everyone"
    assert {(r["user"]["id"], r["minutes"]) for r in recorded["rows"]} == {
        (circle["member_id"], 90), (world.coach.id, 45)}, "what the host recorded, even beyond the planned hour"
    assert ok(call("teacher", "GET", f"{SESSIONS}/{sid}"))["state"] == "ended"
    # Recording again replaces the earlier record.
    ok(call("teacher", "POST", path, json={"attendees": [{"user_id": circle["member_id"], "minutes": 90}]}))

    ledger = ok(call("member", "GET", f"/api/v1/users/{circle['member_id']}/plc-hours"))
    assert ledger["user"] == {"id": circle["member_id"], "name_th": MEMBER_NAME, "name_en": "Member Tester"}
    assert ledger["rows"] == [{"session_id": sid, "title": "ประชุม PLC ที่ห้องประชุม",
                               "circle": {"id": circle["circle_id"], "name": "วงคณิตศาสตร์ ป.4"},
                               "date": "2026-12-10", "term": "2/2569", "fiscal_year": 2570, "mode": "onsite",
                               "minutes": 90}]
    assert ledger["totals"] == {"terms": [{"term": "2/2569", "minutes": 90, "hours": 1.5}],
                                "fiscal_years": [{"fiscal_year": 2570, "minutes": 90, "hours": 1.5}],
                                "minutes": 90, "hours": 1.5}
    assert ok(call("coach", "GET", f"/api/v1/users/{world.coach.id}/plc-hours"))["rows"] == [], "replaced"

    # An online session takes its attendance from the chat, not from the host.
    online = ok(schedule(call, circle), 201)["id"]
    error(call("teacher", "POST", f"{SESSIONS}/{online}/onsite-attendance", json={"attendees": attendees}), 422,
          "mode")


def _onsite_ledger(call, circle, world) -> int:
    sid = ok(schedule(call, circle, mode="onsite", title="ประชุม PLC เศษส่วน", starts_at="2026-12-10T13:00:00"),
             201)["id"]
    ok(call("teacher", "POST", f"{SESSIONS}/{sid}/onsite-attendance",
            json={"attendees": [{"user_id": circle["member_id"], "minutes": 90}]}))
    return sid


def test_ledger_csv_for_excel(app, call, circle, world, token, checker, in_db):
    _onsite_ledger(call, circle, world)
    path = f"/api/v1/users/{circle['member_id']}/plc-hours?format=csv"
    response = app.test_client().get(path, headers={"Authorization": f"Bearer {token('member')}"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype in checker.operation_for(
        "GET", path)[1]["responses"]["200"]["content"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "a UTF-8 BOM, so that Excel shows Thai"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(f'ชั่วโมง PLC {MEMBER_NAME}.csv', safe='')}" in disposition
    assert f'filename="plc-hours-{circle["member_id"]}.csv"' in disposition
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert header == ["ครู", "วันที่", "การประชุม", "วง PLC", "รูปแบบ", "ภาคเรียน", "ปีงบประมาณ", "นาที", "ชั่วโมง"]
    assert first[0] == MEMBER_NAME and first[2] == "ประชุม PLC เศษส่วน" and first[3] == "วงคณิตศาสตร์ ป.4"
    assert first[1] == "10 ธันวาคม 2569", "the Buddhist-Era date"
    assert first[5:] == ["2/2569", "2570", "90", "1.50"]
    totals = [r for r in rows[2:] if r]
    assert [r[5:] for r in totals] == [["2/2569", "", "90", "1.50"], ["", "2570", "90", "1.50"]]
    with in_db() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "export.plc_hours")).target_id == \
            circle["member_id"], "exports are audited"
    error(call("member", "GET", f"/api/v1/users/{circle['member_id']}/plc-hours?format=xml"), 422, "format")


def test_csv_exports_are_rate_limited(app, call, circle, world, token):
    path = f"/api/v1/users/{circle['member_id']}/plc-hours"
    http = app.test_client()
    headers = {"Authorization": f"Bearer {token('member')}"}
    for _ in range(30):
        assert http.get(path + "?format=csv", headers=headers).status_code == 200
    limited = error(call("member", "GET", path + "?format=csv"), 429)
    assert limited["error"] == "rate_limited"
    assert ok(call("member", "GET", path))["rows"] == [], "reading the ledger itself is not an export"


def test_who_reads_a_ledger(call, circle, world):
    _onsite_ledger(call, circle, world)
    path = f"/api/v1/users/{circle['member_id']}/plc-hours"
    for key in ("member", "director", "coordinator", "admin"):
        assert ok(call(key, "GET", path))["totals"]["minutes"] == 90, key
    # The coach sees the teacher (network staff) but does not manage them.
    error(call("coach", "GET", path), 403)
    error(call("coach", "GET", path + "?format=csv"), 403)
    hidden = error(call("outsider", "GET", path), 404)
    assert hidden == error(call("outsider", "GET", f"/api/v1/users/{NO_SUCH_ID}/plc-hours"), 404)
    assert ok(call("teacher2", "GET", f"/api/v1/users/{world.teacher2.id}/plc-hours")) == {
        "user": {"id": world.teacher2.id, "name_th": "ครู teacher2", "name_en": "Teacher2 Tester"}, "rows": [],
        "totals": {"terms": [], "fiscal_years": [], "minutes": 0, "hours": 0.0}}


# ---------------------------------------------------------------------------- after the session


def test_summary_notifies_every_participant(call, live, circle, world):
    sid = live["id"]
    body = {"decisions": "ทุกห้องทดลองใช้**สื่อจริง**สอนเศษส่วน",
            "action_items": [{"text": "เตรียมสื่อแท่งเศษส่วน", "owner_id": circle["member_id"], "due_on": "2026-12-01"},
                             {"text": "สังเกตชั้นเรียน"}]}
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json=body), 409, "state")
    ok(call("teacher", "POST", f"{SESSIONS}/{sid}/end"))
    error(call("coach", "POST", f"{SESSIONS}/{sid}/summary", json=body), 403)
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json={**body, "decisions": "  "}), 422, "decisions")
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json={
        "decisions": "x", "action_items": [{"text": "y", "owner_id": world.outsider.id}]}), 422, "action_items")
    error(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json={
        "decisions": "x", "action_items": [{"text": "y", "due_on": "31/12/2569"}]}), 422, "action_items")
    shown = ok(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json=body))
    assert shown["summary"]["decisions"] == body["decisions"]
    assert "<strong>สื่อจริง</strong>" in shown["summary"]["decisions_html"]
    assert [(a["text"], a["owner"] and a["owner"]["id"], a["due_on"]) for a in shown["action_items"]] == [
        ("เตรียมสื่อแท่งเศษส่วน", circle["member_id"], "2026-12-01"), ("สังเกตชั้นเรียน", None, None)]
    assert ok(call("member", "GET", f"{SESSIONS}/{sid}"))["summary"]["decisions"] == body["decisions"]

    # Every member and the guest are notified once; the host, who wrote it, is not.
    for key in ("coach", "member", "teacher2"):
        notes = ok(call(key, "GET", "/api/v1/notifications"))["items"]
        summaries = [n for n in notes if n["kind"] == "session_summary"]
        assert len(summaries) == 1 and "PLC ออนไลน์ ครั้งที่ 1" in summaries[0]["title"], key
    assert ok(call("teacher", "GET", "/api/v1/notifications"))["items"] == []
    ok(call("teacher", "POST", f"{SESSIONS}/{sid}/summary", json={**body, "decisions": "แก้ไขสรุป"}))
    assert len([n for n in ok(call("coach", "GET", "/api/v1/notifications"))["items"]
                if n["kind"] == "session_summary"]) == 1, "a rewrite does not notify again"

    # Reading a notification: one's own only; someone else's is not there.
    note = next(n for n in ok(call("coach", "GET", "/api/v1/notifications"))["items"]
                if n["kind"] == "session_summary")
    hidden = error(call("member", "POST", f"/api/v1/notifications/{note['id']}/read"), 404)
    assert hidden == error(call("member", "POST", f"/api/v1/notifications/{NO_SUCH_ID}/read"), 404)
    read = ok(call("coach", "POST", f"/api/v1/notifications/{note['id']}/read"))
    assert read["id"] == note["id"] and read["read_at"]
    assert ok(call("coach", "POST", f"/api/v1/notifications/{note['id']}/read"))["read_at"] == read["read_at"]
    after = ok(call("coach", "GET", "/api/v1/notifications"))
    assert note["id"] not in [n["id"] for n in after["items"]] and after["unread"] == len(after["items"])


# ---------------------------------------------------------------------------- tenancy


@pytest.mark.parametrize("key", ["outsider", "coordinator2", "director_c"])
def test_another_tenant_gets_404_on_every_session_route(call, live, world, in_db, key):
    sid = live["id"]
    with in_db():
        post_as(_user("teacher"), sid, "ความลับของวง", "secret-1")
    bodies = {"onsite-attendance": {"attendees": [{"user_id": world.teacher.id, "minutes": 30}]},
              "summary": {"decisions": "ข้อสรุป"}}
    routes = [("GET", ""), ("GET", "/messages"), ("GET", "/messages?since_id=0"), ("GET", "/attendance"),
              ("POST", "/start"), ("POST", "/end"), ("POST", "/onsite-attendance"), ("POST", "/summary")]
    for method, suffix in routes:
        kwargs = {"json": bodies[suffix.strip("/")]} if suffix.strip("/") in bodies else {}
        hidden = error(call(key, method, f"{SESSIONS}/{sid}{suffix}", **kwargs), 404)
        assert hidden["error"] == "not_found"
        missing = error(call(key, method, f"{SESSIONS}/{NO_SUCH_ID}{suffix}", **kwargs), 404)
        assert hidden == missing, (method, suffix)
    assert ok(call(key, "GET", SESSIONS))["items"] == []
    assert ok(call(key, "GET", f"{SESSIONS}?upcoming=true"))["total"] == 0
    assert ok(call(key, "GET", f"{SESSIONS}?circle_id={live['circle']['id']}"))["total"] == 0
    with in_db() as session:
        assert session.get(LiveSession, sid).state == "live", "nothing changed"
        assert session.scalar(select(func.count(ChatMessage.id))) == 1
        denials = session.scalars(select(AuditEvent).where(AuditEvent.actor_id == world.users[key].id,
                                                           AuditEvent.action == "authz.denied"))
        assert "live_session.messages" in {d.details.get("attempted") for d in denials}, "denials are audited"
