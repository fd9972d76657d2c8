from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from plc.forms._fields import ChoiceField, DayField, input_required, max_length, optional, required
from plc.labels import SURVEY_ITEM_KIND_LABELS
from plc.models.surveys import DEFAULT_BAND_FLOORS, Survey, SurveyItem, SurveySection

BANDS_HINT = _l("The lowest mean of each level, from “Very high” down to “Very low”.")


def floors_text(floors) -> str:
    return ", ".join(f"{floor:.2f}" for floor in floors)


def parse_floors(text: str | None) -> tuple[float, ...]:
    """"4.50, 3.50, 2.50, 1.50, 1.00" → a tuple of numbers (Thai digits too)."""
    raw = (text or "").translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")).replace(";", ",")
    try:
        return tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ValidationError(_l("Write five numbers separated by commas, for example 4.50, 3.50, 2.50, 1.50, 1.00.")) \
            from error


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the survey a title.")), max_length(Survey.title)])
    description = TextAreaField(_l("What it is for"), validators=[optional(), max_length(Survey.description)],
                                render_kw={"rows": 3})
    opens_on = DayField(_l("Opens on"), validators=[input_required()])
    closes_on = DayField(_l("Closes after"), validators=[input_required()])
    anonymous = BooleanField(_l("Anonymous answers (the report never shows who answered what)"), default=True)
    band_floors = StringField(_l("Levels of the 5-level scale"), default=floors_text(DEFAULT_BAND_FLOORS))

    def validate_band_floors(self, field):
        parse_floors(field.data)


class SectionForm(FlaskForm):
    title = StringField(_l("Section title"), validators=[required(_l("Give the section a title.")),
                                                         max_length(SurveySection.title)])


class ItemForm(FlaskForm):
    section_id = HiddenField()
    kind = ChoiceField(_l("Kind of question"), choices=[SelectChoice(k, v) for k, v in SURVEY_ITEM_KIND_LABELS.items()],
                       default="scale")
    prompt = TextAreaField(_l("Question"), validators=[required(_l("Write the question.")),
                                                       max_length(SurveyItem.prompt)], render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"), default=True)
    choices = TextAreaField(_l("Choices, one per line"), validators=[optional(), max_length(SurveyItem.choices_json)],
                            render_kw={"rows": 3})
