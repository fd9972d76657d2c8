"""Exchange forums: held at a live session; schools submit presentations linked to their cycles and
lesson plans; members give typed feedback; a panel scores on the organiser's rubric; the organiser
honours selected work; people download certificates of participation and recognition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from plc import audit, authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import bangkok_today, format_date
from plc.models import Cycle, LessonPlan, LiveSession, Membership, School, User
from plc.models._types import length_of, utcnow
from plc.models.forums import (
    Certificate,
    CertificateKind,
    FeedbackKind,
    Forum,
    ForumCriterion,
    ForumFeedback,
    ForumPanelist,
    ForumScore,
    ForumSubmission,
    SubmissionAuthor,
    certificate_subject,
)
from plc.models.live_sessions import Attendance
from plc.services.inputs import limit_message, too_long
from plc.services.live_sessions import participant_minutes

DEFAULT_CRITERIA = (("ความชัดเจนของเป้าหมายและปัญหา", 5), ("การใช้นวัตกรรมและกระบวนการ PLC", 5),
                    ("ผลที่เกิดกับผู้เรียน", 5), ("การนำไปใช้ต่อและขยายผล", 5))
DEFAULT_HONOUR = "แนวปฏิบัติที่ดี (Good practice)"
MAX_CRITERIA = 12


class ForumError(ServiceError):
    """A refused forum operation."""


@dataclass
class ForumInput:
    title: str
    submissions_close_on: date | None
    description: str | None = None
    criteria: list[tuple[str, int]] = field(default_factory=lambda: list(DEFAULT_CRITERIA))


def _validated_forum(data: ForumInput) -> dict:
    errors: dict[str, list[str]] = {}
    title = (data.title or "").strip()
    description = (data.description or "").strip() or None
    if not title:
        errors["title"] = [_("Give the forum a title.")]
    elif too_long(Forum.title, title):
        errors["title"] = [limit_message(Forum.title)]
    if too_long(Forum.description, description):
        errors["description"] = [limit_message(Forum.description)]
    if data.submissions_close_on is None:
        errors["submissions_close_on"] = [_("Give the last day schools may submit.")]
    criteria = [((name or "").strip(), score) for name, score in data.criteria if (name or "").strip()]
    if not criteria:
        errors["criteria"] = [_("Give at least one scoring criterion.")]
    elif len(criteria) > MAX_CRITERIA:
        errors["criteria"] = [_("Give at most %(n)d criteria.", n=MAX_CRITERIA)]
    elif any(too_long(ForumCriterion.name, name) for name, _score in criteria):
        errors["criteria"] = [limit_message(ForumCriterion.name)]
    elif any(not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 100
             for _name, score in criteria):
        errors["criteria"] = [_("Each criterion's highest score is a whole number from 1 to 100.")]
    if errors:
        raise ForumError(errors)
    return {"title": title, "description": description, "submissions_close_on": data.submissions_close_on,
            "criteria": criteria}


def create_forum(actor: User, session: LiveSession, data: ForumInput) -> Forum:
    """An exchange forum at ``session``, for the school or network of the session's circle."""
    values = _validated_forum(data)
    if db.session.scalar(select(Forum.id).where(Forum.live_session_id == session.id)) is not None:
        raise ForumError(message=_("This session already holds a forum."), status=409)
    circle = session.circle
    forum = Forum(live_session_id=session.id, school_id=circle.school_id, network_id=circle.network_id,
                  organiser_id=actor.id, title=values["title"], description=values["description"],
                  submissions_close_on=values["submissions_close_on"])
    forum.criteria = [ForumCriterion(position=i, name=name, max_score=score)
                      for i, (name, score) in enumerate(values["criteria"], start=1)]
    db.session.add(forum)
    db.session.flush()
    audit.record("forum.create", actor, forum, session=session.id)
    return forum


def _has_scores(forum: Forum) -> bool:
    return db.session.scalar(select(func.count()).select_from(ForumScore).join(
        ForumSubmission, ForumSubmission.id == ForumScore.submission_id).where(ForumSubmission.forum_id == forum.id)) > 0


def update_forum(actor: User, forum: Forum, data: ForumInput) -> Forum:
    values = _validated_forum(data)
    forum.title, forum.description = values["title"], values["description"]
    forum.submissions_close_on = values["submissions_close_on"]
    wanted = values["criteria"]
    current = [(c.name, c.max_score) for c in forum.criteria]
    if wanted != current:
        if _has_scores(forum):
            raise ForumError({"criteria": [_("The panel has started scoring; the rubric stays as it is.")]},
                             status=409)
        forum.criteria[:] = [ForumCriterion(position=i, name=name, max_score=score)
                             for i, (name, score) in enumerate(wanted, start=1)]
    db.session.flush()
    audit.record("forum.edit", actor, forum)
    return forum


def add_panelist(actor: User, forum: Forum, panelist: User) -> ForumPanelist:
    if any(p.user_id == panelist.id for p in forum.panelists):
        raise ForumError(message=_("%(name)s is already on the panel.", name=panelist.name_th), status=409)
    row = ForumPanelist(user_id=panelist.id)
    forum.panelists.append(row)
    db.session.flush()
    audit.record("forum.panel", actor, forum, added=panelist.id)
    return row


def remove_panelist(actor: User, forum: Forum, panelist_id: int) -> None:
    row = next((p for p in forum.panelists if p.user_id == panelist_id), None)
    if row is None:
        raise ForumError(message=_("This person is not on the panel."), status=404)
    forum.panelists.remove(row)
    db.session.flush()
    audit.record("forum.panel", actor, forum, removed=panelist_id)


def panel_candidates(forum: Forum) -> Select:
    """People who may sit on the panel: staff of the forum's schools and of its network, and the
    area's supervisors are reached the same way (their memberships)."""
    schools = authz.forum_school_ids(forum)
    where = Membership.school_id.in_(schools) if schools else False
    if forum.network_id is not None:
        where = where | (Membership.network_id == forum.network_id)
    people = select(Membership.user_id).where(where, Membership.current_clause())
    return select(User).where(User.id.in_(people), User.disabled_at.is_(None)).order_by(User.name_th)


# ---------------------------------------------------------------------------- submissions


@dataclass
class SubmissionInput:
    school_id: int | None
    title: str
    summary: str | None = None
    cycle_id: int | None = None
    lesson_plan_id: int | None = None
    author_ids: tuple[int, ...] = ()
    showcase_consent: bool = False


def _submission_values(actor: User, forum: Forum, data: SubmissionInput) -> dict:
    errors: dict[str, list[str]] = {}
    title = (data.title or "").strip()
    summary = (data.summary or "").strip() or None
    if not title:
        errors["title"] = [_("Give the presentation a title.")]
    elif too_long(ForumSubmission.title, title):
        errors["title"] = [limit_message(ForumSubmission.title)]
    if too_long(ForumSubmission.summary, summary):
        errors["summary"] = [limit_message(ForumSubmission.summary)]
    if data.school_id not in authz.submitting_school_ids(actor, forum):
        errors["school_id"] = [_("Choose one of your schools taking part in this forum.")]
    cycle = db.session.get(Cycle, data.cycle_id) if data.cycle_id else None
    plan = db.session.get(LessonPlan, data.lesson_plan_id) if data.lesson_plan_id else None
    if data.cycle_id and (cycle is None or not authz.can_view_cycle(actor, cycle)):
        errors["cycle_id"] = [_("Choose a PLC cycle you take part in or can read.")]
    if data.lesson_plan_id and (plan is None or not authz.can_view_plan(actor, plan)):
        errors["lesson_plan_id"] = [_("Choose a lesson plan you can read.")]
    authors = [actor]
    for author_id in dict.fromkeys(data.author_ids):
        if author_id == actor.id:
            continue
        author = db.session.get(User, author_id)
        if author is None or not (authz.member_school_ids(author) & {data.school_id}):
            errors["author_ids"] = [_("Co-authors must be staff of the presenting school.")]
            break
        authors.append(author)
    if errors:
        raise ForumError(errors)
    return {"title": title, "summary": summary, "cycle": cycle, "plan": plan, "authors": authors}


def _require_submissions_open(forum: Forum) -> None:
    if bangkok_today() > forum.submissions_close_on:
        raise ForumError(message=_("Submissions closed on %(day)s.", day=format_date(forum.submissions_close_on, "long")),
                         status=409)


def submit(actor: User, forum: Forum, data: SubmissionInput) -> ForumSubmission:
    _require_submissions_open(forum)
    values = _submission_values(actor, forum, data)
    submission = ForumSubmission(school_id=data.school_id, title=values["title"], summary=values["summary"],
                                 cycle=values["cycle"], lesson_plan=values["plan"], submitted_by_id=actor.id)
    submission.authors = [SubmissionAuthor(user_id=author.id,
                                           showcase_consent=bool(data.showcase_consent) and author.id == actor.id)
                          for author in values["authors"]]
    forum.submissions.append(submission)
    db.session.flush()
    audit.record("forum.submit", actor, submission, forum=forum.id)
    return submission


def set_consent(actor: User, submission: ForumSubmission, consent: bool) -> None:
    """Each author decides for themself whether the work may be shown publicly if honoured."""
    author = next(a for a in submission.authors if a.user_id == actor.id)
    author.showcase_consent = bool(consent)
    db.session.flush()
    audit.record("forum_submission.consent", actor, submission, consent=bool(consent))


def give_feedback(actor: User, submission: ForumSubmission, kind: str, body: str) -> ForumFeedback:
    errors: dict[str, list[str]] = {}
    try:
        kind = FeedbackKind(kind)
    except ValueError:
        errors["kind"] = [_("Choose strength, question or suggestion.")]
    body = (body or "").strip()
    if not body:
        errors["body"] = [_("Write your feedback.")]
    elif too_long(ForumFeedback.body, body):
        errors["body"] = [limit_message(ForumFeedback.body)]
    if errors:
        raise ForumError(errors)
    feedback = ForumFeedback(author_id=actor.id, kind=kind.value, body=body)
    submission.feedback.append(feedback)
    db.session.flush()
    audit.record("forum_submission.feedback", actor, submission, feedback=feedback.id)
    return feedback


def score(actor: User, submission: ForumSubmission, scores: dict[int, object]) -> None:
    """The panelist's scores on every criterion, replacing their earlier ones."""
    criteria = submission.forum.criteria
    errors: dict[str, list[str]] = {}
    clean: dict[int, int] = {}
    if set(scores) - {c.id for c in criteria}:
        errors["scores"] = [_("Score only the criteria of this forum's rubric.")]
    for criterion in criteria:
        raw = scores.get(criterion.id)
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else (
            int(raw) if isinstance(raw, str) and raw.strip().isdigit() else None)
        if value is None or not 0 <= value <= criterion.max_score:
            errors[f"criterion-{criterion.id}"] = [_("Give a whole number from 0 to %(max)d.", max=criterion.max_score)]
        else:
            clean[criterion.id] = value
    if errors:
        raise ForumError(errors)
    db.session.execute(ForumScore.__table__.delete().where(ForumScore.submission_id == submission.id,
                                                           ForumScore.panelist_id == actor.id))
    db.session.add_all([ForumScore(submission_id=submission.id, panelist_id=actor.id, criterion_id=criterion_id,
                                   score=value) for criterion_id, value in clean.items()])
    db.session.flush()
    audit.record("forum_submission.score", actor, submission)


def my_scores(user: User, submission: ForumSubmission) -> dict[int, int]:
    return dict(db.session.execute(select(ForumScore.criterion_id, ForumScore.score).where(
        ForumScore.submission_id == submission.id, ForumScore.panelist_id == user.id)).all())


@dataclass
class SubmissionResult:
    submission: ForumSubmission
    panelists: int  # how many panelists scored it
    mean_total: float | None  # the mean over panelists of their total
    out_of: int
    per_criterion: dict[int, float]


def results(forum: Forum) -> list[SubmissionResult]:
    """Each submission's scores, best first: the mean over the panelists of their total."""
    out_of = sum(c.max_score for c in forum.criteria)
    rows = db.session.execute(select(ForumScore.submission_id, ForumScore.panelist_id, ForumScore.criterion_id,
                                     ForumScore.score).join(ForumSubmission, ForumSubmission.id == ForumScore.submission_id)
                              .where(ForumSubmission.forum_id == forum.id)).all()
    found = []
    for submission in forum.submissions:
        mine = [row for row in rows if row.submission_id == submission.id]
        panelists = {row.panelist_id for row in mine}
        totals = [sum(row.score for row in mine if row.panelist_id == p) for p in panelists]
        per = {c.id: sum(row.score for row in mine if row.criterion_id == c.id) / len(panelists)
               for c in forum.criteria} if panelists else {}
        found.append(SubmissionResult(submission, len(panelists), sum(totals) / len(totals) if totals else None,
                                      out_of, per))
    return sorted(found, key=lambda r: (r.mean_total is None, -(r.mean_total or 0), r.submission.id))


def honour(actor: User, submission: ForumSubmission, title: str | None) -> ForumSubmission:
    text = (title or "").strip() or DEFAULT_HONOUR
    if too_long(ForumSubmission.honour, text):
        raise ForumError({"honour": [limit_message(ForumSubmission.honour)]})
    submission.honour = text
    submission.honoured_at = submission.honoured_at or utcnow()
    db.session.flush()
    audit.record("forum_submission.honour", actor, submission, honour=text)
    return submission


def withdraw_honour(actor: User, submission: ForumSubmission) -> None:
    if db.session.scalar(select(Certificate.id).where(Certificate.submission_id == submission.id,
                                                      Certificate.kind == CertificateKind.RECOGNITION)) is not None:
        raise ForumError(message=_("Certificates of recognition have been issued for this work; the honour stays."),
                         status=409)
    submission.honour = None
    submission.honoured_at = None
    db.session.flush()
    audit.record("forum_submission.honour", actor, submission, withdrawn=True)


# ---------------------------------------------------------------------------- certificates and badges


def attended_minutes(user: User, forum: Forum) -> int:
    """Minutes at the forum's session from the attendance ledger (online intervals or the host's
    onsite record)."""
    session = forum.live_session
    intervals = db.session.execute(select(Attendance.joined_at, Attendance.left_at, Attendance.onsite_minutes).where(
        Attendance.session_id == session.id, Attendance.user_id == user.id)).all()
    if not intervals:
        return 0
    return participant_minutes([tuple(row) for row in intervals], session.ended_at or utcnow())


@dataclass
class Entitlement:
    kind: CertificateKind
    submission: ForumSubmission | None = None

    @property
    def honour(self) -> str | None:
        return self.submission.honour if self.submission else None


def entitlements(user: User, forum: Forum) -> list[Entitlement]:
    """The certificates ``user`` may download: participation for attending the session or
    presenting; recognition for each honoured work they are an author of."""
    authored = [s for s in forum.submissions if any(a.user_id == user.id for a in s.authors)]
    found = []
    if authored or attended_minutes(user, forum) > 0:
        found.append(Entitlement(CertificateKind.PARTICIPATION))
    found += [Entitlement(CertificateKind.RECOGNITION, s) for s in authored if s.honoured_at is not None]
    return found


def issue_certificate(actor: User, forum: Forum, kind: str, submission_id: int | None = None) -> Certificate:
    """The certificate (issued once per subject, then the same code every time): participation, or
    recognition for one honoured work (``submission_id``)."""
    wanted = next((e for e in entitlements(actor, forum) if e.kind == kind and (
        kind == CertificateKind.PARTICIPATION or (e.submission and e.submission.id == submission_id))), None)
    if wanted is None:
        raise ForumError(message=_("There is no such certificate for you at this forum: it is given for attending "
                                   "the session, presenting, or honoured work."), status=404)
    subject = certificate_subject(kind, wanted.submission.id if wanted.submission else None)
    issued = select(Certificate).where(Certificate.forum_id == forum.id, Certificate.user_id == actor.id,
                                       Certificate.subject == subject)
    existing = db.session.scalar(issued)
    if existing is not None:
        return existing
    certificate = Certificate(forum_id=forum.id, user_id=actor.id, kind=str(kind), subject=subject,
                              submission_id=wanted.submission.id if wanted.submission else None)
    db.session.add(certificate)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # issued by a second request at the same moment
        return db.session.scalar(issued)
    audit.record("certificate.issue", actor, certificate, forum=forum.id, kind=str(kind))
    return certificate


def verify_certificate(code: str | None) -> Certificate | None:
    """The certificate with this verification code (as printed: letters and digits, any case)."""
    cleaned = "".join(ch for ch in (code or "") if ch.isalnum()).upper()
    if not cleaned or len(cleaned) > length_of(Certificate.code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == cleaned))


def honours_for(*, cycle: Cycle | None = None, plan: LessonPlan | None = None,
                school: School | None = None) -> list[ForumSubmission]:
    """Honoured work linked to a cycle, a lesson plan or a school: the good-practice badge."""
    query = select(ForumSubmission).where(ForumSubmission.honoured_at.is_not(None))
    if cycle is not None:
        query = query.where(ForumSubmission.cycle_id == cycle.id)
    if plan is not None:
        query = query.where(ForumSubmission.lesson_plan_id == plan.id)
    if school is not None:
        query = query.where(ForumSubmission.school_id == school.id)
    return list(db.session.scalars(query.options(joinedload(ForumSubmission.forum))
                                   .order_by(ForumSubmission.honoured_at.desc())))


def list_options() -> tuple:
    """Loader options for lists of forums that show their session and school or network."""
    return (selectinload(Forum.live_session), selectinload(Forum.school), selectinload(Forum.network))


def page_options() -> tuple:
    """Loader options for the forum page: its session, rubric, panel and submissions with their schools
    and feedback, in a fixed number of statements."""
    return (selectinload(Forum.live_session).selectinload(LiveSession.circle), selectinload(Forum.school),
            selectinload(Forum.network), selectinload(Forum.criteria),
            selectinload(Forum.panelists).selectinload(ForumPanelist.user),
            selectinload(Forum.submissions).selectinload(ForumSubmission.school),
            selectinload(Forum.submissions).selectinload(ForumSubmission.feedback),
            selectinload(Forum.submissions).selectinload(ForumSubmission.authors))


def submission_page_options() -> tuple:
    """Loader options for a submission's page: its forum and rubric, school, cycle, plan, authors and
    feedback with who gave it."""
    return (selectinload(ForumSubmission.forum).selectinload(Forum.criteria),
            selectinload(ForumSubmission.forum).selectinload(Forum.panelists),
            selectinload(ForumSubmission.school), selectinload(ForumSubmission.cycle),
            selectinload(ForumSubmission.lesson_plan),
            selectinload(ForumSubmission.authors).selectinload(SubmissionAuthor.user),
            selectinload(ForumSubmission.feedback).selectinload(ForumFeedback.author))


def submission_list_options() -> tuple:
    """Loader options for lists of submissions that show their school, forum (and its day) and authors."""
    return (selectinload(ForumSubmission.school), selectinload(ForumSubmission.forum).selectinload(Forum.live_session),
            selectinload(ForumSubmission.authors).selectinload(SubmissionAuthor.user))


def showcase_query() -> Select:
    """Honoured work every author of which consented to a public showcase."""
    refused = select(SubmissionAuthor.id).where(SubmissionAuthor.submission_id == ForumSubmission.id,
                                                SubmissionAuthor.showcase_consent.is_(False)).exists()
    return (select(ForumSubmission).where(ForumSubmission.honoured_at.is_not(None), ~refused,
                                          ForumSubmission.authors.any())
            .order_by(ForumSubmission.honoured_at.desc(), ForumSubmission.id.desc()))


def forums_query(user: User) -> Select:
    return (select(Forum).join(LiveSession, LiveSession.id == Forum.live_session_id)
            .where(authz.visible_forums_clause(user)).order_by(LiveSession.starts_at.desc(), Forum.id.desc()))
