"""Notifications by e-mail, sent to a real SMTP server (aiosmtpd on 127.0.0.1): invitations, planned
visits, scheduled sessions, session reminders and meeting summaries are queued in the notification's transaction,
worded in the recipient's language, sent after the commit by ``send_pending`` (or the background
sender), retried after a failure and never sent twice."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from plc import mailer
from plc.extensions import db
from plc.models import Circle, LiveSession, Role, School, User
from plc.models._types import utcnow
from plc.models.mail import EmailMessage
from plc.services import coaching, live_sessions, mail, memberships
from plc.services.live_sessions import ActionItemInput, SessionInput
from tests.conftest import count, post_form
from tests.mail_helpers import SENDER, Inbox, build_app, dispose_app, free_port, mail_settings, start_smtp
from tests.plc_helpers import build_plc_work

BASE = "https://plc.example.org"
TITLE = "PLC ออนไลน์ เศษส่วน"


@pytest.fixture(scope="module")
def inbox():
    inbox = Inbox()
    controller = start_smtp(inbox)
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory, inbox):
    """This module's app: e-mail on, sent to ``inbox``, no background sender (the tests send)."""
    app = build_app(tmp_path_factory, **mail_settings(inbox))
    yield app
    dispose_app(app)


@pytest.fixture(autouse=True)
def _empty_inbox(inbox):
    inbox.reset()
    yield
    inbox.reset()


def choose(in_db, key_world_user, **choices) -> None:
    with in_db() as session:
        mail.set_preferences(session.get(User, key_world_user.id), choices)


def set_locale(in_db, world_user, locale: str) -> None:
    with in_db() as session:
        session.get(User, world_user.id).locale = locale


def schedule(in_db, world, circle_id: int, guests: list, *, starts_in: timedelta = timedelta(minutes=-5),
             mode: str = "online", agenda: str | None = None) -> int:
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        live = live_sessions.schedule(teacher, session.get(Circle, circle_id), SessionInput(
            title=TITLE, starts_at=utcnow() + starts_in, duration_minutes=60, mode=mode, agenda=agenda,
            guest_ids=[g.id for g in guests]))
        session.flush()
        return live.id


def plan_visit(in_db, world) -> int:
    with in_db() as session:
        visit = coaching.plan_visit(session.get(User, world.coach.id), teacher=session.get(User, world.teacher.id),
                                    school=session.get(School, world.school_a.id), planned_on=date(2026, 12, 15),
                                    focus="การใช้คำถามกระตุ้นการคิด")
        session.flush()
        return visit.id


def recipients(inbox) -> list[str]:
    return sorted(address for message in inbox.received for address in message.rcpt_tos)


def sent_by_two_senders(app) -> int:
    """Two senders (threads) start at the same moment; how many messages they sent between them."""
    barrier = threading.Barrier(2)
    reports = []

    def send() -> None:
        barrier.wait(5)
        reports.append(mailer.send_pending(app))

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    return sum(report.sent for report in reports)


def rows(in_db) -> list[EmailMessage]:
    with in_db() as session:
        found = list(session.scalars(select(EmailMessage).order_by(EmailMessage.id)))
        session.expunge_all()
        return found


# ---------------------------------------------------------------------------- the five kinds


def test_a_scheduled_session_is_emailed_to_each_guest_who_wants_it_in_their_language(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    choose(in_db, world.director, session_scheduled=False)
    set_locale(in_db, world.teacher2, "en")
    session_id = schedule(in_db, world, work["circle_id"], [world.coach, world.teacher2, world.director])
    assert len(rows(in_db)) == 2  # queued in the transaction, not sent yet
    assert inbox.received == []

    report = mailer.send_pending(app)

    assert (report.sent, report.failed) == (2, 0)
    assert len(inbox.received) == 2
    thai = inbox.to(world.coach.email)
    assert len(thai) == 1
    message = thai[0]
    assert message.mail_from == "plc@example.org"
    assert message.subject == f"การประชุม PLC ใหม่: {TITLE}"
    assert message.text.startswith("เรียน ครู coach")
    assert "ครูสมศรี ใจดี ได้นัดการประชุม PLC ของวง วงคณิตศาสตร์ ป.4" in message.text
    assert re.search(r"เวลา: \d+ \S+ 25\d\d \d\d:\d\d น\. \(เวลากรุงเทพฯ\) 60 นาที", message.text)
    assert f"{BASE}/live/{session_id}" in message.text
    assert f"{BASE}/profile" in message.text
    assert f'href="{BASE}/live/{session_id}"' in message.html
    english = inbox.to(world.teacher2.email)
    assert len(english) == 1
    assert english[0].subject == f"New PLC session: {TITLE}"
    assert english[0].text.startswith("Dear Teacher2 Tester,")
    assert inbox.to(world.director.email) == [] and inbox.to(world.teacher.email) == []  # turned off; the host
    assert all(row.sent_at is not None and row.attempts == 1 and row.last_error is None for row in rows(in_db))
    assert mailer.send_pending(app).sent == 0  # nothing is sent twice


def test_a_planned_visit_is_emailed_to_the_teacher(app, in_db, world, inbox):
    visit_id = plan_visit(in_db, world)
    assert mailer.send_pending(app).sent == 1
    [message] = inbox.to(world.teacher.email)
    assert message.subject == "ครู coach วางแผนนิเทศในชั้นเรียนของคุณ"
    assert "วันที่นิเทศ: 15 ธันวาคม 2569" in message.text
    assert "ประเด็นที่ตกลงร่วมกัน: การใช้คำถามกระตุ้นการคิด" in message.text
    assert f"{BASE}/coaching/visits/{visit_id}" in message.text

    choose(in_db, world.teacher, visit_planned=False)
    plan_visit(in_db, world)
    assert mailer.send_pending(app).sent == 0
    assert len(inbox.received) == 1


def test_a_meeting_summary_is_emailed_to_the_invitees_but_the_writer(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    choose(in_db, world.director, session_summary=False)  # still told of the session itself
    session_id = schedule(in_db, world, work["circle_id"], [world.teacher2, world.director])
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        live = session.get(LiveSession, session_id)
        live_sessions.start(teacher, live)
        live_sessions.end(teacher, live)
        live_sessions.write_summary(teacher, live, "ทดลองใช้สื่อจริงทุกห้อง",
                                    [ActionItemInput(text="เตรียมสื่อ", owner_id=world.teacher2.id)])
    report = mailer.send_pending(app)
    assert report.sent == 3  # two invitations to the session, one summary
    summaries = [m for m in inbox.received if m.subject.startswith("สรุปการประชุม")]
    assert [m.rcpt_tos for m in summaries] == [[world.teacher2.email]]
    assert summaries[0].subject == f"สรุปการประชุม {TITLE}"
    assert "ข้อตกลง:\nทดลองใช้สื่อจริงทุกห้อง" in summaries[0].text
    assert f"อ่านสรุปการประชุม: {BASE}/live/{session_id}" in summaries[0].text


def test_an_invitation_emails_the_link_to_set_a_password(app, client, in_db, world, inbox):
    with in_db() as session:
        director = session.get(User, world.director.id)
        person, link = memberships.invite(director, email="new.teacher@example.org", name_th="ครูใหม่ มาดี",
                                          name_en=None, role=Role.TEACHER, scope=session.get(School, world.school_a.id))
        token = link.token
    assert mailer.send_pending(app).sent == 1
    [message] = inbox.to("new.teacher@example.org")
    assert message.subject == "คำเชิญเข้าใช้แพลตฟอร์ม PLC"
    assert "ครู director ได้เพิ่มคุณเข้าสู่แพลตฟอร์ม PLC" in message.text
    assert "ภายใน 72 ชั่วโมง" in message.text
    url = f"{BASE}/auth/invitation/{token}"
    assert f"ตั้งรหัสผ่าน: {url}" in message.text
    assert client.get(url.removeprefix(BASE)).status_code == 200  # the link in the e-mail works
    [row] = rows(in_db)
    assert row.sent_at is not None and token not in row.body_text  # the link is not kept once sent

    with in_db() as session:  # a person who already has a password gets no link, hence no e-mail
        memberships.invite(session.get(User, world.director.id), email=world.teacher2.email, name_th="x",
                           name_en=None, role=Role.COACH, scope=session.get(School, world.school_a.id))
    assert mailer.send_pending(app).sent == 0


def time_passes(in_db, session_id: int, *, starts_in: timedelta) -> None:
    """The clock moves on: the session now starts ``starts_in`` from now (its scheduling as long ago)."""
    with in_db() as session:
        live = session.get(LiveSession, session_id)
        moved = utcnow() + starts_in - live.starts_at
        live.starts_at += moved
        live.created_at += moved


def test_a_reminder_goes_once_the_day_before_to_whoever_is_invited_then(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    choose(in_db, world.director, session_reminder=False)  # still told of the session itself
    set_locale(in_db, world.teacher2, "en")
    session_id = schedule(in_db, world, work["circle_id"], [world.coach, world.teacher2, world.director],
                          starts_in=timedelta(hours=30), mode="onsite", agenda="1. ทบทวนผลการสอน")
    assert mailer.send_pending(app).sent == 3  # the scheduling, to the three guests; no reminder yet
    inbox.reset()
    time_passes(in_db, session_id, starts_in=timedelta(hours=25))
    assert mailer.send_pending(app).sent == 0  # a day and an hour ahead: not yet

    time_passes(in_db, session_id, starts_in=timedelta(hours=23, minutes=59))
    report = mailer.send_pending(app)

    assert (report.sent, report.failed) == (3, 0)  # the coach, teacher2 and the host; the director said no
    assert recipients(inbox) == sorted([world.coach.email, world.teacher2.email, world.teacher.email])
    [thai] = inbox.to(world.coach.email)
    assert re.fullmatch(rf"เตือนความจำ: {TITLE}, \d+ \S+ 25\d\d \d\d:\d\d น\.", thai.subject)
    assert "การประชุม PLC ของวง วงคณิตศาสตร์ ป.4 เริ่ม" in thai.text
    assert "(เวลากรุงเทพฯ) ใช้เวลา 60 นาที" in thai.text
    assert "ประชุมแบบพบหน้า ไม่ใช่ออนไลน์" in thai.text
    assert "วาระการประชุม:\n1. ทบทวนผลการสอน" in thai.text
    assert f"{BASE}/live/{session_id}" in thai.text
    [english] = inbox.to(world.teacher2.email)
    assert english.subject.startswith(f"Reminder: {TITLE}, ")
    assert "It meets in person, not online." in english.text
    with in_db() as session:
        assert session.get(LiveSession, session_id).reminded_at is not None

    time_passes(in_db, session_id, starts_in=timedelta(hours=2))
    assert mailer.send_pending(app).sent == 0  # once only
    assert len(inbox.received) == 3


def test_no_reminder_for_a_session_scheduled_inside_the_day_started_or_with_reminders_off(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    soon = schedule(in_db, world, work["circle_id"], [world.coach], starts_in=timedelta(hours=3))
    assert mailer.send_pending(app).sent == 1  # its scheduling e-mail is the reminder
    with in_db() as session:
        assert session.get(LiveSession, soon).reminded_at is not None

    started = schedule(in_db, world, work["circle_id"], [world.coach], starts_in=timedelta(hours=30))
    time_passes(in_db, started, starts_in=timedelta(hours=20))
    with in_db() as session:
        live_sessions.start(session.get(User, world.teacher.id), session.get(LiveSession, started))
    later = schedule(in_db, world, work["circle_id"], [world.coach], starts_in=timedelta(hours=30))
    time_passes(in_db, later, starts_in=timedelta(hours=20))
    app.config["PLC_SESSION_REMINDER_HOURS"] = 0
    try:
        assert mailer.send_pending(app).sent == 2  # the two schedulings only
    finally:
        app.config["PLC_SESSION_REMINDER_HOURS"] = 24
    assert all(m.subject.startswith("การประชุม PLC ใหม่") for m in inbox.received)
    assert mailer.send_pending(app).sent == 2  # reminders back on: the one still scheduled, to the coach and the host
    assert sorted(r for m in inbox.received[-2:] for r in m.rcpt_tos) == sorted([world.coach.email, world.teacher.email])
    assert all(m.subject.startswith("เตือนความจำ") for m in inbox.received[-2:])


def test_two_senders_remind_once(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    session_id = schedule(in_db, world, work["circle_id"], [world.coach, world.teacher2], starts_in=timedelta(hours=30))
    mailer.send_pending(app)
    inbox.reset()
    time_passes(in_db, session_id, starts_in=timedelta(hours=10))
    with app.app_context():
        now = utcnow()
        assert live_sessions.queue_due_reminders(now) == 3
        assert live_sessions.queue_due_reminders(now) == 0  # claimed: the second sender finds nothing due
        db.session.rollback()

    assert sent_by_two_senders(app) == 3
    assert recipients(inbox) == sorted([world.coach.email, world.teacher2.email, world.teacher.email])


# ---------------------------------------------------------------------------- transactions, failures, two senders


def test_a_rollback_queues_nothing(app, in_db, world, inbox):
    with app.app_context():
        coaching.plan_visit(db.session.get(User, world.coach.id), teacher=db.session.get(User, world.teacher.id),
                            school=db.session.get(School, world.school_a.id), planned_on=date(2026, 12, 15),
                            focus="ไม่ได้บันทึก")
        db.session.flush()
        assert db.session.scalar(select(db.func.count()).select_from(EmailMessage)) == 1
        db.session.rollback()
    assert count(in_db, EmailMessage) == 0
    assert mailer.send_pending(app).sent == 0
    assert inbox.received == []


def test_a_refusing_server_leaves_the_row_for_a_later_attempt(app, in_db, world, inbox):
    inbox.reply = "451 4.3.0 Please try again later"
    plan_visit(in_db, world)
    before = utcnow()

    report = mailer.send_pending(app)

    assert (report.sent, report.failed) == (0, 1)
    [row] = rows(in_db)
    assert row.sent_at is None and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=55)  # 1 minute later
    assert mailer.send_pending(app).failed == 0  # not due yet: not tried again
    assert inbox.received == []

    inbox.reply = None
    with in_db() as session:  # the minute has passed
        session.execute(update(EmailMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert mailer.send_pending(app).sent == 1
    [row] = rows(in_db)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    assert len(inbox.to(world.teacher.email)) == 1


def test_an_unreachable_server_is_retried_with_growing_delays_then_given_up(app, in_db, world, inbox):
    state = app.extensions["mail"]
    port, state.port = state.port, free_port()  # nothing listens there: connection refused
    try:
        plan_visit(in_db, world)
        delays = []
        for _attempt in range(5):
            started = utcnow()
            assert mailer.send_pending(app).failed == 1
            [row] = rows(in_db)
            if row.next_attempt_at is not None:
                delays.append(round((row.next_attempt_at - started).total_seconds() / 60))
            with in_db() as session:
                session.execute(update(EmailMessage).where(EmailMessage.next_attempt_at.is_not(None))
                                .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    finally:
        state.port = port
    assert delays == [1, 5, 30, 120]
    [row] = rows(in_db)
    assert row.attempts == 5 and row.sent_at is None and row.next_attempt_at is None
    assert "Connection" in row.last_error or "refused" in row.last_error
    assert mailer.send_pending(app).sent == 0  # given up for good
    assert inbox.received == []


def test_two_senders_never_send_the_same_row(app, in_db, world, inbox):
    work = build_plc_work(in_db, world)
    schedule(in_db, world, work["circle_id"], [world.coach, world.teacher2, world.director, world.supervisor])
    ids = [row.id for row in rows(in_db)]
    assert len(ids) == 4
    with app.app_context():  # one claim wins
        now = utcnow()
        assert mailer._claim(ids[0], now) is True
        assert mailer._claim(ids[0], now) is False
        db.session.execute(update(EmailMessage).values(next_attempt_at=now))
        db.session.commit()

    inbox.delay = 0.2  # each message takes a while, so the two senders overlap
    assert sent_by_two_senders(app) == 4
    assert recipients(inbox) == sorted([world.coach.email, world.teacher2.email, world.director.email,
                                        world.supervisor.email])


def test_the_command_sends_what_is_due(app, in_db, world, inbox):
    plan_visit(in_db, world)
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0" in result.output
    assert len(inbox.received) == 1


def test_the_message_is_well_formed_mime(app, in_db, world, inbox):
    plan_visit(in_db, world)
    mailer.send_pending(app)
    [message] = inbox.received
    mime = message.message
    assert mime["From"] == SENDER
    assert mime["To"] == world.teacher.email
    assert mime["Message-ID"].endswith("@plc.example.org>")
    assert {part.get_content_type() for part in mime.walk() if not part.is_multipart()} == {"text/plain", "text/html"}
    assert '<html lang="th">' in message.html


# ---------------------------------------------------------------------------- the background sender


class TestBackgroundSender:
    @pytest.fixture(scope="class")
    @classmethod
    def app(cls, tmp_path_factory, inbox):
        app = build_app(tmp_path_factory, **mail_settings(inbox, PLC_MAIL_BACKGROUND=True, PLC_MAIL_INTERVAL=60))
        yield app
        dispose_app(app)

    def test_a_request_returns_before_the_mail_is_delivered_and_it_arrives_soon_after(self, app, login_as, world, inbox):
        client = login_as("director")
        inbox.delay = 1.5  # the server is slow to accept the message
        started = time.monotonic()
        response = post_form(client, "/people/invite", {
            "email": "slow.mail@example.org", "name_th": "ครูรอ อีเมล", "scope": f"school:{world.school_a.id}",
            "role": "teacher"}, page="/people/invite")
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert elapsed < 1.5 and inbox.received == []  # the request did not wait for the SMTP server
        [message] = inbox.wait_for(1, timeout=15)  # woken by the commit, not by the 60-second interval
        assert message.rcpt_tos == ["slow.mail@example.org"]
        assert time.monotonic() - started < 15
        sender = mailer.sender(app)
        assert sender.thread is not None and sender.thread.daemon and sender.thread.is_alive()


def test_nothing_is_queued_while_mail_is_suppressed_as_the_seed_commands_do(app, in_db, world, inbox):
    with mailer.suppressed():
        plan_visit(in_db, world)
    assert rows(in_db) == [] and mailer.send_pending(app).sent == 0
    plan_visit(in_db, world)
    assert len(rows(in_db)) == 1
