"""A survey's report the way the programme's reports print it (004:L589-646): per item n, x̄, S.D.
(sample) and the band's label; an overall row; a Thai narrative naming the highest and the lowest
items; the open answers. Fewer respondents than ``SURVEY_MIN_GROUP`` show the count only, so that
nobody's answers can be told apart.

The overall row follows the source: x̄ is the mean of the item means and S.D. the mean of the item
S.D.s (with 14 respondents to every item, 004's table prints 4.70 and 0.47 that way)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.lists import format_list
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from plc.extensions import db
from plc.i18n import bangkok_today, current_locale
from plc.labels import SCALE_LABELS
from plc.models import CircleMember, LiveSession, Membership
from plc.models.live_sessions import SessionGuest
from plc.models.org import network_school
from plc.models.surveys import (
    SCALE_LEVELS,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyItemKind,
    SurveyParticipation,
    SurveyResponse,
    SurveyScope,
)


def two_places(value: float | None) -> str:
    """4.785714 → "4.79": half up, as the printed tables round."""
    if value is None:
        return "–"
    return str(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def mean_and_sd(levels: list[int]) -> tuple[float | None, float | None]:
    """The mean and the sample standard deviation (n − 1); no S.D. for fewer than two answers."""
    n = len(levels)
    if n == 0:
        return None, None
    mean = sum(levels) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(sum((level - mean) ** 2 for level in levels) / (n - 1))


def band_level(mean: float | None, floors: tuple[float, ...]) -> int | None:
    """The scale level (5 … 1) whose band holds ``mean``, comparing the mean rounded as printed.

    ``floors`` are the lower bounds of the bands, best first (4.50, 3.50, 2.50, 1.50, 1.00)."""
    if mean is None:
        return None
    shown = Decimal(two_places(mean))
    for level, floor in zip(SCALE_LEVELS, floors, strict=False):
        if shown >= Decimal(str(floor)):
            return level
    return SCALE_LEVELS[-1]


@dataclass
class ItemResult:
    item: SurveyItem
    n: int
    counts: dict[int, int]  # level → answers (scale), or choice index → answers (choices)
    mean: float | None = None
    sd: float | None = None
    level: int | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(SCALE_LABELS[self.level]) if self.level else ""


@dataclass
class SectionResult:
    title: str
    items: list[ItemResult]

    @property
    def scale_items(self) -> list[ItemResult]:
        return [result for result in self.items if result.item.kind == SurveyItemKind.SCALE and result.n]


@dataclass
class SurveyReport:
    survey: Survey
    respondents: int  # people who answered
    asked: int | None  # members of the scope today, when known
    min_group: int
    sections: list[SectionResult]
    overall_mean: float | None = None
    overall_sd: float | None = None
    overall_level: int | None = None

    @property
    def shown(self) -> bool:
        """Whether there are enough respondents to show anything but their number."""
        return self.respondents >= self.min_group

    @property
    def scale_items(self) -> list[ItemResult]:
        return [result for section in self.sections for result in section.scale_items]

    @property
    def overall_label(self) -> str:
        return str(SCALE_LABELS[self.overall_level]) if self.overall_level else ""

    def narrative(self) -> str:
        """The documents' paragraph: "ในภาพรวม…อยู่ในระดับ… x̄ … รายการที่ได้รับการประเมินสูงสุด คือ …"."""
        items = self.scale_items
        if not self.shown or not items:
            return ""
        highest = max(two_places(result.mean) for result in items)
        lowest = min(two_places(result.mean) for result in items)
        locale = current_locale()
        tops = format_list([result.item.prompt for result in items if two_places(result.mean) == highest],
                           locale=locale)
        text = _("Overall, the assessment is at the level “%(label)s” (x̄ = %(mean)s, S.D. = %(sd)s). The item "
                 "rated highest is %(items)s, with a mean of %(high)s.",
                 label=self.overall_label, mean=two_places(self.overall_mean), sd=two_places(self.overall_sd),
                 items=tops, high=highest)
        if lowest != highest:
            bottoms = format_list([result.item.prompt for result in items if two_places(result.mean) == lowest],
                                  locale=locale)
            text += " " + _("The item rated lowest is %(items)s, with a mean of %(low)s.", items=bottoms, low=lowest)
        return text


def respondent_count(survey: Survey) -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyParticipation)
                             .where(SurveyParticipation.survey_id == survey.id)) or 0


def build_report(survey: Survey, *, asked: int | None = None) -> SurveyReport:
    respondents = respondent_count(survey)
    min_group = current_app.config["SURVEY_MIN_GROUP"]
    answers: dict[int, list[SurveyAnswer]] = {}
    if respondents >= min_group:
        rows = db.session.scalars(select(SurveyAnswer).join(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                  .order_by(SurveyAnswer.response_key, SurveyAnswer.id))
        for answer in rows:
            answers.setdefault(answer.item_id, []).append(answer)
    sections = [SectionResult(section.title, [_item_result(item, answers.get(item.id, []), survey.floors)
                                              for item in section.items])
                for section in survey.sections]
    report = SurveyReport(survey, respondents, asked, min_group, sections)
    scale = report.scale_items
    if report.shown and scale:
        report.overall_mean = sum(result.mean for result in scale) / len(scale)
        sds = [result.sd for result in scale if result.sd is not None]
        report.overall_sd = sum(sds) / len(sds) if sds else None
        report.overall_level = band_level(report.overall_mean, survey.floors)
    return report


def _item_result(item: SurveyItem, answers: list[SurveyAnswer], floors: tuple[float, ...]) -> ItemResult:
    kind = SurveyItemKind(item.kind)
    if kind == SurveyItemKind.SCALE:
        levels = [answer.level for answer in answers if answer.level is not None]
        mean, sd = mean_and_sd(levels)
        return ItemResult(item, len(levels), {level: levels.count(level) for level in SCALE_LEVELS}, mean, sd,
                          band_level(mean, floors))
    if kind in (SurveyItemKind.SINGLE, SurveyItemKind.MULTIPLE):
        chosen = [index for answer in answers for index in answer.chosen]
        answered = sum(1 for answer in answers if answer.chosen)
        return ItemResult(item, answered, {index: chosen.count(index) for index in range(len(item.choices))})
    texts = sorted((answer.text for answer in answers if answer.text), key=str.casefold)
    return ItemResult(item, len(texts), {}, texts=texts)


def asked_count(survey: Survey) -> int:
    """How many people the survey asks today: the members of its scope."""
    today = bangkok_today()
    scope = survey.scope
    if scope in (SurveyScope.SESSION, SurveyScope.CIRCLE):
        circle_id = survey.live_session.circle_id if scope == SurveyScope.SESSION else survey.circle_id
        people = select(CircleMember.user_id).where(CircleMember.circle_id == circle_id,
                                                    CircleMember.current_clause(today))
        if scope == SurveyScope.SESSION:
            people = people.union(select(SessionGuest.user_id).where(SessionGuest.session_id == survey.live_session_id),
                                  select(LiveSession.host_id).where(LiveSession.id == survey.live_session_id))
    else:
        where = (Membership.school_id == survey.school_id if scope == SurveyScope.SCHOOL else or_(
            Membership.network_id == survey.network_id,
            Membership.school_id.in_(select(network_school.c.school_id)
                                     .where(network_school.c.network_id == survey.network_id))))
        people = select(Membership.user_id).where(where, Membership.current_clause())
    return db.session.scalar(select(func.count()).select_from(people.subquery())) or 0


def report_rows(report: SurveyReport) -> list[list]:
    """The report as a table (CSV, XLSX): one row per item, the overall row, then the open answers."""
    survey = report.survey
    rows = [[_("Survey"), survey.title], [_("Respondents"), report.respondents]]
    if report.asked is not None:
        rows.append([_("Asked"), report.asked])
    if not report.shown:
        rows.append([_("Results are shown from %(n)d respondents.", n=report.min_group)])
        return rows
    levels = [f"{level} {SCALE_LABELS[level]}" for level in SCALE_LEVELS]
    rows += [[], [_("Section"), _("No."), _("Item"), "n", "x̄", "S.D.", _("Level"), *levels]]
    number = 0
    for section in report.sections:
        for result in section.scale_items:
            number += 1
            rows.append([section.title, number, result.item.prompt, result.n, two_places(result.mean),
                         two_places(result.sd), result.label, *(result.counts[level] for level in SCALE_LEVELS)])
    if report.overall_mean is not None:
        rows.append(["", "", _("Overall"), "", two_places(report.overall_mean), two_places(report.overall_sd),
                     report.overall_label])
    choices = [(section, result) for section in report.sections for result in section.items
               if result.item.kind in (SurveyItemKind.SINGLE, SurveyItemKind.MULTIPLE)]
    if choices:
        rows += [[], [_("Section"), _("Question"), _("Choice"), _("Answers")]]
        for section, result in choices:
            rows += [[section.title, result.item.prompt, choice, result.counts.get(index, 0)]
                     for index, choice in enumerate(result.item.choices)]
    texts = [(section, result) for section in report.sections for result in section.items if result.texts]
    if texts:
        rows += [[], [_("Section"), _("Question"), _("Answer")]]
        for section, result in texts:
            rows += [[section.title, result.item.prompt, text] for text in result.texts]
    return rows
