"""The evidence pack for the performance agreement (วPA, issue 12): what one teacher did on the platform
in one semester (``2/2569``) or fiscal year (``ปีงบประมาณ 2569``, ``fy2569``), as plain rows, and the
pack itself: one PDF (plc/evidence_pdf.py) and a ZIP of the artefacts.

Everything is read for ``user`` only, by the user's own id: PLC hours from the ledger, the cycles they
took part in (a member or facilitator of the circle, or the author of work in it), the lesson plans they
wrote, their own reflections that they shared (never a draft, a private one, or anyone else's), the
coaching visits they received, the forums they presented at or attended, and their certificates.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from plc import audit
from plc.certificates import certificate_pdf
from plc.errors import ServiceError
from plc.evidence_pdf import evidence_pdf
from plc.exports import hours
from plc.extensions import db
from plc.i18n import BE_OFFSET, academic_term, bangkok_today, fiscal_year_be, format_date, to_local
from plc.labels import MEETING_MODE_LABELS
from plc.models import Circle, CircleMember, CoachingVisit, Cycle, LessonPlan, School, User
from plc.models.coaching import VisitStatus
from plc.models.forums import Forum, ForumSubmission, SubmissionAuthor
from plc.models.lesson_plans import LessonPlanRevision
from plc.models.live_sessions import LiveSession
from plc.models.reflections import REFLECTION_FIELDS, Reflection, ReflectionStatus
from plc.services import forums, live_sessions, outcomes
from plc.services.dashboards import Period
from plc.services.outcomes import OutcomeError

SHARED_VISIBILITIES = ("pair", "circle")
MAX_PERIOD_TEXT = 40

# The structured parts of a reflection, as the reflection form names them.
REFLECTION_PART_LABELS = {
    "results": _l("Results"),
    "picture_of_success": _l("Picture of success"),
    "problems": _l("Problems and obstacles"),
    "conditions": _l("Conditions for success"),
    "next_steps": _l("Next steps"),
    "innovation_tried": _l("Innovation tried (action research)"),
    "lessons_learned": _l("Lessons learned (action research)"),
}


class EvidenceError(ServiceError):
    """A period that is neither a semester nor a fiscal year."""


# ---------------------------------------------------------------------------- the period

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_FISCAL = re.compile(r"^(?:fy|ปีงบประมาณ|ปีงบ|งบ)\s*(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class EvidencePeriod:
    """A semester (``2/2569``) or a fiscal year (``fy2569``: 1 October 2568 to 30 September 2569 B.E.)."""

    kind: str  # "semester" | "fiscal_year"
    key: str  # what ?period= says: "2/2569" or "fy2569"
    year_be: int
    starts_on: date
    ends_on: date

    @classmethod
    def semester(cls, text: str) -> EvidencePeriod:
        span = Period.parse(text)  # the dashboards' semesters, so both say the same of a date
        if span.is_year:
            raise ValueError(text)
        return cls("semester", span.label, span.year_be, span.starts_on, span.ends_on)

    @classmethod
    def fiscal_year(cls, year_be: int) -> EvidencePeriod:
        if not 2400 <= year_be <= 2800:
            raise ValueError(year_be)
        year = year_be - BE_OFFSET
        return cls("fiscal_year", f"fy{year_be}", year_be, date(year - 1, 10, 1), date(year, 9, 30))

    @property
    def is_fiscal_year(self) -> bool:
        return self.kind == "fiscal_year"

    @property
    def utc_window(self) -> tuple[datetime, datetime]:
        return Period(self.key, self.starts_on, self.ends_on, self.year_be).utc_window

    def contains(self, day: date | None) -> bool:
        return day is not None and self.starts_on <= day <= self.ends_on

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.contains(to_local(moment).date())

    @property
    def label(self) -> str:
        """In the current locale: ``ภาคเรียนที่ 2/2569``, ``ปีงบประมาณ 2569``."""
        if self.is_fiscal_year:
            return _("Fiscal year %(year)s", year=self.year_be)
        return _("Semester %(term)s", term=self.key)

    @property
    def dates(self) -> str:
        """``1 ต.ค. 2568 – 30 ก.ย. 2569`` in the current locale (Buddhist Era in Thai)."""
        return f"{format_date(self.starts_on)} – {format_date(self.ends_on)}"


def period_error_message(text: str) -> str:
    return _("“%(period)s” is not a semester or a fiscal year. Write a semester as 1/2569 or 2/2569, "
             "or a fiscal year as ปีงบประมาณ 2569 or fy2569.", period=text)


def parse_period(text: str | None, today: date | None = None) -> EvidencePeriod:
    """The period ``text`` names (Thai digits too); the current semester when it is empty.
    Raises ``EvidenceError`` (422) for anything else."""
    raw = (text or "").strip()[:MAX_PERIOD_TEXT]
    cleaned = re.sub(r"\s+", " ", raw.translate(_THAI_DIGITS))
    if not cleaned:
        return current_period(today)
    try:
        fiscal = _FISCAL.match(cleaned)
        if fiscal:
            return EvidencePeriod.fiscal_year(int(fiscal.group(1)))
        if "/" in cleaned:
            return EvidencePeriod.semester(cleaned.replace(" ", ""))
    except ValueError:
        pass
    message = period_error_message(raw)
    raise EvidenceError({"period": [message]}, message=message)


def current_period(today: date | None = None) -> EvidencePeriod:
    return EvidencePeriod.semester(str(academic_term(today or bangkok_today())))


def periods_of(day: date) -> tuple[EvidencePeriod, EvidencePeriod]:
    return EvidencePeriod.semester(str(academic_term(day))), EvidencePeriod.fiscal_year(fiscal_year_be(day))


# ---------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class HoursRow:
    date: date
    session_title: str
    circle_name: str
    mode: str  # onsite | online
    minutes: int


@dataclass(frozen=True)
class CircleHours:
    circle_name: str
    sessions: int
    minutes: int


@dataclass(frozen=True)
class OutcomeRow:
    measure: str
    group: str
    pre_n: int
    pre_mean: float
    post_n: int
    post_mean: float
    effect_size: float | None  # Hedges' g
    band: str | None  # outcomes.band_of


@dataclass(frozen=True)
class CycleRow:
    id: int
    title: str
    circle_name: str
    roles: tuple[str, ...]  # facilitator | member | creator | author
    status: str  # active | closed
    phase_th: str | None
    phase_en: str | None
    started_on: date
    closed_on: date | None
    outcomes: tuple[OutcomeRow, ...] = ()

    def phase(self, locale: str = "th") -> str | None:
        return self.phase_en if locale == "en" and self.phase_en else self.phase_th


@dataclass(frozen=True)
class PlanRow:
    id: int
    title: str
    learning_area: str | None
    grade: str | None
    cycle_title: str | None
    revisions: int  # all of them
    revisions_in_period: int
    revised_on: date | None  # the last revision up to the period's end
    body_md: str  # the plan as it stood at the period's end


@dataclass(frozen=True)
class ReflectionRow:
    id: int
    title: str
    cycle_title: str
    visibility: str  # pair | circle
    written_on: date
    parts: tuple[tuple[str, str], ...]  # (field, text) of the parts written
    body_md: str


@dataclass(frozen=True)
class VisitRow:
    held_on: date
    coach_name: str
    focus: str
    cycle_title: str | None
    follow_up: str | None


@dataclass(frozen=True)
class CertificateRow:
    forum_id: int
    forum_title: str
    kind: str  # participation | recognition
    submission_id: int | None
    honour: str | None
    code: str | None = None  # known once issued (the pack issues them)


@dataclass(frozen=True)
class ForumRow:
    id: int
    title: str
    held_on: date
    organiser_th: str
    organiser_en: str | None
    presented: tuple[str, ...]  # titles of the work the user is an author of
    minutes: int  # at the forum's session, from the ledger

    def organiser(self, locale: str = "th") -> str:
        return self.organiser_en if locale == "en" and self.organiser_en else self.organiser_th


@dataclass
class Evidence:
    """One teacher's evidence for one period, as plain rows (nothing here touches the database)."""

    user_id: int
    name_th: str
    name_en: str | None
    position: str | None
    schools: tuple[tuple[str, str | None], ...]  # (name_th, name_en)
    period: EvidencePeriod
    hours: list[HoursRow] = field(default_factory=list)
    circles: list[CircleHours] = field(default_factory=list)
    cycles: list[CycleRow] = field(default_factory=list)
    plans: list[PlanRow] = field(default_factory=list)
    reflections: list[ReflectionRow] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    forums: list[ForumRow] = field(default_factory=list)
    certificates: list[CertificateRow] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(row.minutes for row in self.hours)

    def name(self, locale: str = "th") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_th

    def school_names(self, locale: str = "th") -> list[str]:
        return [en if locale == "en" and en else th for th, en in self.schools]

    @property
    def is_empty(self) -> bool:
        return not (self.hours or self.cycles or self.plans or self.reflections or self.visits or self.forums)


# ---------------------------------------------------------------------------- reading them


def _period(period: EvidencePeriod | str | None) -> EvidencePeriod:
    return period if isinstance(period, EvidencePeriod) else parse_period(period)


def _in_period(period: EvidencePeriod, row: live_sessions.LedgerRow) -> bool:
    if period.is_fiscal_year:
        return row.fiscal_year == period.year_be
    return row.term == period.key


def _schools(user: User, period: EvidencePeriod) -> tuple[tuple[str, str | None], ...]:
    """The schools where the user held a role during the period (or holds one now)."""
    overlapping = [m for m in user.memberships if m.school_id is not None and m.starts_on <= period.ends_on
                   and (m.ends_on is None or m.ends_on > period.starts_on)]
    ids = list(dict.fromkeys(m.school_id for m in overlapping or user.current_memberships() if m.school_id))
    if not ids:
        return ()
    schools = {s.id: s for s in db.session.scalars(select(School).where(School.id.in_(ids)))}
    return tuple((schools[i].name_th, schools[i].name_en) for i in ids if i in schools)


def _hours(ledger: list[live_sessions.LedgerRow], period: EvidencePeriod) -> tuple[list[HoursRow], list[CircleHours]]:
    rows = [r for r in ledger if _in_period(period, r)]
    by_circle: dict[int, list[live_sessions.LedgerRow]] = defaultdict(list)
    for row in rows:
        by_circle[row.session.circle_id].append(row)
    circles = [CircleHours(circle_name=group[0].session.circle.name, sessions=len(group),
                           minutes=sum(r.minutes for r in group)) for group in by_circle.values()]
    circles.sort(key=lambda c: (-c.minutes, c.circle_name))
    return ([HoursRow(date=r.date, session_title=r.session.title, circle_name=r.session.circle.name, mode=r.mode,
                      minutes=r.minutes) for r in rows], circles)


def _outcome_rows(cycle: Cycle) -> tuple[OutcomeRow, ...]:
    found = []
    for measure in cycle.outcomes:
        try:
            effect = outcomes.effect_of(measure)
        except OutcomeError:  # recorded before the rules were checked: shown without an effect size
            effect = None
        found.append(OutcomeRow(measure=measure.measure, group=measure.group, pre_n=measure.pre_n,
                                pre_mean=measure.pre_mean, post_n=measure.post_n, post_mean=measure.post_mean,
                                effect_size=effect.reported if effect else None, band=effect.band if effect else None))
    return tuple(found)


def _cycles(user: User, period: EvidencePeriod) -> list[CycleRow]:
    start, end = period.utc_window
    circle_roles: dict[int, set[str]] = defaultdict(set)
    for membership in db.session.scalars(select(CircleMember).where(
            CircleMember.user_id == user.id, CircleMember.joined_on <= period.ends_on,
            or_(CircleMember.left_on.is_(None), CircleMember.left_on > period.starts_on))):
        circle_roles[membership.circle_id].add("facilitator" if membership.is_facilitator else "member")
    planned = select(LessonPlan.cycle_id).where(LessonPlan.author_id == user.id, LessonPlan.deleted_at.is_(None),
                                                LessonPlan.cycle_id.is_not(None))
    reflected = select(Reflection.cycle_id).where(Reflection.author_id == user.id)
    authored = set(db.session.scalars(planned)) | set(db.session.scalars(reflected))
    took_part = [Cycle.created_by_id == user.id]
    if circle_roles:
        took_part.append(Cycle.circle_id.in_(circle_roles))
    if authored:
        took_part.append(Cycle.id.in_(authored))
    query = (select(Cycle).where(or_(*took_part), Cycle.created_at < end,
                                 or_(Cycle.closed_at.is_(None), Cycle.closed_at >= start))
             .options(selectinload(Cycle.circle), selectinload(Cycle.phases), selectinload(Cycle.outcomes))
             .order_by(Cycle.created_at, Cycle.id))
    rows = []
    for cycle in db.session.scalars(query):
        roles = sorted(circle_roles.get(cycle.circle_id, set()), key=("facilitator", "member").index)
        if cycle.created_by_id == user.id:
            roles.append("creator")
        if cycle.id in authored:
            roles.append("author")
        phase = cycle.current_phase
        rows.append(CycleRow(id=cycle.id, title=cycle.title, circle_name=cycle.circle.name, roles=tuple(roles),
                             status=cycle.status, phase_th=phase.name_th if phase else None,
                             phase_en=phase.name_en if phase else None,
                             started_on=to_local(cycle.created_at).date(),
                             closed_on=to_local(cycle.closed_at).date() if cycle.closed_at else None,
                             outcomes=_outcome_rows(cycle)))
    return rows


def _plans(user: User, period: EvidencePeriod) -> list[PlanRow]:
    start, end = period.utc_window
    plans = list(db.session.scalars(select(LessonPlan).where(
        LessonPlan.author_id == user.id, LessonPlan.deleted_at.is_(None), LessonPlan.created_at < end)
        .options(selectinload(LessonPlan.cycle)).order_by(LessonPlan.created_at, LessonPlan.id)))
    if not plans:
        return []
    revisions: dict[int, list[LessonPlanRevision]] = defaultdict(list)
    for revision in db.session.scalars(select(LessonPlanRevision).where(
            LessonPlanRevision.plan_id.in_([p.id for p in plans]), LessonPlanRevision.created_at < end)
            .order_by(LessonPlanRevision.number)):
        revisions[revision.plan_id].append(revision)
    rows = []
    for plan in plans:
        up_to_end = revisions.get(plan.id, [])
        in_period = [r for r in up_to_end if r.created_at >= start]
        if not in_period and not period.holds(plan.created_at):
            continue  # nothing was done to it in this period
        last = up_to_end[-1] if up_to_end else None
        rows.append(PlanRow(id=plan.id, title=last.title if last else plan.title, learning_area=plan.learning_area,
                            grade=plan.grade, cycle_title=plan.cycle.title if plan.cycle else None,
                            revisions=plan.revision_count, revisions_in_period=len(in_period),
                            revised_on=to_local(last.created_at).date() if last else None,
                            body_md=last.body_md if last else plan.body_md))
    return rows


def _reflections(user: User, period: EvidencePeriod) -> list[ReflectionRow]:
    """The user's own reflections that are shared with their pair or circle: never a draft, never a
    private one, never anyone else's."""
    start, end = period.utc_window
    query = (select(Reflection).where(Reflection.author_id == user.id, Reflection.status == ReflectionStatus.SHARED,
                                      Reflection.visibility.in_(SHARED_VISIBILITIES),
                                      Reflection.created_at >= start, Reflection.created_at < end)
             .options(selectinload(Reflection.cycle)).order_by(Reflection.created_at, Reflection.id))
    return [ReflectionRow(id=r.id, title=r.title, cycle_title=r.cycle.title, visibility=r.visibility,
                          written_on=to_local(r.created_at).date(),
                          parts=tuple((name, getattr(r, name).strip()) for name in REFLECTION_FIELDS
                                      if (getattr(r, name) or "").strip()),
                          body_md=r.body_md or "") for r in db.session.scalars(query)]


def _visits(user: User, period: EvidencePeriod) -> list[VisitRow]:
    query = (select(CoachingVisit).where(CoachingVisit.teacher_id == user.id, CoachingVisit.status == VisitStatus.HELD,
                                         CoachingVisit.held_on >= period.starts_on,
                                         CoachingVisit.held_on <= period.ends_on)
             .options(selectinload(CoachingVisit.coach), selectinload(CoachingVisit.cycle))
             .order_by(CoachingVisit.held_on, CoachingVisit.id))
    return [VisitRow(held_on=v.held_on, coach_name=v.coach.name_th, focus=v.focus,
                     cycle_title=v.cycle.title if v.cycle else None, follow_up=v.follow_up)
            for v in db.session.scalars(query)]


def _forums(user: User, period: EvidencePeriod,
            ledger: list[live_sessions.LedgerRow]) -> tuple[list[ForumRow], list[CertificateRow]]:
    """Forums held in the period at which the user presented work or attended the session, and the
    certificates they are entitled to there."""
    start, end = period.utc_window
    attended = {row.session.id: row.minutes for row in ledger}
    presented = select(ForumSubmission.forum_id).join(SubmissionAuthor).where(SubmissionAuthor.user_id == user.id)
    took_part = [Forum.id.in_(presented)]
    if attended:
        took_part.append(Forum.live_session_id.in_(attended))
    query = (select(Forum).join(Forum.live_session)
             .where(or_(*took_part), LiveSession.starts_at >= start, LiveSession.starts_at < end)
             .options(selectinload(Forum.live_session), selectinload(Forum.school), selectinload(Forum.network),
                      selectinload(Forum.submissions).selectinload(ForumSubmission.authors))
             .order_by(LiveSession.starts_at, Forum.id))
    rows, certificates = [], []
    for forum in db.session.scalars(query):
        scope = forum.school if forum.school_id is not None else forum.network
        works = tuple(s.title for s in forum.submissions if any(a.user_id == user.id for a in s.authors))
        rows.append(ForumRow(id=forum.id, title=forum.title, held_on=forum.held_on, organiser_th=scope.name_th,
                             organiser_en=scope.name_en, presented=works,
                             minutes=attended.get(forum.live_session_id, 0)))
        certificates += [CertificateRow(forum_id=forum.id, forum_title=forum.title, kind=str(e.kind),
                                        submission_id=e.submission.id if e.submission else None, honour=e.honour)
                         for e in forums.entitlements(user, forum)]
    return rows, certificates


def evidence_for(user: User, period: EvidencePeriod | str | None) -> Evidence:
    """The user's evidence for the period (a parsed period, or its text: ``2/2569``, ``fy2569``)."""
    period = _period(period)
    ledger = live_sessions.ledger(user)
    hours_rows, circles = _hours(ledger, period)
    forum_rows, certificates = _forums(user, period, ledger)
    return Evidence(user_id=user.id, name_th=f"{user.title_th or ''}{user.name_th}",
                    name_en=user.name_en, position=user.position_th, schools=_schools(user, period),
                    period=period, hours=hours_rows, circles=circles, cycles=_cycles(user, period),
                    plans=_plans(user, period), reflections=_reflections(user, period),
                    visits=_visits(user, period), forums=forum_rows, certificates=certificates)


def available_periods(user: User, today: date | None = None) -> list[EvidencePeriod]:
    """The semesters and fiscal years in which the user has something to show, newest first, and
    always the current semester (the default)."""
    days: set[date] = {row.date for row in live_sessions.ledger(user)}
    moments = [
        select(LessonPlanRevision.created_at).join(LessonPlan, LessonPlan.id == LessonPlanRevision.plan_id)
        .where(LessonPlan.author_id == user.id, LessonPlan.deleted_at.is_(None)),
        select(Reflection.created_at).where(Reflection.author_id == user.id,
                                            Reflection.status == ReflectionStatus.SHARED,
                                            Reflection.visibility.in_(SHARED_VISIBILITIES)),
        select(Cycle.created_at).join(Circle).join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(CircleMember.user_id == user.id),
        select(LiveSession.starts_at).join(Forum, Forum.live_session_id == LiveSession.id)
        .join(ForumSubmission, ForumSubmission.forum_id == Forum.id).join(SubmissionAuthor)
        .where(SubmissionAuthor.user_id == user.id),
    ]
    for statement in moments:
        days |= {to_local(moment).date() for moment in db.session.scalars(statement) if moment is not None}
    days |= set(db.session.scalars(select(CoachingVisit.held_on).where(
        CoachingVisit.teacher_id == user.id, CoachingVisit.status == VisitStatus.HELD)))
    found = {current_period(today)}
    for day in days:
        if day is not None:
            found.update(periods_of(day))
    return sorted(found, key=lambda p: (p.ends_on, p.kind == "semester"), reverse=True)


# ---------------------------------------------------------------------------- the pack


@dataclass
class Pack:
    evidence: Evidence
    data: bytes  # the ZIP
    filename: str
    files: list[str]


def _slug(text: str, limit: int = 60) -> str:
    """Thai and Latin letters and digits, the rest as hyphens (Thai file names are fine in a ZIP)."""
    slug = re.sub(r"[^0-9A-Za-z\u0e01-\u0e4e]+", "-", text).strip("-").lower()
    return slug[:limit].strip("-") or "plan"


def _csv(evidence: Evidence, locale: str) -> bytes:
    """The period's PLC hours as the ledger's CSV has them (UTF-8 with a BOM, for Excel)."""
    name = evidence.name(locale)
    rows: list[list] = [[_("Teacher"), _("Date"), _("Session"), _("Circle"), _("Mode"), _("Period"), _("Minutes"),
                         _("Hours")]]
    rows += [[name, format_date(r.date, "long", locale=locale), r.session_title, r.circle_name,
              str(MEETING_MODE_LABELS.get(r.mode, r.mode)), evidence.period.label, r.minutes, hours(r.minutes)]
             for r in evidence.hours]
    rows.append([])
    rows += [[name, "", _("Total"), c.circle_name, "", evidence.period.label, c.minutes, hours(c.minutes)]
             for c in evidence.circles]
    rows.append([name, "", _("Total"), "", "", evidence.period.label, evidence.total_minutes,
                 hours(evidence.total_minutes)])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _plan_markdown(plan: PlanRow, locale: str) -> str:
    facts = [_("Revisions: %(count)s (%(in_period)s in this period)", count=plan.revisions,
               in_period=plan.revisions_in_period)]
    if plan.revised_on:
        facts.append(_("Last revised on %(date)s", date=format_date(plan.revised_on, "long", locale=locale)))
    if plan.cycle_title:
        facts.append(_("PLC cycle: %(title)s", title=plan.cycle_title))
    return f"# {plan.title}\n\n" + "".join(f"- {fact}\n" for fact in facts) + f"\n{plan.body_md.strip()}\n"


def _reflection_markdown(reflection: ReflectionRow, locale: str) -> str:
    shared_with = _("my coach–teacher partner") if reflection.visibility == "pair" else _("the circle")
    facts = [_("PLC cycle: %(title)s", title=reflection.cycle_title),
             _("Written on %(date)s", date=format_date(reflection.written_on, "long", locale=locale)),
             _("Shared with %(whom)s", whom=shared_with)]
    text = f"# {reflection.title}\n\n" + "".join(f"- {fact}\n" for fact in facts)
    for name, part in reflection.parts:
        text += f"\n## {REFLECTION_PART_LABELS[name]}\n\n{part}\n"
    if reflection.body_md.strip():
        notes = _("Notes")
        text += f"\n## {notes}\n\n{reflection.body_md.strip()}\n"
    return text


def _issue_certificates(user: User, evidence: Evidence, locale: str) -> tuple[list[CertificateRow], dict[str, bytes]]:
    """Issues (once; the same code after) and renders every certificate the user is entitled to."""
    wanted = {row.forum_id for row in evidence.certificates}
    if not wanted:
        return [], {}
    by_id = {f.id: f for f in db.session.scalars(select(Forum).where(Forum.id.in_(wanted)).options(
        selectinload(Forum.live_session), selectinload(Forum.school), selectinload(Forum.network)))}
    recognitions = defaultdict(int)
    for row in evidence.certificates:
        recognitions[(row.forum_id, row.kind)] += 1
    issued, files = [], {}
    for row in evidence.certificates:
        forum = by_id[row.forum_id]
        certificate = forums.issue_certificate(user, forum, row.kind, row.submission_id)
        scope = forum.school if forum.school_id is not None else forum.network
        issued.append(replace(row, code=certificate.code))
        name = f"certificates/{row.kind}-{forum.id}"
        if recognitions[(row.forum_id, row.kind)] > 1:
            name += f"-{row.submission_id}"
        files[f"{name}.pdf"] = certificate_pdf(
            recipient=user.display_name(locale), kind=row.kind, forum_title=forum.title, held_on=forum.held_on,
            organiser=scope.display_name(locale), code=certificate.code, honour=row.honour, locale=locale)
    return issued, files


def pack(user: User, period: EvidencePeriod | str | None, *, locale: str, via: str = "web") -> Pack:
    """The user's evidence pack for the period as a ZIP: ``evidence.pdf``, ``plc-hours.csv``, the lesson
    plans and shared reflections as markdown, and the certificates (issued now if they were not yet:
    this writes rows, so the caller commits). The download is audited."""
    evidence = evidence_for(user, period)
    certificates, certificate_files = _issue_certificates(user, evidence, locale)
    evidence.certificates = certificates
    with force_locale(locale):
        files: dict[str, bytes] = {"evidence.pdf": evidence_pdf(evidence, locale=locale),
                                   "plc-hours.csv": _csv(evidence, locale)}
        for number, plan in enumerate(evidence.plans, start=1):
            files[f"lesson-plans/{number}-{_slug(plan.title)}.md"] = _plan_markdown(plan, locale).encode("utf-8")
        for number, reflection in enumerate(evidence.reflections, start=1):
            files[f"reflections/{number}.md"] = _reflection_markdown(reflection, locale).encode("utf-8")
    files.update(certificate_files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    period_key = evidence.period.key.replace("/", "-")
    audit.record("evidence.download", user, user, period=evidence.period.key, files=len(files),
                 minutes=evidence.total_minutes, via=via)
    db.session.flush()
    return Pack(evidence=evidence, data=buffer.getvalue(), filename=f"evidence-{user.id}-{period_key}.zip",
                files=list(files))
