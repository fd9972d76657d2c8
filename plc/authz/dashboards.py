"""Participation dashboards for networks, schools, area offices and the programme."""

from __future__ import annotations

from sqlalchemy import select

from plc.authz.base import (
    AREA_STAFF,
    NETWORK_STAFF,
    access,
    deny_unseen,
    is_admin,
    is_signed_in,
    managed_school_ids,
    member_area_office_ids,
    member_network_ids,
    member_school_ids,
    school_ids_of_networks,
)
from plc.authz.people import can_view_area_office, can_view_network, can_view_school
from plc.extensions import db
from plc.models import AreaOffice, Network, Role, School

# Coordinators, coaches and supervisors of a network, directors of a school, area-office staff and
# programme admins read participation figures. Everyone of them sees counts and aggregates; teachers
# are named only in the schools the viewer manages (``dashboard_named_school_ids``). Reflection text
# never appears on a dashboard.


def can_view_network_dashboard(user, network: Network) -> bool:
    return is_signed_in(user) and (is_admin(user) or network.id in member_network_ids(user, NETWORK_STAFF))


def can_view_school_dashboard(user, school: School) -> bool:
    if not is_signed_in(user):
        return False
    if is_admin(user) or school.id in member_school_ids(user, {Role.DIRECTOR}):
        return True
    if school.id in school_ids_of_networks(member_network_ids(user, NETWORK_STAFF)):
        return True
    return school.area_office_id is not None and school.area_office_id in member_area_office_ids(user, AREA_STAFF)


def can_view_area_dashboard(user, area_office: AreaOffice) -> bool:
    return is_signed_in(user) and (is_admin(user) or area_office.id in member_area_office_ids(user, AREA_STAFF))


def can_view_programme_dashboard(user) -> bool:
    return is_admin(user)


def dashboard_named_school_ids(user) -> set[int] | None:
    """Schools whose teachers a dashboard may name for this user: those the user manages (a
    director's school, a coordinator's networks' schools; every school for an admin, ``None``)."""
    return managed_school_ids(user) if is_signed_in(user) else set()


def dashboards_of(user) -> dict[str, list]:
    """The dashboards the user may open, for the menu and the index page."""
    if not is_signed_in(user):
        return {"programme": False, "networks": [], "schools": [], "area_offices": []}
    admin = is_admin(user)
    networks = member_network_ids(user, NETWORK_STAFF)
    schools = member_school_ids(user, {Role.DIRECTOR})
    area_offices = member_area_office_ids(user, AREA_STAFF)
    return {
        "programme": admin,
        "networks": list(db.session.scalars(select(Network).where(Network.id.in_(networks)).order_by(Network.name_th)))
        if networks else [],
        "schools": list(db.session.scalars(select(School).where(School.id.in_(schools)).order_by(School.name_th)))
        if schools else [],
        "area_offices": list(db.session.scalars(select(AreaOffice).where(AreaOffice.id.in_(area_offices))
                                                .order_by(AreaOffice.name_th))) if area_offices else [],
    }


def can_use_dashboards(user) -> bool:
    return is_signed_in(user) and (is_admin(user) or bool(
        member_network_ids(user, NETWORK_STAFF) or member_school_ids(user, {Role.DIRECTOR})
        or member_area_office_ids(user, AREA_STAFF)))


# Each dashboard's subject, who sees it and who reviews its figures; the action names are the audited
# ones. The programme's has no subject: admins only, anyone else 404.
DASHBOARD_ACTIONS = {
    "dashboard.programme": None,
    "dashboard.network": (Network, can_view_network, can_view_network_dashboard),
    "dashboard.school": (School, can_view_school, can_view_school_dashboard),
    "dashboard.area_office": (AreaOffice, can_view_area_office, can_view_area_dashboard),
}


def access_dashboard(user, object_id: int | None, action: str, *, options=()):
    """The subject of a dashboard (a Network, School or AreaOffice; None for the programme), for the
    pages, their downloads and the API alike: a subject the user cannot see answers 404, one they see
    but may not review, 403 (audited)."""
    subject = DASHBOARD_ACTIONS[action]
    if subject is None:
        if not can_view_programme_dashboard(user):
            deny_unseen(user, action)
        return None
    model, view, review = subject
    return access(user, model, object_id, action, view=view, do=review, options=options)
