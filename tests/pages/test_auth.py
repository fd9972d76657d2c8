from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.models import AuditEvent, Invitation, LoginSession, User
from plc.models._types import utcnow
from tests.conftest import PASSWORD, csrf_from, login, post_form


def audit_actions(in_db) -> list[str]:
    with in_db() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_with_thai_password_and_logout(client, world, in_db):
    response = login(client, world.teacher.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = post_form(client, "/auth/logout", page="/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert client.get("/").status_code == 302
    assert audit_actions(in_db)[-2:] == ["auth.login", "auth.logout"]


def test_unknown_email_and_wrong_password_get_the_same_answer(client, world, in_db):
    wrong = login(client, world.teacher.email, "not the password")
    unknown = login(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401

    def error_text(response):
        html = response.get_data(as_text=True)
        return html[html.index('<ul class="errors"'):html.index("</ul>", html.index('<ul class="errors"'))]

    assert error_text(wrong) == error_text(unknown)
    with in_db() as session:
        reasons = [e.details["reason"] for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id))]
    assert reasons == ["wrong_password", "unknown_email"]


def test_sixth_wrong_password_for_one_account_within_a_minute_is_refused(client, world):
    for _attempt in range(5):
        assert login(client, world.teacher.email, "wrong password!").status_code == 401
    assert login(client, world.teacher.email, "wrong password!").status_code == 429
    assert login(client, world.teacher.email).status_code == 429, "the account stays locked for the window"
    assert login(client, world.teacher2.email).status_code == 302, "other accounts are not affected"


def test_successful_logins_do_not_use_up_the_account_limit(client, world):
    for _attempt in range(7):
        assert login(client, world.teacher.email).status_code == 302
        post_form(client, "/auth/logout", page="/")


def test_ip_limit_applies_across_accounts(app, client, world):
    app.config["PLC_LOGIN_LIMIT_IP"] = "3 per minute"
    try:
        for n in range(3):
            assert login(client, f"nobody{n}@example.org", "wrong password!").status_code == 401
        assert login(client, "nobody9@example.org", "wrong password!").status_code == 429
    finally:
        app.config["PLC_LOGIN_LIMIT_IP"] = "30 per minute"


def test_replayed_cookie_after_logout_is_refused(app, client, world):
    login(client, world.teacher.email)
    cookie = client.get_cookie("plc_session").value
    post_form(client, "/auth/logout", page="/")
    attacker = app.test_client()
    attacker.set_cookie("plc_session", cookie)
    assert attacker.get("/").status_code == 302


def test_idle_and_absolute_timeouts_end_the_session(client, world, in_db):
    login(client, world.teacher.email)
    with in_db() as session:
        row = session.scalar(select(LoginSession).where(LoginSession.user_id == world.teacher.id))
        row.last_seen_at = utcnow() - timedelta(minutes=31)
    assert client.get("/").status_code == 302

    login(client, world.teacher.email)
    with in_db() as session:
        row = session.scalar(select(LoginSession).where(LoginSession.user_id == world.teacher.id,
                                                        LoginSession.ended_at.is_(None)))
        row.created_at = utcnow() - timedelta(hours=13)
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(client, world, in_db):
    login(client, world.teacher.email)
    with in_db() as session:
        row = session.scalar(select(LoginSession).where(LoginSession.user_id == world.teacher.id))
        row.last_seen_at = utcnow() - timedelta(minutes=20)
    assert client.get("/").status_code == 200
    with in_db() as session:
        row = session.scalar(select(LoginSession).where(LoginSession.user_id == world.teacher.id))
        assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_disabling_a_user_ends_their_sessions_at_once(app, client, world):
    login(client, world.teacher.email)
    assert client.get("/").status_code == 200
    director = app.test_client()
    login(director, world.director.email)
    page = f"/people/{world.teacher.id}/disable"
    assert director.get(page).status_code == 200, "a confirmation page comes first"
    assert post_form(director, page, page=page).status_code == 302
    assert client.get("/").status_code == 302
    assert login(app.test_client(), world.teacher.email).status_code == 401


def test_password_change_keeps_this_session_and_ends_the_others(app, client, world):
    login(client, world.teacher.email)
    other_device = app.test_client()
    login(other_device, world.teacher.email)
    response = post_form(client, "/profile/password", {
        "pw-current_password": PASSWORD, "pw-new_password": "ครูใหม่ชอบสอน 🌱", "pw-confirm": "ครูใหม่ชอบสอน 🌱"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    assert login(app.test_client(), world.teacher.email, "ครูใหม่ชอบสอน 🌱").status_code == 302


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short", "at least 8"),
        ("password123", "too common"),
        ("12345678", "too common"),
        ("aaaaaaaaaaa", "too common"),
        ("teacher-secret", "name or e-mail"),
    ],
)
def test_password_policy(client, world, in_db, new_password, message):
    login(client, world.teacher.email)
    client.get("/profile?lang=en")
    response = post_form(client, "/profile/password", {
        "pw-current_password": PASSWORD, "pw-new_password": new_password, "pw-confirm": new_password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert login(client.application.test_client(), world.teacher.email).status_code == 302, "nothing changed"


def test_wrong_current_password_changes_nothing(client, world):
    login(client, world.teacher.email)
    response = post_form(client, "/profile/password", {
        "pw-current_password": "not it at all", "pw-new_password": "ครูใหม่ชอบสอน", "pw-confirm": "ครูใหม่ชอบสอน"})
    assert response.status_code == 422
    assert login(client.application.test_client(), world.teacher.email).status_code == 302


def test_hash_is_upgraded_on_login_when_parameters_change(app, client, world, in_db):
    with in_db() as session:
        old_hash = session.get(User, world.teacher.id).password_hash
    app.config["PLC_ARGON2"] = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    try:
        assert login(client, world.teacher.email).status_code == 302
    finally:
        app.config["PLC_ARGON2"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    with in_db() as session:
        new_hash = session.get(User, world.teacher.id).password_hash
    assert new_hash != old_hash and "$argon2id$" in new_hash and "t=2" in new_hash


def test_open_redirect_after_login_is_refused(client, world):
    token = csrf_from(client)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/auth/login?next={target}",
                               data={"email": world.teacher.email, "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/"
        post_form(client, "/auth/logout", page="/")
        token = csrf_from(client)
    response = client.post("/auth/login?next=/schools", data={"email": world.teacher.email, "password": PASSWORD,
                                                              "csrf_token": token})
    assert response.headers["Location"] == "/schools"


def test_login_without_csrf_token_is_refused(client, world):
    response = client.post("/auth/login", data={"email": world.teacher.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def _invite(client, world, email="new.teacher@example.org"):
    login(client, world.director.email)
    response = post_form(client, "/people/invite", {
        "email": email, "name_th": "ครูใหม่ ใจงาม", "name_en": "", "scope": f"school:{world.school_a.id}",
        "role": "teacher"}, page="/people/invite")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    start = html.index("/auth/invitation/")
    return html[start:html.index('"', start)]


def test_invitation_link_sets_a_password_once(app, client, world, in_db):
    link = _invite(client, world)
    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    token = csrf_from(newcomer, link)
    response = newcomer.post(link, data={"password": "สอนสนุกทุกวัน", "confirm": "สอนสนุกทุกวัน", "csrf_token": token})
    assert response.status_code == 302
    assert "ครูใหม่" in newcomer.get("/").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404, "the link works only once"
    assert login(app.test_client(), "new.teacher@example.org", "สอนสนุกทุกวัน").status_code == 302
    assert {"user.invited", "membership.granted", "user.invitation_accepted"} <= set(audit_actions(in_db))


def test_expired_invitation_is_refused(app, client, world, in_db):
    link = _invite(client, world)
    with in_db() as session:
        for invitation in session.scalars(select(Invitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    assert app.test_client().get(link).status_code == 404


def test_invitation_with_weak_password_changes_nothing(app, client, world, in_db):
    link = _invite(client, world)
    newcomer = app.test_client()
    token = csrf_from(newcomer, link)
    response = newcomer.post(link, data={"password": "12345678", "confirm": "12345678", "csrf_token": token})
    assert response.status_code == 422
    with in_db() as session:
        user = session.scalar(select(User).where(User.email == "new.teacher@example.org"))
        assert user.password_hash is None
    assert newcomer.get(link).status_code == 200, "the link still works after a refused password"


def test_new_invitation_link_replaces_the_old_one(app, client, world, in_db):
    first = _invite(client, world)
    with in_db() as session:
        user_id = session.scalar(select(User.id).where(User.email == "new.teacher@example.org"))
    response = post_form(client, f"/people/{user_id}/invitation", page=f"/people/{user_id}")
    assert response.status_code == 200
    assert app.test_client().get(first).status_code == 404


TOO_LONG_PASSWORD = "ก" * 300
TOO_LONG_MESSAGES = [("en", "The password is too long (at most 256 characters)."),
                     ("th", "รหัสผ่านยาวเกินไป (ไม่เกิน 256 ตัวอักษร)")]


@pytest.mark.parametrize(("lang", "message"), TOO_LONG_MESSAGES, ids=["en", "th"])
def test_a_too_long_password_fails_the_sign_in_with_a_message(client, world, in_db, lang, message):
    client.get(f"/auth/login?lang={lang}")
    before = audit_actions(in_db)
    response = login(client, world.teacher.email, TOO_LONG_PASSWORD)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert audit_actions(in_db) == before
    with in_db() as session:
        assert session.scalars(select(LoginSession)).all() == []


@pytest.mark.parametrize("field", ["pw-current_password", "pw-new_password"])
@pytest.mark.parametrize(("lang", "message"), TOO_LONG_MESSAGES, ids=["en", "th"])
def test_a_too_long_password_changes_no_password(client, world, in_db, field, lang, message):
    login(client, world.teacher.email)
    client.get(f"/profile?lang={lang}")
    with in_db() as session:
        old_hash = session.get(User, world.teacher.id).password_hash
    data = {"pw-current_password": PASSWORD, "pw-new_password": "ครูใหม่ชอบสอน 🌱", "pw-confirm": "ครูใหม่ชอบสอน 🌱"}
    data[field] = TOO_LONG_PASSWORD
    if field == "pw-new_password":
        data["pw-confirm"] = TOO_LONG_PASSWORD
    response = post_form(client, "/profile/password", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with in_db() as session:
        assert session.get(User, world.teacher.id).password_hash == old_hash
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("lang", "message"), TOO_LONG_MESSAGES, ids=["en", "th"])
def test_an_invitation_with_a_too_long_password_changes_nothing(app, client, world, in_db, lang, message):
    link = _invite(client, world)
    newcomer = app.test_client()
    newcomer.get(f"{link}?lang={lang}")
    token = csrf_from(newcomer, link)
    response = newcomer.post(link, data={"password": TOO_LONG_PASSWORD, "confirm": TOO_LONG_PASSWORD,
                                         "csrf_token": token})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with in_db() as session:
        user = session.scalar(select(User).where(User.email == "new.teacher@example.org"))
        assert user.password_hash is None
    assert newcomer.get(link).status_code == 200
