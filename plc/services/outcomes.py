"""Evidence of impact: effect sizes from pre/post aggregates (ขนาดของอิทธิพล, DOMAIN §3).

Cohen's d uses the pooled standard deviation of the pre and post scores; Hedges' g corrects d for
small samples. The 95 % confidence interval uses the large-sample standard error of d (Hedges &
Olkin), scaled by the same correction for g. The 0.40 hinge point is Hattie's average effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from plc.errors import ServiceError
from plc.extensions import db
from plc.models import Cycle, OutcomeMeasure, User
from plc.services.inputs import fit

HINGE_POINT = 0.40
Z_95 = 1.959963984540054


class OutcomeError(ServiceError):
    """An outcome measure that cannot be recorded as given."""


@dataclass(frozen=True)
class Aggregate:
    n: int
    mean: float
    sd: float


@dataclass(frozen=True)
class EffectSize:
    cohens_d: float
    hedges_g: float
    ci_low: float
    ci_high: float
    pooled_sd: float
    mean_gain: float
    band: str

    @property
    def reported(self) -> float:
        """The figure to show: Hedges' g, which equals d for large groups and is fairer for small ones."""
        return self.hedges_g

    @property
    def above_hinge(self) -> bool:
        return self.hedges_g >= HINGE_POINT

    def as_dict(self) -> dict:
        return {
            "cohens_d": round(self.cohens_d, 4), "hedges_g": round(self.hedges_g, 4),
            "ci95": [round(self.ci_low, 4), round(self.ci_high, 4)], "pooled_sd": round(self.pooled_sd, 4),
            "mean_gain": round(self.mean_gain, 4), "hinge_point": HINGE_POINT,
            "above_hinge": self.above_hinge, "band": self.band, "interpretation": str(BAND_LABELS[self.band]),
        }


BAND_LABELS = {
    "negative": _l("Students did worse after the cycle"),
    "low": _l("Little effect (below 0.15)"),
    "typical": _l("Typical effect of a school year (0.15–0.40)"),
    "desired": _l("Above the 0.40 hinge point: the zone of desired effects"),
}


def band_of(value: float) -> str:
    if value < 0:
        return "negative"
    if value < 0.15:
        return "low"
    if value < HINGE_POINT:
        return "typical"
    return "desired"


def validate(pre: Aggregate | None, post: Aggregate | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if pre is None:
        errors["pre"] = [_("Enter the scores before the cycle (pre-test) as well as after.")]
    if post is None:
        errors["post"] = [_("Enter the scores after the cycle (post-test).")]
    for name, agg in (("pre", pre), ("post", post)):
        if agg is None:
            continue
        if agg.n is None or agg.n < 2:
            errors.setdefault(f"{name}.n", []).append(_("At least 2 students are needed."))
        if agg.sd is None or not math.isfinite(agg.sd) or agg.sd <= 0:
            errors.setdefault(f"{name}.sd", []).append(_("The standard deviation must be greater than 0."))
        if agg.mean is None or not math.isfinite(agg.mean):
            errors.setdefault(f"{name}.mean", []).append(_("Enter the average score."))
    return errors


def effect_size(pre: Aggregate, post: Aggregate) -> EffectSize:
    errors = validate(pre, post)
    if errors:
        raise OutcomeError(errors)
    n1, n2 = pre.n, post.n
    pooled = math.sqrt(((n1 - 1) * pre.sd**2 + (n2 - 1) * post.sd**2) / (n1 + n2 - 2))
    d = (post.mean - pre.mean) / pooled
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    g = d * correction
    se_d = math.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
    se_g = se_d * correction
    return EffectSize(cohens_d=d, hedges_g=g, ci_low=g - Z_95 * se_g, ci_high=g + Z_95 * se_g,
                      pooled_sd=pooled, mean_gain=post.mean - pre.mean, band=band_of(g))


def effect_of(outcome: OutcomeMeasure) -> EffectSize:
    return effect_size(Aggregate(outcome.pre_n, outcome.pre_mean, outcome.pre_sd),
                       Aggregate(outcome.post_n, outcome.post_mean, outcome.post_sd))


def record(actor: User, cycle: Cycle, *, measure: str, group: str, pre: Aggregate | None,
           post: Aggregate | None) -> tuple[OutcomeMeasure, EffectSize]:
    errors = validate(pre, post)
    if not (measure or "").strip():
        errors["measure"] = [_("Name the measure, for example a reading test.")]
    if not (group or "").strip():
        errors["group"] = [_("Name the group, for example the whole class or the weaker group.")]
    if cycle.is_closed:
        errors["cycle"] = [_("This cycle is closed.")]
    if errors:
        raise OutcomeError(errors)
    outcome = OutcomeMeasure(cycle=cycle, measure=fit(OutcomeMeasure.measure, measure), group=fit(OutcomeMeasure.group, group),
                             pre_n=pre.n, pre_mean=pre.mean, pre_sd=pre.sd,
                             post_n=post.n, post_mean=post.mean, post_sd=post.sd, recorded_by_id=actor.id)
    db.session.add(outcome)
    db.session.flush()
    return outcome, effect_of(outcome)
