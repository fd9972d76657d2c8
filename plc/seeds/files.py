"""The project's ``seeds/`` folder and the small readers every loader shares."""

from __future__ import annotations

from datetime import date, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml

from plc.models import InnovationStep, InnovationVersion

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
DEMO_TZ = timezone(timedelta(hours=7), "Asia/Bangkok")

State = TypeVar("State", bound=StrEnum)


class SeedDataError(ValueError):
    """A seed file holds a value its loader does not know."""


def load_yaml(relative: str):
    with (SEEDS_DIR / relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def as_state(kind: type[State], value, *, file: str, entry: str, field: str = "status") -> State:
    """The member of the state enum ``kind`` (``GoalStatus``, ``ReflectionStatus``, …) that ``field`` of
    ``entry`` in ``seeds/<file>`` names; any other value is refused with the allowed ones."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise SeedDataError(f"seeds/{file}, {entry}: unknown {field} {value!r}; allowed: {allowed}") from None


def as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def step_of(version: InnovationVersion, ref: str) -> InnovationStep:
    """``"3"`` is top-level step 3 (as the source numbers it), ``"3.2"`` its second sub-step."""
    numbers = [int(part) for part in ref.split(".")]
    steps = version.top_steps
    step = None
    for number in numbers:
        step = next(s for s in steps if s.number == number)
        steps = step.children
    return step
