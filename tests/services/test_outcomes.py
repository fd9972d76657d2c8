"""Effect sizes against values worked out by hand (pooled SD, Cohen's d, Hedges' g, 95 % CI)."""

import math

import pytest

from plc.services.outcomes import HINGE_POINT, Aggregate, OutcomeError, band_of, effect_size, validate


def test_reading_test_example_matches_hand_computation():
    # pooled SD = sqrt((29·10.1² + 29·9.4²) / 58) = sqrt(95.185) = 9.75628
    # d = (58.7 − 52.3) / 9.75628 = 0.65599;  J = 1 − 3/(4·60 − 9) = 0.987013;  g = 0.64747
    result = effect_size(Aggregate(30, 52.3, 10.1), Aggregate(30, 58.7, 9.4))
    assert result.pooled_sd == pytest.approx(9.75628, abs=1e-5)
    assert result.cohens_d == pytest.approx(0.65599, abs=1e-5)
    assert result.hedges_g == pytest.approx(0.64747, abs=1e-5)
    assert result.mean_gain == pytest.approx(6.4)
    # SE(d) = sqrt(60/900 + d²/120) = 0.26669; CI(g) = g ± 1.96·J·SE(d)
    assert (result.ci_low, result.ci_high) == (pytest.approx(0.13472, abs=1e-4), pytest.approx(1.16021, abs=1e-4))
    assert result.band == "desired" and result.above_hinge


def test_small_groups_are_corrected_below_the_hinge():
    # n = 8 and 10: pooled SD = sqrt((7·9 + 9·16)/16) = 3.59687; d = 1.5/3.59687 = 0.41703;
    # J = 1 − 3/63 = 0.952381; g = 0.39717 — d alone would overstate the effect past 0.40.
    result = effect_size(Aggregate(8, 14.0, 3.0), Aggregate(10, 15.5, 4.0))
    assert result.cohens_d == pytest.approx(0.41703, abs=1e-5)
    assert result.hedges_g == pytest.approx(0.39717, abs=1e-5)
    assert result.cohens_d > HINGE_POINT > result.hedges_g
    assert result.band == "typical" and not result.above_hinge


def test_a_drop_in_scores_is_a_negative_effect():
    result = effect_size(Aggregate(20, 60, 8), Aggregate(20, 56, 8))
    assert result.cohens_d == pytest.approx(-0.5)
    assert result.band == "negative"
    assert result.ci_low < result.hedges_g < result.ci_high < 0.2


@pytest.mark.parametrize(("value", "band"), [(-0.01, "negative"), (0.0, "low"), (0.149, "low"), (0.15, "typical"),
                                             (0.399, "typical"), (0.40, "desired"), (1.2, "desired")])
def test_bands_around_the_hinge_point(value, band):
    assert band_of(value) == band


@pytest.mark.parametrize(
    ("pre", "post", "field"),
    [
        (Aggregate(1, 50, 5), Aggregate(10, 55, 5), "pre.n"),
        (Aggregate(10, 50, 5), Aggregate(0, 55, 5), "post.n"),
        (Aggregate(10, 50, 0), Aggregate(10, 55, 5), "pre.sd"),
        (Aggregate(10, 50, 5), Aggregate(10, 55, -1), "post.sd"),
        (Aggregate(10, 50, math.nan), Aggregate(10, 55, 5), "pre.sd"),
        (Aggregate(10, math.inf, 5), Aggregate(10, 55, 5), "pre.mean"),
        (None, Aggregate(10, 55, 5), "pre"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(pre, post, field):
    assert field in validate(pre, post)
    with pytest.raises(OutcomeError) as refused:
        effect_size(pre, post)
    assert field in refused.value.fields


def test_as_dict_reports_what_the_api_promises():
    data = effect_size(Aggregate(30, 52.3, 10.1), Aggregate(30, 58.7, 9.4)).as_dict()
    assert set(data) == {"cohens_d", "hedges_g", "ci95", "pooled_sd", "mean_gain", "hinge_point", "above_hinge",
                         "band", "interpretation"}
    assert data["hinge_point"] == 0.40 and data["hedges_g"] == pytest.approx(0.6475, abs=1e-4)
