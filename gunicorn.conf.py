"""gunicorn settings for every way this app is served: `make run`, scripts/run-scaled.sh, the
real-server tests and bench/. One process of green threads (gevent): a websocket costs a greenlet,
not an OS thread, and broadcasting to a room does not hand the GIL from thread to thread."""

import os


def _worker_connections() -> int:
    raw = os.environ.get("PLC_WORKER_CONNECTIONS", "1000").strip()
    if not raw.isdigit() or int(raw) < 10:
        raise SystemExit(f"PLC_WORKER_CONNECTIONS must be a whole number of at least 10, not {raw!r}")
    return int(raw)


worker_class = "gevent"
workers = 1
worker_connections = _worker_connections()
