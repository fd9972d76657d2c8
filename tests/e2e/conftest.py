"""Real-browser fixtures: the live gunicorn server with demo data (tests/realtime_server.py), driven
by Debian's Chromium.

The server ALWAYS runs on its own SQLite file, even when DATABASE_URL points the rest of the suite
at PostgreSQL, so the two CI lanes never share a database. Playwright's own browser downloads are
never used: ``/usr/bin/chromium`` is launched through ``executable_path``.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.realtime_server import DEMO_PASSWORD, AppServer, prepare_instance, server_env

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVER_START_TIMEOUT = 40.0
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


@dataclass
class LiveServer:
    """The demo server of the browser journeys (tests/realtime_server.AppServer, the one real-server
    harness of the suite) and the JSON API calls a journey needs to find its way."""

    server: AppServer
    instance: Path
    _cache: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310  (127.0.0.1 only)
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
    instance = tmp_path_factory.mktemp("e2e-instance")
    # Always SQLite here, whatever the lane: never share the PostgreSQL test database.
    env = server_env(instance)
    prepare_instance(env)
    server = AppServer(env)
    try:
        server.start(timeout=SERVER_START_TIMEOUT)
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield LiveServer(server=server, instance=instance)
    finally:
        server.stop()


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
