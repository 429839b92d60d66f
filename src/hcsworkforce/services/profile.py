"""The workforce profile job: headcount, FTE, age, band mix, vacancies, leaver rate and stability by any
dimensions, with the import's data-quality findings (`hcs profile`, `hcs quality`, /api/v1/profile and its
charts, the home and profile pages).

One query, one result, whichever door asks: the census is read once per data version (services/cache.py), the
rows the caller's scope covers are kept, the filters narrow them, suppression follows services/access.py, and
every grouping code gets one readable label beside it (`{dim}_label`, from model/labels.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce.analytics import profile as engine
from hcsworkforce.errors import UserInputError
from hcsworkforce.model import frames
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import check_code, check_filters, region_of, scoped, suppression_for
from hcsworkforce.services.cache import data_version, load_frames, results_cache
from hcsworkforce.store import Store

DRILL = ("region", "organisation", "specialism")  # the drill-down path; career level is the last step
FILTER_DIMS = ("region", "organisation", "division", "specialism", "career_level", "afc_band")
PYRAMID_BY = ("age_band", "gender")
BAND_MIX_BY = ("afc_band",)
HEADLINE_BY = ("career_level",)


@dataclass(frozen=True)
class ProfileQuery:
    """by: the grouping dimensions (empty: follow the drill-down from the scope and filters); filters:
    dimension -> code; suppress_below: the threshold for outputs that cross organisations (the setting, 5)."""

    by: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    census_date: date | None = None
    suppress_below: int = 5

    def key(self) -> tuple[Any, ...]:
        return (self.by, tuple(sorted(self.filters.items())), self.census_date, self.suppress_below)

    def grouped(self, by: tuple[str, ...]) -> ProfileQuery:
        """The same people grouped another way (the age pyramid, the band mix, the headline)."""
        return dataclasses.replace(self, by=by)


@dataclass
class ProfileResult:
    census_date: date | None  # None: no census is loaded
    scope: Scope  # the caller's
    by: list[str]
    filters: dict[str, str]
    rows: list[dict[str, Any]]  # one per group: codes, `{dim}_label`, then the figures
    totals: dict[str, Any] | None  # the whole view, one record (None: nobody in it)
    suppress_below: int  # 0 where the output stays inside one organisation
    next_drill: str | None  # the dimension a row's link drills into
    data_quality: list[dict[str, Any]] = field(
        default_factory=list
    )  # findings about the view's organisations
    source_file: str | None = None
    has_establishment: bool = False
    has_leaver_data: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "by": self.by,
            "filters": self.filters,
            "suppress_below": self.suppress_below,
            "totals": self.totals,
            "records": self.rows,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.rows

    def total_row(self) -> dict[str, Any] | None:
        """The totals as a row of the table: 'Total' under each grouping dimension."""
        if self.totals is None:
            return None
        return {**{d: "Total" for d in self.by}, **{f"{d}_label": "Total" for d in self.by}, **self.totals}

    def band_mix(self) -> list[dict[str, Any]]:
        """Each group's (and the total's) FTE by band, in per cent."""
        rows = [*self.rows, *([t] if (t := self.total_row()) else [])]
        return [
            {
                **{d: r[f"{d}_label"] for d in self.by},
                **{
                    k.replace("share_band_", "band_"): _pct(v)
                    for k, v in r.items()
                    if k.startswith("share_band_")
                },
            }
            for r in rows
        ]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        total = self.total_row()
        return [
            ("Profile", self.records()),
            ("Total", [total] if total else []),
            ("Band mix (% of FTE)", self.band_mix()),
        ]


def _pct(v: Any) -> Any:
    return None if v is None else round(100 * v, 1)


def default_by(scope: Scope, filters: dict[str, str]) -> tuple[str, ...]:
    """Follow the drill-down path region -> organisation -> specialism -> career level."""
    if "specialism" in filters:
        return ("career_level",)
    if "organisation" in filters or scope.kind == "organisation":
        return ("specialism",)
    if "region" in filters or scope.kind == "region":
        return ("organisation",)
    return ("region",)


def _next_drill(by: tuple[str, ...]) -> str | None:
    return by[0] if len(by) == 1 and by[0] in DRILL else None


def _filter(df: pl.DataFrame, filters: dict[str, str]) -> pl.DataFrame:
    for dim, value in filters.items():
        col = frames.DIMENSION_COLUMNS[dim]
        if col in df.columns:
            df = df.filter(pl.col(col) == value)
    return df


def _checked(query: ProfileQuery, scope: Scope) -> tuple[tuple[str, ...], dict[str, str]]:
    """The grouping and the filters, checked: dimensions that exist, region and ODS codes of the right shape."""
    by = query.by or default_by(scope, query.filters)
    bad = [d for d in [*by, *query.filters] if d not in frames.PROFILE_DIMENSIONS]
    if bad:
        raise UserInputError(
            f"{', '.join(bad)} is not a dimension (expected any of {', '.join(frames.PROFILE_DIMENSIONS)})"
        )
    if query.suppress_below < 0:
        raise UserInputError(f"suppress below {query.suppress_below}: must be 0 or more")
    filters = dict(query.filters)
    for dim in ("region", "organisation"):
        if dim in filters:
            filters[dim] = check_code(dim, filters[dim]) or filters[dim]
    return by, filters


def _no_census(store: Store, census_date: date | None) -> UserInputError:
    dates = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
    return UserInputError(f"there is no census dated {census_date} (censuses loaded: {dates})")


def run(store: Store, query: ProfileQuery, scope: Scope = NATIONAL) -> ProfileResult:
    """The profile of the people in the caller's scope that the filters select, grouped by the query's
    dimensions. A census date that is not loaded is the user's error; no census at all is an empty result."""
    by, filters = _checked(query, scope)
    threshold = suppression_for(scope, query.suppress_below)
    version = data_version(store, query.census_date)
    if version is None:
        if query.census_date is not None:
            raise _no_census(store, query.census_date)
        return ProfileResult(None, scope, list(by), filters, [], None, threshold, _next_drill(by))
    check_filters(scope, filters, load_frames(store, version).organisations)

    def make() -> ProfileResult:
        fr = load_frames(store, version)
        staff = _filter(scoped(fr.staff, scope), filters)
        leavers = _filter(scoped(fr.leavers, scope), filters)
        est = _filter(scoped(fr.establishment, scope), filters)
        args: dict[str, Any] = dict(
            census_date=fr.census_date, has_leaver_data=fr.has_leaver_data, suppress_below=threshold
        )
        rows = engine.profile(staff, leavers, est, list(by), **args)
        totals = engine.profile(staff, leavers, est, [], **args)
        for r in rows:
            for d in by:
                r[f"{d}_label"] = label(d, r[d])
        info = store.census_info(fr.census_date) or {}
        result = ProfileResult(
            fr.census_date,
            scope,
            list(by),
            filters,
            rows,
            totals[0] if totals else None,
            threshold,
            _next_drill(by),
            data_quality=_findings(store, info.get("data_quality", {}), _view(scope, filters)),
            source_file=info.get("source_file"),
            has_establishment=est.height > 0,
            has_leaver_data=fr.has_leaver_data,
        )
        result.notes = _notes(result)
        return result

    return results_cache.get(("profile", version, scope, by, tuple(sorted(filters.items())), threshold), make)


def _view(scope: Scope, filters: dict[str, str]) -> Scope:
    """The part of the data the view covers (for the findings that concern it): an organisation or region
    filter narrows the scope (check_filters has refused any outside it)."""
    if scope.kind == "organisation":
        return scope
    if "organisation" in filters:
        return Scope("organisation", filters["organisation"])
    if "region" in filters:
        return Scope("region", filters["region"])
    return scope


def _findings(store: Store, quality: dict[str, Any], view: Scope) -> list[dict[str, Any]]:
    """The data-quality findings that concern this view: a whole-census import's, or, where trusts loaded
    their own rows, the findings of the organisations in the view (each labelled with its organisation)."""
    per_org: dict[str, Any] = quality.get("by_organisation", {})
    if view.kind == "organisation":
        return list(per_org[view.code].get("findings", [])) if view.code in per_org else []
    regions = region_of(store) if view.kind == "region" and per_org else {}
    found = list(quality.get("findings", []))
    for org, q in sorted(per_org.items()):
        if view.kind == "region" and regions.get(org) != view.code:
            continue
        found += [{**f, "detail": f"{org}: {f['detail']}"} for f in q.get("findings", [])]
    return found


def _notes(res: ProfileResult) -> list[str]:
    notes = [
        f"Source: {res.source_file}. Headcount counts people, so groups need not add up to the total.",
        f"Groups of fewer than {res.suppress_below} people are suppressed (blank), because this output covers "
        "more than one organisation."
        if res.suppress_below
        else "No suppression applied.",
    ]
    if not res.has_establishment:
        notes.append("No establishment loaded: vacancies are not computed (hcs import --establishment FILE).")
    if not res.has_leaver_data:
        notes.append("The extract had no termination dates: leaver rate and stability are not computed.")
    return notes


def census_dates(store: Store) -> list[date]:
    """The censuses loaded, oldest first (the census a view may choose)."""
    return store.census_dates()


# -- the data quality of an import (`hcs quality`) ------------------------------------------------------------
@dataclass
class QualityResult:
    census_date: date
    source_file: str | None
    findings: list[dict[str, Any]]

    def to_json(self) -> list[dict[str, Any]]:
        return self.findings


def quality(store: Store, census_date: date | None = None) -> QualityResult:
    """The data-quality findings of the import that loaded a census (the latest by default)."""
    info = store.census_info(census_date) if store.is_initialised() else None
    if info is None:
        if census_date is not None and store.is_initialised():
            raise _no_census(store, census_date)
        raise UserInputError("no census found: run `hcs import FILE` first")
    return QualityResult(
        info["census_date"], info.get("source_file"), info["data_quality"].get("findings", [])
    )
