#!/usr/bin/env python
"""SQL statements per page on the demo data, for each demo account. Prints one JSON object. Not a test.

    .venv/bin/python bench/statements.py                    # fresh throwaway instance, JSON on stdout
    .venv/bin/python bench/statements.py --out /tmp/s.json  # also written to a file
    .venv/bin/python bench/statements.py --statements       # with the SQL of every statement (to see what repeats)

A throwaway instance under a temporary directory (SQLite; ``flask db upgrade`` + ``flask seed demo``
as an operator does it, through tests/realtime_server.py ``prepare_instance``), then the app is
created in this process on that instance and every demo account logs in through the HTML form
with the Flask test client (CSRF meta → POST, password ``demo-pass-2567``) and GETs the main
pages. For each page: the status and the number of SQL statements the request ran (counted with a
``before_cursor_execute`` listener on the engine: tests/statement_counts.py), user loading and
authorization included. Pages about "one" object (a circle, a cycle, a plan …) take the first link
of that kind the account sees on the index page (the circle page for a cycle), so every account
opens something it may open.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realtime_server import DEMO_PASSWORD, prepare_instance, server_env  # noqa: E402
from tests.statement_counts import count_statements  # noqa: E402

ACCOUNTS = ["admin", "coordinator", "coach", "director", "teacher", "teacher2", "outsider"]
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

# (name, path) or (name, (sources, link pattern)): the first matching link on the first source that has
# one; a source is a path or "@name", the page already measured under that name.
PAGES: list[tuple[str, object]] = [
    ("home", "/"),
    ("circles", "/circles"),
    ("circles_all", "/circles?show=all"),
    ("circle", (["@circles", "@circles_all"], r'href="(/circles/\d+)"')),
    ("cycle", (["@circle", "@home"], r'href="(/cycles/\d+)"')),
    ("goals", "/goals"),
    ("innovations", "/innovations"),
    ("innovation", (["@innovations"], r'href="(/innovations/\d+)"')),
    ("lesson_plans", "/lesson-plans"),
    ("lesson_plan", (["@lesson_plans"], r'href="(/lesson-plans/\d+)"')),
    ("reflections", "/reflections"),
    ("reflections_overview", "/reflections/overview"),
    ("coaching", "/coaching"),
    ("live_sessions", "/live"),
    ("live_session", (["@live_sessions", "@circle", "@cycle", "@home"], r'href="(/live/\d+)"')),
    ("plc_hours", "/plc-hours"),
    ("networks", "/networks"),
    ("network", (["@networks"], r'href="(/networks/\d+)"')),
    ("schools", "/schools"),
    ("school", (["@schools"], r'href="(/schools/\d+)"')),
    ("people", "/people"),
    ("person", (["@people"], r'href="(/people/\d+)"')),
    ("search_active", "/search?q=" + quote("เชิงรุก")),
    ("search_common", "/search?q=" + quote("การ")),
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def log_in(client, email: str) -> None:
    html = client.get("/auth/login").get_data(as_text=True)
    token = CSRF_META.search(html).group(1)
    response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"log-in of {email} answered {response.status_code}")


def _first_link_behind(client, html: str, via: str, pattern: str, tries: int = 10) -> str | None:
    """The first link matching ``pattern`` on one of the pages linked from ``html`` (untimed GETs):
    a session of any circle the account sees, when its own pages link none."""
    for target in list(dict.fromkeys(re.findall(via, html)))[:tries]:
        match = re.search(pattern, client.get(target).get_data(as_text=True))
        if match:
            return match.group(1)
    return None


def measure_account(app, key: str, *, with_sql: bool) -> dict:
    client = app.test_client()
    log_in(client, f"{key}@example.org")
    pages: dict[str, dict] = {}
    html_of: dict[str, str] = {}
    for name, target in PAGES:
        if isinstance(target, tuple):
            sources, pattern = target
            path = None
            for source in sources:
                html = html_of.get(source[1:]) if source.startswith("@") else client.get(source).get_data(as_text=True)
                match = re.search(pattern, html or "")
                if match:
                    path = match.group(1)
                    break
            if path is None and name == "live_session":
                path = _first_link_behind(client, html_of.get("circles_all", ""), r'href="(/circles/\d+)"', pattern)
            if path is None:
                pages[name] = {"path": None, "status": None, "statements": None,
                               "note": "no link on " + ", ".join(sources)}
                continue
        else:
            path = target
        with count_statements(app) as counter:
            response = client.get(path)
        html_of[name] = response.get_data(as_text=True)
        pages[name] = {"path": path, "status": response.status_code, "statements": counter.count}
        if with_sql:
            pages[name]["sql"] = [" ".join(s.split()) for s in counter.statements]
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="also write the JSON here")
    parser.add_argument("--statements", action="store_true", help="include every statement's SQL")
    parser.add_argument("--keep", action="store_true", help="keep the instance directory (its path goes to stderr)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="plc-statements-"))
    instance = workdir / "instance"
    env = server_env(instance)
    log(f"preparing the demo instance in {instance} (flask db upgrade, flask seed demo)")
    prepare_instance(env)
    for name in ("PLC_INSTANCE_PATH", "DATABASE_URL", "PLC_PROFILE", "PLC_LOGIN_LIMIT_ACCOUNT", "PLC_LOGIN_LIMIT_IP",
                 "PLC_ARGON2_TIME_COST", "PLC_ARGON2_MEMORY_KIB", "PLC_ARGON2_PARALLELISM"):
        os.environ[name] = env[name]
    os.environ.pop("REDIS_URL", None)

    import logging

    from plc import create_app

    app = create_app({"WTF_CSRF_SSL_STRICT": False})
    logging.getLogger().setLevel(logging.WARNING)
    result = {"database": "sqlite", "data": "flask seed demo", "accounts": {}}
    for key in ACCOUNTS:
        log(f"measuring {key}")
        result["accounts"][key] = measure_account(app, key, with_sql=args.statements)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    if args.keep:
        log(f"instance kept in {workdir}")
    else:
        import shutil

        with app.app_context():
            from plc.extensions import db

            db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
