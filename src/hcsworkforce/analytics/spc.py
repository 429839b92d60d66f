"""XmR statistical process control charts by NHS England's Making Data Count rules.

The rules follow the NHS-R community's NHSRplotthedots package (`ptd_spc`), so a chart drawn here and one
drawn there from the same data agree point for point. Many series that share one set of periods are computed
at once as a (series x periods) matrix: every rule is a handful of whole-array operations, so thousands of
series cost about as much as one. docs/trends.md gives the rules, citations and deliberate differences.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hcsworkforce.errors import UserInputError

Improvement = Literal["increase", "decrease", "neutral"]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Wheeler's constants for an individuals chart: 2.66 = 3 / d2 with d2 = 1.128 for moving ranges of two points;
# 3.267 = D4, the upper limit of a moving range chart, used to screen out moving ranges made by a single jump.
LIMIT = 2.66
NEAR_LIMIT = 2 * LIMIT / 3  # "2 sigma": two thirds of the way from the mean to the process limit
MR_SCREEN = 3.267
RUN_LENGTH = 7  # points on one side of the mean
TREND_LENGTH = 7  # points, i.e. 6 successive strict increases (or decreases), as plot-the-dots counts them
FEW_POINTS = 12  # plot-the-dots warns when limits rest on fewer points than this
_ROUNDING = 1e-10  # relative: deviations from the mean smaller than this are floating-point noise

# Rule names as they appear in each point's `rules` list.
RULE_OUTSIDE = "outside_limits"
RULE_RUN = "run_of_7"
RULE_TREND = "trend_of_7"
RULE_TWO_OF_THREE = "two_of_three_near_limit"
RULES = (RULE_OUTSIDE, RULE_TREND, RULE_TWO_OF_THREE, RULE_RUN)  # plot-the-dots' order of precedence

# Variation labels, per point and per series.
COMMON_CAUSE = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL = "special_cause_neutral"
_LABEL_BY_CODE = {0: COMMON_CAUSE, 1: IMPROVEMENT, -1: CONCERN, 2: NEUTRAL}

PASS = "pass"
FAIL = "fail"
HIT_AND_MISS = "hit_and_miss"


def _direction_sign(improvement: str) -> int:
    if improvement == "increase":
        return 1
    if improvement == "decrease":
        return -1
    if improvement == "neutral":
        return 0
    raise UserInputError(f"improvement direction {improvement!r} is not one of increase, decrease, neutral")


def _nanmean(a: FloatArray, axis: int) -> FloatArray:
    """Mean ignoring NaN; NaN where all are NaN, without the RuntimeWarning that tests treat as an error."""
    ok = ~np.isnan(a)
    count = ok.sum(axis=axis)
    total = np.where(ok, a, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _window_all(mask: BoolArray, width: int) -> BoolArray:
    """True at column j where mask[:, j - width + 1 .. j] are all True (a completed window ends at j)."""
    s, t = mask.shape
    out = np.zeros((s, t), dtype=bool)
    if t < width:
        return out
    c = np.zeros((s, t + 1), dtype=np.int64)
    np.cumsum(mask, axis=1, out=c[:, 1:])
    out[:, width - 1 :] = (c[:, width:] - c[:, :-width]) == width
    return out


def _spread_back(ends: BoolArray, width: int) -> BoolArray:
    """Flag every point of each completed window: column i is True if a window ends in i .. i + width - 1."""
    s, t = ends.shape
    c = np.zeros((s, t + 1), dtype=np.int64)
    np.cumsum(ends, axis=1, out=c[:, 1:])
    hi = np.minimum(np.arange(t) + width, t)
    result: BoolArray = (c[:, hi] - c[:, :t]) > 0
    return result


@dataclass(frozen=True)
class SegmentLimits:
    """The centre line and limits of one segment (between rebases) of every series in the batch."""

    start: int  # first period index of the segment
    stop: int  # one past the last
    baseline_points: int  # how many points the limits were computed from (fix_after_n_points caps it)
    mean: FloatArray  # (series,)
    mean_moving_range: FloatArray  # (series,), after screening
    screened: IntArray  # (series,) moving ranges screened out


@dataclass(frozen=True)
class SpcResult:
    """XmR results for a batch of series over shared periods. Arrays are (series, periods)."""

    periods: list[date]
    improvement: Improvement
    values: FloatArray
    mean: FloatArray
    lower_limit: FloatArray
    upper_limit: FloatArray
    lower_near: FloatArray  # mean - 2 sigma
    upper_near: FloatArray  # mean + 2 sigma
    outside: BoolArray
    run: BoolArray
    trend: BoolArray
    two_of_three: BoolArray
    special_cause: BoolArray
    direction: npt.NDArray[np.int8]  # +1 high / -1 low for a special cause point, 0 otherwise
    variation_code: npt.NDArray[np.int8]  # 0 common, 1 improvement, -1 concern, 2 neutral
    segments: list[SegmentLimits]
    target: FloatArray | None  # (series,) or None
    notes: list[str] = field(default_factory=list)

    @property
    def n_series(self) -> int:
        return int(self.values.shape[0])

    def rules_at(self, i: int, t: int) -> list[str]:
        flags = (self.outside[i, t], self.trend[i, t], self.two_of_three[i, t], self.run[i, t])
        return [name for name, on in zip(RULES, flags, strict=True) if on]

    def last_index(self, i: int) -> int | None:
        """The latest period with a value: the one Making Data Count's variation icon describes."""
        ok = np.flatnonzero(~np.isnan(self.values[i]))
        return int(ok[-1]) if ok.size else None

    def variation(self, i: int) -> str | None:
        t = self.last_index(i)
        return None if t is None else _LABEL_BY_CODE[int(self.variation_code[i, t])]

    def assurance(self, i: int) -> str | None:
        """pass / fail / hit_and_miss: can the process, as it stands, be relied on to meet the target?

        As plot-the-dots: against the latest limits. A target beyond the limits on the good side will be met
        every time (pass), beyond them on the bad side never (fail); a target between the limits is met some
        months and missed in others (hit_and_miss). No target, or a neutral metric, gives None.
        """
        if self.target is None or self.improvement == "neutral":
            return None
        target = float(self.target[i])
        t = self.last_index(i)
        if t is None or np.isnan(target):
            return None
        lo, hi = float(self.lower_limit[i, t]), float(self.upper_limit[i, t])
        if np.isnan(lo) or np.isnan(hi):
            return None
        good_high = self.improvement == "increase"
        if target > hi:
            return FAIL if good_high else PASS
        if target < lo:
            return PASS if good_high else FAIL
        return HIT_AND_MISS

    def points(self, i: int) -> list[dict[str, Any]]:
        """One record per period for series i: the JSON shape of a trend chart."""
        out: list[dict[str, Any]] = []
        for t, period in enumerate(self.periods):
            v = self.values[i, t]
            if np.isnan(v):
                out.append(
                    {
                        "period": period,
                        "value": None,
                        "mean": None,
                        "lower_limit": None,
                        "upper_limit": None,
                        "special_cause": False,
                        "rules": [],
                        "variation": None,
                    }
                )
                continue
            out.append(
                {
                    "period": period,
                    "value": float(v),
                    "mean": _num(self.mean[i, t]),
                    "lower_limit": _num(self.lower_limit[i, t]),
                    "upper_limit": _num(self.upper_limit[i, t]),
                    "special_cause": bool(self.special_cause[i, t]),
                    "rules": self.rules_at(i, t),
                    "variation": _LABEL_BY_CODE[int(self.variation_code[i, t])],
                }
            )
        return out

    def summary(self, i: int) -> dict[str, Any]:
        codes = self.variation_code[i][~np.isnan(self.values[i])]
        return {
            "variation": self.variation(i),
            "assurance": self.assurance(i),
            "target": None if self.target is None else _num(self.target[i]),
            "improvement_direction": self.improvement,
            "points": int(codes.size),
            "special_cause_points": int((codes != 0).sum()),
            "improvement_points": int((codes == 1).sum()),
            "concern_points": int((codes == -1).sum()),
            "neutral_points": int((codes == 2).sum()),
            "segments": [
                {
                    "start": self.periods[seg.start],
                    "end": self.periods[seg.stop - 1],
                    "baseline_points": seg.baseline_points,
                    "mean": _num(seg.mean[i]),
                    "mean_moving_range": _num(seg.mean_moving_range[i]),
                    "screened_moving_ranges": int(seg.screened[i]),
                }
                for seg in self.segments
            ],
        }

    def series_record(self, i: int, key: dict[str, Any] | None = None) -> dict[str, Any]:
        return {**(key or {}), "summary": self.summary(i), "points": self.points(i)}


def _num(x: float | np.floating[Any]) -> float | None:
    return None if np.isnan(x) else float(x)


def _segment_bounds(periods: Sequence[date], rebase_at: Sequence[date]) -> list[tuple[int, int]]:
    """Split the periods at each rebase date: a segment starts at the first period on or after the date."""
    starts = {0}
    for d in rebase_at:
        idx = next((k for k, p in enumerate(periods) if p >= d), None)
        if idx is None or d < periods[0]:
            raise UserInputError(
                f"rebase date {d.isoformat()} is outside the series "
                f"({periods[0].isoformat()} to {periods[-1].isoformat()})"
            )
        starts.add(idx)
    cuts = [*sorted(starts), len(periods)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def spc(
    values: npt.ArrayLike,
    periods: Sequence[date],
    *,
    improvement: Improvement = "neutral",
    fix_after_n_points: int | None = None,
    rebase_at: Sequence[date] = (),
    screen_outliers: bool = True,
    target: float | npt.ArrayLike | None = None,
) -> SpcResult:
    """XmR chart(s) of `values` (one series, or a series x periods matrix) over the shared `periods`.

    fix_after_n_points: the limits of each segment come from its first N points only and are then held.
    rebase_at: dates where the process is known to have changed; each segment gets its own mean and limits,
    and the rules look only within a segment. NaN marks a missing value: it has no limits, breaks runs and
    trends, and its moving ranges are left out.
    """
    y = _checked_series(values, periods, fix_after_n_points)
    s, t = y.shape
    sign = _direction_sign(improvement)
    target_arr: FloatArray | None = None
    if target is not None:
        target_arr = np.broadcast_to(np.asarray(target, dtype=np.float64), (s,)).copy()

    shape = (s, t)
    mean = np.full(shape, np.nan)
    amr_full = np.full(shape, np.nan)
    outside = np.zeros(shape, dtype=bool)
    run = np.zeros(shape, dtype=bool)
    trend = np.zeros(shape, dtype=bool)
    two3 = np.zeros(shape, dtype=bool)
    direction = np.zeros(shape, dtype=np.int8)
    segments: list[SegmentLimits] = []
    notes: list[str] = []
    for a, b in _segment_bounds(periods, rebase_at):
        seg = y[:, a:b]
        n_base = b - a if fix_after_n_points is None else min(fix_after_n_points, b - a)
        limits = segment_limits(seg, a, b, n_base, screen_outliers)
        if n_base < FEW_POINTS:
            notes.append(
                f"limits from {periods[a].isoformat()} rest on {n_base} points; "
                f"Making Data Count advises at least {FEW_POINTS} (ideally 15 to 20)"
            )
        segments.append(limits)
        mean[:, a:b] = limits.mean[:, np.newaxis]
        amr_full[:, a:b] = limits.mean_moving_range[:, np.newaxis]
        causes = special_causes(seg, limits.mean, limits.mean_moving_range)
        outside[:, a:b] = causes.outside
        run[:, a:b] = causes.run
        trend[:, a:b] = causes.trend
        two3[:, a:b] = causes.two_of_three
        direction[:, a:b] = causes.direction

    special = outside | run | trend | two3
    if sign == 0:
        code = np.where(special, 2, 0)
    else:
        code = np.where(special, np.where(direction * sign > 0, 1, -1), 0)
    upper = mean + LIMIT * amr_full
    lower = mean - LIMIT * amr_full
    missing = np.isnan(y)
    for arr in (mean, upper, lower):
        arr[missing] = np.nan
    return SpcResult(
        periods=list(periods),
        improvement=improvement,
        values=y,
        mean=mean,
        lower_limit=lower,
        upper_limit=upper,
        lower_near=np.where(missing, np.nan, mean - NEAR_LIMIT * amr_full),
        upper_near=np.where(missing, np.nan, mean + NEAR_LIMIT * amr_full),
        outside=outside & ~missing,
        run=run & ~missing,
        trend=trend & ~missing,
        two_of_three=two3 & ~missing,
        special_cause=special & ~missing,
        direction=np.where(missing, 0, direction).astype(np.int8),
        variation_code=np.where(missing, 0, code).astype(np.int8),
        segments=segments,
        target=target_arr,
        notes=sorted(set(notes)),
    )


def _checked_series(
    values: npt.ArrayLike, periods: Sequence[date], fix_after_n_points: int | None
) -> FloatArray:
    """The values as a (series, periods) matrix, checked against the periods and the options."""
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 1:
        y = y[np.newaxis, :]
    if y.ndim != 2:
        raise ValueError("values must be one series or a (series, periods) matrix")
    t = y.shape[1]
    if t != len(periods):
        raise ValueError(f"{t} values per series but {len(periods)} periods")
    if t == 0:
        raise UserInputError("a trend needs at least one period")
    if any(b <= a for a, b in itertools.pairwise(periods)):
        raise UserInputError("periods must be in increasing order with no repeats")
    if fix_after_n_points is not None and fix_after_n_points < 2:
        raise UserInputError("limits need at least 2 points (fix_after_n_points >= 2)")
    return y


def segment_limits(seg: FloatArray, a: int, b: int, n_base: int, screen_outliers: bool) -> SegmentLimits:
    """Mean and mean moving range of a segment's first n_base points, large moving ranges screened out."""
    base = seg[:, :n_base]
    m = _nanmean(base, axis=1)
    mr = np.abs(np.diff(base, axis=1))
    amr = _nanmean(mr, axis=1)
    screened = np.zeros(seg.shape[0], dtype=np.int64)
    if screen_outliers and mr.size:
        # plot-the-dots keeps ranges strictly below 3.267 x mMR; we drop those strictly above. That
        # differs only for a flat series (every range 0): the strict rule drops all and leaves no limits.
        drop = mr > MR_SCREEN * amr[:, np.newaxis]
        screened = drop.sum(axis=1)
        amr = _nanmean(np.where(drop, np.nan, mr), axis=1)
    return SegmentLimits(a, b, n_base, m, amr, screened)


@dataclass(frozen=True)
class _SegmentCauses:
    """Which points of one segment each rule flags, and the direction of each special cause."""

    outside: BoolArray
    run: BoolArray
    trend: BoolArray
    two_of_three: BoolArray
    direction: npt.NDArray[np.int8]


def special_causes(seg: FloatArray, m: FloatArray, amr: FloatArray) -> _SegmentCauses:
    """The four rules over one segment (series x its periods), against its mean and mean moving range."""
    mcol = m[:, np.newaxis]
    acol = amr[:, np.newaxis]
    # Compare deviations from the mean, with rounding noise snapped to zero: the mean of a flat series is
    # not always bit-equal to its values, and a flat series must show no special cause.
    with np.errstate(invalid="ignore"):
        dev = seg - mcol
        dev = np.where(np.abs(dev) <= _ROUNDING * np.abs(mcol), 0.0, dev)
        out_seg = (dev > LIMIT * acol) | (dev < -LIMIT * acol)
        close = ~out_seg & ((dev > NEAR_LIMIT * acol) | (dev < -NEAR_LIMIT * acol))
        side = np.sign(dev)
        side = np.where(np.isnan(side), 0.0, side).astype(np.int8)

    # Run: 7 consecutive points on the same side; a point on the mean (or missing) breaks it.
    above = _spread_back(_window_all(side == 1, RUN_LENGTH), RUN_LENGTH)
    below = _spread_back(_window_all(side == -1, RUN_LENGTH), RUN_LENGTH)
    run_seg = above | below
    trend_seg, trend_dir = trend_points(seg)
    two3_seg = two_of_three_near_limit(close, side)
    # Direction of each special cause, by plot-the-dots' precedence: outside > trend > 2 of 3 > run.
    direction = np.where(
        out_seg, side, np.where(trend_seg, trend_dir, np.where(two3_seg | run_seg, side, 0))
    ).astype(np.int8)
    return _SegmentCauses(out_seg, run_seg, trend_seg, two3_seg, direction)


def trend_points(seg: FloatArray) -> tuple[BoolArray, npt.NDArray[np.int8]]:
    """Trend: 7 points each strictly above (below) the one before; equal neighbours break it. Returns the
    points in a trend and each one's direction."""
    s, width = seg.shape
    rising = np.zeros((s, width), dtype=bool)
    falling = np.zeros((s, width), dtype=bool)
    step = np.zeros((s, width), dtype=np.int8)  # sign of the step into each point
    if width > 1:
        with np.errstate(invalid="ignore"):
            d = np.sign(np.diff(seg, axis=1))
        d = np.where(np.isnan(d), 0.0, d).astype(np.int8)
        step[:, 1:] = d
        # step[:, k] is the step into point k, so 6 rising steps ending at k cover points k-6 .. k.
        up_ends = _window_all(step == 1, TREND_LENGTH - 1)
        down_ends = _window_all(step == -1, TREND_LENGTH - 1)
        rising = _spread_back(up_ends, TREND_LENGTH)
        falling = _spread_back(down_ends, TREND_LENGTH)
    trend_seg = rising | falling
    # The point where a rise turns into a fall belongs to both; plot-the-dots labels it by the later one.
    step_out = np.zeros((s, width), dtype=np.int8)
    step_out[:, :-1] = step[:, 1:]
    trend_dir = np.where(rising & falling, step_out, np.where(rising, 1, -1)).astype(np.int8)
    return trend_seg, trend_dir


def two_of_three_near_limit(close: BoolArray, side: npt.NDArray[np.int8]) -> BoolArray:
    """2 of 3: of three consecutive points all on one side, at least two between 2 sigma and the limit.
    As plot-the-dots, points beyond the limits do not count towards the two (they are special already),
    and only the near-limit points of a qualifying window are flagged."""
    s, width = close.shape
    two3_seg = np.zeros((s, width), dtype=bool)
    if width >= 3:
        ci = close.astype(np.int8)
        n_close = ci[:, :-2] + ci[:, 1:-1] + ci[:, 2:]
        side_sum = side[:, :-2].astype(np.int16) + side[:, 1:-1] + side[:, 2:]
        win = (n_close >= 2) & (np.abs(side_sum) == 3)
        hit = np.zeros((s, width), dtype=bool)
        hit[:, :-2] |= win
        hit[:, 1:-1] |= win
        hit[:, 2:] |= win
        two3_seg = hit & close
    return two3_seg
