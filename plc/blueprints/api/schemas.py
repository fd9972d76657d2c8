"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


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
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    network_id = fields.Integer(load_default=None)


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)


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


class SchoolBriefSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)


class SchoolSchema(SchoolBriefSchema):
    alt_name_th = fields.String(allow_none=True)
    affiliation = fields.Nested(CodeNameSchema, allow_none=True)
    area_office = fields.Nested(AreaOfficeBriefSchema, allow_none=True)
    province = fields.Nested(CodeNameSchema, allow_none=True)
    district_th = fields.String(allow_none=True)
    levels = fields.List(fields.String(), required=True)
    size = fields.String(allow_none=True)
    flags = fields.List(fields.String(), required=True)
    network_ids = fields.List(fields.Integer(), required=True)


class NetworkSchema(NetworkBriefSchema):
    key = fields.String(allow_none=True)
    programme = fields.String(allow_none=True)
    cohort = fields.Integer(allow_none=True)
    formal = fields.Boolean(required=True)
    school_count = fields.Integer(required=True)


class NetworkDetailSchema(NetworkSchema):
    schools = fields.List(fields.Nested(SchoolBriefSchema), required=True)
    staff = fields.List(fields.Nested(lambda: MemberSchema()), required=True)


class UserBriefSchema(Schema):
    id = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    email = fields.String(required=True)


class MemberSchema(Schema):
    user = fields.Nested(UserBriefSchema, required=True)
    role = fields.String(required=True)
    starts_on = fields.Date(required=True)


class RoleSchema(Schema):
    role = fields.String(required=True)
    scope_kind = fields.String(required=True, validate=validate.OneOf(["school", "network", "area_office", "global"]))
    scope_id = fields.Integer(allow_none=True)
    scope_name_th = fields.String(allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)


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


def dump_person(user) -> dict | None:
    return None if user is None else {"id": user.id, "name_th": user.name_th, "name_en": user.name_en}


LONG_TEXT = validate.Length(max=20000)
