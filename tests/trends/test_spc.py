"""SPC (XmR, Making Data Count): hand-built series that trigger each rule alone, limits worked by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.spc import (
    COMMON_CAUSE,
    CONCERN,
    FAIL,
    HIT_AND_MISS,
    IMPROVEMENT,
    NEUTRAL,
    PASS,
    RULE_OUTSIDE,
    RULE_RUN,
    RULE_TREND,
    RULE_TWO_OF_THREE,
    spc,
)
from hcsworkforce.errors import UserInputError


def months(n: int, start: date = date(2022, 1, 1)) -> list[date]:
    return [
        date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(n)
    ]


def flagged(result, i: int = 0) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(t) for t in np.flatnonzero(result.special_cause[i])]


def rules(result, rule: str, i: int = 0) -> list[int]:  # type: ignore[no-untyped-def]
    return [t for t in range(len(result.periods)) if rule in result.rules_at(i, t)]


# 10, 12, 10, 12 ...: mean 11, every moving range 2, so mMR = 2.
# Limits 11 +/- 2.66 x 2 = [5.68, 16.32]; 2 sigma = 11 +/- (2/3)(2.66)(2) = 11 +/- 3.5467 = [7.4533, 14.5467].
ALTERNATING = [10.0, 12.0] * 6


def test_no_rule_fires_on_a_stable_series_and_limits_are_as_worked_by_hand() -> None:
    r = spc(ALTERNATING, months(12), improvement="increase")
    assert r.mean[0, 0] == pytest.approx(11.0)
    assert r.segments[0].mean_moving_range[0] == pytest.approx(2.0)
    assert r.upper_limit[0, 0] == pytest.approx(16.32)
    assert r.lower_limit[0, 0] == pytest.approx(5.68)
    assert r.upper_near[0, 0] == pytest.approx(11 + 2 / 3 * 2.66 * 2)
    assert flagged(r) == []
    assert r.variation(0) == COMMON_CAUSE
    assert r.summary(0)["special_cause_points"] == 0


def test_six_below_then_six_above_is_not_a_run() -> None:
    # mean 11.5, mMR 1: limits [8.84, 14.16], 2 sigma [9.7267, 13.2733]; 10 and 13 sit inside both.
    y = [10, 11, 10, 11, 10, 11, 12, 13, 12, 13, 12, 13]
    r = spc(y, months(12))
    assert r.mean[0, 0] == pytest.approx(11.5)
    assert r.upper_limit[0, 0] == pytest.approx(14.16)
    assert flagged(r) == []


def test_seven_on_one_side_is_a_run_and_every_point_of_it_is_flagged() -> None:
    # 13 points: mean 150/13 = 11.538; every moving range 1, so limits 11.538 +/- 2.66 = [8.878, 14.198] and
    # 2 sigma [9.765, 13.312]: no point near or beyond them, and no trend. The last 7 sit above the mean.
    y = [10, 11, 10, 11, 10, 11, 12, 13, 12, 13, 12, 13, 12]
    r = spc(y, months(13), improvement="decrease")
    assert r.mean[0, 0] == pytest.approx(150 / 13)
    assert r.upper_limit[0, 0] == pytest.approx(150 / 13 + 2.66)
    assert rules(r, RULE_RUN) == [6, 7, 8, 9, 10, 11, 12]
    assert flagged(r) == [6, 7, 8, 9, 10, 11, 12]
    assert all(r.rules_at(0, t) == [RULE_RUN] for t in range(6, 13))
    # Above the mean on a measure where lower is better: concern.
    assert r.points(0)[12]["variation"] == CONCERN
    assert r.variation(0) == CONCERN


def test_a_point_on_the_mean_breaks_a_run() -> None:
    # mean 11 exactly (sum 143 over 13); the 11 at index 9 sits on the mean: the points above split 3 + 3.
    y = [9, 10, 9, 10, 9, 10, 12, 13, 12, 11, 12, 13, 13]
    r = spc(y, months(13))
    assert r.mean[0, 0] == pytest.approx(11.0)
    assert rules(r, RULE_RUN) == []


def test_one_point_beyond_the_upper_limit() -> None:
    # 10, 12 alternating with a 25 at index 6 (in place of a 10): sum 147, mean 12.25.
    # Moving ranges: nine of 2 and two of 13 -> mMR 44/11 = 4; screen at 3.267 x 4 = 13.068 keeps both 13s.
    # Upper limit 12.25 + 2.66 x 4 = 22.89 < 25.
    y = list(ALTERNATING)
    y[6] = 25.0
    r = spc(y, months(12), improvement="increase")
    assert r.mean[0, 0] == pytest.approx(12.25)
    assert r.segments[0].mean_moving_range[0] == pytest.approx(4.0)
    assert r.segments[0].screened[0] == 0
    assert r.upper_limit[0, 0] == pytest.approx(22.89)
    assert flagged(r) == [6]
    assert r.rules_at(0, 6) == [RULE_OUTSIDE]
    assert r.points(0)[6]["variation"] == IMPROVEMENT
    # The icon describes the latest point, which is common cause.
    assert r.variation(0) == COMMON_CAUSE


def test_rising_trend_of_seven_points() -> None:
    # Points 6..12 rise by 0.25 each step (7 points, 6 increases). Sum 180 over 15: mean 12.
    # Moving ranges: five 2s, 1.75, six 0.25s, 1.75, 2 -> 17/14; limits 12 +/- 2.66 x 17/14 = [8.77, 15.23],
    # 2 sigma 12 +/- 2.153 = [9.847, 14.153]: the 11s and 13s stay inside; the 12 at index 9 breaks any run.
    y = [11, 13, 11, 13, 11, 13, 11.25, 11.5, 11.75, 12, 12.25, 12.5, 12.75, 11, 13]
    r = spc(y, months(15), improvement="increase")
    assert r.mean[0, 0] == pytest.approx(12.0)
    assert r.segments[0].mean_moving_range[0] == pytest.approx(17 / 14)
    assert rules(r, RULE_TREND) == [6, 7, 8, 9, 10, 11, 12]
    assert flagged(r) == [6, 7, 8, 9, 10, 11, 12]
    # A rising trend is labelled by its direction, even for the points below the mean.
    assert {r.points(0)[t]["variation"] for t in range(6, 13)} == {IMPROVEMENT}


def test_falling_trend_of_seven_points_is_a_concern_when_higher_is_better() -> None:
    y = [24 - v for v in [11, 13, 11, 13, 11, 13, 11.25, 11.5, 11.75, 12, 12.25, 12.5, 12.75, 11, 13]]
    r = spc(y, months(15), improvement="increase")
    assert rules(r, RULE_TREND) == [6, 7, 8, 9, 10, 11, 12]
    assert {r.points(0)[t]["variation"] for t in range(6, 13)} == {CONCERN}


def test_six_rising_points_are_not_a_trend_and_ties_break_a_trend() -> None:
    base = [11, 13, 11, 13, 11, 13, 11.25, 11.5, 11.75, 12, 12.25, 12.5, 12.75, 11, 13]
    six = list(base)
    six[12] = 12.0  # the seventh point no longer rises
    assert rules(spc(six, months(15)), RULE_TREND) == []
    tie = list(base)
    tie[9] = 11.75  # equal to the point before: plot-the-dots counts strict increases only
    assert rules(spc(tie, months(15)), RULE_TREND) == []


def test_two_of_three_beyond_two_sigma_on_the_same_side() -> None:
    # 20 points of 10, 12 with indices 10 and 11 raised to 15.5: sum 229, mean 11.45.
    # Moving ranges: sixteen 2s, 3.5, 0, 5.5 -> 41/19; limits 11.45 +/- 2.66 x 41/19 = [5.71, 17.19];
    # 2 sigma 11.45 +/- 3.8267 = [7.623, 15.277]: both 15.5s lie between 2 sigma and the limit, with the 12
    # before them on the same side. Only the two near-limit points are flagged.
    y = [10.0, 12.0] * 10
    y[10] = y[11] = 15.5
    r = spc(y, months(20), improvement="decrease")
    assert r.mean[0, 0] == pytest.approx(11.45)
    assert r.segments[0].mean_moving_range[0] == pytest.approx(41 / 19)
    assert r.upper_near[0, 0] == pytest.approx(11.45 + 2 / 3 * 2.66 * 41 / 19)
    assert rules(r, RULE_TWO_OF_THREE) == [10, 11]
    assert flagged(r) == [10, 11]
    assert r.points(0)[10]["variation"] == CONCERN


def test_one_point_near_the_limit_alone_is_not_special() -> None:
    y = [10.0, 12.0] * 10
    y[11] = 15.5
    r = spc(y, months(20))
    assert flagged(r) == []


def test_screening_drops_a_moving_range_made_by_one_jump() -> None:
    # A 40 in place of the 10 at index 6: moving ranges nine 2s and two 28s, mMR 74/11 = 6.727;
    # 3.267 x 6.727 = 21.98, so both 28s are screened and mMR becomes 18/9 = 2. Mean 162/12 = 13.5.
    y = list(ALTERNATING)
    y[6] = 40.0
    screened = spc(y, months(12))
    assert screened.segments[0].screened[0] == 2
    assert screened.upper_limit[0, 0] == pytest.approx(13.5 + 2.66 * 2)
    assert screened.lower_limit[0, 0] == pytest.approx(13.5 - 2.66 * 2)
    raw = spc(y, months(12), screen_outliers=False)
    assert raw.segments[0].screened[0] == 0
    assert raw.upper_limit[0, 0] == pytest.approx(13.5 + 2.66 * 74 / 11)


def test_rebasing_gives_each_segment_its_own_limits_and_rules() -> None:
    y = ALTERNATING + [v + 10 for v in ALTERNATING]
    periods = months(24)
    whole = spc(y, periods)
    # One set of limits across the step: runs of 7 on both sides of the mean 16.
    assert whole.mean[0, 0] == pytest.approx(16.0)
    assert len(flagged(whole)) == 24
    rebased = spc(y, periods, rebase_at=[periods[12]])
    assert rebased.mean[0, 0] == pytest.approx(11.0)
    assert rebased.mean[0, 12] == pytest.approx(21.0)
    assert rebased.upper_limit[0, 12] == pytest.approx(26.32)
    assert flagged(rebased) == []
    assert [s["start"] for s in rebased.summary(0)["segments"]] == [periods[0], periods[12]]


def test_a_rebase_date_between_periods_starts_at_the_next_period() -> None:
    periods = months(24)
    r = spc(ALTERNATING * 2, periods, rebase_at=[date(2022, 12, 15)])
    assert [(s.start, s.stop) for s in r.segments] == [(0, 12), (12, 24)]


def test_rebase_outside_the_series_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="outside the series"):
        spc(ALTERNATING, months(12), rebase_at=[date(2030, 1, 1)])


def test_limits_fixed_after_n_points_hold_for_later_points() -> None:
    # Limits from the first 6 points only: mean 11, mMR 2, so later 20s are beyond 16.32.
    y = [*ALTERNATING[:6], 20.0, 12.0, 20.0, 12.0, 10.0, 12.0]
    r = spc(y, months(12), fix_after_n_points=6, improvement="increase")
    assert r.segments[0].baseline_points == 6
    assert r.mean[0, 11] == pytest.approx(11.0)
    assert r.upper_limit[0, 11] == pytest.approx(16.32)
    assert rules(r, RULE_OUTSIDE) == [6, 8]
    # Limits from few points carry a note.
    assert any("6 points" in n for n in r.notes)


def test_assurance_against_a_target() -> None:
    # Limits [5.68, 16.32].
    def assurance(target: float, improvement: str) -> str | None:
        return spc(ALTERNATING, months(12), improvement=improvement, target=target).assurance(0)  # type: ignore[arg-type]

    assert assurance(4.0, "increase") == PASS
    assert assurance(20.0, "increase") == FAIL
    assert assurance(11.0, "increase") == HIT_AND_MISS
    assert assurance(4.0, "decrease") == FAIL
    assert assurance(20.0, "decrease") == PASS
    assert assurance(11.0, "neutral") is None
    assert spc(ALTERNATING, months(12), improvement="increase").assurance(0) is None


def test_neutral_metrics_label_special_causes_neutral() -> None:
    y = list(ALTERNATING)
    y[6] = 25.0
    r = spc(y, months(12), improvement="neutral")
    assert r.points(0)[6]["variation"] == NEUTRAL


def test_missing_values_have_no_limits_and_break_runs() -> None:
    y = [10, 11, 10, 11, 10, 11, 12, 13, 12, float("nan"), 13, 12, 13, 12]
    r = spc(y, months(14))
    p = r.points(0)[9]
    assert p["value"] is None and p["mean"] is None and p["special_cause"] is False
    assert rules(r, RULE_RUN) == []


def test_json_shape_of_a_point_and_a_summary() -> None:
    r = spc(ALTERNATING, months(12), improvement="increase", target=20.0)
    rec = r.series_record(0, {"organisation": "RGT"})
    assert rec["organisation"] == "RGT"
    assert set(rec["points"][0]) == {
        "period",
        "value",
        "mean",
        "lower_limit",
        "upper_limit",
        "special_cause",
        "rules",
        "variation",
    }
    assert rec["summary"]["variation"] == COMMON_CAUSE
    assert rec["summary"]["assurance"] == FAIL


def test_bad_options_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="improvement direction"):
        spc(ALTERNATING, months(12), improvement="up")  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="increasing order"):
        spc([1.0, 2.0], [date(2022, 2, 1), date(2022, 1, 1)])
    with pytest.raises(UserInputError, match="at least 2 points"):
        spc(ALTERNATING, months(12), fix_after_n_points=1)


# ---- properties ----

series = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(series)
def test_limits_are_symmetric_about_the_mean(y: list[float]) -> None:
    r = spc(y, months(len(y)))
    up = r.upper_limit[0] - r.mean[0]
    down = r.mean[0] - r.lower_limit[0]
    assert np.allclose(up, down, rtol=1e-9, atol=1e-6)
    assert (up >= 0).all()


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=1, max_value=60))
def test_a_constant_series_has_no_special_cause(value: float, n: int) -> None:
    r = spc([value] * n, months(n), improvement="increase")
    assert not r.special_cause.any()
    assert r.variation(0) == COMMON_CAUSE


@settings(max_examples=50, deadline=None)
@given(st.lists(series.filter(lambda s: len(s) >= 2), min_size=1, max_size=6), st.booleans())
def test_a_batch_gives_the_same_answer_as_each_series_alone(batch: list[list[float]], screen: bool) -> None:
    n = min(len(s) for s in batch)
    rows = [s[:n] for s in batch]
    periods = months(n)
    together = spc(np.array(rows), periods, improvement="increase", screen_outliers=screen)
    for i, row in enumerate(rows):
        alone = spc(row, periods, improvement="increase", screen_outliers=screen)
        assert (together.special_cause[i] == alone.special_cause[0]).all()
        assert (together.variation_code[i] == alone.variation_code[0]).all()
        assert np.allclose(together.upper_limit[i], alone.upper_limit[0], equal_nan=True)


@pytest.mark.parametrize(
    ("y", "trend_points"),
    [
        # The cases of plot-the-dots' own tests of ptd_seven_point_trend, as points flagged.
        (list(range(1, 7)), []),  # 6 rising points: no trend
        ([1, 2, 3, 3, 4, 5, 6], []),  # a repeat breaks it
        (list(range(1, 8)), [0, 1, 2, 3, 4, 5, 6]),
        ([2, *range(1, 8), 3], [1, 2, 3, 4, 5, 6, 7]),
        (list(range(7, 0, -1)), [0, 1, 2, 3, 4, 5, 6]),
        ([2, *range(7, 0, -1), 3], [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_trend_definition_matches_plot_the_dots(y: list[int], trend_points: list[int]) -> None:
    assert rules(spc(y, months(len(y))), RULE_TREND) == trend_points


@pytest.mark.parametrize(
    ("sides", "run_points"),
    [
        # plot-the-dots' ptd_seven_point_one_side_mean cases, as points flagged.
        ([1] * 6, []),
        ([1] * 6 + [-1], []),
        ([1] * 8 + [-1], list(range(8))),
        ([-1] + [1] * 8 + [-1], list(range(1, 9))),
    ],
)
def test_run_definition_matches_plot_the_dots(sides: list[int], run_points: list[int]) -> None:
    # Values one unit either side of a fixed centre: limits from a separate, symmetric baseline segment.
    baseline = [2.0, 0.0] * 6  # mean 1, mMR 2: limits [-4.32, 6.32]; ends below the mean
    y = baseline + [1.0 + s for s in sides]
    periods = months(len(y))
    r = spc(y, periods, fix_after_n_points=12)
    assert [t - 12 for t in rules(r, RULE_RUN) if t >= 12] == run_points
