"""Configuration for the two deployment profiles (DESIGN §3).

``embedded`` (default): one process, SQLite under ``instance/``, in-memory limiter and presence.
``scaled``: several processes, PostgreSQL via ``DATABASE_URL`` and Redis via ``REDIS_URL``;
refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse

DEFAULT_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret", "please-change-me"}
PROFILES = ("embedded", "scaled")


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a runnable deployment."""


def _embedded_secret_key(instance_path: Path) -> str:
    """A per-installation key kept under instance/, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the plain scheme operators usually write.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _int_env(env, name: str, default: int, *, minimum: int) -> int:
    raw = str(env.get(name, "")).strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from error
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _bool_env(env, name: str, default: bool) -> bool:
    raw = str(env.get(name, "")).strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


def _rate_limit_env(env, name: str, default: str) -> str:
    raw = str(env.get(name, "")).strip() or default
    try:
        parse(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a rate such as '5 per minute', not {raw!r}") from error
    return raw


def _transports(raw: str) -> list[str]:
    transports = [t.strip() for t in raw.split(",") if t.strip()]
    if not transports or any(t not in ("polling", "websocket") for t in transports):
        raise ConfigError(f"PLC_SOCKETIO_TRANSPORTS must list polling and/or websocket, not {raw!r}")
    return transports


def _base_url(env) -> str:
    raw = str(env.get("PLC_BASE_URL", "")).strip() or "http://127.0.0.1:5000"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PLC_BASE_URL must be the site's address such as https://plc.example.org, not {raw!r}")
    return raw.rstrip("/")


def _mail_settings(env) -> dict:
    """Flask-Mail's settings. E-mail is on only when MAIL_SERVER is set; without it nothing is queued."""
    server = str(env.get("MAIL_SERVER", "")).strip()
    use_tls = _bool_env(env, "MAIL_USE_TLS", False)
    use_ssl = _bool_env(env, "MAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ConfigError("MAIL_USE_TLS (STARTTLS, port 587) and MAIL_USE_SSL (port 465) cannot both be on")
    port = _int_env(env, "MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25, minimum=1)
    if port > 65535:
        raise ConfigError(f"MAIL_PORT must be a port number from 1 to 65535, not {port}")
    username = str(env.get("MAIL_USERNAME", "")).strip() or None
    password = env.get("MAIL_PASSWORD") or None
    if bool(username) != bool(password):
        raise ConfigError("MAIL_USERNAME and MAIL_PASSWORD must be set together (or neither)")
    sender = str(env.get("MAIL_DEFAULT_SENDER", "")).strip() or None
    if server and not sender:
        raise ConfigError("MAIL_DEFAULT_SENDER must be set when MAIL_SERVER is, e.g. 'PLC <plc@example.org>'")
    if sender and not re.search(r"[^@<\s]+@[^@>\s]+\.[^@>\s]+", sender):
        raise ConfigError(f"MAIL_DEFAULT_SENDER must be an e-mail address, not {sender!r}")
    return {
        "MAIL_SERVER": server or None,
        "MAIL_PORT": port,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USERNAME": username,
        "MAIL_PASSWORD": password,
        "MAIL_DEFAULT_SENDER": sender,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail's default is TESTING; the tests talk to a real server
        "MAIL_TIMEOUT": _int_env(env, "PLC_MAIL_TIMEOUT", 20, minimum=1),  # seconds, per SMTP connection
        # The sender in the background (a daemon thread, a greenlet under gevent); 0 leaves sending to
        # `flask mail send-pending` (cron, or the tests calling plc.mailer.send_pending).
        "PLC_MAIL_BACKGROUND": _bool_env(env, "PLC_MAIL_BACKGROUND", True),
        "PLC_MAIL_INTERVAL": _int_env(env, "PLC_MAIL_INTERVAL", 30, minimum=1),
        # A reminder e-mail goes this many hours before a PLC session starts; 0: no reminders.
        "PLC_SESSION_REMINDER_HOURS": _int_env(env, "PLC_SESSION_REMINDER_HOURS", 24, minimum=0),
        # Browser exports (plc/services/archive_jobs.py) are built in a background thread; 0 leaves
        # them queued for a caller of run_job (the tests).
        "PLC_EXPORT_BACKGROUND": _bool_env(env, "PLC_EXPORT_BACKGROUND", True),
    }


def build_config(instance_path: Path, environ: os._Environ | dict | None = None) -> dict:
    env = os.environ if environ is None else environ
    profile = env.get("PLC_PROFILE", "embedded").strip() or "embedded"
    if profile not in PROFILES:
        raise ConfigError(f"PLC_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")

    secret_key = env.get("SECRET_KEY", "")
    if profile == "scaled":
        if secret_key.strip().lower() in DEFAULT_SECRET_KEYS or len(secret_key) < 32:
            raise ConfigError(
                "The scaled profile needs SECRET_KEY set to the same random value (32+ characters) "
                "on every process."
            )
        if not env.get("DATABASE_URL"):
            raise ConfigError("The scaled profile needs DATABASE_URL (PostgreSQL).")
        if not env.get("REDIS_URL"):
            raise ConfigError("The scaled profile needs REDIS_URL.")
    elif not secret_key:
        secret_key = _embedded_secret_key(instance_path)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'plc.sqlite3'}"
    redis_url = env.get("REDIS_URL", "")
    scaled = profile == "scaled"
    https = _bool_env(env, "PLC_HTTPS", False)
    absolute_hours = _int_env(env, "PLC_SESSION_ABSOLUTE_HOURS", 12, minimum=1)

    return {
        "PLC_PROFILE": profile,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        # One gunicorn process serves many requests and socket events at once (green threads);
        # the pool must not make them queue (SQLAlchemy's default is 5 + 10). Mind PostgreSQL's
        # max_connections: processes × (pool size + overflow). A server connection can drop while
        # pooled, so it is pinged at checkout; a SQLite file cannot, and every chat message would
        # pay for the ping.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": not _normalise_database_url(database_url).startswith("sqlite"),
            "pool_size": _int_env(env, "PLC_DB_POOL_SIZE", 10, minimum=1),
            "max_overflow": _int_env(env, "PLC_DB_MAX_OVERFLOW", 30, minimum=0),
            "pool_timeout": _int_env(env, "PLC_DB_POOL_TIMEOUT", 30, minimum=1),
        },
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url if scaled else "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "SOCKETIO_MESSAGE_QUEUE": redis_url if scaled else None,
        # Built dashboards are kept this long (0: never), in this process or, scaled, in Redis so
        # that every process serves the same figures.
        "PLC_DASHBOARD_CACHE_SECONDS": _int_env(env, "PLC_DASHBOARD_CACHE_SECONDS", 120, minimum=0),
        # A survey report shows anything but the number of respondents only from this many answers.
        "SURVEY_MIN_GROUP": _int_env(env, "PLC_SURVEY_MIN_GROUP", 5, minimum=1),
        "CACHE_TYPE": "RedisCache" if scaled else "SimpleCache",
        "CACHE_REDIS_URL": redis_url or None,
        "CACHE_KEY_PREFIX": "plc:cache:",
        "CACHE_DEFAULT_TIMEOUT": 120,
        "CACHE_THRESHOLD": 200,
        # "websocket" alone lets several processes run behind a plain (non-sticky) load balancer:
        # long-polling needs every request of a connection to reach the same process.
        "SOCKETIO_TRANSPORTS": _transports(env.get("PLC_SOCKETIO_TRANSPORTS", "polling,websocket")),
        "MAX_CONTENT_LENGTH": _int_env(env, "PLC_MAX_UPLOAD_MB", 16, minimum=1) * 1024 * 1024,
        "UPLOAD_DIR": env.get("PLC_UPLOAD_DIR", str(instance_path / "uploads")),
        # Sessions: cookie carries only an opaque login-session id checked against the database.
        "SESSION_COOKIE_NAME": "plc_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "PLC_HTTPS": https,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute_hours),
        "PLC_SESSION_IDLE": timedelta(minutes=_int_env(env, "PLC_SESSION_IDLE_MINUTES", 30, minimum=1)),
        "PLC_SESSION_ABSOLUTE": timedelta(hours=absolute_hours),
        "PLC_API_TOKEN_HOURS": _int_env(env, "PLC_API_TOKEN_HOURS", 24, minimum=1),
        "PLC_INVITATION_HOURS": _int_env(env, "PLC_INVITATION_HOURS", 72, minimum=1),
        "PLC_LOGIN_LIMIT_ACCOUNT": _rate_limit_env(env, "PLC_LOGIN_LIMIT_ACCOUNT", "5 per minute"),
        "PLC_LOGIN_LIMIT_IP": _rate_limit_env(env, "PLC_LOGIN_LIMIT_IP", "30 per minute"),
        # Argon2id cost. The defaults are the production values; tests and benchmarks that log in
        # hundreds of users lower them through the environment (never do that in production).
        "PLC_ARGON2": {
            "time_cost": _int_env(env, "PLC_ARGON2_TIME_COST", 3, minimum=1),
            "memory_cost": _int_env(env, "PLC_ARGON2_MEMORY_KIB", 65536, minimum=1024),
            "parallelism": _int_env(env, "PLC_ARGON2_PARALLELISM", 4, minimum=1),
        },
        "PLC_PAGE_SIZE": 20,
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead, which expires on its own
        "BABEL_DEFAULT_LOCALE": "th",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
        "PLC_LOCALES": ("th", "en"),
        "PLC_TIMEZONE": "Asia/Bangkok",
        # Links in e-mails: the address people reach the site at.
        "PLC_BASE_URL": _base_url(env),
        **_mail_settings(env),
        "API_TITLE": "PLC platform API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearerAuth": []}],
        },
    }
