"""A cycle's timeline: everything that happened in it, newest last.

Each kind of record contributes through a source function registered here; lesson plans,
reflections and live sessions register their own sources when those features arrive, without the
cycle page changing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from plc.extensions import db
from plc.i18n import to_local
from plc.labels import DE_STAGE_LABELS
from plc.models import CircleMeeting, Cycle
from plc.models._types import utcnow


@dataclass(frozen=True)
class TimelineEntry:
    when: date | datetime
    kind: str  # css-friendly code: phase, checkpoint, outcome, meeting, lessons, created …
    title: str
    detail: str | None = None
    anchor: str | None = None  # id of the section of the cycle page with the full record

    @property
    def sort_key(self) -> tuple[date, int, datetime]:
        """By day (Bangkok), then by kind within a day (a cycle starts before its first phase), then
        by time where there is one."""
        if isinstance(self.when, datetime):
            local = to_local(self.when)
            return local.date(), KIND_ORDER.get(self.kind, 50), local.replace(tzinfo=None)
        return self.when, KIND_ORDER.get(self.kind, 50), datetime(self.when.year, self.when.month, self.when.day)


KIND_ORDER = {"created": 0, "phase": 10, "meeting": 20, "checkpoint": 30, "outcome": 40, "lessons": 90}


Source = Callable[[Cycle, str], Iterable[TimelineEntry]]
_sources: list[Source] = []

# Placeholders shown on the cycle page for features that attach later (DESIGN §5).
SLOTS = (
    ("lesson_plans", _l("Lesson plans")),
    ("reflections", _l("Reflections")),
    ("live_sessions", _l("Live sessions")),
)


def source(function: Source) -> Source:
    _sources.append(function)
    return function


def entries(cycle: Cycle, locale: str = "th") -> list[TimelineEntry]:
    collected = [entry for function in _sources for entry in function(cycle, locale)]
    return sorted(collected, key=lambda e: e.sort_key)


@source
def _created(cycle: Cycle, locale: str):
    yield TimelineEntry(cycle.created_at or utcnow(), "created", str(_l("Cycle started")), cycle.title)


@source
def _phases(cycle: Cycle, locale: str):
    for phase in cycle.phases:
        if phase.started_on:
            yield TimelineEntry(phase.started_on, "phase", str(_l("Phase started: %(name)s",
                                                                  name=phase.display_name(locale))), anchor="phases")


@source
def _checkpoints(cycle: Cycle, locale: str):
    for checkpoint in cycle.checkpoints:
        yield TimelineEntry(checkpoint.held_on, "checkpoint",
                            str(_l("DE checkpoint: %(stage)s", stage=DE_STAGE_LABELS[checkpoint.stage])),
                            checkpoint.changed or checkpoint.reviewed, anchor=f"checkpoint-{checkpoint.id}")


@source
def _outcomes(cycle: Cycle, locale: str):
    for outcome in cycle.outcomes:
        yield TimelineEntry(outcome.created_at, "outcome",
                            str(_l("Outcome recorded: %(measure)s (%(group)s)", measure=outcome.measure,
                                   group=outcome.group)), anchor=f"outcome-{outcome.id}")


@source
def _meetings(cycle: Cycle, locale: str):
    for meeting in db.session.scalars(select(CircleMeeting).where(CircleMeeting.cycle_id == cycle.id)):
        yield TimelineEntry(meeting.held_on, "meeting", str(_l("Meeting: %(title)s", title=meeting.title)),
                            meeting.notes)


@source
def _lessons(cycle: Cycle, locale: str):
    if cycle.lessons is not None:
        yield TimelineEntry(cycle.lessons.created_at, "lessons", str(_l("Lessons learned recorded; cycle closed")),
                            anchor="lessons")
