"""How this process runs concurrent work. Under gunicorn's gevent worker (gunicorn.conf.py) the
standard library is monkey-patched before the app is imported, and requests and sockets are green
threads sharing one OS thread; everywhere else (tests, flask commands) they are OS threads.

Green threads switch only where they wait on the network, so code between a database write and its
commit must not wait on the network: with SQLite, another green thread's busy wait for the write lock
would block the one OS thread the holder needs. Chat writes take their lock before they begin and
broadcast after the commit (plc.realtime.live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def green() -> bool:
    try:
        from gevent import monkey  # noqa: PLC0415  (gevent is optional: asked only to learn if it runs)
    except ImportError:
        return False
    return monkey.is_module_patched("socket")


def run_blocking(function: Callable[..., T], *args) -> T:
    """Runs CPU-heavy C code that releases the GIL (Argon2) on a real thread when green, so one
    log-in does not stall every open chat for the length of a hash."""
    if green():
        import gevent  # noqa: PLC0415  (only reached when gevent runs)

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)
