"""Funnel plots: pooled rate, limits and overdispersion (Spiegelhalter 2005) against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.funnel import HIGH, LOW, WITHIN, Z95, Z998, funnel
from hcsworkforce.errors import UserInputError


def test_z_values_are_the_two_sided_95_and_99_8_percent_normal_quantiles() -> None:
    assert abs(Z95 - 1.959964) < 1e-6
    assert abs(Z998 - 3.090232) < 1e-6


def test_limits_and_phi_without_overdispersion() -> None:
    # Five organisations of 100: 10, 20, 20, 20, 30 leavers. p0 = 100/500 = 0.2;
    # se = sqrt(0.2 x 0.8 / 100) = 0.04, so z = -2.5, 0, 0, 0, 2.5.
    # 10th percentile (linear, h = 4 x 0.1 = 0.4): -2.5 + 0.4 x 2.5 = -1.5; 90th: 1.5. Winsorised z =
    # -1.5, 0, 0, 0, 1.5, so phi = (2.25 + 2.25) / 5 = 0.9: not over-dispersed, limits unchanged.
    r = funnel([10, 20, 20, 20, 30], [100] * 5)
    g = r.groups[0]
    assert g.pooled_rate == pytest.approx(0.2)
    assert r.z.tolist() == pytest.approx([-2.5, 0, 0, 0, 2.5])
    assert g.phi == pytest.approx(0.9)
    assert g.overdispersion_applied is False
    assert r.lower95[0] == pytest.approx(0.2 - 1.959964 * 0.04, abs=1e-6)  # 0.121601
    assert r.upper95[0] == pytest.approx(0.278399, abs=1e-6)
    assert r.lower998[0] == pytest.approx(0.2 - 3.090232 * 0.04, abs=1e-6)  # 0.076391
    assert r.upper998[0] == pytest.approx(0.323609, abs=1e-6)
    # 0.10 is outside the 95% limits but inside 99.8%: a warning sign, not a flag.
    assert [r.flag(i) for i in range(5)] == [WITHIN] * 5
    assert r.outside95.tolist() == [True, False, False, False, True]


def test_overdispersion_widens_the_limits_so_an_apparent_outlier_is_not_flagged() -> None:
    # 5, 10, 20, 30, 35 of 100 each: p0 = 0.2, se 0.04, z = -3.75, -2.5, 0, 2.5, 3.75.
    # 10th percentile: -3.75 + 0.4 x 1.25 = -3.25; 90th: 2.5 + 0.6 x 1.25 = 3.25.
    # phi = (3.25^2 + 2.5^2 + 0 + 2.5^2 + 3.25^2) / 5 = 33.625 / 5 = 6.725 > 1, so limits are widened:
    # se' = 0.04 x sqrt(6.725) = 0.103731; 99.8% limits 0.2 +/- 3.090232 x 0.103731 = [0 (clipped), 0.520553].
    r = funnel([5, 10, 20, 30, 35], [100] * 5)
    g = r.groups[0]
    assert g.phi == pytest.approx(6.725)
    assert g.overdispersion_applied is True
    assert r.upper998[4] == pytest.approx(0.2 + 3.090232 * 0.04 * math.sqrt(6.725), abs=1e-6)
    assert r.lower998[4] == 0.0
    assert r.z_adjusted[4] == pytest.approx(3.75 / math.sqrt(6.725))
    # 35/100 is 3.75 standard errors above p0 on the binomial scale, but inside the widened limits.
    assert r.flag(4) == WITHIN and r.flag(0) == WITHIN
    summary = r.group_summary()
    assert summary["overdispersion_applied"] is True and summary["flagged_high"] == 0
    # Without the adjustment both ends would be flagged.
    plain = funnel([5, 10, 20, 30, 35], [100] * 5, overdispersion=False)
    assert plain.groups[0].overdispersion_applied is False
    assert plain.groups[0].phi == pytest.approx(6.725)  # still reported
    assert [plain.flag(i) for i in range(5)] == [LOW, WITHIN, WITHIN, WITHIN, HIGH]


def test_limits_narrow_with_the_denominator_and_only_99_8_percent_flags() -> None:
    # p0 = (2 + 30 + 90 + 5) / (20 + 300 + 500 + 50) = 127 / 870.
    num, den = [2, 30, 90, 5], [20, 300, 500, 50]
    r = funnel(num, den, overdispersion=False)
    p0 = 127 / 870
    for i, n in enumerate(den):
        se = math.sqrt(p0 * (1 - p0) / n)
        assert r.upper998[i] == pytest.approx(p0 + 3.090232 * se, abs=1e-6)
        assert r.lower95[i] == pytest.approx(max(0.0, p0 - 1.959964 * se), abs=1e-6)
        z = (num[i] / n - p0) / se
        assert r.z[i] == pytest.approx(z)
        assert r.flag(i) == (HIGH if z > 3.090232 else LOW if z < -3.090232 else WITHIN)
    curve = r.limits_at([20, 500])
    assert curve["upper_998"][0] > curve["upper_998"][1]


def test_rank_and_quartiles() -> None:
    # Rates 0.05, 0.10, 0.20, 0.30, 0.35: quartile cuts (linear) 0.10, 0.20, 0.30.
    r = funnel([5, 10, 20, 30, 35], [100] * 5)
    assert r.rank.tolist() == [1, 2, 3, 4, 5]
    assert r.groups[0].quartile_cuts == pytest.approx((0.10, 0.20, 0.30))
    assert r.quartile.tolist() == [1, 1, 2, 3, 4]
    ties = funnel([10, 10, 20], [100, 100, 100])
    assert ties.rank.tolist() == [1, 1, 3]


def test_small_counts_are_suppressed_in_outputs_that_cross_organisations() -> None:
    r = funnel([3, 0, 20, 0], [100, 100, 100, 4])
    recs = r.records([{"organisation": c} for c in ("A", "B", "C", "D")])
    a, b, c, d = recs
    assert a["suppressed"] is True and a["numerator"] is None and a["rate"] is None and a["upper_998"] is None
    assert a["organisation"] == "A" and a["flag"] is None and a["rank"] is None
    assert b["suppressed"] is False and b["numerator"] == 0  # zero reveals no one
    assert c["suppressed"] is False and c["rate"] == pytest.approx(0.2)
    assert d["suppressed"] is True and d["denominator"] is None  # a denominator of 4 people
    # The pooled rate still uses every organisation's data.
    assert c["pooled_rate"] == pytest.approx(23 / 304)
    # Inside one organisation nothing is hidden.
    assert r.records(suppress=False)[0]["numerator"] == 3


def test_disclosure_counts_replace_the_numerator_and_denominator_for_suppression() -> None:
    # Absence: FTE days lost of FTE days available, suppressed by staff absent and headcount.
    r = funnel([12.5, 40.0], [600.0, 900.0], disclosure_counts=[[2, 6], [20, 30]])
    assert r.suppressed.tolist() == [True, False]


def test_groups_compute_separate_funnels_in_one_call() -> None:
    a = ([5, 10, 20, 30, 35], [100] * 5)
    b = ([10, 20, 20, 20, 30], [100] * 5)
    both = funnel(a[0] + b[0], a[1] + b[1], group=[0] * 5 + [1] * 5)
    one, two = funnel(*a), funnel(*b)
    assert both.groups[0].phi == pytest.approx(one.groups[0].phi)
    assert both.groups[1].phi == pytest.approx(two.groups[0].phi)
    assert np.allclose(both.upper998[5:], two.upper998)
    assert both.rank[5:].tolist() == two.rank.tolist()


def test_pooled_rate_of_zero_flags_nobody() -> None:
    r = funnel([0, 0, 0], [10, 20, 30])
    assert r.groups[0].pooled_rate == 0.0
    assert [r.flag(i) for i in range(3)] == [WITHIN] * 3
    assert r.groups[0].overdispersion_applied is False


def test_bad_input_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="exceeds its denominator"):
        funnel([5], [4])
    with pytest.raises(UserInputError, match="negative"):
        funnel([-1], [4])


# ---- properties ----


@st.composite
def organisations(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    k = draw(st.integers(min_value=1, max_value=30))
    den = draw(st.lists(st.integers(min_value=0, max_value=500), min_size=k, max_size=k))
    num = [draw(st.integers(min_value=0, max_value=d)) for d in den]
    return num, den


@settings(max_examples=200, deadline=None)
@given(organisations(), st.integers(min_value=1, max_value=10))
def test_suppression_is_always_applied(orgs: tuple[list[int], list[int]], threshold: int) -> None:
    num, den = orgs
    recs = funnel(num, den, suppress_below=threshold).records()
    for n, d, rec in zip(num, den, recs, strict=True):
        small = 0 < n < threshold or 0 < d < threshold
        assert rec["suppressed"] is small
        if small:
            assert all(
                rec[k] is None for k in ("numerator", "denominator", "rate", "lower_998", "upper_998", "rank")
            )
        for key in ("numerator", "denominator"):
            v = rec[key]
            assert v is None or v == 0 or v >= threshold


@settings(max_examples=200, deadline=None)
@given(organisations())
def test_limits_contain_the_pooled_rate_and_99_8_contains_95(orgs: tuple[list[int], list[int]]) -> None:
    num, den = orgs
    r = funnel(num, den)
    ok = np.asarray(den) > 0
    p0 = r.groups[0].pooled_rate
    if not ok.any():
        return
    assert (r.lower998[ok] <= r.lower95[ok] + 1e-12).all()
    assert (r.lower95[ok] <= p0 + 1e-12).all() and (p0 <= r.upper95[ok] + 1e-12).all()
    assert (r.upper95[ok] <= r.upper998[ok] + 1e-12).all()
    assert r.groups[0].phi >= 0 or math.isnan(r.groups[0].phi)
