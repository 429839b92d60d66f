"""The service functions behind every page and its data twin (JSON, CSV, XLSX).

Each returns a plain result (records plus what a page needs to describe them). Pages, htmx fragments and the
API all call the same function, so a figure on screen and in a download cannot differ. Every function takes
the caller's Scope and filters rows by it before anything is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import polars as pl

from hcsworkforce import reference
from hcsworkforce.model import frames
from hcsworkforce.model.labels import BENCHMARK_METRICS as _BENCHMARK_IDS
from hcsworkforce.model.labels import label, metric_labels
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.access import check_filters, scoped, suppression_for
from hcsworkforce.services.cache import data_version, load_frames, results_cache
from hcsworkforce.store import Store

T = TypeVar("T")

DRILL = ("region", "organisation", "specialism")  # the profile's drill-down path
FILTER_DIMS = ("region", "organisation", "division", "specialism", "career_level", "afc_band")


# -- profile -----------------------------------------------------------------------------------------------
@dataclass
class ProfileQuery:
    by: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)  # dimension -> code
    census_date: date | None = None

    def key(self) -> tuple[Any, ...]:
        return (tuple(self.by), tuple(sorted(self.filters.items())), self.census_date)


@dataclass
class ProfileResult:
    census_date: date | None
    scope: Scope
    by: list[str]
    filters: dict[str, str]
    records: list[dict[str, Any]]
    totals: dict[str, Any] | None
    suppress_below: int  # 0 where the output stays inside one organisation
    next_drill: str | None  # the dimension a row's link drills into

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "by": self.by,
            "filters": self.filters,
            "suppress_below": self.suppress_below,
            "totals": self.totals,
            "records": self.records,
        }


def default_by(scope: Scope, filters: dict[str, str]) -> list[str]:
    """Follow the drill-down path region -> organisation -> specialism -> career level."""
    if "specialism" in filters:
        return ["career_level"]
    if "organisation" in filters or scope.kind == "organisation":
        return ["specialism"]
    if "region" in filters or scope.kind == "region":
        return ["organisation"]
    return ["region"]


def _next_drill(by: list[str]) -> str | None:
    if len(by) == 1 and by[0] in DRILL:
        return by[0]
    return None


def _filter(df: pl.DataFrame, filters: dict[str, str]) -> pl.DataFrame:
    for dim, value in filters.items():
        col = frames.DIMENSION_COLUMNS[dim]
        if col in df.columns:
            df = df.filter(pl.col(col) == value)
    return df


def profile(store: Store, scope: Scope, query: ProfileQuery, suppress_below: int) -> ProfileResult:
    from hcsworkforce.analytics import profile as engine

    by = query.by or default_by(scope, query.filters)
    bad = [d for d in [*by, *query.filters] if d not in frames.PROFILE_DIMENSIONS]
    if bad:
        from hcsworkforce.errors import UserInputError

        raise UserInputError(
            f"{', '.join(bad)} is not a dimension (expected any of {', '.join(frames.PROFILE_DIMENSIONS)})"
        )
    threshold = suppression_for(scope, suppress_below)
    version = data_version(store, query.census_date)
    if version is not None:
        check_filters(scope, query.filters, load_frames(store, version).organisations)
    if version is None:
        return ProfileResult(
            query.census_date, scope, by, query.filters, [], None, threshold, _next_drill(by)
        )

    def make() -> ProfileResult:
        fr = load_frames(store, version)
        staff = _filter(scoped(fr.staff, scope), query.filters)
        leavers = _filter(scoped(fr.leavers, scope), query.filters)
        est = _filter(scoped(fr.establishment, scope), query.filters)
        args = dict(census_date=fr.census_date, has_leaver_data=fr.has_leaver_data, suppress_below=threshold)
        records = engine.profile(staff, leavers, est, by, **args)  # type: ignore[arg-type]
        totals = engine.profile(staff, leavers, est, [], **args)  # type: ignore[arg-type]
        for r in records:
            for d in by:
                r[f"{d}_label"] = label(d, r[d])
        return ProfileResult(
            fr.census_date,
            scope,
            by,
            query.filters,
            records,
            totals[0] if totals else None,
            threshold,
            _next_drill(by),
        )

    return results_cache.get(("profile", version, scope, query.key(), tuple(by), threshold), make)


def headline(
    store: Store, scope: Scope, suppress_below: int, census_date: date | None = None
) -> ProfileResult:
    """The figures on the home page: totals for the user's scope."""
    return profile(store, scope, ProfileQuery(by=["career_level"], census_date=census_date), suppress_below)


def age_pyramid(store: Store, scope: Scope, query: ProfileQuery, suppress_below: int) -> ProfileResult:
    return profile(
        store, scope, ProfileQuery(["age_band", "gender"], query.filters, query.census_date), suppress_below
    )


def band_mix(store: Store, scope: Scope, query: ProfileQuery, suppress_below: int) -> ProfileResult:
    return profile(store, scope, ProfileQuery(["afc_band"], query.filters, query.census_date), suppress_below)


# -- benchmarking ------------------------------------------------------------------------------------------
BENCHMARK_METRICS = metric_labels(_BENCHMARK_IDS)


@dataclass
class BenchmarkResult:
    census_date: date | None
    metric: str
    specialism: str | None
    records: list[dict[str, Any]]  # one per organisation the user may see, ranked
    quartiles: dict[str, float | None]  # across every organisation nationally: p25, median, p75
    organisations_compared: int

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "metric": self.metric,
            "specialism": self.specialism,
            "national_quartiles": self.quartiles,
            "organisations_compared": self.organisations_compared,
            "records": self.records,
        }


def benchmark(
    store: Store,
    scope: Scope,
    metric: str,
    suppress_below: int,
    specialism: str | None = None,
    census_date: date | None = None,
) -> BenchmarkResult:
    """Organisations side by side on one metric. The national quartiles are across organisations, so an
    organisation user sees where they stand without seeing any other organisation's own figures."""
    from hcsworkforce.errors import UserInputError

    if metric not in BENCHMARK_METRICS:
        raise UserInputError(
            f"{metric!r} is not a benchmark metric (expected one of {', '.join(BENCHMARK_METRICS)})"
        )
    filters = {"specialism": specialism} if specialism else {}
    # Always computed nationally with suppression: small organisations must not leak through the quartiles.
    national = profile(store, Scope(), ProfileQuery(["organisation"], filters, census_date), suppress_below)
    values = sorted(v for r in national.records if (v := r.get(metric)) is not None)
    quartiles: dict[str, float | None] = {"p25": None, "median": None, "p75": None}
    if len(values) >= max(suppress_below, 3):
        s = pl.Series(values)
        quartiles = {
            q: float(s.quantile(p, interpolation="linear") or 0.0)
            for q, p in (("p25", 0.25), ("median", 0.5), ("p75", 0.75))
        }
    mine = profile(store, scope, ProfileQuery(["organisation"], filters, census_date), suppress_below)
    records = [
        {
            "organisation": r["organisation"],
            "organisation_label": r["organisation_label"],
            "headcount": r.get("headcount"),
            metric: r.get(metric),
            "suppressed": r.get("suppressed", False),
        }
        for r in mine.records
    ]
    records.sort(key=lambda r: (r[metric] is None, -(r[metric] or 0.0)))
    return BenchmarkResult(national.census_date, metric, specialism, records, quartiles, len(values))


# -- about the data ----------------------------------------------------------------------------------------
def reference_sources() -> list[dict[str, Any]]:
    """Each reference table with its rows' sources, dates and verification status, summarised."""
    out = []
    for name in reference.table_names():
        rows = reference.read_table(name)
        sources = sorted({s.strip() for r in rows for s in (r.get("source") or "").split(";") if s.strip()})
        as_of = sorted({r.get("as_of", "") for r in rows if r.get("as_of")})
        verified: dict[str, int] = {}
        for r in rows:
            v = r.get("verified") or "(not stated)"
            verified[v] = verified.get(v, 0) + 1
        out.append(
            {
                "table": name,
                "rows": len(rows),
                "as_of": ", ".join(as_of) if len(as_of) <= 3 else f"{as_of[0]} to {as_of[-1]}",
                "verified": verified,
                "sources": sources,
            }
        )
    return out


def census_list(store: Store) -> list[date]:
    return store.census_dates()
