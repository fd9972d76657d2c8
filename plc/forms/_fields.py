"""Fields and helpers shared by the PLC forms (goals, innovations, circles, cycles).

WTForms ships no Thai catalogue, so every message a person can see comes from our own catalogue:
required-field messages and number/date parse errors are given here with ``_l``.
"""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import QueryableAttribute
from wtforms import DateField, FloatField, IntegerField, RadioField, SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from plc.models._types import length_of

THAI_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

REQUIRED = _l("Please fill in this field.")
CHOOSE = _l("Choose from the list.")


def required(message=None):
    return DataRequired(message=message or REQUIRED)


def input_required(message=None):
    return InputRequired(message=message or REQUIRED)


def max_length(limit: int | QueryableAttribute):
    """A Length validator with our message. ``limit`` is the column the field is saved to
    (``max_length(Circle.name)``: its String size or its declared ``info["max_length"]``, see
    ``length_of``), or a number where no column holds the value."""
    if not isinstance(limit, int):
        column, limit = limit, length_of(limit)
        if limit is None:
            raise ValueError(f"{column} declares no length: give it String(n) or info={{'max_length': n}}")
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


optional = Optional


def _normalise(valuelist):
    """Thai digits and surrounding spaces are accepted in number fields."""
    if valuelist and isinstance(valuelist[0], str):
        return [valuelist[0].strip().translate(THAI_TO_ARABIC).replace(",", "")]
    return valuelist


class WholeNumberField(IntegerField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Enter a whole number, for example 25."))
        render_kw = {"inputmode": "numeric", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(_normalise(valuelist))


class DecimalNumberField(FloatField):
    """A number such as 12.5. Not-a-number and infinity are refused."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Enter a number, for example 12.5."))
        render_kw = {"inputmode": "decimal", "step": "any", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(_normalise(valuelist))
        if self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError(self.invalid_value_message)


class DayField(DateField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Enter a date."))
        super().__init__(label, validators, **kwargs)


class ChoiceField(SelectField):
    """A select whose refusals are in our catalogue (WTForms has no Thai one)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", CHOOSE)
        kwargs.setdefault("invalid_value_message", CHOOSE)
        super().__init__(label, validators, **kwargs)


class RadioChoiceField(RadioField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", CHOOSE)
        kwargs.setdefault("invalid_value_message", CHOOSE)
        super().__init__(label, validators, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes with one name. Templates usually render the boxes themselves (grouped)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        if self.data:
            values = {self.coerce(choice.value) for choice in self.iter_choices()}
            if any(value not in values for value in self.data):
                raise ValidationError(CHOOSE)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(CHOOSE) from None


def apply_service_errors(form, fields: dict[str, list[str]], aliases: dict[str, str] | None = None) -> None:
    """Shows a service's ``{field: [messages]}`` on the form: ``pre.n`` lands on ``pre_n``;
    anything without a field of its own goes to ``form.form_errors`` (shown above the form)."""
    aliases = aliases or {}
    for name, messages in fields.items():
        target = aliases.get(name, name.replace(".", "_"))
        field = form._fields.get(target)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)
