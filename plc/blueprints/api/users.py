from __future__ import annotations

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request
from plc.blueprints.api.schemas import MeSchema
from plc.extensions import db
from plc.models import Network, School

blp = Blueprint("api_users", __name__, url_prefix="", description="The authenticated user")
blp.before_request(authenticate_request)


def dump_brief_user(user) -> dict:
    return {"id": user.id, "name_th": user.name_th, "name_en": user.name_en, "email": user.email}


@blp.route("/me")
@blp.response(200, MeSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def me():
    """The user, their current roles, schools and networks."""
    user = api_user()
    school_ids = authz.member_school_ids(user)
    network_ids = authz.member_network_ids(user) | authz.network_ids_of_schools(school_ids)
    schools = db.session.scalars(db.select(School).where(School.id.in_(school_ids)).order_by(School.name_th))
    networks = db.session.scalars(db.select(Network).where(Network.id.in_(network_ids)).order_by(Network.name_th))
    return {
        "user": {**dump_brief_user(user), "locale": user.locale, "thai_digits": user.thai_digits},
        "roles": [
            {"role": m.role, "scope_kind": m.scope_kind, "scope_id": getattr(m.scope, "id", None),
             "scope_name_th": getattr(m.scope, "name_th", None), "starts_on": m.starts_on, "ends_on": m.ends_on}
            for m in user.current_memberships()
        ],
        "schools": [{"id": s.id, "name_th": s.name_th, "name_en": s.name_en} for s in schools],
        "networks": [{"id": n.id, "name_th": n.name_th, "name_en": n.name_en, "kind": n.kind} for n in networks],
    }
