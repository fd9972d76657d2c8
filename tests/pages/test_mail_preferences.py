"""Each person chooses which notifications come by e-mail: on the profile page and through
/api/v1/me/email-preferences. Without MAIL_SERVER the page says so, nothing is queued and the
notifications behave as before."""

from __future__ import annotations

from datetime import date

import pytest

from plc import mailer
from plc.models import Notification, School, User
from plc.models.mail import EMAIL_KINDS, EmailMessage, EmailPreference
from plc.services import coaching, mail
from tests.conftest import count, post_form, text_of
from tests.mail_helpers import Inbox, build_app, dispose_app, mail_settings, start_smtp

PATH = "/api/v1/me/email-preferences"


def preferences_of(in_db, world_user) -> dict[str, bool]:
    with in_db() as session:
        return mail.preferences(session.get(User, world_user.id))


# ---------------------------------------------------------------------------- without MAIL_SERVER


def test_without_mail_the_profile_says_so_and_shows_the_choices_disabled(login_as):
    client = login_as("teacher")
    html = text_of(client, "/profile")
    assert "แพลตฟอร์มนี้ยังไม่ได้ตั้งค่าการส่งอีเมล" in html
    assert "<fieldset disabled" in html
    assert 'action="/profile/email"' not in html
    for kind in EMAIL_KINDS:
        assert f'id="{kind}"' in html and f'name="{kind}"' in html
    assert "การนิเทศที่วางแผนไว้ในชั้นเรียนของฉัน" in html


def test_without_mail_nothing_is_queued_and_the_notification_is_as_before(app, in_db, world):
    assert not mailer.enabled(app) and "plc_mailer" not in app.extensions
    with in_db() as session:
        coaching.plan_visit(session.get(User, world.coach.id), teacher=session.get(User, world.teacher.id),
                            school=session.get(School, world.school_a.id), planned_on=date(2026, 12, 15),
                            focus="การใช้คำถาม")
    assert count(in_db, EmailMessage) == 0
    assert count(in_db, Notification, Notification.user_id == world.teacher.id) == 1


def test_the_api_reads_and_changes_the_choices(call, world, in_db):
    response = call("teacher", "GET", PATH)
    assert response.status_code == 200
    assert response.get_json() == {"mail_configured": False, "preferences": dict.fromkeys(EMAIL_KINDS, True)}

    response = call("teacher", "PUT", PATH, json={"preferences": {"visit_planned": False}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["preferences"] == {**dict.fromkeys(EMAIL_KINDS, True), "visit_planned": False}
    response = call("teacher", "PUT", PATH, json={"preferences": {"visit_planned": True, "session_summary": False}})
    assert response.get_json()["preferences"]["visit_planned"] is True
    assert preferences_of(in_db, world.teacher)["session_summary"] is False
    assert preferences_of(in_db, world.teacher2) == dict.fromkeys(EMAIL_KINDS, True)  # only the caller's
    assert count(in_db, EmailPreference) == 2


@pytest.mark.parametrize("body", [{}, {"preferences": {"newsletter": True}}, {"preferences": {"visit_planned": "perhaps"}},
                                  {"preferences": {}, "extra": 1}])
def test_the_api_refuses_what_it_does_not_know(call, world, body):
    response = call("teacher", "PUT", PATH, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]


def test_the_api_needs_a_token(api, world):
    assert api.get(PATH).status_code == 401


def test_the_preferences_api_speaks_english_when_asked(call, world):
    response = call("teacher", "PUT", PATH + "?lang=en", json={"preferences": {"x": True}})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"preferences": {"x": ["This field is not expected."]}}


# ---------------------------------------------------------------------------- with MAIL_SERVER


class TestWithMail:
    @pytest.fixture(scope="class")
    @classmethod
    def inbox(cls):
        inbox = Inbox()
        controller = start_smtp(inbox)
        yield inbox
        controller.stop()

    @pytest.fixture(scope="class")
    @classmethod
    def app(cls, tmp_path_factory, inbox):
        app = build_app(tmp_path_factory, **mail_settings(inbox))
        yield app
        dispose_app(app)

    def test_the_profile_offers_the_four_choices_all_on(self, login_as):
        client = login_as("teacher")
        html = text_of(client, "/profile")
        assert 'action="/profile/email"' in html
        assert "<fieldset disabled" not in html
        assert "teacher@example.org" in html
        for kind in EMAIL_KINDS:
            assert f'<input checked id="{kind}" name="{kind}" type="checkbox"' in html

    def test_turning_a_kind_off_on_the_profile_stops_that_email(self, app, login_as, world, in_db, inbox):
        client = login_as("teacher")
        response = post_form(client, "/profile/email", {"invitation": "y", "session_scheduled": "y",
                                                         "session_reminder": "y", "session_summary": "y"})  # visit_planned unticked
        assert response.status_code == 302 and response.location.endswith("/profile#email-h")
        assert preferences_of(in_db, world.teacher) == {**dict.fromkeys(EMAIL_KINDS, True), "visit_planned": False}
        html = text_of(client, "/profile")
        assert 'id="visit_planned" name="visit_planned" type="checkbox"' in html
        assert "บันทึกการเลือกรับการแจ้งเตือนทางอีเมลแล้ว" in html

        with in_db() as session:
            coaching.plan_visit(session.get(User, world.coach.id), teacher=session.get(User, world.teacher.id),
                                school=session.get(School, world.school_a.id), planned_on=date(2026, 12, 15),
                                focus="การใช้คำถาม")
        assert count(in_db, EmailMessage) == 0
        assert count(in_db, Notification, Notification.user_id == world.teacher.id) == 1  # still told in the app
        assert mailer.send_pending(app).sent == 0 and inbox.received == []

    def test_the_form_needs_its_csrf_token(self, login_as, world, in_db):
        client = login_as("teacher")
        response = client.post("/profile/email", data={"invitation": "y"})
        assert response.status_code in (302, 400)
        assert preferences_of(in_db, world.teacher) == dict.fromkeys(EMAIL_KINDS, True)

    def test_the_api_says_mail_is_configured(self, app, login_as, world):
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"email": "teacher@example.org",
                                                        "password": "correct horse แบตเตอรี่"}).get_json()["token"]
        response = client.get(PATH, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.get_json()["mail_configured"] is True
