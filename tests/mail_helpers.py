"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the e-mail tests, and an app that sends to it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage

import flask_migrate
from aiosmtpd.controller import Controller

from plc.extensions import db
from tests.catalogues import compile_catalogues
from tests.conftest import make_app, reset_schema

SENDER = "PLC <plc@example.org>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: MimeMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


class Inbox:
    """aiosmtpd handler: keeps every message it accepts. ``reply`` (e.g. "451 …") refuses instead;
    ``delay`` makes the server take that long before answering the message."""

    def __init__(self):
        self.received: list[Received] = []
        self.reply: str | None = None
        self.delay = 0.0
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply:
            return self.reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
        self.reply = None
        self.delay = 0.0

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if address in item.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages within {timeout} s, got {len(self.received)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(inbox: Inbox) -> Controller:
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    return controller


def mail_settings(inbox: Inbox, **overrides) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port, "MAIL_DEFAULT_SENDER": SENDER,
            "PLC_MAIL_BACKGROUND": False, "PLC_BASE_URL": "https://plc.example.org", "MAIL_TIMEOUT": 5, **overrides}


def build_app(tmp_path_factory, **config):
    """An app of its own (its own database, migrated), as conftest's ``app`` but with ``config``."""
    compile_catalogues()
    app = make_app(tmp_path_factory, **config)
    with app.app_context():
        reset_schema()
        flask_migrate.upgrade()
    return app


def dispose_app(app) -> None:
    sender = app.extensions.get("plc_mailer")
    if sender is not None:
        sender.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
