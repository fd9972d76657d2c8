from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from plc.forms._fields import (
    ChoiceField,
    DayField,
    DecimalNumberField,
    MultiCheckboxField,
    RadioChoiceField,
    WholeNumberField,
    max_length,
    optional,
    required,
)
from plc.labels import DE_STAGE_LABELS, PHASE_TEMPLATE_LABELS
from plc.models import Cycle, DECheckpoint, LessonsLearned, OutcomeMeasure
from plc.services.outcomes import Aggregate

# Stored in Thai as the documents write them (เก่ง/กลาง/อ่อน); shown in the reader's language.
TARGET_GROUP_LABELS = {
    "เก่ง": _l("Strong (เก่ง)"),
    "กลาง": _l("Middle (กลาง)"),
    "อ่อน": _l("Weak (อ่อน)"),
}


# The statistics refuse n < 2 with their own message; this only keeps absurd counts out of the database.
STUDENTS = NumberRange(max=100_000, message=_l("At most 100,000 students."))


class CycleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the cycle a title.")), max_length(Cycle.title)])
    problem = TextAreaField(_l("Problem or focus"), validators=[
        required(_l("Describe the problem or focus of the cycle.")), max_length(Cycle.problem)], render_kw={"rows": 4})
    challenge_issues = TextAreaField(_l("Challenge issues (ประเด็นท้าทาย) it serves"),
                                     validators=[optional(), max_length(Cycle.challenge_issues)], render_kw={"rows": 3})
    goal_ids = MultiCheckboxField(_l("School goals it serves"), coerce=int)
    innovation_version_ids = MultiCheckboxField(_l("Innovations it applies"), coerce=int)
    step_ids = MultiCheckboxField(_l("Steps it applies"), coerce=int)
    template = RadioChoiceField(_l("Phases"), validators=[required(_l("Choose a phase template."))], default="thai_plc")
    template_version_id = ChoiceField(_l("Follow the steps of"), coerce=int, validators=[optional()])
    target_grade = StringField(_l("Grade"), validators=[optional(), max_length(Cycle.target_grade)],
                               description=_l("For example ป.5/1."))
    target_class_size = WholeNumberField(_l("Class size (students)"), validators=[
        optional(), NumberRange(min=1, max=500, message=_l("Give the class size as a number of students."))])
    target_groups = MultiCheckboxField(_l("Target groups"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.template.choices = [SelectChoice(k, v) for k, v in PHASE_TEMPLATE_LABELS.items()]
        self.target_groups.choices = [SelectChoice(k, v) for k, v in TARGET_GROUP_LABELS.items()]


class CheckpointForm(FlaskForm):
    stage = ChoiceField(_l("Stage"), validators=[required(_l("Choose upstream, midstream or downstream."))])
    held_on = DayField(_l("Held on"), validators=[optional()])
    reviewed = TextAreaField(_l("What was reviewed"), validators=[optional(), max_length(DECheckpoint.reviewed)],
                             render_kw={"rows": 2})
    monitored = TextAreaField(_l("What was monitored"), validators=[optional(), max_length(DECheckpoint.monitored)],
                              render_kw={"rows": 2})
    evaluated = TextAreaField(_l("What was evaluated"), validators=[optional(), max_length(DECheckpoint.evaluated)],
                              render_kw={"rows": 2})
    changed = TextAreaField(_l("What was changed as a result"),
                            validators=[optional(), max_length(DECheckpoint.changed)],
                            render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.stage.choices = [SelectChoice(k, v) for k, v in DE_STAGE_LABELS.items()]


class OutcomeForm(FlaskForm):
    """Aggregates only: how many students, their average and standard deviation. Never names."""

    measure = StringField(_l("Measure"), validators=[
        required(_l("Name the measure, for example a reading test.")), max_length(OutcomeMeasure.measure)],
        description=_l("For example a reading test or a mathematics unit test."))
    group = StringField(_l("Group of students"), validators=[
        required(_l("Name the group, for example the whole class or the weaker group.")),
        max_length(OutcomeMeasure.group)],
        render_kw={"list": "group-suggestions"})
    pre_n = WholeNumberField(_l("Students (n)"), validators=[optional(), STUDENTS], render_kw={"min": 2})
    pre_mean = DecimalNumberField(_l("Average (mean)"), validators=[optional()])
    pre_sd = DecimalNumberField(_l("Standard deviation (SD)"), validators=[optional()])
    post_n = WholeNumberField(_l("Students (n)"), validators=[optional(), STUDENTS], render_kw={"min": 2})
    post_mean = DecimalNumberField(_l("Average (mean)"), validators=[optional()])
    post_sd = DecimalNumberField(_l("Standard deviation (SD)"), validators=[optional()])

    def aggregate(self, prefix: str):
        """An Aggregate for "pre" or "post", or None when nothing of it was entered."""

        n, mean, sd = (getattr(self, f"{prefix}_{name}").data for name in ("n", "mean", "sd"))
        if n is None and mean is None and sd is None:
            return None
        return Aggregate(n=n, mean=mean, sd=sd)


class LessonsForm(FlaskForm):
    """ถอดบทเรียน: every part is needed to close the cycle."""

    results = TextAreaField(_l("Results"), validators=[required(_l("Write the results.")),
                                                           max_length(LessonsLearned.results)],
                            render_kw={"rows": 4})
    picture_of_success = TextAreaField(_l("Picture of success"), validators=[
        required(_l("Describe the picture of success.")), max_length(LessonsLearned.picture_of_success)], render_kw={"rows": 3})
    problems = TextAreaField(_l("Problems and obstacles"), validators=[
        required(_l("Write the problems and obstacles.")), max_length(LessonsLearned.problems)], render_kw={"rows": 3})
    conditions = TextAreaField(_l("Conditions for success"), validators=[
        required(_l("Write the conditions for success.")), max_length(LessonsLearned.conditions)], render_kw={"rows": 3})
    next_steps = TextAreaField(_l("Next steps"), validators=[
        required(_l("Write the next steps.")), max_length(LessonsLearned.next_steps)], render_kw={"rows": 3})
    confirmed = HiddenField()
