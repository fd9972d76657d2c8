"""The reflection log form (บันทึกสะท้อนคิด) and the feedback reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from plc.forms._fields import ChoiceField, RadioChoiceField, max_length, optional, required
from plc.models import Reflection, ReflectionFeedback

VISIBILITY_LABELS = {
    "private": _l("Only me"),
    "pair": _l("Me and my coach–teacher partner"),
    "circle": _l("The members of the circle"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "shared": _l("Shared"),
}

# The structured parts (DOMAIN §3): label and a prompt that helps the writer.
FIELD_LABELS = {
    "results": (_l("Results"), _l("What happened in the lesson? What did the learners do and learn?")),
    "picture_of_success": (_l("Picture of success"), _l("What did success look like in the classroom?")),
    "problems": (_l("Problems and obstacles"), _l("What did not go as planned, and why?")),
    "conditions": (_l("Conditions for success"), _l("What made the good parts work?")),
    "next_steps": (_l("Next steps"), _l("What will you try next time?")),
    "innovation_tried": (_l("Innovation tried (action research)"),
                         _l("Which innovation or step did you try, with whom?")),
    "lessons_learned": (_l("Lessons learned (action research)"), _l("What did you learn from trying it?")),
}


def _text(name: str) -> TextAreaField:
    label, hint = FIELD_LABELS[name]
    return TextAreaField(label, description=hint, validators=[optional(), max_length(getattr(Reflection, name))],
                         render_kw={"rows": 3})


class ReflectionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the reflection a title.")),
                                                     max_length(Reflection.title)])
    cycle_id = ChoiceField(_l("PLC cycle"), coerce=int,
                           validators=[required(_l("Choose a cycle of one of your circles."))])
    lesson_plan_id = ChoiceField(_l("Lesson plan (optional)"), coerce=int, validators=[optional()])
    partner_id = ChoiceField(_l("Coach or teacher partner"), coerce=int, validators=[optional()])
    visibility = RadioChoiceField(_l("Who can read it once shared"), default="private",
                                  validators=[required(_l("Choose private, coach–teacher pair or circle."))])
    results = _text("results")
    picture_of_success = _text("picture_of_success")
    problems = _text("problems")
    conditions = _text("conditions")
    next_steps = _text("next_steps")
    innovation_tried = _text("innovation_tried")
    lessons_learned = _text("lessons_learned")
    body_md = TextAreaField(_l("Free notes"), validators=[optional(), max_length(Reflection.body_md)],
                            description=_l("Markdown: **bold**, lists with -, headings with #."),
                            render_kw={"rows": 6})

    def __init__(self, *args, cycles=(), plans=(), partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.visibility.choices = [SelectChoice(k, v) for k, v in VISIBILITY_LABELS.items()]
        self.cycle_id.choices = [SelectChoice(c.id, f"{c.title} · {c.circle.name}") for c in cycles]
        self.lesson_plan_id.choices = [SelectChoice(0, _l("— No lesson plan —"))] + [
            SelectChoice(p.id, p.title) for p in plans]
        self.partner_id.choices = [SelectChoice(0, _l("— Nobody —"))] + [
            SelectChoice(u.id, u.name_th) for u in partners]


class FeedbackForm(FlaskForm):
    body_md = TextAreaField(_l("Your feedback"), validators=[required(_l("Write your feedback.")),
                                                                 max_length(ReflectionFeedback.body_md)],
                            render_kw={"rows": 4})
