from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from plc.forms._fields import ChoiceField, max_length, optional, required
from plc.models import InnovationStep, InnovationVersion
from plc.models._types import length_of
from plc.services.innovations import StepInput

STEP_SEPARATOR = "|"
MAX_STEP_LINES = 200
# The raw "steps" textarea is not stored as such: it is parsed into InnovationStep rows, so no column
# holds this limit on the whole text (a line's code and texts are checked against InnovationStep's columns below).
MAX_STEPS_TEXT = 20000


class InnovationForm(FlaskForm):
    owner = ChoiceField(_l("Owner"), validators=[required()])
    kind = ChoiceField(_l("Kind"), validators=[required()])
    visibility = ChoiceField(_l("Who can see it"), validators=[required()])
    name_th = StringField(_l("Name (Thai)"), validators=[required(_l("Give the innovation a Thai name.")),
                                                         max_length(InnovationVersion.name_th)])
    name = StringField(_l("Short name"), validators=[optional(), max_length(InnovationVersion.name)],
                       description=_l("For example “PAC Model” or “5 L”."))
    name_en = StringField(_l("Name (English)"), validators=[optional(), max_length(InnovationVersion.name_en)])
    description_th = TextAreaField(_l("Description (Thai)"),
                                   validators=[optional(), max_length(InnovationVersion.description_th)],
                                   render_kw={"rows": 4})
    description_en = TextAreaField(_l("Description (English)"),
                                   validators=[optional(), max_length(InnovationVersion.description_en)],
                                   render_kw={"rows": 3})
    steps = TextAreaField(_l("Steps"), validators=[optional(), max_length(MAX_STEPS_TEXT)],
                          render_kw={"rows": 10, "spellcheck": "false"})
    change_note = StringField(_l("What changed in this version"),
                              validators=[optional(), max_length(InnovationVersion.change_note)])

    def parsed_steps(self) -> list[StepInput] | None:
        """The steps of the textarea, or None (with errors on the field) when a line is not understood."""
        steps, errors = parse_steps(self.steps.data or "")
        if errors:
            self.steps.errors = [*self.steps.errors, *errors]
            return None
        return steps


class RevisionForm(InnovationForm):
    """Editing makes a new version; owner, kind and visibility stay as they are."""

    change_note = StringField(_l("What changed in this version"),
                              validators=[required(_l("Say briefly what changed, for the version history.")),
                                          max_length(InnovationVersion.change_note)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "kind", "visibility"):
            delattr(self, name)


def parse_steps(text: str) -> tuple[list[StepInput], list[str]]:
    """One step per line: ``CODE | Thai text | English label | English text``. Only the Thai text is
    needed (``| ข้อความ`` or just ``ข้อความ``). A line indented by two spaces (or a tab) is a
    sub-step of the step above it."""
    steps: list[StepInput] = []
    errors: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_STEP_LINES:
        return [], [_("At most %(n)d lines.", n=MAX_STEP_LINES)]
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        expanded = raw.replace("\t", "  ")
        indented = expanded.startswith("  ")
        parts = [part.strip() for part in expanded.strip().split(STEP_SEPARATOR)]
        if len(parts) == 1:
            code, text_th, label_en, text_en = None, parts[0], None, None
        elif len(parts) <= 4:
            parts += [""] * (4 - len(parts))
            code, text_th, label_en, text_en = parts
        else:
            errors.append(_("Line %(n)d has more than four parts separated by “|”.", n=number))
            continue
        if not text_th:
            errors.append(_("Line %(n)d needs the Thai text of the step.", n=number))
            continue
        code_limit = length_of(InnovationStep.code)
        if code and len(code) > code_limit:
            errors.append(_("Line %(n)d: keep the code short (at most %(limit)d characters).",
                            n=number, limit=code_limit))
            continue
        overlong = [column for column, value in ((InnovationStep.text_th, text_th), (InnovationStep.text_en, text_en))
                    if len(value or "") > length_of(column)]
        if overlong:
            errors.append(_("Line %(n)d: the text is too long (at most %(limit)d characters).",
                            n=number, limit=length_of(overlong[0])))
            continue
        step = StepInput(text_th=text_th, code=code or None, label_en=label_en or None, text_en=text_en or None)
        if indented:
            if not steps:
                errors.append(_("Line %(n)d is indented, but there is no step above it.", n=number))
                continue
            steps[-1].substeps.append(step)
        else:
            steps.append(step)
    return steps, errors


def steps_to_text(version) -> str:
    """The steps of a version in the textarea format, to start editing from."""
    lines = []

    def line(step, indent: str) -> str:
        parts = [step.code or "", step.text_th]
        if step.label_en or step.text_en:
            parts.append(step.label_en or "")
        if step.text_en:
            parts.append(step.text_en)
        text = " | ".join(parts) if step.code else "| " + " | ".join(parts[1:])
        return indent + text

    for step in version.top_steps:
        lines.append(line(step, ""))
        for child in step.children:
            lines.append(line(child, "  "))
    return "\n".join(lines)
