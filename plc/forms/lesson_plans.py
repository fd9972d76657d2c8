"""Forms of the lesson-plan pages: writing and revising a plan, comments, attachments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from plc.forms._fields import (
    ChoiceField,
    MultiCheckboxField,
    RadioChoiceField,
    WholeNumberField,
    max_length,
    optional,
    required,
)
from plc.forms.circles import LearningAreaChoice, learning_area_choices
from plc.models import Comment, LessonPlan, LessonPlanRevision
from plc.models._types import length_of

# Who can see a plan (PLAN_VISIBILITIES), from the narrowest circle of readers to everyone.
PLAN_VISIBILITY_LABELS = {
    "private": _l("Only me"),
    "circle": _l("My PLC circle"),
    "school": _l("My school"),
    "network": _l("My school's networks"),
    "public": _l("Everyone on the platform"),
}
PLAN_VISIBILITY_HINTS = {
    "private": _l("A draft nobody else sees."),
    "circle": _l("The members of the circle of the plan's cycle."),
    "school": _l("The teachers and director of your school."),
    "network": _l("Every school of your school's networks, for example to ask colleagues for comments."),
    "public": _l("Every teacher on the platform, to share a practice that works."),
}

COMMENT_KIND_LABELS = {
    "question": _l("Question"),
    "suggestion": _l("Suggestion"),
    "strength": _l("Strength"),
    "note": _l("Note"),
}
COMMENT_KIND_HINTS = {
    "question": _l("Something you want to understand"),
    "suggestion": _l("An idea to improve the plan"),
    "strength": _l("What works well"),
    "note": _l("Anything else"),
}

MAX_BODY = length_of(LessonPlan.body_md)  # also what the live preview accepts


class LessonPlanForm(LearningAreaChoice, FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the plan a title.")), max_length(LessonPlan.title)],
                        description=_l("For example “แผนที่ 3 เศษส่วนด้วยสื่อจริง”."))
    learning_area = ChoiceField(_l("Learning area"), validators=[optional()])
    learning_area_other = StringField(_l("Other learning area or theme"),
                                      validators=[optional(), max_length(LessonPlan.learning_area)])
    grade = StringField(_l("Grade"), validators=[optional(), max_length(LessonPlan.grade)],
                        description=_l("For example ป.5/1."))
    duration_minutes = WholeNumberField(_l("Duration (minutes)"), validators=[
        optional(), NumberRange(min=1, max=60 * 40, message=_l("Give the duration in minutes."))])
    cycle_id = ChoiceField(_l("PLC cycle"), coerce=int, validators=[optional()])
    circle_id = ChoiceField(_l("PLC circle"), coerce=int, validators=[optional()])
    step_ids = MultiCheckboxField(_l("Innovation steps applied"), coerce=int)
    visibility = RadioChoiceField(_l("Who can see the plan"),
                                  validators=[required(_l("Choose who can see the plan."))])
    body_md = TextAreaField(_l("The plan"), validators=[optional(), max_length(LessonPlan.body_md)],
                            render_kw={"rows": 24, "spellcheck": "false"})
    message = StringField(_l("What changed"), validators=[optional(), max_length(LessonPlanRevision.message)],
                          description=_l("A short note for the history, for example “more time for group work”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.learning_area.choices = learning_area_choices()
        self.visibility.choices = [SelectChoice(k, v) for k, v in PLAN_VISIBILITY_LABELS.items()]


class CommentForm(FlaskForm):
    kind = RadioChoiceField(_l("Kind of comment"), default="note",
                            validators=[required(_l("Choose question, suggestion, strength or note."))])
    body_md = TextAreaField(_l("Comment"), validators=[required(_l("Write your comment.")), max_length(Comment.body_md)],
                            render_kw={"rows": 3})
    parent_id = HiddenField()
    revision = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, v) for k, v in COMMENT_KIND_LABELS.items()]


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"))

