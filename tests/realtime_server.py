"""Helpers for tests and benchmarks that talk to a REAL server process over real sockets.

- ``prepare_instance``: a fresh instance directory + database, migrated (``flask db upgrade``) and
  seeded (``flask seed demo``), exactly as an operator does it;
- ``AppServer``: one gunicorn process (``gunicorn.conf.py``: one gevent worker) on 127.0.0.1, started in its own
  process group so it can be stopped gracefully, or SIGKILLed mid-stream and restarted on the same
  port and database;
- ``login``: a ``requests.Session`` that logs in through the HTML form (CSRF meta → POST) and
  carries the session cookie and a CSRF token for the socket;
- ``LiveClient``: a python-socketio client of the ``/live`` namespace that joins a session, keeps
  the messages it has seen by event id, re-joins from its last id after every reconnection, and
  retries unacknowledged sends with the same ``client_id``.

Nothing here listens anywhere but 127.0.0.1, every wait is bounded, and every process started is
stopped by its own id (process group) — never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import engineio
import requests
import socketio
from engineio import packet as eio_packet

from tests.catalogues import compile_catalogues

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEMO_PASSWORD = "demo-pass-2567"
NAMESPACE = "/live"
N1_CIRCLE = "วง PLC เครือข่ายขยายผลรูปแบบ 5 L และ PAC Model"  # coach (facilitator), teacher, teacher2
START_TIMEOUT = 40.0
# Cheap password hashing for servers that log in dozens or hundreds of users (tests, benchmarks).
FAST_ARGON2_ENV = {"PLC_ARGON2_TIME_COST": "1", "PLC_ARGON2_MEMORY_KIB": "1024", "PLC_ARGON2_PARALLELISM": "1"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(name)
    return found


def server_env(instance: Path, *, database_url: str | None = None, profile: str = "embedded",
               **extra: str) -> dict[str, str]:
    """The environment of a server (and of its ``flask`` commands). SQLite under ``instance``
    unless a database URL is given; relaxed log-in limits; cheap Argon2."""
    env = {**os.environ}
    for name in ("REDIS_URL", "SECRET_KEY", "PLC_HTTPS", "TEST_MIGRATIONS_DATABASE_URL", "DATABASE_URL"):
        env.pop(name, None)
    env.update({
        "FLASK_APP": "wsgi:app",
        "PLC_INSTANCE_PATH": str(instance),
        "PLC_PROFILE": profile,
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'live.sqlite3'}",
        "PLC_LOGIN_LIMIT_ACCOUNT": "1000 per minute",
        "PLC_LOGIN_LIMIT_IP": "100000 per minute",
        "PYTHONUNBUFFERED": "1",
        **FAST_ARGON2_ENV,
    })
    env.update(extra)
    return env


def run_flask(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([venv_bin("flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def live_setup(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Runs tests/live_setup.py with the server's environment; returns its standard output."""
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "live_setup.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"live_setup {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def prepare_instance(env: dict[str, str]) -> None:
    """Migrate (once, as a deploy does) and load the demo data."""
    compile_catalogues()
    Path(env["PLC_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed", "demo")


def start_demo_session(env: dict[str, str], circle: str = N1_CIRCLE, host: str = "coach@example.org") -> int:
    return int(live_setup(env, "session", "--circle", circle, "--host", host))


# ---------------------------------------------------------------------------- server process


@dataclass
class AppServer:
    """One gunicorn app process on 127.0.0.1:port. ``start`` waits (bounded) for /healthz."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    extra_args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_TIMEOUT) -> AppServer:
        assert self.process is None or self.process.poll() is not None, "already running"
        log_path = self.log_path or Path(self.env["PLC_INSTANCE_PATH"]) / f"gunicorn-{self.port}.log"
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [venv_bin("gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}",
                 "--graceful-timeout", "3", "--timeout", "120", "--no-control-socket", *self.extra_args,
                 "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200 and json.loads(response.read()).get("status") == "ok":
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"/healthz did not answer within {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.2)

    def _signal_group(self, sig: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)  # the group this Popen started: master and worker

    def kill(self) -> None:
        """SIGKILL, no goodbye: open sockets simply break, in-flight requests are lost."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._signal_group(signal.SIGKILL)  # a worker orphaned by a killed master
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=5)
        self._signal_group(signal.SIGKILL)  # anything left in the group

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except (OSError, TypeError):
            return "(no server log)"


# ---------------------------------------------------------------------------- HTTP log-in


@dataclass
class Login:
    email: str
    http: requests.Session
    csrf_token: str
    base_url: str

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


def csrf_from(html: str) -> str:
    found = CSRF_META.search(html)
    if not found:
        raise AssertionError("no csrf-token meta in the page")
    return found.group(1)


def login(base_url: str, email: str, password: str = DEMO_PASSWORD, timeout: float = 30) -> Login:
    """Logs in through the HTML form like a browser; the CSRF token for the socket comes from a page
    loaded after the log-in (the log-in starts a new session, so the earlier token is gone)."""
    http = requests.Session()
    # One connection per request: a keep-alive connection the server closes while idle (gunicorn's
    # --keep-alive is 2 s) would make the next POST fail when the server is busy.
    http.headers["Connection"] = "close"
    page = http.get(base_url + "/auth/login", timeout=timeout)
    page.raise_for_status()
    answer = http.post(base_url + "/auth/login", timeout=timeout, allow_redirects=False,
                       data={"email": email, "password": password, "csrf_token": csrf_from(page.text)})
    if answer.status_code != 302:
        raise AssertionError(f"log-in of {email} answered {answer.status_code}")
    home = http.get(base_url + "/", timeout=timeout)
    home.raise_for_status()
    return Login(email=email, http=http, csrf_token=csrf_from(home.text), base_url=base_url)


# ---------------------------------------------------------------------------- socket client


class _InOrderEngineIO(engineio.Client):
    """python-socketio's threading client hands every incoming message to a NEW thread, which may
    reorder them. A browser handles them one after another, in arrival order; so do we."""

    def _receive_packet(self, pkt):
        if pkt.packet_type == eio_packet.MESSAGE:
            self._trigger_event("message", pkt.data, run_async=False)
        else:
            super()._receive_packet(pkt)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self):
        return _InOrderEngineIO


def socket_client(*, reconnection: bool = False, **kwargs) -> InOrderClient:
    return InOrderClient(reconnection=reconnection, reconnection_delay=0.3, reconnection_delay_max=1.5,
                         randomization_factor=0.5, request_timeout=10, **kwargs)


def connect_raw(url: str, login_: Login | None, *, auth: dict | None = None, origin: str | None = None,
                transports: tuple[str, ...] = ("websocket",), timeout: float = 10) -> InOrderClient:
    """One plain connection attempt to /live; raises socketio.exceptions.ConnectionError if refused."""
    headers = {"Cookie": login_.cookie_header} if login_ else {}
    options = {}
    if origin is not None and "polling" in transports:
        headers["Origin"] = origin  # the polling transport sends this header as it is
    elif origin is not None:
        options["websocket_extra_options"] = {"origin": origin}  # the websocket handshake's own Origin
    client = socket_client(**options)
    client.connect(url, headers=headers, auth=auth, transports=list(transports), namespaces=[NAMESPACE],
                   wait_timeout=timeout)
    return client


class LiveClient:
    """A participant of one live session, as the browser client behaves: join with the last seen
    event id, keep messages by event id (an event seen twice is kept once), re-join from the last id
    after every reconnection, and retry a send with the same client_id until it is acknowledged."""

    def __init__(self, url: str, login_: Login, session_id: int, *, name: str | None = None,
                 reconnection: bool = True, on_message: Callable[[LiveClient, dict], None] | None = None):
        self.url = url
        self.login = login_
        self.session_id = session_id
        self.name = name or login_.email
        self.sio = socket_client(reconnection=reconnection)
        self.lock = threading.Lock()
        self.messages: dict[int, dict] = {}  # event id → latest payload
        self.deliveries: list[int] = []  # event ids of live 'message' events, in arrival order
        self.duplicate_deliveries = 0  # live events already known (e.g. overlap with a join's history)
        self.receipts: Counter[int] = Counter()  # how often each event id arrived, live or in a join's history
        self.joined_at: list[float] = []  # time.monotonic() of every successful join
        self.presence: list[dict] = []  # every 'presence' payload, in order
        self.last_join: dict | None = None
        self.joins = 0
        self.joined = threading.Event()
        self.connects = 0
        self.disconnects = 0
        self._on_message = on_message
        self._closing = False
        self.sio.on("message", self._handle_message, namespace=NAMESPACE)
        self.sio.on("message_deleted", self._handle_message, namespace=NAMESPACE)
        self.sio.on("presence", self._handle_presence, namespace=NAMESPACE)
        self.sio.on("connect", self._handle_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._handle_disconnect, namespace=NAMESPACE)

    # -- events (run in the client's read thread: never block here)

    def _handle_message(self, payload: dict) -> None:
        if payload.get("session_id") != self.session_id:
            return
        with self.lock:
            event_id = payload["event_id"]
            if event_id in self.messages and self.messages[event_id] == payload:
                self.duplicate_deliveries += 1
            self.messages[event_id] = payload
            self.deliveries.append(event_id)
            self.receipts[event_id] += 1
        if self._on_message:
            self._on_message(self, payload)

    def _handle_presence(self, payload: dict) -> None:
        if payload.get("session_id") == self.session_id:
            with self.lock:
                self.presence.append(payload)

    def _handle_connect(self) -> None:
        self.connects += 1
        if self.connects > 1 and not self._closing:  # a reconnection: join again from the last id
            self.sio.start_background_task(self._rejoin)

    def _handle_disconnect(self, reason=None) -> None:
        self.disconnects += 1
        self.joined.clear()

    def _rejoin(self) -> None:
        deadline = time.monotonic() + 30
        while not self._closing and time.monotonic() < deadline:
            try:
                if self.join().get("ok"):
                    return
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                pass
            time.sleep(0.3)

    # -- actions

    def connect(self, timeout: float = 15) -> LiveClient:
        self.sio.connect(self.url, headers=lambda: {"Cookie": self.login.cookie_header},
                         auth={"csrf_token": self.login.csrf_token}, transports=["websocket"],
                         namespaces=[NAMESPACE], wait_timeout=timeout)
        return self

    @property
    def last_event_id(self) -> int:
        with self.lock:
            return max(self.messages, default=0)

    def join(self, since_id: int | None = None, timeout: float = 15) -> dict:
        since = self.last_event_id if since_id is None else since_id
        ack = self.sio.call("join", {"session_id": self.session_id, "since_id": since}, namespace=NAMESPACE,
                            timeout=timeout)
        if ack.get("ok"):
            with self.lock:
                for message in ack["messages"]:
                    self.messages[message["event_id"]] = message
                    self.receipts[message["event_id"]] += 1
                self.last_join = ack
                self.joins += 1
                self.joined_at.append(time.monotonic())
            self.joined.set()
        return ack

    def send(self, body: str, client_id: str, timeout: float = 10) -> dict:
        return self.sio.call("send_message", {"session_id": self.session_id, "body": body, "client_id": client_id},
                             namespace=NAMESPACE, timeout=timeout)

    def send_until_acknowledged(self, body: str, client_id: str, *, deadline: float,
                                attempt_timeout: float = 3) -> tuple[dict, int]:
        """Retries with the SAME client_id until the server acknowledges (ok or a final error).
        Returns (ack, attempts). Rate-limited answers wait and retry too."""
        attempts = 0
        while time.monotonic() < deadline:
            if not self.joined.wait(timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
                continue
            attempts += 1
            try:
                ack = self.send(body, client_id, timeout=attempt_timeout)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                time.sleep(0.2)
                continue
            if ack.get("ok") or ack.get("error") != "rate_limited":
                return ack, attempts
            time.sleep(1.0)
        raise TimeoutError(f"{self.name}: {client_id} not acknowledged in time ({attempts} attempts)")

    def ordered(self) -> list[dict]:
        with self.lock:
            return [self.messages[k] for k in sorted(self.messages)]

    def wait_for(self, predicate: Callable[[LiveClient], bool], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.05)
        return predicate(self)

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(Exception):  # already gone
            self.sio.disconnect()
