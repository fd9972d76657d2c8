"""People, their roles in schools and networks, and their login sessions and tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    TEACHER = "teacher"
    COACH = "coach"
    SUPERVISOR = "supervisor"
    DIRECTOR = "director"
    COORDINATOR = "coordinator"
    AREA_VIEWER = "area_viewer"
    ADMIN = "admin"


# Which scope each role is held in. A coach coaches in a school or across a network.
ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.TEACHER: ("school",),
    Role.COACH: ("school", "network"),
    Role.SUPERVISOR: ("network", "area_office"),
    Role.DIRECTOR: ("school",),
    Role.COORDINATOR: ("network",),
    Role.AREA_VIEWER: ("area_office",),
    Role.ADMIN: ("global",),
}


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    title_th: Mapped[str | None] = mapped_column(String(40))
    position_th: Mapped[str | None] = mapped_column(String(120))
    learning_area_th: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="th")
    thai_digits: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", cascade="all, delete-orphan",
        order_by="Membership.starts_on.desc()",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.disabled_at is None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def display_name(self, locale: str = "th") -> str:
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_th

    def current_memberships(self, today: date | None = None) -> list[Membership]:
        today = today or bangkok_today()
        return [m for m in self.memberships if m.is_current(today)]

    def roles(self, today: date | None = None) -> set[Role]:
        return {Role(m.role) for m in self.current_memberships(today)}

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    """A role held by a user in one school, one network, one area office, or (admin) everywhere.

    Ending a membership sets ``ends_on``, the first day it no longer holds (exclusive); rows are
    never deleted, so a teacher who moves keeps the history of where they worked.
    """

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN school_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN network_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN area_office_id IS NULL THEN 0 ELSE 1 END)"
            " = (CASE WHEN role = 'admin' THEN 0 ELSE 1 END)",
            name="one_scope",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    area_office_id: Mapped[int | None] = mapped_column(ForeignKey("area_office.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, default=bangkok_today)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    school = relationship("School")
    network = relationship("Network")
    area_office = relationship("AreaOffice")

    @property
    def scope_kind(self) -> str:
        if self.school_id is not None:
            return "school"
        if self.network_id is not None:
            return "network"
        if self.area_office_id is not None:
            return "area_office"
        return "global"

    @property
    def scope(self):
        return self.school or self.network or self.area_office

    def is_current(self, today: date | None = None) -> bool:
        today = today or bangkok_today()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)

    @staticmethod
    def current_clause(today: date | None = None):
        today = today or bangkok_today()
        return (Membership.starts_on <= today) & or_(Membership.ends_on.is_(None), Membership.ends_on > today)


class LoginSession(db.Model):
    """One browser login. The cookie carries a random id whose hash is stored here; deleting
    (ending) the row ends the session wherever the cookie is replayed."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """A single-use, expiring link with which an invited person sets their password."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(16), default="invite")
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
