"""Text limits are declared once, beside the columns (``String(200)``, or ``info={"max_length": n}`` on
a Text column), and the forms read them from there (``max_length(Circle.name)``).

``COLUMNS`` names, for every form field with a length limit, the column its view saves it to (followed
through plc/blueprints and plc/services); ``LITERALS`` the few limits no column holds. A new form field
with a limit must be listed in one of the two, so a literal cannot slip back in unnoticed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy import String, Text
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import plc.forms
from plc.forms._fields import max_length
from plc.models import (
    ActionItem,
    Circle,
    CircleMeeting,
    CoachingSynthesis,
    CoachingVisit,
    Comment,
    Cycle,
    DECheckpoint,
    InnovationStep,
    InnovationVersion,
    LessonPlan,
    LessonPlanRevision,
    LessonsLearned,
    LiveSession,
    OutcomeMeasure,
    Reflection,
    ReflectionFeedback,
    SchoolGoal,
    User,
)
from plc.models._types import length_of
from plc.models.forums import Forum, ForumFeedback, ForumSubmission
from plc.models.reflections import REFLECTION_FIELDS
from plc.models.surveys import Survey, SurveyAnswer, SurveyDraft, SurveyItem, SurveySection
from plc.services import passwords

# (form class that declares the field, field) -> the column the field's value is saved to.
COLUMNS = {
    # auth.py: the e-mail is looked up against User.email; the profile is saved by accounts.update_profile.
    ("LoginForm", "email"): User.email,
    ("ProfileForm", "title_th"): User.title_th,
    ("ProfileForm", "name_th"): User.name_th,
    ("ProfileForm", "name_en"): User.name_en,
    ("ProfileForm", "position_th"): User.position_th,
    ("ProfileForm", "learning_area_th"): User.learning_area_th,
    # people.py: memberships.invite creates the User.
    ("InviteForm", "email"): User.email,
    ("InviteForm", "name_th"): User.name_th,
    ("InviteForm", "name_en"): User.name_en,
    # circles.py: circles.create / update / record_meeting.
    ("CircleForm", "name"): Circle.name,
    ("CircleForm", "learning_area_other"): Circle.learning_area,  # chosen_learning_area()
    ("CircleForm", "grade_band"): Circle.grade_band,
    ("CircleForm", "description"): Circle.description,
    ("CircleForm", "norms"): Circle.norms,
    ("MeetingForm", "title"): CircleMeeting.title,
    ("MeetingForm", "notes"): CircleMeeting.notes,
    # coaching.py: coaching.plan_visit / record_held / reflect / save_synthesis.
    ("VisitForm", "focus"): CoachingVisit.focus,
    ("VisitForm", "observe_what"): CoachingVisit.observe_what,
    ("ObservationForm", "observation_notes"): CoachingVisit.observation_notes,
    ("ObservationForm", "follow_up"): CoachingVisit.follow_up,
    ("VisitReflectionForm", "text"): CoachingVisit.coach_reflection,  # or teacher_reflection: see SAME_LIMIT
    ("SynthesisForm", "body_md"): CoachingSynthesis.body_md,
    # cycles.py: cycles.create / add_checkpoint / close, outcomes.record.
    ("CycleForm", "title"): Cycle.title,
    ("CycleForm", "problem"): Cycle.problem,
    ("CycleForm", "challenge_issues"): Cycle.challenge_issues,
    ("CycleForm", "target_grade"): Cycle.target_grade,
    ("CheckpointForm", "reviewed"): DECheckpoint.reviewed,
    ("CheckpointForm", "monitored"): DECheckpoint.monitored,
    ("CheckpointForm", "evaluated"): DECheckpoint.evaluated,
    ("CheckpointForm", "changed"): DECheckpoint.changed,
    ("OutcomeForm", "measure"): OutcomeMeasure.measure,
    ("OutcomeForm", "group"): OutcomeMeasure.group,
    **{("LessonsForm", name): getattr(LessonsLearned, name)
       for name in ("results", "picture_of_success", "problems", "conditions", "next_steps")},
    # goals.py: goals.create / update / create_core.
    ("GoalForm", "statement"): SchoolGoal.statement,
    ("GoalForm", "context_needs"): SchoolGoal.context_needs,
    ("GoalForm", "indicator"): SchoolGoal.indicator,
    ("GoalForm", "target"): SchoolGoal.target,
    # innovations.py: innovations.create / revise write an InnovationVersion.
    ("InnovationForm", "name_th"): InnovationVersion.name_th,
    ("InnovationForm", "name"): InnovationVersion.name,
    ("InnovationForm", "name_en"): InnovationVersion.name_en,
    ("InnovationForm", "description_th"): InnovationVersion.description_th,
    ("InnovationForm", "description_en"): InnovationVersion.description_en,
    ("InnovationForm", "change_note"): InnovationVersion.change_note,
    ("RevisionForm", "change_note"): InnovationVersion.change_note,
    # lesson_plans.py: lesson_plans.create / update (title and text also go to the revision) / add_comment.
    ("LessonPlanForm", "title"): LessonPlan.title,
    ("LessonPlanForm", "learning_area_other"): LessonPlan.learning_area,
    ("LessonPlanForm", "grade"): LessonPlan.grade,
    ("LessonPlanForm", "body_md"): LessonPlan.body_md,
    ("LessonPlanForm", "message"): LessonPlanRevision.message,
    ("CommentForm", "body_md"): Comment.body_md,
    # live_sessions.py: live_sessions.schedule / write_summary (one ActionItem row per item).
    ("ScheduleForm", "title"): LiveSession.title,
    ("ScheduleForm", "agenda"): LiveSession.agenda,
    ("ActionItemForm", "text"): ActionItem.text,
    ("SummaryForm", "decisions"): LiveSession.summary_decisions,
    # reflections.py: reflections.save_draft / add_feedback.
    ("ReflectionForm", "title"): Reflection.title,
    **{("ReflectionForm", name): getattr(Reflection, name) for name in REFLECTION_FIELDS},
    ("ReflectionForm", "body_md"): Reflection.body_md,
    ("FeedbackForm", "body_md"): ReflectionFeedback.body_md,
    # surveys.py: surveys.create_survey / update_survey / add_section / add_item (the choices, one per
    # line, are stored as one JSON list).
    ("SurveyForm", "title"): Survey.title,
    ("SurveyForm", "description"): Survey.description,
    ("SectionForm", "title"): SurveySection.title,
    ("ItemForm", "prompt"): SurveyItem.prompt,
    ("ItemForm", "choices"): SurveyItem.choices_json,
    # forums.py: forums.create_forum / update_forum / submit / give_feedback / honour.
    ("ForumForm", "title"): Forum.title,
    ("ForumForm", "description"): Forum.description,
    ("SubmissionForm", "title"): ForumSubmission.title,
    ("SubmissionForm", "summary"): ForumSubmission.summary,
    ("ForumFeedbackForm", "body"): ForumFeedback.body,
    ("HonourForm", "honour"): ForumSubmission.honour,
}

# Limits that no column holds.
LITERALS = {
    # Only the password's hash is stored; every password field is held to the service's limit.
    ("LoginForm", "password"): passwords.MAX_LENGTH,
    ("SetPasswordForm", "password"): passwords.MAX_LENGTH,
    ("ChangePasswordForm", "current_password"): passwords.MAX_LENGTH,
    ("ChangePasswordForm", "new_password"): passwords.MAX_LENGTH,
    # The raw steps text is parsed into InnovationStep rows, not stored.
    ("InnovationForm", "steps"): 20000,
}

# One form field saved to two columns: the columns must agree.
SAME_LIMIT = [
    (CoachingVisit.coach_reflection, CoachingVisit.teacher_reflection),  # whoever of the two reflects
    (LessonPlan.body_md, LessonPlanRevision.body_md),  # every save of the plan adds a revision
    (LessonPlan.title, LessonPlanRevision.title),
]


def _form_classes() -> dict[str, type[Form]]:
    found = {}
    for module_info in pkgutil.iter_modules(plc.forms.__path__):
        module = importlib.import_module(f"plc.forms.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == module.__name__:
                found[name] = cls
    return found


FORMS = _form_classes()


def _validators(unbound: UnboundField) -> list:
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or [])
    return list(unbound.args[1]) if len(unbound.args) > 1 else []


def _length_limits() -> dict[tuple[str, str], int]:
    """{(declaring form, field): the max of its Length validator} over every form of plc/forms."""
    limits = {}
    for cls in FORMS.values():
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if not isinstance(value, UnboundField):
                    continue
                lengths = [v for v in _validators(value) if isinstance(v, Length)]
                if lengths:
                    assert len(lengths) == 1, (klass.__name__, name)
                    limits[(klass.__name__, name)] = lengths[0].max
    return limits


LIMITS = _length_limits()


def test_the_forms_were_found():
    assert {"CircleForm", "ActionItemForm", "ProfileForm", "ReflectionForm"} <= set(FORMS)
    assert len(LIMITS) > 60


def test_every_limited_field_is_accounted_for():
    """A field with a limit reads it from a column, or is one of the few listed literals."""
    assert set(LIMITS) == set(COLUMNS) | set(LITERALS)
    assert not set(COLUMNS) & set(LITERALS)


@pytest.mark.parametrize("key", sorted(COLUMNS), ids=".".join)
def test_the_form_limit_is_the_column_limit(key):
    column = COLUMNS[key]
    assert length_of(column) is not None, f"{column} declares no limit"
    assert LIMITS[key] == length_of(column)


# Where a form may give a limit that is not a column: (file, the limit as written).
LITERAL_SOURCES = {("auth.py", "passwords.MAX_LENGTH"), ("innovations.py", "MAX_STEPS_TEXT")}


def _limit_arguments(tree: ast.AST):
    """The limit argument of every ``max_length(…)`` and ``Length(max=…)`` call."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "max_length" and node.args:
                yield node.args[0]
            elif node.func.id == "Length":
                yield from (k.value for k in node.keywords if k.arg == "max")


def test_the_forms_write_no_number_a_column_holds():
    """Limits are columns of a model (``Circle.name``, ``getattr(Reflection, name)``); equal numbers would
    pass the tests above, so the sources are read too."""
    literals = set()
    for path in sorted(Path(plc.forms.__file__).parent.glob("*.py")):
        if path.name == "_fields.py":
            continue
        for arg in _limit_arguments(ast.parse(path.read_text(encoding="utf-8"))):
            of_a_model = isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id[0].isupper()
            is_column = of_a_model or (
                isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "getattr")
            if not is_column:
                literals.add((path.name, ast.unparse(arg)))
    assert literals == LITERAL_SOURCES


@pytest.mark.parametrize("key", sorted(LITERALS), ids=".".join)
def test_literal_limits(key):
    assert LIMITS[key] == LITERALS[key]


@pytest.mark.parametrize("first, second", SAME_LIMIT, ids=lambda c: str(c))
def test_columns_fed_by_one_field_agree(first, second):
    assert length_of(first) is not None
    assert length_of(first) == length_of(second)


def _declared_text_columns() -> set:
    from plc.extensions import db

    return {column for table in db.metadata.tables.values() for column in table.columns
            if isinstance(column.type, Text) and column.info.get("max_length") is not None}


# Text columns whose declared limit no field's Length holds: each line of the steps textarea is
# checked by parse_steps (tests below), and no page edits a version's notes (the API holds them).
# A survey's answers are fields the respond page builds per question (each with the column's maxlength)
# and surveys.parse_answers holds to the column; a respondent's draft is checked whole by save_draft.
HELD_BESIDE_THE_FIELDS = (InnovationStep.text_th, InnovationStep.text_en, InnovationVersion.notes,
                          SurveyAnswer.text, SurveyDraft.answers_json)


def test_every_declared_text_limit_is_enforced_by_a_form():
    """A Text column declares a limit because a form holds people to it; none is left unread."""
    read = {column.property.columns[0] for column in COLUMNS.values()}
    shared = {second.property.columns[0] for _first, second in SAME_LIMIT}
    beside = {column.property.columns[0] for column in HELD_BESIDE_THE_FIELDS}
    assert _declared_text_columns() - read - shared - beside == set()
    assert {c for c in read if isinstance(c.type, Text)} <= _declared_text_columns()


def test_length_of():
    assert length_of(Circle.name) == 200  # String(200)
    assert length_of(Circle.description) == 5000  # Text, info={"max_length": 5000}
    assert length_of(LessonPlan.body_html) is None  # Text without a declared limit
    assert length_of(Circle.__table__.c.name) == 200  # a table's column works too
    assert isinstance(Circle.name.property.columns[0].type, String)


def test_max_length_reads_the_column_and_refuses_a_column_without_limit():
    assert max_length(Circle.description).max == 5000
    assert max_length(1024).max == 1024
    with pytest.raises(ValueError, match="declares no length"):
        max_length(LessonPlan.body_html)


def _bound_field(form_name: str, field: str, value: str):
    form = FORMS[form_name](formdata=MultiDict({field: value}), meta={"csrf": False})
    return form, form[field]


@pytest.mark.parametrize("key", sorted(COLUMNS), ids=".".join)
def test_each_field_accepts_the_column_limit_and_refuses_one_more(app, key):
    form_name, name = key
    limit = length_of(COLUMNS[key])
    with app.test_request_context("/?lang=en"):
        form, field = _bound_field(form_name, name, "ก" * limit)
        field.validate(form)
        assert field.errors == []
        form, field = _bound_field(form_name, name, "ก" * (limit + 1))
        field.validate(form)
        assert [str(e) for e in field.errors] == [f"At most {limit} characters."]


@pytest.mark.parametrize("lang, message", [("en", "At most 5000 characters."), ("th", "ไม่เกิน 5000 ตัวอักษร")])
def test_circle_form_refuses_a_description_longer_than_the_column_declares(app, lang, message):
    assert length_of(Circle.description) == 5000
    data = {"scope": "school:1", "name": "วงคณิต", "meeting_count": "2", "meeting_period": "month",
            "learning_area": ""}
    with app.test_request_context(f"/?lang={lang}"):
        form = plc.forms.circles.CircleForm(formdata=MultiDict({**data, "description": "x" * 5000}),
                                            meta={"csrf": False})
        form.scope.choices = [SelectChoice("school:1", "School A")]
        assert form.validate(), form.errors
        form = plc.forms.circles.CircleForm(formdata=MultiDict({**data, "description": "x" * 5001}),
                                            meta={"csrf": False})
        form.scope.choices = [SelectChoice("school:1", "School A")]
        assert not form.validate()
        assert [str(e) for e in form.description.errors] == [message]
        assert set(form.errors) == {"description"}


def test_a_step_code_is_held_to_the_column_and_the_message_names_its_limit(app):
    from plc.forms.innovations import parse_steps

    limit = length_of(InnovationStep.code)
    with app.test_request_context("/?lang=en"):
        steps, errors = parse_steps("A" * limit + " | ข้อความ")
        assert errors == [] and steps[0].code == "A" * limit
        steps, errors = parse_steps("A" * (limit + 1) + " | ข้อความ")
        assert steps == []
        assert len(errors) == 1 and f"at most {limit} characters" in errors[0]


def test_the_innovation_texts_declare_their_limits():
    assert (length_of(InnovationStep.text_th), length_of(InnovationStep.text_en)) == (5000, 5000)
    assert length_of(InnovationVersion.notes) == 20000


@pytest.mark.parametrize("lang, message", [
    ("en", "Line 1: keep the code short (at most 10 characters)."),
    ("th", "บรรทัดที่ 1: รหัสต้องสั้น (ไม่เกิน 10 ตัวอักษร)"),
], ids=["en", "th"])
def test_the_step_code_message_names_the_limit_the_column_declares(app, monkeypatch, lang, message):
    from plc.forms.innovations import parse_steps

    monkeypatch.setattr(InnovationStep.code.property.columns[0].type, "length", 10)
    with app.test_request_context(f"/?lang={lang}"):
        assert parse_steps("A" * 10 + " | ข้อความ")[1] == []
        assert parse_steps("A" * 11 + " | ข้อความ") == ([], [message])


@pytest.mark.parametrize("column, line", [
    (InnovationStep.text_th, lambda text: f"S | {text}"),
    (InnovationStep.text_en, lambda text: f"S | ข้อความ | Survey | {text}"),
], ids=["text_th", "text_en"])
def test_each_text_of_a_step_line_is_held_to_its_column(app, column, line):
    from plc.forms.innovations import parse_steps

    limit = length_of(column)
    with app.test_request_context("/?lang=en"):
        steps, errors = parse_steps(line("ก" * limit))
        assert errors == [] and getattr(steps[0], column.key) == "ก" * limit
        assert parse_steps(line("ก" * (limit + 1))) == (
            [], [f"Line 1: the text is too long (at most {limit} characters)."])


@pytest.mark.parametrize("lang, message", [
    ("en", "Line 2: the text is too long (at most 12 characters)."),
    ("th", "บรรทัดที่ 2: ข้อความยาวเกินไป (ไม่เกิน 12 ตัวอักษร)"),
], ids=["en", "th"])
def test_the_step_text_message_names_the_limit_the_column_declares(app, monkeypatch, lang, message):
    from plc.forms.innovations import parse_steps

    monkeypatch.setitem(InnovationStep.text_th.property.columns[0].info, "max_length", 12)
    with app.test_request_context(f"/?lang={lang}"):
        assert parse_steps("| " + "ก" * 12 + "\n| " + "ก" * 13)[1] == [message]


PASSWORD_FIELDS = sorted(key for key in LITERALS if "password" in key[1])


@pytest.mark.parametrize("form_name, name", PASSWORD_FIELDS, ids=[".".join(key) for key in PASSWORD_FIELDS])
@pytest.mark.parametrize("lang, message", [
    ("en", "The password is too long (at most 256 characters)."),
    ("th", "รหัสผ่านยาวเกินไป (ไม่เกิน 256 ตัวอักษร)"),
], ids=["en", "th"])
def test_every_password_field_is_held_to_the_service_limit(app, form_name, name, lang, message):
    assert passwords.MAX_LENGTH == 256
    with app.test_request_context(f"/?lang={lang}"):
        form, field = _bound_field(form_name, name, "ก" * passwords.MAX_LENGTH)
        field.validate(form)
        assert field.errors == []
        form, field = _bound_field(form_name, name, "ก" * (passwords.MAX_LENGTH + 1))
        field.validate(form)
        assert [str(e) for e in field.errors] == [message]
