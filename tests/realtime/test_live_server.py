"""The /live namespace against a REAL gunicorn process (``gunicorn.conf.py``, as ``make run``) with the
python-socketio client over real websockets: Origin and CSRF on connect, reconnect-and-replay from
the last event id, a SIGKILL mid-stream without losing or duplicating a message, and an outsider who
can neither join, send nor read.

The server always runs on its own SQLite instance (migrated + ``flask seed demo``), whatever
DATABASE_URL the rest of the suite uses. Helpers: tests/realtime_server.py.
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
import requests
import socketio

from tests.realtime_server import (
    AppServer,
    LiveClient,
    connect_raw,
    login,
    prepare_instance,
    server_env,
    start_demo_session,
)

pytestmark = pytest.mark.live_server


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    env = server_env(tmp_path_factory.mktemp("live-server"))
    prepare_instance(env)
    return env


@pytest.fixture(scope="module")
def server(live_env):
    app_server = AppServer(live_env).start()
    yield app_server
    app_server.stop()


@pytest.fixture
def session_id(live_env) -> int:
    """A fresh live session of the demo N1 network circle (coach hosts; teacher, teacher2 members)."""
    return start_demo_session(live_env)


@pytest.fixture
def closing():
    """Collects clients and closes them after the test, whatever happened."""
    opened: list = []
    yield opened
    for client in opened:
        with contextlib.suppress(Exception):  # best effort
            (client.close if isinstance(client, LiveClient) else client.disconnect)()


def _refused(url, login_, **kwargs) -> bool:
    try:
        client = connect_raw(url, login_, timeout=5, **kwargs)
    except socketio.exceptions.ConnectionError:
        return True
    client.disconnect()
    return False


def test_foreign_origin_is_refused_and_same_origin_works(server, closing):
    teacher = login(server.url, "teacher@example.org")
    auth = {"csrf_token": teacher.csrf_token}
    for transports in (("websocket",), ("polling",)):
        assert _refused(server.url, teacher, auth=auth, origin="http://evil.example", transports=transports)
        assert _refused(server.url, teacher, auth=auth, origin="http://127.0.0.1.evil.example",
                        transports=transports)
    # The same origin (the browser sends scheme://host:port of the page) is accepted.
    same = connect_raw(server.url, teacher, auth=auth, origin=server.url)
    closing.append(same)
    assert same.connected and "/live" in same.namespaces
    default = connect_raw(server.url, teacher, auth=auth)  # websocket-client sends the server's own origin
    closing.append(default)
    assert default.connected


def test_connect_needs_the_csrf_token_and_a_login(server, closing):
    teacher = login(server.url, "teacher@example.org")
    assert _refused(server.url, teacher, auth=None)
    assert _refused(server.url, teacher, auth={})
    assert _refused(server.url, teacher, auth={"csrf_token": "forged." + teacher.csrf_token[7:]})
    other = login(server.url, "teacher2@example.org")
    assert _refused(server.url, teacher, auth={"csrf_token": other.csrf_token})  # another session's token
    assert _refused(server.url, None, auth={"csrf_token": teacher.csrf_token})  # no session cookie
    good = connect_raw(server.url, teacher, auth={"csrf_token": teacher.csrf_token})
    closing.append(good)
    assert good.connected


def test_reconnect_and_replay_gets_exactly_the_missed_messages(server, session_id, closing):
    a = LiveClient(server.url, login(server.url, "teacher@example.org"), session_id, reconnection=False)
    b = LiveClient(server.url, login(server.url, "teacher2@example.org"), session_id, reconnection=False)
    closing.extend([a, b])
    for client in (a.connect(), b.connect()):
        assert client.join(since_id=0)["ok"]

    for i in range(3):
        assert b.send(f"ก่อนหลุด {i}", f"before-{i}")["ok"]
    assert a.wait_for(lambda c: len(c.messages) == 3), a.messages
    seen = a.ordered()
    last_seen = a.last_event_id
    a.close()

    missed = [b.send(f"ระหว่างหลุด {i} สวัสดีครับ", f"during-{i}")["message"] for i in range(4)]
    assert all(m["event_id"] > last_seen for m in missed)

    again = LiveClient(server.url, a.login, session_id, reconnection=False)
    closing.append(again)
    again.connect()
    ack = again.join(since_id=last_seen)
    assert ack["ok"] and ack["truncated"] is False
    assert [m["event_id"] for m in ack["messages"]] == [m["event_id"] for m in missed]
    assert [m["client_id"] for m in ack["messages"]] == [f"during-{i}" for i in range(4)]
    assert [m["body"] for m in ack["messages"]] == [m["body"] for m in missed]
    # Nothing seen before is sent again, and the whole conversation is in order.
    full = [m["client_id"] for m in seen] + [m["client_id"] for m in ack["messages"]]
    assert full == [f"before-{i}" for i in range(3)] + [f"during-{i}" for i in range(4)]


def test_kill_and_restart_loses_and_duplicates_nothing(live_env, session_id, closing):
    """SIGKILL the server while three participants are sending; they retry unacknowledged sends with
    the same client_id, the server restarts on the same port and database, they re-join from their
    last event id: every message is stored and acknowledged once, everybody ends with the same list."""
    app_server = AppServer(live_env).start()
    try:
        people = ["coach@example.org", "teacher@example.org", "teacher2@example.org"]
        clients = [LiveClient(app_server.url, login(app_server.url, email), session_id, name=email.split("@")[0])
                   for email in people]
        closing.extend(clients)
        for client in clients:
            client.connect()
            assert client.join(since_id=0)["ok"]

        per_sender = 12
        acks: dict[str, dict] = {}
        attempts: dict[str, int] = {}
        errors: list[BaseException] = []
        acked = threading.Semaphore(0)
        deadline = time.monotonic() + 90

        def sender(client: LiveClient) -> None:
            try:
                for i in range(per_sender):
                    client_id = f"{client.name}-{i}"
                    ack, tries = client.send_until_acknowledged(f"{client.name} ข้อความที่ {i}", client_id,
                                                                deadline=deadline)
                    assert ack.get("ok"), ack
                    acks[client_id], attempts[client_id] = ack["message"], tries
                    acked.release()
                    time.sleep(0.1)
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                errors.append(error)

        threads = [threading.Thread(target=sender, args=(c,), daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        for _ in range(10):  # mid-stream: some messages acknowledged, most still to come
            assert acked.acquire(timeout=30), "no progress before the kill"
        app_server.kill()
        time.sleep(0.5)
        app_server.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not errors, errors
        assert all(not t.is_alive() for t in threads)

        total = per_sender * len(clients)
        assert len(acks) == total
        for client in clients:
            assert client.wait_for(lambda c: len(c.messages) >= total, timeout=30), \
                (client.name, len(client.messages), client.connects)
        assert all(c.connects >= 2 for c in clients), "every client reconnected after the kill"

        # The record: exactly one stored message per client_id, with the acknowledged id.
        checker = LiveClient(app_server.url, clients[0].login, session_id, reconnection=False)
        closing.append(checker)
        checker.connect()
        history = checker.join(since_id=0)["messages"]
        assert [m["client_id"] for m in history].count("coach-0") == 1
        assert sorted(m["client_id"] for m in history) == sorted(acks)
        by_client_id = {m["client_id"]: m for m in history}
        assert all(by_client_id[cid]["id"] == ack["id"] for cid, ack in acks.items())
        event_ids = [m["event_id"] for m in history]
        assert event_ids == sorted(set(event_ids))
        for cid_prefix in ("coach", "teacher", "teacher2"):  # each author's messages in sending order
            own = [m["client_id"] for m in history if m["client_id"].rsplit("-", 1)[0] == cid_prefix]
            assert own == [f"{cid_prefix}-{i}" for i in range(per_sender)]
        # Every participant ends with the full ordered list, no duplicates.
        for client in clients:
            mine = client.ordered()
            assert [(m["event_id"], m["client_id"]) for m in mine] == [(m["event_id"], m["client_id"])
                                                                     for m in history], client.name
    finally:
        for client in closing:
            client.close()
        closing.clear()
        app_server.stop()


def test_an_outsider_socket_cannot_join_send_or_read(server, session_id, closing):
    outsider_login = login(server.url, "outsider@example.org")
    outsider = LiveClient(server.url, outsider_login, session_id, reconnection=False)
    coach = LiveClient(server.url, login(server.url, "coach@example.org"), session_id, reconnection=False)
    closing.extend([outsider, coach])
    outsider.connect()  # a logged-in user may connect; the session itself stays closed to them
    coach.connect()
    assert coach.join(since_id=0)["ok"]

    for since in (0, -1, 10**9):
        ack = outsider.join(since_id=since)
        assert ack["ok"] is False and ack["error"] == "not_found" and "messages" not in ack
    for bogus in ({"session_id": session_id}, {"session_id": str(session_id), "since_id": "x"}, None, "x", [1],
                  {"session_id": 10**30}):
        ack = outsider.sio.call("join", bogus, namespace="/live", timeout=10)
        assert ack["ok"] is False
    ack = outsider.send("แอบส่ง", "sneaky-1")
    assert ack["ok"] is False and ack["error"] == "not_found"

    secret = "ความลับของวง 42"
    assert coach.send(secret, "secret-1")["ok"]
    time.sleep(1.0)
    assert outsider.messages == {} and outsider.presence == [] and outsider.deliveries == []
    assert [m["client_id"] for m in coach.ordered()] == ["secret-1"]  # the outsider's send stored nothing
    # Nor over HTTP, with the browser session or an API token.
    page = outsider_login.http.get(f"{server.url}/api/v1/live-sessions/{session_id}/messages?since_id=0",
                                   timeout=15, headers={"Accept": "application/json"})
    assert page.status_code in (401, 403, 404) and secret not in page.text
    token = requests.post(f"{server.url}/api/v1/auth/token", json={"email": "outsider@example.org",
                                                                  "password": "demo-pass-2567"}, timeout=15)
    if token.status_code == 200:
        api = requests.get(f"{server.url}/api/v1/live-sessions/{session_id}/messages?since_id=0", timeout=15,
                           headers={"Authorization": f"Bearer {token.json()['token']}"})
        assert api.status_code == 404 and secret not in api.text
