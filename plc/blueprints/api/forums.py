"""Exchange forums (เวทีแลกเปลี่ยนเรียนรู้): held at a live session of a school or a network, where schools
present their PLC work, members give typed feedback, a panel scores on the organiser's rubric, the
organiser honours selected work, and each person downloads their own certificates as PDF.

A forum answers 404 to someone outside its school or network (another tenant), exactly as for an id
that does not exist; 403 to someone who sees it but may not do this (a teacher asking for the results)."""

from __future__ import annotations

from flask import Response, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plc import authz
from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors, paginated
from plc.blueprints.api.live_sessions import BangkokDateTime
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, PersonSchema, page_schema
from plc.certificates import certificate_pdf
from plc.extensions import db
from plc.i18n import current_locale
from plc.models import User
from plc.models._types import length_of
from plc.models.forums import (
    CertificateKind,
    FeedbackKind,
    Forum,
    ForumCriterion,
    ForumFeedback,
    ForumSubmission,
)
from plc.models.live_sessions import SESSION_MODES
from plc.services import forums
from plc.services.forums import DEFAULT_CRITERIA, MAX_CRITERIA, ForumError, ForumInput, SubmissionInput

blp = Blueprint("api_forums", __name__, url_prefix="", description="Exchange forums and their certificates")
blp.before_request(authenticate_request)

MAX_AUTHORS = 30
SCOPES = ("school", "network")
KINDS = [kind.value for kind in CertificateKind]
PDF_DESCRIPTION = "The certificate as PDF (A4 landscape), a download named certificate-<forum>-<kind>.pdf"


# ---------------------------------------------------------------------------- schemas


class ForumSessionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = BangkokDateTime(required=True, metadata={"description": "in Bangkok time (+07:00)"})
    mode = fields.String(required=True, validate=validate.OneOf(SESSION_MODES))


class ForumScopeSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(SCOPES))
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "the school's or network's name in the "
                                                                 "request's language"})


class CriterionSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    max_score = fields.Integer(required=True, metadata={"description": "scored from 0 to this"})


class ForumPermissionsSchema(Schema):
    manage = fields.Boolean(required=True, metadata={"description": "organise: edit, name the panel, honour work, "
                                                                    "read the results"})
    submit = fields.Boolean(required=True, metadata={"description": "present work for one of the caller's schools"})
    score = fields.Boolean(required=True, metadata={"description": "the caller sits on the panel"})


class ForumSchema(ObjectSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True, required=True)
    session = fields.Nested(ForumSessionSchema, required=True, attribute="live_session",
                            metadata={"description": "the live session the forum is held at"})
    scope = fields.Nested(ForumScopeSchema, required=True)
    submissions_close_on = fields.Date(required=True, metadata={"description": "the last day schools may submit "
                                                                               "(Bangkok)"})
    held_on = fields.Date(required=True, metadata={"description": "the session's day (Bangkok)"})
    criteria = fields.List(fields.Nested(CriterionSchema), required=True, metadata={"description": "the rubric"})
    permissions = fields.Nested(ForumPermissionsSchema, required=True)

    def get_scope(self, forum: Forum) -> dict:
        locale = current_locale()
        if forum.school_id is not None:
            return {"type": "school", "id": forum.school_id, "name": forum.school.display_name(locale)}
        return {"type": "network", "id": forum.network_id, "name": forum.network.display_name(locale)}

    def get_permissions(self, forum: Forum) -> dict:
        return authz.permissions(api_user(), forum)


class SubmissionSchoolSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class SubmissionAuthorSchema(ObjectSchema):
    """Read from the author row."""

    id = fields.Integer(required=True, attribute="user_id")
    name_th = fields.String(required=True, attribute="user.name_th")
    name_en = fields.String(allow_none=True, required=True, attribute="user.name_en")
    showcase_consent = fields.Boolean(required=True, metadata={
        "description": "this author agrees that the work may be shown publicly if honoured"})


class SubmissionPermissionsSchema(Schema):
    feedback = fields.Boolean(required=True)
    score = fields.Boolean(required=True, metadata={"description": "the caller sits on the panel"})
    honour = fields.Boolean(required=True, metadata={"description": "the caller organises the forum"})
    consent = fields.Boolean(required=True, metadata={"description": "the caller is an author"})


class SubmissionSchema(ObjectSchema):
    id = fields.Integer(required=True)
    forum_id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(allow_none=True, required=True)
    school = fields.Nested(SubmissionSchoolSchema, required=True, metadata={"description": "the presenting school"})
    cycle_id = fields.Integer(allow_none=True, required=True, metadata={"description": "the PLC cycle presented"})
    lesson_plan_id = fields.Integer(allow_none=True, required=True)
    submitted_by = fields.Nested(PersonSchema, allow_none=True, required=True)
    authors = fields.List(fields.Nested(SubmissionAuthorSchema), required=True)
    honour = fields.String(allow_none=True, required=True, metadata={
        "description": "the honour given by the organiser, e.g. แนวปฏิบัติที่ดี (Good practice)"})
    honoured_at = fields.DateTime(allow_none=True, required=True)
    showcased = fields.Boolean(required=True, metadata={
        "description": "honoured, and every author consented: shown in the public showcase"})
    feedback_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    permissions = fields.Nested(SubmissionPermissionsSchema, required=True)

    def get_school(self, submission: ForumSubmission) -> dict:
        return {"id": submission.school_id, "name": submission.school.display_name(current_locale())}

    def get_submitted_by(self, submission: ForumSubmission) -> User | None:
        return db.session.get(User, submission.submitted_by_id) if submission.submitted_by_id else None

    def get_feedback_count(self, submission: ForumSubmission) -> int:
        return len(submission.feedback)

    def get_permissions(self, submission: ForumSubmission) -> dict:
        user = api_user()
        return {"feedback": authz.can_give_forum_feedback(user, submission),
                "score": authz.can_score_submission(user, submission),
                "honour": authz.can_honour_submission(user, submission),
                "consent": authz.is_submission_author(user, submission)}


class ForumFeedbackSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(FeedbackKind)),
                         metadata={"description": "strength (จุดเด่น), question (คำถาม) or suggestion (ข้อเสนอแนะ)"})
    body = fields.String(required=True)
    author = fields.Nested(PersonSchema, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class SubmissionDetailSchema(SubmissionSchema):
    feedback = fields.List(fields.Nested(ForumFeedbackSchema), required=True, metadata={"description": "oldest first"})


class CriterionScoreSchema(Schema):
    criterion_id = fields.Integer(required=True)
    score = fields.Integer(required=True)


class MyScoresSchema(Schema):
    submission_id = fields.Integer(required=True)
    scores = fields.List(fields.Nested(CriterionScoreSchema), required=True,
                         metadata={"description": "the caller's own, in the rubric's order; empty before scoring"})
    total = fields.Integer(allow_none=True, required=True)
    out_of = fields.Integer(required=True)


class CriterionMeanSchema(Schema):
    criterion_id = fields.Integer(required=True)
    mean = fields.Float(required=True, metadata={"description": "over the panelists who scored, two places"})


class ResultSubmissionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    school = fields.Nested(SubmissionSchoolSchema, required=True)
    honour = fields.String(allow_none=True, required=True)


class ResultSchema(Schema):
    rank = fields.Integer(allow_none=True, required=True, metadata={
        "description": "1 for the best mean total; equal means share a rank; null before anyone scored it"})
    submission = fields.Nested(ResultSubmissionSchema, required=True)
    panelists = fields.Integer(required=True, metadata={"description": "panelists who scored it"})
    mean_total = fields.Float(allow_none=True, required=True, metadata={
        "description": "the mean over the panelists of their totals, two places"})
    out_of = fields.Integer(required=True)
    per_criterion = fields.List(fields.Nested(CriterionMeanSchema), required=True)


class EntitlementSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={
        "description": "participation (attended the session or presented) or recognition (honoured work)"})
    submission_id = fields.Integer(allow_none=True, required=True, metadata={"description": "recognition: the work"})
    honour = fields.String(allow_none=True, required=True)
    download_url = fields.String(required=True, metadata={"description": "GET it for the PDF"})


class CriterionInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=length_of(ForumCriterion.name)))
    max_score = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))


class ForumCreateSchema(Schema):
    live_session_id = fields.Integer(required=True, metadata={
        "description": "the session the forum is held at (its host or a manager of its circle organises)"})
    title = fields.String(required=True, validate=validate.Length(max=length_of(Forum.title)))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=length_of(Forum.description)))
    submissions_close_on = fields.Date(required=True, metadata={"description": "the last day schools may submit"})
    criteria = fields.List(fields.Nested(CriterionInputSchema), load_default=None, allow_none=True,
                           validate=validate.Length(max=MAX_CRITERIA), metadata={
                               "description": "the rubric; by default four criteria scored from 0 to 5"})


class ForumUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(max=length_of(Forum.title)))
    description = fields.String(allow_none=True, validate=validate.Length(max=length_of(Forum.description)))
    submissions_close_on = fields.Date()
    criteria = fields.List(fields.Nested(CriterionInputSchema), validate=validate.Length(max=MAX_CRITERIA),
                           metadata={"description": "the whole rubric; kept as it is once the panel has scored"})


class PanelistInputSchema(Schema):
    user_id = fields.Integer(required=True, metadata={"description": "staff of the forum's schools or network"})


class SubmissionCreateSchema(Schema):
    school_id = fields.Integer(required=True, metadata={"description": "one of the caller's schools taking part"})
    title = fields.String(required=True, validate=validate.Length(max=length_of(ForumSubmission.title)))
    summary = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length_of(ForumSubmission.summary)))
    cycle_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "a cycle the caller may read"})
    lesson_plan_id = fields.Integer(load_default=None, allow_none=True,
                                    metadata={"description": "a lesson plan the caller may read"})
    author_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=MAX_AUTHORS),
                             metadata={"description": "co-authors, staff of the presenting school"})
    showcase_consent = fields.Boolean(load_default=False, metadata={
        "description": "the caller's own consent to show the work publicly if honoured"})


class ForumFeedbackCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(FeedbackKind)))
    body = fields.String(required=True, validate=validate.Length(max=length_of(ForumFeedback.body)))


class ScoreInputSchema(Schema):
    criterion_id = fields.Integer(required=True)
    score = fields.Integer(required=True, validate=validate.Range(min=0),
                           metadata={"description": "a whole number from 0 to the criterion's max_score"})


class ScoresInputSchema(Schema):
    scores = fields.List(fields.Nested(ScoreInputSchema), required=True, validate=validate.Length(max=MAX_CRITERIA),
                         metadata={"description": "every criterion of the rubric, once"})

    @validates_schema
    def _once_each(self, data, **_kwargs):
        ids = [row["criterion_id"] for row in data.get("scores", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(_("Score each criterion once."), "scores")


class HonourInputSchema(Schema):
    honour = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=length_of(ForumSubmission.honour)),
                           metadata={"description": f"by default {forums.DEFAULT_HONOUR}"})


class ConsentInputSchema(Schema):
    consent = fields.Boolean(required=True)


class CertificateArgsSchema(Schema):
    submission = fields.Integer(load_default=None, metadata={"description": "recognition: the honoured work"})


ForumPageSchema = page_schema(ForumSchema, "ForumPage")


# ---------------------------------------------------------------------------- helpers


def _criteria(body: dict, forum: Forum | None) -> list[tuple[str, int]]:
    if body.get("criteria") is not None:
        return [(row["name"], row["max_score"]) for row in body["criteria"]]
    if forum is not None:
        return [(c.name, c.max_score) for c in forum.criteria]
    return list(DEFAULT_CRITERIA)


def _forum_input(body: dict, forum: Forum | None = None) -> ForumInput:
    def given(name: str):
        return body[name] if name in body or forum is None else getattr(forum, name)

    return ForumInput(title=given("title"), submissions_close_on=given("submissions_close_on"),
                      description=given("description"), criteria=_criteria(body, forum))


def _panel(forum: Forum) -> list[User]:
    return sorted((p.user for p in forum.panelists), key=lambda user: (user.name_th, user.id))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _results(forum: Forum) -> list[dict]:
    locale = current_locale()
    ranked, rank, previous = [], None, None
    for position, result in enumerate(forums.results(forum), start=1):
        if result.mean_total is None:
            rank = None
        elif result.mean_total != previous:
            rank, previous = position, result.mean_total
        submission = result.submission
        ranked.append({
            "rank": rank, "panelists": result.panelists, "mean_total": _rounded(result.mean_total),
            "out_of": result.out_of,
            "submission": {"id": submission.id, "title": submission.title, "honour": submission.honour,
                           "school": {"id": submission.school_id, "name": submission.school.display_name(locale)}},
            "per_criterion": [{"criterion_id": c.id, "mean": _rounded(result.per_criterion[c.id])}
                              for c in forum.criteria if c.id in result.per_criterion]})
    return ranked


def _my_scores(user: User, submission: ForumSubmission) -> dict:
    mine = forums.my_scores(user, submission)
    criteria = submission.forum.criteria
    return {"submission_id": submission.id,
            "scores": [{"criterion_id": c.id, "score": mine[c.id]} for c in criteria if c.id in mine],
            "total": sum(mine.values()) if mine else None, "out_of": sum(c.max_score for c in criteria)}


def _download_url(forum: Forum, entitlement: forums.Entitlement) -> str:
    extra = {"submission": entitlement.submission.id} if entitlement.submission else {}
    return url_for(f"{blp.name}.download_certificate", forum_id=forum.id, kind=entitlement.kind.value, **extra)


def _organiser(forum: Forum, locale: str) -> str:
    scope = forum.school if forum.school_id is not None else forum.network
    return scope.display_name(locale)


# ---------------------------------------------------------------------------- forums


@blp.route("/forums")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ForumPageSchema)
@errors(blp, 401)
def list_forums(args):
    """Forums the caller may see: of their schools and networks, those they organise and those whose
    panel they sit on; the latest session first."""
    return paginated(forums.forums_query(api_user()), args, lambda forum: forum)


@blp.route("/forums", methods=["POST"])
@blp.arguments(ForumCreateSchema)
@blp.response(201, ForumSchema)
@errors(blp, 400, 401, 403, 404, 409)
def create_forum(body):
    """Hold an exchange forum at a live session (its host or a manager of its circle), for the school or
    network of the session's circle. One forum per session (409 for a second)."""
    user = api_user()
    session = authz.access_session(user, body["live_session_id"], "live_session.view")
    if not authz.can_organise_forum_at(user, session):
        authz.deny_forbidden(user, "forum.create", session)
    forum = forums.create_forum(user, session, _forum_input(body))
    db.session.commit()
    return forum


@blp.route("/forums/<int:forum_id>")
@blp.response(200, ForumSchema)
@errors(blp, 401, 404)
def get_forum(forum_id: int):
    """One forum, for its schools' and network's staff, its organiser and its panel."""
    return authz.access_forum(api_user(), forum_id, "forum.view")


@blp.route("/forums/<int:forum_id>", methods=["PATCH"])
@blp.arguments(ForumUpdateSchema)
@blp.response(200, ForumSchema)
@errors(blp, 400, 401, 403, 404, 409)
def update_forum(body, forum_id: int):
    """Change the forum (its organiser); only the fields sent change. The rubric stays once the panel
    has scored (409)."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.edit")
    forums.update_forum(user, forum, _forum_input(body, forum))
    db.session.commit()
    return forum


# ---------------------------------------------------------------------------- the panel


@blp.route("/forums/<int:forum_id>/panel")
@blp.response(200, PersonSchema(many=True))
@errors(blp, 401, 403, 404)
def get_panel(forum_id: int):
    """The panel that scores the presentations (the organiser)."""
    return _panel(authz.access_forum(api_user(), forum_id, "forum.panel"))


@blp.route("/forums/<int:forum_id>/panel", methods=["POST"])
@blp.arguments(PanelistInputSchema)
@blp.response(201, PersonSchema(many=True))
@errors(blp, 400, 401, 403, 404, 409)
def add_panelist(body, forum_id: int):
    """Name someone to the panel (the organiser): staff of the forum's schools or of its network. Answers
    the whole panel; 409 for someone already on it."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.panel")
    panelist = db.session.scalar(forums.panel_candidates(forum).where(User.id == body["user_id"]))
    if panelist is None:
        raise ForumError({"user_id": [_("Choose someone on the staff of the forum's schools or of its network.")]})
    forums.add_panelist(user, forum, panelist)
    db.session.commit()
    return _panel(forum)


@blp.route("/forums/<int:forum_id>/panel/<int:user_id>", methods=["DELETE"])
@blp.response(200, PersonSchema(many=True))
@errors(blp, 401, 403, 404)
def remove_panelist(forum_id: int, user_id: int):
    """Take someone off the panel (the organiser); their scores stay in the results. Answers the panel."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.panel")
    forums.remove_panelist(user, forum, user_id)
    db.session.commit()
    return _panel(forum)


# ---------------------------------------------------------------------------- submissions


@blp.route("/forums/<int:forum_id>/submissions")
@blp.response(200, SubmissionSchema(many=True))
@errors(blp, 401, 404)
def list_submissions(forum_id: int):
    """The presentations, in the order they were submitted."""
    return authz.access_forum(api_user(), forum_id, "forum.view").submissions


@blp.route("/forums/<int:forum_id>/submissions", methods=["POST"])
@blp.arguments(SubmissionCreateSchema)
@blp.response(201, SubmissionDetailSchema)
@errors(blp, 400, 401, 403, 404, 409)
def submit(body, forum_id: int):
    """Present a school's PLC work (staff of one of the forum's schools, for their own school), linked to
    a cycle and a lesson plan the caller may read, until submissions close (409 after)."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.submit")
    submission = forums.submit(user, forum, SubmissionInput(
        school_id=body["school_id"], title=body["title"], summary=body["summary"], cycle_id=body["cycle_id"],
        lesson_plan_id=body["lesson_plan_id"], author_ids=tuple(body["author_ids"]),
        showcase_consent=body["showcase_consent"]))
    db.session.commit()
    return submission


@blp.route("/forum-submissions/<int:submission_id>")
@blp.response(200, SubmissionDetailSchema)
@errors(blp, 401, 404)
def get_submission(submission_id: int):
    """One presentation with its feedback, honour and authors."""
    return authz.access_submission(api_user(), submission_id, "forum_submission.view")


@blp.route("/forum-submissions/<int:submission_id>/feedback", methods=["POST"])
@blp.arguments(ForumFeedbackCreateSchema)
@blp.response(201, ForumFeedbackSchema)
@errors(blp, 400, 401, 403, 404)
def give_feedback(body, submission_id: int):
    """Give feedback on a presentation: a strength, a question or a suggestion (anyone who sees the forum)."""
    user = api_user()
    submission = authz.access_submission(user, submission_id, "forum_submission.feedback")
    feedback = forums.give_feedback(user, submission, body["kind"], body["body"])
    db.session.commit()
    return feedback


@blp.route("/forum-submissions/<int:submission_id>/scores")
@blp.response(200, MyScoresSchema)
@errors(blp, 401, 403, 404)
def get_my_scores(submission_id: int):
    """The caller's own scores for this presentation (panelists)."""
    user = api_user()
    return _my_scores(user, authz.access_submission(user, submission_id, "forum_submission.score"))


@blp.route("/forum-submissions/<int:submission_id>/scores", methods=["PUT"])
@blp.arguments(ScoresInputSchema)
@blp.response(200, MyScoresSchema)
@errors(blp, 400, 401, 403, 404)
def put_scores(body, submission_id: int):
    """Score every criterion of the rubric (panelists), replacing the caller's earlier scores. A refused
    score is named ``criterion-<id>``."""
    user = api_user()
    submission = authz.access_submission(user, submission_id, "forum_submission.score")
    forums.score(user, submission, {row["criterion_id"]: row["score"] for row in body["scores"]})
    db.session.commit()
    return _my_scores(user, submission)


@blp.route("/forum-submissions/<int:submission_id>/honour", methods=["POST"])
@blp.arguments(HonourInputSchema)
@blp.response(200, SubmissionDetailSchema)
@errors(blp, 400, 401, 403, 404)
def honour(body, submission_id: int):
    """Honour the work as good practice (the organiser); its authors may download a certificate of
    recognition."""
    user = api_user()
    submission = authz.access_submission(user, submission_id, "forum_submission.honour")
    forums.honour(user, submission, body["honour"])
    db.session.commit()
    return submission


@blp.route("/forum-submissions/<int:submission_id>/honour", methods=["DELETE"])
@blp.response(200, SubmissionDetailSchema)
@errors(blp, 401, 403, 404, 409)
def withdraw_honour(submission_id: int):
    """Withdraw the honour (the organiser); 409 once a certificate of recognition has been issued for it."""
    user = api_user()
    submission = authz.access_submission(user, submission_id, "forum_submission.honour")
    forums.withdraw_honour(user, submission)
    db.session.commit()
    return submission


@blp.route("/forum-submissions/<int:submission_id>/consent", methods=["PUT"])
@blp.arguments(ConsentInputSchema)
@blp.response(200, SubmissionDetailSchema)
@errors(blp, 400, 401, 403, 404)
def set_consent(body, submission_id: int):
    """Each author, for themself: whether honoured work may be shown in the public showcase."""
    user = api_user()
    submission = authz.access_submission(user, submission_id, "forum_submission.consent")
    forums.set_consent(user, submission, body["consent"])
    db.session.commit()
    return submission


# ---------------------------------------------------------------------------- results and certificates


@blp.route("/forums/<int:forum_id>/results")
@blp.response(200, ResultSchema(many=True))
@errors(blp, 401, 403, 404)
def get_results(forum_id: int):
    """The panel's scores per presentation, best first (the organiser)."""
    return _results(authz.access_forum(api_user(), forum_id, "forum.results"))


@blp.route("/forums/<int:forum_id>/certificates")
@blp.response(200, EntitlementSchema(many=True))
@errors(blp, 401, 404)
def list_certificates(forum_id: int):
    """The caller's own certificates at this forum: participation for attending the session or
    presenting, recognition for each honoured work they are an author of."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.certificates")
    return [{"kind": e.kind.value, "submission_id": e.submission.id if e.submission else None, "honour": e.honour,
             "download_url": _download_url(forum, e)} for e in forums.entitlements(user, forum)]


@blp.route(f"/forums/<int:forum_id>/certificates/<any({', '.join(KINDS)}):kind>.pdf")
@blp.arguments(CertificateArgsSchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf",
              description=PDF_DESCRIPTION)
@errors(blp, 401, 404)
def download_certificate(args, forum_id: int, kind: str):
    """The caller's certificate as PDF, issued on the first download (the same verification code
    after); 404 for one the caller is not entitled to."""
    user = api_user()
    forum = authz.access_forum(user, forum_id, "forum.certificates")
    certificate = forums.issue_certificate(user, forum, kind, args["submission"])
    db.session.commit()
    locale = current_locale()
    pdf = certificate_pdf(recipient=user.display_name(locale), kind=certificate.kind, forum_title=forum.title,
                          held_on=forum.held_on, organiser=_organiser(forum, locale), code=certificate.code,
                          honour=certificate.submission.honour if certificate.submission else None, locale=locale)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{forum.id}-{certificate.kind}.pdf"'})
