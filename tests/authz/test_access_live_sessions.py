"""One way in for live sessions, the circle a session is scheduled in, a teacher's PLC-hours ledger and
a notification (``authz.access_session``, ``access_session_circle``, ``access_ledger``,
``access_notification``, and ``find_session`` for the socket): the page and the API endpoint of the same
operation answer the same status for a missing id, another tenant's row and a refused action, and
audit the refusal under the same action name; the socket keeps its error codes and audits the same
refusals as the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plc import authz
from plc.extensions import db, socketio
from plc.models import AuditEvent, Circle, User
from plc.models._types import utcnow
from plc.models.live_sessions import ChatMessage, LiveSession
from plc.services import circles, live_sessions, notifications
from plc.services.live_sessions import SessionInput
from tests.conftest import csrf_from, login
from tests.live_helpers import post_as
from tests.plc_helpers import build_plc_work

NO_SUCH_ID = 987654
SESSIONS = "/api/v1/live-sessions"
TENANTS = ("outsider", "coordinator2")


@pytest.fixture
def live(world, in_db) -> dict:
    """A live online session of the school-A circle, hosted by the teacher; the director is a member.
    The network coach sees the circle but is not in it, so sees the session and may do nothing to it."""
    work = build_plc_work(in_db, world)
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        circle = session.get(Circle, work["circle_id"])
        circles.add_member(teacher, circle, session.get(User, world.director.id))
        row = live_sessions.schedule(teacher, circle, SessionInput(
            title="PLC ออนไลน์ ทดสอบสิทธิ์", starts_at=utcnow() - timedelta(minutes=5), duration_minutes=60))
        live_sessions.start(teacher, row)
        session.flush()
        return {"id": row.id, "circle_id": circle.id}


def page_client(app, key: str):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    return client


def page(app, key: str, method: str, path: str):
    client = page_client(app, key)
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(client, "/")})


def denials(in_db, world, key: str) -> list[tuple[str, int]]:
    """The refusals audited for ``key``, oldest first: (attempted action, status)."""
    with in_db() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "authz.denied", AuditEvent.actor_id == world.users[key].id).order_by(AuditEvent.id))
        return [(e.details.get("attempted"), e.details.get("status")) for e in events]


def both(app, call, in_db, world, key, html, api, body=None):
    """The page's and the API's status for the same operation, and what each audited for ``key``."""
    before = len(denials(in_db, world, key))
    html_status = page(app, key, *html).status_code
    after_html = denials(in_db, world, key)
    kwargs = {"json": body} if body is not None else {}
    api_status = call(key, api[0], api[1], **kwargs).status_code
    after_api = denials(in_db, world, key)
    return (html_status, after_html[before:]), (api_status, after_api[len(after_html):])


# (action, page method and path, API method and path, API body); {id} is the session.
SESSION_OPERATIONS = [
    ("live_session.view", ("GET", "/live/{id}"), ("GET", SESSIONS + "/{id}"), None),
    ("live_session.start", ("POST", "/live/{id}/start"), ("POST", SESSIONS + "/{id}/start"), None),
    ("live_session.end", ("POST", "/live/{id}/end"), ("POST", SESSIONS + "/{id}/end"), None),
    ("live_session.summary", ("POST", "/live/{id}/summary"), ("POST", SESSIONS + "/{id}/summary"),
     {"decisions": "ข้อสรุปของวง"}),
    # The page audited this refusal as "live_session.attendance", the API as "live_session.onsite_attendance";
    # "live_session.attendance" is the API's reading of the minutes, a different rule: the API's name won.
    ("live_session.onsite_attendance", ("POST", "/live/{id}/attendance"),
     ("POST", SESSIONS + "/{id}/onsite-attendance"), {"attendees": [{"user_id": 1, "minutes": 30}]}),
]


def _paths(operation, object_id):
    _action, (html_method, html_path), (api_method, api_path), body = operation
    return (html_method, html_path.format(id=object_id)), (api_method, api_path.format(id=object_id)), body


@pytest.mark.parametrize("operation", SESSION_OPERATIONS, ids=[op[0] for op in SESSION_OPERATIONS])
def test_a_missing_session_is_404_on_both_and_not_audited(app, call, in_db, world, live, operation):
    html, api, body = _paths(operation, NO_SUCH_ID)
    assert both(app, call, in_db, world, "teacher", html, api, body) == ((404, []), (404, []))


@pytest.mark.parametrize("key", TENANTS)
@pytest.mark.parametrize("operation", SESSION_OPERATIONS, ids=[op[0] for op in SESSION_OPERATIONS])
def test_another_tenants_session_is_404_on_both_audited_alike(app, call, in_db, world, live, operation, key):
    html, api, body = _paths(operation, live["id"])
    audited = [(operation[0], 404)]
    assert both(app, call, in_db, world, key, html, api, body) == ((404, audited), (404, audited))


@pytest.mark.parametrize("operation", SESSION_OPERATIONS[1:], ids=[op[0] for op in SESSION_OPERATIONS[1:]])
def test_what_only_the_host_does_is_403_on_both_audited_alike(app, call, in_db, world, live, operation):
    html, api, body = _paths(operation, live["id"])
    audited = [(operation[0], 403)]
    assert both(app, call, in_db, world, "coach", html, api, body) == ((403, audited), (403, audited))
    with in_db() as session:
        assert session.get(LiveSession, live["id"]).state == "live", "nothing changed"


def test_scheduling_asks_the_same_rule_of_the_circle_on_both(app, call, in_db, world, live):
    def schedule(key, circle_id):
        body = {"circle_id": circle_id, "title": "PLC ออนไลน์", "duration_minutes": 60, "mode": "online",
                "starts_at": (utcnow() + timedelta(days=1)).replace(microsecond=0).isoformat()}
        return both(app, call, in_db, world, key, ("POST", f"/circles/{circle_id}/sessions/new"),
                    ("POST", SESSIONS), body)

    assert schedule("teacher", NO_SUCH_ID) == ((404, []), (404, []))
    hidden = [("live_session.schedule", 404)]
    assert schedule("outsider", live["circle_id"]) == ((404, hidden), (404, hidden))
    assert schedule("teacher2", live["circle_id"]) == ((404, hidden), (404, hidden)), "school B: not its circle"
    # The area viewer sees the circle (its office's school) but neither runs it nor coaches in it.
    refused = [("live_session.schedule", 403)]
    assert schedule("area_viewer", live["circle_id"]) == ((403, refused), (403, refused))


def test_a_ledger_is_asked_the_same_way_on_both(app, call, in_db, world, live):
    def ledger(key, user_id, suffix=""):
        return both(app, call, in_db, world, key, ("GET", f"/people/{user_id}/plc-hours{suffix}"),
                    ("GET", f"/api/v1/users/{user_id}/plc-hours" + ("?format=csv" if suffix else "")))

    assert ledger("coordinator", NO_SUCH_ID) == ((404, []), (404, []))
    hidden = [("ledger.view", 404)]
    assert ledger("outsider", world.teacher.id) == ((404, hidden), (404, hidden))
    refused = [("ledger.view", 403)]
    assert ledger("coach", world.teacher.id) == ((403, refused), (403, refused)), "sees the teacher, not the ledger"
    assert ledger("coach", world.teacher.id, ".csv") == ((403, refused), (403, refused))
    assert ledger("coordinator", world.teacher.id)[0][0] == 200


def test_someone_elses_notification_is_404_on_both_audited_alike(app, call, in_db, world, live):
    with in_db() as session:
        note = notifications.notify(world.teacher.id, "session_scheduled", "PLC", f"/live/{live['id']}")
        session.flush()
        note_id = note.id
    html, api = ("POST", f"/notifications/{note_id}/read"), ("POST", f"/api/v1/notifications/{note_id}/read")
    hidden = [("notification.read", 404)]
    assert both(app, call, in_db, world, "director", html, api) == ((404, hidden), (404, hidden))
    missing = ("POST", f"/notifications/{NO_SUCH_ID}/read"), ("POST", f"/api/v1/notifications/{NO_SUCH_ID}/read")
    assert both(app, call, in_db, world, "director", *missing) == ((404, []), (404, []))
    assert call("teacher", "POST", f"/api/v1/notifications/{note_id}/read").status_code == 200


# ---------------------------------------------------------------------------- the chat's rule and the state


def _overdue(in_db, session_id: int) -> None:
    with in_db() as session:
        row = session.get(LiveSession, session_id)
        row.starts_at = row.started_at = utcnow() - timedelta(hours=3)


def test_a_session_left_running_counts_as_ended_for_who_reads_its_chat(call, in_db, world, live):
    """Whether the session has ended decides who reads its chat, so the state is brought up to date
    between seeing the session and asking that rule: the coach (who sees the circle, not in the
    session) reads the transcript of a session that ran past its end, as the page shows it."""
    with in_db():
        post_as(db.session.get(User, world.teacher.id), live["id"], "สวัสดีครับ", "t-1")
    assert call("coach", "GET", f"{SESSIONS}/{live['id']}/messages").status_code == 403, "not while it is live"
    _overdue(in_db, live["id"])
    assert call("outsider", "GET", f"{SESSIONS}/{live['id']}/messages").status_code == 404
    with in_db() as session:
        assert session.get(LiveSession, live["id"]).state == "live", "an unseen caller changes nothing"
    answer = call("coach", "GET", f"{SESSIONS}/{live['id']}/messages")
    assert answer.status_code == 200 and len(answer.get_json()["messages"]) == 1
    with in_db() as session:
        assert session.get(LiveSession, live["id"]).state == "ended"


def _summary_by_page(app, sid: int) -> int:
    client = page_client(app, "teacher")
    return client.post(f"/live/{sid}/summary", data={"csrf_token": csrf_from(client, f"/live/{sid}"),
                                                     "decisions": "ข้อสรุปของวง"}).status_code


# Whoever asks first about a session left running (past its planned end and the grace period), on
# any surface, finds it ended, and saves that: before, only its page and the API's session endpoints
# did, and the page's host actions, its lists and the chat's messages took it as still live.
FIRST_ASKERS = {
    "page: the session": lambda app, call, ids: page(app, "teacher", "GET", f"/live/{ids['id']}").status_code == 200,
    "page: ending it": lambda app, call, ids: page(app, "teacher", "POST", f"/live/{ids['id']}/end").status_code == 302,
    "page: the summary": lambda app, call, ids: _summary_by_page(app, ids["id"]) == 302,
    "page: the sessions": lambda app, call, ids: page(app, "teacher", "GET", "/live").status_code == 200,
    "page: the circle": lambda app, call, ids: page(app, "teacher", "GET",
                                                    f"/circles/{ids['circle_id']}").status_code == 200,
    "api: the session": lambda app, call, ids: call("teacher", "GET", f"{SESSIONS}/{ids['id']}").status_code == 200,
    "api: ending it": lambda app, call, ids: call("teacher", "POST", f"{SESSIONS}/{ids['id']}/end").status_code == 409,
    "api: the summary": lambda app, call, ids: call("teacher", "POST", f"{SESSIONS}/{ids['id']}/summary",
                                                    json={"decisions": "ข้อสรุปของวง"}).status_code == 200,
    "api: the sessions": lambda app, call, ids: call("teacher", "GET", f"{SESSIONS}?upcoming=true").status_code == 200,
    "socket: joining": lambda app, call, ids: _emit(_socket(app, "director"), "join", session_id=ids["id"])[
        "state"]["state"] == "ended",
    "socket: a message": lambda app, call, ids: _emit(_socket(app, "director"), "send_message", session_id=ids["id"],
                                                      body="ยังอยู่ไหม", client_id="late-1")["error"] == "not_live",
}


@pytest.mark.parametrize("first", FIRST_ASKERS)
def test_a_session_left_running_is_ended_by_whichever_surface_asks_first(app, call, in_db, world, live, first):
    _overdue(in_db, live["id"])
    assert FIRST_ASKERS[first](app, call, live), first
    with in_db() as session:
        row = session.get(LiveSession, live["id"])
        assert row.state == "ended", first
        ended_at = row.ended_at
        assert ended_at == live_sessions.planned_end(row) + live_sessions.GRACE, "ended when it should have"
    html = page(app, "teacher", "GET", f"/live/{live['id']}?lang=en").get_data(as_text=True)
    assert "Ended" in html and "Live now" not in html
    listed = call("teacher", "GET", f"{SESSIONS}?circle_id={live['circle_id']}").get_json()["items"]
    assert [(s["id"], s["state"]) for s in listed] == [(live["id"], "ended")]
    with in_db() as session:
        assert session.get(LiveSession, live["id"]).ended_at == ended_at, "ended once"
        assert session.scalar(select(func.count()).select_from(ChatMessage)) == 0, "nothing said after the end"


# ---------------------------------------------------------------------------- the socket


def _socket(app, key: str):
    http = page_client(app, key)
    return socketio.test_client(app, namespace="/live", auth={"csrf_token": csrf_from(http, "/")},
                                flask_test_client=http)


def _emit(socket, event: str, **data):
    return socket.emit(event, data, namespace="/live", callback=True)


def test_the_socket_keeps_its_codes_and_audits_the_refusals_of_the_page(app, in_db, world, live):
    sid = live["id"]
    coach = _socket(app, "coach")
    before = len(denials(in_db, world, "coach"))
    assert _emit(coach, "mute", session_id=sid, user_id=world.director.id)["error"] == "forbidden"
    assert _emit(coach, "set_read_only", session_id=sid, read_only=True)["error"] == "forbidden"
    assert _emit(coach, "join", session_id=sid)["error"] == "not_found", "sees the session, is not in it"
    socket_denials = denials(in_db, world, "coach")[before:]
    assert socket_denials == [("live_session.mute", 403), ("live_session.read_only", 403), ("live_session.join", 403)]
    # The same refusals on the page, under the same names.
    assert page(app, "coach", "POST", f"/live/{sid}/mute").status_code == 403
    assert page(app, "coach", "POST", f"/live/{sid}/read-only").status_code == 403
    assert denials(in_db, world, "coach")[before + 3:] == socket_denials[:2]
    coach.disconnect("/live")

    outsider = _socket(app, "outsider")
    assert _emit(outsider, "join", session_id=sid)["error"] == "not_found"
    assert _emit(outsider, "edit_message", session_id=sid, message_id=1, body="x")["error"] == "not_found"
    assert _emit(outsider, "delete_message", session_id=sid, message_id=1)["error"] == "not_found"
    assert _emit(outsider, "mute", session_id=sid, user_id=world.director.id)["error"] == "forbidden"
    assert _emit(outsider, "join", session_id=NO_SUCH_ID)["error"] == "not_found"
    assert _emit(outsider, "join")["error"] == "not_found"
    assert denials(in_db, world, "outsider") == [("live_session.join", 404), ("live_session.edit_message", 404),
                                                 ("live_session.delete_message", 404), ("live_session.mute", 404)]
    outsider.disconnect("/live")

    host = _socket(app, "teacher")
    assert _emit(host, "join", session_id=sid)["ok"] is True
    assert _emit(host, "mute", session_id=sid, user_id=world.director.id) == {"ok": True}
    assert denials(in_db, world, "teacher") == []
    host.disconnect("/live")


def test_sending_and_typing_are_refused_and_audited_like_the_other_chat_events(app, call, in_db, world, live):
    """send_message and typing ask one statement (authz.session_access) and refused without an audit
    row, where join, the other chat events and the chat's HTTP twin (the API's messages) audit theirs.
    Now both audit a refusal too: 403 for the coach, who sees the session and is not in it, 404 for
    another tenant; a session that does not exist protects nothing."""
    sid = live["id"]
    coach = _socket(app, "coach")
    assert _emit(coach, "send_message", session_id=sid, body="สวัสดี", client_id="c-1")["error"] == "not_found"
    assert _emit(coach, "typing", session_id=sid)["error"] == "not_found"
    assert _emit(coach, "send_message", session_id=NO_SUCH_ID, body="x", client_id="c-2")["error"] == "not_found"
    assert _emit(coach, "typing")["error"] == "not_found"
    assert denials(in_db, world, "coach") == [("live_session.send_message", 403), ("live_session.typing", 403)]
    assert call("coach", "GET", f"{SESSIONS}/{sid}/messages").status_code == 403
    assert denials(in_db, world, "coach")[2:] == [("live_session.messages", 403)]
    coach.disconnect("/live")

    outsider = _socket(app, "outsider")
    assert _emit(outsider, "send_message", session_id=sid, body="สวัสดี", client_id="o-1")["error"] == "not_found"
    assert _emit(outsider, "typing", session_id=sid)["error"] == "not_found"
    assert call("outsider", "GET", f"{SESSIONS}/{sid}/messages").status_code == 404
    assert denials(in_db, world, "outsider") == [("live_session.send_message", 404), ("live_session.typing", 404),
                                                 ("live_session.messages", 404)]
    outsider.disconnect("/live")

    member = _socket(app, "director")
    assert _emit(member, "join", session_id=sid)["ok"] is True
    assert _emit(member, "send_message", session_id=sid, body="สวัสดีครับ", client_id="d-1")["ok"] is True
    assert _emit(member, "typing", session_id=sid)["ok"] is True
    assert denials(in_db, world, "director") == []
    member.disconnect("/live")


def test_the_chat_access_answers_an_attendee_and_refuses_other_actions(app, world, live):
    with app.test_request_context():
        director = db.session.get(User, world.director.id)
        for action in authz.CHAT_ACTIONS:
            assert authz.chat_access(director, live["id"], action).session_id == live["id"]
        with pytest.raises(KeyError):
            authz.chat_access(director, live["id"], "live_session.join")


# ---------------------------------------------------------------------------- the functions themselves


def test_the_access_functions_answer_the_rows_and_refuse_unknown_actions(app, world, live):
    with app.test_request_context():
        teacher, coach = db.session.get(User, world.teacher.id), db.session.get(User, world.coach.id)
        assert authz.access_session(teacher, live["id"], "live_session.start").id == live["id"]
        assert authz.access_session(coach, live["id"], "live_session.view").id == live["id"]
        assert authz.find_session(coach, live["id"], "live_session.view").id == live["id"]
        assert authz.find_session(coach, live["id"], "live_session.end") is None
        assert authz.find_session(coach, None, "live_session.join") is None
        assert authz.access_session_circle(teacher, live["circle_id"], "live_session.schedule").id == live["circle_id"]
        assert authz.access_ledger(teacher, teacher.id, "ledger.view") is teacher
        for action in ("live_session.fly", "ledger.view"):
            with pytest.raises(KeyError):
                authz.access_session(teacher, live["id"], action)
            with pytest.raises(KeyError):
                authz.see_session(teacher, live["id"], action)
        with pytest.raises(KeyError):
            authz.access_ledger(teacher, teacher.id, "live_session.view")
    assert set(authz.SESSION_ACTIONS) >= {"live_session.view", "live_session.onsite_attendance", "live_session.join"}
    assert "live_session.schedule" in authz.SESSION_CIRCLE_ACTIONS
