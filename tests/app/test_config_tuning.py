"""Tuning knobs from the environment: Argon2 cost (tests and benchmarks only), the database pool of a
many-threaded process, and the Socket.IO transports. Defaults are the production values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plc.config import ConfigError, build_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_production_values(tmp_path):
    config = build_config(tmp_path, {})
    assert config["PLC_ARGON2"] == {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is False  # a SQLite file cannot drop a pooled connection
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (10, 30, 30)
    assert config["SOCKETIO_TRANSPORTS"] == ["polling", "websocket"]


def test_server_databases_are_pinged_at_checkout(tmp_path):
    config = build_config(tmp_path, {"DATABASE_URL": "postgresql://plc@127.0.0.1/plc"})
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_the_environment_tunes_them(tmp_path):
    config = build_config(tmp_path, {
        "PLC_ARGON2_TIME_COST": "1", "PLC_ARGON2_MEMORY_KIB": "1024", "PLC_ARGON2_PARALLELISM": "1",
        "PLC_DB_POOL_SIZE": "20", "PLC_DB_MAX_OVERFLOW": "0", "PLC_DB_POOL_TIMEOUT": "5",
        "PLC_SOCKETIO_TRANSPORTS": " websocket ",
    })
    assert config["PLC_ARGON2"] == {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (20, 0, 5)
    assert config["SOCKETIO_TRANSPORTS"] == ["websocket"]


@pytest.mark.parametrize(("name", "value"), [
    ("PLC_ARGON2_TIME_COST", "0"), ("PLC_ARGON2_MEMORY_KIB", "512"), ("PLC_ARGON2_PARALLELISM", "many"),
    ("PLC_DB_POOL_SIZE", "0"), ("PLC_DB_MAX_OVERFLOW", "-1"), ("PLC_SOCKETIO_TRANSPORTS", "carrier-pigeon"),
    ("PLC_SOCKETIO_TRANSPORTS", ","),
])
def test_nonsense_is_refused_at_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        build_config(tmp_path, {name: value})


def _gunicorn_config(**env):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.run([str(gunicorn), "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False)


def test_every_server_is_one_gevent_worker_with_tunable_connections():
    done = _gunicorn_config(PLC_WORKER_CONNECTIONS="500")
    assert done.returncode == 0, done.stderr
    settings = {name.strip(): value.strip() for name, _eq, value in
                (line.partition("=") for line in done.stdout.splitlines()) if _eq}
    assert (settings["worker_class"], settings["workers"], settings["worker_connections"]) == ("gevent", "1", "500")


def test_nonsense_worker_connections_stop_the_server_with_a_clear_message():
    done = _gunicorn_config(PLC_WORKER_CONNECTIONS="lots")
    assert done.returncode != 0
    assert "PLC_WORKER_CONNECTIONS must be a whole number" in done.stdout + done.stderr
