"""Staff survey statistics against values worked by hand (the arithmetic is in each comment)."""

from __future__ import annotations

import math

import pytest

from hcsworkforce.analytics import engagement as eg
from hcsworkforce.analytics.engagement import SurveyResult


def test_wilson_interval_by_hand() -> None:
    # 30 of 50 positive, z = 1.96: z^2 = 3.8415, denominator 1 + 3.8415/50 = 1.07683,
    # centre (0.6 + 0.038415) / 1.07683 = 0.59286, half 1.96/1.07683 * sqrt(0.24/50 + 3.8415/10000)
    # = 1.82016 * 0.072001 = 0.13105, so (0.4618, 0.7239).
    lo, hi = eg.wilson_interval(0.6, 50)
    assert lo == pytest.approx(0.4618, abs=1e-4)
    assert hi == pytest.approx(0.7239, abs=1e-4)
    # p = 0 stays inside [0, 1]: 0 of 20 gives (0, z^2/(n+z^2)) = (0, 3.8415/23.8415) = (0, 0.1611).
    lo, hi = eg.wilson_interval(0.0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)


def test_mean_interval_by_hand() -> None:
    # 7.0 +/- 1.96 * 1.5 / sqrt(100) = 7.0 +/- 0.294
    lo, hi = eg.mean_interval(7.0, 1.5, 100)
    assert (lo, hi) == (pytest.approx(6.706, abs=1e-3), pytest.approx(7.294, abs=1e-3))


def test_rest_of_organisation_by_hand() -> None:
    # Whole 70% of 1,050; HCS 60% of 50: rest (735 - 30) / 1,000 = 70.5% of 1,000.
    p, n = eg.rest_proportion(0.7, 1050, 0.6, 50)
    assert n == 1000 and p == pytest.approx(0.705)
    # Scores {1,3,5,7} (mean 4, sd sqrt(20/3)) less {1,3} (mean 2, sd sqrt 2) leave {5,7}: mean 6, sd sqrt 2.
    m, sd, n = eg.rest_mean(4.0, math.sqrt(20 / 3), 4, 2.0, math.sqrt(2), 2)
    assert (m, sd, n) == (pytest.approx(6.0), pytest.approx(math.sqrt(2)), 2)


def test_two_proportion_z_by_hand() -> None:
    # 60% of 50 vs 70.5% of 1,000: pooled (30 + 705) / 1,050 = 0.7,
    # SE sqrt(0.7 * 0.3 * (1/50 + 1/1000)) = sqrt(0.00441) = 0.066408, z = -0.105 / 0.066408 = -1.5811.
    z, p = eg.two_proportion_z(0.6, 50, 0.705, 1000)
    assert z == pytest.approx(-1.5811, abs=1e-4)
    assert p == pytest.approx(0.1138, abs=1e-4)


def _org(code: str, group: str, p: float, n: int, q: str = "q1", year: int = 2024) -> SurveyResult:
    return SurveyResult(code, group, q, year, n, percent_positive=p)


HCS = eg.HEALTHCARE_SCIENTISTS


def test_indicator_flags_only_significant_differences() -> None:
    rows = [
        _org("AAA", eg.ALL_STAFF, 70.0, 1050),
        _org("AAA", HCS, 60.0, 50),  # z = -1.58 against the rest: not flagged
        _org("BBB", eg.ALL_STAFF, 70.0, 2200),
        _org("BBB", HCS, 50.0, 200),  # rest 72% of 2,000; SE 0.033985; z = -0.22/0.033985 = -6.47: flagged
        _org(eg.NATIONAL, HCS, 62.0, 20000),
    ]
    recs = {r["organisation_code"]: r for r in eg.engagement_indicators(rows)}
    a, b = recs["AAA"], recs["BBB"]
    assert a["value"] == 60.0 and a["ci_low"] == pytest.approx(46.18, abs=0.01) and a["ci_high"] == 72.39
    assert a["rest_of_organisation"] == 70.5 and a["rest_respondents"] == 1000
    assert a["difference_vs_organisation"] == -10.5
    assert a["significant_vs_organisation"] is False
    assert b["rest_of_organisation"] == 72.0
    assert b["significant_vs_organisation"] is True
    assert b["p_value_vs_organisation"] < 1e-6
    # National row: 62% of 20,000. For AAA: pooled (30 + 12,400)/20,050 = 0.61995;
    # SE sqrt(0.61995 * 0.38005 * (1/50 + 1/20000)) = 0.068722; z = -0.02/0.068722 = -0.291: not flagged.
    assert a["national"] == 62.0 and a["national_basis"] == "national"
    assert a["p_value_vs_national"] == pytest.approx(eg.normal_two_sided_p(-0.02 / 0.068722), abs=1e-3)
    assert a["significant_vs_national"] is False
    assert b["significant_vs_national"] is True


def test_small_groups_are_suppressed_at_the_threshold() -> None:
    rows = [
        _org("AAA", eg.ALL_STAFF, 70.0, 500),
        _org("AAA", HCS, 60.0, 10),
        _org("BBB", eg.ALL_STAFF, 70.0, 500),
        _org("BBB", HCS, 60.0, 11),
    ]
    recs = {r["organisation_code"]: r for r in eg.engagement_indicators(rows, suppress_below=11)}
    assert recs["AAA"]["suppressed"] is True
    assert recs["AAA"]["value"] is None and recs["AAA"]["ci_low"] is None
    assert recs["AAA"]["respondents"] == 10  # the count is published, the answers are not
    assert recs["BBB"]["suppressed"] is False and recs["BBB"]["value"] == 60.0
    # The pooled national comparator for BBB is AAA's 10 respondents: under the threshold, so not shown.
    assert recs["BBB"]["national"] is None and "suppressed" in recs["BBB"]["national_basis"]


def test_complementary_suppression_of_a_small_rest_of_organisation() -> None:
    # 40 HCS of 45 respondents: the other 5 staff's answers would follow from the difference.
    rows = [_org("AAA", eg.ALL_STAFF, 70.0, 45), _org("AAA", HCS, 60.0, 40)]
    rec = eg.engagement_indicators(rows)[0]
    assert rec["value"] == 60.0
    assert rec["rest_of_organisation"] is None and rec["significant_vs_organisation"] is None


def test_national_pool_leaves_the_organisation_out() -> None:
    rows = [_org("AAA", HCS, 50.0, 100), _org("BBB", HCS, 70.0, 100), _org("CCC", HCS, 80.0, 300)]
    recs = {r["organisation_code"]: r for r in eg.engagement_indicators(rows)}
    # AAA against BBB and CCC pooled: (70*100 + 80*300) / 400 = 77.5
    assert recs["AAA"]["national"] == 77.5
    assert recs["AAA"]["national_basis"] == "pooled from 2 other organisations"
    # CCC against AAA and BBB: 60.0
    assert recs["CCC"]["national"] == 60.0


def test_scores_without_sd_get_no_interval_and_no_flag() -> None:
    rows = [
        SurveyResult("AAA", eg.ALL_STAFF, "engagement", 2024, 900, score=6.9),
        SurveyResult("AAA", HCS, "engagement", 2024, 100, score=6.5),
    ]
    rec = eg.engagement_indicators(rows)[0]
    assert rec["value"] == 6.5 and rec["ci_low"] is None
    # rest: (6.9*900 - 6.5*100)/800 = 6.95
    assert rec["rest_of_organisation"] == 6.95
    assert rec["significant_vs_organisation"] is None


def test_scores_with_sd_use_the_normal_interval_and_welch_z() -> None:
    rows = [
        SurveyResult("AAA", HCS, "engagement", 2024, 100, score=7.0, sd=1.5),
        SurveyResult(eg.NATIONAL, HCS, "engagement", 2024, 10000, score=6.8, sd=1.6),
    ]
    rec = eg.engagement_indicators(rows)[0]
    assert (rec["ci_low"], rec["ci_high"]) == (6.71, 7.29)
    # z = 0.2 / sqrt(1.5^2/100 + 1.6^2/10000) = 0.2 / 0.150852 = 1.3258: not flagged
    assert rec["p_value_vs_national"] == pytest.approx(eg.normal_two_sided_p(1.3258), abs=1e-3)
    assert rec["significant_vs_national"] is False


def test_trends_by_hand() -> None:
    rows = [
        _org("AAA", HCS, 50.0, 200, year=2022),
        _org("AAA", HCS, 60.0, 200, year=2023),  # pooled 0.55, SE 0.049749, z = 2.0101, p = 0.0444
        _org("AAA", HCS, 55.0, 8, year=2024),  # suppressed
        _org("AAA", HCS, 61.0, 200, year=2025),  # against 2023: not significant
    ]
    recs = eg.engagement_trends(rows)
    assert [r["year"] for r in recs] == [2022, 2023, 2024, 2025]
    assert recs[0]["change"] is None
    assert recs[1]["change"] == 10.0
    assert recs[1]["p_value_change"] == pytest.approx(0.0444, abs=1e-4)
    assert recs[1]["significant_change"] is True
    assert recs[2]["suppressed"] is True and recs[2]["value"] is None
    assert recs[3]["previous_year"] == 2023 and recs[3]["significant_change"] is False
