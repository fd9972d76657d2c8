#!/usr/bin/env python
"""Chat fan-out benchmark: N python-socketio clients over real websockets against a real server
process (embedded profile: gunicorn.conf.py's one gevent worker, SQLite), all on 127.0.0.1. Prints one JSON
object per scenario with its figures, its targets (issue 5) and pass/fail. Not a test.

    .venv/bin/python bench/chat_fanout.py --scenario one-room   # 1 session × 200 clients, 20 msg/s, 30 s
    .venv/bin/python bench/chat_fanout.py --scenario rooms      # 10 sessions × 30 clients, each client 1 msg/s
    .venv/bin/python bench/chat_fanout.py --scenario restart    # 200 clients, SIGKILL + restart mid-traffic
    .venv/bin/python bench/chat_fanout.py --scenario all
    .venv/bin/python bench/chat_fanout.py --scenario rooms --room-rate 1  # 1 msg/s in each session

Each scenario gets a fresh instance: ``flask db upgrade`` + ``flask seed demo``, then
tests/live_setup.py ``crowd`` inserts the users (one Argon2 hash computed once; the server runs with
cheap Argon2 through PLC_ARGON2_* so hundreds of real form log-ins stay quick) and starts the
sessions. Every client logs in over HTTP like a browser (CSRF meta → POST), connects to /live with
its session cookie and CSRF token, and joins. Messages carry no timestamp: the sender notes the
``perf_counter`` when it emits and every receiver the moment its handler runs (same process, one
clock), so latency = emit → handled by the receiving client, including the clients' own CPU time on
this machine. ``clients_cpu_pct`` is the CPU of all client processes together: when one client
process nears 100 % the figure measures the client, so ``--client-procs N`` (rooms) spreads whole
rooms over N processes (senders and receivers of a room stay in one process, one clock).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import engineio
import socketio
from engineio import packet as eio_packet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realtime_server import (  # noqa: E402
    NAMESPACE,
    AppServer,
    Login,
    live_setup,
    login,
    prepare_instance,
    server_env,
)

BENCH_PASSWORD = "bench-pass-2567-ทดสอบ"  # noqa: S105 - a throwaway benchmark instance
BODY = "ขอบคุณครูทุกท่านครับ วันนี้ลองใช้ขั้น Learn to Search กับนักเรียน ป.3 แล้วได้ผลดีมาก #{n}"
TARGETS = {
    "one-room": {"delivered_pct": 100.0, "in_order": True, "duplicates": 0, "p95_ms_max": 100.0},
    "rooms": {"delivered_pct": 100.0, "p95_ms_max": 100.0},
    "restart": {"all_back_within_s": 15.0, "lost": 0, "duplicated": 0},
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


def latency_summary(values: list[float]) -> dict:
    return {"count": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": round(max(values), 1) if values else None}


def proc_cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of one process (from /proc), 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def worker_pid(server: AppServer) -> int:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    try:
        pids = [int(p) for p in children.read_text().split()]
    except OSError:
        pids = []
    return pids[0] if pids else server.process.pid


PROFILE: dict = {"path": None, "gil": True}  # from --profile: py-spy records the server worker during the traffic


def measure_cpu(server: AppServer, client_pids: tuple[int, ...] = ()):
    """Starts measuring the server worker's CPU and the clients' (this process and CLIENT_PIDS) and,
    with --profile, a py-spy recording of the worker; the returned function stops and reports."""
    pid = worker_pid(server)

    def clients_cpu() -> float:
        return sum(os.times()[:2]) + sum(proc_cpu_seconds(p) for p in client_pids)

    server_before, client_before, wall_before = proc_cpu_seconds(pid), clients_cpu(), time.monotonic()
    spy = None
    if PROFILE["path"]:
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-r", "100",
                                *(["--gil"] if PROFILE["gil"] else []), "--nonblocking", "--format", "raw",
                                "-o", PROFILE["path"]],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def done() -> dict:
        wall = time.monotonic() - wall_before
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return {"server_cpu_pct": round(100 * (proc_cpu_seconds(pid) - server_before) / wall, 1),
                "clients_cpu_pct": round(100 * (clients_cpu() - client_before) / wall, 1),
                "client_processes": 1 + len(client_pids)}
    return done


# ---------------------------------------------------------------------------- the clients


class _InOrderAsyncEngineIO(engineio.AsyncClient):
    """python-socketio's asyncio client handles every incoming message in a task of its own; like
    a browser, we handle them one after another in arrival order (and spare a task per message)."""

    async def _receive_packet(self, pkt):
        if pkt.packet_type == eio_packet.MESSAGE:
            await self._trigger_event("message", pkt.data, run_async=False)
        else:
            await super()._receive_packet(pkt)


class InOrderAsyncClient(socketio.AsyncClient):
    def _engineio_client_class(self):
        return _InOrderAsyncEngineIO


class Participant:
    """One browser-like participant on asyncio: joins with the last seen event id, keeps messages by
    event id, re-joins from its last id after a reconnection, retries sends with the same client_id."""

    def __init__(self, url: str, login_: Login, session_id: int, *, reconnection: bool, on_message=None):
        self.url, self.login, self.session_id = url, login_, session_id
        self.name = login_.email.split("@")[0]
        self.sio = InOrderAsyncClient(reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=2,
                                      randomization_factor=0.5, request_timeout=20)
        self.messages: dict[int, str] = {}  # event id → client_id
        self.receipts: Counter[int] = Counter()
        self.joined_at: list[float] = []
        self.joined = asyncio.Event()
        self.connects = 0
        self.presence_events = 0
        self.on_message = on_message
        self.closing = False
        self.sio.on("message", self._message, namespace=NAMESPACE)
        self.sio.on("presence", self._presence, namespace=NAMESPACE)
        self.sio.on("connect", self._connected, namespace=NAMESPACE)
        self.sio.on("disconnect", self._disconnected, namespace=NAMESPACE)

    def _message(self, payload: dict) -> None:
        if self.on_message is not None:
            self.on_message(self, payload)
        self.messages[payload["event_id"]] = payload["client_id"]
        self.receipts[payload["event_id"]] += 1

    def _presence(self, payload: dict) -> None:
        self.presence_events += 1

    def _connected(self) -> None:
        self.connects += 1
        if self.connects > 1 and not self.closing:
            asyncio.get_running_loop().create_task(self._rejoin())

    def _disconnected(self, reason=None) -> None:
        self.joined.clear()

    async def _rejoin(self) -> None:
        for _ in range(100):
            if self.closing:
                return
            try:
                if (await self.join()).get("ok"):
                    return
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                pass
            await asyncio.sleep(0.3)

    async def connect(self) -> None:
        # Headers and auth as functions: the client asks again at every reconnection (engineio's
        # asyncio client moves a Cookie header out of the dict it was given on the first attempt).
        await self.sio.connect(self.url, headers=lambda: {"Cookie": self.login.cookie_header},
                               auth={"csrf_token": self.login.csrf_token}, transports=["websocket"],
                               namespaces=[NAMESPACE], wait_timeout=60)

    async def join(self, since_id: int | None = None, timeout: float = 60) -> dict:
        since = max(self.messages, default=0) if since_id is None else since_id
        ack = await self.sio.call("join", {"session_id": self.session_id, "since_id": since}, namespace=NAMESPACE,
                                  timeout=timeout)
        if ack.get("ok"):
            for message in ack["messages"]:
                self.messages[message["event_id"]] = message["client_id"]
                self.receipts[message["event_id"]] += 1
            self.joined_at.append(time.monotonic())
            self.joined.set()
        return ack

    async def send_until_acknowledged(self, body: str, client_id: str, deadline: float) -> tuple[dict, int]:
        attempts = 0
        while time.monotonic() < deadline:
            if not self.joined.is_set():
                try:
                    await asyncio.wait_for(self.joined.wait(), timeout=1.0)
                except TimeoutError:
                    continue
            attempts += 1
            try:
                ack = await self.sio.call("send_message", {"session_id": self.session_id, "body": body,
                                                           "client_id": client_id}, namespace=NAMESPACE, timeout=3)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                await asyncio.sleep(0.2)
                continue
            if ack.get("ok") or ack.get("error") != "rate_limited":
                return ack, attempts
            await asyncio.sleep(1.0)
        raise TimeoutError(f"{client_id} not acknowledged in time ({attempts} attempts)")

    async def close(self) -> None:
        self.closing = True
        with contextlib.suppress(Exception):  # already gone
            await asyncio.wait_for(self.sio.disconnect(), timeout=5)
        http = getattr(self.sio.eio, "http", None)  # the aiohttp session the client made for itself
        if http is not None and not http.closed:
            await http.close()


class World:
    """A fresh instance with a crowd of users in SESSIONS live sessions, and the server."""

    def __init__(self, workdir: Path, sessions: int, members: int):
        self.env = server_env(workdir / "instance")
        started = time.monotonic()
        prepare_instance(self.env)
        crowd = json.loads(live_setup(self.env, "crowd", "--sessions", str(sessions), "--members", str(members),
                                      "--password", BENCH_PASSWORD))
        self.sessions = crowd["sessions"]
        self.setup_s = round(time.monotonic() - started, 1)
        self.server = AppServer(self.env).start()
        log(f"server on {self.server.url}, {sessions}×{members} users ready in {self.setup_s}s")

    def logins(self, workers: int = 8) -> list[tuple[int, Login]]:
        url = self.server.url
        jobs = [(s["id"], email) for s in self.sessions for email in s["emails"]]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(lambda job: (job[0], login(url, job[1], BENCH_PASSWORD)), jobs))
        log(f"{len(done)} users logged in over HTTP in {time.monotonic() - started:.1f}s")
        return done

    async def connect_everyone(self, logins: list[tuple[int, Login]], *, reconnection: bool = False,
                               concurrency: int = 20) -> dict[int, list[Participant]]:
        started = time.monotonic()
        participants = [Participant(self.server.url, lg, sid, reconnection=reconnection) for sid, lg in logins]
        rooms = await join_all(participants, concurrency)
        log(f"{len(participants)} clients connected and joined in {time.monotonic() - started:.1f}s")
        return rooms


async def join_all(participants: list[Participant], concurrency: int = 20) -> dict[int, list[Participant]]:
    """Connects every participant and joins it from event 0, CONCURRENCY at a time; returns them by
    session."""
    gate = asyncio.Semaphore(concurrency)

    async def one(p: Participant) -> None:
        async with gate:
            await p.connect()
            ack = await p.join(since_id=0)
            if not ack.get("ok"):
                raise RuntimeError(f"{p.name} could not join: {ack}")

    await asyncio.gather(*(one(p) for p in participants))
    rooms: dict[int, list[Participant]] = {}
    for p in participants:
        rooms.setdefault(p.session_id, []).append(p)
    return rooms


def quiet_client_logs() -> None:
    """Warnings only, and none from the socket clients: a dropped connection is part of the scenario."""
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("engineio.client", "socketio.client", "websocket"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)


async def close_all(rooms: dict[int, list[Participant]] | None) -> None:
    if rooms:
        await asyncio.gather(*(p.close() for ps in rooms.values() for p in ps))


# ---------------------------------------------------------------------------- steady traffic


class Traffic:
    """Sends a fixed schedule of messages (emit with an ack callback: the schedule never waits for
    an answer) and records every delivery with the moment its handler ran."""

    def __init__(self, rooms: dict[int, list[Participant]]):
        self.rooms = rooms
        self.sent_at: dict[str, float] = {}
        self.acked: dict[str, dict] = {}
        self.ack_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.received: dict[str, list[tuple[float, int, str]]] = {}
        for participants in rooms.values():
            for p in participants:
                self.received[p.name] = []
                p.on_message = self._on_message

    def _on_message(self, p: Participant, payload: dict) -> None:
        self.received[p.name].append((time.perf_counter(), payload["event_id"], payload["client_id"]))

    def _ack(self, client_id: str):
        def callback(ack):
            now = time.perf_counter()
            if ack.get("ok"):
                self.acked[client_id] = ack["message"]
                self.ack_ms.append((now - self.sent_at[client_id]) * 1000)
            else:
                self.errors[ack.get("error", "?")] += 1
        return callback

    async def run(self, schedule: list[tuple[float, Participant, str]], start_at: float | None = None) -> tuple[float, int]:
        """schedule: (seconds from start, sender, client_id), sorted; START_AT a ``perf_counter``
        moment (the same clock in every process of this machine), else now. Returns (duration,
        late sends)."""
        start = time.perf_counter() if start_at is None else start_at
        late = 0
        for offset, sender, client_id in schedule:
            delay = start + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.02:
                late += 1
            self.sent_at[client_id] = time.perf_counter()
            await sender.sio.emit("send_message", {"session_id": sender.session_id,
                                                   "body": BODY.format(n=client_id.rsplit("m", 1)[-1]),
                                                   "client_id": client_id},
                                  namespace=NAMESPACE, callback=self._ack(client_id))
        return time.perf_counter() - start, late

    def _expected(self) -> int:
        per_session = Counter(m["session_id"] for m in self.acked.values())
        return sum(per_session[sid] * len(ps) for sid, ps in self.rooms.items())

    async def drain(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending_acks = len(self.sent_at) - len(self.acked) - sum(self.errors.values())
            got = sum(1 for rows in self.received.values() for row in rows if row[2] in self.acked)
            if pending_acks <= 0 and got >= self._expected():
                return
            await asyncio.sleep(0.25)

    def figures(self, raw: bool = False) -> dict:
        """The figures; with RAW also the latencies themselves (for merging those of several client
        processes with ``merge_figures``)."""
        by_session: dict[int, set[str]] = {}
        for client_id, message in self.acked.items():
            by_session.setdefault(message["session_id"], set()).add(client_id)
        expected = delivered = duplicates = out_of_order = 0
        latencies: list[float] = []
        for participants in self.rooms.values():
            for p in participants:
                mine = by_session.get(p.session_id, set())
                expected += len(mine)
                seen: set[str] = set()
                last_event = 0
                for t, event_id, client_id in self.received[p.name]:
                    if client_id not in mine:
                        continue
                    if client_id in seen:
                        duplicates += 1
                        continue
                    seen.add(client_id)
                    delivered += 1
                    latencies.append((t - self.sent_at[client_id]) * 1000)
                    if event_id < last_event:
                        out_of_order += 1
                    last_event = max(last_event, event_id)
        return {
            "sent": len(self.sent_at), "acknowledged": len(self.acked), "send_errors": dict(self.errors),
            "expected_deliveries": expected, "delivered": delivered,
            "delivered_pct": round(100.0 * delivered / expected, 3) if expected else 0.0,
            "in_order": out_of_order == 0, "out_of_order": out_of_order, "duplicates": duplicates,
            "latency_ms": latency_summary(latencies), "ack_latency_ms": latency_summary(self.ack_ms),
            **({"raw_latencies": latencies, "raw_ack_ms": self.ack_ms} if raw else {}),
        }


def merge_figures(parts: list[dict]) -> dict:
    """The figures of several client processes (each ``Traffic.figures(raw=True)``) as one."""
    total = {key: sum(p[key] for p in parts) for key in ("sent", "acknowledged", "expected_deliveries", "delivered",
                                                         "out_of_order", "duplicates")}
    errors: Counter[str] = Counter()
    for p in parts:
        errors.update(p["send_errors"])
    latencies = [v for p in parts for v in p["raw_latencies"]]
    acks = [v for p in parts for v in p["raw_ack_ms"]]
    expected = total["expected_deliveries"]
    return {
        "sent": total["sent"], "acknowledged": total["acknowledged"], "send_errors": dict(errors),
        "expected_deliveries": expected, "delivered": total["delivered"],
        "delivered_pct": round(100.0 * total["delivered"] / expected, 3) if expected else 0.0,
        "in_order": total["out_of_order"] == 0, "out_of_order": total["out_of_order"],
        "duplicates": total["duplicates"], "latency_ms": latency_summary(latencies),
        "ack_latency_ms": latency_summary(acks),
    }


async def steady(rooms: dict[int, list[Participant]], *, per_room_rate: float, duration: float,
                 senders_per_room: int, all_rooms: list[int] | None = None,
                 start_at: float | None = None) -> tuple[Traffic, float, int]:
    """Every room gets PER_ROOM_RATE messages per second for DURATION seconds, from its first
    SENDERS_PER_ROOM clients in turn (each stays under the 20-per-10-s limit). ALL_ROOMS: every
    session of the scenario when this process drives only some of them (the phases stay spread)."""
    all_rooms = all_rooms or sorted(rooms)
    schedule = []
    for session_id, participants in sorted(rooms.items()):
        r = all_rooms.index(session_id)
        senders = participants[:senders_per_room]
        count = int(per_room_rate * duration)
        phase = r / max(1, len(all_rooms)) / per_room_rate  # spread the rooms' sends over each interval
        for k in range(count):
            schedule.append((phase + k / per_room_rate, senders[k % len(senders)], f"s{session_id}m{k}"))
    schedule.sort(key=lambda item: item[0])
    traffic = Traffic(rooms)
    took, late = await traffic.run(schedule, start_at)
    await traffic.drain()
    return traffic, took, late


# ---------------------------------------------------------------------------- scenarios


def presence_figures(rooms: dict[int, list[Participant]]) -> dict:
    counts = [p.presence_events for ps in rooms.values() for p in ps]
    return {"presence_events_per_client": round(sum(counts) / max(1, len(counts)), 1)}


def scenario_one_room(args, workdir: Path) -> dict:
    world = World(workdir, sessions=1, members=args.clients)
    try:
        logins = world.logins()

        async def go():
            rooms = None
            try:
                rooms = await world.connect_everyone(logins)
                await asyncio.sleep(args.settle)
                joined_presence = presence_figures(rooms)
                cpu = measure_cpu(world.server)
                traffic, took, late = await steady(rooms, per_room_rate=args.rate, duration=args.duration,
                                                   senders_per_room=min(args.clients, 40))
                return {**traffic.figures(), **cpu(), "sending_took_s": round(took, 2), "late_sends": late,
                        "join_phase": joined_presence}
            finally:
                await close_all(rooms)

        figures = asyncio.run(go())
    finally:
        world.server.stop()
    target = TARGETS["one-room"]
    passed = (figures["delivered_pct"] >= target["delivered_pct"] and figures["in_order"]
              and figures["duplicates"] == 0 and (figures["latency_ms"]["p95"] or 1e9) <= target["p95_ms_max"])
    return {"scenario": "one-room", "sessions": 1, "clients": args.clients, "rate_per_s": args.rate,
            "duration_s": args.duration, **figures, "targets": target, "pass": passed}


@dataclass(frozen=True)
class PlainLogin:
    """What a participant needs of a Login, picklable for a client process."""

    email: str
    cookie_header: str
    csrf_token: str


def _rooms_client_process(conn, url: str, logins: list[tuple[int, PlainLogin]], all_rooms: list[int],
                          options: dict) -> None:
    """One client process of the rooms scenario: connects and joins its participants, says
    "ready", waits for the common start moment, sends its rooms' schedule and sends back its raw
    figures. Senders and receivers of a room are in the same process, so latencies use one clock."""
    quiet_client_logs()

    async def go():
        participants = [Participant(url, lg, sid, reconnection=False) for sid, lg in logins]
        try:
            rooms = await join_all(participants)
            conn.send(("ready", len(participants)))
            start_at = await asyncio.to_thread(conn.recv)
            traffic, took, late = await steady(rooms, per_room_rate=options["rate"], duration=options["duration"],
                                               senders_per_room=options["senders"], all_rooms=all_rooms,
                                               start_at=start_at)
            return {**traffic.figures(raw=True), "sending_took_s": took, "late_sends": late}
        finally:
            await close_all({0: participants})

    try:
        conn.send(("done", asyncio.run(go())))
    except Exception as error:  # noqa: BLE001 - reported to the parent
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def _rooms_with_client_processes(args, world: World, logins: list[tuple[int, Login]]) -> dict:
    """The rooms scenario's traffic from ARGS.CLIENT_PROCS processes, each driving whole rooms."""
    all_rooms = sorted({sid for sid, _lg in logins})
    groups = [all_rooms[i::args.client_procs] for i in range(args.client_procs)]
    context = multiprocessing.get_context("spawn")
    options = {"rate": args.room_rate, "duration": args.duration, "senders": args.room_clients}
    workers = []
    for group in groups:
        mine = [(sid, PlainLogin(lg.email, lg.cookie_header, lg.csrf_token)) for sid, lg in logins if sid in group]
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_rooms_client_process,
                                  args=(child_end, world.server.url, mine, all_rooms, options), daemon=True)
        process.start()
        workers.append((process, parent_end))
    try:
        started = time.monotonic()
        for _process, conn in workers:
            if not conn.poll(180):
                raise TimeoutError("a client process did not get ready")
            kind, value = conn.recv()
            if kind != "ready":
                raise RuntimeError(f"client process: {value}")
        log(f"{len(logins)} clients in {len(workers)} processes connected and joined in "
            f"{time.monotonic() - started:.1f}s")
        time.sleep(args.settle)
        cpu = measure_cpu(world.server, tuple(p.pid for p, _c in workers))
        start_at = time.perf_counter() + 0.5
        for _p, conn in workers:
            conn.send(start_at)
        parts = []
        for _p, conn in workers:
            if not conn.poll(args.duration + 120):
                raise TimeoutError("a client process did not finish")
            kind, value = conn.recv()
            if kind != "done":
                raise RuntimeError(f"client process: {value}")
            parts.append(value)
        figures = {**merge_figures(parts), **cpu(), "sending_took_s": round(max(p["sending_took_s"] for p in parts), 2),
                   "late_sends": sum(p["late_sends"] for p in parts)}
        return figures
    finally:
        for process, _conn in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()  # our own child, by its handle


def scenario_rooms(args, workdir: Path) -> dict:
    sessions, members = args.rooms, args.room_clients
    world = World(workdir, sessions=sessions, members=members)
    try:
        logins = world.logins()
        if args.client_procs > 1:
            figures = _rooms_with_client_processes(args, world, logins)
            return _rooms_result(args, figures)

        async def go():
            rooms = None
            try:
                rooms = await world.connect_everyone(logins)
                await asyncio.sleep(args.settle)
                cpu = measure_cpu(world.server)
                traffic, took, late = await steady(rooms, per_room_rate=args.room_rate, duration=args.duration,
                                                   senders_per_room=members)
                return {**traffic.figures(), **cpu(), "sending_took_s": round(took, 2), "late_sends": late}
            finally:
                await close_all(rooms)

        figures = asyncio.run(go())
    finally:
        world.server.stop()
    return _rooms_result(args, figures)


def _rooms_result(args, figures: dict) -> dict:
    target = TARGETS["rooms"]
    passed = (figures["latency_ms"]["p95"] or 1e9) <= target["p95_ms_max"] and \
        figures["delivered_pct"] >= target["delivered_pct"]
    return {"scenario": "rooms", "sessions": args.rooms, "clients_per_session": args.room_clients,
            "rate_per_session_per_s": args.room_rate, "rate_total_per_s": args.room_rate * args.rooms,
            "duration_s": args.duration,
            **figures, "targets": target, "pass": passed}


def scenario_restart(args, workdir: Path) -> dict:
    world = World(workdir, sessions=1, members=args.clients)
    try:
        logins = world.logins()
        figures = asyncio.run(_restart(args, world, logins))
    finally:
        world.server.stop()
    target = TARGETS["restart"]
    passed = (figures["all_back_s"] <= target["all_back_within_s"] and figures["lost"] == 0
              and figures["duplicated"] == 0 and figures["stored"] == figures["messages"]
              and figures["ack_mismatch"] == 0 and not figures["send_failures"])
    return {"scenario": "restart", "sessions": 1, "clients": args.clients, **figures, "targets": target,
            "pass": passed}


async def _restart(args, world: World, logins) -> dict:
    rooms = None
    try:
        rooms = await world.connect_everyone(logins, reconnection=True)
        participants = next(iter(rooms.values()))
        await asyncio.sleep(args.settle)
        senders = participants[:args.restart_senders]
        per_sender = args.restart_messages
        acks: dict[str, dict] = {}
        attempts: dict[str, int] = {}
        failures: list[str] = []
        enough = asyncio.Event()
        deadline = time.monotonic() + 180

        async def send_all(p: Participant) -> None:
            for i in range(per_sender):
                client_id = f"{p.name}-r{i}"
                if len(acks) >= per_sender * len(senders) // 3 and not enough.is_set():
                    enough.set()  # a third acknowledged: kill now, while this send is in flight
                try:
                    ack, tries = await p.send_until_acknowledged(BODY.format(n=i), client_id, deadline)
                except TimeoutError as error:
                    failures.append(str(error))
                    return
                if not ack.get("ok"):
                    failures.append(f"{client_id}: {ack}")
                acks[client_id], attempts[client_id] = ack.get("message", {}), tries
                await asyncio.sleep(1.0)

        tasks = [asyncio.create_task(send_all(p)) for p in senders]
        await asyncio.wait_for(enough.wait(), timeout=120)
        t_kill = time.monotonic()
        world.server.kill()
        log("server SIGKILLed mid-stream; restarting it on the same port and database")
        await asyncio.to_thread(world.server.start)
        t_up = time.monotonic()
        while time.monotonic() < t_kill + 60 and not all(any(j > t_kill for j in p.joined_at) for p in participants):
            await asyncio.sleep(0.1)
        back = sorted(min((j for j in p.joined_at if j > t_kill), default=float("inf")) - t_kill
                      for p in participants)
        log(f"server up {t_up - t_kill:.1f}s after the kill; last client back after {back[-1]:.1f}s")
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(1.0, deadline - time.monotonic()))

        # The record, from a fresh participant: exactly one stored message per client_id.
        checker = Participant(world.server.url, participants[0].login, participants[0].session_id,
                              reconnection=False)
        await checker.connect()
        history = (await checker.sio.call("join", {"session_id": checker.session_id, "since_id": 0},
                                          namespace=NAMESPACE, timeout=60))["messages"]
        await checker.close()
        ours = [m for m in history if "-r" in m["client_id"]]
        wanted = {m["event_id"]: m["client_id"] for m in ours}
        settle_deadline = time.monotonic() + 20
        while time.monotonic() < settle_deadline and not all(
                all(p.messages.get(e) == c for e, c in wanted.items()) for p in participants):
            await asyncio.sleep(0.2)
        stored_ids = [m["client_id"] for m in ours]
        lost = sum(1 for p in participants for e, c in wanted.items() if p.messages.get(e) != c)
        duplicated = sum(len(p.messages) - len(set(p.messages.values())) for p in participants)
        redundant = sum(n - 1 for p in participants for n in p.receipts.values() if n > 1)
        ack_mismatch = sum(1 for m in ours if acks.get(m["client_id"], {}).get("id") != m["id"])
        return {
            "senders": len(senders), "messages": per_sender * len(senders), "acknowledged": len(acks),
            "stored": len(stored_ids), "stored_twice": len(stored_ids) - len(set(stored_ids)),
            "ack_mismatch": ack_mismatch, "send_failures": failures[:5],
            "retried_sends": sum(1 for n in attempts.values() if n > 1),
            "server_back_s": round(t_up - t_kill, 2),
            "clients_back": sum(1 for b in back if b != float("inf")),
            "back_p50_s": round(back[len(back) // 2], 2), "all_back_s": round(back[-1], 2),
            "lost": lost, "duplicated": duplicated + len(stored_ids) - len(set(stored_ids)),
            "redundant_receipts_deduplicated_by_id": redundant,
        }
    finally:
        await close_all(rooms)


SCENARIOS = {"one-room": scenario_one_room, "rooms": scenario_rooms, "restart": scenario_restart}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--clients", type=int, default=200, help="one-room and restart: clients in the session")
    parser.add_argument("--rate", type=float, default=20.0, help="one-room: messages per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of traffic (one-room, rooms)")
    parser.add_argument("--rooms", type=int, default=10, help="rooms: sessions")
    parser.add_argument("--room-clients", type=int, default=30, help="rooms: clients per session")
    parser.add_argument("--room-rate", type=float, default=30.0,
                        help="rooms: messages per second in EACH session, sent by its clients in turn "
                             "(30, the default: every client of a 30-client session sends one per second)")
    parser.add_argument("--client-procs", type=int, default=2,
                        help="rooms: spread the clients over this many processes (whole rooms each), so that "
                             "one pegged client process does not inflate the latencies")
    parser.add_argument("--restart-senders", type=int, default=10, help="restart: clients that send")
    parser.add_argument("--restart-messages", type=int, default=12, help="restart: messages per sender (1/s)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds between the joins and the traffic")
    parser.add_argument("--output", help="also write the JSON objects (a list) to this file")
    parser.add_argument("--profile", help="record the server worker with py-spy (raw/collapsed stacks) into this file "
                        "during the traffic; needs `pip install py-spy` in the venv")
    parser.add_argument("--profile-all-threads", action="store_true",
                        help="with --profile: sample every running thread, not only the one holding the GIL")
    parser.add_argument("--keep", action="store_true", help="keep the instance directories (logs, database)")
    args = parser.parse_args(argv)

    quiet_client_logs()
    PROFILE["path"], PROFILE["gil"] = args.profile, not args.profile_all_threads
    results = []
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for name in names:
        workdir = Path(tempfile.mkdtemp(prefix=f"plc-bench-{name}-"))
        log(f"scenario {name} in {workdir}")
        try:
            result = SCENARIOS[name](args, workdir)
        except Exception as error:  # noqa: BLE001 - reported as a failed scenario
            result = {"scenario": name, "error": f"{type(error).__name__}: {error}", "pass": False}
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    if args.output:
        Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0 if all(r.get("pass") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
