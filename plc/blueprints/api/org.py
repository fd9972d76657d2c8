from __future__ import annotations

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request, paginated
from plc.blueprints.api.schemas import (
    MemberPageSchema,
    NetworkDetailSchema,
    NetworkPageSchema,
    PageArgsSchema,
    SchoolPageSchema,
    SchoolQueryArgsSchema,
    SchoolSchema,
)
from plc.blueprints.api.users import dump_brief_user
from plc.extensions import db
from plc.models import Network, School
from plc.services import org

blp = Blueprint("api_org", __name__, url_prefix="", description="Networks and schools in the caller's scope")
blp.before_request(authenticate_request)


def dump_school(school: School) -> dict:
    return {
        "id": school.id, "name_th": school.name_th, "name_en": school.name_en, "alt_name_th": school.alt_name_th,
        "affiliation": school.affiliation and {"code": school.affiliation.code, "name_th": school.affiliation.short_th,
                                               "name_en": school.affiliation.name_en},
        "area_office": school.area_office and {"id": school.area_office.id, "code": school.area_office.code,
                                               "name_th": school.area_office.name_th,
                                               "name_en": school.area_office.name_en},
        "province": school.province and {"code": school.province.code, "name_th": school.province.name_th,
                                         "name_en": school.province.name_en},
        "district_th": school.district_th, "levels": list(school.levels or []), "size": school.size,
        "flags": list(school.flags or []),
        "network_ids": [n.id for n in school.networks if authz.can_view_network(api_user(), n)],
    }


def dump_network(network: Network) -> dict:
    return {"id": network.id, "key": network.key, "name_th": network.name_th, "name_en": network.name_en,
            "kind": network.kind, "programme": network.programme, "cohort": network.cohort,
            "formal": network.formal, "school_count": len(network.schools)}


def dump_member(membership) -> dict:
    return {"user": dump_brief_user(membership.user), "role": membership.role, "starts_on": membership.starts_on}


@blp.route("/networks")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, NetworkPageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def list_networks(args):
    """Networks the caller belongs to, directly or through a school."""
    return paginated(org.networks_query(api_user()), args, dump_network)


@blp.route("/networks/<int:network_id>")
@blp.response(200, NetworkDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def get_network(network_id: int):
    """One network with its schools and its network-level staff."""
    network = authz.access_network(api_user(), network_id, "network.view")
    staff = db.session.scalars(org.current_members_query(network_id=network.id)).all()
    return {**dump_network(network),
            "schools": [{"id": s.id, "name_th": s.name_th, "name_en": s.name_en} for s in network.schools],
            "staff": [dump_member(m) for m in staff]}


@blp.route("/schools")
@blp.arguments(SchoolQueryArgsSchema, location="query")
@blp.response(200, SchoolPageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def list_schools(args):
    """Schools in the caller's scope; ``q`` searches Thai and English names and districts."""
    query = org.schools_query(api_user(), q=args.get("q"), network_id=args.get("network_id"))
    return paginated(query, args, dump_school)


@blp.route("/schools/<int:school_id>")
@blp.response(200, SchoolSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def get_school(school_id: int):
    return dump_school(authz.access_school(api_user(), school_id, "school.view"))


@blp.route("/schools/<int:school_id>/members")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def list_school_members(args, school_id: int):
    """Current staff of a school, for those who may see them."""
    school = authz.access_school_members(api_user(), school_id, "school.members")
    return paginated(org.current_members_query(school_id=school.id), args, dump_member)
