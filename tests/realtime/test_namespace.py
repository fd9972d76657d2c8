"""The /live namespace through Flask-SocketIO's test client: authorization on connect and on every
event, commit-before-ack, idempotent retries, tombstones, rate limits, presence and attendance."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.extensions import db, socketio
from plc.models import Circle, School, User
from plc.models._types import utcnow
from plc.models.live_sessions import Attendance, ChatMessage, LiveSession
from plc.services import circles, live_sessions
from plc.services.circles import CircleInput
from plc.services.live_sessions import SessionInput
from tests.conftest import csrf_from, login, post_form


def _user(email_key: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{email_key}@example.org"))


@pytest.fixture
def live(app, world):
    """A live online session of a school-A circle with teacher (host), director and coach (network)."""
    with app.app_context():
        circle = circles.create(_user("teacher"), db.session.get(School, world.school_a.id),
                                CircleInput(name="วงภาษาไทย"))
        circles.add_member(_user("teacher"), circle, _user("director"))
        circles.add_member(_user("teacher"), circle, _user("coach"))
        session = live_sessions.schedule(_user("teacher"), circle, SessionInput(
            title="PLC ออนไลน์ ครั้งที่ 1", starts_at=utcnow() - timedelta(minutes=5), duration_minutes=60))
        live_sessions.start(_user("teacher"), session)
        db.session.commit()
        return {"id": session.id, "circle_id": circle.id}


def payload(event: dict):
    args = event["args"]
    return args[0] if isinstance(args, list) else args


def connect(app, key: str, *, csrf: bool = True):
    http = app.test_client()
    login(http, f"{key}@example.org")
    token = csrf_from(http, "/") if csrf else "bogus"
    return socketio.test_client(app, namespace="/live", auth={"csrf_token": token}, flask_test_client=http), http


def test_connect_needs_a_login_and_the_csrf_token(app, world):
    anonymous = socketio.test_client(app, namespace="/live", auth={}, flask_test_client=app.test_client())
    assert not anonymous.is_connected("/live")
    bad_token, _http = connect(app, "teacher", csrf=False)
    assert not bad_token.is_connected("/live")
    good, _http = connect(app, "teacher")
    assert good.is_connected("/live")


def test_outsider_cannot_join_read_or_send(app, world, live):
    outsider, _http = connect(app, "outsider")
    assert outsider.emit("join", {"session_id": live["id"], "since_id": 0}, namespace="/live", callback=True)["ok"] is False
    ack = outsider.emit("send_message", {"session_id": live["id"], "body": "สวัสดี", "client_id": "x1"},
                        namespace="/live", callback=True)
    assert ack == {"ok": False, "error": "not_found", "message": ack["message"]}
    with app.app_context():
        assert db.session.scalar(select(ChatMessage.id)) is None


def test_messages_are_stored_before_the_ack_and_reach_the_room(app, world, live):
    host, _h = connect(app, "teacher")
    director, _d = connect(app, "director")
    for client in (host, director):
        assert client.emit("join", {"session_id": live["id"], "since_id": 0}, namespace="/live", callback=True)["ok"]
    director.get_received("/live")
    ack = host.emit("send_message", {"session_id": live["id"], "body": "  สวัสดีครับ ทุกคน  ", "client_id": "c-1"},
                    namespace="/live", callback=True)
    assert ack["ok"] and ack["message"]["body"] == "สวัสดีครับ ทุกคน" and ack["message"]["id"] >= 1
    with app.app_context():
        stored = db.session.scalar(select(ChatMessage).where(ChatMessage.client_id == "c-1"))
        assert stored.seq == ack["message"]["id"]
    received = [e for e in director.get_received("/live") if e["name"] == "message"]
    assert [payload(e)["body"] for e in received] == ["สวัสดีครับ ทุกคน"]


def test_a_retried_client_id_returns_the_stored_message(app, world, live):
    host, _h = connect(app, "teacher")
    host.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    first = host.emit("send_message", {"session_id": live["id"], "body": "ครั้งเดียว", "client_id": "retry-1"},
                      namespace="/live", callback=True)
    again = host.emit("send_message", {"session_id": live["id"], "body": "ครั้งเดียว", "client_id": "retry-1"},
                      namespace="/live", callback=True)
    assert first["message"]["id"] == again["message"]["id"]
    with app.app_context():
        assert len(db.session.scalars(select(ChatMessage)).all()) == 1


def test_ids_increase_and_reconnecting_clients_replay_with_tombstones(app, world, live):
    host, _h = connect(app, "teacher")
    host.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    ids = [host.emit("send_message", {"session_id": live["id"], "body": f"ข้อความ {n}", "client_id": f"m{n}"},
                     namespace="/live", callback=True)["message"]["id"] for n in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    deleted = host.emit("delete_message", {"session_id": live["id"], "message_id": ids[1]}, namespace="/live",
                        callback=True)
    assert deleted["ok"] and deleted["message"]["deleted"] and deleted["message"]["body"] == ""
    director, _d = connect(app, "director")
    replay = director.emit("join", {"session_id": live["id"], "since_id": ids[2]}, namespace="/live", callback=True)
    bodies = [(m["id"], m["deleted"]) for m in replay["messages"]]
    assert bodies == [(ids[3], False), (ids[4], False), (ids[1], True)], "newer messages, then the tombstone"
    assert replay["truncated"] is False


def test_only_authors_edit_and_hosts_delete_any(app, world, live):
    host, _h = connect(app, "teacher")
    director, _d = connect(app, "director")
    for client in (host, director):
        client.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    mine = director.emit("send_message", {"session_id": live["id"], "body": "ของฉัน", "client_id": "d1"},
                         namespace="/live", callback=True)["message"]
    assert host.emit("edit_message", {"session_id": live["id"], "message_id": mine["id"], "body": "แก้"},
                     namespace="/live", callback=True)["ok"] is False
    edited = director.emit("edit_message", {"session_id": live["id"], "message_id": mine["id"], "body": "แก้แล้ว"},
                           namespace="/live", callback=True)
    assert edited["ok"] and edited["message"]["body"] == "แก้แล้ว" and edited["message"]["event_id"] > mine["id"]
    assert host.emit("delete_message", {"session_id": live["id"], "message_id": mine["id"]}, namespace="/live",
                     callback=True)["ok"]


def test_bad_messages_are_refused_and_nothing_is_broadcast(app, world, live):
    host, _h = connect(app, "teacher")
    director, _d = connect(app, "director")
    for client in (host, director):
        client.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    director.get_received("/live")
    for body, client_id in (("", "e1"), ("ก" * 2001, "e2"), ("ok", ""), ("ok", "has spaces!")):
        ack = host.emit("send_message", {"session_id": live["id"], "body": body, "client_id": client_id},
                        namespace="/live", callback=True)
        assert ack["ok"] is False and ack["message"]
    assert [e for e in director.get_received("/live") if e["name"] == "message"] == []


def test_twenty_messages_per_ten_seconds(app, world, live):
    host, _h = connect(app, "teacher")
    host.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    acks = [host.emit("send_message", {"session_id": live["id"], "body": f"{n}", "client_id": f"r{n}"},
                      namespace="/live", callback=True) for n in range(21)]
    assert all(a["ok"] for a in acks[:20])
    assert acks[20]["ok"] is False and acks[20]["error"] == "rate_limited"
    with app.app_context():
        assert len(db.session.scalars(select(ChatMessage)).all()) == 20


def test_the_send_limit_is_a_moving_window_per_user():
    from plc.realtime.live import SEND_LIMIT
    from plc.realtime.presence import MemoryLimits

    now = [1000.0]
    limits = MemoryLimits(clock=lambda: now[0])
    assert all(limits.hit(SEND_LIMIT, "chat", "1") for _ in range(20))
    assert not limits.hit(SEND_LIMIT, "chat", "1"), "the 21st within ten seconds"
    assert limits.hit(SEND_LIMIT, "chat", "2"), "another user has a limit of their own"
    now[0] += 9.9
    assert not limits.hit(SEND_LIMIT, "chat", "1")
    now[0] += 0.2
    assert limits.hit(SEND_LIMIT, "chat", "1"), "ten seconds after the first hits, room again"


def test_muted_participants_and_read_only_rooms(app, world, live):
    host, _h = connect(app, "teacher")
    director, _d = connect(app, "director")
    for client in (host, director):
        client.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    with app.app_context():
        director_id = _user("director").id
    coach, _c = connect(app, "coach")
    assert coach.emit("mute", {"session_id": live["id"], "user_id": director_id}, namespace="/live",
                      callback=True)["ok"] is False, "only the host (and the circle's managers) moderate"
    director.get_received("/live")
    assert host.emit("mute", {"session_id": live["id"], "user_id": director_id}, namespace="/live", callback=True)["ok"]
    told = [payload(e) for e in director.get_received("/live") if e["name"] == "muted"]
    assert told == [{"session_id": live["id"], "muted": True}], "the muted participant hears it at once"
    assert not [e for e in host.get_received("/live") if e["name"] == "muted"], "only the participant is told"
    ack = director.emit("send_message", {"session_id": live["id"], "body": "ได้ยินไหม", "client_id": "m1"},
                        namespace="/live", callback=True)
    assert ack["error"] == "muted"
    host.emit("set_read_only", {"session_id": live["id"], "read_only": True}, namespace="/live", callback=True)
    assert host.emit("send_message", {"session_id": live["id"], "body": "ประกาศ", "client_id": "h1"},
                     namespace="/live", callback=True)["ok"], "the host can still write"
    with app.app_context():
        from plc.models import AuditEvent

        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"live.muted", "live.read_only"} <= actions


def test_presence_shows_who_is_here(app, world, live):
    host, _h = connect(app, "teacher")
    director, _d = connect(app, "director")
    host.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    ack = director.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    assert {p["name"] for p in ack["presence"]} == {world.teacher.name_th, world.director.name_th}
    director.disconnect("/live")
    presence = [payload(e) for e in host.get_received("/live") if e["name"] == "presence"]
    assert {p["name"] for p in presence[-1]["present"]} == {world.teacher.name_th}


def test_logout_disconnects_the_users_sockets(app, world, live):
    director, http = connect(app, "director")
    director.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    assert director.is_connected("/live")
    post_form(http, "/auth/logout", page="/")
    assert not director.is_connected("/live")


def test_attendance_intervals_are_written_as_they_happen(app, world, live):
    director, _d = connect(app, "director")
    director.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    with app.app_context():
        row = db.session.scalar(select(Attendance))
        assert row.left_at is None and row.user_id == _user("director").id
    director.disconnect("/live")
    with app.app_context():
        row = db.session.scalar(select(Attendance))
        assert row.left_at is not None


def test_minutes_merge_overlapping_connections(app, world, live):
    with app.app_context():
        session = db.session.get(LiveSession, live["id"])
        director = _user("director")
        start = session.started_at = session.starts_at = utcnow() - timedelta(minutes=70)
        for joined, left in ((0, 30), (10, 20), (40, 50)):
            db.session.add(Attendance(session_id=session.id, user_id=director.id, joined_at=start + timedelta(minutes=joined),
                                      last_seen_at=start, left_at=start + timedelta(minutes=left)))
        db.session.flush()
        rows = live_sessions.attendance(session, now=start + timedelta(minutes=60))
        assert [(r.user.email, r.minutes, r.joins) for r in rows] == [("director@example.org", 40, 3)]
        live_sessions.end(_user("teacher"), session)
        db.session.flush()
        assert [(r.minutes) for r in live_sessions.ledger(director)] == [40]
        circle = db.session.get(Circle, live["circle_id"])
        assert any(m.mode == "online" for m in circle.meetings), "the session counts for the meeting rule"
        db.session.rollback()


def test_sending_into_an_ended_session_is_refused(app, world, live):
    host, _h = connect(app, "teacher")
    host.emit("join", {"session_id": live["id"]}, namespace="/live", callback=True)
    with app.app_context():
        live_sessions.end(_user("teacher"), db.session.get(LiveSession, live["id"]))
        db.session.commit()
    ack = host.emit("send_message", {"session_id": live["id"], "body": "สาย", "client_id": "late"},
                    namespace="/live", callback=True)
    assert ack["ok"] is False and ack["error"] == "not_live"


def test_only_hosts_and_managers_write_in_a_read_only_room(app, world, live):
    """The read-only check asks the circle rule only for someone who is not the host: the coach (a
    member) is refused, the director (who manages school A) may still write."""
    host, _h = connect(app, "teacher")
    assert host.emit("set_read_only", {"session_id": live["id"], "read_only": True}, namespace="/live",
                     callback=True)["ok"]
    coach, _c = connect(app, "coach")
    director, _d = connect(app, "director")
    refused = coach.emit("send_message", {"session_id": live["id"], "body": "ขอถามหน่อย", "client_id": "c1"},
                         namespace="/live", callback=True)
    assert refused["ok"] is False and refused["error"] == "read_only"
    assert director.emit("send_message", {"session_id": live["id"], "body": "ประกาศจาก ผอ.", "client_id": "d1"},
                         namespace="/live", callback=True)["ok"]
    with app.app_context():
        bodies = list(db.session.scalars(select(ChatMessage.body).where(ChatMessage.session_id == live["id"])))
    assert bodies == ["ประกาศจาก ผอ."]


def test_a_retry_after_the_end_returns_the_stored_message(app, world, live):
    host, _h = connect(app, "teacher")
    sent = host.emit("send_message", {"session_id": live["id"], "body": "ก่อนจบ", "client_id": "last"},
                     namespace="/live", callback=True)
    with app.app_context():
        live_sessions.end(_user("teacher"), db.session.get(LiveSession, live["id"]))
        db.session.commit()
    retried = host.emit("send_message", {"session_id": live["id"], "body": "ก่อนจบ", "client_id": "last"},
                        namespace="/live", callback=True)
    assert retried == sent and sent["ok"], "the acknowledgement was lost, not the message"


def test_a_change_not_yet_flushed_counts_for_the_next_message(app, world, live):
    """The chat's Core statements flush pending ORM changes first (execute_core): a host's
    read-only switch made earlier in the same transaction already applies."""
    from plc import authz

    with app.app_context():
        coach, session = _user("coach"), db.session.get(LiveSession, live["id"])
        session.read_only = True  # pending: no ORM query runs before the chat's Core statements
        access = authz.session_access(coach, live["id"])
        with pytest.raises(live_sessions.SessionError) as refused:
            live_sessions.post_message(access, "ยังพิมพ์ได้ไหม", "c-unflushed")
        assert refused.value.code == "read_only"
        db.session.rollback()
