"""Networks, schools, area offices and people: who sees and manages whom, and who grants which roles."""

from __future__ import annotations

from plc.authz.base import (
    access,
    is_admin,
    is_signed_in,
    managed_network_ids,
    managed_school_ids,
    member_area_office_ids,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    school_ids_with_visible_members,
    visible_network_ids,
    visible_school_ids,
    within_scope,
)
from plc.models import AreaOffice, Membership, Network, Role, School, User
from plc.models.users import ROLE_SCOPES


def can_view_network(user, network: Network) -> bool:
    return is_signed_in(user) and within_scope(visible_network_ids(user), network.id)


def can_manage_network(user, network: Network) -> bool:
    return is_signed_in(user) and within_scope(managed_network_ids(user), network.id)


def can_view_school(user, school: School) -> bool:
    return is_signed_in(user) and within_scope(visible_school_ids(user), school.id)


def can_view_school_members(user, school: School) -> bool:
    return is_signed_in(user) and within_scope(school_ids_with_visible_members(user), school.id)


def can_manage_school(user, school: School) -> bool:
    return is_signed_in(user) and within_scope(managed_school_ids(user), school.id)


def can_view_area_office(user, area_office: AreaOffice) -> bool:
    return is_admin(user) or area_office.id in member_area_office_ids(user)


def can_view_user(user, other: User) -> bool:
    if not is_signed_in(user):
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
    if not is_signed_in(user) or user.id == other.id:
        return False
    if is_admin(user):
        return True
    if Role.ADMIN in other.roles():
        return False
    return _in_managed_scope(user, other, include_past=True)


def grantable_roles(user, scope) -> set[Role]:
    """Roles the user may grant (and end) in ``scope`` (a School, Network, AreaOffice or None for
    global)."""
    if not is_signed_in(user):
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
    if not is_signed_in(user) or membership.user_id == user.id or membership.ends_on is not None:
        return False
    return can_grant(user, membership.scope, membership.role)


def can_invite(user) -> bool:
    """Whether the user manages any scope in which people can be invited."""
    if is_admin(user):
        return True
    return bool(managed_school_ids(user) or managed_network_ids(user))


def can_disable_user(user, other: User) -> bool:
    return can_manage_user(user, other)


def can_reinvite_user(user, other: User) -> bool:
    """A new invitation link goes to someone the user manages who has not set a password yet."""
    return can_manage_user(user, other) and not other.has_password


def can_view_membership(user, membership: Membership) -> bool:
    return can_view_user(user, membership.user)


# ---------------------------------------------------------------------------- one way in

# What each action needs beyond seeing the network, school, area office or person; the action names
# are the audited ones.
NETWORK_ACTIONS = {"network.view": None}
SCHOOL_ACTIONS = {"school.view": None}
AREA_OFFICE_ACTIONS = {"area_office.view": None}
USER_ACTIONS = {
    "user.view": None,
    "user.reinvite": can_reinvite_user,
    "user.disable": can_disable_user,
    "membership.grant": can_manage_user,
}
MEMBERSHIP_ACTIONS = {"membership.end": can_end_membership}

# A school's staff list is refused as unseen (404) to those who see the school but not its staff; a
# disabled account, to everyone who does not manage it.
SCHOOL_MEMBERS_ACTIONS = {"school.members": None}
MANAGED_USER_ACTIONS = {"user.enable": None}


def access_network(user, network_id: int | None, action: str, *, options=()) -> Network:
    """The network, for the pages and the API alike: 404 unseen or missing."""
    return access(user, Network, network_id, action, view=can_view_network, do=NETWORK_ACTIONS[action],
                  options=options)


def access_school(user, school_id: int | None, action: str, *, options=()) -> School:
    return access(user, School, school_id, action, view=can_view_school, do=SCHOOL_ACTIONS[action], options=options)


def access_school_members(user, school_id: int | None, action: str, *, options=()) -> School:
    """The school whose current staff are asked for: 404 for whoever may not read them."""
    return access(user, School, school_id, action, view=can_view_school_members, do=SCHOOL_MEMBERS_ACTIONS[action],
                  options=options)


def access_area_office(user, area_office_id: int | None, action: str, *, options=()) -> AreaOffice:
    return access(user, AreaOffice, area_office_id, action, view=can_view_area_office,
                  do=AREA_OFFICE_ACTIONS[action], options=options)


def access_user(user, user_id: int | None, action: str, *, options=()) -> User:
    """The person, for the pages and the API alike: 404 unseen or missing, 403 seen but not allowed."""
    return access(user, User, user_id, action, view=can_view_user, do=USER_ACTIONS[action], options=options)


def access_managed_user(user, user_id: int | None, action: str, *, options=()) -> User:
    return access(user, User, user_id, action, view=can_manage_user, do=MANAGED_USER_ACTIONS[action],
                  options=options)


def access_membership(user, membership_id: int | None, action: str, *, options=()) -> Membership:
    """A role someone holds, seen by whoever sees the person; ended by whoever may grant it."""
    return access(user, Membership, membership_id, action, view=can_view_membership, do=MEMBERSHIP_ACTIONS[action],
                  options=options)
