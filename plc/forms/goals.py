from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import NumberRange

from plc.forms._fields import (
    ChoiceField,
    MultiCheckboxField,
    WholeNumberField,
    input_required,
    max_length,
    optional,
    required,
)
from plc.models import SchoolGoal

# Headings for the seeded focus-area taxonomies; an unknown taxonomy shows its code.
FOCUS_TAXONOMY_LABELS = {
    "tsqp_measures": _l("TSQP's six measures"),
    "quality_school_7": _l("Quality school: seven focus areas"),
}

YEAR_RANGE = NumberRange(min=2500, max=2700, message=_l("Give the academic year in the Buddhist Era, for example 2569."))


class GoalForm(FlaskForm):
    """A school's own goal (create and edit) and the coordinator's core goal (without ``school_id``)."""

    school_id = ChoiceField(_l("School"), coerce=int, validate_choice=True)
    academic_year_be = WholeNumberField(_l("Academic year (B.E.)"), validators=[input_required(), YEAR_RANGE])
    statement = TextAreaField(_l("Goal"), validators=[required(_l("Write the goal.")),
                                                             max_length(SchoolGoal.statement)],
                              render_kw={"rows": 3})
    context_needs = TextAreaField(_l("Context and needs"), validators=[optional(), max_length(SchoolGoal.context_needs)],
                                  render_kw={"rows": 4})
    indicator = TextAreaField(_l("Indicator"), validators=[optional(), max_length(SchoolGoal.indicator)],
                              render_kw={"rows": 2})
    target = TextAreaField(_l("Target"), validators=[optional(), max_length(SchoolGoal.target)], render_kw={"rows": 2})
    focus_area_ids = MultiCheckboxField(_l("Focus areas"), coerce=int)


class GoalStatusForm(FlaskForm):
    action = HiddenField(validators=[required()])
