"""The innovation library: public models and those a school or network shares."""

from __future__ import annotations

from sqlalchemy import or_, select

from plc.authz.base import (
    NETWORK_STAFF,
    _authenticated,
    is_admin,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
    school_ids_with_visible_members,
    visible_network_ids,
)
from plc.authz.goals import can_draft_goal
from plc.models import Innovation, Network, Role, School


def can_view_innovation(user, innovation) -> bool:
    if not _authenticated(user):
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
    if not _authenticated(user):
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
        return _authenticated(user) and (is_admin(user) or owner.id in member_network_ids(user, NETWORK_STAFF))
    return is_admin(user)


def can_edit_innovation(user, innovation) -> bool:
    if not _authenticated(user):
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
