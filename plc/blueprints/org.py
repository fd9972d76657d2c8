"""The organisation browser: networks → schools → people, within the user's scope."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from plc import authz
from plc.blueprints._helpers import page_arg, page_size
from plc.extensions import db
from plc.services import org

bp = Blueprint("org", __name__)


@bp.get("/networks")
@login_required
def networks():
    pagination = db.paginate(org.networks_query(current_user), page=page_arg(), per_page=page_size(), error_out=False)
    return render_template("org/networks.html", pagination=pagination,
                           school_counts=org.network_school_counts([n.id for n in pagination.items]))


@bp.get("/networks/<int:network_id>")
@login_required
def network(network_id: int):
    network = authz.access_network(current_user, network_id, "network.view")
    schools = db.paginate(org.schools_query(current_user, network_id=network.id), page=page_arg(),
                          per_page=page_size(), error_out=False)
    staff = db.session.scalars(org.current_members_query(network_id=network.id)).all()
    return render_template("org/network.html", network=network, schools=schools, staff=staff,
                           staff_counts=org.school_counts([s.id for s in schools.items]))


@bp.get("/schools")
@login_required
def schools():
    q = (request.args.get("q") or "").strip()[:100]
    pagination = db.paginate(org.schools_query(current_user, q=q or None), page=page_arg(),
                             per_page=page_size(), error_out=False)
    return render_template("org/schools.html", pagination=pagination, q=q,
                           staff_counts=org.school_counts([s.id for s in pagination.items]))


@bp.get("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    school = authz.access_school(current_user, school_id, "school.view")
    members = None
    if authz.can_view_school_members(current_user, school):
        members = db.paginate(org.current_members_query(school_id=school.id), page=page_arg(),
                              per_page=50, error_out=False)
    networks = [n for n in school.networks if authz.can_view_network(current_user, n)]
    return render_template("org/school.html", school=school, members=members, networks=networks)


@bp.get("/area-offices/<int:area_office_id>")
@login_required
def area_office(area_office_id: int):
    office = authz.access_area_office(current_user, area_office_id, "area_office.view")
    schools = db.paginate(org.schools_query(current_user, area_office_id=office.id), page=page_arg(),
                          per_page=page_size(), error_out=False)
    return render_template("org/area_office.html", office=office, schools=schools,
                           staff_counts=org.school_counts([s.id for s in schools.items]))
