"""Real-browser fixtures: a live gunicorn server with demo data, driven by Debian's Chromium.

The server ALWAYS runs on its own SQLite file, even when DATABASE_URL points the rest of the suite
at PostgreSQL, so the two CI lanes never share a database. Playwright's own browser downloads are
never used: ``/usr/bin/chromium`` is launched through ``executable_path``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.catalogues import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEMO_PASSWORD = "demo-pass-2567"
SERVER_START_TIMEOUT = 30.0
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Console text Chromium prints for a blocked resource or inline script/style, plus the text of the
# securitypolicyviolation listener installed in every page below.
CSP_MARKER = "Content Security Policy"
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " +
                (e.blockedURI || "inline") + " at " + e.documentURI);
});
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@dataclass
class LiveServer:
    url: str
    instance: Path
    log_path: Path
    process: subprocess.Popen
    _cache: dict = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.loads(response.read() or b"{}")

    def school_id(self, name_th: str) -> int:
        """The id of a demo school, found through the JSON API as the demo teacher."""
        key = ("school", name_th)
        if key not in self._cache:
            token = self.api("POST", "/api/v1/auth/token",
                             {"email": "teacher@example.org", "password": DEMO_PASSWORD})["token"]
            found = self.api("GET", "/api/v1/schools?" + urllib.parse.urlencode({"q": name_th}), token=token)
            ids = [s["id"] for s in found["items"] if s["name_th"] == name_th]
            assert ids, f"demo school {name_th} not found: {found}"
            self._cache[key] = ids[0]
        return self._cache[key]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    compile_catalogues()
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {
        **os.environ,
        "FLASK_APP": "wsgi:app",
        "PLC_INSTANCE_PATH": str(instance),
        "PLC_PROFILE": "embedded",
        # Always SQLite here, whatever the lane: never share the PostgreSQL test database.
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.sqlite3'}",
        "PLC_LOGIN_LIMIT_ACCOUNT": "100 per minute",
        "PLC_LOGIN_LIMIT_IP": "1000 per minute",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "SECRET_KEY", "PLC_HTTPS", "TEST_MIGRATIONS_DATABASE_URL"):
        env.pop(name, None)
    for args in (["db", "upgrade"], ["seed", "demo"]):
        done = subprocess.run([_bin("flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"

    port = _free_port()
    log_path = instance / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [_bin("gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "--access-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", instance=instance, log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                    if response.status == 200 and json.loads(response.read()).get("status") == "ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/healthz did not answer within {SERVER_START_TIMEOUT:.0f}s:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium); Playwright's own browsers are not used"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "th-TH", "timezone_id": "Asia/Bangkok"}


class CspWatch:
    """Collects console messages about Content Security Policy from every page of the contexts."""

    def __init__(self):
        self.messages: list[str] = []

    def attach(self, context) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        if CSP_MARKER in text:
            self.messages.append(f"{message.page.url if message.page else '?'}: {text}")

    def assert_clean(self) -> None:
        assert not self.messages, "CSP violations:\n" + "\n".join(self.messages)


@pytest.fixture
def csp() -> CspWatch:
    return CspWatch()


@pytest.fixture
def fresh_page(new_context, csp):
    """``fresh_page(**context_args)`` → a page in a brand-new browser context (own cookies)."""

    def _open(**context_args):
        context = new_context(**context_args)
        context.set_default_timeout(10_000)
        csp.attach(context)
        return context.new_page()

    return _open
