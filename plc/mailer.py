"""Sends the e-mail outbox (``email_message``, plc/models/mail.py) with Flask-Mail, never in a request.

plc/services/mail.py adds a row in the transaction that made the notification, so a rollback sends
nothing; ``note_queued`` marks that transaction, and once it commits the sender of this process wakes.
The sender is a daemon thread (a greenlet under gunicorn's gevent worker, which patches threading),
started by the first request of a process, so a forked worker starts its own and ``flask`` commands
start none; it also wakes every PLC_MAIL_INTERVAL seconds for retries. ``flask mail send-pending``
and the tests call ``send_pending`` directly (PLC_MAIL_BACKGROUND=0). Before it sends, a round runs
the producers given to ``register`` (the session reminders), which queue the mail that is due by the
clock rather than by someone's action.

A sender claims a row with one UPDATE (``sent_at IS NULL AND next_attempt_at <= now``, moving
``next_attempt_at`` a lease ahead) and sends it only when the UPDATE changed that row, so two senders
(two processes, or the thread and the command) never send the same row. A failure is retried after
1, 5, 30 and 120 minutes; after five attempts the row is given up (no next attempt), its error kept.

Layer: below the services (which call ``note_queued``) and above the models it reads; it knows
nothing of who gets what, only how queued rows leave."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from flask_mail import Connection, Message
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from plc.extensions import db, mail
from plc.models._types import utcnow
from plc.models.mail import EmailMessage

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)  # a claimed row is due again if its sender died while sending
BATCH = 50
REDACTED_KINDS = {"invitation"}  # the body holds a password link: not kept once it has left
EXTENSION = "plc_mailer"
_QUEUED = "plc_mail_queued"


_SUPPRESSED: ContextVar[bool] = ContextVar("plc_mail_suppressed", default=False)


def enabled(app: Flask | None = None) -> bool:
    return not _SUPPRESSED.get() and bool((app or current_app).config.get("MAIL_SERVER"))


@contextmanager
def suppressed():
    """Nothing is queued inside: the seeds act as fictional demo people, who must get no e-mail."""
    token = _SUPPRESSED.set(True)
    try:
        yield
    finally:
        _SUPPRESSED.reset(token)


def note_queued(session: Session) -> None:
    """The transaction queued mail: wake the sender once it commits."""
    session.info[_QUEUED] = True


def retry_delay(attempts: int) -> timedelta | None:
    """How long after the ``attempts``-th failure to try again; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


# ---------------------------------------------------------------------------- sending


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


class _TimedConnection(Connection):
    """Flask-Mail's connection with a time-out and verified TLS: smtplib waits forever by default
    (a hung server would stall the sender) and does not check the server's certificate."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config.get("MAIL_TIMEOUT", 20)
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls(context=ssl.create_default_context())
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _message(row: EmailMessage) -> Message:
    config = current_app.config
    message = Message(subject=row.subject, recipients=[row.to_address], body=row.body_text, html=row.body_html,
                      sender=config["MAIL_DEFAULT_SENDER"])
    message.msgId = make_msgid(domain=urlsplit(config["PLC_BASE_URL"]).hostname or "localhost")
    return message


def _claim(row_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(EmailMessage)
        .where(EmailMessage.id == row_id, EmailMessage.sent_at.is_(None), EmailMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _send_one(row_id: int, report: SendReport) -> None:
    row = db.session.get(EmailMessage, row_id)
    if row is None:
        return
    row.attempts = (row.attempts or 0) + 1
    try:
        with _TimedConnection(current_app.extensions["mail"]) as connection:
            connection.send(_message(row))
    except Exception as error:  # whatever the server or the network did, the row waits for its next attempt
        delay = retry_delay(row.attempts)
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        row.next_attempt_at = utcnow() + delay if delay is not None else None
        if delay is None and row.kind in REDACTED_KINDS:
            row.body_text, row.body_html = "", None
        report.failed += 1
        log.warning("e-mail %s to user %s failed (attempt %s): %s", row.id, row.user_id, row.attempts, row.last_error)
    else:
        row.sent_at = utcnow()
        row.next_attempt_at = None
        row.last_error = None
        if row.kind in REDACTED_KINDS:
            row.body_text, row.body_html = "", None
        report.sent += 1
    db.session.commit()


Producer = Callable[[datetime], object]


def _produce(app: Flask) -> None:
    running = sender(app)
    for produce in running.producers if running is not None else ():
        try:
            produce(utcnow())
            db.session.commit()
        except Exception:  # one producer's failure must not keep the outbox from being sent
            db.session.rollback()
            log.exception("queueing the e-mail due now (%s) failed", getattr(produce, "__name__", produce))


def send_pending(app: Flask, *, limit: int = BATCH) -> SendReport:
    """Runs the producers, then sends every due row (claimed one by one); returns how many were sent
    and how many failed."""
    report = SendReport()
    with app.app_context():
        try:
            _produce(app)
            for _batch in range(1000):  # bounded: each round claims rows, which are then no longer due
                now = utcnow()
                due = list(db.session.scalars(
                    select(EmailMessage.id)
                    .where(EmailMessage.sent_at.is_(None), EmailMessage.next_attempt_at <= now)
                    .order_by(EmailMessage.next_attempt_at, EmailMessage.id).limit(limit)))
                db.session.commit()
                for row_id in due:
                    if _claim(row_id, now):
                        _send_one(row_id, report)
                if len(due) < limit:
                    break
        finally:
            db.session.remove()
    return report


# ---------------------------------------------------------------------------- the background sender


class Sender:
    def __init__(self, app: Flask, producers: Sequence[Producer] = ()):
        self.app = app
        self.producers = tuple(producers)
        self.background = bool(app.config.get("PLC_MAIL_BACKGROUND", True))
        self.interval = float(app.config.get("PLC_MAIL_INTERVAL", 30))
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stopping = False
        self.thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        if not self.background or self._stopping or (self.thread is not None and self.thread.is_alive()):
            return
        with self._lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="plc-mailer", daemon=True)
                self.thread.start()

    def wake(self) -> None:
        self.ensure_started()
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stopping = True
        self._wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping:
            try:
                send_pending(self.app)
            except Exception:  # a database hiccup must not end the sender
                log.exception("sending the e-mail outbox failed")
            self._wake.wait(self.interval)
            self._wake.clear()


def sender(app: Flask | None = None) -> Sender | None:
    return (app or current_app).extensions.get(EXTENSION)


def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_QUEUED, False) and has_app_context():
        running = sender()
        if running is not None:
            running.wake()


def _discard(session: Session, *_args) -> None:
    session.info.pop(_QUEUED, None)


def register(app: Flask, producers: Sequence[Producer] = ()) -> None:
    """Binds Flask-Mail and the sender when MAIL_SERVER is set; otherwise e-mail stays off.
    ``producers`` are called with the time at the start of every round and queue what is due."""
    if not enabled(app):
        return
    mail.init_app(app)
    app.extensions[EXTENSION] = Sender(app, producers)
    app.before_request(lambda: app.extensions[EXTENSION].ensure_started())
    if not event.contains(Session, "after_commit", _wake_after_commit):
        event.listen(Session, "after_commit", _wake_after_commit)
        event.listen(Session, "after_soft_rollback", _discard)
