from __future__ import annotations

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request
from plc.blueprints.api.schemas import MeSchema
from plc.extensions import db
from plc.models import Network, School

blp = Blueprint("api_users", __name__, url_prefix="", description="The authenticated user")
blp.before_request(authenticate_request)


@blp.route("/me")
@blp.response(200, MeSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def me():
    """The user, their current roles, schools and networks."""
    user = api_user()
    school_ids = authz.member_school_ids(user)
    network_ids = authz.member_network_ids(user) | authz.network_ids_of_schools(school_ids)
    schools = db.session.scalars(db.select(School).where(School.id.in_(school_ids)).order_by(School.name_th)).all()
    networks = db.session.scalars(db.select(Network).where(Network.id.in_(network_ids)).order_by(Network.name_th)).all()
    return {"user": user, "roles": user.current_memberships(), "schools": schools, "networks": networks}
