"""Surveys (แบบสอบถาม): building one for a session, circle, school or network, answering it on a phone
(the draft kept on the device and on the server), and its report with exports and a print view."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from plc import authz
from plc.blueprints._helpers import page_arg, page_size, whole_number
from plc.errors import ServiceError
from plc.exports import csv_response, xlsx_response
from plc.extensions import db
from plc.forms._fields import apply_service_errors
from plc.forms.people import ConfirmForm
from plc.forms.surveys import ItemForm, SectionForm, SurveyForm, floors_text, parse_floors
from plc.i18n import bangkok_today
from plc.models._types import length_of, utcnow
from plc.models.surveys import (
    CHOICE_KINDS,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyItemKind,
    SurveyScope,
    SurveySection,
)
from plc.services import survey_reports, surveys

bp = Blueprint("surveys", __name__)

DRAFT_KEY = "plc-survey-{user}-{survey}"


def _scope_from_args():
    try:
        scope = SurveyScope(request.args.get("scope", ""))
    except ValueError:
        abort(404)
    return scope, authz.access_survey_scope(current_user, scope, whole_number(request.args.get("id")))


def _survey_input(form: SurveyForm) -> surveys.SurveyInput:
    return surveys.SurveyInput(title=form.title.data or "", description=form.description.data,
                               opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                               anonymous=bool(form.anonymous.data), band_floors=parse_floors(form.band_floors.data))


def _in_survey(survey: Survey, model, object_id: int):
    """A section or item of this survey; another survey's answers 404."""
    row = db.session.get(model, object_id)
    survey_of = row.survey if isinstance(row, SurveySection) else row.section.survey if row is not None else None
    if survey_of is None or survey_of.id != survey.id:
        abort(404)
    return row


def _back_to(survey: Survey):
    return redirect(url_for("surveys.show", survey_id=survey.id))


def _refused(survey: Survey, error: ServiceError):
    db.session.rollback()
    for messages in (error.fields.values() if error.fields else [[error.message]]):
        for message in messages:
            flash(message, "error")
    return _back_to(survey)


# ---------------------------------------------------------------------------- lists and building


@bp.get("/surveys")
@login_required
def index():
    to_answer = db.paginate(surveys.answerable_query(current_user), page=page_arg(), per_page=page_size(),
                            error_out=False)
    managed = db.session.scalars(surveys.managed_query(current_user).limit(50)).all()
    answered = surveys.answered_survey_ids(current_user, [s.id for s in to_answer.items])
    return render_template("surveys/index.html", to_answer=to_answer, managed=managed, answered=answered,
                           today=bangkok_today())


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def new():
    scope, target = _scope_from_args()
    form = SurveyForm()
    if request.method == "GET":
        form.opens_on.data = bangkok_today()
        form.closes_on.data = bangkok_today() + timedelta(days=7)
    if form.validate_on_submit():
        try:
            survey = surveys.create_survey(current_user, target, _survey_input(form))
        except ServiceError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("The survey is a draft. Add its questions, then publish it."), "success")
            return _back_to(survey)
    return render_template("surveys/form.html", form=form, survey=None, scope=scope, target=target), \
        422 if form.errors else 200


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@login_required
def edit(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    form = SurveyForm(obj=survey if request.method == "GET" else None)
    if request.method == "GET":
        form.band_floors.data = floors_text(survey.floors)
    if form.validate_on_submit():
        try:
            surveys.update_survey(current_user, survey, _survey_input(form))
        except ServiceError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
            form.form_errors.extend([] if error.fields else [error.message])
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return _back_to(survey)
    return render_template("surveys/form.html", form=form, survey=survey, scope=survey.scope,
                           target=survey.scope_object), 422 if form.errors or form.form_errors else 200


@bp.get("/surveys/<int:survey_id>")
@login_required
def show(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.view")
    manages = authz.can_manage_survey(current_user, survey)
    return render_template("surveys/show.html", survey=survey, manages=manages, state=survey.state(bangkok_today()),
                           answered=surveys.has_answered(current_user, survey),
                           respondents=survey_reports.respondent_count(survey) if manages else None,
                           section_form=SectionForm(), item_form=ItemForm(), confirm_form=ConfirmForm(),
                           choice_kinds=CHOICE_KINDS)


@bp.post("/surveys/<int:survey_id>/sections")
@login_required
def add_section(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    form = SectionForm()
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return _back_to(survey)
    try:
        surveys.add_section(current_user, survey, form.title.data)
    except ServiceError as error:
        return _refused(survey, error)
    db.session.commit()
    return _back_to(survey)


@bp.post("/surveys/<int:survey_id>/sections/<int:section_id>/delete")
@login_required
def delete_section(survey_id: int, section_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    section = _in_survey(survey, SurveySection, section_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        surveys.delete_section(current_user, survey, section)
    except ServiceError as error:
        return _refused(survey, error)
    db.session.commit()
    flash(_("The section and its questions are removed."), "success")
    return _back_to(survey)


@bp.post("/surveys/<int:survey_id>/items")
@login_required
def add_item(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    form = ItemForm()
    section = _in_survey(survey, SurveySection, whole_number(form.section_id.data) or 0)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return _back_to(survey)
    data = surveys.ItemInput(kind=form.kind.data, prompt=form.prompt.data, required=bool(form.required.data),
                             choices=(form.choices.data or "").splitlines())
    try:
        surveys.add_item(current_user, section, data)
    except ServiceError as error:
        return _refused(survey, error)
    db.session.commit()
    return redirect(url_for("surveys.show", survey_id=survey.id) + f"#section-{section.id}")


@bp.post("/surveys/<int:survey_id>/items/<int:item_id>/delete")
@login_required
def delete_item(survey_id: int, item_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    item = _in_survey(survey, SurveyItem, item_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        surveys.delete_item(current_user, item)
    except ServiceError as error:
        return _refused(survey, error)
    db.session.commit()
    flash(_("The question is removed."), "success")
    return _back_to(survey)


@bp.post("/surveys/<int:survey_id>/items/<int:item_id>/move")
@login_required
def move_item(survey_id: int, item_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.edit")
    item = _in_survey(survey, SurveyItem, item_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        surveys.move_item(current_user, item, -1 if request.form.get("direction") == "up" else 1)
    except ServiceError as error:
        return _refused(survey, error)
    db.session.commit()
    return redirect(url_for("surveys.show", survey_id=survey.id) + f"#item-{item.id}")


@bp.route("/surveys/<int:survey_id>/<any(publish, close):step>", methods=["GET", "POST"])
@login_required
def change_state(survey_id: int, step: str):
    """Publishing and closing, each after a confirmation page."""
    survey = authz.access_survey(current_user, survey_id, f"survey.{step}")
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            (surveys.publish if step == "publish" else surveys.close)(current_user, survey)
        except ServiceError as error:
            return _refused(survey, error)
        db.session.commit()
        flash(_("The survey is published.") if step == "publish" else _("The survey is closed."), "success")
        return _back_to(survey)
    return render_template("surveys/confirm.html", survey=survey, step=step, form=form)


# ---------------------------------------------------------------------------- answering


ITEM_FIELD = re.compile(r"^item-(\d{1,9})(?:\.(\d{1,3}))?$")


def _posted_answers(survey: Survey) -> dict[int, object]:
    """``item-<id>`` fields (a level, a choice index or a text) and ``item-<id>.<index>`` boxes
    (several choices) as the service takes them."""
    kinds = {item.id: SurveyItemKind(item.kind) for item in survey.items}
    answers: dict[int, object] = {}
    for name, value in request.form.items(multi=True):
        match = ITEM_FIELD.match(name)
        if not match:
            continue
        item_id = int(match.group(1))
        if kinds.get(item_id) == SurveyItemKind.MULTIPLE:
            if match.group(2) is not None:
                answers.setdefault(item_id, []).append(match.group(2))
        elif match.group(2) is None:
            answers[item_id] = value
    return answers


def _draft_fields(draft: dict[int, object], survey: Survey) -> dict[str, str]:
    """The draft as the form's field values (``item-3`` → "4", ``item-5.1`` → "1")."""
    fields: dict[str, str] = {}
    kinds = {item.id: SurveyItemKind(item.kind) for item in survey.items}
    for item_id, value in draft.items():
        if kinds.get(item_id) == SurveyItemKind.MULTIPLE and isinstance(value, list):
            fields.update({f"item-{item_id}.{index}": str(index) for index in value})
        else:
            fields[f"item-{item_id}"] = str(value)
    return fields


@bp.route("/surveys/<int:survey_id>/respond", methods=["GET", "POST"])
@login_required
def respond(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.respond")
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    message = None
    values: dict[str, str] = {}
    if request.method == "POST" and form.validate():
        try:
            surveys.submit_response(current_user, survey, _posted_answers(survey))
        except ServiceError as error:
            db.session.rollback()
            errors, message = error.fields, None if error.fields else error.message
            values = {name: value for name, value in request.form.items() if ITEM_FIELD.match(name)}
        else:
            db.session.commit()
            return render_template("surveys/thanks.html", survey=survey,
                                   clear_key=DRAFT_KEY.format(user=current_user.id, survey=survey.id))
    elif request.method == "GET":
        values = _draft_fields(surveys.draft_of(current_user, survey), survey)
    status = 422 if errors else 409 if message else 200
    return render_template("surveys/respond.html", survey=survey, form=form, errors=errors, message=message,
                           values=values, state=survey.state(bangkok_today()),
                           answered=surveys.has_answered(current_user, survey),
                           storage_key=DRAFT_KEY.format(user=current_user.id, survey=survey.id),
                           answer_limit=length_of(SurveyAnswer.text)), status


@bp.post("/surveys/<int:survey_id>/draft")
@login_required
def autosave(survey_id: int):
    """For autosave.js: ``{ok, saved_at}`` or the reason it could not be kept."""
    survey = authz.access_survey(current_user, survey_id, "survey.respond")
    if not ConfirmForm().validate():
        return jsonify(ok=False, errors={"form": [_("The page has expired. Reload it and try again.")]}), 400
    try:
        surveys.save_draft(current_user, survey, _posted_answers(survey))
    except ServiceError as error:
        db.session.rollback()
        return jsonify(ok=False, errors=error.fields or {"form": [error.message]}), error.status
    db.session.commit()
    return jsonify(ok=True, saved_at=utcnow().astimezone(UTC).isoformat(timespec="milliseconds"))


# ---------------------------------------------------------------------------- the report


@bp.app_template_global()
def two_places(value) -> str:
    return survey_reports.two_places(value)


def _report(survey_id: int):
    survey = authz.access_survey(current_user, survey_id, "survey.report")
    return survey, survey_reports.build_report(survey, asked=survey_reports.asked_count(survey))


@bp.get("/surveys/<int:survey_id>/report")
@login_required
def report(survey_id: int):
    survey, built = _report(survey_id)
    return render_template("surveys/report.html", survey=survey, report=built, printing=False,
                           state=survey.state(bangkok_today()))


@bp.get("/surveys/<int:survey_id>/report/print")
@login_required
def report_print(survey_id: int):
    survey, built = _report(survey_id)
    return render_template("surveys/print.html", survey=survey, report=built, printing=True,
                           printed_on=bangkok_today())


@bp.get("/surveys/<int:survey_id>/report.<any(csv, xlsx):extension>")
@login_required
def report_download(survey_id: int, extension: str):
    survey, built = _report(survey_id)
    rows = survey_reports.report_rows(built)
    disposition = f'attachment; filename="survey-{survey.id}-report.{extension}"'
    if extension == "csv":
        return csv_response(rows, disposition)
    return xlsx_response(rows, _("Survey report"), disposition, freeze=None)
