"""The service functions behind every page and its data twin (JSON, CSV, XLSX).

Each returns a plain result (records plus what a page needs to describe them). Pages, htmx fragments and the
API all call the same function, so a figure on screen and in a download cannot differ. Every function takes
the caller's Scope and filters rows by it before anything is computed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import polars as pl

from hcsworkforce import reference
from hcsworkforce.model import frames
from hcsworkforce.model.scope import Scope
from hcsworkforce.store import Store

T = TypeVar("T")

DRILL = ("region", "organisation", "specialism")  # the profile's drill-down path
FILTER_DIMS = ("region", "organisation", "division", "specialism", "career_level", "afc_band")


# -- caching -----------------------------------------------------------------------------------------------
class _Cache:
    """Results keyed by the data version: a new import changes the version, so nothing stale is served."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.making: dict[Any, threading.Lock] = {}
        self.lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]  # type: ignore[no-any-return]
            key_lock = self.making.setdefault(key, threading.Lock())
        # One thread computes a missing result while the others wait for it: without this, fifty users arriving
        # together after an import would each read the whole census and compute the same profile.
        with key_lock:
            with self.lock:
                if key in self.items:
                    return self.items[key]  # type: ignore[no-any-return]
            value = make()
            with self.lock:
                self.items[key] = value
                self.making.pop(key, None)
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_frames_cache = _Cache(size=4)
_results_cache = _Cache(size=1024)


_version_memo: dict[Any, tuple[float, tuple[Any, ...] | None]] = {}
VERSION_TTL_SECONDS = 1.0


def data_version(store: Store, census_date: date | None = None) -> tuple[Any, ...] | None:
    """Identifies the census a request reads. A three-column query, remembered for a second: a page asks for it
    several times, and fifty users at once would otherwise ask the database hundreds of times a second."""
    import time

    from sqlalchemy import select

    from hcsworkforce.store import tables as t

    memo_key = (str(store.engine.url), census_date)
    now = time.monotonic()
    hit = _version_memo.get(memo_key)
    if hit is not None and now - hit[0] < VERSION_TTL_SECONDS:
        return hit[1]
    c = t.censuses.c
    q = select(c.id, c.imported_at, c.census_date)
    q = q.where(c.census_date == census_date) if census_date else q.order_by(c.census_date.desc())
    with store.engine.connect() as conn:
        row = conn.execute(q.limit(1)).first()
    version = None
    if row is not None:
        cdate = row[2] if isinstance(row[2], date) else date.fromisoformat(str(row[2])[:10])
        version = (str(store.engine.url), row[0], str(row[1]), cdate)
    _version_memo[memo_key] = (now, version)
    return version


def store_version(store: Store) -> tuple[Any, ...]:
    """Changes whenever any census is loaded or replaced (the latest or not): the key for rendered pages, which
    also list the census dates. Remembered for a second, like data_version."""
    import time

    from sqlalchemy import func, select

    from hcsworkforce.store import tables as t

    memo_key = (str(store.engine.url), "store")
    now = time.monotonic()
    hit = _version_memo.get(memo_key)
    if hit is not None and now - hit[0] < VERSION_TTL_SECONDS and hit[1] is not None:
        return hit[1]
    c = t.censuses.c
    with store.engine.connect() as conn:
        row = conn.execute(select(func.count(c.id), func.max(c.id), func.max(c.imported_at))).first()
    version = (str(store.engine.url), *(str(v) for v in (row or ())))
    _version_memo[memo_key] = (now, version)
    return version


def peek_cached(cache: _Cache, key: Any) -> Any:
    """A cached value or None, without waiting for another thread that is computing it (for async callers)."""
    with cache.lock:
        if key in cache.items:
            cache.items.move_to_end(key)
            return cache.items[key]
    return None


@dataclass
class Frames:
    census_date: date
    staff: pl.DataFrame
    leavers: pl.DataFrame
    establishment: pl.DataFrame
    has_leaver_data: bool
    organisations: pl.DataFrame


def load_frames(store: Store, version: tuple[Any, ...]) -> Frames:
    """The whole census, read once per data version; scoping is applied on these frames per request."""

    def make() -> Frames:
        census_date = version[3]
        info = store.census_info(census_date) or {}
        return Frames(
            census_date=census_date,
            staff=store.staff(census_date),
            leavers=store.leavers(census_date),
            establishment=store.establishment(census_date),
            has_leaver_data=bool(info.get("has_leaver_data", False)),
            organisations=store.organisations(),
        )

    return _frames_cache.get(version, make)


def scoped(df: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    if scope.kind == "national":
        return df
    if scope.kind == "region" and "region_code" not in df.columns:
        raise ValueError("a region scope needs region_code on the frame")
    return df.filter(scope.filter_expr())


def clear_caches() -> None:
    _version_memo.clear()
    _frames_cache.clear()
    _results_cache.clear()
    for hook in _clear_hooks:
        hook()


_clear_hooks: list[Callable[[], None]] = []  # other caches keyed by data version (rendered pages)


# -- labels ------------------------------------------------------------------------------------------------
def label(dim: str, value: Any) -> str:
    from hcsworkforce.analytics.profile import label_dimension

    if dim == "organisation" and value is not None:
        from hcsworkforce.api.accounts import organisation_label

        return organisation_label(str(value))
    return str(label_dimension(dim, value))


def dimension_options(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """The values a filter may take, limited to what the user's scope allows."""
    regions = sorted(reference.regions().items(), key=lambda kv: kv[1])
    trusts = sorted(reference.trusts().values(), key=lambda o: o.name)
    if scope.kind == "region":
        regions = [r for r in regions if r[0] == scope.code]
        trusts = [o for o in trusts if o.region_code == scope.code]
    elif scope.kind == "organisation":
        org = reference.trusts().get(scope.code or "")
        regions = [r for r in regions if org and r[0] == org.region_code]
        trusts = [o for o in trusts if o.code == scope.code]
    return {
        "region": regions,
        "organisation": [(o.code, label("organisation", o.code)) for o in trusts if not o.closed],
        "division": sorted(reference.divisions().items(), key=lambda kv: kv[1]),
        "specialism": sorted(
            ((s.id, s.name) for s in reference.specialisms().values()), key=lambda kv: kv[1]
        ),
        "career_level": [
            (lv.id, lv.name) for lv in sorted(reference.career_levels().values(), key=lambda x: x.order)
        ],
        "afc_band": [(b, f"Band {b}") for b in reference.bands()],
    }


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


class OutOfScope(Exception):
    """A filter names a region or organisation outside the user's scope (403; the value is not echoed)."""


def check_filters(scope: Scope, filters: dict[str, str], organisations: pl.DataFrame) -> None:
    if scope.kind == "national":
        return
    region_of = dict(zip(organisations["organisation_code"], organisations["region_code"], strict=True))
    org = filters.get("organisation")
    region = filters.get("region")
    if scope.kind == "organisation":
        own_region = region_of.get(scope.code)
        if (org and org != scope.code) or (region and region != own_region):
            raise OutOfScope
    elif scope.kind == "region" and (
        (region and region != scope.code) or (org and region_of.get(org) != scope.code)
    ):
        raise OutOfScope


def suppression_for(scope: Scope, threshold: int) -> int:
    """Outputs that can show more than one organisation suppress small counts; one organisation's own do not."""
    return threshold if scope.crosses_organisations() else 0


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

    return _results_cache.get(("profile", version, scope, query.key(), tuple(by), threshold), make)


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
BENCHMARK_METRICS = {
    "vacancy_rate": "Vacancy rate",
    "leaver_rate_12m": "Leaver rate, 12 months",
    "stability_index": "Stability index",
    "share_55_plus": "Share aged 55 or over",
    "mean_age": "Mean age (years)",
    "fte": "FTE in post",
    "headcount": "Headcount",
}


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
