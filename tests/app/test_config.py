import pytest

from plc.config import ConfigError, build_config

GOOD_KEY = "k" * 40


def test_embedded_is_the_default_with_sqlite_under_instance_and_a_generated_key(tmp_path):
    config = build_config(tmp_path, {})
    assert config["PLC_PROFILE"] == "embedded"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'plc.sqlite3'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SOCKETIO_MESSAGE_QUEUE"] is None
    key_file = tmp_path / "secret_key"
    assert config["SECRET_KEY"] == key_file.read_text() and len(config["SECRET_KEY"]) >= 32
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert build_config(tmp_path, {})["SECRET_KEY"] == config["SECRET_KEY"], "key must survive restarts"


@pytest.mark.parametrize("secret", [None, "", "dev", "change-me", "short-but-not-default"])
def test_scaled_profile_refuses_a_missing_default_or_weak_secret(tmp_path, secret):
    env = {"PLC_PROFILE": "scaled", "DATABASE_URL": "postgresql://db/plc", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config(tmp_path, env)
    assert not (tmp_path / "secret_key").exists(), "scaled must never invent a per-machine key"


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_scaled_profile_needs_postgres_and_redis(tmp_path, missing):
    env = {"PLC_PROFILE": "scaled", "SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgresql://db/plc",
           "REDIS_URL": "redis://127.0.0.1:6379/0"}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        build_config(tmp_path, env)


def test_scaled_profile_uses_redis_for_limits_and_socket_queue(tmp_path):
    config = build_config(tmp_path, {"PLC_PROFILE": "scaled", "SECRET_KEY": GOOD_KEY,
                                     "DATABASE_URL": "postgres://u@db/plc", "REDIS_URL": "redis://127.0.0.1:6379/1"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/plc"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"
    assert config["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/1"


def test_unknown_profile_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PLC_PROFILE"):
        build_config(tmp_path, {"PLC_PROFILE": "cluster"})


def test_https_switches_on_secure_cookies(tmp_path):
    config = build_config(tmp_path, {"PLC_HTTPS": "1"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert build_config(tmp_path, {})["SESSION_COOKIE_SECURE"] is False


def test_create_app_refuses_to_start_scaled_without_secret(monkeypatch, tmp_path):
    from plc import create_app

    monkeypatch.setenv("PLC_PROFILE", "scaled")
    monkeypatch.setenv("PLC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


@pytest.mark.parametrize(("name", "value", "said"), [
    ("PLC_MAX_UPLOAD_MB", "sixteen", "whole number"),
    ("PLC_MAX_UPLOAD_MB", "0", "at least 1"),
    ("PLC_SESSION_IDLE_MINUTES", "30m", "whole number"),
    ("PLC_SESSION_ABSOLUTE_HOURS", "-1", "at least 1"),
    ("PLC_API_TOKEN_HOURS", "1.5", "whole number"),
    ("PLC_INVITATION_HOURS", "three days", "whole number"),
    ("PLC_HTTPS", "sometimes", "1 or 0"),
    ("PLC_LOGIN_LIMIT_ACCOUNT", "five a minute", "rate such as"),
    ("PLC_LOGIN_LIMIT_IP", "30/fortnight", "rate such as"),
])
def test_a_bad_setting_is_refused_by_name(tmp_path, name, value, said):
    with pytest.raises(ConfigError, match=name) as refused:
        build_config(tmp_path, {name: value})
    assert said in str(refused.value)


def test_settings_in_their_usual_spellings_are_read(tmp_path):
    config = build_config(tmp_path, {"PLC_HTTPS": "true", "PLC_MAX_UPLOAD_MB": " 8 ", "PLC_SESSION_IDLE_MINUTES": "45",
                                     "PLC_LOGIN_LIMIT_IP": "10 per minute"})
    assert config["SESSION_COOKIE_SECURE"] is True and config["PREFERRED_URL_SCHEME"] == "https"
    assert config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    assert config["PLC_SESSION_IDLE"].total_seconds() == 45 * 60
    assert config["PLC_LOGIN_LIMIT_IP"] == "10 per minute"
    assert build_config(tmp_path, {"PLC_HTTPS": "off"})["SESSION_COOKIE_SECURE"] is False


def test_the_server_entry_point_names_the_bad_setting_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PLC_INSTANCE_PATH": str(tmp_path), "PLC_SESSION_IDLE_MINUTES": "half an hour"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "The PLC platform cannot start: PLC_SESSION_IDLE_MINUTES must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr
