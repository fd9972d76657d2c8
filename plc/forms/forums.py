"""Forms of the exchange forums: the forum and its rubric, the panel, a school's submission, feedback,
the honour and an author's consent to the public showcase."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from plc.forms._fields import (
    THAI_TO_ARABIC,
    ChoiceField,
    DayField,
    MultiCheckboxField,
    RadioChoiceField,
    input_required,
    max_length,
    optional,
    required,
)
from plc.models.forums import Forum, ForumFeedback, ForumSubmission

FEEDBACK_KIND_LABELS = {
    "strength": _l("Strength"),
    "question": _l("Question"),
    "suggestion": _l("Suggestion"),
}
FEEDBACK_KIND_HINTS = {
    "strength": _l("What works well"),
    "question": _l("Something you want to understand"),
    "suggestion": _l("An idea to take the work further"),
}

CRITERION_LINE = re.compile(r"^(?P<name>.*?)\s*\|\s*(?P<score>\S+)\s*$")


def criteria_text(criteria) -> str:
    """Rubric rows (objects with ``name`` and ``max_score``, or pairs) as the form's lines."""
    pairs = [(c.name, c.max_score) if hasattr(c, "name") else tuple(c) for c in criteria]
    return "\n".join(f"{name} | {score}" for name, score in pairs)


def parse_criteria(text: str | None) -> list[tuple[str, int]]:
    """"ผลที่เกิดกับผู้เรียน | 5" per line → [("ผลที่เกิดกับผู้เรียน", 5)], Thai digits too; blank lines
    are skipped."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = CRITERION_LINE.match(line.strip())
        score = match.group("score").translate(THAI_TO_ARABIC) if match else ""
        if not match or not match.group("name").strip() or not score.isdigit() or len(score) > 3:
            raise ValidationError(_l("Line %(n)s: write the criterion, a bar and its highest score, for example "
                                     "“ผลที่เกิดกับผู้เรียน | 5”.", n=number))
        found.append((match.group("name").strip(), int(score)))
    return found


class ForumForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(_l("Give the forum a title.")), max_length(Forum.title)])
    description = TextAreaField(_l("What the forum is about"), validators=[optional(), max_length(Forum.description)],
                                render_kw={"rows": 4})
    submissions_close_on = DayField(_l("Last day for submissions"), validators=[
        input_required(_l("Give the last day schools may submit."))])
    criteria = TextAreaField(_l("Scoring rubric"), validators=[required(_l("Give at least one scoring criterion."))],
                             render_kw={"rows": 6})

    def validate_criteria(self, field):
        parse_criteria(field.data)


class PanelistForm(FlaskForm):
    user_id = ChoiceField(_l("Add to the panel"), coerce=int, validators=[required(_l("Choose a person."))])

    def __init__(self, *args, candidates=(), locale: str = "th", **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [SelectChoice(0, _l("— Choose —"))] + [
            SelectChoice(u.id, f"{u.display_name(locale)} ({u.email})") for u in candidates]


class RemovePanelistForm(FlaskForm):
    user_id = HiddenField()


class SubmissionForm(FlaskForm):
    school_id = ChoiceField(_l("Presenting school"), coerce=int, validators=[required(_l("Choose the school."))])
    title = StringField(_l("Title of the presentation"), validators=[
        required(_l("Give the presentation a title.")), max_length(ForumSubmission.title)])
    summary = TextAreaField(_l("Summary of the work"), validators=[optional(), max_length(ForumSubmission.summary)],
                            render_kw={"rows": 6})
    cycle_id = ChoiceField(_l("PLC cycle"), coerce=int, validators=[optional()])
    lesson_plan_id = ChoiceField(_l("Lesson plan"), coerce=int, validators=[optional()])
    author_ids = MultiCheckboxField(_l("Co-authors"), coerce=int)
    showcase_consent = BooleanField(_l("If this work is honoured, I agree to show it in the public showcase"))

    def __init__(self, *args, schools=(), cycles=(), plans=(), colleagues=(), locale: str = "th", **kwargs):
        super().__init__(*args, **kwargs)
        self.school_id.choices = [SelectChoice(s.id, s.name_en if locale == "en" and s.name_en else s.name_th)
                                  for s in schools]
        self.cycle_id.choices = [SelectChoice(0, _l("— No particular cycle —"))] + [
            SelectChoice(c.id, f"{c.title} · {c.circle.name}") for c in cycles]
        self.lesson_plan_id.choices = [SelectChoice(0, _l("— No lesson plan —"))] + [
            SelectChoice(p.id, f"{p.title} · {p.author.display_name(locale)}") for p in plans]
        self.author_ids.choices = [SelectChoice(u.id, u.display_name(locale)) for u in colleagues]


class ForumFeedbackForm(FlaskForm):
    kind = RadioChoiceField(_l("Kind of feedback"), default="strength",
                            validators=[required(_l("Choose strength, question or suggestion."))])
    body = TextAreaField(_l("Your feedback on this work"), validators=[required(_l("Write your feedback.")),
                                                          max_length(ForumFeedback.body)], render_kw={"rows": 3})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, v) for k, v in FEEDBACK_KIND_LABELS.items()]


class HonourForm(FlaskForm):
    honour = StringField(_l("Honour"), validators=[optional(), max_length(ForumSubmission.honour)])


class ConsentForm(FlaskForm):
    consent = HiddenField()
