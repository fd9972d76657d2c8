"""The school day is a Bangkok day: dates people see and the ones we stamp are taken in Asia/Bangkok."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def bangkok_today() -> date:
    return datetime.now(BANGKOK).date()
