"""Trends, benchmarks and absence as services: one typed result each, for the CLI, the board pack and pages.

`run_trend` charts a metric over every loaded census with SPC (Making Data Count); `run_benchmark` sets each
organisation's rate on a funnel plot against its peers; `absence_history` gives the monthly sickness absence
rate from the absence extracts loaded against censuses. Rules and JSON shapes: docs/trends.md.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from hcsworkforce.analytics.spc import SegmentLimits, SpcResult
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.frames import DIMENSION_COLUMNS, LEAVER_SCHEMA
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.discovery import LeadershipQuery, run_leadership_counts
from hcsworkforce.store.tables_discovery import read_leadership_counts

# Metric -> (improvement direction by default, what it is). Rates are proportions (0-1) in JSON.
METRICS: dict[str, tuple[str, str]] = {
    "headcount": ("increase", "people in post"),
    "fte": ("increase", "full-time equivalent in post"),
    "vacancy_rate": ("decrease", "vacant FTE / funded FTE"),
    "leaver_rate_12m": ("decrease", "leavers in the 12 months to the census / mean headcount"),
    "absence_rate": ("decrease", "FTE days lost to sickness / FTE days available, in the census month"),
    "share_55_plus": ("decrease", "share of people aged 55 or over (retirement risk)"),
}
RATE_METRICS = ("vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")
# Names people type for the metrics.
METRIC_ALIASES = {
    "leaver_rate": "leaver_rate_12m",
    "leavers": "leaver_rate_12m",
    "turnover": "leaver_rate_12m",
    "vacancies": "vacancy_rate",
    "absence": "absence_rate",
    "sickness": "absence_rate",
    "over_55": "share_55_plus",
}
CURVE_POINTS = 60


def read_frame(store: Any, table: str, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """store.staff / leavers / establishment, read so that a known store bug cannot stop a trend.

    Store._read builds its frame with polars' default type inference over the first 100 rows, so a read whose
    first 100 rows all lack a date (say the first hundred staff have no expected completion) fails when a
    later row has one. Until the store reads with its schema, such a read is redone here with every row
    inspected; the result is the same frame.
    """
    try:
        return cast(pl.DataFrame, getattr(store, table)(census_date, scope))
    except pl.exceptions.ComputeError:
        return _read_all_rows(store, table, census_date, scope)


def _read_all_rows(store: Any, table: str, census_date: date, scope: Scope | None) -> pl.DataFrame:
    from sqlalchemy import select

    from hcsworkforce import reference
    from hcsworkforce.model import frames
    from hcsworkforce.store import tables as t

    tbl, columns, schema = {
        "staff": (t.assignments, t.ASSIGNMENT_COLUMNS, frames.STAFF_SCHEMA),
        "leavers": (t.leavers, t.LEAVER_COLUMNS, frames.LEAVER_SCHEMA),
        "establishment": (t.establishment, t.ESTABLISHMENT_COLUMNS, frames.ESTABLISHMENT_SCHEMA),
    }[table]
    q = (
        select(*(tbl.c[c] for c in columns), t.organisations.c.region_code)
        .select_from(
            tbl.join(t.censuses, tbl.c.census_id == t.censuses.c.id).outerjoin(
                t.organisations, tbl.c.organisation_code == t.organisations.c.code
            )
        )
        .where(t.censuses.c.census_date == census_date)
    )
    if scope is not None and scope.kind == "organisation":
        q = q.where(tbl.c.organisation_code == scope.code)
    elif scope is not None and scope.kind == "region":
        q = q.where(t.organisations.c.region_code == scope.code)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    df = pl.DataFrame(
        [tuple(r) for r in rows], schema=[*columns, "region_code"], orient="row", infer_schema_length=None
    ).with_columns(pl.lit(census_date).alias("census_date"))
    if "specialism_id" in df.columns:
        division = {sp.id: sp.division_id for sp in reference.specialisms().values()}
        df = df.with_columns(
            pl.col("specialism_id").replace_strict(division, default=None).alias("division_id")
        )
    return df.select(
        pl.col(c).cast(dtype) if c in df.columns else pl.lit(None, dtype=dtype).alias(c)
        for c, dtype in schema.items()
    )


def check_metric(metric: str, allowed: Sequence[str]) -> str:
    m = metric.strip().lower().replace("-", "_")
    m = METRIC_ALIASES.get(m, m)
    if m not in allowed:
        raise UserInputError(f"metric {metric!r} is not one of {', '.join(allowed)}")
    return m


# -- sickness absence ---------------------------------------------------------------------------------------


def census_people(store: Any, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """Everyone in one census (in post, and leavers of its 12 months), one row per assignment, with end_date."""
    staff = read_frame(store, "staff", census_date, scope).with_columns(
        pl.lit(None, dtype=pl.Date).alias("end_date"), pl.lit(None, dtype=pl.String).alias("leaving_reason")
    )
    leavers = read_frame(store, "leavers", census_date, scope)
    return pl.concat([staff.select(list(LEAVER_SCHEMA)), leavers.select(list(LEAVER_SCHEMA))])


def _month(d: date) -> date:
    return d.replace(day=1)


def _months_back(d: date, k: int) -> date:
    idx = d.year * 12 + d.month - 1 - k
    return date(idx // 12, idx % 12 + 1, 1)


def absence_sources(store: Any, scope: Scope | None = None) -> dict[date, tuple[date, pl.DataFrame]]:
    """Month -> (the census whose absence extract reports it, that census's episodes).

    A month is reported by the census dated in it where that census has an absence extract; otherwise by the
    latest census whose extract covers it (its episodes start by then and the month is within the census's
    12 months, for which the census lists everyone who was in post).
    """
    from hcsworkforce.store.tables_absence import absence_census_dates, load_absences

    dates = absence_census_dates(store)
    loaded = set(store.census_dates())
    out: dict[date, tuple[date, pl.DataFrame]] = {}
    own: set[date] = set()
    for d in dates:  # oldest first, so a later census overwrites an earlier one's cover
        if d not in loaded:
            continue  # the census was deleted; its absences have nobody to weigh them against
        ep = load_absences(store, d, scope)
        first = ep["absence_start"].min() if ep.height else None
        lo = max(_month(first) if isinstance(first, date) else _month(d), _months_back(d, 11))
        m = lo
        while m <= _month(d):
            if m not in own:
                out[m] = (d, ep)
            m = _months_back(m, -1)
        out[_month(d)] = (d, ep)
        own.add(_month(d))
    return out


def absence_history(
    store: Any,
    by: Sequence[str] = (),
    *,
    scope: Scope = NATIONAL,
    start: date | None = None,
    end: date | None = None,
    months: Sequence[date] | None = None,
) -> pl.DataFrame:
    """Monthly absence rate by `by`, from every loaded absence extract (columns of analytics.absence's
    absence_rate plus `census_date`, the census that reported the month). `months` (first days) limits it."""
    from hcsworkforce.analytics.absence import absence_rate

    sources = absence_sources(store, scope)
    wanted = sorted(
        m
        for m in sources
        if (start is None or m >= _month(start))
        and (end is None or m <= _month(end))
        and (months is None or m in set(months))
    )
    by_census: dict[date, list[date]] = {}
    for m in wanted:
        by_census.setdefault(sources[m][0], []).append(m)
    parts = []
    for d, ms in sorted(by_census.items()):
        ep = sources[ms[0]][1]
        people = census_people(store, d, scope)
        if people.height == 0:
            continue
        rates = absence_rate(ep, people, by=list(by), start=min(ms), end=max(ms))
        rates = rates.filter(pl.col("month").is_in(ms)).with_columns(pl.lit(d).alias("census_date"))
        parts.append(rates)
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed").sort("month")


def absence_rate_for(store: Any, census_date: date, scope: Scope = NATIONAL) -> float:
    """The sickness absence rate (FTE days lost / FTE days available) of the census month, for a scope.

    The surge deployment can take its scenario's absence rate from here:
    ``scenario.absence_rate = absence_rate_for(store, census_date, scope)``.
    """
    rows = absence_history(store, [], scope=scope, months=[_month(census_date)])
    if rows.height == 0:
        raise UserInputError(
            f"no sickness absence loaded for {census_date.strftime('%B %Y')}: "
            "run `hcs import-absence FILE --census-date DATE` first"
        )
    return float(rows["absence_rate"][0])


def suppress_absence(record: dict[str, Any], threshold: int) -> None:
    """Null an absence row that could reveal fewer than `threshold` people (staff absent or headcount)."""
    small = any(0 < (record.get(k) or 0) < threshold for k in ("staff_absent", "headcount"))
    record["suppressed"] = bool(threshold and small)
    if record["suppressed"]:
        for k in ("fte_days_lost", "fte_days_available", "absence_rate", "staff_absent", "headcount"):
            record[k] = None


def absence_records(rows: pl.DataFrame, by: Sequence[str], *, suppress_below: int) -> list[dict[str, Any]]:
    """Flat records, dimensions named as the user named them, suppressed where they cross organisations."""
    from hcsworkforce.analytics.profile import label_dimension

    out = []
    for r in rows.to_dicts():
        rec: dict[str, Any] = {"month": r["month"]}
        for d in by:
            rec[d] = r.get(DIMENSION_COLUMNS[d])
            if d in ("specialism", "region", "division", "career_level"):
                rec[f"{d}_name"] = label_dimension(d, rec[d])
        for k in ("fte_days_lost", "fte_days_available", "absence_rate", "staff_absent", "headcount"):
            rec[k] = r.get(k)
        rec["census_date"] = r.get("census_date")
        suppress_absence(rec, suppress_below)
        out.append(rec)
    return out


def _attach_absence(store: Any, rows: list[dict[str, Any]], by: list[str], d: date, scope: Scope) -> None:
    """Add absence_rate (and its counts) to one census's profile rows, from the census month's absence."""
    hist = absence_history(store, by, scope=scope, months=[_month(d)])
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    if hist.height:
        for r in hist.to_dicts():
            found[tuple(r.get(DIMENSION_COLUMNS[k]) for k in by)] = r
    for row in rows:
        a = found.get(tuple(row[k] for k in by), {})
        row["absence_rate"] = a.get("absence_rate")
        row["fte_days_lost"] = a.get("fte_days_lost")
        row["fte_days_available"] = a.get("fte_days_available")
        row["staff_absent"] = a.get("staff_absent")


# -- trends -------------------------------------------------------------------------------------------------


@dataclass
class CensusRows:
    census_date: date
    rows: list[dict[str, Any]]  # profile records, unsuppressed


def profile_history(
    store: Any,
    by: list[str],
    *,
    start: date | None,
    end: date | None,
    scope: Scope,
    with_absence: bool = False,
) -> list[CensusRows]:
    """The profile of every census between start and end (inclusive), oldest first."""
    from hcsworkforce.analytics.profile import profile

    dates = [d for d in store.census_dates() if (start is None or d >= start) and (end is None or d <= end)]
    if not dates:
        loaded = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        raise UserInputError(f"no census in the period asked for (censuses loaded: {loaded})")
    out = []
    for d in dates:
        info = store.census_info(d)
        rows = profile(
            read_frame(store, "staff", d, scope),
            read_frame(store, "leavers", d, scope),
            read_frame(store, "establishment", d, scope),
            by,
            d,
            has_leaver_data=bool(info and info["has_leaver_data"]),
            suppress_below=0,
        )
        if with_absence:
            _attach_absence(store, rows, by, d, scope)
        out.append(CensusRows(d, rows))
    return out


def _hidden(row: dict[str, Any], metric: str, threshold: int) -> bool:
    """Would the usual suppression rule null this metric for this group?"""
    from hcsworkforce.analytics.profile import suppress

    if threshold <= 0:
        return False
    if metric == "absence_rate":
        copy = dict(row)
        suppress_absence(copy, threshold)
        return bool(copy["suppressed"]) and row.get(metric) is not None
    copy = dict(row)
    suppress(copy, threshold)
    return copy.get(metric) is None and row.get(metric) is not None


@dataclass
class ProfileHistory:
    """The profile of many censuses as one frame: census_date, the `by` dimensions, the metrics."""

    censuses: list[date]
    by: list[str]
    frame: pl.DataFrame

    def rows(self, census_date: date) -> list[dict[str, Any]]:
        return self.frame.filter(pl.col("census_date") == census_date).drop("census_date").to_dicts()


@dataclass
class HistoryData:
    """Staff, leavers and establishment of many censuses, read once, for as many profiles as are wanted."""

    censuses: list[date]
    staff: pl.DataFrame
    leavers: pl.DataFrame
    establishment: pl.DataFrame
    leaver_data: dict[date, bool]

    def only(self, census: date) -> HistoryData:
        """The same data cut to one census: a funnel is a cross-section, so profiling 36 censuses for it
        would be wasted work."""
        keep = pl.col("census_date") == census
        return HistoryData(
            censuses=[census],
            staff=self.staff.filter(keep),
            leavers=self.leavers.filter(keep),
            establishment=self.establishment.filter(keep),
            leaver_data={census: self.leaver_data.get(census, True)},
        )

    def profile(self, by: list[str]) -> ProfileHistory:
        from hcsworkforce.analytics.profile_history import profile_history as profile_frames

        frame = profile_frames(self.staff, self.leavers, self.establishment, by, leaver_data=self.leaver_data)
        return ProfileHistory(self.censuses, list(by), frame)


def _census_dates(store: Any, start: date | None, end: date | None) -> list[date]:
    dates = [d for d in store.census_dates() if (start is None or d >= start) and (end is None or d <= end)]
    if not dates:
        loaded = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        raise UserInputError(f"no census in the period asked for (censuses loaded: {loaded})")
    return dates


def read_history(
    store: Any,
    *,
    start: date | None = None,
    end: date | None = None,
    scope: Scope = NATIONAL,
    by: Sequence[str] = (),
) -> HistoryData:
    """Every census between start and end in one read per table (only the columns a profile needs)."""
    from hcsworkforce.analytics.profile_history import needed_columns

    dates = _census_dates(store, start, end)
    by = list(by)
    return HistoryData(
        censuses=dates,
        staff=store.staff_history(dates, scope, columns=needed_columns(by)),
        leavers=store.leavers_history(dates, scope, columns=needed_columns(by, leavers=True)),
        establishment=store.establishment_history(dates, scope),
        leaver_data={d: bool((store.census_info(d) or {}).get("has_leaver_data")) for d in dates},
    )


def profile_history_frame(
    store: Any,
    by: list[str],
    *,
    start: date | None,
    end: date | None,
    scope: Scope,
    with_absence: bool = False,
) -> ProfileHistory:
    """The profile of every census between start and end (inclusive), read and computed in one pass: the
    figures of `profile_history` (census by census), as one frame."""
    history = read_history(store, start=start, end=end, scope=scope, by=by).profile(by)
    if with_absence:
        history.frame = _join_absence(store, history, scope)
    return history


def _join_absence(store: Any, history: ProfileHistory, scope: Scope) -> pl.DataFrame:
    """Each census's row gets the absence of its census month (as _attach_absence does, for every census)."""
    by = history.by
    cols = ("absence_rate", "fte_days_lost", "fte_days_available", "staff_absent")
    frame = history.frame.with_columns(pl.col("census_date").dt.truncate("1mo").alias("_month"))
    hist = absence_history(store, by, scope=scope, months=sorted({_month(d) for d in history.censuses}))
    if hist.height == 0:
        return frame.drop("_month").with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in cols)
    found = hist.select(
        pl.col("month").alias("_month"),
        *(pl.col(DIMENSION_COLUMNS[d]).cast(frame.schema[d]).alias(d) for d in by),
        *(pl.col(c) for c in cols),
    )
    return frame.join(found, on=["_month", *by], how="left", nulls_equal=True).drop("_month")


def _hidden_expr(metric: str, threshold: int) -> pl.Expr:
    """_hidden on columns: would the usual suppression rule null this metric for this group?"""
    from hcsworkforce.analytics.profile import SUPPRESSED_WITH_HEADCOUNT

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


@dataclass
class TrendResult:
    """One SPC chart per group, held as frames: `keys` (one row per series: the `by` dimensions and their
    names), `points` (series x census: value, mean, limits, rule flags, variation, suppressed) and `summaries`
    (one row per series). `series` and `to_dict` give the JSON shape of docs/trends.md, built only when asked
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
    notes: list[str]
    keys: pl.DataFrame
    points: pl.DataFrame
    summaries: pl.DataFrame
    segments: list[SegmentLimits]
    scope: Scope = NATIONAL
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

    def to_dict(self) -> dict[str, Any]:
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
            "notes": self.notes,
            "series": self.series,
        }

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
        # The latest point shown (a suppressed point has no value), as a reader of the chart sees it.
        last = (
            self.points.filter(pl.col("value").is_not_null())
            .group_by("_series")
            .agg(
                pl.col("value").last().alias("latest"),
                pl.col("mean").last(),
                pl.col("lower_limit").last(),
                pl.col("upper_limit").last(),
            )
        )
        summ = self.summaries.with_row_index("_series").select(
            "_series", "variation", "assurance", "special_cause_points"
        )
        return self._keyed(last.join(summ, on="_series", how="right")).to_dicts()


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


def _rules_list() -> pl.Expr:
    """Each point's special-cause rules, in plot-the-dots' order of precedence, as a list of names."""
    from hcsworkforce.analytics.spc import RULES

    return (
        pl.concat_list([pl.when(pl.col(r)).then(pl.lit(r)) for r in RULES]).list.drop_nulls().alias("rules")
    )


def _num(x: float | np.floating[Any]) -> float | None:
    return None if np.isnan(x) else float(x)


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
    from hcsworkforce.analytics.profile import label_dimension
    from hcsworkforce.analytics.spc import _LABEL_BY_CODE, spc

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
        if d in ("specialism", "region", "division", "career_level"):
            names = {v: label_dimension(d, v) for v in keys[d].unique().to_list() if v is not None}
            keys = keys.with_columns(
                pl.col(d)
                .replace_strict(names, default=None, return_dtype=pl.String)
                .fill_null(label_dimension(d, None))
                .alias(f"{d}_name")
            )
    return TrendResult(
        metric=metric,
        definition=METRICS[metric][1],
        improvement_direction=improvement,
        by=by,
        censuses=periods,
        target=target,
        screen_outliers=screen,
        fix_after_n_points=fix_after,
        rebase_at=rebase_at,
        suppress_below=suppress_below,
        notes=list(result.notes),
        keys=keys,
        points=_points_frame(result, hidden, _LABEL_BY_CODE),
        summaries=_summary_frame(result, hidden, _LABEL_BY_CODE),
        segments=result.segments,
        scope=scope,
    )


def _points_frame(result: SpcResult, hidden: npt.NDArray[np.bool_], labels: dict[int, str]) -> pl.DataFrame:
    """Every point of every series as one frame, series by series: what SpcResult.points gives, with the
    suppressed points' value, flags and label taken away."""
    from hcsworkforce.analytics.spc import RULES

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


def run_trend(
    store: Any,
    metric: str,
    by: list[str],
    *,
    scope: Scope = NATIONAL,
    start: date | None = None,
    end: date | None = None,
    improvement: str | None = None,
    target: float | None = None,
    fix_after: int | None = None,
    rebase_at: Sequence[date] = (),
    screen: bool = True,
    suppress_below: int = 0,
) -> TrendResult:
    """SPC charts of `metric` for each group of `by` over the censuses loaded between start and end."""
    m = check_metric(metric, list(METRICS))
    direction = (improvement or METRICS[m][0]).lower()
    if direction not in ("increase", "decrease", "neutral"):
        raise UserInputError(
            f"improvement direction {improvement!r} is not one of increase, decrease, neutral"
        )
    if m == "absence_rate":
        from hcsworkforce.store.tables_absence import absence_census_dates

        if not absence_census_dates(store):
            raise UserInputError(
                "absence_rate needs a sickness absence extract, and none is loaded: "
                "run `hcs import-absence FILE --census-date DATE` first"
            )
    history = profile_history_frame(
        store, by, start=start, end=end, scope=scope, with_absence=m == "absence_rate"
    )
    return build_trend(
        history,
        m,
        by,
        improvement=direction,
        target=target,
        fix_after=fix_after,
        rebase_at=list(rebase_at),
        screen=screen,
        suppress_below=suppress_below,
        scope=scope,
    )


# -- benchmarks ---------------------------------------------------------------------------------------------

BENCHMARK_COLUMNS = [
    "organisation",
    "peer_group",
    "numerator",
    "denominator",
    "rate",
    "lower_998",
    "upper_998",
    "outside_95",
    "flag",
    "rank",
    "quartile",
    "suppressed",
]
FUNNEL_COLUMNS = [
    "peer_group",
    "organisations",
    "pooled_rate",
    "phi",
    "overdispersion_applied",
    "flagged_high",
    "flagged_low",
]


def counts_for(metric: str, row: dict[str, Any]) -> tuple[float, float, list[float]] | None:
    """(numerator, denominator, counts of people checked for suppression) of one organisation's rate."""
    hc = row.get("headcount") or 0
    if metric == "leaver_rate_12m":
        leavers, start = row.get("leavers_12m"), row.get("start_headcount")
        rate = row.get("leaver_rate_12m")
        if leavers is None or rate is None:
            return None
        # The profile's leaver rate divides by the mean of the headcounts 12 months apart.
        den = leavers / rate if rate > 0 else ((start or 0) + hc) / 2
        return float(leavers), float(max(den, leavers)), [float(leavers), float(hc)]
    if metric == "vacancy_rate":
        vac, est = row.get("vacancy_fte"), row.get("establishment_fte")
        if vac is None or not est:
            return None
        return float(min(max(vac, 0.0), est)), float(est), [float(hc)]
    if metric == "share_55_plus":
        share = row.get("share_55_plus")
        if share is None or not hc:
            return None
        over = round(share * hc)
        return float(over), float(hc), [float(over), float(hc)]
    if metric == "absence_rate":
        lost, avail = row.get("fte_days_lost"), row.get("fte_days_available")
        if lost is None or not avail:
            return None
        # FTE days are not people: suppression looks at the staff absent and the headcount instead.
        return float(lost), float(avail), [float(row.get("staff_absent") or 0), float(hc)]
    raise UserInputError(f"{metric} cannot be benchmarked")


@dataclass
class BenchmarkResult:
    metric: str
    census_date: date
    peers: str | list[str]
    highlight: str | None
    funnels: list[dict[str, Any]]  # one per peer group, with its limit curve
    organisations: list[dict[str, Any]]  # one per organisation (suppressed rows keep only their key)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "census_date": self.census_date,
            "peers": self.peers,
            "highlight": self.highlight,
            "funnels": self.funnels,
            "organisations": self.organisations,
        }

    def funnel_rows(self) -> list[dict[str, Any]]:
        rows = [{k: v for k, v in f.items() if k != "curve"} for f in self.funnels]
        for s in rows:
            s["quartile_cuts"] = ", ".join("" if c is None else f"{c:.4f}" for c in s["quartile_cuts"])
        return rows

    def row_for(self, organisation: str) -> dict[str, Any] | None:
        return next((r for r in self.organisations if r["organisation"] == organisation), None)


def build_benchmark(
    rows: list[dict[str, Any]],
    metric: str,
    *,
    peers: str,
    census_date: date,
    suppress_below: int,
    highlight: str | None = None,
) -> BenchmarkResult:
    """Funnel(s) over organisation rows (profile records by region and organisation)."""
    from hcsworkforce.analytics.funnel import funnel
    from hcsworkforce.analytics.profile import label_dimension

    peer_list: list[str] | None = None
    if peers not in ("nation", "region"):
        peer_list = [p.strip().upper() for p in peers.split(",") if p.strip()]
        known = {r["organisation"] for r in rows}
        unknown = [p for p in peer_list if p not in known]
        if unknown:
            raise UserInputError(
                f"--peers: no staff at {', '.join(unknown)} in census {census_date.isoformat()}"
            )
        if len(peer_list) < 2:
            raise UserInputError("--peers needs at least two organisations to compare")
    usable = []
    for r in rows:
        if peer_list is not None and r["organisation"] not in peer_list:
            continue
        c = counts_for(metric, r)
        if c is not None:
            usable.append((r, c))
    if not usable:
        raise UserInputError(
            f"no organisation has the figures for {metric} in census {census_date.isoformat()}"
        )
    if peers == "region":
        names = sorted({str(r.get("region")) for r, _ in usable})
        group_of = {n: g for g, n in enumerate(names)}
        group = [group_of[str(r.get("region"))] for r, _ in usable]
        labels = [label_dimension("region", n if n != "None" else None) for n in names]
        codes: list[str | None] = [n if n != "None" else None for n in names]
    else:
        group = [0] * len(usable)
        labels = ["England" if peers == "nation" else "listed peers"]
        codes = [None]
    result = funnel(
        [c[0] for _, c in usable],
        [c[1] for _, c in usable],
        group=group,
        suppress_below=suppress_below,
        disclosure_counts=_disclosure(usable),
    )
    keys = [
        {"organisation": r["organisation"], "region": r.get("region"), "peer_group": labels[g]}
        for (r, _), g in zip(usable, group, strict=True)
    ]
    records = result.records(keys, suppress=suppress_below > 0)
    funnels = []
    for g, label in enumerate(labels):
        dens = [c[1] for (_, c), gg in zip(usable, group, strict=True) if gg == g and c[1] > 0]
        curve = []
        if dens:
            # From half the smallest to 1.5 x the largest denominator: the whole funnel around the points.
            grid = np.geomspace(max(min(dens) / 2, 1.0), max(dens) * 1.5, CURVE_POINTS)
            lim = result.limits_at(grid, g)
            curve = [{k: float(lim[k][j]) for k in lim} for j in range(grid.size)]
        funnels.append({"peer_group": label, "region": codes[g], **result.group_summary(g), "curve": curve})
    if highlight:
        records.sort(key=lambda r: r["organisation"] != highlight)
    return BenchmarkResult(
        metric=metric,
        census_date=census_date,
        peers=peers if peer_list is None else peer_list,
        highlight=highlight,
        funnels=funnels,
        organisations=records,
    )


def _disclosure(usable: list[tuple[dict[str, Any], tuple[float, float, list[float]]]]) -> list[list[float]]:
    width = max(len(c[2]) for _, c in usable)
    return [[c[2][j] if j < len(c[2]) else 0.0 for _, c in usable] for j in range(width)]


def organisation_rows(store: Any, census_date: date, *, with_absence: bool = False) -> list[dict[str, Any]]:
    """Every organisation's profile on one census, read nationally (peers need everyone); suppression guards
    what is shown."""
    by = ["region", "organisation"]
    rows = read_history(store, start=census_date, end=census_date, by=by).profile(by).rows(census_date)
    if with_absence:
        _attach_absence(store, rows, ["region", "organisation"], census_date, NATIONAL)
    return rows


def resolve_census(store: Any, census_date: date | None) -> dict[str, Any]:
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
    info = store.census_info(census_date)
    if info is None:
        dates = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        when = census_date.isoformat() if census_date else "any date"
        raise UserInputError(f"no census dated {when} (censuses loaded: {dates})")
    return dict(info)


def run_benchmark(
    store: Any,
    metric: str,
    *,
    peers: str = "nation",
    census_date: date | None = None,
    suppress_below: int = 0,
    highlight: str | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> BenchmarkResult:
    """Each organisation's rate against its peers on one census (the latest by default).

    `rows` (organisation_rows of the same census) may be passed in to share one read between several funnels.
    """
    m = check_metric(metric, list(RATE_METRICS))
    info = resolve_census(store, census_date)
    d = info["census_date"]
    if m == "leaver_rate_12m" and not info["has_leaver_data"]:
        raise UserInputError("this census has no leaver data, so leaver rates cannot be compared")
    if rows is None:
        rows = organisation_rows(store, d, with_absence=m == "absence_rate")
    if m == "absence_rate" and all(r.get("fte_days_available") is None for r in rows):
        raise UserInputError(
            f"no sickness absence loaded for {d.strftime('%B %Y')}: "
            "run `hcs import-absence FILE --census-date DATE` first"
        )
    p = peers.strip()
    p = p.lower() if p.lower() in ("nation", "region") else p
    result = build_benchmark(
        rows,
        m,
        peers=p,
        census_date=d,
        suppress_below=suppress_below,
        highlight=highlight.upper() if highlight else None,
    )
    result.notes = [
        "Flagged only outside the 99.8% limits; rank 1 = lowest rate. Method: docs/trends.md.",
        *[
            f"{f['peer_group']}: pooled rate {f['pooled_rate']:.4f}, phi {f['phi']:.2f} "
            f"({'overdispersion applied' if f['overdispersion_applied'] else 'no overdispersion adjustment'})"
            for f in result.funnels
            if f["pooled_rate"] is not None and f["phi"] is not None
        ],
    ]
    if suppress_below:
        result.notes.append(f"Organisations with counts of 1 to {suppress_below - 1} are suppressed.")
    return result


# -- loading a monthly history ------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    census_date: date
    extract: Path
    establishment: Path | None
    absence: Path | None
    # ESR layout: the leavers reports of the 12 months to this census (one a month in a synthetic history).
    leavers: tuple[Path, ...] = ()


def _with_leavers_reports(
    entries: list[HistoryEntry], listed: list[dict[str, Any]], base: Path
) -> list[HistoryEntry]:
    """Give each census the leavers reports of the 12 months to it, so its 12-month leaver figures see them."""
    monthly = [
        (date.fromisoformat(str(c["census_date"])), base / c["leavers"]) for c in listed if c.get("leavers")
    ]
    if not monthly:
        return entries
    out = []
    for e in entries:
        start = _months_back(e.census_date, 11) - timedelta(days=1)  # the same month-end a year before
        reports = tuple(p for d, p in monthly if start < d <= e.census_date)
        out.append(dataclasses.replace(e, leavers=reports))
    return out


def read_manifest(path: Path) -> tuple[list[HistoryEntry], list[dict[str, Any]]]:
    """The censuses (and planted shifts) listed in a manifest.json written by `hcs synth --months`."""
    if path.is_dir():
        path = path / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=str(path), expected="a manifest.json")) from None
    except json.JSONDecodeError as e:
        raise UserInputError(Problem(f"not JSON ({e.msg}, line {e.lineno})", file=str(path))) from None
    base = path.parent
    entries = []
    problems = []
    for k, c in enumerate(data.get("censuses") or []):
        try:
            d = date.fromisoformat(str(c["census_date"]))
        except (KeyError, ValueError):
            problems.append(
                Problem(
                    f"census {k + 1}: census_date is missing or not a date",
                    file=str(path),
                    value=str(c.get("census_date")),
                    expected="YYYY-MM-DD",
                )
            )
            continue
        if "extract" not in c:
            problems.append(Problem(f"census {k + 1}: no extract named", file=str(path)))
            continue
        entries.append(
            HistoryEntry(
                d,
                base / c["extract"],
                base / c["establishment"] if c.get("establishment") else None,
                base / c["absence"] if c.get("absence") else None,
            )
        )
    if problems:
        raise UserInputError(problems)
    if not entries:
        raise UserInputError(Problem("the manifest lists no censuses", file=str(path)))
    entries = _with_leavers_reports(entries, data.get("censuses") or [], base)
    return entries, list(data.get("shifts") or [])


def import_history(
    store: Any,
    entries: Sequence[HistoryEntry],
    *,
    progress: Callable[[HistoryEntry, Any, Any], None] | None = None,
) -> list[Any]:
    """Import every census (and its absence extract) in one process: one migration, one key, one connection
    pool. Each census is validated in full and loaded atomically, as `hcs import` does it."""
    from hcsworkforce.ingest.absence_file import import_absences
    from hcsworkforce.services.imports import import_extract

    if not store.is_initialised():
        store.migrate()
    results = []
    for e in entries:
        res = import_extract(
            e.extract, store, census_date=e.census_date, establishment=e.establishment, leavers=e.leavers
        )
        absent = import_absences(e.absence, store, census_date=e.census_date) if e.absence else None
        results.append(res)
        if progress is not None:
            progress(e, res, absent)
    return results


# -- board pack ---------------------------------------------------------------------------------------------

METRIC_LABELS = {
    "headcount": "Headcount",
    "fte": "FTE in post",
    "vacancy_rate": "Vacancy rate",
    "leaver_rate_12m": "Leaver rate (12 months)",
    "absence_rate": "Sickness absence rate",
    "share_55_plus": "Share aged 55+",
}


@dataclass
class PackFunnel:
    metric: str
    peers: str  # "England" or the region's name
    result: BenchmarkResult
    funnel: dict[str, Any]  # the peer group's funnel (with its curve)
    row: dict[str, Any] | None  # the organisation's own row (None if it has no figures)
    points: list[dict[str, Any]]  # every peer's row in the funnel (suppressed ones have no rate)


@dataclass
class BoardPack:
    """Everything a trust's board pack shows, for the HTML and XLSX renderers (and a web page)."""

    organisation: str
    organisation_name: str
    region_code: str | None
    region_name: str | None
    census_date: date
    censuses: list[date]
    headlines: list[dict[str, Any]]
    trends: dict[str, TrendResult]
    funnels: list[PackFunnel]
    age_profile: list[dict[str, Any]]
    retirement: list[dict[str, Any]]
    trainees: list[dict[str, Any]]
    key_people: list[dict[str, Any]] | None  # None: no directory loaded
    suppress_below: int
    notes: list[str] = field(default_factory=list)
    # Senior HCS posts against headcount, beside nursing and AHPs: the organisation, its region, England
    # (services.discovery records); empty when the census was loaded before leadership was counted.
    leadership: list[dict[str, Any]] = field(default_factory=list)


def _age_and_retirement(staff: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from hcsworkforce.analytics.profile import label_dimension
    from hcsworkforce.model.frames import AGE_BANDS, age_band_expr

    people = staff.group_by("staff_key").agg(pl.col("age").first(), pl.col("specialism_id").first())
    total = max(people.height, 1)
    bands = people.with_columns(age_band_expr().alias("age_band")).group_by("age_band").len()
    counts = dict(bands.iter_rows())
    ages = [
        {"age_band": label, "headcount": int(counts.get(label, 0)), "share": counts.get(label, 0) / total}
        for _, _, label in AGE_BANDS
    ]
    risk = (
        people.group_by("specialism_id")
        .agg(
            pl.len().alias("headcount"),
            (pl.col("age") >= 55).sum().alias("aged_55_plus"),
            (pl.col("age") >= 60).sum().alias("aged_60_plus"),
        )
        .with_columns((pl.col("aged_55_plus") / pl.col("headcount")).alias("share_55_plus"))
        .sort(["share_55_plus", "headcount"], descending=True)
    )
    retirement = [
        {
            "specialism": r["specialism_id"],
            "specialism_name": label_dimension("specialism", r["specialism_id"]),
            "headcount": r["headcount"],
            "aged_55_plus": r["aged_55_plus"],
            "aged_60_plus": r["aged_60_plus"],
            "share_55_plus": r["share_55_plus"],
        }
        for r in risk.to_dicts()
    ]
    return ages, retirement


def _trainees(staff: pl.DataFrame, census_date: date) -> list[dict[str, Any]]:
    from hcsworkforce import reference

    names = {p.id: p.name for p in reference.training_programmes().values()}
    horizon = date(census_date.year + 1, census_date.month, min(census_date.day, 28))
    rows = (
        staff.filter(pl.col("training_programme") != "none")
        .group_by("training_programme")
        .agg(
            pl.col("staff_key").n_unique().alias("people"),
            pl.col("fte").sum().alias("fte"),
            pl.col("staff_key")
            .filter(pl.col("expected_completion") <= horizon)
            .n_unique()
            .alias("completing_within_12_months"),
            pl.col("expected_completion").max().alias("last_expected_completion"),
        )
        .sort("people", descending=True)
    )
    return [
        {
            "programme": r["training_programme"],
            "programme_name": names.get(r["training_programme"], r["training_programme"]),
            **{k: v for k, v in r.items() if k != "training_programme"},
        }
        for r in rows.to_dicts()
    ]


def _key_people(
    store: Any, organisation: str, region: str | None, census_date: date
) -> list[dict[str, Any]] | None:
    from hcsworkforce.analytics import people as pp
    from hcsworkforce.ingest.directory import from_store_rows
    from hcsworkforce.store.tables_engagement import read_key_people

    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "key_people"):
            return None
    entries = from_store_rows(read_key_people(store))
    if not entries:
        return None
    required = [
        p
        for p in pp.required_posts({organisation: region})
        if (p.scope == "organisation" and p.scope_code == organisation)
        or (p.scope == "region" and p.scope_code == region)
    ]
    return pp.people_gaps(entries, required, as_of=census_date, include_filled=True)


def build_pack(
    store: Any, organisation: str, *, census_date: date | None = None, suppress_below: int = 5
) -> BoardPack:
    """The board pack of one organisation on a census (the latest by default), over every census up to it."""
    from hcsworkforce import reference
    from hcsworkforce.store.tables_absence import absence_census_dates

    code = organisation.strip().upper()
    info = resolve_census(store, census_date)
    d = info["census_date"]
    scope = Scope("organisation", code)
    staff = read_frame(store, "staff", d, scope)
    if staff.height == 0:
        raise UserInputError(f"no staff at {code} in census {d.isoformat()}: check the ODS code")
    region = (
        staff["region_code"].drop_nulls().first()
        if staff["region_code"].null_count() < staff.height
        else None
    )
    region_code = str(region) if region is not None else None
    names = dict(store.organisations().select("organisation_code", "organisation_name").iter_rows())
    has_absence = bool(absence_census_dates(store))
    history = profile_history_frame(store, [], start=None, end=d, scope=scope, with_absence=has_absence)
    hf = history.frame
    metrics = [m for m in METRICS if m in hf.columns and hf[m].null_count() < hf.height]
    trends = {
        m: build_trend(
            history,
            m,
            [],
            improvement=METRICS[m][0],
            target=None,
            fix_after=None,
            rebase_at=[],
            screen=True,
            suppress_below=0,  # the organisation's own totals: nothing crosses organisations here
            scope=scope,
        )
        for m in metrics
    }
    rows = organisation_rows(store, d, with_absence=has_absence)
    funnels: list[PackFunnel] = []
    flags: dict[tuple[str, str], str | None] = {}
    for m in [m for m in RATE_METRICS if m in metrics]:
        if m == "leaver_rate_12m" and not info["has_leaver_data"]:
            continue
        for peers in ("nation", "region"):
            try:
                res = build_benchmark(
                    rows, m, peers=peers, census_date=d, suppress_below=suppress_below, highlight=code
                )
            except UserInputError:
                continue
            own = res.row_for(code)
            label = (
                own["peer_group"]
                if own
                else (
                    "England" if peers == "nation" else reference.regions().get(region_code or "", "region")
                )
            )
            fun = next((f for f in res.funnels if f["peer_group"] == label), None)
            if fun is None:
                continue
            pts = [r for r in res.organisations if r["peer_group"] == label]
            funnels.append(PackFunnel(m, label, res, fun, own, pts))
            flags[(m, peers)] = None if own is None or own.get("suppressed") else own.get("flag")
    headlines = []
    for m, tr in trends.items():
        s = tr.series[0]
        last = next((p for p in reversed(s["points"]) if p["value"] is not None), None)
        headlines.append(
            {
                "metric": m,
                "measure": METRIC_LABELS[m],
                "latest": None if last is None else last["value"],
                "period": None if last is None else last["period"],
                "mean": None if last is None else last["mean"],
                "lower_limit": None if last is None else last["lower_limit"],
                "upper_limit": None if last is None else last["upper_limit"],
                "variation": s["summary"]["variation"],
                "improvement_direction": tr.improvement_direction,
                "against_england": flags.get((m, "nation")),
                "against_region": flags.get((m, "region")),
            }
        )
    ages, retirement = _age_and_retirement(staff)
    notes = [
        "Synthetic or real, these figures come from the censuses loaded with `hcs import`; "
        f"{len(history.censuses)} censuses up to {d.isoformat()}.",
        "Variation: Making Data Count XmR rules (docs/trends.md): special cause where a point is outside the "
        "process limits, 7 points on one side of the mean, 7 rising or falling, or 2 of 3 near a limit.",
        "Funnels: Spiegelhalter (2005), 95% and 99.8% limits, overdispersion adjusted where phi > 1; an "
        "organisation is flagged only outside the 99.8% limits.",
        f"Counts of 1 to {suppress_below - 1} are suppressed in anything that compares organisations."
        if suppress_below
        else "No suppression applied.",
        "Absence rate: FTE days lost to sickness / FTE days available in the census month (calendar days).",
    ]
    if not has_absence:
        notes.append("No sickness absence extract is loaded, so the absence rate is not shown.")
    return BoardPack(
        organisation=code,
        organisation_name=str(names.get(code) or code).replace("Nhs ", "NHS "),
        region_code=region_code,
        region_name=reference.regions().get(region_code) if region_code else None,
        census_date=d,
        censuses=list(history.censuses),
        headlines=headlines,
        trends=trends,
        funnels=funnels,
        age_profile=ages,
        retirement=retirement,
        trainees=_trainees(staff, d),
        key_people=_key_people(store, code, region_code, d),
        suppress_below=suppress_below,
        notes=notes,
        leadership=_leadership(store, code, region_code, d, suppress_below),
    )


def _leadership(
    store: Any, code: str, region_code: str | None, d: date, suppress_below: int
) -> list[dict[str, Any]]:
    """The organisation's own leadership figures (nothing crosses organisations), then its region's and
    England's, suppressed as anything that compares organisations is."""
    counts = read_leadership_counts(store, d)
    if counts.height == 0 or code not in set(counts["organisation_code"].to_list()):
        return []
    orgs = store.organisations().select(pl.col("organisation_code").alias("code"), "region_code")
    own = run_leadership_counts(counts, orgs, LeadershipQuery(0, Scope("organisation", code))).records()
    wide = run_leadership_counts(counts, orgs, LeadershipQuery(suppress_below, NATIONAL)).records()
    around = [
        r
        for r in wide
        if (r["level"] == "region" and r["region_code"] == region_code) or r["level"] == "england"
    ]
    return [*own, *around]
