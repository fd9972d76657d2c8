"""The scaled profile across processes (DESIGN §3): TWO gunicorn app processes with PLC_PROFILE=scaled,
the same SECRET_KEY, one Redis (Socket.IO message queue, presence store, rate limits) and one
PostgreSQL. A message sent through one process reaches a client of the other, presence shows both
users on both processes, and the chat rate limit is counted once for both.

Redis is started here on a free 127.0.0.1 port (no persistence); PostgreSQL is DATABASE_URL when set
(its public schema is reset, as the rest of the suite does), otherwise a throwaway cluster from
scripts/pg-test-server.sh on a free port. Run with ``make test-scaled``. Without redis-server or
PostgreSQL the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import socketio

from tests.realtime_server import (
    IN_CI,
    ROOT,
    AppServer,
    LiveClient,
    connect_raw,
    free_port,
    login,
    prepare_instance,
    server_env,
    start_demo_session,
)

pytestmark = pytest.mark.scaled

PG_SCRIPT = ROOT / "scripts" / "pg-test-server.sh"


def _missing(what: str):
    message = f"the scaled-profile tests need {what}"
    if IN_CI:
        pytest.fail(message + " (CI=true: failing instead of skipping)")
    pytest.skip(message)


def _postgres_available() -> bool:
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        return True
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"], "initdb").exists()
    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))) or shutil.which("initdb") is not None


class Redis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server"), "--save", "", "--appendonly", "no", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(workdir), "--daemonize", "no"],
            stdout=(workdir / "redis.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("redis-server did not start:\n" + (workdir / "redis.log").read_text())
            time.sleep(0.1)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


class Postgres:
    """DATABASE_URL if set, else a throwaway cluster on a free port (stopped and removed after)."""

    def __init__(self):
        self.dir: Path | None = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres", "postgresql")):
            self.url = url
        else:
            # Reachable by the `postgres` OS user when the suite runs as root.
            self.parent = Path(tempfile.mkdtemp(prefix="plc-scaled-pg-", dir="/tmp"))
            self.parent.chmod(0o755)
            self.dir = self.parent / "cluster"
            done = subprocess.run(["bash", str(PG_SCRIPT), "start", str(self.dir), str(free_port())],  # noqa: S603
                                  capture_output=True, text=True, timeout=120, check=False)
            if done.returncode != 0:
                shutil.rmtree(self.parent, ignore_errors=True)
                raise RuntimeError(f"pg-test-server.sh failed:\n{done.stdout}\n{done.stderr}")
            self.url = done.stdout.strip().splitlines()[-1]
        self._reset()

    def _reset(self) -> None:
        from sqlalchemy import create_engine, text

        from plc.config import _normalise_database_url

        engine = create_engine(_normalise_database_url(self.url))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    def stop(self) -> None:
        if self.dir is not None:
            subprocess.run(["bash", str(PG_SCRIPT), "stop", str(self.dir)], capture_output=True, timeout=60,  # noqa: S603
                           check=False)
            shutil.rmtree(self.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    if shutil.which("redis-server") is None:
        _missing("redis-server (apt-get install redis-server)")
    if not _postgres_available():
        _missing("PostgreSQL 15 (apt-get install postgresql) or DATABASE_URL")
    workdir = tmp_path_factory.mktemp("scaled")
    redis = Redis(workdir)
    postgres = None
    servers: list[AppServer] = []
    try:
        postgres = Postgres()
        # websocket-only, as behind a load balancer without sticky sessions (docs/operations.md)
        env = server_env(workdir / "instance", database_url=postgres.url, profile="scaled",
                         SECRET_KEY=secrets.token_urlsafe(48), REDIS_URL=redis.url,
                         PLC_SOCKETIO_TRANSPORTS="websocket")
        prepare_instance(env)  # migrations run once per deploy, never at worker start
        session_id = start_demo_session(env)
        servers = [AppServer(env).start(), AppServer(env).start()]
        yield {"servers": servers, "session_id": session_id, "redis": redis}
    finally:
        for server in servers:
            server.stop()
        if postgres is not None:
            postgres.stop()
        redis.stop()


@pytest.fixture
def closing():
    opened: list[LiveClient] = []
    yield opened
    for client in opened:
        client.close()


def _presence_ids(payload_list) -> set[int]:
    return {p["id"] for p in payload_list}


def test_messages_and_presence_cross_processes(two_processes, closing):
    one, two = two_processes["servers"]
    session_id = two_processes["session_id"]
    assert one.port != two.port
    coach = LiveClient(one.url, login(one.url, "coach@example.org"), session_id, reconnection=False)
    teacher = LiveClient(two.url, login(two.url, "teacher@example.org"), session_id, reconnection=False)
    closing.extend([coach, teacher])

    coach.connect()
    first = coach.join(since_id=0)
    assert first["ok"], first
    coach_id = _presence_ids(first["presence"])
    assert len(coach_id) == 1
    teacher.connect()
    second = teacher.join(since_id=0)
    assert second["ok"], second
    both = _presence_ids(second["presence"])
    assert len(both) == 2 and coach_id < both  # process 2 sees the user connected to process 1
    # ... and process 1's client hears process 2's join.
    assert coach.wait_for(lambda c: any(_presence_ids(p["present"]) == both for p in c.presence), timeout=10), \
        coach.presence

    ack = coach.send("สวัสดีจากกระบวนการที่ 1", "p1-hello")
    assert ack["ok"], ack
    assert teacher.wait_for(lambda c: ack["message"]["event_id"] in c.messages, timeout=10)
    assert teacher.messages[ack["message"]["event_id"]]["body"] == "สวัสดีจากกระบวนการที่ 1"

    reply = teacher.send("ตอบจากกระบวนการที่ 2", "p2-reply")
    assert reply["ok"], reply
    assert coach.wait_for(lambda c: reply["message"]["event_id"] in c.messages, timeout=10)
    assert [m["client_id"] for m in coach.ordered()] == [m["client_id"] for m in teacher.ordered()] == \
        ["p1-hello", "p2-reply"]

    # Leaving on one process updates presence on the other.
    teacher.close()
    assert coach.wait_for(lambda c: _presence_ids(c.presence[-1]["present"]) == coach_id, timeout=10), \
        coach.presence[-1:]


def test_websocket_only_refuses_long_polling(two_processes):
    one, _two = two_processes["servers"]
    teacher = login(one.url, "teacher@example.org")
    auth = {"csrf_token": teacher.csrf_token}
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect_raw(one.url, teacher, auth=auth, transports=("polling",), timeout=5)
    client = connect_raw(one.url, teacher, auth=auth, transports=("websocket",))
    try:
        assert client.connected
    finally:
        client.disconnect()


def test_the_chat_rate_limit_is_shared_by_the_processes(two_processes, closing):
    one, two = two_processes["servers"]
    session_id = two_processes["session_id"]
    account = login(one.url, "teacher2@example.org")  # the same SECRET_KEY: one cookie serves both
    on_one = LiveClient(one.url, account, session_id, reconnection=False)
    on_two = LiveClient(two.url, account, session_id, reconnection=False)
    closing.extend([on_one, on_two])
    for client in (on_one.connect(), on_two.connect()):
        assert client.join()["ok"]

    started = time.monotonic()
    answers = [(on_one if i % 2 == 0 else on_two).send(f"ข้อความ {i}", f"limit-{i}") for i in range(21)]
    assert time.monotonic() - started < 10, "the 21 sends must fall in one 10-second window"
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) == 1 and refused[0]["error"] == "rate_limited", answers
    assert sum(1 for a in answers if a["ok"]) == 20
