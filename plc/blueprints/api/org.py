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
from plc.services import org

blp = Blueprint("api_org", __name__, url_prefix="", description="Networks and schools in the caller's scope")
blp.before_request(authenticate_request)


@blp.route("/networks")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, NetworkPageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def list_networks(args):
    """Networks the caller belongs to, directly or through a school."""
    return paginated(org.networks_query(api_user()), args, lambda network: network)


@blp.route("/networks/<int:network_id>")
@blp.response(200, NetworkDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def get_network(network_id: int):
    """One network with its schools and its network-level staff."""
    return authz.access_network(api_user(), network_id, "network.view")


@blp.route("/schools")
@blp.arguments(SchoolQueryArgsSchema, location="query")
@blp.response(200, SchoolPageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def list_schools(args):
    """Schools in the caller's scope; ``q`` searches Thai and English names and districts."""
    query = org.schools_query(api_user(), q=args.get("q"), network_id=args.get("network_id"))
    return paginated(query, args, lambda school: school)


@blp.route("/schools/<int:school_id>")
@blp.response(200, SchoolSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def get_school(school_id: int):
    return authz.access_school(api_user(), school_id, "school.view")


@blp.route("/schools/<int:school_id>/members")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(401, response="UNAUTHORIZED")
def list_school_members(args, school_id: int):
    """Current staff of a school, for those who may see them."""
    school = authz.access_school_members(api_user(), school_id, "school.members")
    return paginated(org.current_members_query(school_id=school.id), args, lambda membership: membership)
