"""plc.concurrency: OS threads in tests and commands; under gunicorn's gevent worker (green), a
password hash runs on a real thread so the event loop keeps serving every open chat meanwhile."""

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from plc.concurrency import green, run_blocking

ROOT = Path(__file__).resolve().parents[2]


def test_outside_gunicorn_work_runs_where_it_is_called():
    assert green() is False
    assert run_blocking(threading.get_native_id) == threading.get_native_id()


def test_when_green_a_password_hash_does_not_stall_the_event_loop():
    program = textwrap.dedent("""
        from gevent import monkey
        monkey.patch_all()

        import json, threading
        import gevent
        from argon2 import PasswordHasher
        from plc.concurrency import green, run_blocking

        hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)  # the production cost
        stored = hasher.hash("รหัสผ่านของครู")
        ticks = []

        def ticker():
            while True:
                ticks.append(1)
                gevent.sleep(0.005)

        loop = gevent.spawn(ticker)
        gevent.sleep(0)
        before = len(ticks)
        verified = run_blocking(hasher.verify, stored, "รหัสผ่านของครู")
        during = len(ticks) - before
        loop.kill()
        print(json.dumps({"green": green(), "verified": verified, "ticks_during_hash": during,
                          "hub_thread": threading.get_native_id(),
                          "worker_thread": run_blocking(threading.get_native_id)}))
    """)
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["green"] is True and figures["verified"] is True
    assert figures["worker_thread"] != figures["hub_thread"]
    assert figures["ticks_during_hash"] >= 2, figures  # a hash on the hub itself would allow none
