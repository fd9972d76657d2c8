"""Who the user is in the organisation, the scopes that follow from it, and the refusals (404 for
what the user may not see, 403 for what they see but may not do), audited."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from flask import abort, g, has_request_context
from sqlalchemy import bindparam, select

from plc import audit
from plc.extensions import db
from plc.models import Membership, Role, School
from plc.models.org import network_school

NETWORK_STAFF = {Role.COORDINATOR, Role.COACH, Role.SUPERVISOR}
AREA_STAFF = {Role.AREA_VIEWER, Role.SUPERVISOR}
WORKING_ROLES = {Role.TEACHER, Role.COACH, Role.DIRECTOR}


# ---------------------------------------------------------------------------- memberships


def is_signed_in(user) -> bool:
    """A user who is logged in and whose account is active; the first question of every rule."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def cached_memberships(user) -> list[Membership]:
    """The user's current memberships (none for a user who is not signed in), read once per request
    and kept in ``g`` until ``forget_cached_memberships``."""
    if not is_signed_in(user):
        return []
    # Cached per request: authorization is asked many times while one page renders.
    cache = g.setdefault("_plc_memberships", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = user.current_memberships()
    return cache[user.id]


def forget_cached_memberships() -> None:
    if has_request_context():
        g.pop("_plc_memberships", None)
        g.pop("_plc_circles", None)
        g.pop("_plc_org", None)


def is_admin(user) -> bool:
    return any(m.role == Role.ADMIN for m in cached_memberships(user))


def _ids(user, attr: str, roles: Iterable[Role] | None = None) -> set[int]:
    wanted = set(roles) if roles is not None else None
    return {
        getattr(m, attr)
        for m in cached_memberships(user)
        if getattr(m, attr) is not None and (wanted is None or Role(m.role) in wanted)
    }


def member_school_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "school_id", roles)


def member_network_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "network_id", roles)


def member_area_office_ids(user, roles: Iterable[Role] | None = None) -> set[int]:
    return _ids(user, "area_office_id", roles)


def _org_lookup(kind: str, ids: Iterable[int], statement) -> set[int]:
    """The union of what ``statement`` (key, value rows for the keys in :keys) maps ``ids`` to.

    Cached per request and per id, like the memberships: the organisation (which schools are in
    which network, which office a school belongs to) does not change while a page renders, and
    permission rules ask the same question for every row of a list. Only ids not asked before in
    this request are looked up, so the number of statements follows the user's scopes, not the rows."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    cache = g.setdefault("_plc_org", {}).setdefault(kind, {}) if has_request_context() else {}
    missing = ids - cache.keys()
    if missing:
        found: dict[int, set[int]] = {i: set() for i in missing}
        for key, value in db.session.execute(statement, {"keys": sorted(missing)}):
            found[key].add(value)
        cache.update({key: frozenset(values) for key, values in found.items()})
    return set().union(*(cache[i] for i in ids))


@functools.cache
def _org_statements() -> dict[str, object]:
    keys = bindparam("keys", expanding=True)
    return {
        "schools_of_network": select(network_school.c.network_id, network_school.c.school_id)
        .where(network_school.c.network_id.in_(keys)),
        "networks_of_school": select(network_school.c.school_id, network_school.c.network_id)
        .where(network_school.c.school_id.in_(keys)),
        "schools_of_area_office": select(School.area_office_id, School.id).where(School.area_office_id.in_(keys)),
    }


def school_ids_of_networks(network_ids: set[int]) -> set[int]:
    return _org_lookup("schools_of_network", network_ids, _org_statements()["schools_of_network"])


def network_ids_of_schools(school_ids: set[int]) -> set[int]:
    return _org_lookup("networks_of_school", school_ids, _org_statements()["networks_of_school"])


def _school_ids_of_area_offices(area_office_ids: set[int]) -> set[int]:
    return _org_lookup("schools_of_area_office", area_office_ids, _org_statements()["schools_of_area_office"])


# ---------------------------------------------------------------------------- scoping


def visible_network_ids(user) -> set[int] | None:
    """Networks the user belongs to directly, through one of their schools, or through the schools
    of their area office."""
    if is_admin(user):
        return None
    area_schools = _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    return member_network_ids(user) | network_ids_of_schools(member_school_ids(user) | area_schools)


def visible_school_ids(user) -> set[int] | None:
    """The user's own schools, the schools of their networks and of their area office."""
    if is_admin(user):
        return None
    network_ids = visible_network_ids(user) or set()
    return (
        member_school_ids(user)
        | school_ids_of_networks(network_ids)
        | _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    )


def school_ids_with_visible_members(user) -> set[int] | None:
    """Schools whose staff list the user may read: colleagues in their own school; network
    staff (coordinator, coach, supervisor) across their networks' schools; area staff across
    the area office."""
    if is_admin(user):
        return None
    return (
        member_school_ids(user)
        | school_ids_of_networks(member_network_ids(user, NETWORK_STAFF))
        | _school_ids_of_area_offices(member_area_office_ids(user, AREA_STAFF))
    )


def managed_school_ids(user) -> set[int] | None:
    if is_admin(user):
        return None
    return member_school_ids(user, {Role.DIRECTOR}) | school_ids_of_networks(
        member_network_ids(user, {Role.COORDINATOR})
    )


def managed_network_ids(user) -> set[int] | None:
    if is_admin(user):
        return None
    return member_network_ids(user, {Role.COORDINATOR})


def within_scope(ids: set[int] | None, object_id: int) -> bool:
    """Whether ``object_id`` is in a scope from ``visible_*_ids`` or ``managed_*_ids`` (``None``: all);
    the Python twin of ``scope_filter``."""
    return ids is None or object_id in ids


def scope_filter(column, ids: set[int] | None):
    """A WHERE clause restricting ``column`` to ``ids`` (no restriction for admins)."""
    if ids is None:
        return True
    return column.in_(ids) if ids else False


# ---------------------------------------------------------------------------- refusals


def _audit_denial(user, action: str, target, status: int) -> None:
    # Without a target, a 404 protects nothing (the object does not exist); a 403 is still someone
    # trying what they may not do (plan visits, read the overview), audited without a row to name.
    if target is None and status == 404:
        return

    db.session.rollback()
    audit.record("authz.denied", user if is_signed_in(user) else None, target,
                 attempted=action, status=status)
    db.session.commit()


def deny_unseen(user, action: str, target=None):
    """404: the object does not exist for this user."""
    _audit_denial(user, action, target, 404)
    abort(404)


def deny_forbidden(user, action: str, target=None):
    """403: the user can see the object but may not do this to it (without an object: may not do
    this at all). Audited either way."""
    _audit_denial(user, action, target, 403)
    abort(403)


def access(user, model, object_id: int | None, action: str, *, view, do=None, options=()):
    """The row ``object_id`` of ``model`` if ``user`` may see it (``view``) and, when ``do`` is
    given, may do ``action`` to it. A row the user may not see answers 404, exactly like one that
    does not exist; a row they see but may not change answers 403. Refusals are audited under
    ``action``. The ``access_<concept>`` functions of each module call this with their rules."""
    row = db.session.get(model, object_id, options=options) if object_id is not None else None
    if row is None or not view(user, row):
        deny_unseen(user, action, row)
    if do is not None and not do(user, row):
        deny_forbidden(user, action, row)
    return row
