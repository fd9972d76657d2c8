from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from plc.forms._fields import (
    ChoiceField,
    DayField,
    WholeNumberField,
    input_required,
    max_length,
    optional,
    required,
)
from plc.i18n import current_locale
from plc.labels import CIRCLE_ROLE_LABELS, MEETING_MODE_LABELS, MEETING_PERIOD_LABELS
from plc.models import Circle, CircleMeeting

# กลุ่มสาระการเรียนรู้ of the basic education core curriculum. Stored in Thai, shown in the reader's language.
LEARNING_AREAS = {
    "ภาษาไทย": _l("Thai language"),
    "คณิตศาสตร์": _l("Mathematics"),
    "วิทยาศาสตร์และเทคโนโลยี": _l("Science and technology"),
    "สังคมศึกษา ศาสนา และวัฒนธรรม": _l("Social studies, religion and culture"),
    "สุขศึกษาและพลศึกษา": _l("Health and physical education"),
    "ศิลปะ": _l("Arts"),
    "การงานอาชีพ": _l("Occupations"),
    "ภาษาต่างประเทศ": _l("Foreign languages"),
}
OTHER = "other"


def learning_area_choices() -> list[SelectChoice]:
    english = current_locale() == "en"
    return ([SelectChoice("", _l("— Not tied to one learning area —"))]
            + [SelectChoice(value, f"{value} ({label})" if english else value) for value, label in LEARNING_AREAS.items()]
            + [SelectChoice(OTHER, _l("Another (write it below)"))])


class LearningAreaChoice:
    """For a form with ``learning_area`` (a list with "another") and ``learning_area_other`` fields."""

    def chosen_learning_area(self) -> str | None:
        if self.learning_area.data == OTHER:
            return (self.learning_area_other.data or "").strip() or None
        return self.learning_area.data or None

    def show_learning_area(self, value: str | None) -> None:
        """Fills the two learning-area fields from a stored value."""
        if not value:
            self.learning_area.data = ""
        elif value in LEARNING_AREAS:
            self.learning_area.data = value
        else:
            self.learning_area.data = OTHER
            self.learning_area_other.data = value


class CircleForm(LearningAreaChoice, FlaskForm):
    scope = ChoiceField(_l("School or network"), validators=[required()])
    name = StringField(_l("Name of the circle"), validators=[required(_l("Give the circle a name.")),
                                                                 max_length(Circle.name)])
    learning_area = ChoiceField(_l("Learning area"), validators=[optional()])
    learning_area_other = StringField(_l("Other learning area or theme"),
                                      validators=[optional(), max_length(Circle.learning_area)])
    grade_band = StringField(_l("Grade band"), validators=[optional(), max_length(Circle.grade_band)],
                             description=_l("For example ป.4–6 or ม.1–3."))
    description = TextAreaField(_l("What the circle works on"), validators=[optional(), max_length(Circle.description)],
                                render_kw={"rows": 3})
    norms = TextAreaField(_l("Norms (agreements every member accepts)"), validators=[optional(), max_length(Circle.norms)],
                          render_kw={"rows": 4})
    meeting_count = WholeNumberField(_l("Meetings at least"), default=1, validators=[
        input_required(), NumberRange(min=1, max=31, message=_l("Meet at least once, at most 31 times, per period."))])
    meeting_period = ChoiceField(_l("Per"), validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.learning_area.choices = learning_area_choices()
        self.meeting_period.choices = [SelectChoice(k, v) for k, v in MEETING_PERIOD_LABELS.items()]


class EditCircleForm(CircleForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.scope


class AddMemberForm(FlaskForm):
    user_id = ChoiceField(_l("Person"), coerce=int, validators=[required(_l("Choose a person."))])
    role = ChoiceField(_l("Role in the circle"), validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.role.choices = [SelectChoice(k, v) for k, v in CIRCLE_ROLE_LABELS.items()]


class MemberRoleForm(FlaskForm):
    role = ChoiceField(_l("Role in the circle"), validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.role.choices = [SelectChoice(k, v) for k, v in CIRCLE_ROLE_LABELS.items()]


class MeetingForm(FlaskForm):
    held_on = DayField(_l("Held on"), validators=[input_required(_l("Enter a date."))])
    title = StringField(_l("Title or topic"), validators=[required(_l("Give the meeting a title.")),
                                                             max_length(CircleMeeting.title)])
    mode = ChoiceField(_l("Where"), validators=[required()])
    minutes = WholeNumberField(_l("Length (minutes)"), validators=[
        optional(), NumberRange(min=1, max=24 * 60, message=_l("Give the length in minutes."))])
    cycle_id = ChoiceField(_l("For the cycle"), coerce=int, validators=[optional()])
    notes = TextAreaField(_l("Notes"), validators=[optional(), max_length(CircleMeeting.notes)],
                          render_kw={"rows": 3})

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)

        self.mode.choices = [SelectChoice(k, v) for k, v in MEETING_MODE_LABELS.items()]
        self.cycle_id.choices = [SelectChoice(0, _l("— No particular cycle —"))] + [
            SelectChoice(c.id, c.title) for c in cycles]
