"""A published survey in the API-wide test world (``build_live_work``'s session), and a valid body for
every survey write with an id in its path."""

from __future__ import annotations

from datetime import timedelta

from plc.i18n import bangkok_today
from plc.models import LiveSession, User
from plc.services import surveys

SURVEYS = "/api/v1/surveys"


def build_survey_work(in_db, world, session_id: int) -> dict[str, int]:
    """An open anonymous survey of the live session ``session_id`` (``build_live_work``'s, hosted by
    the teacher), published with one scale question. The circle's managers attend the session, so the
    admin, who reads every GET in the API-wide tests, both manages and is asked by it."""
    today = bangkok_today()
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        survey = surveys.create_survey(teacher, session.get(LiveSession, session_id), surveys.SurveyInput(
            title="ความพึงพอใจต่อ PLC ออนไลน์", opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=7)))
        surveys.add_item(teacher, survey.sections[0], surveys.ItemInput(kind="scale", prompt="ความรู้ที่ได้รับ"))
        surveys.publish(teacher, survey)
        session.flush()
        return {"survey_id": survey.id}


def survey_bodies() -> dict[tuple[str, str], dict]:
    """A valid JSON body for every survey write with an id in its path, so that only the object decides."""
    return {("POST", f"{SURVEYS}/{{survey_id}}/responses"): {"answers": []},
            ("PUT", f"{SURVEYS}/{{survey_id}}/draft"): {"answers": []}}
