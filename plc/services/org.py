"""Reading the organisation within what the acting user may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from plc import authz
from plc.extensions import db
from plc.models import AreaOffice, Membership, Network, School, User
from plc.models.org import network_school


def networks_query(user) -> Select:
    return (
        select(Network)
        .where(authz.scope_filter(Network.id, authz.visible_network_ids(user)))
        .order_by(Network.name_th)
    )


def schools_query(user, *, q: str | None = None, network_id: int | None = None,
                  area_office_id: int | None = None) -> Select:
    query = select(School).where(authz.scope_filter(School.id, authz.visible_school_ids(user)))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(School.name_th.ilike(pattern), School.name_en.ilike(pattern),
                                School.alt_name_th.ilike(pattern), School.district_th.ilike(pattern)))
    if network_id is not None:
        query = query.where(School.id.in_(select(network_school.c.school_id).where(network_school.c.network_id == network_id)))
    if area_office_id is not None:
        query = query.where(School.area_office_id == area_office_id)
    return query.options(selectinload(School.province), selectinload(School.area_office)).order_by(School.name_th)


def current_members_query(*, school_id: int | None = None, network_id: int | None = None,
                          area_office_id: int | None = None) -> Select:
    """Current memberships in one scope, with their users, ordered by role then name."""
    query = (
        select(Membership)
        .join(Membership.user)
        .where(Membership.current_clause(), User.disabled_at.is_(None))
        # With each person's roles: lists ask whether the reader may open each person's profile.
        .options(selectinload(Membership.user).selectinload(User.memberships))
        .order_by(Membership.role, User.name_th)
    )
    if school_id is not None:
        query = query.where(Membership.school_id == school_id)
    if network_id is not None:
        query = query.where(Membership.network_id == network_id)
    if area_office_id is not None:
        query = query.where(Membership.area_office_id == area_office_id)
    return query


def people_query(user, *, q: str | None = None, include_disabled: bool = False) -> Select:
    """Everyone whose current membership lies in a scope where the user may see members."""
    school_ids = authz.school_ids_with_visible_members(user)
    network_ids = authz.visible_network_ids(user)
    query = select(User)
    if school_ids is not None:
        area_ids = authz.member_area_office_ids(user)
        in_scope = (
            select(Membership.user_id)
            .where(Membership.current_clause())
            .where(or_(
                authz.scope_filter(Membership.school_id, school_ids),
                authz.scope_filter(Membership.network_id, network_ids),
                authz.scope_filter(Membership.area_office_id, area_ids),
            ))
        )
        query = query.where(or_(User.id.in_(in_scope), User.id == user.id))
    if not include_disabled:
        query = query.where(User.disabled_at.is_(None))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(User.name_th.ilike(pattern), User.name_en.ilike(pattern), User.email.ilike(pattern)))
    return query.options(*person_options()).order_by(User.name_th)


def person_options() -> tuple:
    """Loader options for pages that show people with their roles and where they hold them."""
    memberships = selectinload(User.memberships)
    return (memberships.selectinload(Membership.school), memberships.selectinload(Membership.network),
            memberships.selectinload(Membership.area_office))


def school_counts(school_ids: list[int]) -> dict[int, int]:
    """Current staff per school, for lists."""
    if not school_ids:
        return {}
    rows = db.session.execute(
        select(Membership.school_id, func.count(func.distinct(Membership.user_id)))
        .join(Membership.user)
        .where(Membership.school_id.in_(school_ids), Membership.current_clause(), User.disabled_at.is_(None))
        .group_by(Membership.school_id)
    )
    return dict(rows.all())


def network_school_counts(network_ids: list[int]) -> dict[int, int]:
    """Schools per network, for lists (one statement, not one per network)."""
    if not network_ids:
        return {}
    rows = db.session.execute(
        select(network_school.c.network_id, func.count(network_school.c.school_id))
        .where(network_school.c.network_id.in_(network_ids))
        .group_by(network_school.c.network_id)
    )
    return dict(rows.all())


def area_office_school_counts(area_office_ids: list[int]) -> dict[int, int]:
    """Schools per area office, for lists."""
    if not area_office_ids:
        return {}
    rows = db.session.execute(
        select(School.area_office_id, func.count(School.id))
        .where(School.area_office_id.in_(area_office_ids))
        .group_by(School.area_office_id)
    )
    return dict(rows.all())


@dataclass
class Dashboard:
    networks: list[Network]
    schools: list[School]
    staff_counts: dict[int, int]
    managed_schools: int
    managed_networks: int
    people_in_scope: int
    totals: dict[str, int] | None
    area_offices: list[AreaOffice]
    network_school_counts: dict[int, int]
    area_office_school_counts: dict[int, int]


def dashboard(user) -> Dashboard:
    own_school_ids = authz.member_school_ids(user)
    own_network_ids = authz.member_network_ids(user) | authz.network_ids_of_schools(own_school_ids)
    networks = list(db.session.scalars(select(Network).where(Network.id.in_(own_network_ids)).order_by(Network.name_th)))
    schools = list(db.session.scalars(select(School).where(School.id.in_(own_school_ids)).order_by(School.name_th)))
    managed_schools = authz.managed_school_ids(user)
    managed_networks = authz.managed_network_ids(user)
    totals = None
    if authz.is_admin(user):
        totals = {
            "networks": db.session.scalar(select(func.count(Network.id))),
            "schools": db.session.scalar(select(func.count(School.id))),
            "people": db.session.scalar(select(func.count(User.id)).where(User.disabled_at.is_(None))),
        }
    area_offices = list(db.session.scalars(
        select(AreaOffice).where(AreaOffice.id.in_(authz.member_area_office_ids(user))).order_by(AreaOffice.name_th)
    ))
    people = db.session.scalar(select(func.count()).select_from(people_query(user).order_by(None).subquery()))
    return Dashboard(
        networks=networks,
        schools=schools,
        staff_counts=school_counts([s.id for s in schools]),
        managed_schools=totals["schools"] if managed_schools is None and totals else len(managed_schools or ()),
        managed_networks=totals["networks"] if managed_networks is None and totals else len(managed_networks or ()),
        people_in_scope=people or 0,
        totals=totals,
        area_offices=area_offices,
        network_school_counts=network_school_counts([n.id for n in networks]),
        area_office_school_counts=area_office_school_counts([o.id for o in area_offices]),
    )
