"""Networks, schools, area offices and people: who sees and manages whom, and who grants which roles."""

from __future__ import annotations

from plc.authz.base import (
    _authenticated,
    _within,
    is_admin,
    managed_network_ids,
    managed_school_ids,
    member_area_office_ids,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    school_ids_with_visible_members,
    visible_network_ids,
    visible_school_ids,
)
from plc.models import AreaOffice, Membership, Network, Role, School, User
from plc.models.users import ROLE_SCOPES


def can_view_network(user, network: Network) -> bool:
    return _authenticated(user) and _within(visible_network_ids(user), network.id)


def can_manage_network(user, network: Network) -> bool:
    return _authenticated(user) and _within(managed_network_ids(user), network.id)


def can_view_school(user, school: School) -> bool:
    return _authenticated(user) and _within(visible_school_ids(user), school.id)


def can_view_school_members(user, school: School) -> bool:
    return _authenticated(user) and _within(school_ids_with_visible_members(user), school.id)


def can_manage_school(user, school: School) -> bool:
    return _authenticated(user) and _within(managed_school_ids(user), school.id)


def can_view_area_office(user, area_office: AreaOffice) -> bool:
    return is_admin(user) or area_office.id in member_area_office_ids(user)


def can_view_user(user, other: User) -> bool:
    if not _authenticated(user):
        return False
    if user.id == other.id or is_admin(user):
        return True
    network_ids = visible_network_ids(user) or set()
    member_school_scope = school_ids_with_visible_members(user) or set()
    for membership in other.current_memberships():
        if membership.school_id is not None and membership.school_id in member_school_scope:
            return True
        if membership.network_id is not None and membership.network_id in network_ids:
            return True
        if membership.area_office_id is not None and membership.area_office_id in member_area_office_ids(user):
            return True
    return _in_managed_scope(user, other, include_past=True)


def _in_managed_scope(user, other: User, *, include_past: bool) -> bool:
    """Whether any of ``other``'s memberships (past ones too, if asked) lies in a school or network
    the user manages: a director still sees, and can re-add, a teacher whose role there ended."""
    schools = managed_school_ids(user) or set()
    networks = managed_network_ids(user) or set()
    memberships = other.memberships if include_past else other.current_memberships()
    return any(
        (m.school_id is not None and m.school_id in schools)
        or (m.network_id is not None and m.network_id in networks)
        for m in memberships
    )


def can_manage_user(user, other: User) -> bool:
    """Directors manage their school's staff, coordinators the people of their networks and of
    the networks' schools; nobody but an admin manages an admin; nobody manages themselves here."""
    if not _authenticated(user) or user.id == other.id:
        return False
    if is_admin(user):
        return True
    if Role.ADMIN in other.roles():
        return False
    return _in_managed_scope(user, other, include_past=True)


def grantable_roles(user, scope) -> set[Role]:
    """Roles the user may grant (and end) in ``scope`` (a School, Network, AreaOffice or None for
    global)."""
    if not _authenticated(user):
        return set()
    kind = {School: "school", Network: "network", AreaOffice: "area_office"}.get(type(scope), "global")
    allowed_here = {role for role, kinds in ROLE_SCOPES.items() if kind in kinds}
    if is_admin(user):
        return allowed_here
    if isinstance(scope, School):
        granted: set[Role] = set()
        if scope.id in member_school_ids(user, {Role.DIRECTOR}):
            granted |= {Role.TEACHER, Role.COACH}
        coordinated = member_network_ids(user, {Role.COORDINATOR})
        # The school is in a network the user coordinates (asked once per request, not per school).
        if coordinated and scope.id in school_ids_of_networks(coordinated):
            granted |= {Role.TEACHER, Role.COACH, Role.DIRECTOR}
        return granted & allowed_here
    if isinstance(scope, Network) and scope.id in member_network_ids(user, {Role.COORDINATOR}):
        return {Role.COACH, Role.SUPERVISOR, Role.COORDINATOR} & allowed_here
    return set()


def can_grant(user, scope, role: Role | str) -> bool:
    try:
        return Role(role) in grantable_roles(user, scope)
    except ValueError:
        return False


def can_end_membership(user, membership: Membership) -> bool:
    if not _authenticated(user) or membership.user_id == user.id or membership.ends_on is not None:
        return False
    return can_grant(user, membership.scope, membership.role)


def can_invite(user) -> bool:
    """Whether the user manages any scope in which people can be invited."""
    if is_admin(user):
        return True
    return bool(managed_school_ids(user) or managed_network_ids(user))


def can_disable_user(user, other: User) -> bool:
    return can_manage_user(user, other)


def can_view_audit_log(user) -> bool:
    return is_admin(user)
