"""gunicorn settings for every way this app is served: `make run`, scripts/run-scaled.sh, the
real-server tests and bench/. One process of green threads (gevent): a websocket costs a greenlet,
not an OS thread, and broadcasting to a room does not hand the GIL from thread to thread."""

import os

worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("PLC_WORKER_CONNECTIONS", "1000"))
