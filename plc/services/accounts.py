"""Logging in and out, login sessions, API tokens, passwords, invitations, disabling.

Functions take the acting user where there is one, change the session's objects and flush;
the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from plc import audit
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import ApiToken, Invitation, LoginSession, User
from plc.models._types import length_of, utcnow
from plc.realtime import outbox
from plc.services import mail, passwords


class AccountError(ServiceError):
    """A refused account operation: a message first, then the form fields it concerns."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(fields, message=message)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


# ---------------------------------------------------------------------------- logging in


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right and the account is active, else None; audited either
    way. Unknown e-mail, wrong password and disabled account are indistinguishable to the caller."""
    user = find_user_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        reason = "unknown_email" if user is None else ("disabled" if ok else "wrong_password")
        audit.record("auth.login_failed", user, target_type="user", target_id=getattr(user, "id", None),
                     email=normalise_email(email)[:254], reason=reason)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, user)
    return user


def start_login_session(user: User, ip: str | None, user_agent: str | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_digest(token), user_id=user.id, ip=ip,
                                user_agent=(user_agent or "")[:length_of(LoginSession.user_agent)]))
    db.session.flush()
    return token


# The user behind a login cookie, with the session's times, in one round trip: every page request
# and every socket event asks (one ORM entity; the session's own columns come as plain values).
_LOGGED_IN_USER = (select(User, LoginSession.id, LoginSession.created_at, LoginSession.last_seen_at)
                   .join(LoginSession, LoginSession.user_id == User.id)
                   .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.ended_at.is_(None)))


def logged_in_user(token: str) -> User | None:
    """The user of a live login session, by its cookie token, honouring idle and absolute time-outs
    and the user's being disabled."""
    if not token:
        return None
    row = db.session.execute(_LOGGED_IN_USER, {"token_hash": _digest(token)}).one_or_none()
    if row is None:
        return None
    user, login_id, created_at, last_seen_at = row
    now = utcnow()
    config = current_app.config
    if now - created_at > config["PLC_SESSION_ABSOLUTE"] or now - last_seen_at > config["PLC_SESSION_IDLE"]:
        _end_sessions(LoginSession.id == login_id)
        return None
    if now - last_seen_at > timedelta(seconds=60):
        # Written on its own connection, throttled, so reading a page never waits on this.
        with db.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.id == login_id).values(last_seen_at=now))
    return user if user.is_active else None


def _end_sessions(condition) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(LoginSession).where(condition, LoginSession.ended_at.is_(None)).values(ended_at=utcnow())
        )


def end_login_session(user: User, token: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _digest(token), LoginSession.user_id == user.id)
        .values(ended_at=utcnow())
    )
    outbox.queue_disconnect(db.session, user.id)
    audit.record("auth.logout", user, user)


def end_all_sessions(user: User, except_token: str | None = None) -> None:
    condition = [LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)]
    if except_token:
        condition.append(LoginSession.token_hash != _digest(except_token))
    db.session.execute(update(LoginSession).where(*condition).values(ended_at=utcnow()))
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    outbox.queue_disconnect(db.session, user.id)


# ---------------------------------------------------------------------------- API tokens


def issue_api_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PLC_API_TOKEN_HOURS"]
    row = ApiToken(token_hash=_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    audit.record("auth.token_issued", user, user)
    db.session.flush()
    return token, row


def resolve_api_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def revoke_api_token(user: User, token: str) -> bool:
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)


# ---------------------------------------------------------------------------- passwords


def _check_policy(user: User, new_password: str, field: str = "new_password") -> None:
    problems = passwords.password_problems(new_password, email=user.email, names=(user.name_th, user.name_en or ""))
    if problems:
        raise AccountError(problems[0], {field: problems})


def change_password(user: User, current_password: str, new_password: str, keep_session_token: str | None) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_("Your current password is not correct."),
                           {"current_password": [_("Your current password is not correct.")]})
    _check_policy(user, new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, except_token=keep_session_token)
    audit.record("auth.password_changed", user, user)


# ---------------------------------------------------------------------------- invitations


@dataclass
class InvitationLink:
    user: User
    token: str
    invitation: Invitation


def create_invitation(actor: User | None, user: User) -> InvitationLink:
    """A fresh single-use link; any earlier unused link for the same person stops working."""
    now = utcnow()
    db.session.execute(
        update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None)).values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PLC_INVITATION_HOURS"]
    invitation = Invitation(token_hash=_digest(token), user=user, created_by=actor, expires_at=now + timedelta(hours=hours))
    db.session.add(invitation)
    audit.record("user.invited", actor, user, email=user.email)
    db.session.flush()
    mail.queue_invitation(actor, user, token)  # by e-mail too, when configured and wanted
    return InvitationLink(user, token, invitation)


def find_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token or "")))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    if not invitation.user.is_active:
        return None
    return invitation


def accept_invitation(invitation: Invitation, new_password: str) -> User:
    user = invitation.user
    _check_policy(user, new_password, field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    invitation.used_at = utcnow()
    end_all_sessions(user)
    audit.record("user.invitation_accepted", user, user)
    return user


# ---------------------------------------------------------------------------- disabling


def disable_user(actor: User, user: User) -> None:
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        end_all_sessions(user)
        audit.record("user.disabled", actor, user)


def enable_user(actor: User, user: User) -> None:
    if user.disabled_at is not None:
        user.disabled_at = None
        audit.record("user.enabled", actor, user)


def update_profile(user: User, *, name_th: str, name_en: str | None, title_th: str | None,
                   position_th: str | None, learning_area_th: str | None, locale: str, thai_digits: bool) -> None:
    user.name_th = name_th.strip()
    user.name_en = (name_en or "").strip() or None
    user.title_th = (title_th or "").strip() or None
    user.position_th = (position_th or "").strip() or None
    user.learning_area_th = (learning_area_th or "").strip() or None
    user.locale = locale
    user.thai_digits = bool(thai_digits)
