"""Inviting people into a school or network and granting or ending their roles there."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from plc import audit
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import AreaOffice, Membership, Network, Role, School, User
from plc.models._types import length_of
from plc.services.accounts import (
    AccountError,
    InvitationLink,
    create_invitation,
    find_user_by_email,
    normalise_email,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def scope_fields(scope) -> dict:
    if isinstance(scope, School):
        return {"school": scope}
    if isinstance(scope, Network):
        return {"network": scope}
    if isinstance(scope, AreaOffice):
        return {"area_office": scope}
    return {}


def _same_scope(membership: Membership, scope) -> bool:
    return membership.scope is scope or (scope is None and membership.scope_kind == "global")


def grant(actor: User | None, user: User, role: Role, scope, starts_on: date | None = None) -> Membership:
    role = Role(role)
    if any(m.role == role and _same_scope(m, scope) for m in user.current_memberships()):
        raise AccountError(_("This person already has that role there."), {"role": [_("Already granted.")]})
    membership = Membership(user=user, role=role.value, starts_on=starts_on or bangkok_today(),
                            created_by_id=getattr(actor, "id", None), **scope_fields(scope))
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.granted", actor, user, role=role.value, scope_kind=membership.scope_kind,
                 scope_id=getattr(scope, "id", None))
    return membership


def end(actor: User, membership: Membership, ends_on: date | None = None) -> None:
    membership.ends_on = max(ends_on or bangkok_today(), membership.starts_on)
    audit.record("membership.ended", actor, membership.user, role=membership.role,
                 scope_kind=membership.scope_kind, scope_id=getattr(membership.scope, "id", None))


def invite(actor: User, *, email: str, name_th: str, name_en: str | None, role: Role, scope,
           locale: str = "th") -> tuple[User, InvitationLink | None]:
    """Adds the person (creating the account if needed) with ``role`` in ``scope``. A person who
    has no password yet gets a single-use link to set one."""
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > length_of(User.email):
        raise AccountError(_("Enter a valid e-mail address."), {"email": [_("Enter a valid e-mail address.")]})
    if not (name_th or "").strip():
        raise AccountError(_("Enter the person's name."), {"name_th": [_("Enter the person's name.")]})
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email, name_th=name_th.strip(), name_en=(name_en or "").strip() or None, locale=locale)
        db.session.add(user)
        db.session.flush()
    elif not user.is_active:
        raise AccountError(_("This account is disabled. Enable it before adding a role."),
                           {"email": [_("This account is disabled.")]})
    grant(actor, user, role, scope)
    link = None if user.has_password else create_invitation(actor, user)
    return user, link
