"""Forms of live PLC sessions: scheduling one from a circle, the host's summary with its action items,
and the small buttons of the session page."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, FormField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, ValidationError

from plc.forms._fields import (
    THAI_TO_ARABIC,
    ChoiceField,
    DayField,
    MultiCheckboxField,
    RadioChoiceField,
    WholeNumberField,
    input_required,
    max_length,
    optional,
    required,
)
from plc.i18n import BANGKOK
from plc.models import ActionItem, LiveSession

SESSION_MODE_LABELS = {
    "online": _l("Online (chat on the platform)"),
    "onsite": _l("Onsite (the host records attendance)"),
}
ACTION_ROWS = 5


class GuestField(MultiCheckboxField):
    """Guests are checked by the service (which says who is outside the network), not by the
    list of choices, so a refused guest gets a message with their name."""

    def pre_validate(self, form):
        return None

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if str(v).isdigit() and len(str(v)) < 10]


class ThaiTimeField(TimeField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            text = valuelist[0].strip().translate(THAI_TO_ARABIC)
            text = text.removesuffix("น.").strip().replace(".", ":")
            valuelist = [text]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a time such as 13:30.")) from None


class ScheduleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the session a title.")),
                                                    max_length(LiveSession.title)])
    day = DayField(_l("Date"), validators=[input_required(_l("Choose the date of the session."))])
    time = ThaiTimeField(_l("Start time (Bangkok time)"), validators=[input_required(_l("Enter a time such as 13:30."))])
    duration_minutes = WholeNumberField(_l("Length (minutes)"), default=60, validators=[
        input_required(), NumberRange(min=5, max=480, message=_l("A session lasts between 5 minutes and 8 hours."))])
    mode = RadioChoiceField(_l("Where"), default="online", validators=[required()])
    cycle_id = ChoiceField(_l("For the cycle"), coerce=int, validators=[optional()])
    agenda = TextAreaField(_l("Agenda"), validators=[optional(), max_length(LiveSession.agenda)], render_kw={"rows": 4},
                           description=_l("What the circle will look at, linked to the cycle's current phase."))
    guest_ids = GuestField(_l("Guests from other schools of the network"), coerce=int)

    def __init__(self, *args, cycles=(), guests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(k, v) for k, v in SESSION_MODE_LABELS.items()]
        self.cycle_id.choices = [SelectChoice(0, _l("— No particular cycle —"))] + [
            SelectChoice(c.id, c.title) for c in cycles]
        self.guest_ids.choices = [SelectChoice(u.id, u.name_th) for u in guests]

    def starts_at(self) -> datetime | None:
        if self.day.data is None or self.time.data is None:
            return None
        return datetime.combine(self.day.data, self.time.data, tzinfo=BANGKOK)


class ActionItemForm(Form):
    text = StringField(_l("Action item"), validators=[optional(), max_length(ActionItem.text)])
    owner_id = ChoiceField(_l("Owner"), coerce=int, validators=[optional()])
    due_on = DayField(_l("Due on"), validators=[optional()])

    def validate_owner_id(self, field):
        if (self.text.data or "").strip() and not field.data:
            raise ValidationError(_l("Choose who will do it."))


class SummaryForm(FlaskForm):
    decisions = TextAreaField(_l("What the circle decided"), validators=[
        required(_l("Write what the circle decided.")), max_length(LiveSession.summary_decisions)], render_kw={"rows": 6},
        description=_l("Markdown: decisions and what was learned; the members are notified."))
    items = FieldList(FormField(ActionItemForm), min_entries=ACTION_ROWS, max_entries=20)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_choices = [SelectChoice(0, _l("— Choose —"))] + [SelectChoice(u.id, u.name_th) for u in owners]
        for entry in self.items:
            entry.form.owner_id.choices = self._owner_choices

    def add_row(self) -> None:
        entry = self.items.append_entry()
        entry.form.owner_id.choices = self._owner_choices


class ReadOnlyForm(FlaskForm):
    read_only = HiddenField()


class MuteForm(FlaskForm):
    user_id = HiddenField()
    muted = HiddenField()
