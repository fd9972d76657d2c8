"""The innovation library: public models and those a school or network shares."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import (
    NETWORK_STAFF,
    access,
    deny_unseen,
    is_admin,
    is_signed_in,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    school_ids_with_visible_members,
    visible_network_ids,
)
from plc.authz.goals import can_draft_goal
from plc.authz.people import can_view_network, can_view_school
from plc.models import Innovation, InnovationVersion, Network, Role, School


def can_view_innovation(user, innovation) -> bool:
    if not is_signed_in(user):
        return False
    if innovation.visibility == "public" or is_admin(user):
        return True
    networks = visible_network_ids(user) or set()
    if innovation.owner_school_id is not None:
        if innovation.owner_school_id in member_school_ids(user) | (school_ids_with_visible_members(user) or set()):
            return True
        # Shared with the network: the owner school is in one of the user's networks (asked of the
        # user's networks once per request, not of each innovation's school).
        return innovation.visibility == "network" and innovation.owner_school_id in school_ids_of_networks(networks)
    return innovation.visibility == "network" and innovation.owner_network_id in networks


def visible_innovations_clause(user):
    """SQL twin of ``can_view_innovation``: public models, plus those shared within the user's schools
    or networks."""
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    schools = member_school_ids(user) | (school_ids_with_visible_members(user) or set())
    networks = visible_network_ids(user) or set()
    return or_(
        Innovation.visibility == "public",
        Innovation.owner_school_id.in_(schools) if schools else False,
        (Innovation.visibility == "network") & (
            Innovation.owner_network_id.in_(networks) if networks else False),
        (Innovation.visibility == "network") & Innovation.owner_school_id.in_(
            select(School.id).where(School.networks.any(Network.id.in_(networks)))) if networks else False,
    )


def can_create_innovation(user, owner) -> bool:
    if isinstance(owner, School):
        return can_draft_goal(user, owner)
    if isinstance(owner, Network):
        return is_signed_in(user) and (is_admin(user) or owner.id in member_network_ids(user, NETWORK_STAFF))
    return is_admin(user)


def can_edit_innovation(user, innovation) -> bool:
    if not is_signed_in(user):
        return False
    if is_admin(user):
        return True
    if innovation.owner_school_id is not None:
        return innovation.owner_school_id in member_school_ids(user, {Role.DIRECTOR}) or (
            innovation.created_by_id == user.id and innovation.owner_school_id in member_school_ids(user))
    if innovation.owner_network_id is not None:
        return innovation.owner_network_id in member_network_ids(user, {Role.COORDINATOR}) or (
            innovation.created_by_id == user.id and innovation.owner_network_id in member_network_ids(user))
    return False


# ---------------------------------------------------------------------------- one way in

# What each action on an innovation needs beyond seeing it; the action names are the audited ones.
INNOVATION_ACTIONS = {"innovation.view": None, "innovation.edit": can_edit_innovation}

# The school or network a new innovation is to belong to.
INNOVATION_OWNER_ACTIONS = {"innovation.create": can_create_innovation}


def access_innovation(user, innovation_id: int | None, action: str, *, options=()) -> Innovation:
    """The innovation, for the pages and the API alike: 404 unseen or missing, 403 seen but not allowed."""
    return access(user, Innovation, innovation_id, action, view=can_view_innovation, do=INNOVATION_ACTIONS[action],
                  options=options)


def access_innovation_version(user, innovation_id: int | None, number: int, *, options=()) -> InnovationVersion:
    """Version ``number`` of an innovation the user may see; a number it never had is 404, like the
    innovation itself (not audited: nothing exists to protect)."""
    innovation = access_innovation(user, innovation_id, "innovation.view", options=options)
    version = next((v for v in innovation.versions if v.number == number), None)
    if version is None:
        deny_unseen(user, "innovation.version")
    return version


def access_innovation_owner(user, school_id: int | None, network_id: int | None, action: str) -> School | Network:
    """The school (or else the network) a new innovation is to belong to, refused (404, 403) under
    the innovation's action."""
    do = INNOVATION_OWNER_ACTIONS[action]
    if school_id is not None:
        return access(user, School, school_id, action, view=can_view_school, do=do)
    return access(user, Network, network_id, action, view=can_view_network, do=do)
