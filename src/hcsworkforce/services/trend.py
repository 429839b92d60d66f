"""The trend job: a metric over every loaded census as Making Data Count SPC (XmR) charts, one per group, for
`hcs trend`, /api/v1/trends and the trends page alike. Rules and JSON shape: docs/trends.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from hcsworkforce.analytics.profile import SUPPRESSED_WITH_HEADCOUNT, suppress
from hcsworkforce.analytics.spc import _LABEL_BY_CODE, RULES, SegmentLimits, SpcResult, spc
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.frames import PROFILE_DIMENSIONS
from hcsworkforce.model.labels import METRICS, RATE_METRICS, TREND_METRICS, check_metric, label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import access
from hcsworkforce.services.absence import NAMED_DIMENSIONS, check_absence_loaded, suppress_absence
from hcsworkforce.services.cache import data_key, results_cache
from hcsworkforce.services.history import CensusRows, ProfileHistory, profile_history_frame
from hcsworkforce.store import Store

DIRECTIONS = ("increase", "decrease", "neutral")
# The groupings the trends page offers (one at a time); the CLI takes any profile dimensions.
TREND_GROUPINGS = {
    "": "No grouping (one chart)",
    "organisation": "Organisation",
    "region": "Region",
    "specialism": "Specialism",
    "division": "Division",
    "career_level": "Career level",
    "afc_band": "Band",
}
POINT_FIELDS = (
    "period",
    "value",
    "mean",
    "lower_limit",
    "upper_limit",
    "special_cause",
    "rules",
    "variation",
    "suppressed",
)


@dataclass(frozen=True)
class TrendQuery:
    metric: str
    by: tuple[str, ...] = ()
    start: date | None = None  # first census (default the first loaded)
    end: date | None = None  # last census
    region: str | None = None  # narrows the caller's scope
    organisation: str | None = None
    improvement: str | None = None  # increase, decrease or neutral (default: the metric's own)
    target: float | None = None  # for the assurance summary
    fix_after: int | None = None  # fix the limits after N points
    rebase_at: tuple[date, ...] = ()
    screen: bool = True  # screen moving ranges above 3.267 x the mean
    show: str | None = None  # only the group whose first `by` value is this
    suppress_below: int = 5  # for outputs that cross organisations


@dataclass
class TrendResult:
    """One SPC chart per group, held as frames: `keys` (one row per series: the `by` dimensions and their
    names), `points` (series x census: value, mean, limits, rule flags, variation, suppressed) and `summaries`
    (one row per series). `series` and `to_json` give the JSON shape of docs/trends.md, built only when asked
    for, so charting 44,000 series costs no dictionaries until one is output."""

    metric: str
    definition: str
    improvement_direction: str
    by: list[str]
    censuses: list[date]
    target: float | None
    screen_outliers: bool
    fix_after_n_points: int | None
    rebase_at: list[date]
    suppress_below: int
    spc_notes: list[str]
    keys: pl.DataFrame
    points: pl.DataFrame
    summaries: pl.DataFrame
    segments: list[SegmentLimits]
    scope: Scope = NATIONAL
    show: str | None = None
    _series: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def start(self) -> date:
        return self.censuses[0]

    @property
    def end(self) -> date:
        return self.censuses[-1]

    @property
    def n_series(self) -> int:
        return self.summaries.height

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS

    @property
    def scope_label(self) -> str:
        return access.describe(self.scope)

    @property
    def title(self) -> str:
        return (
            f"{self.metric} by {', '.join(self.by) or 'total'}, {self.scope_label}, "
            f"{self.start.isoformat()} to {self.end.isoformat()}"
        )

    @property
    def notes(self) -> list[str]:
        out = [
            f"{len(self.censuses)} censuses; improvement direction: {self.improvement_direction}. "
            "Rules: docs/trends.md.",
            *self.spc_notes,
        ]
        if self.suppress_below:
            out.append(f"Points from groups of fewer than {self.suppress_below} people are suppressed.")
        return out

    # -- the series as JSON records ------------------------------------------------------------------------
    @property
    def series(self) -> list[dict[str, Any]]:
        """The JSON records: one per series, {dims, names, summary, points}."""
        if self._series is None:
            self._series = self._records()
        return self._series

    def _records(self) -> list[dict[str, Any]]:
        t = len(self.censuses)
        keys = self.keys.to_dicts() if self.keys.width else [{} for _ in range(self.n_series)]
        points = self.points.with_columns(_rules_list()).select(POINT_FIELDS).to_dicts()
        summaries = self.summaries.to_dicts()
        out = []
        for i, (key, summ) in enumerate(zip(keys, summaries, strict=True)):
            summ["segments"] = [
                {
                    "start": self.censuses[seg.start],
                    "end": self.censuses[seg.stop - 1],
                    "baseline_points": seg.baseline_points,
                    "mean": _num(seg.mean[i]),
                    "mean_moving_range": _num(seg.mean_moving_range[i]),
                    "screened_moving_ranges": int(seg.screened[i]),
                }
                for seg in self.segments
            ]
            out.append({**key, "summary": summ, "points": points[i * t : (i + 1) * t]})
        return out

    def key_of(self, series: dict[str, Any]) -> str:
        """What `show` matches: the series' first grouping value."""
        return "" if not self.by else str(series.get(self.by[0]))

    def label_of(self, series: dict[str, Any]) -> str:
        return self.scope_label if not self.by else label(self.by[0], series.get(self.by[0]))

    def selected(self) -> dict[str, Any] | None:
        """The series to draw: the one asked for, else the one with most special-cause points."""
        found = self.series
        if not found:
            return None
        if self.show is not None:
            return found[0]
        return max(found, key=lambda s: (s["summary"]["special_cause_points"], -found.index(s)))

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "definition": self.definition,
            "improvement_direction": self.improvement_direction,
            "by": self.by,
            "from": self.start,
            "to": self.end,
            "censuses": self.censuses,
            "target": self.target,
            "screen_outliers": self.screen_outliers,
            "fix_after_n_points": self.fix_after_n_points,
            "rebase_at": self.rebase_at,
            "suppress_below": self.suppress_below,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "scope_label": self.scope_label,
            "show": self.show,
            "notes": self.notes,
            "series": self.series,
        }

    # -- flat tables -------------------------------------------------------------------------------------------
    def _keyed(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (with _series) with each series' key columns in front, in series order."""
        keys = self.keys.with_row_index("_series")
        return (
            keys.join(frame, on="_series", how="right").sort("_series", maintain_order=True).drop("_series")
        )

    def point_rows(self) -> list[dict[str, Any]]:
        pts = self.points.with_columns(_rules_list().list.join(";")).select("_series", *POINT_FIELDS)
        return self._keyed(pts).to_dicts()

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per series: its latest point shown (a suppressed point has no value), as a reader of the
        chart sees it, with its variation, assurance and special-cause counts."""
        last = (
            self.points.filter(pl.col("value").is_not_null())
            .group_by("_series")
            .agg(
                pl.col("period").last().alias("latest_period"),
                pl.col("value").last().alias("latest"),
                pl.col("mean").last(),
                pl.col("lower_limit").last(),
                pl.col("upper_limit").last(),
            )
        )
        summ = self.summaries.with_row_index("_series").select(
            "_series",
            "variation",
            "assurance",
            "special_cause_points",
            "improvement_points",
            "concern_points",
        )
        rows = self._keyed(last.join(summ, on="_series", how="right")).to_dicts()
        out = []
        for r in rows:
            keys = {k: r.pop(k) for k in self.keys.columns}
            out.append({**keys, "key": self.key_of(keys), "group": self.label_of(keys), **r})
        return out

    def records(self) -> list[dict[str, Any]]:
        """Every point of every series shown, flat (the CSV)."""
        return self.point_rows()

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Series", self.summary_rows()), ("Points", self.point_rows())]

    def only(self, keep: list[int]) -> TrendResult:
        """The same result with only the series at these positions (in this order)."""
        renumber = {old: new for new, old in enumerate(keep)}
        points = (
            self.points.filter(pl.col("_series").is_in(keep))
            .with_columns(pl.col("_series").replace_strict(renumber, return_dtype=pl.UInt32))
            .sort("_series", maintain_order=True)
        )
        return dataclasses.replace(
            self,
            keys=self.keys[keep] if self.keys.width else self.keys,
            points=points,
            summaries=self.summaries[keep],
            segments=[
                dataclasses.replace(
                    s,
                    mean=s.mean[keep],
                    mean_moving_range=s.mean_moving_range[keep],
                    screened=s.screened[keep],
                )
                for s in self.segments
            ],
            _series=None,
        )


def _rules_list() -> pl.Expr:
    """Each point's special-cause rules, in plot-the-dots' order of precedence, as a list of names."""
    return (
        pl.concat_list([pl.when(pl.col(r)).then(pl.lit(r)) for r in RULES]).list.drop_nulls().alias("rules")
    )


def _num(x: float | np.floating[Any]) -> float | None:
    return None if np.isnan(x) else float(x)


# -- suppression ---------------------------------------------------------------------------------------------------
def _hidden(row: dict[str, Any], metric: str, threshold: int) -> bool:
    """Would the usual suppression rule null this metric for this group?"""
    if threshold <= 0:
        return False
    copy = dict(row)
    if metric == "absence_rate":
        suppress_absence(copy, threshold)
        return bool(copy["suppressed"]) and row.get(metric) is not None
    suppress(copy, threshold)
    return copy.get(metric) is None and row.get(metric) is not None


def _hidden_expr(metric: str, threshold: int) -> pl.Expr:
    """_hidden on columns: would the usual suppression rule null this metric for this group?"""
    shown = pl.col(metric).is_not_null()
    if threshold <= 0:
        return pl.lit(False)

    def small(col: str, nulls_as_zero: bool = False) -> pl.Expr:
        c = pl.col(col).fill_null(0) if nulls_as_zero else pl.col(col)
        return (c > 0) & (c < threshold)

    if metric == "absence_rate":
        return (small("staff_absent", True) | small("headcount", True)) & shown
    few_people = small("headcount").fill_null(False)
    hide = few_people if metric in SUPPRESSED_WITH_HEADCOUNT else pl.lit(False)
    if metric in ("leavers_12m", "leaver_rate_12m"):
        hide = hide | (~few_people & small("leavers_12m").fill_null(False))
    return hide & shown


# -- the charts ----------------------------------------------------------------------------------------------------
def _history_frame(history: list[CensusRows] | ProfileHistory) -> tuple[list[date], pl.DataFrame]:
    if isinstance(history, ProfileHistory):
        return list(history.censuses), history.frame
    rows = [{**r, "census_date": h.census_date} for h in history for r in h.rows]
    frame = pl.DataFrame(rows, infer_schema_length=None, strict=False) if rows else pl.DataFrame()
    return [h.census_date for h in history], frame


def build_trend(
    history: list[CensusRows] | ProfileHistory,
    metric: str,
    by: list[str],
    *,
    improvement: str,
    target: float | None,
    fix_after: int | None,
    rebase_at: list[date],
    screen: bool,
    suppress_below: int,
    scope: Scope = NATIONAL,
) -> TrendResult:
    """The trend result: one SPC chart per group, computed on arrays (one matrix of series x censuses).

    Series are in order of first appearance (census by census, groups in the profile's order). Suppression
    hides a point's value and flags but keeps the limits, which rest on many points.
    """
    periods, frame = _history_frame(history)
    if frame.height == 0:
        raise UserInputError("no staff in the censuses asked for")
    for col in (metric, "headcount", "leavers_12m", "staff_absent", *by):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    frame = frame.with_row_index("_row")
    if by:
        keys = frame.select(by).unique(maintain_order=True).with_row_index("_series")
        frame = frame.join(keys, on=by, how="left", nulls_equal=True)
        keys = keys.drop("_series")
        n_series = keys.height
    else:
        keys = pl.DataFrame()
        frame = frame.with_columns(pl.lit(0, dtype=pl.UInt32).alias("_series"))
        n_series = 1
    period_index = pl.DataFrame(
        {"census_date": periods, "_t": list(range(len(periods)))},
        schema={"census_date": pl.Date, "_t": pl.Int64},
    )
    frame = frame.with_columns(pl.col("census_date").cast(pl.Date)).join(
        period_index, on="census_date", how="left"
    )
    frame = frame.sort("_row")
    si = frame["_series"].to_numpy()
    ti = frame["_t"].to_numpy()
    values = np.full((n_series, len(periods)), np.nan)
    hidden = np.zeros(values.shape, dtype=bool)
    values[si, ti] = frame[metric].cast(pl.Float64).fill_null(np.nan).to_numpy()
    hidden[si, ti] = (
        frame.select(_hidden_expr(metric, suppress_below).fill_null(False)).to_series().to_numpy()
    )
    result = spc(
        values,
        periods,
        improvement=improvement,  # type: ignore[arg-type]
        fix_after_n_points=fix_after,
        rebase_at=rebase_at,
        screen_outliers=screen,
        target=target,
    )
    for d in by:
        if d in NAMED_DIMENSIONS:
            names = {v: label(d, v) for v in keys[d].unique().to_list() if v is not None}
            keys = keys.with_columns(
                pl.col(d)
                .replace_strict(names, default=None, return_dtype=pl.String)
                .fill_null(label(d, None))
                .alias(f"{d}_name")
            )
    return TrendResult(
        metric=metric,
        definition=METRICS[metric].definition,
        improvement_direction=improvement,
        by=by,
        censuses=periods,
        target=target,
        screen_outliers=screen,
        fix_after_n_points=fix_after,
        rebase_at=rebase_at,
        suppress_below=suppress_below,
        spc_notes=list(result.notes),
        keys=keys,
        points=_points_frame(result, hidden, _LABEL_BY_CODE),
        summaries=_summary_frame(result, hidden, _LABEL_BY_CODE),
        segments=result.segments,
        scope=scope,
    )


def _points_frame(result: SpcResult, hidden: npt.NDArray[np.bool_], labels: dict[int, str]) -> pl.DataFrame:
    """Every point of every series as one frame, series by series: what SpcResult.points gives, with the
    suppressed points' value, flags and label taken away."""
    s, t = result.values.shape
    blank = np.isnan(result.values) | hidden

    def col(a: npt.NDArray[np.float64]) -> pl.Series:
        return pl.Series(a.ravel(), nan_to_null=True)

    flags = (result.outside, result.trend, result.two_of_three, result.run)
    frame = pl.DataFrame(
        {
            "_series": np.repeat(np.arange(s, dtype=np.uint32), t),
            "period": pl.Series(result.periods, dtype=pl.Date).gather(np.tile(np.arange(t), s)),
            "value": col(np.where(blank, np.nan, result.values)),
            "mean": col(result.mean),
            "lower_limit": col(result.lower_limit),
            "upper_limit": col(result.upper_limit),
            "special_cause": result.special_cause.ravel(),
            **{name: (f & ~hidden).ravel() for name, f in zip(RULES, flags, strict=True)},
            "variation": result.variation_code.ravel().astype(np.int64),
            "suppressed": hidden.ravel(),
            "_blank": blank.ravel(),
        }
    )
    return frame.with_columns(
        pl.when(~pl.col("suppressed")).then(pl.col("special_cause")).alias("special_cause"),
        pl.when(~pl.col("_blank"))
        .then(pl.col("variation").replace_strict(labels, return_dtype=pl.String))
        .alias("variation"),
    ).drop("_blank")


def _summary_frame(result: SpcResult, hidden: npt.NDArray[np.bool_], labels: dict[int, str]) -> pl.DataFrame:
    """SpcResult.summary for every series at once (segments are added when records are built)."""
    s, t = result.values.shape
    valid = ~np.isnan(result.values)
    has = valid.any(axis=1)
    last = t - 1 - np.argmax(valid[:, ::-1], axis=1)
    rows = np.arange(s)
    code = result.variation_code.astype(np.int64)
    # The series' variation is its latest point's, unless that point is suppressed.
    shown = has & ~hidden[rows, np.where(has, last, 0)]
    assurance: list[str | None] = [None] * s
    if result.target is not None and result.improvement != "neutral":
        lo, hi, tgt = result.lower_limit[rows, last], result.upper_limit[rows, last], result.target
        good_high = result.improvement == "increase"
        ok = has & ~np.isnan(tgt) & ~np.isnan(lo) & ~np.isnan(hi)
        verdict = np.where(
            tgt > hi,
            "fail" if good_high else "pass",
            np.where(tgt < lo, "pass" if good_high else "fail", "hit_and_miss"),
        )
        assurance = [str(v) if k else None for v, k in zip(verdict, ok, strict=True)]
    return (
        pl.DataFrame(
            {
                "variation": pl.Series(code[rows, last]).replace_strict(labels, return_dtype=pl.String),
                "assurance": pl.Series(assurance, dtype=pl.String),
                "target": pl.Series(
                    np.full(s, np.nan) if result.target is None else result.target, nan_to_null=True
                ),
                "improvement_direction": [str(result.improvement)] * s,
                "points": valid.sum(axis=1).astype(np.int64),
                "special_cause_points": ((code != 0) & valid).sum(axis=1).astype(np.int64),
                "improvement_points": ((code == 1) & valid).sum(axis=1).astype(np.int64),
                "concern_points": ((code == -1) & valid).sum(axis=1).astype(np.int64),
                "neutral_points": ((code == 2) & valid).sum(axis=1).astype(np.int64),
                "_shown": shown,
            }
        )
        .with_columns(pl.when(pl.col("_shown")).then(pl.col("variation")).alias("variation"))
        .drop("_shown")
    )


# -- the job -------------------------------------------------------------------------------------------------------
def check_grouping(by: str | None) -> tuple[str, ...]:
    """The one grouping of the trends page and /api/v1/trends (or none)."""
    by = (by or "").strip().lower()
    if by not in TREND_GROUPINGS:
        raise UserInputError(
            Problem(
                "is not a grouping",
                column="by",
                value=by[:40],
                expected="one of " + ", ".join(k for k in TREND_GROUPINGS if k),
            )
        )
    return (by,) if by else ()


def _check(query: TrendQuery) -> tuple[str, list[str], str]:
    m = check_metric(query.metric, TREND_METRICS)
    dims = list(query.by)
    bad = [d for d in dims if d not in PROFILE_DIMENSIONS]
    if bad:
        raise UserInputError(
            Problem(
                "is not a dimension",
                column="by",
                value=", ".join(bad)[:40],
                expected="any of " + ", ".join(PROFILE_DIMENSIONS),
            )
        )
    direction = (query.improvement or METRICS[m].improvement).lower()
    if direction not in DIRECTIONS:
        raise UserInputError(
            f"improvement direction {query.improvement!r} is not one of increase, decrease, neutral"
        )
    if query.suppress_below < 0:
        raise UserInputError(f"--suppress-below {query.suppress_below} must be 0 or more")
    return m, dims, direction


def run(store: Store, query: TrendQuery, scope: Scope = NATIONAL) -> TrendResult:
    """SPC charts of the metric for each group over the censuses loaded in the period, for the view's scope.

    Suppression follows the profile's rule (services.access.suppression_for): the caller's scope decides, so
    anyone who can see more than one organisation gets small groups suppressed, even when filtering to one."""
    m, dims, direction = _check(query)
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
    vs = access.view_scope(store, scope, query.region, query.organisation)
    threshold = access.suppression_for(scope, query.suppress_below)
    if m == "absence_rate":
        check_absence_loaded(store)

    def make() -> TrendResult:
        history = profile_history_frame(
            store, dims, start=query.start, end=query.end, scope=vs, with_absence=m == "absence_rate"
        )
        return build_trend(
            history,
            m,
            dims,
            improvement=direction,
            target=query.target,
            fix_after=query.fix_after,
            rebase_at=list(query.rebase_at),
            screen=query.screen,
            suppress_below=threshold,
            scope=vs,
        )

    key = ("trend", data_key(store), vs, m, tuple(dims), threshold, dataclasses.replace(query, show=None))
    result: TrendResult = results_cache.get(key, make)
    if not dims or not query.show:
        return result
    keep = [i for i, k in enumerate(result.keys[dims[0]].cast(pl.String).to_list()) if str(k) == query.show]
    if not keep:
        # The key is not echoed: it may name an organisation outside the user's view.
        raise UserInputError(Problem("no group with that key in this view", column="show"))
    return dataclasses.replace(result.only(keep), show=query.show)
