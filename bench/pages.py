#!/usr/bin/env python
"""Page benchmark: virtual users browsing the HTML pages without pause against a real server process
(embedded profile: gunicorn.conf.py's one gevent worker), on the demo data or on TSQP-scale data, on
SQLite or PostgreSQL, optionally with a busy live chat on the same process. Prints one JSON object
with the latency of every page kind, the throughput, the CPU of server and clients, the targets
(issue 7) and pass/fail. Not a test.

    .venv/bin/python bench/pages.py                                  # demo data, SQLite, 50 users, 30 s
    .venv/bin/python bench/pages.py --chat                           # + 200 chat clients, 20 msg/s
    .venv/bin/python bench/pages.py --data scale --reuse-instance /tmp/plc-scale   # seeds once, reuses after
    .venv/bin/python bench/pages.py --data scale --scale-args "--schools 100 --staff 1500"
    .venv/bin/python bench/pages.py --db postgresql                  # a throwaway PostgreSQL cluster

The instance is made as an operator makes it (tests/realtime_server.py): ``flask db upgrade``, then
``flask seed demo`` or ``flask seed scale --seed 1 [--scale-args]``. ``--reuse-instance DIR`` keeps
that prepared instance in DIR (SQLite: the instance directory; PostgreSQL: also a ``pg_dump`` of the
database) and later runs start from a fresh copy of it, so seeding the scale data (minutes) happens
once and every run sees the same rows. The server is gunicorn on 127.0.0.1 with cheap Argon2
(``PLC_ARGON2_*``), so logging in a few hundred users stays quick.

Every virtual user logs in through the HTML form (GET /auth/login, CSRF meta, POST) as one of the
accounts of the data set, in turn; each account's pages are found once by following the links it
sees (the first ``--ids`` links of a kind: /circles/123, /lesson-plans/45, /dashboards/networks/1…;
a kind with no link is skipped and listed under ``skipped``). Then every user cycles through its
account's pages with one request at a time and no think time, on aiohttp (each user its own session
and keep-alive connection; static files are not fetched), for ``--warmup`` seconds unmeasured and
``--duration`` seconds measured. Any answer but 200 (a redirect too) or a failed request is an
error. Latency is from the request to the last byte of the body, measured by the client. Without
pause, 50 users keep 50 requests in the server at all times, so latency is about users ÷ throughput;
``--pace RPS`` instead starts the requests of all users together on a fixed schedule of RPS a second
(a user that is behind starts at once; ``late_starts`` counts those), to find the rate at which a
target still holds.

``--chat`` adds one live session with 200 python-socketio clients and 20 msg/s during the measured
window, in a client process of its own (bench/chat_fanout.py's one-room traffic: tests/live_setup.py
``crowd``, form log-ins, join_all, steady); its delivery and latency come out under ``chat``.

CPU: ``server_cpu_pct`` is the gunicorn worker's (100 = one core), ``database_cpu_pct`` that of the
PostgreSQL processes, ``clients_cpu_pct`` all client processes together (also per process: a page
client process near 100 % measures itself; spread the users with ``--client-procs N``). The
machine's load average at the start and end is in ``machine``: the clients share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import aiohttp
import requests
from yarl import URL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat_fanout import (  # noqa: E402
    BENCH_PASSWORD,
    PlainLogin,
    _rooms_client_process,
    latency_summary,
    log,
    measure_cpu,
    merge_figures,
    proc_cpu_seconds,
    quiet_client_logs,
    worker_pid,
)
from tests.catalogues import compile_catalogues  # noqa: E402
from tests.realtime_server import (  # noqa: E402
    DEMO_PASSWORD,
    AppServer,
    free_port,
    live_setup,
    login,
    prepare_instance,
    run_flask,
    server_env,
)

SCALE_PASSWORD = "scale-pass-2567"  # noqa: S105 - published credential of generated test data
# (role, email): the virtual users take these accounts in turn.
ACCOUNTS = {
    "demo": [("coordinator", "coordinator@example.org"), ("director", "director@example.org"),
             ("teacher", "teacher@example.org"), ("teacher", "teacher2@example.org"),
             ("coach", "coach@example.org"), ("admin", "admin@example.org")],
    "scale": [("coordinator", "coordinator1@scale.example.org"), ("director", "director1@scale.example.org"),
              ("teacher", "teacher1@scale.example.org"), ("area", "area1@scale.example.org"),
              ("coach", "coach1@scale.example.org"), ("admin", "admin@scale.example.org")],
}
PASSWORDS = {"demo": DEMO_PASSWORD, "scale": SCALE_PASSWORD}
# The chat crowd's circle: a network and a host (made its facilitator) of each data set.
CHAT_CROWD = {"demo": ("N1", "coach@example.org"), "scale": ("TSQP-01", "coach1@scale.example.org")}

ALL = None
# (kind, what, roles): WHAT is a path, or (sources, link pattern): the links matching the pattern on
# the first source that has any, a source being a path or "@kind", a page of this list already
# fetched for the account. ROLES: the accounts that browse this kind (ALL: every account).
PAGES: list[tuple[str, object, set[str] | None]] = [
    ("home", "/", ALL),
    ("circles", "/circles", ALL),
    ("circle", (["@circles", "/circles?show=all", "@home"], r"/circles/\d+"), ALL),
    ("lesson_plans", "/lesson-plans", ALL),
    ("lesson_plan", (["@lesson_plans", "@home"], r"/lesson-plans/\d+"), ALL),
    ("innovations", "/innovations", ALL),
    ("innovation", (["@innovations"], r"/innovations/\d+"), ALL),
    ("reflections", "/reflections", ALL),
    ("live", "/live", ALL),
    ("coaching", "/coaching", {"coach", "director"}),
    ("search", "/search?q=" + quote("เชิงรุก"), ALL),
    ("networks", "/networks", ALL),
    ("schools", "/schools", ALL),
    ("people", "/people", ALL),
    ("plc_hours", "/plc-hours", ALL),
    ("dashboards_index", "/dashboards/", ALL),
    ("dashboard_programme", "/dashboards/programme", {"admin"}),
    ("dashboard_network", (["@dashboards_index", "@dashboard_programme", "@home"], r"/dashboards/networks/\d+"),
     {"coordinator", "coach", "admin"}),
    ("dashboard_school", (["@dashboards_index", "@dashboard_network"], r"/dashboards/schools/\d+"),
     {"director", "coordinator"}),
    ("dashboard_area_office", (["@dashboards_index", "@dashboard_programme", "@dashboard_network",
                                "@dashboard_school"], r"/dashboards/area-offices/\d+"), {"area", "admin"}),
]
TARGETS = {"demo": {"page_p95_ms_max": 150.0}, "scale": {"dashboard_p95_ms_max": 300.0, "page_p95_ms_max": 300.0}}
CHAT_TARGET = {"p95_ms_max": 100.0, "delivered_pct": 100.0}
MARKER = "bench-pages.json"


def is_dashboard(kind: str) -> bool:
    return kind.startswith("dashboard")


def loadavg() -> list[float]:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def runqueue_wait_seconds(pid: int) -> float:
    """Seconds the threads of PID have spent runnable but waiting for a CPU (/proc schedstat): how
    much the other work on this machine held the server back."""
    total = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


# ---------------------------------------------------------------------------- PostgreSQL


def pg_bin(name: str) -> str:
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / name).exists():
            return str(candidate / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} (PostgreSQL client binaries; set PG_BIN)")
    return found


@dataclass
class PgCluster:
    """A throwaway cluster from scripts/pg-test-server.sh on 127.0.0.1, in a directory of its own
    (reachable by the ``postgres`` OS user when we run as root)."""

    parent: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="plc-bench-pg-")))
    port: int = field(default_factory=free_port)
    url: str = ""

    @property
    def data(self) -> Path:
        return self.parent / "data"

    def start(self) -> PgCluster:
        self.parent.chmod(0o755)
        done = subprocess.run([str(ROOT / "scripts" / "pg-test-server.sh"), "start", str(self.data), str(self.port)],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pg-test-server.sh start failed:\n{done.stdout}\n{done.stderr}")
        self.url = done.stdout.strip().splitlines()[-1]
        log(f"PostgreSQL on 127.0.0.1:{self.port}")
        return self

    def _conn_args(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "plc"]

    def dump(self, path: Path) -> None:
        subprocess.run([pg_bin("pg_dump"), *self._conn_args(), "-Fc", "-f", str(path), "plc_test"],
                       check=True, timeout=1800, capture_output=True)

    def restore(self, path: Path) -> None:
        done = subprocess.run([pg_bin("pg_restore"), *self._conn_args(), "-d", "plc_test", "--no-owner", "-j", "2",
                               str(path)], timeout=1800, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pg_restore failed:\n{done.stderr[-3000:]}")

    def analyze(self) -> None:
        subprocess.run([pg_bin("psql"), *self._conn_args(), "-X", "-q", "-d", "plc_test", "-c", "VACUUM ANALYZE"],
                       check=True, timeout=1800, capture_output=True)

    def cpu_seconds(self) -> float:
        """CPU of the postmaster, its live children and its waited-for children (backends that ended)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, ValueError, IndexError):
            return 0.0
        waited = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
        return proc_cpu_seconds(pid) + waited + sum(proc_cpu_seconds(c) for c in children)

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "pg-test-server.sh"), "stop", str(self.data)],
                       capture_output=True, timeout=120, check=False)


# ---------------------------------------------------------------------------- the instance


def seed(env: dict[str, str], args) -> float:
    """Migrates and seeds a fresh instance; returns the seconds it took."""
    started = time.monotonic()
    if args.data == "demo":
        prepare_instance(env)
    else:
        compile_catalogues()
        Path(env["PLC_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
        run_flask(env, "db", "upgrade")
        log(f"flask seed scale --seed {args.seed} {args.scale_args} (this takes minutes at the default sizes)")
        out = run_flask(env, "seed", "scale", "--seed", str(args.seed), *shlex.split(args.scale_args), timeout=7200)
        for line in out.splitlines():
            if line.startswith(("Scale data loaded", "Took")):
                log(line[:400])
    return round(time.monotonic() - started, 1)


def prepare(args, workdir: Path, pg: PgCluster | None) -> tuple[dict[str, str], dict]:
    """The server's environment on a ready instance under WORKDIR, and what was done to get it."""
    instance = workdir / "instance"
    env = server_env(instance, database_url=pg.url if pg else None)
    wanted = {"data": args.data, "db": args.db, "seed": args.seed,
              "scale_args": args.scale_args if args.data == "scale" else ""}
    golden = Path(args.reuse_instance).resolve() if args.reuse_instance else None
    marker = golden / MARKER if golden else None
    if marker is not None and marker.exists():
        made = json.loads(marker.read_text())
        if {k: made.get(k) for k in wanted} != wanted:
            raise SystemExit(f"{golden} holds an instance made with {made}, not {wanted}: choose another directory")
        started = time.monotonic()
        shutil.copytree(golden / "instance", instance)
        if pg:
            pg.restore(golden / "pg.dump")
            pg.analyze()
        run_flask(env, "db", "upgrade")  # migrations added since the instance was made
        log(f"reused the instance in {golden} (made {made.get('made_at')}) in {time.monotonic() - started:.1f}s")
        return env, {"reused": str(golden), "seed_s": made.get("seed_s"), "copy_s": round(time.monotonic() - started, 1),
                     "made_at": made.get("made_at")}
    seed_s = seed(env, args)
    if pg:
        pg.analyze()
    log(f"instance seeded ({args.data}) in {seed_s}s")
    if golden is not None:
        golden.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(golden / "instance", ignore_errors=True)
        shutil.copytree(instance, golden / "instance", ignore=shutil.ignore_patterns("gunicorn-*.log"))
        if pg:
            pg.dump(golden / "pg.dump")
        marker.write_text(json.dumps({**wanted, "seed_s": seed_s, "made_at": time.strftime("%Y-%m-%d %H:%M:%S")}))
        log(f"kept the prepared instance in {golden} for --reuse-instance")
    return env, {"reused": None, "seed_s": seed_s}


# ---------------------------------------------------------------------------- page discovery


def discover(http: requests.Session, base_url: str, role: str, max_ids: int) -> tuple[list[tuple[str, list[str]]], dict]:
    """The pages of one account: (kind, [paths]) in PAGES order, by following its links."""
    html: dict[str, str] = {}
    pages: list[tuple[str, list[str]]] = []
    skipped: dict[str, str] = {}

    def get(path: str) -> tuple[int, str]:
        response = http.get(base_url + path, timeout=120, allow_redirects=False)
        return response.status_code, response.text

    for kind, what, roles in PAGES:
        if roles is not ALL and role not in roles:
            continue
        if isinstance(what, str):
            status, text = get(what)
            if status == 200:
                html[kind] = text
            else:
                log(f"  {role}: {what} answered {status} during discovery (kept: it counts as errors)")
            pages.append((kind, [what]))
            continue
        sources, pattern = what
        found: list[str] = []
        for source in sources:
            if source.startswith("@"):
                text = html.get(source[1:])
            else:
                status, text = get(source)
                text = text if status == 200 else None
            if not text:
                continue
            for path in re.findall(r'href="(' + pattern + r')(?:[?#][^"]*)?"', text):
                if path not in found:
                    found.append(path)
            if found:
                break
        if not found:
            skipped[kind] = f"no link on {', '.join(sources)}"
            continue
        paths = found[:max_ids]
        status, text = get(paths[0])
        if status == 200:
            html[kind] = text
        pages.append((kind, paths))
    return pages, skipped


# ---------------------------------------------------------------------------- the page clients


@dataclass(frozen=True)
class PageUser:
    """What a client process needs of one virtual user (picklable)."""

    number: int
    email: str
    cookies: dict[str, str]
    pages: list[tuple[str, list[str]]]


async def _browse(user: PageUser, url: str, start: float, measure_from: float, end: float, options: dict,
                  records: list) -> None:
    """One virtual user: one request at a time, without pause; with options["pace"] (requests per
    second of all users together) each user starts its requests on a fixed schedule instead, at once
    when it is behind (counted as late)."""
    pace, timeout = options.get("pace"), options["request_timeout"]
    interval = options["users"] / pace if pace else 0.0
    next_at = start + user.number / pace if pace else start
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for an IP address host
    jar.update_cookies(user.cookies, response_url=URL(url))
    connector = aiohttp.TCPConnector(limit=1)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    pages = user.pages
    position = user.number * 3  # users start at different places of the cycle
    async with aiohttp.ClientSession(url, cookie_jar=jar, connector=connector, timeout=client_timeout) as http:
        delay = start - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        while True:
            late = False
            if pace:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                late = delay < -0.02
                next_at += interval
            began = time.perf_counter()
            if began >= end:
                return
            kind, paths = pages[position % len(pages)]
            path = paths[(position // len(pages)) % len(paths)]
            position += 1
            size = 0
            try:
                async with http.get(path, allow_redirects=False) as response:
                    body = await response.read()
                    status, size = response.status, len(body)
            except (aiohttp.ClientError, TimeoutError) as error:
                status = type(error).__name__
                await asyncio.sleep(0.05)  # no hot loop on a refused connection
            done = time.perf_counter()
            if began >= measure_from:
                records.append((kind, status, round((done - began) * 1000, 2), size, late,
                                round(began - measure_from, 4), user.number))


def _pages_client_process(conn, url: str, users: list[PageUser], options: dict) -> None:
    """One page client process: says "ready", waits for the start moment (a ``perf_counter`` moment,
    one clock on this machine), browses and sends back its records (kind, status, ms, bytes, late,
    start in s from the measured window's beginning, user) of the requests started in that window."""
    quiet_client_logs()

    async def go() -> list:
        conn.send(("ready", len(users)))
        start = await asyncio.to_thread(conn.recv)
        measure_from, end = start + options["warmup"], start + options["warmup"] + options["duration"]
        records: list = []
        await asyncio.gather(*(_browse(u, url, start, measure_from, end, options, records) for u in users))
        return records

    try:
        conn.send(("done", asyncio.run(go())))
    except Exception as error:  # noqa: BLE001 - reported to the parent
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


# ---------------------------------------------------------------------------- figures


def page_figures(records: list, duration: float, pace: float | None = None) -> dict:
    by_kind: dict[str, list] = defaultdict(list)
    for record in records:
        by_kind[record[0]].append(record)

    def summary(rows: list) -> dict:
        ok = [r for r in rows if r[1] == 200]
        errors = Counter(str(r[1]) for r in rows if r[1] != 200)
        return {**latency_summary([r[2] for r in rows]), "errors": sum(errors.values()),
                **({"error_statuses": dict(errors)} if errors else {}),
                "avg_kb": round(sum(r[3] for r in ok) / len(ok) / 1024, 1) if ok else None}

    kinds = {kind: summary(by_kind[kind]) for kind in [k for k, _w, _r in PAGES if k in by_kind]}
    groups = {"dashboards": summary([r for r in records if is_dashboard(r[0])]),
              "other": summary([r for r in records if not is_dashboard(r[0])]),
              "all": summary(records)}
    return {"requests": len(records), "errors": sum(1 for r in records if r[1] != 200),
            "throughput_rps": round(len(records) / duration, 1),
            **({"late_starts": sum(1 for r in records if r[4])} if pace else {}), "groups": groups, "pages": kinds}


def judge(data: str, figures: dict, chat: dict | None) -> tuple[dict, dict]:
    target = dict(TARGETS[data])
    over = {}
    for kind, row in figures["pages"].items():
        limit = target["dashboard_p95_ms_max"] if is_dashboard(kind) and "dashboard_p95_ms_max" in target \
            else target["page_p95_ms_max"]
        if row["p95"] is None or row["p95"] > limit:
            over[kind] = row["p95"]
    verdict = {"every_page_p95_met": not over, "pages_over_target": over,
               "all_requests_p95_met": (figures["groups"]["all"]["p95"] or 1e9) <= target["page_p95_ms_max"],
               "no_errors": figures["errors"] == 0}
    if chat is not None:
        target["chat"] = CHAT_TARGET
        verdict["chat_met"] = ("latency_ms" in chat and (chat["latency_ms"]["p95"] or 1e9) <= CHAT_TARGET["p95_ms_max"]
                               and chat["delivered_pct"] >= CHAT_TARGET["delivered_pct"])
    verdict["pass"] = bool(verdict["every_page_p95_met"] and verdict["no_errors"] and verdict.get("chat_met", True))
    return target, verdict


# ---------------------------------------------------------------------------- the run


def log_in_all(url: str, jobs: list[tuple[str, str]], password: str, workers: int = 8):
    """Form log-ins of (label, email) jobs, WORKERS at a time; returns the tests' Login objects."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: login(url, job[1], password), jobs))


def spawn(context, target, args_: tuple):
    parent_end, child_end = context.Pipe()
    process = context.Process(target=target, args=(child_end, *args_), daemon=True)
    process.start()
    return process, parent_end


def expect(conn, kind: str, timeout: float, what: str):
    if not conn.poll(timeout):
        raise TimeoutError(f"{what}: nothing after {timeout:.0f}s")
    got, value = conn.recv()
    if got != kind:
        raise RuntimeError(f"{what}: {value}")
    return value


def run(args, workdir: Path) -> dict:
    pg = PgCluster() if args.db == "postgresql" else None
    server = None
    workers: list = []
    try:
        if pg is not None:
            pg.start()
        env, instance = prepare(args, workdir, pg)
        chat_session = None
        if args.chat:
            network, host = CHAT_CROWD[args.data]
            crowd = json.loads(live_setup(env, "crowd", "--sessions", "1", "--members", str(args.chat_clients),
                                          "--password", BENCH_PASSWORD, "--network", network, "--host", host,
                                          "--prefix", "pagesbench"))
            chat_session = crowd["sessions"][0]
        server = AppServer(env).start(timeout=120)
        log(f"server on {server.url}")

        # Log-ins: the users take the accounts in turn; each account's pages are found once.
        accounts = ACCOUNTS[args.data]
        jobs = [accounts[i % len(accounts)] for i in range(args.users)]
        started = time.monotonic()
        logins = log_in_all(server.url, jobs, PASSWORDS[args.data])
        log(f"{len(logins)} page users logged in over the form in {time.monotonic() - started:.1f}s")
        pages_of: dict[str, list] = {}
        skipped: dict[str, dict] = {}
        for (role, email), lg in zip(jobs, logins, strict=True):
            if email not in pages_of:
                pages_of[email], skipped[email] = discover(lg.http, server.url, role, args.ids)
                log(f"  {email}: {len(pages_of[email])} page kinds"
                    + (f", skipped {sorted(skipped[email])}" if skipped[email] else ""))
        users = [PageUser(i, lg.email, {c.name: c.value for c in lg.http.cookies}, pages_of[lg.email])
                 for i, lg in enumerate(logins)]
        for lg in logins:
            lg.http.close()

        context = multiprocessing.get_context("spawn")
        options = {"warmup": args.warmup, "duration": args.duration, "request_timeout": args.request_timeout,
                   "pace": args.pace, "users": len(users)}
        procs = max(1, min(args.client_procs, len(users)))
        page_workers = [spawn(context, _pages_client_process, (server.url, users[i::procs], options))
                        for i in range(procs)]
        workers.extend(page_workers)
        chat_worker = None
        if chat_session is not None:
            started = time.monotonic()
            chat_logins = log_in_all(server.url, [("chat", e) for e in chat_session["emails"]], BENCH_PASSWORD)
            plain = [(chat_session["id"], PlainLogin(lg.email, lg.cookie_header, lg.csrf_token)) for lg in chat_logins]
            for lg in chat_logins:
                lg.http.close()
            log(f"{len(plain)} chat clients logged in in {time.monotonic() - started:.1f}s")
            chat_options = {"rate": args.chat_rate, "duration": args.duration, "senders": min(len(plain), 40)}
            chat_worker = spawn(context, _rooms_client_process, (server.url, plain, [chat_session["id"]], chat_options))
            workers.append(chat_worker)
        for _p, conn in page_workers:
            expect(conn, "ready", 120, "a page client process")
        if chat_worker is not None:
            expect(chat_worker[1], "ready", 180, "the chat client process")
            log("chat clients connected and joined")
        time.sleep(args.settle)

        start = time.perf_counter() + 0.5
        for _p, conn in page_workers:
            conn.send(start)
        if chat_worker is not None:
            chat_worker[1].send(start + args.warmup)  # the chat traffic runs in the measured window
        log(f"{len(users)} users browsing in {procs} client process(es): {args.warmup:g}s warm-up, "
            f"{args.duration:g}s measured{' with the chat' if chat_worker else ''}")
        time.sleep(max(0.0, start + args.warmup - time.perf_counter()))
        client_pids = tuple(p.pid for p, _c in workers)
        cpu = measure_cpu(server, client_pids)
        per_process = {p.pid: proc_cpu_seconds(p.pid) for p, _c in workers}
        server_pid = worker_pid(server)
        wait_before = runqueue_wait_seconds(server_pid)
        db_before, wall_before = (pg.cpu_seconds() if pg else 0.0), time.monotonic()
        time.sleep(max(0.0, start + args.warmup + args.duration - time.perf_counter()))
        wall = time.monotonic() - wall_before
        cpu_figures = cpu()
        cpu_figures["server_runqueue_wait_pct"] = round(100 * (runqueue_wait_seconds(server_pid) - wait_before) / wall, 1)
        process_pct = {p.pid: round(100 * (proc_cpu_seconds(p.pid) - per_process[p.pid]) / wall, 1)
                       for p, _c in workers}
        if pg:
            cpu_figures["database_cpu_pct"] = round(100 * (pg.cpu_seconds() - db_before) / wall, 1)
        page_pcts = [process_pct[p.pid] for p, _c in page_workers]
        cpu_figures["page_client_process_cpu_pct"] = page_pcts
        if chat_worker is not None:
            cpu_figures["chat_client_process_cpu_pct"] = process_pct[chat_worker[0].pid]
        cpu_figures["client_saturated"] = any(pct > 85 for pct in page_pcts)
        if cpu_figures["client_saturated"]:
            log("a page client process is near 100 % of a core: try --client-procs 2")

        records = []
        for _p, conn in page_workers:
            records.extend(expect(conn, "done", args.request_timeout + 60, "a page client process"))
        figures = page_figures(records, args.duration, args.pace)
        if args.raw:
            Path(args.raw).write_text(json.dumps(sorted(records, key=lambda r: r[5]), ensure_ascii=False) + "\n")
        chat = None
        if chat_worker is not None:
            try:
                raw = expect(chat_worker[1], "done", args.duration + 120, "the chat client process")
                chat = {**merge_figures([raw]), "clients": len(chat_session["emails"]), "rate_per_s": args.chat_rate,
                        "sending_took_s": round(raw["sending_took_s"], 2), "late_sends": raw["late_sends"]}
            except (RuntimeError, TimeoutError) as error:
                chat = {"error": str(error), "delivered_pct": 0.0}
        target, verdict = judge(args.data, figures, chat)
        return {
            "benchmark": "pages", "data": args.data, "db": args.db, "users": args.users,
            "pace_rps": args.pace or "none (no think time)",
            "accounts": {email: sum(1 for u in users if u.email == email) for email in pages_of},
            "duration_s": args.duration, "warmup_s": args.warmup, "instance": instance,
            **figures, **cpu_figures, **({"chat": chat} if chat is not None else {}),
            "browsed": {email: [kind + (f" ×{len(paths)}" if len(paths) > 1 else "") for kind, paths in pages]
                        for email, pages in pages_of.items()},
            "skipped": {email: kinds for email, kinds in skipped.items() if kinds},
            "targets": target, **verdict,
        }
    finally:
        for process, conn in workers:
            conn.close()  # a child still waiting for the start moment gets EOF and ends
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()  # our own child, by its handle
                process.join(timeout=10)
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()
            if not args.keep:
                shutil.rmtree(pg.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["demo", "scale"], default="demo")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=50, help="virtual users, browsing without pause")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--pace", type=float, help="requests per second of all users together, on a fixed "
                        "schedule (default: none, every user without pause); to find the rate a target holds at")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of browsing before the measurement")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between the clients' set-up and the load")
    parser.add_argument("--client-procs", type=int, default=1, help="spread the page users over this many processes")
    parser.add_argument("--ids", type=int, default=3, help="links of each kind (circles, plans…) a user cycles through")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds before a request counts as failed")
    parser.add_argument("--chat", action="store_true", help="also one live session of --chat-clients at --chat-rate")
    parser.add_argument("--chat-clients", type=int, default=200)
    parser.add_argument("--chat-rate", type=float, default=20.0, help="chat messages per second")
    parser.add_argument("--seed", type=int, default=1, help="scale: flask seed scale --seed")
    parser.add_argument("--scale-args", default="", help='scale: more options of flask seed scale, e.g. '
                        '"--schools 100 --staff 1500"')
    parser.add_argument("--reuse-instance", metavar="DIR",
                        help="keep the prepared instance in DIR (made there when DIR has none) and start from a "
                             "copy of it")
    parser.add_argument("--output", help="also write the JSON object to this file")
    parser.add_argument("--raw", help="write every measured request (kind, status, ms, bytes, late, start s, user) "
                        "as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the run's directories (logs, database)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0:
        parser.error("--users and --duration must be positive")

    quiet_client_logs()
    workdir = Path(tempfile.mkdtemp(prefix="plc-bench-pages-"))
    log(f"pages benchmark ({args.data}, {args.db}) in {workdir}")
    machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_start": loadavg()}
    try:
        result = run(args, workdir)
    except Exception as error:  # noqa: BLE001 - reported as a failed run
        result = {"benchmark": "pages", "data": args.data, "db": args.db, "error": f"{type(error).__name__}: {error}",
                  "pass": False}
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["machine"] = {**machine, "loadavg_end": loadavg()}
    text = json.dumps(result, ensure_ascii=False)
    print(text, flush=True)
    if args.output:
        Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0 if result.get("pass") else 1


if __name__ == "__main__":
    sys.exit(main())
