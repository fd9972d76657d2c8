"""Participation and impact dashboards for a network, a school, an area office and the programme.

The platform's own records are the report (seed 002 around L490–L505): nothing here is typed in
twice. One call of ``build`` reads a fixed number of aggregate statements whatever the size of the
scope, and assembles per-school units from them in Python; the number of statements never grows
with the rows.

Privacy (DOMAIN §1, issue 10): the dashboard holds counts and aggregates; teachers are named only
for the schools listed in ``Scope.named_school_ids`` (those the viewer manages, decided in
``authz``); reflection text is never read; effect sizes are reported only for outcome groups of at
least ``MIN_GROUP`` learners.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import DateTime, and_, func, or_, select, type_coerce

from plc.database import execute_core
from plc.extensions import cache, db
from plc.i18n import BANGKOK, BE_OFFSET, AcademicTerm, academic_term, bangkok_today, to_local
from plc.models import (
    Circle,
    CircleMeeting,
    CircleMember,
    CoachingVisit,
    Cycle,
    Membership,
    Network,
    School,
    SchoolGoal,
    User,
)
from plc.models.coaching import VisitStatus
from plc.models.cycles import (
    CyclePhase,
    DECheckpoint,
    LessonsLearned,
    OutcomeMeasure,
    cycle_innovation_version,
    cycle_step,
)
from plc.models.goals import GoalStatus
from plc.models.innovations import InnovationStep, InnovationVersion
from plc.models.lesson_plans import Comment, LessonPlan
from plc.models.live_sessions import Attendance, LiveSession, SessionGuest
from plc.models.org import network_school
from plc.models.reflections import Reflection, ReflectionStatus
from plc.services import circles as circle_rules
from plc.services import coaching, outcomes
from plc.services.live_sessions import participant_minutes

MIN_GROUP = 5  # learners: smaller outcome groups are counted, never shown as an effect size
ATTENTION_SIZE = 10
DEFAULT_STUCK_WEEKS = 6
HOUR_BUCKETS = ((0, 0), (1, 60), (60, 180), (180, 360), (360, 600), (600, None))  # minutes, [low, high)


# ---------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """A semester (``2/2569``) or a whole academic year (``2569``: both semesters)."""

    label: str
    starts_on: date
    ends_on: date
    year_be: int

    @classmethod
    def parse(cls, text: str | None, today: date | None = None) -> Period:
        """The period named by ``text``; the current semester (Bangkok time) when it is empty.
        Raises ValueError for anything else."""
        text = (text or "").strip()
        if not text:
            return cls.of_term(academic_term(today or bangkok_today()))
        if text.isdigit():
            year = int(text)
            if not 2400 <= year <= 2800:
                raise ValueError(text)
            first, second = AcademicTerm(year, 1), AcademicTerm(year, 2)
            return cls(str(year), first.starts_on, second.ends_on, year)
        term = AcademicTerm.parse(text)
        if not 2400 <= term.year_be <= 2800:
            raise ValueError(text)
        return cls.of_term(term)

    @classmethod
    def of_term(cls, term: AcademicTerm) -> Period:
        return cls(str(term), term.starts_on, term.ends_on, term.year_be)

    @property
    def is_year(self) -> bool:
        return "/" not in self.label

    def as_of(self, today: date) -> date:
        """The last day that has happened: the period's end, or today while it runs."""
        return min(self.ends_on, today)

    def contains(self, day: date | None) -> bool:
        return day is not None and self.starts_on <= day <= self.ends_on

    @property
    def utc_window(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.starts_on, time.min, BANGKOK).astimezone(UTC)
        end = datetime.combine(self.ends_on + timedelta(days=1), time.min, BANGKOK).astimezone(UTC)
        return start, end

    def months(self, today: date) -> list[tuple[int, int]]:
        """(year, month) of each month of the period up to ``today``."""
        last = self.as_of(today)
        months, day = [], self.starts_on.replace(day=1)
        while day <= last:
            months.append((day.year, day.month))
            day = (day + timedelta(days=32)).replace(day=1)
        return months


def recent_periods(today: date | None = None, count: int = 4) -> list[Period]:
    """The current semester, the ones before it and the academic years they belong to, newest first."""
    term = academic_term(today or bangkok_today())
    terms = [term]
    while len(terms) < count:
        previous = terms[-1]
        terms.append(AcademicTerm(previous.year_be, 1) if previous.semester == 2
                     else AcademicTerm(previous.year_be - 1, 2))
    periods: list[Period] = []
    for t in terms:
        periods.append(Period.of_term(t))
        year = Period.parse(str(t.year_be))
        if year not in periods:
            periods.append(year)
    return periods


# ---------------------------------------------------------------------------- the scope


@dataclass(frozen=True)
class Scope:
    """What one dashboard covers: schools, the networks whose network-wide circles count, and the
    schools whose teachers may be named (the viewer manages them)."""

    kind: str  # network | school | area_office | programme
    school_ids: frozenset[int]
    network_ids: frozenset[int] = frozenset()
    named_school_ids: frozenset[int] = frozenset()


class _Named:
    """``name_th`` always, ``name_en`` when English is asked for and there is one."""

    def display_name(self, locale: str = "th") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_th


def period_error_message(text: str) -> str:
    """What a reader is told when ``text`` is not a period (the pages and the API say the same)."""
    return _("“%(term)s” is not a semester. Write it as 1/2569 or 2/2569, or an academic year such as 2569.",
             term=text)


@dataclass(frozen=True)
class Place(_Named):
    """A school or a network as a dashboard shows it: plain data, so that a built dashboard can be
    kept in a cache (Redis, when scaled) and read by any process."""

    id: int
    name_th: str
    name_en: str | None
    area_office_id: int | None = None
    kind: str | None = None
    cohort: int | None = None


# ---------------------------------------------------------------------------- figures


@dataclass
class Unit:
    """The figures of one school, of one network's network-wide circles, or of a sum of them.
    Teachers are kept as id sets so that a teacher of two schools counts once in a sum."""

    teachers: set[int] = field(default_factory=set)
    teachers_with_hours: set[int] = field(default_factory=set)
    teachers_visited: set[int] = field(default_factory=set)
    teacher_minutes: dict[int, int] = field(default_factory=dict)
    circles: int = 0
    rule: Counter = field(default_factory=Counter)  # met / due / missed, per circle
    meetings_held: int = 0
    meetings_required: int = 0
    sessions_online: int = 0
    sessions_onsite: int = 0
    expected_attendance: int = 0
    actual_attendance: int = 0
    cycles: int = 0
    cycles_closed_with_lessons: int = 0
    checkpoints: Counter = field(default_factory=Counter)  # per DE stage
    outcomes_recorded: int = 0
    outcomes_small: int = 0
    effect_sizes: list[float] = field(default_factory=list)
    plans: int = 0
    plans_shared: int = 0
    comments: int = 0
    forks: int = 0
    reflections: int = 0
    reflections_shared: int = 0
    visits_planned: int = 0
    visits_held: int = 0
    visits_overdue: int = 0
    goals: int = 0
    goals_approved: int = 0

    _SETS = ("teachers", "teachers_with_hours", "teachers_visited")
    _COUNTERS = ("rule", "checkpoints")
    _SUMS = ("circles", "meetings_held", "meetings_required", "sessions_online", "sessions_onsite",
             "expected_attendance", "actual_attendance", "cycles", "cycles_closed_with_lessons",
             "outcomes_recorded", "outcomes_small", "plans", "plans_shared", "comments", "forks", "reflections",
             "reflections_shared", "visits_planned", "visits_held", "visits_overdue", "goals", "goals_approved")

    @classmethod
    def merged(cls, units) -> Unit:
        total = cls()
        for unit in units:
            for name in cls._SETS:
                getattr(total, name).update(getattr(unit, name))
            for name in cls._COUNTERS:
                getattr(total, name).update(getattr(unit, name))
            for name in cls._SUMS:
                setattr(total, name, getattr(total, name) + getattr(unit, name))
            total.teacher_minutes.update(unit.teacher_minutes)
            total.effect_sizes.extend(unit.effect_sizes)
        return total

    # -- derived figures

    @property
    def teacher_count(self) -> int:
        return len(self.teachers)

    @property
    def teachers_without_hours(self) -> int:
        return len(self.teachers - self.teachers_with_hours)

    @property
    def minutes(self) -> int:
        return sum(self.teacher_minutes.get(t, 0) for t in self.teachers)

    @property
    def participation(self) -> float | None:
        """Share of the teachers with any PLC hours in the period."""
        return len(self.teachers_with_hours) / len(self.teachers) if self.teachers else None

    @property
    def teachers_visited_count(self) -> int:
        return len(self.teachers_visited & self.teachers)

    @property
    def visit_coverage(self) -> float | None:
        return self.teachers_visited_count / len(self.teachers) if self.teachers else None

    @property
    def sessions_held(self) -> int:
        return self.sessions_online + self.sessions_onsite

    @property
    def attendance_rate(self) -> float | None:
        return self.actual_attendance / self.expected_attendance if self.expected_attendance else None

    @property
    def effect_size_mean(self) -> float | None:
        return sum(self.effect_sizes) / len(self.effect_sizes) if self.effect_sizes else None

    @property
    def share_above_hinge(self) -> float | None:
        if not self.effect_sizes:
            return None
        return sum(g >= outcomes.HINGE_POINT for g in self.effect_sizes) / len(self.effect_sizes)

    def as_dict(self) -> dict:
        mean = self.effect_size_mean
        return {
            "teachers": self.teacher_count, "teachers_with_hours": len(self.teachers_with_hours),
            "teachers_without_hours": self.teachers_without_hours, "plc_minutes": self.minutes,
            "plc_hours": round(self.minutes / 60, 2), "participation": _ratio(self.participation),
            "circles": self.circles, "circles_met": self.rule["met"], "circles_due": self.rule["due"],
            "circles_missed": self.rule["missed"], "meetings_held": self.meetings_held,
            "meetings_required": self.meetings_required, "sessions_online": self.sessions_online,
            "sessions_onsite": self.sessions_onsite, "attendance_rate": _ratio(self.attendance_rate),
            "cycles": self.cycles, "cycles_closed_with_lessons": self.cycles_closed_with_lessons,
            "checkpoints": {stage: self.checkpoints[stage] for stage in ("upstream", "midstream", "downstream")},
            "outcomes_recorded": self.outcomes_recorded, "outcomes_reported": len(self.effect_sizes),
            "outcomes_fewer_than_5": self.outcomes_small,
            "effect_size_mean": None if mean is None else round(mean, 2),
            "share_above_hinge": _ratio(self.share_above_hinge),
            "plans": self.plans, "plans_shared": self.plans_shared, "comments": self.comments, "forks": self.forks,
            "reflections": self.reflections, "reflections_shared": self.reflections_shared,
            "visits_planned": self.visits_planned, "visits_held": self.visits_held,
            "visits_overdue": self.visits_overdue, "teachers_visited": self.teachers_visited_count,
            "visit_coverage": _ratio(self.visit_coverage), "goals": self.goals, "goals_approved": self.goals_approved,
        }


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class SchoolRow:
    school: Place
    unit: Unit


@dataclass
class CircleRow:
    circle_id: int
    name: str
    school_id: int | None
    network_id: int | None
    status: str  # met | due | missed
    meetings_held: int
    meetings_required: int
    sessions_held: int
    cycles: int


@dataclass
class TeacherRow(_Named):
    """Only for schools whose teachers the viewer may see by name."""

    user_id: int
    name_th: str
    name_en: str | None
    school_ids: list[int]
    minutes: int
    sessions: int
    visits_held: int
    left_on: date | None


@dataclass
class StuckCycle:
    cycle_id: int
    title: str
    circle_id: int
    school_id: int | None
    phase_th: str
    phase_en: str
    since: date
    weeks: int


@dataclass
class InnovationUse(_Named):
    innovation_id: int
    name_th: str
    name_en: str | None
    school_ids: set[int] = field(default_factory=set)
    network_circles: int = 0
    cycles: set[int] = field(default_factory=set)
    effect_sizes: list[float] = field(default_factory=list)
    outcomes_small: int = 0
    steps: dict[tuple, list] = field(default_factory=dict)  # key -> [label_th, label_en, cycles]

    @property
    def effect_size_mean(self) -> float | None:
        return sum(self.effect_sizes) / len(self.effect_sizes) if self.effect_sizes else None

    def step_rows(self) -> list[tuple[str, str, int]]:
        return [(th, en, n) for (_position, _code), (th, en, n) in sorted(self.steps.items())]


@dataclass
class MonthRow:
    year: int
    month: int
    meetings: int = 0
    sessions: int = 0
    minutes: int = 0
    visits_held: int = 0

    @property
    def label(self) -> str:
        return f"{self.month}/{self.year + BE_OFFSET}"


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    as_of: date
    stuck_weeks: int
    schools: list[SchoolRow]
    network_units: dict[int, Unit]  # network-wide circles of each network in scope
    networks: dict[int, Place]
    total: Unit
    circles: list[CircleRow]
    phases: list[tuple[str, str, int]]  # (name_th, name_en, active cycles in that phase)
    cycles_closed: int  # closed by the end of the period (or today)
    months: list[MonthRow]
    hours_distribution: list[tuple[int, int | None, int]]  # (low, high, teachers)
    innovations: list[InnovationUse]
    stuck: list[StuckCycle]
    teachers: list[TeacherRow]
    schools_without_meetings: list[SchoolRow]
    built_at: datetime

    @functools.cached_property
    def school_by_id(self) -> dict[int, Place]:
        return {row.school.id: row.school for row in self.schools}

    @property
    def ranked(self) -> list[SchoolRow]:
        """Schools with teachers, by participation then hours, highest first."""
        rows = [row for row in self.schools if row.unit.teachers]
        return sorted(rows, key=lambda r: (-(r.unit.participation or 0), -r.unit.minutes, r.school.name_th))

    @property
    def top_schools(self) -> list[SchoolRow]:
        """The highest participation, at most ATTENTION_SIZE: with fewer than twice that many
        schools, the upper half, so that no school is in both lists."""
        ranked = self.ranked
        return ranked[:min(ATTENTION_SIZE, len(ranked) // 2)]

    @property
    def bottom_schools(self) -> list[SchoolRow]:
        ranked = self.ranked
        return list(reversed(ranked))[:min(ATTENTION_SIZE, len(ranked) - len(self.top_schools))]

    @property
    def missed_circles(self) -> list[CircleRow]:
        return [c for c in self.circles if c.status == "missed"]

    @property
    def teachers_without_hours(self) -> list[TeacherRow]:
        return [t for t in self.teachers if t.minutes == 0]


# ---------------------------------------------------------------------------- building


def _rows(statement) -> list:
    """Rows of a Core statement on the ORM session's connection: a dashboard reads tens of thousands
    of rows, and the ORM's per-row work would be most of its time."""
    return execute_core(statement).all()


def _scalars(statement) -> list:
    return execute_core(statement).scalars().all()


def _plain(column):
    """A UTC timestamp column read without ``UTCDateTime``'s per-value conversion; ``_utc`` then
    gives every value the same form (naive UTC) whichever database answered."""
    return type_coerce(column, DateTime(timezone=True)).label(column.key)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _in_window(column, period: Period):
    start, end = period.utc_window
    return and_(column >= start, column < end)


def _session_day(starts_at: datetime, started_at: datetime | None) -> date:
    return to_local(started_at or starts_at).date()


def build(scope: Scope, period: Period, *, today: date | None = None, stuck_weeks: int = DEFAULT_STUCK_WEEKS,
          now: datetime | None = None) -> Dashboard:
    """The dashboard of ``scope`` for ``period``, as of ``today`` (Bangkok)."""
    return _Builder(scope, period, today or bangkok_today(), now or datetime.now(UTC), stuck_weeks).run()


def cached_build(scope: Scope, period: Period, *, stuck_weeks: int = DEFAULT_STUCK_WEEKS) -> Dashboard:
    """``build`` kept for PLC_DASHBOARD_CACHE_SECONDS (the figures of a whole programme take a second
    or more to gather): the same scope, period and day give the same dashboard to every viewer and,
    scaled, every process. 0 switches the cache off."""
    seconds = current_app.config["PLC_DASHBOARD_CACHE_SECONDS"]
    if not seconds:
        return build(scope, period, stuck_weeks=stuck_weeks)
    today = bangkok_today()
    identity = repr((scope.kind, sorted(scope.school_ids), sorted(scope.network_ids), sorted(scope.named_school_ids),
                     period.label, stuck_weeks, today.isoformat()))
    key = "dashboard:" + hashlib.sha256(identity.encode()).hexdigest()
    dashboard = cache.get(key)
    if dashboard is None:
        dashboard = build(scope, period, today=today, stuck_weeks=stuck_weeks)
        cache.set(key, dashboard, timeout=seconds)
    return dashboard


class _Builder:
    """Reads each kind of record once for the whole scope and adds it to the units: one method per
    concept, each a fixed number of statements."""

    def __init__(self, scope: Scope, period: Period, today: date, now: datetime, stuck_weeks: int):
        self.scope, self.period, self.today, self.now, self.stuck_weeks = scope, period, today, now, stuck_weeks
        self.as_of = period.as_of(today)
        self.start_utc, self.end_utc = period.utc_window
        # sessions are matched on their local day: read a day more on each side
        self.session_window = (self.start_utc - timedelta(days=1), self.end_utc + timedelta(days=1))
        self.school_ids = sorted(scope.school_ids)
        self.schools = [Place(*row) for row in _rows(
            select(School.id, School.name_th, School.name_en, School.area_office_id)
            .where(School.id.in_(self.school_ids)).order_by(School.name_th, School.id))]
        self.units: dict[int, Unit] = {s.id: Unit() for s in self.schools}
        self.network_units: dict[int, Unit] = {n: Unit() for n in sorted(scope.network_ids)}
        self.networks = {row.id: Place(row.id, row.name_th, row.name_en, kind=row.kind, cohort=row.cohort)
                         for row in _rows(
                             select(Network.id, Network.name_th, Network.name_en, Network.kind, Network.cohort)
                             .where(Network.id.in_(sorted(scope.network_ids))))} if scope.network_ids else {}
        self.months: dict[tuple[int, int], MonthRow] = {
            (y, m): MonthRow(y, m) for y, m in period.months(today)}

    def run(self) -> Dashboard:
        self._teachers()
        self._circles()
        self._sessions()
        self._attendance()
        self._meeting_rule()
        self._cycles()
        self._outcomes()
        self._innovations()
        self._plans()
        self._reflections()
        self._visits()
        self._goals()
        return self._dashboard()

    def _unit_of_circle(self, circle_id: int) -> Unit:
        circle = self.circle_by_id[circle_id]
        return self.units[circle.school_id] if circle.school_id is not None else self.network_units[circle.network_id]

    def _month(self, day: date) -> MonthRow | None:
        return self.months.get((day.year, day.month))

    def _teachers(self) -> None:
        """Every teacher role in the scope's schools that overlaps the period: a teacher who left
        mid-semester was a teacher of that semester."""
        period = self.period
        self.teacher_names: dict[int, tuple[str, str | None]] = {}
        self.teacher_schools: dict[int, set[int]] = defaultdict(set)
        role_ends: dict[int, list[date | None]] = defaultdict(list)
        for user_id, school_id, ends, name_th, name_en in _rows(
                select(Membership.user_id, Membership.school_id, Membership.ends_on, User.name_th, User.name_en)
                .join(User, User.id == Membership.user_id)
                .where(Membership.role == "teacher", Membership.school_id.in_(self.school_ids),
                       Membership.starts_on <= period.ends_on,
                       or_(Membership.ends_on.is_(None), Membership.ends_on > period.starts_on),
                       User.disabled_at.is_(None))):
            self.units[school_id].teachers.add(user_id)
            self.teacher_schools[user_id].add(school_id)
            self.teacher_names[user_id] = (name_th, name_en)
            role_ends[user_id].append(ends)
        # Left during the period: every teacher role of theirs in the scope ended by its last day.
        self.left_on = {user_id: max(ends) for user_id, ends in role_ends.items()
                        if all(e is not None and e <= period.ends_on for e in ends)}

    def _circles(self) -> None:
        """The scope's schools' circles and its networks' network-wide circles that existed in the
        period, their meetings up to today and their members."""
        where = Circle.school_id.in_(self.school_ids)
        if self.scope.network_ids:
            where = or_(where, Circle.network_id.in_(sorted(self.scope.network_ids)))
        existed = (where, Circle.created_at < self.end_utc,
                   or_(Circle.archived_at.is_(None), Circle.archived_at >= self.start_utc))
        # The other statements name the circles (cycles, sessions) by subquery: a programme has
        # thousands, and a list of bound ids costs more to send than the rows it selects.
        self.circles_query = select(Circle.id).where(*existed)
        self.circle_list = _rows(
            select(Circle.id, Circle.name, Circle.school_id, Circle.network_id, Circle.meeting_count,
                   Circle.meeting_period, _plain(Circle.created_at))
            .where(*existed).order_by(Circle.name, Circle.id))
        self.circle_by_id = {c.id: c for c in self.circle_list}
        self.meeting_dates: dict[int, list[date]] = defaultdict(list)
        for circle_id, held_on in _rows(
                select(CircleMeeting.circle_id, CircleMeeting.held_on)
                .where(CircleMeeting.circle_id.in_(self.circles_query), CircleMeeting.held_on >= self.period.starts_on,
                       CircleMeeting.held_on <= self.as_of)):
            self.meeting_dates[circle_id].append(held_on)
        self.members_by_circle: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
        for circle_id, user_id, joined_on, left in _rows(
                select(CircleMember.circle_id, CircleMember.user_id, CircleMember.joined_on, CircleMember.left_on)
                .where(CircleMember.circle_id.in_(self.circles_query))):
            self.members_by_circle[circle_id].append((user_id, joined_on, left))

    def _sessions(self) -> None:
        """Sessions of the scope's circles held in the period, and their invited guests."""
        low, high = self.session_window
        started = (LiveSession.circle_id.in_(self.circles_query), LiveSession.started_at.is_not(None),
                   LiveSession.starts_at >= low, LiveSession.starts_at < high)
        self.started_query = select(LiveSession.id).where(*started)  # held_sessions and a day on each side
        sessions = _rows(
            select(LiveSession.id, LiveSession.circle_id, LiveSession.mode, _plain(LiveSession.starts_at),
                   _plain(LiveSession.started_at)).where(*started))
        self.held_sessions = {s.id: s for s in sessions if self.period.contains(_session_day(s.starts_at, s.started_at))}
        self.guests_by_session: dict[int, set[int]] = defaultdict(set)
        for session_id, user_id in _rows(
                select(SessionGuest.session_id, SessionGuest.user_id)
                .where(SessionGuest.session_id.in_(self.started_query))):
            self.guests_by_session[session_id].add(user_id)

    def _attendance(self) -> None:
        """Minutes per participant of the scope's sessions (attendance rates), and of every session
        the scope's teachers attended in the period (their PLC-hours ledger, wherever the circle)."""
        low, high = self.session_window
        rows = _rows(
            select(Attendance.session_id, Attendance.user_id, _plain(Attendance.joined_at), _plain(Attendance.left_at),
                   Attendance.onsite_minutes, _plain(LiveSession.starts_at), _plain(LiveSession.started_at), _plain(LiveSession.ended_at))
            .join(LiveSession, LiveSession.id == Attendance.session_id)
            .where(LiveSession.starts_at >= low, LiveSession.starts_at < high,
                   or_(Attendance.session_id.in_(self.started_query),
                       Attendance.user_id.in_(select(Membership.user_id).where(
                           Membership.role == "teacher", Membership.school_id.in_(self.school_ids))))))
        intervals: dict[tuple[int, int], list] = defaultdict(list)
        session_times: dict[int, tuple] = {}
        for row in rows:
            intervals[(row.session_id, row.user_id)].append((_utc(row.joined_at), _utc(row.left_at), row.onsite_minutes))
            session_times[row.session_id] = (row.starts_at, row.started_at, row.ended_at)
        self.present: dict[int, set[int]] = defaultdict(set)
        self.teacher_minutes: dict[int, int] = defaultdict(int)
        self.teacher_sessions: Counter = Counter()
        for (session_id, user_id), spans in intervals.items():
            starts_at, started_at, ended_at = session_times[session_id]
            day = _session_day(starts_at, started_at)
            if not self.period.contains(day):
                continue
            minutes = participant_minutes(spans, _utc(ended_at or self.now))
            if minutes <= 0:
                continue
            self.present[session_id].add(user_id)
            if user_id in self.teacher_schools:
                self.teacher_minutes[user_id] += minutes
                self.teacher_sessions[user_id] += 1
                if month := self._month(day):
                    month.minutes += minutes
        for user_id, minutes in self.teacher_minutes.items():
            for school_id in self.teacher_schools[user_id]:
                self.units[school_id].teacher_minutes[user_id] = minutes
                self.units[school_id].teachers_with_hours.add(user_id)
        self.sessions_by_circle: Counter = Counter()
        for session in self.held_sessions.values():
            unit = self._unit_of_circle(session.circle_id)
            day = _session_day(session.starts_at, session.started_at)
            if session.mode == "onsite":
                unit.sessions_onsite += 1
            else:
                unit.sessions_online += 1
            if month := self._month(day):
                month.sessions += 1
            self.sessions_by_circle[session.circle_id] += 1
            expected = {user_id for user_id, joined, left in self.members_by_circle[session.circle_id]
                        if joined <= day and (left is None or left > day)} | self.guests_by_session[session.id]
            unit.expected_attendance += len(expected)
            unit.actual_attendance += len(expected & self.present[session.id])

    def _meeting_rule(self) -> None:
        """Each circle's rule periods in the period (up to today): a circle missed the rule if any
        ended rule period had too few meetings, is due while the open one still lacks meetings."""
        self.circle_rows: list[CircleRow] = []
        for circle in self.circle_list:
            unit = self._unit_of_circle(circle.id)
            unit.circles += 1
            created_on = to_local(circle.created_at).date() if circle.created_at else self.period.starts_on
            held_dates = self.meeting_dates[circle.id]
            for held_on in held_dates:
                if month := self._month(held_on):
                    month.meetings += 1
            statuses, required = [], 0
            for _label, start, end in circle_rules.rule_periods_between(
                    circle.meeting_period, self.period.starts_on, self.as_of):
                if end < created_on:
                    continue  # the circle did not exist yet
                held = sum(start <= d <= end for d in held_dates)
                statuses.append(circle_rules.judge_period(held, circle.meeting_count, end, self.today))
                required += circle.meeting_count
            status = "missed" if "missed" in statuses else "due" if "due" in statuses else "met"
            unit.rule[status] += 1
            unit.meetings_held += len(held_dates)
            unit.meetings_required += required
            self.circle_rows.append(CircleRow(circle.id, circle.name, circle.school_id, circle.network_id, status,
                                              len(held_dates), required, self.sessions_by_circle[circle.id], 0))

    def _cycles(self) -> None:
        """Cycles that were open at some time in the period: the phase each is in as of the period's
        end (or today), those closed with lessons learned, those stuck in one phase, DE checkpoints."""
        open_then = (Cycle.circle_id.in_(self.circles_query), Cycle.created_at < self.end_utc,
                     or_(Cycle.closed_at.is_(None), Cycle.closed_at >= self.start_utc))
        self.cycles_query = select(Cycle.id).where(*open_then)
        self.cycles = _rows(select(Cycle.id, Cycle.circle_id, Cycle.title, _plain(Cycle.closed_at)).where(*open_then))
        self.cycle_by_id = {c.id: c for c in self.cycles}
        with_lessons = set(_scalars(
            select(LessonsLearned.cycle_id).where(LessonsLearned.cycle_id.in_(self.cycles_query))))
        phases_by_cycle: dict[int, list] = defaultdict(list)
        for phase in _rows(
                select(CyclePhase.cycle_id, CyclePhase.position, CyclePhase.name_th, CyclePhase.name_en,
                       CyclePhase.started_on, CyclePhase.ended_on)
                .where(CyclePhase.cycle_id.in_(self.cycles_query))):
            phases_by_cycle[phase.cycle_id].append(phase)
        phase_counts: Counter = Counter()
        phase_names: dict[tuple, tuple[str, str]] = {}
        self.cycles_closed = 0
        self.stuck: list[StuckCycle] = []
        cycles_by_circle: Counter = Counter()
        stuck_before = self.as_of - timedelta(weeks=self.stuck_weeks)
        for cycle in self.cycles:
            unit = self._unit_of_circle(cycle.circle_id)
            unit.cycles += 1
            cycles_by_circle[cycle.circle_id] += 1
            closed_on = to_local(cycle.closed_at).date() if cycle.closed_at else None
            if closed_on is not None and closed_on <= self.as_of:
                self.cycles_closed += 1
                if cycle.id in with_lessons and self.period.contains(closed_on):
                    unit.cycles_closed_with_lessons += 1
                continue
            current = next((p for p in phases_by_cycle[cycle.id] if p.started_on and p.started_on <= self.as_of
                            and (p.ended_on is None or p.ended_on > self.as_of)), None)
            if current is None:
                continue
            key = (current.position, current.name_th)
            phase_counts[key] += 1
            phase_names[key] = (current.name_th, current.name_en)
            if current.started_on <= stuck_before:
                self.stuck.append(StuckCycle(
                    cycle.id, cycle.title, cycle.circle_id, self.circle_by_id[cycle.circle_id].school_id,
                    current.name_th, current.name_en, current.started_on, (self.as_of - current.started_on).days // 7))
        for row in self.circle_rows:
            row.cycles = cycles_by_circle[row.circle_id]
        self.phases = [(*phase_names[key], phase_counts[key]) for key in sorted(phase_counts)]
        for cycle_id, stage in _rows(
                select(DECheckpoint.cycle_id, DECheckpoint.stage)
                .where(DECheckpoint.cycle_id.in_(self.cycles_query), DECheckpoint.held_on >= self.period.starts_on,
                       DECheckpoint.held_on <= self.period.ends_on)):
            self._unit_of_circle(self.cycle_by_id[cycle_id].circle_id).checkpoints[stage] += 1

    def _outcomes(self) -> None:
        """Outcomes recorded in the period: an effect size (Hedges' g) only for groups of at least
        MIN_GROUP learners before and after; smaller groups are only counted."""
        self.effect_by_cycle: dict[int, list[float]] = defaultdict(list)
        self.small_by_cycle: Counter = Counter()
        for outcome in _rows(
                select(OutcomeMeasure.cycle_id, OutcomeMeasure.pre_n, OutcomeMeasure.pre_mean, OutcomeMeasure.pre_sd,
                       OutcomeMeasure.post_n, OutcomeMeasure.post_mean, OutcomeMeasure.post_sd)
                .where(OutcomeMeasure.cycle_id.in_(self.cycles_query),
                       _in_window(OutcomeMeasure.created_at, self.period))):
            unit = self._unit_of_circle(self.cycle_by_id[outcome.cycle_id].circle_id)
            unit.outcomes_recorded += 1
            if min(outcome.pre_n, outcome.post_n) < MIN_GROUP:
                unit.outcomes_small += 1
                self.small_by_cycle[outcome.cycle_id] += 1
                continue
            try:
                g = outcomes.effect_size(outcomes.Aggregate(outcome.pre_n, outcome.pre_mean, outcome.pre_sd),
                                         outcomes.Aggregate(outcome.post_n, outcome.post_mean, outcome.post_sd)).hedges_g
            except outcomes.OutcomeError:  # stored before validation existed; not an effect size
                continue
            if math.isfinite(g):
                unit.effect_sizes.append(g)
                self.effect_by_cycle[outcome.cycle_id].append(g)

    def _innovations(self) -> None:
        """Which innovations the period's cycles apply, in how many schools, with which steps."""
        self.innovations: dict[int, InnovationUse] = {}
        for cycle_id, innovation_id, name_th, name_en in _rows(
                select(cycle_innovation_version.c.cycle_id, InnovationVersion.innovation_id,
                       InnovationVersion.name_th, InnovationVersion.name_en)
                .join(InnovationVersion, InnovationVersion.id == cycle_innovation_version.c.innovation_version_id)
                .where(cycle_innovation_version.c.cycle_id.in_(self.cycles_query))
                .order_by(InnovationVersion.id)):
            use = self.innovations.setdefault(innovation_id, InnovationUse(innovation_id, name_th, name_en))
            use.name_th, use.name_en = name_th, name_en  # the newest version applied names it
            if cycle_id in use.cycles:
                continue
            use.cycles.add(cycle_id)
            school_id = self.circle_by_id[self.cycle_by_id[cycle_id].circle_id].school_id
            if school_id is not None:
                use.school_ids.add(school_id)
            else:
                use.network_circles += 1
            use.effect_sizes.extend(self.effect_by_cycle[cycle_id])
            use.outcomes_small += self.small_by_cycle[cycle_id]
        for innovation_id, position, code, text_th, text_en, label_en in _rows(
                select(InnovationVersion.innovation_id, InnovationStep.position, InnovationStep.code,
                       InnovationStep.text_th, InnovationStep.text_en, InnovationStep.label_en)
                .select_from(cycle_step)
                .join(InnovationStep, InnovationStep.id == cycle_step.c.step_id)
                .join(InnovationVersion, InnovationVersion.id == InnovationStep.version_id)
                .where(cycle_step.c.cycle_id.in_(self.cycles_query))):
            use = self.innovations.get(innovation_id)
            if use is None:
                continue
            prefix = f"{code} " if code else ""
            entry = use.steps.setdefault((position, code or ""), [
                prefix + _short(text_th), prefix + _short(label_en or text_en or text_th), 0])
            entry[2] += 1

    def _plans(self) -> None:
        """Lesson plans written in the period in the scope's schools, how many are shared beyond the
        author, forked from another plan, and the comments made on the schools' plans."""
        for school_id, visibility, forked_from_id in _rows(
                select(LessonPlan.school_id, LessonPlan.visibility, LessonPlan.forked_from_id)
                .where(LessonPlan.school_id.in_(self.school_ids), LessonPlan.deleted_at.is_(None),
                       _in_window(LessonPlan.created_at, self.period))):
            unit = self.units[school_id]
            unit.plans += 1
            unit.plans_shared += visibility != "private"
            unit.forks += forked_from_id is not None
        for school_id, comments in _rows(
                select(LessonPlan.school_id, func.count(Comment.id))
                .join(LessonPlan, LessonPlan.id == Comment.plan_id)
                .where(LessonPlan.school_id.in_(self.school_ids), LessonPlan.deleted_at.is_(None),
                       Comment.deleted_at.is_(None), _in_window(Comment.created_at, self.period))
                .group_by(LessonPlan.school_id)):
            self.units[school_id].comments += comments

    def _reflections(self) -> None:
        """How many reflections the period's circles wrote: counted, never read."""
        for circle_id, status, count in _rows(
                select(Cycle.circle_id, Reflection.status, func.count(Reflection.id))
                .join(Cycle, Cycle.id == Reflection.cycle_id)
                .where(Cycle.circle_id.in_(self.circles_query), _in_window(Reflection.created_at, self.period))
                .group_by(Cycle.circle_id, Reflection.status)):
            unit = self._unit_of_circle(circle_id)
            unit.reflections += count
            if status == ReflectionStatus.SHARED:
                unit.reflections_shared += count

    def _visits(self) -> None:
        """Visits planned in the period, those held in it, and those overdue as of its end (or today)."""
        period = self.period
        visits = _rows(
            select(CoachingVisit.teacher_id, CoachingVisit.school_id, CoachingVisit.status, CoachingVisit.planned_on,
                   CoachingVisit.held_on, CoachingVisit.follow_up_due_on)
            .where(CoachingVisit.school_id.in_(self.school_ids), CoachingVisit.status != VisitStatus.CANCELLED,
                   or_(and_(CoachingVisit.planned_on >= period.starts_on, CoachingVisit.planned_on <= period.ends_on),
                       and_(CoachingVisit.held_on >= period.starts_on, CoachingVisit.held_on <= period.ends_on))))
        by_teacher: dict[int, list] = defaultdict(list)  # rows with the attributes coaching.is_overdue reads
        for visit in visits:
            by_teacher[visit.teacher_id].append(visit)
        overdue_on = self.today if self.as_of == self.today else self.as_of + timedelta(days=1)
        self.visits_held_by_teacher: Counter = Counter()
        for visit in visits:
            unit = self.units[visit.school_id]
            if period.contains(visit.planned_on):
                unit.visits_planned += 1
            if visit.status == VisitStatus.HELD and period.contains(visit.held_on) and visit.held_on <= self.as_of:
                unit.visits_held += 1
                unit.teachers_visited.add(visit.teacher_id)
                self.visits_held_by_teacher[visit.teacher_id] += 1
                if month := self._month(visit.held_on):
                    month.visits_held += 1
            if coaching.is_overdue(visit, overdue_on, by_teacher[visit.teacher_id]):
                unit.visits_overdue += 1

    def _goals(self) -> None:
        """School goals of the period's academic year, and how many the director approved."""
        for school_id, status, count in _rows(
                select(SchoolGoal.school_id, SchoolGoal.status, func.count(SchoolGoal.id))
                .where(SchoolGoal.school_id.in_(self.school_ids), SchoolGoal.academic_year_be == self.period.year_be)
                .group_by(SchoolGoal.school_id, SchoolGoal.status)):
            self.units[school_id].goals += count
            if status in (GoalStatus.APPROVED, GoalStatus.ACHIEVED):
                self.units[school_id].goals_approved += count

    def _dashboard(self) -> Dashboard:
        school_rows = [SchoolRow(school, self.units[school.id]) for school in self.schools]
        total = Unit.merged([*self.units.values(), *self.network_units.values()])
        minutes = self.teacher_minutes
        distribution = []
        for low, high in HOUR_BUCKETS:
            if high == 0:
                n = sum(1 for t in total.teachers if minutes.get(t, 0) == 0)
            else:
                n = sum(1 for t in total.teachers
                        if minutes.get(t, 0) >= low and (high is None or minutes.get(t, 0) < high))
            distribution.append((low, high, n))
        teachers = []
        for user_id in sorted(self.teacher_schools, key=lambda u: (self.teacher_names[u][0], u)):
            named_in = sorted(self.teacher_schools[user_id] & self.scope.named_school_ids)
            if not named_in:
                continue
            name_th, name_en = self.teacher_names[user_id]
            teachers.append(TeacherRow(user_id, name_th, name_en, named_in, minutes.get(user_id, 0),
                                       self.teacher_sessions[user_id], self.visits_held_by_teacher[user_id],
                                       self.left_on.get(user_id)))
        return Dashboard(
            scope=self.scope, period=self.period, as_of=self.as_of, stuck_weeks=self.stuck_weeks,
            schools=school_rows, network_units=self.network_units, networks=self.networks, total=total, circles=self.circle_rows,
            phases=self.phases, cycles_closed=self.cycles_closed, months=list(self.months.values()),
            hours_distribution=distribution,
            innovations=sorted(self.innovations.values(), key=lambda u: (-len(u.cycles), u.name_th)),
            stuck=sorted(self.stuck, key=lambda s: s.since), teachers=teachers,
            schools_without_meetings=[row for row in school_rows if not row.unit.meetings_held],
            built_at=self.now)


def _short(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------- scopes


def network_scope(network: Network, named_school_ids: set[int] | None) -> Scope:
    school_ids = set(db.session.scalars(
        select(network_school.c.school_id).where(network_school.c.network_id == network.id)))
    return Scope("network", frozenset(school_ids), frozenset({network.id}),
                 frozenset(school_ids if named_school_ids is None else school_ids & named_school_ids))


def school_scope(school: School, named_school_ids: set[int] | None) -> Scope:
    named = named_school_ids is None or school.id in named_school_ids
    return Scope("school", frozenset({school.id}), frozenset(), frozenset({school.id}) if named else frozenset())


def area_office_scope(area_office_id: int, named_school_ids: set[int] | None) -> Scope:
    school_ids = set(db.session.scalars(select(School.id).where(School.area_office_id == area_office_id)))
    return Scope("area_office", frozenset(school_ids), frozenset(),
                 frozenset(school_ids if named_school_ids is None else school_ids & named_school_ids))


def programme_scope() -> Scope:
    """Every school and network: for programme administrators, who see aggregates by network."""
    return Scope("programme", frozenset(db.session.scalars(select(School.id))),
                 frozenset(db.session.scalars(select(Network.id))), frozenset())


@dataclass
class NetworkRow:
    network: Place
    unit: Unit


def by_network(dashboard: Dashboard) -> list[NetworkRow]:
    """The programme view: each network's schools and network-wide circles summed (a school in two
    networks counts in both; the programme total counts it once), by cohort then name."""
    members: dict[int, list[int]] = defaultdict(list)
    for network_id, school_id in db.session.execute(
            select(network_school.c.network_id, network_school.c.school_id)
            .where(network_school.c.network_id.in_(list(dashboard.networks)))):
        members[network_id].append(school_id)
    units = {row.school.id: row.unit for row in dashboard.schools}
    rows = []
    for network in dashboard.networks.values():
        parts = [units[s] for s in members[network.id] if s in units]
        parts.append(dashboard.network_units.get(network.id, Unit()))
        unit = Unit.merged(parts)
        unit.teacher_minutes = dashboard.total.teacher_minutes
        rows.append(NetworkRow(network, unit))
    return sorted(rows, key=lambda r: (r.network.cohort or 0, r.network.name_th))


def scope_for(kind: str, subject, named_school_ids: set[int] | None) -> Scope:
    """The scope of a network's, a school's, an area office's or the programme's dashboard; teachers
    are named only in ``named_school_ids`` (``None``: everywhere)."""
    if kind == "network":
        return network_scope(subject, named_school_ids)
    if kind == "school":
        return school_scope(subject, named_school_ids)
    if kind == "area_office":
        return area_office_scope(subject.id, named_school_ids)
    return programme_scope()
