"""Who is connected where, and throttles for socket events, behind one small interface with an
in-memory implementation (embedded profile) and a Redis one (scaled profile, shared by every
process). Nothing here is module-level mutable state: the store hangs off the app."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem

from plc.extensions import limiter, socketio

TTL_SECONDS = 90  # a connection that sends no heartbeat for this long is no longer present
PRESENCE_INTERVAL = 1.0  # seconds: at most one 'presence' broadcast per session per interval and process


@dataclass(frozen=True)
class Present:
    user_id: int
    name: str


class MemoryPresence:
    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[int, dict[str, tuple[int, str, float]]] = {}
        self._connections: dict[str, tuple[int, set[int]]] = {}

    def connect(self, sid: str, user_id: int) -> None:
        with self._lock:
            self._connections[sid] = (user_id, set())

    def join(self, sid: str, session_id: int, user_id: int, name: str) -> None:
        with self._lock:
            self._sessions.setdefault(session_id, {})[sid] = (user_id, name, time.time() + TTL_SECONDS)
            self._connections.setdefault(sid, (user_id, set()))[1].add(session_id)

    def leave(self, sid: str, session_id: int) -> None:
        with self._lock:
            self._sessions.get(session_id, {}).pop(sid, None)
            if sid in self._connections:
                self._connections[sid][1].discard(session_id)

    def disconnect(self, sid: str) -> set[int]:
        with self._lock:
            _user, sessions = self._connections.pop(sid, (None, set()))
            for session_id in sessions:
                self._sessions.get(session_id, {}).pop(sid, None)
            return set(sessions)

    def heartbeat(self, sid: str) -> None:
        with self._lock:
            _user, sessions = self._connections.get(sid, (None, set()))
            for session_id in sessions:
                entry = self._sessions.get(session_id, {}).get(sid)
                if entry:
                    self._sessions[session_id][sid] = (entry[0], entry[1], time.time() + TTL_SECONDS)

    def members(self, session_id: int) -> list[Present]:
        now = time.time()
        with self._lock:
            entries = self._sessions.get(session_id, {})
            for sid in [sid for sid, (_u, _n, expires) in entries.items() if expires < now]:
                entries.pop(sid)
            seen = {user_id: name for user_id, name, _e in entries.values()}
        return sorted((Present(u, n) for u, n in seen.items()), key=lambda p: p.name)

    def sids_of(self, user_id: int) -> list[str]:
        with self._lock:
            return [sid for sid, (uid, _s) in self._connections.items() if uid == user_id]


class RedisPresence:
    """Keys: ``plc:presence:<session>`` hash sid → {user, name, expires};
    ``plc:conn:<sid>`` → {user, sessions}; ``plc:user-sids:<user>`` set of sids."""

    def __init__(self, url: str):
        import redis  # noqa: PLC0415  (only the scaled profile installs it)

        self._redis = redis.Redis.from_url(url, decode_responses=True)

    def connect(self, sid: str, user_id: int) -> None:
        pipe = self._redis.pipeline()
        pipe.set(f"plc:conn:{sid}", json.dumps({"user": user_id, "sessions": []}), ex=24 * 3600)
        pipe.sadd(f"plc:user-sids:{user_id}", sid)
        pipe.expire(f"plc:user-sids:{user_id}", 24 * 3600)
        pipe.execute()

    def _connection(self, sid: str) -> dict:
        raw = self._redis.get(f"plc:conn:{sid}")
        return json.loads(raw) if raw else {"user": None, "sessions": []}

    def join(self, sid: str, session_id: int, user_id: int, name: str) -> None:
        record = self._connection(sid)
        record["user"] = user_id
        record["sessions"] = sorted(set(record["sessions"]) | {session_id})
        entry = json.dumps({"user": user_id, "name": name, "expires": time.time() + TTL_SECONDS})
        pipe = self._redis.pipeline()
        pipe.hset(f"plc:presence:{session_id}", sid, entry)
        pipe.set(f"plc:conn:{sid}", json.dumps(record), ex=24 * 3600)
        pipe.execute()

    def leave(self, sid: str, session_id: int) -> None:
        record = self._connection(sid)
        record["sessions"] = [s for s in record["sessions"] if s != session_id]
        pipe = self._redis.pipeline()
        pipe.hdel(f"plc:presence:{session_id}", sid)
        pipe.set(f"plc:conn:{sid}", json.dumps(record), ex=24 * 3600)
        pipe.execute()

    def disconnect(self, sid: str) -> set[int]:
        record = self._connection(sid)
        pipe = self._redis.pipeline()
        for session_id in record["sessions"]:
            pipe.hdel(f"plc:presence:{session_id}", sid)
        pipe.delete(f"plc:conn:{sid}")
        if record["user"] is not None:
            pipe.srem(f"plc:user-sids:{record['user']}", sid)
        pipe.execute()
        return set(record["sessions"])

    def heartbeat(self, sid: str) -> None:
        record = self._connection(sid)
        for session_id in record["sessions"]:
            raw = self._redis.hget(f"plc:presence:{session_id}", sid)
            if raw:
                entry = json.loads(raw)
                entry["expires"] = time.time() + TTL_SECONDS
                self._redis.hset(f"plc:presence:{session_id}", sid, json.dumps(entry))

    def members(self, session_id: int) -> list[Present]:
        now = time.time()
        seen: dict[int, str] = {}
        stale = []
        for sid, raw in self._redis.hgetall(f"plc:presence:{session_id}").items():
            entry = json.loads(raw)
            if entry["expires"] < now:
                stale.append(sid)
            else:
                seen[entry["user"]] = entry["name"]
        if stale:
            self._redis.hdel(f"plc:presence:{session_id}", *stale)
        return sorted((Present(u, n) for u, n in seen.items()), key=lambda p: p.name)

    def sids_of(self, user_id: int) -> list[str]:
        return sorted(self._redis.smembers(f"plc:user-sids:{user_id}"))


class PresenceThrottle:
    """Coalesces 'presence' broadcasts. Each join or leave changes the list for everyone in the
    room, so when N people (re)connect at once — a class starting, a server restart — sending the
    whole list on every change costs N broadcasts × N recipients × N names. Instead the first
    change goes out at once and the changes within the next interval are folded into one trailing
    broadcast of the then-current list. Per process: in the scaled profile each process reads the
    list from Redis, so whichever broadcasts last tells everyone the truth."""

    def __init__(self, app, interval: float = PRESENCE_INTERVAL):
        self._app = app
        self._interval = interval
        self._lock = threading.Lock()
        self._quiet_until: dict[int, float] = {}
        self._scheduled: set[int] = set()

    def request(self, session_id: int, emit: Callable[[int], None]) -> None:
        now = time.monotonic()
        with self._lock:
            if session_id in self._scheduled:
                return  # the trailing broadcast will carry this change too
            quiet_until = self._quiet_until.get(session_id, 0.0)
            if now >= quiet_until:
                self._quiet_until[session_id] = now + self._interval
                if len(self._quiet_until) > 1000:  # forget sessions that have been quiet for a while
                    self._quiet_until = {k: v for k, v in self._quiet_until.items() if v > now}
                delay = None
            else:
                self._scheduled.add(session_id)
                delay = quiet_until - now
        if delay is None:
            emit(session_id)
        else:
            socketio.start_background_task(self._trailing, session_id, emit, delay)

    def _trailing(self, session_id: int, emit: Callable[[int], None], delay: float) -> None:
        socketio.sleep(delay)
        with self._lock:
            self._scheduled.discard(session_id)
            self._quiet_until[session_id] = time.monotonic() + self._interval
        if self._app.extensions.get("plc_presence_throttle") is not self:
            return  # the presence store was replaced (tests do that): this news is stale
        with self._app.app_context():
            emit(session_id)


class MemoryLimits:
    """Moving-window rate limits of socket events, for one process (embedded profile). The
    ``limits`` memory storage behind Flask-Limiter would do the same, but after every hit it starts
    a timer thread that walks all its keys: at hundreds of chat messages a second that costs more
    than the handler itself. Same rule: a hit counts if fewer than ``amount`` hits of the key fall
    within the last ``expiry`` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[float, deque[float]]] = {}  # key → (window, times of its hits)
        self._prune_at = 1000

    def hit(self, limit: RateLimitItem, *identifiers: str) -> bool:
        key = limit.key_for(*identifiers)
        window = float(limit.get_expiry())
        now = self._clock()
        with self._lock:
            if len(self._hits) >= self._prune_at:  # forget keys with no hit left in their window
                self._hits = {k: v for k, v in self._hits.items() if v[1] and v[1][-1] > now - v[0]}
                self._prune_at = max(1000, 2 * len(self._hits))
            hits = self._hits.setdefault(key, (window, deque()))[1]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit.amount:
                return False
            hits.append(now)
            return True


class SharedLimits:
    """Scaled profile: the limiter's own storage (Redis), so the limits hold across processes."""

    def hit(self, limit: RateLimitItem, *identifiers: str) -> bool:
        return limiter.limiter.hit(limit, *identifiers)


def install(app) -> None:
    url = app.config.get("REDIS_URL") if app.config.get("PLC_PROFILE") == "scaled" else None
    app.extensions["plc_presence"] = RedisPresence(url) if url else MemoryPresence()
    app.extensions["plc_socket_limits"] = SharedLimits() if url else MemoryLimits()
    app.extensions["plc_presence_throttle"] = PresenceThrottle(app, app.config.get("PLC_PRESENCE_INTERVAL",
                                                                                   PRESENCE_INTERVAL))


def store() -> MemoryPresence | RedisPresence:
    return current_app.extensions["plc_presence"]


def throttle() -> PresenceThrottle:
    return current_app.extensions["plc_presence_throttle"]


def limits() -> MemoryLimits | SharedLimits:
    return current_app.extensions["plc_socket_limits"]
