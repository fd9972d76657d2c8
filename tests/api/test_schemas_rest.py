"""The text limits of the rest of the API (coaching, goals, innovations, reflections, organisation, the
user, the dashboards, tokens) are the columns' limits (``length_of``), as tests/api/test_schemas.py
checks for circles, cycles, lesson plans and live sessions.

``COLUMNS`` names, for every limited string field of these modules' input schemas, the column its
value is saved to (or, for a filter, compared with); ``LITERALS`` the limits no column holds.

Where the API used to allow more than the column declares (a shared 20 000 characters), it now refuses
what the page's form refuses: the requests below pin one such case per module (too long answers 422
naming the field, nothing is saved; exactly the limit is accepted). Two limits were below the column
and the form and are now the column's: a visit's focus (2000 → 5000) and a feedback answer (10 000 →
20 000); the limit itself is accepted, one more character is not.
"""

from __future__ import annotations

import pytest

from plc.blueprints.api import auth as api_auth
from plc.blueprints.api import coaching as api_coaching
from plc.blueprints.api import dashboards as api_dashboards
from plc.blueprints.api import goals as api_goals
from plc.blueprints.api import innovations as api_innovations
from plc.blueprints.api import org as api_org
from plc.blueprints.api import reflections as api_reflections
from plc.blueprints.api import schemas as api_schemas
from plc.blueprints.api import users as api_users
from plc.i18n import bangkok_today
from plc.models import (
    CoachingVisit,
    FocusArea,
    Innovation,
    InnovationStep,
    InnovationVersion,
    Reflection,
    ReflectionFeedback,
    SchoolGoal,
    User,
)
from plc.models._types import length_of
from plc.models.reflections import REFLECTION_FIELDS
from plc.services import passwords
from tests.api.limits import refused_as_too_long, text_limits
from tests.conftest import count
from tests.openapi_helpers import ok
from tests.plc_helpers import build_plc_work

MODULES = (api_coaching, api_goals, api_innovations, api_reflections, api_org, api_users, api_dashboards,
           api_auth, api_schemas)
GOAL_TEXTS = ("statement", "context_needs", "indicator", "target")
VERSION_TEXTS = ("name_th", "name", "name_en", "description_th", "description_en", "change_note")

# (schema that declares the field, field) -> the column of its value.
COLUMNS = {
    ("VisitCreateSchema", "focus"): CoachingVisit.focus,
    ("VisitCreateSchema", "observe_what"): CoachingVisit.observe_what,
    ("VisitHeldSchema", "observation_notes"): CoachingVisit.observation_notes,
    ("VisitHeldSchema", "follow_up"): CoachingVisit.follow_up,
    ("VisitReflectionSchema", "text"): CoachingVisit.coach_reflection,  # or teacher_reflection: the same limit
    ("FocusAreaArgsSchema", "taxonomy"): FocusArea.taxonomy,  # a filter: a longer value matches nothing
    **{("GoalFieldsSchema", name): getattr(SchoolGoal, name) for name in GOAL_TEXTS},
    **{("GoalUpdateSchema", name): getattr(SchoolGoal, name) for name in GOAL_TEXTS},
    ("StepInputSchema", "code"): InnovationStep.code,
    ("StepInputSchema", "label_en"): InnovationStep.label_en,
    **{("VersionInputSchema", name): getattr(InnovationVersion, name) for name in VERSION_TEXTS},
    ("InnovationCreateSchema", "policy_area"): Innovation.policy_area,
    **{(schema, name): getattr(Reflection, name)
       for schema in ("ReflectionCreateSchema", "ReflectionUpdateSchema")
       for name in ("title", "body_md", *REFLECTION_FIELDS)},
    ("FeedbackCreateSchema", "body_md"): ReflectionFeedback.body_md,
    ("TokenRequestSchema", "email"): User.email,
    ("StepInputSchema", "text_th"): InnovationStep.text_th,
    ("StepInputSchema", "text_en"): InnovationStep.text_en,
    ("VersionInputSchema", "notes"): InnovationVersion.notes,
}

# Limits no column holds.
LITERALS = {
    ("SchoolQueryArgsSchema", "q"): 100,  # the words searched for
    ("InnovationQueryArgsSchema", "q"): 100,  # the words searched for
    ("DashboardArgsSchema", "term"): 20,  # a semester or a year, parsed, never saved
    ("TokenRequestSchema", "password"): passwords.MAX_LENGTH,  # only its hash is saved: the service's limit
}


LIMITS = text_limits(MODULES, with_generated=True)


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


def test_a_goal_indicator_is_held_to_the_column(call, world, in_db):
    """Was 20 000 characters; the column (and the form) hold 2000."""
    limit = length_of(SchoolGoal.indicator)
    assert limit == 2000
    body = {"school_id": world.school_a.id, "academic_year_be": 2568, "statement": "นักเรียนคิดวิเคราะห์ได้"}
    refused_as_too_long(call("teacher", "POST", "/api/v1/goals", json={**body, "indicator": "ก" * (limit + 1)}),
              "indicator", limit)
    assert count(in_db, SchoolGoal) == 0
    created = ok(call("teacher", "POST", "/api/v1/goals", json={**body, "indicator": "ก" * limit}), 201)
    assert len(created["indicator"]) == limit


def test_an_innovation_description_is_held_to_the_column(call, world, in_db):
    """Was 20 000 characters; the column (and the form) hold 10 000."""
    limit = length_of(InnovationVersion.description_th)
    assert limit == 10000
    body = {"owner": {"school_id": world.school_a.id}, "kind": "classroom_model", "visibility": "network",
            "name_th": "รูปแบบการเรียนรู้เชิงรุก", "steps": [{"text_th": "ฝึกสืบค้น"}]}
    refused_as_too_long(call("teacher", "POST", "/api/v1/innovations", json={**body, "description_th": "ก" * (limit + 1)}),
              "description_th", limit)
    assert count(in_db, Innovation) == 0
    created = ok(call("teacher", "POST", "/api/v1/innovations", json={**body, "description_th": "ก" * limit}), 201)
    assert len(created["current_version"]["description_th"]) == limit


def test_a_visit_is_held_to_the_columns(call, world, in_db):
    """What to observe was 20 000 characters (the column holds 5000); the focus 2000, now the column's 5000."""
    observe_limit, focus_limit = length_of(CoachingVisit.observe_what), length_of(CoachingVisit.focus)
    assert (observe_limit, focus_limit) == (5000, 5000)
    body = {"teacher_id": world.teacher.id, "school_id": world.school_a.id,
            "planned_on": bangkok_today().isoformat(), "focus": "การอ่าน"}
    refused_as_too_long(call("coach", "POST", "/api/v1/coaching-visits", json={**body, "observe_what": "ก" * (observe_limit + 1)}),
              "observe_what", observe_limit)
    refused_as_too_long(call("coach", "POST", "/api/v1/coaching-visits", json={**body, "focus": "ก" * (focus_limit + 1)}),
              "focus", focus_limit)
    assert count(in_db, CoachingVisit) == 0
    created = ok(call("coach", "POST", "/api/v1/coaching-visits", json={
        **body, "focus": "ก" * focus_limit, "observe_what": "ก" * observe_limit}), 201)
    assert (len(created["focus"]), len(created["observe_what"])) == (focus_limit, observe_limit)


def test_a_feedback_answer_is_held_to_the_column(call, work, in_db):
    """Reflections kept their parts at the columns' 20 000 already; a feedback answer was 10 000, the column
    (and the form) hold 20 000."""
    limit = length_of(ReflectionFeedback.body_md)
    assert limit == 20000
    reflection = ok(call("teacher", "POST", "/api/v1/reflections", json={
        "title": "บันทึกหลังสอน", "cycle_id": work["cycle_id"], "visibility": "circle", "results": "อ่านคล่องขึ้น"}), 201)
    ok(call("teacher", "POST", f"/api/v1/reflections/{reflection['id']}/share"))
    path = f"/api/v1/reflections/{reflection['id']}/feedback"
    refused_as_too_long(call("teacher", "POST", path, json={"body_md": "ก" * (limit + 1)}), "body_md", limit)
    assert count(in_db, ReflectionFeedback) == 0
    ok(call("teacher", "POST", path, json={"body_md": "ก" * limit}), 201)
    assert count(in_db, ReflectionFeedback) == 1
