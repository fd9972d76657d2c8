"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plc import authz
from plc.blueprints.api import api_user
from plc.extensions import db
from plc.models import User
from plc.models._types import length_of
from plc.services import org, passwords


class ObjectSchema(Schema):
    """A response schema that serialises a model object (or any object) itself.

    Each field reads the attribute of its name, or the one named by ``attribute=`` (dotted paths follow
    relationships). A value that is computed for the answer comes instead from the schema's method
    ``get_<field>(obj)``. Either way the declared field writes the value (dates as ISO 8601, nested
    schemas applied) and the OpenAPI document describes it with its type.
    """

    def get_attribute(self, obj, attr, default):
        getter = getattr(self, f"get_{attr}", None)
        return getter(obj) if getter is not None else super().get_attribute(obj, attr, default)


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "machine-readable code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "human-readable, in the request's language"})
    fields = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SchoolQueryArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100))  # the words searched for: no column
    network_id = fields.Integer(load_default=None)


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=length_of(User.email)))
    # no column holds a password (only its hash)
    password = fields.String(required=True, validate=validate.Length(min=1, max=passwords.MAX_LENGTH), load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)


class AreaOfficeBriefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)


class NetworkBriefSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    kind = fields.String(required=True)


class SchoolBriefSchema(ObjectSchema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)


class SchoolSchema(SchoolBriefSchema):
    """Read from the school; ``network_ids`` are the networks the caller may see."""

    alt_name_th = fields.String(allow_none=True)
    affiliation = fields.Nested(CodeNameSchema, allow_none=True)
    area_office = fields.Nested(AreaOfficeBriefSchema, allow_none=True)
    province = fields.Nested(CodeNameSchema, allow_none=True)
    district_th = fields.String(allow_none=True)
    levels = fields.List(fields.String(), required=True)
    size = fields.String(allow_none=True)
    flags = fields.List(fields.String(), required=True)
    network_ids = fields.List(fields.Integer(), required=True)

    def get_affiliation(self, school) -> dict | None:
        affiliation = school.affiliation  # its short name is the one shown
        return affiliation and {"code": affiliation.code, "name_th": affiliation.short_th,
                                "name_en": affiliation.name_en}

    def get_levels(self, school) -> list:
        return list(school.levels or [])

    def get_flags(self, school) -> list:
        return list(school.flags or [])

    def get_network_ids(self, school) -> list[int]:
        return [n.id for n in school.networks if authz.can_view_network(api_user(), n)]


class NetworkSchema(ObjectSchema, NetworkBriefSchema):
    key = fields.String(allow_none=True)
    programme = fields.String(allow_none=True)
    cohort = fields.Integer(allow_none=True)
    formal = fields.Boolean(required=True)
    school_count = fields.Integer(required=True)

    def get_school_count(self, network) -> int:
        return len(network.schools)


class NetworkDetailSchema(NetworkSchema):
    schools = fields.List(fields.Nested(SchoolBriefSchema), required=True)
    staff = fields.List(fields.Nested(lambda: MemberSchema()), required=True)

    def get_staff(self, network) -> list:
        return db.session.scalars(org.current_members_query(network_id=network.id)).all()


class UserBriefSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    email = fields.String(required=True)


class MemberSchema(Schema):
    user = fields.Nested(UserBriefSchema, required=True)
    role = fields.String(required=True)
    starts_on = fields.Date(required=True)


class RoleSchema(ObjectSchema):
    """Read from a membership."""

    role = fields.String(required=True)
    scope_kind = fields.String(required=True, validate=validate.OneOf(["school", "network", "area_office", "global"]))
    scope_id = fields.Integer(allow_none=True)
    scope_name_th = fields.String(allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)

    def get_scope_id(self, membership) -> int | None:
        return getattr(membership.scope, "id", None)

    def get_scope_name_th(self, membership) -> str | None:
        return getattr(membership.scope, "name_th", None)


class MeUserSchema(UserBriefSchema):
    locale = fields.String(required=True)
    thai_digits = fields.Boolean(required=True)


class MeSchema(Schema):
    user = fields.Nested(MeUserSchema, required=True)
    roles = fields.List(fields.Nested(RoleSchema), required=True)
    schools = fields.List(fields.Nested(SchoolBriefSchema), required=True)
    networks = fields.List(fields.Nested(NetworkBriefSchema), required=True)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=name,
    )


SchoolPageSchema = page_schema(SchoolSchema, "SchoolPage")
NetworkPageSchema = page_schema(NetworkSchema, "NetworkPage")
MemberPageSchema = page_schema(MemberSchema, "MemberPage")


class PersonSchema(Schema):
    """Someone named on a PLC record (no e-mail address: that is for staff lists)."""

    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)

