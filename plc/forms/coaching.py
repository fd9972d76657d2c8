"""Forms of coaching and supervision visits (การนิเทศ): planning, the observation, both
reflections, and the coach's synthesis."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from plc.forms._fields import ChoiceField, DayField, input_required, max_length, optional, required
from plc.models import CoachingSynthesis, CoachingVisit

VISIT_STATUS_LABELS = {
    "planned": _l("Planned"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}


class VisitForm(FlaskForm):
    teacher = ChoiceField(_l("Teacher"), validators=[required(_l("Choose the teacher you will visit."))])
    planned_on = DayField(_l("Date of the visit"), validators=[input_required(_l("Choose the date of the visit."))])
    focus = TextAreaField(_l("Focus agreed with the teacher"), validators=[
        required(_l("Agree on the focus of the visit.")), max_length(CoachingVisit.focus)], render_kw={"rows": 3})
    observe_what = TextAreaField(_l("What to observe"), validators=[optional(), max_length(CoachingVisit.observe_what)],
                                 description=_l("Learners' behaviour and learning you will look for."),
                                 render_kw={"rows": 3})
    cycle_id = ChoiceField(_l("PLC cycle (optional)"), coerce=int, validators=[optional()])

    def __init__(self, *args, teachers=(), cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher.choices = [SelectChoice("", _l("— Choose —"))] + [
            SelectChoice(f"{t.id}:{s.id}", f"{t.name_th} · {s.name_th}") for t, s in teachers]
        self.cycle_id.choices = [SelectChoice(0, _l("— No particular cycle —"))] + [
            SelectChoice(c.id, f"{c.title} · {c.circle.name}") for c in cycles]

    def teacher_ids(self) -> tuple[int, int] | None:
        teacher, _, school = (self.teacher.data or "").partition(":")
        return (int(teacher), int(school)) if teacher.isdigit() and school.isdigit() else None


class ObservationForm(FlaskForm):
    held_on = DayField(_l("Held on"), validators=[input_required(_l("Enter a date."))])
    observation_notes = TextAreaField(_l("Observation notes"), validators=[
        required(_l("Write what you observed of the learners' behaviour and learning.")), max_length(CoachingVisit.observation_notes)],
        description=_l("What the learners did and how they learned, not a judgement of the teacher."),
        render_kw={"rows": 6})
    follow_up = TextAreaField(_l("Agreed follow-up"), validators=[optional(), max_length(CoachingVisit.follow_up)],
                              render_kw={"rows": 2})
    follow_up_due_on = DayField(_l("Follow up by"), validators=[optional()])


class VisitReflectionForm(FlaskForm):
    # Saved to coach_reflection or teacher_reflection (whoever writes): the two columns declare the same limit.
    text = TextAreaField(_l("Your reflection after the visit"), validators=[
        required(_l("Write your reflection.")), max_length(CoachingVisit.coach_reflection)], render_kw={"rows": 4})


class SynthesisForm(FlaskForm):
    body_md = TextAreaField(_l("Synthesis across the visits"), validators=[
        required(_l("Write the synthesis.")), max_length(CoachingSynthesis.body_md)],
        description=_l("Markdown: what changed in the classroom over the visits, and what to work on next."),
        render_kw={"rows": 8})
