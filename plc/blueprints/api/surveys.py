"""Surveys (แบบสอบถาม / แบบประเมินความพึงพอใจ) on the 5-level scale: built for a live session, a circle, a
school or a network, answered once per person (anonymously unless the author said otherwise), and
reported the way the programme's reports print them (DOMAIN §5).

A survey answers 404 to someone who neither manages it nor is asked by it (another tenant), exactly
as for an id that does not exist; 403 to someone who sees it but may not do this. Results are
aggregate only: they never name a respondent, in an anonymous survey or a named one."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import or_, select

from plc import authz
from plc.blueprints._helpers import whole_number
from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors, paginated
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, page_schema
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import bangkok_today, current_locale
from plc.models._types import length_of
from plc.models.surveys import (
    CHOICE_KINDS,
    SCALE_LEVELS,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyItemKind,
    SurveyScope,
    SurveySection,
    SurveyState,
)
from plc.services import survey_reports, surveys
from plc.services.survey_reports import ItemResult, SurveyReport, two_places
from plc.services.surveys import ItemInput, SurveyError, SurveyInput

blp = Blueprint("api_surveys", __name__, url_prefix="", description="Surveys on the 5-level scale")
blp.before_request(authenticate_request)

MAX_SECTIONS = 20
MAX_ITEMS_PER_SECTION = 100
MAX_ANSWERS = MAX_SECTIONS * MAX_ITEMS_PER_SECTION
ROLES = ("respondent", "manager")
ANSWER_FIELDS = {SurveyItemKind.SCALE: "level", SurveyItemKind.SINGLE: "choices",
                 SurveyItemKind.MULTIPLE: "choices", SurveyItemKind.SHORT_TEXT: "text",
                 SurveyItemKind.LONG_TEXT: "text"}


# ---------------------------------------------------------------------------- schemas


class SurveyScopeSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(list(SurveyScope)))
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "the session's title, the circle's name, or the "
                                                                 "school's or network's name in the request's language"})


class SurveyPermissionsSchema(Schema):
    manage = fields.Boolean(required=True, metadata={"description": "may change, publish and close it and read "
                                                                    "its results"})
    respond = fields.Boolean(required=True, metadata={"description": "the survey asks the caller (whether it is "
                                                                     "open today is its state)"})


class SurveySchema(ObjectSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    scope = fields.Nested(SurveyScopeSchema, required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(SurveyState)), metadata={
        "description": "draft (being built) → scheduled (published, before opens_on) → open → closed (after "
                       "closes_on, or closed early)"})
    opens_on = fields.Date(required=True, metadata={"description": "the first day answers are taken (Bangkok)"})
    closes_on = fields.Date(required=True, metadata={"description": "the last day answers are taken (Bangkok)"})
    anonymous = fields.Boolean(required=True, metadata={
        "description": "answers carry no person; only that someone has answered is kept"})
    answered = fields.Boolean(required=True, metadata={"description": "the caller has answered it"})
    permissions = fields.Nested(SurveyPermissionsSchema, required=True)

    def get_scope(self, survey: Survey) -> dict:
        scope = survey.scope_object
        if survey.scope == SurveyScope.SESSION:
            name = scope.title
        elif survey.scope == SurveyScope.CIRCLE:
            name = scope.name
        else:
            name = scope.display_name(current_locale())
        return {"type": survey.scope.value, "id": scope.id, "name": name}

    def get_state(self, survey: Survey) -> str:
        return survey.state(bangkok_today()).value

    def get_answered(self, survey: Survey) -> bool:
        return surveys.has_answered(api_user(), survey)

    def get_permissions(self, survey: Survey) -> dict:
        return authz.permissions(api_user(), survey)


class SurveyItemSchema(ObjectSchema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(SurveyItemKind)), metadata={
        "description": "scale (a level 1–5), single or multiple (indices into choices), short_text or long_text"})
    prompt = fields.String(required=True)
    required = fields.Boolean(required=True)
    choices = fields.List(fields.String(), required=True, metadata={"description": "for single and multiple"})


class SurveySectionSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    title = fields.String(required=True)
    items = fields.List(fields.Nested(SurveyItemSchema), required=True)


class SurveyDetailSchema(SurveySchema):
    """The survey and its questions; never anyone's answers."""

    description = fields.String(allow_none=True, required=True)
    band_floors = fields.List(fields.Float(), required=True, attribute="floors", metadata={
        "description": "the lower bound of each band, best first (a mean at or above a floor takes its label)"})
    published_at = fields.DateTime(allow_none=True, required=True)
    sections = fields.List(fields.Nested(SurveySectionSchema), required=True)


class SurveyQueryArgsSchema(PageArgsSchema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES), metadata={
        "description": "respondent: published surveys that ask the caller; manager: surveys the caller wrote or "
                       "may manage (drafts too); by default both, each survey once"})


class SurveyScopeInputSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(list(SurveyScope)))
    id = fields.Integer(required=True, metadata={"description": "the live session, circle, school or network"})


class SurveyItemInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(SurveyItemKind)))
    prompt = fields.String(required=True, validate=validate.Length(max=length_of(SurveyItem.prompt)))
    required = fields.Boolean(load_default=True)
    choices = fields.List(fields.String(validate=validate.Length(max=length_of(SurveyItem.choices_json))),
                          load_default=list, metadata={"description": f"for single and multiple: 2 to "
                                                                      f"{surveys.MAX_CHOICES}, each different"})


class SurveySectionInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=length_of(SurveySection.title)))
    items = fields.List(fields.Nested(SurveyItemInputSchema), load_default=list,
                        validate=validate.Length(max=MAX_ITEMS_PER_SECTION))


class SurveyCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=length_of(Survey.title)))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=length_of(Survey.description)))
    anonymous = fields.Boolean(load_default=True, metadata={
        "description": "settled once the survey opens; a named survey stores who gave each response"})
    opens_on = fields.Date(required=True, metadata={"description": "the first day answers are taken (Bangkok)"})
    closes_on = fields.Date(required=True, metadata={"description": "the last day answers are taken (Bangkok)"})
    band_floors = fields.List(fields.Float(), load_default=None, allow_none=True, metadata={
        "description": "five lower bounds, best first, the last 1.00; by default 4.50, 3.50, 2.50, 1.50, 1.00"})
    scope = fields.Nested(SurveyScopeInputSchema, required=True)
    sections = fields.List(fields.Nested(SurveySectionInputSchema), load_default=list,
                           validate=validate.Length(max=MAX_SECTIONS), metadata={
                               "description": "the survey's sections in order; without any, one empty section"})
    publish = fields.Boolean(load_default=False, metadata={"description": "publish at once (needs a question)"})


class SurveyAnswerSchema(Schema):
    item_id = fields.Integer(required=True)
    level = fields.Integer(allow_none=True, metadata={"description": "for a scale item: 1 to 5"})
    choices = fields.List(fields.Integer(), allow_none=True, validate=validate.Length(max=surveys.MAX_CHOICES),
                          metadata={"description": "for single (one) and multiple: indices into the item's choices"})
    text = fields.String(allow_none=True, validate=validate.Length(max=length_of(SurveyAnswer.text)),
                         metadata={"description": "for short_text and long_text"})


class SurveyAnswersSchema(Schema):
    answers = fields.List(fields.Nested(SurveyAnswerSchema), required=True,
                          validate=validate.Length(max=MAX_ANSWERS))

    @validates_schema
    def _once_each(self, data, **_kwargs):
        item_ids = [answer["item_id"] for answer in data.get("answers", [])]
        if len(item_ids) != len(set(item_ids)):
            raise ValidationError(_("Answer each question once."), "answers")


class SurveyDraftSchema(Schema):
    survey_id = fields.Integer(required=True)
    answers = fields.List(fields.Nested(SurveyAnswerSchema), required=True,
                          metadata={"description": "what the caller has written so far; only theirs"})


class LevelCountSchema(Schema):
    level = fields.Integer(required=True, validate=validate.OneOf(SCALE_LEVELS))
    count = fields.Integer(required=True)


class ChoiceCountSchema(Schema):
    index = fields.Integer(required=True)
    choice = fields.String(required=True)
    count = fields.Integer(required=True)


class SurveyItemResultSchema(ObjectSchema):
    """Read from a ``survey_reports.ItemResult``."""

    item_id = fields.Integer(required=True, attribute="item.id")
    kind = fields.String(required=True, attribute="item.kind", validate=validate.OneOf(list(SurveyItemKind)))
    prompt = fields.String(required=True, attribute="item.prompt")
    n = fields.Integer(required=True, metadata={"description": "answers to this item"})
    mean = fields.String(allow_none=True, required=True, metadata={
        "description": "x̄ with two places (half up), scale items", "example": "4.79"})
    sd = fields.String(allow_none=True, required=True, metadata={
        "description": "sample S.D. with two places, scale items with two answers or more", "example": "0.43"})
    level = fields.Integer(allow_none=True, required=True, metadata={"description": "the band of the mean"})
    label = fields.String(allow_none=True, required=True, metadata={
        "description": "the band's label in the request's language", "example": "มากที่สุด"})
    counts = fields.List(fields.Nested(LevelCountSchema), required=True,
                         metadata={"description": "answers per level, 5 first (scale items)"})
    choices = fields.List(fields.Nested(ChoiceCountSchema), required=True,
                          metadata={"description": "answers per choice (single and multiple)"})
    texts = fields.List(fields.String(), required=True, metadata={
        "description": "the open answers, alphabetically, never linked to anyone (text items)"})

    def get_mean(self, result: ItemResult) -> str | None:
        return None if result.mean is None else two_places(result.mean)

    def get_sd(self, result: ItemResult) -> str | None:
        return None if result.sd is None else two_places(result.sd)

    def get_label(self, result: ItemResult) -> str | None:
        return result.label or None

    def get_counts(self, result: ItemResult) -> list[dict]:
        if result.item.kind != SurveyItemKind.SCALE:
            return []
        return [{"level": level, "count": result.counts.get(level, 0)} for level in SCALE_LEVELS]

    def get_choices(self, result: ItemResult) -> list[dict]:
        if result.item.kind not in CHOICE_KINDS:
            return []
        return [{"index": index, "choice": choice, "count": result.counts.get(index, 0)}
                for index, choice in enumerate(result.item.choices)]


class SurveySectionResultSchema(Schema):
    title = fields.String(required=True)
    items = fields.List(fields.Nested(SurveyItemResultSchema), required=True)


class SurveyOverallSchema(Schema):
    mean = fields.String(required=True, metadata={"description": "the mean of the item means", "example": "4.70"})
    sd = fields.String(allow_none=True, required=True, metadata={"description": "the mean of the item S.D.s",
                                                                 "example": "0.47"})
    level = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"example": "มากที่สุด"})


class SurveyResultsSchema(ObjectSchema):
    """Read from a ``survey_reports.SurveyReport``: aggregate figures only, never a respondent."""

    survey_id = fields.Integer(required=True, attribute="survey.id")
    respondents = fields.Integer(required=True, metadata={"description": "people who answered"})
    asked = fields.Integer(allow_none=True, required=True, metadata={"description": "members of the scope today"})
    min_group = fields.Integer(required=True, metadata={
        "description": "the fewest respondents whose answers are shown (SURVEY_MIN_GROUP)"})
    shown = fields.Boolean(required=True, metadata={
        "description": "false below min_group: then only the number of respondents, no figures and no texts"})
    sections = fields.List(fields.Nested(SurveySectionResultSchema), required=True,
                           metadata={"description": "empty when not shown"})
    overall = fields.Nested(SurveyOverallSchema, allow_none=True, required=True,
                            metadata={"description": "over the scale items; null when not shown or without any"})
    narrative = fields.String(allow_none=True, required=True, metadata={
        "description": "the report's paragraph naming the highest and the lowest items; null when not shown"})

    def get_sections(self, report: SurveyReport) -> list:
        return report.sections if report.shown else []

    def get_overall(self, report: SurveyReport) -> dict | None:
        if report.overall_mean is None:
            return None
        return {"mean": two_places(report.overall_mean),
                "sd": None if report.overall_sd is None else two_places(report.overall_sd),
                "level": report.overall_level, "label": report.overall_label}

    def get_narrative(self, report: SurveyReport) -> str | None:
        return report.narrative() if report.shown else None


SurveyPageSchema = page_schema(SurveySchema, "SurveyPage")


# ---------------------------------------------------------------------------- helpers


def _list_query(user, role: str | None):
    if role == "respondent":
        return surveys.answerable_query(user)
    if role == "manager":
        return surveys.managed_query(user)
    return (select(Survey).where(or_(authz.answerable_surveys_clause(user), authz.managed_surveys_clause(user)))
            .order_by(Survey.closes_on.desc(), Survey.id.desc()))


def _survey_input(body: dict) -> SurveyInput:
    floors = {} if body["band_floors"] is None else {"band_floors": tuple(body["band_floors"])}
    return SurveyInput(title=body["title"], description=body["description"], anonymous=body["anonymous"],
                       opens_on=body["opens_on"], closes_on=body["closes_on"], **floors)


def _under(path: tuple, error: ServiceError) -> ServiceError:
    """The service's refusal with its field names placed where they are in the request body."""
    if not error.fields:
        return error
    nested: dict = error.fields
    for key in reversed(path):
        nested = {str(key): nested}
    return SurveyError(nested, message=error.message, status=error.status)


def _build(user, survey: Survey, sections: list[dict]) -> None:
    """The given sections and their questions in place of the default empty section."""
    if not sections:
        return
    default = survey.sections[0]
    for s, section_body in enumerate(sections):
        try:
            section = surveys.add_section(user, survey, section_body["title"])
        except ServiceError as error:
            raise _under(("sections", s), error) from error
        for i, item in enumerate(section_body["items"]):
            try:
                surveys.add_item(user, section, ItemInput(kind=item["kind"], prompt=item["prompt"],
                                                          required=item["required"], choices=item["choices"]))
            except ServiceError as error:
                raise _under(("sections", s, "items", i), error) from error
    surveys.delete_section(user, survey, default)


def _mismatch_message(kind: SurveyItemKind) -> str:
    if kind == SurveyItemKind.SCALE:
        return _("Choose a level from 1 to 5.")
    if kind in CHOICE_KINDS:
        return _("Choose from the choices given.")
    return _("Write the answer as text.")


def _raw_answers(survey: Survey, answers: list[dict]) -> dict[int, object]:
    """{item id: value} for the service, each value given in the field its item's kind takes
    (``level``, ``choices`` or ``text``); answers for unknown items are left for the service to refuse."""
    items = {item.id: item for item in survey.items}
    raw: dict[int, object] = {}
    mismatched: dict[str, list[str]] = {}
    for answer in answers:
        given = {name: answer[name] for name in ("level", "choices", "text") if answer.get(name) is not None}
        item = items.get(answer["item_id"])
        if item is None:
            raw[answer["item_id"]] = next(iter(given.values()), None)
            continue
        kind = SurveyItemKind(item.kind)
        expected = ANSWER_FIELDS[kind]
        if set(given) - {expected}:
            mismatched[f"item-{item.id}"] = [_mismatch_message(kind)]
            continue
        raw[item.id] = given.get(expected)
    if mismatched:
        raise SurveyError(mismatched)
    return raw


def _index(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return whole_number(value)


def _draft_answers(survey: Survey, raw: dict[int, object]) -> list[dict]:
    """The saved draft as answers in the API's shape (a page's draft holds what its form sent)."""
    answers = []
    for item in survey.items:
        if item.id not in raw:
            continue
        value = raw[item.id]
        kind = SurveyItemKind(item.kind)
        if kind == SurveyItemKind.SCALE:
            level = _index(value)
            if level is not None:
                answers.append({"item_id": item.id, "level": level})
        elif kind in CHOICE_KINDS:
            indices = [_index(v) for v in (value if isinstance(value, list) else [value])]
            answers.append({"item_id": item.id, "choices": [i for i in indices if i is not None]})
        else:
            answers.append({"item_id": item.id, "text": str(value)})
    return answers


def _draft(user, survey: Survey) -> dict:
    return {"survey_id": survey.id, "answers": _draft_answers(survey, surveys.draft_of(user, survey))}


# ---------------------------------------------------------------------------- routes


@blp.route("/surveys")
@blp.arguments(SurveyQueryArgsSchema, location="query")
@blp.response(200, SurveyPageSchema)
@errors(blp, 401)
def list_surveys(args):
    """Surveys that ask the caller (published, of the session, circle, school or network they belong to)
    and those they manage; ``role`` keeps one of the two."""
    query = _list_query(api_user(), args["role"])
    return paginated(query, args, lambda survey: survey)


@blp.route("/surveys", methods=["POST"])
@blp.arguments(SurveyCreateSchema)
@blp.response(201, SurveyDetailSchema)
@errors(blp, 400, 401, 403, 404, 409)
def create_survey(body):
    """Build a survey for a live session, a circle, a school or a network (who may schedule sessions
    there; for a school its director, coaches and network coordinators; for a network its coordinators
    and coaches), with its sections and questions, and optionally publish it at once. It is stored
    whole or not at all: a refused section or question answers 422 naming it (``sections.0.items.2.prompt``)."""
    user = api_user()
    scope = authz.access_survey_scope(user, SurveyScope(body["scope"]["type"]), body["scope"]["id"])
    survey = surveys.create_survey(user, scope, _survey_input(body))
    _build(user, survey, body["sections"])
    if body["publish"]:
        surveys.publish(user, survey)
    db.session.commit()
    return survey


@blp.route("/surveys/<int:survey_id>")
@blp.response(200, SurveyDetailSchema)
@errors(blp, 401, 404)
def get_survey(survey_id: int):
    """The survey with its sections and questions: for a respondent, what to answer."""
    return authz.access_survey(api_user(), survey_id, "survey.view")


@blp.route("/surveys/<int:survey_id>/publish", methods=["POST"])
@blp.response(200, SurveyDetailSchema)
@errors(blp, 401, 403, 404, 409)
def publish_survey(survey_id: int):
    """Publish a draft (409 once published, or without a question): its questions no longer change,
    and its respondents see it; it takes answers from opens_on to closes_on."""
    user = api_user()
    survey = authz.access_survey(user, survey_id, "survey.publish")
    surveys.publish(user, survey)
    db.session.commit()
    return survey


@blp.route("/surveys/<int:survey_id>/close", methods=["POST"])
@blp.response(200, SurveyDetailSchema)
@errors(blp, 401, 403, 404, 409)
def close_survey(survey_id: int):
    """Stop taking answers before closes_on (409 for a draft or a closed survey)."""
    user = api_user()
    survey = authz.access_survey(user, survey_id, "survey.close")
    surveys.close(user, survey)
    db.session.commit()
    return survey


@blp.route("/surveys/<int:survey_id>/responses", methods=["POST"])
@blp.arguments(SurveyAnswersSchema)
@blp.response(201, SurveySchema)
@errors(blp, 400, 401, 403, 404, 409)
def respond(body, survey_id: int):
    """Answer the survey, once (409 for a second response, before it opens and after it closes). The
    answers are checked whole before anything is stored; a refused one is named ``item-<id>``. In an
    anonymous survey the response carries no person; the caller's draft is removed."""
    user = api_user()
    survey = authz.access_survey(user, survey_id, "survey.respond")
    surveys.submit_response(user, survey, _raw_answers(survey, body["answers"]))
    db.session.commit()
    return survey


@blp.route("/surveys/<int:survey_id>/draft")
@blp.response(200, SurveyDraftSchema)
@errors(blp, 401, 403, 404)
def get_draft(survey_id: int):
    """The caller's own unfinished answers (empty when there are none)."""
    user = api_user()
    survey = authz.access_survey(user, survey_id, "survey.respond")
    return _draft(user, survey)


@blp.route("/surveys/<int:survey_id>/draft", methods=["PUT"])
@blp.arguments(SurveyAnswersSchema)
@blp.response(200, SurveyDraftSchema)
@errors(blp, 400, 401, 403, 404, 409, 413)
def save_draft(body, survey_id: int):
    """Keep the caller's unfinished answers while the survey is open (replacing the earlier draft);
    they are not checked until sent, and never part of the results."""
    user = api_user()
    survey = authz.access_survey(user, survey_id, "survey.respond")
    surveys.save_draft(user, survey, _raw_answers(survey, body["answers"]))
    db.session.commit()
    return _draft(user, survey)


@blp.route("/surveys/<int:survey_id>/results")
@blp.response(200, SurveyResultsSchema)
@errors(blp, 401, 403, 404)
def get_results(survey_id: int):
    """The report (those who manage the survey): per item n, x̄, S.D. and the band's label, answers per
    level or choice, the open answers; the overall row and the narrative. With fewer respondents than
    ``min_group`` only their number. Never who answered what."""
    survey = authz.access_survey(api_user(), survey_id, "survey.report")
    return survey_reports.build_report(survey, asked=survey_reports.asked_count(survey))
