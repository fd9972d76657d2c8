#!/usr/bin/env python
"""Browser-export benchmark: how long an admin's whole-platform export takes in the background of a
real server process (embedded profile: gunicorn.conf.py's one gevent worker), and what it does to
the pages other people open on that worker meanwhile. Prints one JSON object. Not a test.

    .venv/bin/python bench/export_latency.py                                   # small TSQP-shaped data
    .venv/bin/python bench/export_latency.py --reuse-instance /tmp/plc-export  # seeds once, reuses after
    .venv/bin/python bench/export_latency.py --scale-args "--schools 636 --staff 10000"
    .venv/bin/python bench/export_latency.py --db postgresql

The instance is made as bench/pages.py makes it (``flask db upgrade``, ``flask seed scale``). A
teacher opens one page (``--page``, the home page by default) again and again, one request at a time,
for ``--baseline`` seconds; then the admin asks for the export over the form (POST /exports) and the
teacher goes on until the export is done, while the admin's page polls its status every 2 s as
exports.js does. The figures: the export's duration and size, and the teacher's page latency before
and during it (p50, p95, max, and the longest gap between two answers, which is how long the worker
was not serving anyone else).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat_fanout import latency_summary, log  # noqa: E402
from bench.pages import ACCOUNTS, PASSWORDS, PgCluster, log_in_all, prepare  # noqa: E402
from tests.realtime_server import AppServer  # noqa: E402

ADMIN = dict(ACCOUNTS["scale"])["admin"]
TEACHER = dict(ACCOUNTS["scale"])["teacher"]


class Reader(threading.Thread):
    """One person opening the same page over and over; keeps (time of answer, seconds it took)."""

    def __init__(self, http, url: str, timeout: float):
        super().__init__(daemon=True)
        self.http, self.url, self.timeout = http, url, timeout
        self.samples: list[tuple[float, float]] = []
        self.errors = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                ok = self.http.get(self.url, timeout=self.timeout, allow_redirects=False).status_code == 200
            except Exception:  # a time-out counts as an error, and the loop goes on
                ok = False
            finished = time.perf_counter()
            if ok:
                self.samples.append((finished, finished - started))
            else:
                self.errors += 1

    def window(self, start: float, end: float) -> dict:
        taken = [(at, seconds) for at, seconds in self.samples if start <= at <= end]
        answers = [start] + [at for at, _s in taken] + [end]
        return {**latency_summary([seconds * 1000 for _at, seconds in taken]),  # milliseconds
                "longest_gap_ms": round(max(b - a for a, b in zip(answers, answers[1:], strict=False)) * 1000, 1)}


def run(args, workdir: Path) -> dict:
    pg = PgCluster() if args.db == "postgresql" else None
    server = None
    try:
        if pg is not None:
            pg.start()
        env, instance = prepare(args, workdir, pg)
        server = AppServer(env).start(timeout=120)
        log(f"server on {server.url}")
        admin, teacher = log_in_all(server.url, [("admin", ADMIN), ("teacher", TEACHER)], PASSWORDS["scale"])
        reader = Reader(teacher.http, server.url + args.page, args.request_timeout)
        baseline_start = time.perf_counter()
        reader.start()
        time.sleep(args.baseline)

        asked = time.perf_counter()
        response = admin.http.post(server.url + "/exports", data={"scope": "platform", "csrf_token": admin.csrf_token},
                                   allow_redirects=False, timeout=args.request_timeout)
        if response.status_code != 302:
            raise SystemExit(f"POST /exports answered {response.status_code}: {response.text[:300]}")
        page = admin.http.get(server.url + "/exports", timeout=args.request_timeout).text
        job_id = int(re.search(r'data-export-job="(\d+)"', page).group(1))
        status: dict = {}
        deadline = asked + args.export_timeout
        while time.perf_counter() < deadline:
            status = admin.http.get(f"{server.url}/exports/{job_id}/status", timeout=args.request_timeout).json()
            if not status["active"]:
                break
            time.sleep(2)
        done = time.perf_counter()
        time.sleep(args.settle)
        reader.stopping.set()
        reader.join(args.request_timeout + 5)
        if status.get("status") != "done":
            raise SystemExit(f"the export did not finish within {args.export_timeout}s: {status}")
        download = admin.http.get(server.url + status["download_url"], timeout=600)
        return {
            "benchmark": "export_latency", "data": "scale", "db": args.db, "scale_args": args.scale_args,
            "instance": instance, "page": args.page,
            "export": {"seconds": round(done - asked, 1), "archive_bytes": len(download.content),
                       "rows_and_files": status["total"]},
            "page_before": reader.window(baseline_start, asked),
            "page_during_export": reader.window(asked, done),
            "page_errors": reader.errors,
        }
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale-args", default="--networks 3 --schools 60 --provinces 6 --staff 1200",
                        help="arguments of flask seed scale")
    parser.add_argument("--reuse-instance", help="keep the seeded instance here and reuse it on later runs")
    parser.add_argument("--page", default="/", help="the page the other person opens meanwhile")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of page reading before the export")
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--export-timeout", type=float, default=3600.0)
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args(argv)
    args.data = "scale"
    with tempfile.TemporaryDirectory(prefix="plc-export-bench-") as tmp:
        result = run(args, Path(tmp))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
