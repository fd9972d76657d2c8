"""The innovation library (นวัตกรรม): models, their versions and (nested) steps, and where they are used."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from plc import authz
from plc.blueprints.api import (
    Blueprint,
    api_user,
    authenticate_request,
    errors,
    paginated,
)
from plc.blueprints.api.schemas import (
    ObjectSchema,
    PageArgsSchema,
    PersonSchema,
    SchoolBriefSchema,
    page_schema,
)
from plc.extensions import db
from plc.models import Innovation, InnovationStep, InnovationVersion
from plc.models._types import length_of
from plc.models.innovations import INNOVATION_KINDS, INNOVATION_VISIBILITIES
from plc.services import innovations
from plc.services.innovations import StepInput, VersionInput

blp = Blueprint("api_innovations", __name__, url_prefix="", description="The innovation library")
blp.before_request(authenticate_request)

OWNER_LEVELS = ("school", "esao", "network", "programme")
MAX_STEPS = 40
MAX_STEP_DEPTH = 3  # steps, their sub-steps, and one level below


# ---------------------------------------------------------------------------- schemas


class InnovationStepSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={"description": "order among siblings, as the source numbers them"})
    position = fields.Integer(required=True, metadata={"description": "order within the whole version"})
    code = fields.String(allow_none=True, required=True, metadata={"description": "may repeat (PISSA has two S)"})
    label_en = fields.String(allow_none=True, required=True)
    text_th = fields.String(required=True)
    text_en = fields.String(allow_none=True, required=True)
    substeps = fields.List(fields.Nested(lambda: InnovationStepSchema()), required=True, attribute="children")


class InnovationVersionBriefSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    change_note = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class InnovationVersionSchema(ObjectSchema, InnovationVersionBriefSchema):
    innovation_id = fields.Integer(required=True)
    name = fields.String(required=True)
    description_th = fields.String(allow_none=True, required=True)
    description_en = fields.String(allow_none=True, required=True)
    notes = fields.String(allow_none=True, required=True)
    is_current = fields.Boolean(required=True)
    created_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    steps = fields.List(fields.Nested(InnovationStepSchema), required=True, attribute="top_steps")

    def get_is_current(self, version: InnovationVersion) -> bool:
        return version.innovation.current.id == version.id


class InnovationOwnerSchema(Schema):
    """Read from the innovation."""

    level = fields.String(allow_none=True, required=True, attribute="owner_level",
                          validate=validate.OneOf(OWNER_LEVELS))
    name_th = fields.String(allow_none=True, required=True, attribute="owner_name_th")
    school_id = fields.Integer(allow_none=True, required=True, attribute="owner_school_id")
    network_id = fields.Integer(allow_none=True, required=True, attribute="owner_network_id")


class InnovationSchema(ObjectSchema):
    """The names, the version and the steps are the current version's."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INNOVATION_KINDS))
    visibility = fields.String(required=True, validate=validate.OneOf(INNOVATION_VISIBILITIES))
    policy_area = fields.String(allow_none=True, required=True)
    owner = fields.Nested(InnovationOwnerSchema, required=True)
    name = fields.String(required=True, attribute="current.name")
    name_th = fields.String(required=True, attribute="current.name_th")
    name_en = fields.String(allow_none=True, required=True, attribute="current.name_en")
    version = fields.Integer(required=True, attribute="current.number",
                             metadata={"description": "number of the current version"})
    step_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)

    def get_owner(self, innovation: Innovation) -> Innovation:
        return innovation  # InnovationOwnerSchema reads the innovation's owner_* columns

    def get_step_count(self, innovation: Innovation) -> int:
        return len(innovation.current.steps)


class InnovationPermissionsSchema(Schema):
    edit = fields.Boolean(required=True)


class InnovationDetailSchema(InnovationSchema):
    source = fields.String(allow_none=True, required=True)
    current_version = fields.Nested(InnovationVersionSchema, required=True, attribute="current")
    versions = fields.List(fields.Nested(InnovationVersionBriefSchema), required=True)
    permissions = fields.Nested(InnovationPermissionsSchema, required=True)

    def get_permissions(self, innovation: Innovation) -> dict:
        return {"edit": authz.can_edit_innovation(api_user(), innovation)}


class InnovationQueryArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100),
                      metadata={"description": "substring of a name, description or step, Thai or English"})
    kind = fields.String(load_default=None, validate=validate.OneOf(INNOVATION_KINDS))
    owner = fields.String(load_default=None, validate=validate.OneOf(OWNER_LEVELS))


class StepInputSchema(Schema):
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=length_of(InnovationStep.code)))
    label_en = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=length_of(InnovationStep.label_en)))
    text_th = fields.String(required=True, validate=validate.Length(max=length_of(InnovationStep.text_th)))
    text_en = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length_of(InnovationStep.text_en)))
    substeps = fields.List(fields.Nested(lambda: StepInputSchema()), load_default=list,
                           validate=validate.Length(max=MAX_STEPS))


class VersionInputSchema(Schema):
    name_th = fields.String(required=True, validate=validate.Length(max=length_of(InnovationVersion.name_th)))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=length_of(InnovationVersion.name)),
                         metadata={"description": "the name the source uses, if not Thai"})
    name_en = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length_of(InnovationVersion.name_en)))
    description_th = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=length_of(InnovationVersion.description_th)))
    description_en = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=length_of(InnovationVersion.description_en)))
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=length_of(InnovationVersion.notes)))
    change_note = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=length_of(InnovationVersion.change_note)))
    steps = fields.List(fields.Nested(StepInputSchema), load_default=list, validate=validate.Length(max=MAX_STEPS))

    @pre_load
    def _bounded_nesting(self, data, **_kwargs):
        """Refuses deep sub-step trees before they are deserialised (recursively)."""
        pending = [(data.get("steps") if isinstance(data, dict) else None, 1)]
        while pending:
            steps, depth = pending.pop()
            if not isinstance(steps, list):
                continue
            if depth > MAX_STEP_DEPTH:
                raise ValidationError({"steps": [str(_l("Steps can be nested at most %(n)d levels deep.",
                                                         n=MAX_STEP_DEPTH))]})
            pending.extend((step.get("substeps"), depth + 1) for step in steps if isinstance(step, dict))
        return data


class OwnerInputSchema(Schema):
    school_id = fields.Integer(load_default=None, allow_none=True)
    network_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _one_owner(self, data, **_kwargs):
        if (data.get("school_id") is None) == (data.get("network_id") is None):
            raise ValidationError(str(_l("Give either a school or a network as the owner.")), "school_id")


class InnovationCreateSchema(VersionInputSchema):
    owner = fields.Nested(OwnerInputSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INNOVATION_KINDS))
    visibility = fields.String(required=True, validate=validate.OneOf(INNOVATION_VISIBILITIES))
    policy_area = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=length_of(Innovation.policy_area)))


class UsageCircleSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class UsageCycleSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    circle = fields.Nested(UsageCircleSchema, required=True)
    versions = fields.List(fields.Integer(), required=True, metadata={"description": "version numbers applied"})


class InnovationUsageSchema(Schema):
    innovation_id = fields.Integer(required=True)
    cycles = fields.List(fields.Nested(UsageCycleSchema), required=True)
    schools = fields.List(fields.Nested(SchoolBriefSchema), required=True)


InnovationPageSchema = page_schema(InnovationSchema, "InnovationPage")


# ---------------------------------------------------------------------------- helpers


def _steps(items: list[dict]) -> list[StepInput]:
    return [StepInput(text_th=item["text_th"], code=item.get("code"), label_en=item.get("label_en"),
                      text_en=item.get("text_en"), substeps=_steps(item.get("substeps") or [])) for item in items]


def _version_input(body: dict) -> VersionInput:
    return VersionInput(name_th=body["name_th"], name=body.get("name"), name_en=body.get("name_en"),
                        description_th=body.get("description_th"), description_en=body.get("description_en"),
                        notes=body.get("notes"), change_note=body.get("change_note"), steps=_steps(body["steps"]))


# ---------------------------------------------------------------------------- routes


@blp.route("/innovations")
@blp.arguments(InnovationQueryArgsSchema, location="query")
@blp.response(200, InnovationPageSchema)
@errors(blp, 401)
def list_innovations(args):
    """The library as the caller may see it: public models and those shared in their schools and networks."""
    query = innovations.innovations_query(api_user(), q=args["q"], kind=args["kind"], owner=args["owner"])
    return paginated(query, args, lambda innovation: innovation)  # the page schema serialises each one


@blp.route("/innovations", methods=["POST"])
@blp.arguments(InnovationCreateSchema)
@blp.response(201, InnovationDetailSchema)
@errors(blp, 400, 401, 403, 404)
def create_innovation(body):
    """Add a school's or a network's own model, as version 1."""
    user = api_user()
    owner_ids = body["owner"]
    owner = authz.access_innovation_owner(user, owner_ids["school_id"], owner_ids["network_id"], "innovation.create")
    innovation = innovations.create(user, owner=owner, kind=body["kind"], visibility=body["visibility"],
                                    data=_version_input(body), policy_area=body["policy_area"])
    db.session.commit()
    return innovation


@blp.route("/innovations/<int:innovation_id>")
@blp.response(200, InnovationDetailSchema)
@errors(blp, 401, 404)
def get_innovation(innovation_id: int):
    """One innovation with its current version's steps (sub-steps nested) and every version."""
    return authz.access_innovation(api_user(), innovation_id, "innovation.view")


@blp.route("/innovations/<int:innovation_id>/versions", methods=["POST"])
@blp.arguments(VersionInputSchema)
@blp.response(201, InnovationVersionSchema)
@errors(blp, 400, 401, 403, 404)
def revise_innovation(body, innovation_id: int):
    """Edit an innovation: this adds the next version; cycles keep the version they applied."""
    user = api_user()
    innovation = authz.access_innovation(user, innovation_id, "innovation.edit")
    version = innovations.revise(user, innovation, _version_input(body))
    db.session.commit()
    return version


@blp.route("/innovations/<int:innovation_id>/versions/<int:number>")
@blp.response(200, InnovationVersionSchema)
@errors(blp, 401, 404)
def get_innovation_version(innovation_id: int, number: int):
    """One version as it was published, with its steps."""
    return authz.access_innovation_version(api_user(), innovation_id, number)


@blp.route("/innovations/<int:innovation_id>/usage")
@blp.response(200, InnovationUsageSchema)
@errors(blp, 401, 404)
def innovation_usage(innovation_id: int):
    """The cycles (that the caller may see) applying any version, and their schools."""
    innovation = authz.access_innovation(api_user(), innovation_id, "innovation.view")
    found = innovations.usage(api_user(), innovation)
    own_versions = {v.id for v in innovation.versions}
    return {
        "innovation_id": innovation.id,
        "cycles": [{"id": c.id, "title": c.title, "status": c.status, "circle": c.circle,
                    "versions": sorted(v.number for v in c.innovation_versions if v.id in own_versions)}
                   for c in found.cycles],
        "schools": found.schools,
    }
