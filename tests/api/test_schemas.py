"""The API's text limits are the columns' limits (``length_of``), as the forms' are (tests/app/test_limits.py).

``COLUMNS`` names, for every string field of an input schema of the circles, cycles, lesson-plan and
live-session API with a length limit, the column its value is saved to (or, for a filter, compared
with); ``LITERALS`` the limits no column holds. A new limited field must be listed in one of the two.

Where the API used to allow more than the column declares (a shared 20 000 characters, 2000 for an
action item), it now refuses what the page's form refuses: the requests below pin one such case per
module: a value one character too long answers 422 naming the field, and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from plc.blueprints.api import circles as api_circles
from plc.blueprints.api import cycles as api_cycles
from plc.blueprints.api import lesson_plans as api_lesson_plans
from plc.blueprints.api import live_sessions as api_live_sessions
from plc.i18n import BANGKOK
from plc.models import (
    ActionItem,
    Circle,
    CircleMeeting,
    Comment,
    Cycle,
    DECheckpoint,
    LessonPlan,
    LessonPlanRevision,
    LessonsLearned,
    LiveSession,
    OutcomeMeasure,
)
from plc.models._types import length_of
from tests.api.limits import refused_as_too_long, text_limits
from tests.conftest import count
from tests.openapi_helpers import ok
from tests.plc_helpers import build_plc_work

MODULES = (api_circles, api_cycles, api_lesson_plans, api_live_sessions)
LESSON_PARTS = ("results", "picture_of_success", "problems", "conditions", "next_steps")

# (schema that declares the field, field) -> the column of its value.
COLUMNS = {
    **{("CircleCreateSchema", name): getattr(Circle, name)
       for name in ("name", "learning_area", "grade_band", "description", "norms")},
    **{("CircleUpdateSchema", name): getattr(Circle, name)
       for name in ("name", "learning_area", "grade_band", "description", "norms")},
    ("MeetingCreateSchema", "title"): CircleMeeting.title,
    ("MeetingCreateSchema", "notes"): CircleMeeting.notes,
    **{("CycleCreateSchema", name): getattr(Cycle, name)
       for name in ("title", "problem", "challenge_issues", "target_grade")},
    **{("CheckpointCreateSchema", name): getattr(DECheckpoint, name)
       for name in ("reviewed", "monitored", "evaluated", "changed")},
    ("OutcomeCreateSchema", "measure"): OutcomeMeasure.measure,
    ("OutcomeCreateSchema", "group"): OutcomeMeasure.group,
    **{("CloseSchema", name): getattr(LessonsLearned, name) for name in LESSON_PARTS},
    ("PlanQueryArgsSchema", "learning_area"): LessonPlan.learning_area,  # filters: a longer value matches nothing
    ("PlanQueryArgsSchema", "grade"): LessonPlan.grade,
    **{("PlanUpdateSchema", name): getattr(LessonPlan, name) for name in ("title", "body_md", "learning_area", "grade")},
    ("PlanUpdateSchema", "message"): LessonPlanRevision.message,
    ("PlanCreateSchema", "title"): LessonPlan.title,
    ("PlanCreateSchema", "body_md"): LessonPlan.body_md,
    ("CommentCreateSchema", "body_md"): Comment.body_md,
    ("SessionCreateSchema", "title"): LiveSession.title,
    ("SessionCreateSchema", "agenda"): LiveSession.agenda,
    ("ActionItemInputSchema", "text"): ActionItem.text,
    ("SummaryInputSchema", "decisions"): LiveSession.summary_decisions,
}

# Limits no column holds.
LITERALS = {
    ("PlanQueryArgsSchema", "q"): 100,  # the words searched for
    ("CycleCreateSchema", "target_groups"): 30,  # one group's name inside the JSON column target_groups
}


LIMITS = text_limits(MODULES)


def test_every_limited_text_field_is_accounted_for():
    assert len(LIMITS) > 30
    assert set(LIMITS) == set(COLUMNS) | set(LITERALS)


@pytest.mark.parametrize("key", sorted(COLUMNS), ids=".".join)
def test_the_api_limit_is_the_column_limit(key):
    column = COLUMNS[key]
    assert length_of(column) is not None, f"{column} declares no limit"
    assert LIMITS[key] == length_of(column)


@pytest.mark.parametrize("key", sorted(LITERALS), ids=".".join)
def test_the_literal_limits(key):
    assert LIMITS[key] == LITERALS[key]


# ---------------------------------------------------------------------------- stricter than before


@pytest.fixture
def work(world, in_db) -> dict:
    return build_plc_work(in_db, world)


def test_a_circle_description_is_held_to_the_column(call, world, in_db):
    """Was 20 000 characters; the column (and the form) hold 5000."""
    limit = length_of(Circle.description)
    assert limit == 5000
    body = {"school_id": world.school_a.id, "name": "วงภาษาไทย", "meeting_count": 1, "meeting_period": "month"}
    refused_as_too_long(call("teacher", "POST", "/api/v1/circles", json={**body, "description": "ก" * (limit + 1)}),
              "description", limit)
    assert count(in_db, Circle) == 0
    created = ok(call("teacher", "POST", "/api/v1/circles", json={**body, "description": "ก" * limit}), 201)
    assert len(created["description"]) == limit


def test_a_checkpoint_is_held_to_the_column(call, work, in_db):
    """Was 20 000 characters; the column (and the form) hold 5000."""
    limit = length_of(DECheckpoint.reviewed)
    assert limit == 5000
    path = f"/api/v1/cycles/{work['cycle_id']}/checkpoints"
    refused_as_too_long(call("teacher", "POST", path, json={"stage": "upstream", "reviewed": "ก" * (limit + 1)}),
              "reviewed", limit)
    assert count(in_db, DECheckpoint) == 0
    ok(call("teacher", "POST", path, json={"stage": "upstream", "reviewed": "ก" * limit}), 201)
    assert count(in_db, DECheckpoint) == 1


def test_a_session_agenda_and_an_action_item_are_held_to_the_columns(call, work, in_db):
    """The agenda was 20 000 characters (the column holds 5000), an action item 2000 (the column 500)."""
    agenda_limit, item_limit = length_of(LiveSession.agenda), length_of(ActionItem.text)
    assert (agenda_limit, item_limit) == (5000, 500)
    body = {"circle_id": work["circle_id"], "title": "PLC ออนไลน์", "duration_minutes": 60, "mode": "online",
            "starts_at": (datetime.now(BANGKOK) + timedelta(hours=1)).replace(microsecond=0).isoformat()}
    refused_as_too_long(call("teacher", "POST", "/api/v1/live-sessions", json={**body, "agenda": "ก" * (agenda_limit + 1)}),
              "agenda", agenda_limit)
    assert count(in_db, LiveSession) == 0
    created = ok(call("teacher", "POST", "/api/v1/live-sessions", json={**body, "agenda": "ก" * agenda_limit}), 201)

    answer = call("teacher", "POST", f"/api/v1/live-sessions/{created['id']}/summary", json={
        "decisions": "ทดลองใช้สื่อจริง", "action_items": [{"text": "ก" * (item_limit + 1)}]})
    refused_as_too_long(answer, "action_items", item_limit)  # {"action_items": {"0": {"text": [...]}}}
    assert count(in_db, ActionItem) == 0
