"""Surveys: built by a coordinator, director, coach or facilitator for a scope, opened and closed
on dates, answered once per person (anonymously unless the author said otherwise before it
opened), drafts kept while a respondent writes. The report is ``survey_reports``'."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import bangkok_today, format_date
from plc.models import Circle, LiveSession, Network, School, User
from plc.models._types import utcnow
from plc.models.surveys import (
    CHOICE_KINDS,
    DEFAULT_BAND_FLOORS,
    SCALE_LEVELS,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyItem,
    SurveyItemKind,
    SurveyParticipation,
    SurveyResponse,
    SurveySection,
    SurveyState,
)
from plc.services.inputs import limit_message, too_long

MAX_CHOICES = 20


class SurveyError(ServiceError):
    """A refused survey operation."""


@dataclass
class SurveyInput:
    title: str
    opens_on: date | None
    closes_on: date | None
    description: str | None = None
    anonymous: bool = True
    band_floors: tuple[float, ...] = DEFAULT_BAND_FLOORS


@dataclass
class ItemInput:
    kind: str
    prompt: str
    required: bool = True
    choices: list[str] = field(default_factory=list)




def _validated_survey(data: SurveyInput) -> dict:
    errors: dict[str, list[str]] = {}
    title = (data.title or "").strip()
    description = (data.description or "").strip() or None
    if not title:
        errors["title"] = [_("Give the survey a title.")]
    elif too_long(Survey.title, title):
        errors["title"] = [limit_message(Survey.title)]
    if too_long(Survey.description, description):
        errors["description"] = [limit_message(Survey.description)]
    if data.opens_on is None:
        errors["opens_on"] = [_("Give the first day answers are taken.")]
    if data.closes_on is None:
        errors["closes_on"] = [_("Give the last day answers are taken.")]
    elif data.opens_on is not None and data.closes_on < data.opens_on:
        errors["closes_on"] = [_("The survey must close on or after the day it opens.")]
    floors = tuple(data.band_floors)
    if (len(floors) != len(SCALE_LEVELS) or any(not 1 <= floor <= 5 for floor in floors)
            or any(a <= b for a, b in zip(floors, floors[1:], strict=False)) or floors[-1] != 1):
        errors["band_floors"] = [_("Give five lower bounds from the highest band down, each lower than the one "
                                   "before and the last 1.00, for example 4.50, 3.50, 2.50, 1.50, 1.00.")]
    if errors:
        raise SurveyError(errors)
    return {"title": title, "description": description, "anonymous": bool(data.anonymous),
            "opens_on": data.opens_on, "closes_on": data.closes_on,
            "band_floors": json.dumps([round(floor, 2) for floor in floors])}


SCOPE_COLUMNS = {LiveSession: "live_session_id", Circle: "circle_id", School: "school_id", Network: "network_id"}


def create_survey(actor: User, scope, data: SurveyInput) -> Survey:
    """A draft survey for ``scope`` (a live session, circle, school or network), with one section."""
    values = _validated_survey(data)
    survey = Survey(author_id=actor.id, **{SCOPE_COLUMNS[type(scope)]: scope.id}, **values)
    survey.sections.append(SurveySection(position=1, title=_("Assessment")))
    db.session.add(survey)
    db.session.flush()
    audit.record("survey.create", actor, survey)
    return survey


def update_survey(actor: User, survey: Survey, data: SurveyInput) -> Survey:
    values = _validated_survey(data)
    state = survey.state(bangkok_today())
    if state == SurveyState.CLOSED:
        raise SurveyError(message=_("This survey is closed; it can no longer be changed."), status=409)
    if state == SurveyState.OPEN or _has_answers(survey):
        # Once people answer, who they are and how the bands cut must stay as they were told.
        if values["anonymous"] != survey.anonymous:
            raise SurveyError({"anonymous": [_("Whether answers are anonymous is settled once the survey opens.")]},
                              status=409)
        if values["opens_on"] != survey.opens_on and survey.opens_on <= bangkok_today():
            raise SurveyError({"opens_on": [_("The survey has opened; its first day stays as it was.")]}, status=409)
    for name, value in values.items():
        setattr(survey, name, value)
    db.session.flush()
    audit.record("survey.edit", actor, survey)
    return survey


def _has_answers(survey: Survey) -> bool:
    return db.session.scalar(select(func.count()).select_from(SurveyParticipation)
                             .where(SurveyParticipation.survey_id == survey.id)) > 0


def _require_draft(survey: Survey) -> None:
    if survey.published_at is not None:
        raise SurveyError(message=_("The questions of a published survey cannot change: everyone must answer the "
                                    "same survey."), status=409)


def add_section(actor: User, survey: Survey, title: str) -> SurveySection:
    _require_draft(survey)
    title = (title or "").strip()
    if not title:
        raise SurveyError({"title": [_("Give the section a title.")]})
    if too_long(SurveySection.title, title):
        raise SurveyError({"title": [limit_message(SurveySection.title)]})
    section = SurveySection(position=len(survey.sections) + 1, title=title)
    survey.sections.append(section)
    db.session.flush()
    audit.record("survey.edit", actor, survey, section=section.id)
    return section


def delete_section(actor: User, survey: Survey, section: SurveySection) -> None:
    _require_draft(survey)
    if len(survey.sections) == 1:
        raise SurveyError(message=_("A survey keeps at least one section."), status=409)
    survey.sections.remove(section)
    for position, kept in enumerate(survey.sections, start=1):
        kept.position = position
    db.session.flush()
    audit.record("survey.edit", actor, survey, removed_section=section.id)


def _validated_item(data: ItemInput) -> dict:
    errors: dict[str, list[str]] = {}
    prompt = (data.prompt or "").strip()
    try:
        kind = SurveyItemKind(data.kind)
    except ValueError:
        errors["kind"] = [_("Choose the kind of question from the list.")]
        kind = None
    if not prompt:
        errors["prompt"] = [_("Write the question.")]
    elif too_long(SurveyItem.prompt, prompt):
        errors["prompt"] = [limit_message(SurveyItem.prompt)]
    choices = [choice.strip() for choice in data.choices if choice and choice.strip()]
    if kind in CHOICE_KINDS:
        if len(choices) < 2:
            errors["choices"] = [_("Give at least two choices, one per line.")]
        elif len(choices) > MAX_CHOICES:
            errors["choices"] = [_("Give at most %(n)d choices.", n=MAX_CHOICES)]
        elif len(set(choices)) != len(choices):
            errors["choices"] = [_("Each choice must be different.")]
        elif too_long(SurveyItem.choices_json, json.dumps(choices, ensure_ascii=False)):
            errors["choices"] = [limit_message(SurveyItem.choices_json)]
    else:
        choices = []
    if errors:
        raise SurveyError(errors)
    return {"kind": kind.value, "prompt": prompt, "required": bool(data.required),
            "choices_json": json.dumps(choices, ensure_ascii=False)}


def add_item(actor: User, section: SurveySection, data: ItemInput) -> SurveyItem:
    _require_draft(section.survey)
    item = SurveyItem(position=len(section.items) + 1, **_validated_item(data))
    section.items.append(item)
    db.session.flush()
    audit.record("survey.edit", actor, section.survey, item=item.id)
    return item


def delete_item(actor: User, item: SurveyItem) -> None:
    section = item.section
    _require_draft(section.survey)
    section.items.remove(item)
    for position, kept in enumerate(section.items, start=1):
        kept.position = position
    db.session.flush()
    audit.record("survey.edit", actor, section.survey, removed_item=item.id)


def move_item(actor: User, item: SurveyItem, offset: int) -> None:
    """One place up (-1) or down (+1) within its section."""
    section = item.section
    _require_draft(section.survey)
    items = list(section.items)
    index = items.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, kept in enumerate(items, start=1):
        kept.position = position
    section.items[:] = items
    db.session.flush()


def publish(actor: User, survey: Survey) -> Survey:
    _require_draft(survey)
    if not survey.items:
        raise SurveyError(message=_("Add at least one question before publishing."), status=409)
    survey.published_at = utcnow()
    db.session.flush()
    audit.record("survey.publish", actor, survey)
    return survey


def close(actor: User, survey: Survey) -> Survey:
    if survey.state(bangkok_today()) not in (SurveyState.OPEN, SurveyState.SCHEDULED):
        raise SurveyError(message=_("Only a published survey that has not closed can be closed."), status=409)
    survey.closed_early_at = utcnow()
    db.session.flush()
    audit.record("survey.close", actor, survey)
    return survey


# ---------------------------------------------------------------------------- answering


def has_answered(user: User, survey: Survey) -> bool:
    return db.session.scalar(select(SurveyParticipation.id).where(
        SurveyParticipation.survey_id == survey.id, SurveyParticipation.user_id == user.id)) is not None


def _require_open(survey: Survey) -> None:
    state = survey.state(bangkok_today())
    if state == SurveyState.CLOSED:
        raise SurveyError(message=_("This survey closed on %(day)s; answers are no longer taken.",
                                    day=format_date(survey.closes_on, "long")), status=409)
    if state != SurveyState.OPEN:
        raise SurveyError(message=_("This survey opens on %(day)s.", day=format_date(survey.opens_on, "long")), status=409)


def parse_answers(survey: Survey, raw: dict[int, object]) -> tuple[dict[int, object], dict[str, list[str]]]:
    """What a respondent gave, item by item (a level, choice indices or a text), checked against
    each item; the field names of the errors are ``item-<id>``."""
    answers: dict[int, object] = {}
    errors: dict[str, list[str]] = {}
    known = {item.id for item in survey.items}
    if set(raw) - known:
        errors["answers"] = [_("Some answers are for questions that are not in this survey.")]
    for item in survey.items:
        name = f"item-{item.id}"
        value = raw.get(item.id)
        empty = value is None or value == "" or value == []
        if empty:
            if item.required:
                errors[name] = [_("Answer this question.")]
            continue
        kind = SurveyItemKind(item.kind)
        if kind == SurveyItemKind.SCALE:
            level = _whole_number(value)
            if level not in SCALE_LEVELS:
                errors[name] = [_("Choose a level from 1 to 5.")]
                continue
            answers[item.id] = level
        elif kind in CHOICE_KINDS:
            values = value if isinstance(value, list | tuple) else [value]
            indices = [_whole_number(v) for v in values]
            if any(i is None or not 0 <= i < len(item.choices) for i in indices) or len(set(indices)) != len(indices):
                errors[name] = [_("Choose from the choices given.")]
                continue
            if kind == SurveyItemKind.SINGLE and len(indices) > 1:
                errors[name] = [_("Choose one answer.")]
                continue
            answers[item.id] = sorted(indices)
        else:
            text = str(value).strip()
            if not text:
                if item.required:
                    errors[name] = [_("Answer this question.")]
                continue
            if too_long(SurveyAnswer.text, text):
                errors[name] = [limit_message(SurveyAnswer.text)]
                continue
            answers[item.id] = text
    return answers, errors


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def submit_response(actor: User, survey: Survey, raw: dict[int, object]) -> None:
    """One response per person; checked whole before anything is stored."""
    _require_open(survey)
    if has_answered(actor, survey):
        raise SurveyError(message=_("You have already answered this survey; each person answers once."), status=409)
    answers, errors = parse_answers(survey, raw)
    if errors:
        raise SurveyError(errors)
    response = SurveyResponse(survey_id=survey.id, respondent_id=None if survey.anonymous else actor.id)
    for item in survey.items:
        if item.id not in answers:
            continue
        value = answers[item.id]
        kind = SurveyItemKind(item.kind)
        response.answers.append(SurveyAnswer(
            item_id=item.id,
            level=value if kind == SurveyItemKind.SCALE else None,
            choices_json=json.dumps(value) if kind in CHOICE_KINDS else None,
            text=value if isinstance(value, str) else None))
    db.session.add(SurveyParticipation(survey_id=survey.id, user_id=actor.id))
    db.session.add(response)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # a second response sent at the same moment
        raise SurveyError(message=_("You have already answered this survey; each person answers once."),
                          status=409) from error
    db.session.execute(SurveyDraft.__table__.delete().where(SurveyDraft.survey_id == survey.id,
                                                            SurveyDraft.user_id == actor.id))
    audit.record("survey.respond", actor, survey)


def draft_of(user: User, survey: Survey) -> dict[int, object]:
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.survey_id == survey.id,
                                                        SurveyDraft.user_id == user.id))
    if draft is None:
        return {}
    return {int(key): value for key, value in json.loads(draft.answers_json).items()}


def save_draft(actor: User, survey: Survey, raw: dict[int, object]) -> None:
    """Keeps what the respondent has written so far, unchecked except for its size."""
    _require_open(survey)
    if has_answered(actor, survey):
        raise SurveyError(message=_("You have already answered this survey; each person answers once."), status=409)
    known = {item.id for item in survey.items}
    kept = {str(key): value for key, value in raw.items() if key in known and value not in (None, "", [])}
    text = json.dumps(kept, ensure_ascii=False)
    if too_long(SurveyDraft.answers_json, text):
        raise SurveyError(message=limit_message(SurveyDraft.answers_json), status=413)
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.survey_id == survey.id,
                                                        SurveyDraft.user_id == actor.id))
    if draft is None:
        draft = SurveyDraft(survey_id=survey.id, user_id=actor.id)
        db.session.add(draft)
    draft.answers_json = text
    draft.saved_at = utcnow()
    db.session.flush()


# ---------------------------------------------------------------------------- lists


def answerable_query(user: User) -> Select:
    return select(Survey).where(authz.answerable_surveys_clause(user)).order_by(Survey.closes_on.desc(),
                                                                                Survey.id.desc())


def managed_query(user: User) -> Select:
    return select(Survey).where(authz.managed_surveys_clause(user)).order_by(Survey.created_at.desc(),
                                                                             Survey.id.desc())


def answered_survey_ids(user: User, survey_ids: list[int]) -> set[int]:
    if not survey_ids:
        return set()
    return set(db.session.scalars(select(SurveyParticipation.survey_id).where(
        SurveyParticipation.user_id == user.id, SurveyParticipation.survey_id.in_(survey_ids))))
