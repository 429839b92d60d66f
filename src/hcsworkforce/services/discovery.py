"""The discovery job: leadership figures (senior HCS posts beside nursing and AHPs, per organisation and
region; `hcs leadership`) and the likely healthcare scientists coded in other staff groups (`hcs likely-hcs`).

Thin by design: the rules live in analytics/discovery.py and docs/discovery.md. `run` and `run_likely` read
what the import stored for a census, inside the caller's scope, suppressed as services/access.py says. The
`run_leadership*` and `run_discovery*` functions do the same from frames (the whole-extract frame,
analytics.discovery.FRAME_SCHEMA, or the stored counts and rows, with the organisations frame: code,
region_code); the board pack uses them. Each returns one result whose records, tables and JSON every door
renders.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics.discovery import (
    COUNT_COLUMNS,
    LEADERSHIP_COLUMNS,
    RATIO_COLUMNS,
    EvidenceTerms,
    finding_for_likely_hcs,
    leadership_from_organisations,
    likely_hcs,
    organisation_leadership,
    suppress,
)
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import suppression_for
from hcsworkforce.store import Store
from hcsworkforce.store.tables_discovery import read_leadership_counts, read_likely_hcs

LEADERSHIP_TITLE = "Leadership: senior posts per organisation and region"
LIKELY_TITLE = "Likely healthcare scientists coded in other staff groups"
LIKELY_COUNT_COLUMNS = ("rows_listed", "strong", "possible")


def _scoped(frame: pl.DataFrame, organisations: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    """The frame's rows inside the scope (a region scope needs each organisation's region)."""
    if scope.kind == "national":
        return frame
    regions = organisations.select(
        pl.col("code").cast(pl.String).alias("organisation_code"), pl.col("region_code").cast(pl.String)
    ).unique("organisation_code", keep="first")
    joined = frame.drop("region_code", strict=False).join(regions, on="organisation_code", how="left")
    return joined.filter(scope.filter_expr()).drop("region_code")


def _scope_json(scope: Scope) -> dict[str, Any]:
    return {"kind": scope.kind, "code": scope.code}


@dataclass(frozen=True)
class LeadershipQuery:
    """suppress_below: blank counts under it (the frame functions take it as given; `run` applies it where
    the output leaves an organisation). scope: the frame functions' scope (`run` takes the caller's as its
    argument). census_date: for `run`, the census (default the latest)."""

    suppress_below: int = 0
    scope: Scope = NATIONAL
    census_date: date | None = None


@dataclass
class LeadershipResult:
    rows: list[dict[str, Any]]  # the engine's rows, suppressed as asked
    raw_nulls: list[set[str]]  # per row, the columns that were null before suppression (not in the extract)
    suppress_below: int
    scope: Scope
    census_date: date | None = None
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Flat records for tables, CSV and pages: names beside codes, ratios to one decimal place, and which
        figures were suppressed (a null that is not suppressed means the extract does not carry that group)."""
        trusts = reference.trusts()
        regions = reference.regions()
        out = []
        for r, was_null in zip(self.rows, self.raw_nulls, strict=True):
            code = r["organisation_code"]
            rec: dict[str, Any] = {
                "level": r["level"],
                "organisation_code": code,
                "organisation_name": (trusts[code].name.title() if code in trusts else code)
                if r["level"] == "organisation"
                else None,
                "region_code": r["region_code"],
                "region_name": regions.get(r["region_code"] or "", r["region_code"])
                if r["level"] != "england"
                else "England (organisations in the data)",
            }
            for c in LEADERSHIP_COLUMNS[3:]:
                v = r[c]
                rec[c] = round(v, 1) if c in RATIO_COLUMNS and v is not None else v
            rec["suppressed_columns"] = [
                c for c in (*COUNT_COLUMNS, *RATIO_COLUMNS) if r[c] is None and c not in was_null
            ]
            out.append(rec)
        return out

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [(LEADERSHIP_TITLE, self.records())]

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "scope": _scope_json(self.scope),
            "suppress_below": self.suppress_below,
            "rows": self.records(),
        }


def run_leadership(
    frame: pl.DataFrame,
    organisations: pl.DataFrame,
    query: LeadershipQuery,
    terms: EvidenceTerms | None = None,
) -> LeadershipResult:
    """Leadership figures inside the query's scope from an extract's rows (analytics FRAME_SCHEMA)."""
    counts = organisation_leadership(_scoped(frame, organisations, query.scope), terms)
    return run_leadership_counts(counts, organisations, query)


def run_leadership_counts(
    counts: pl.DataFrame, organisations: pl.DataFrame, query: LeadershipQuery
) -> LeadershipResult:
    """Leadership figures from organisation counts (as an import stores them: store.tables_discovery):
    every organisation, region and England for a national scope; the region's organisations and the region
    for a region scope; the one organisation for an organisation scope (its region total would only repeat
    it)."""
    figures = leadership_from_organisations(_scoped(counts, organisations, query.scope), organisations)
    if query.scope.kind == "organisation":
        figures = figures.filter(pl.col("level") == "organisation")
    elif query.scope.kind == "region":
        figures = figures.filter(pl.col("level") != "england")
    raw_nulls = [{c for c, v in r.items() if v is None} for r in figures.iter_rows(named=True)]
    shown = suppress(figures, query.suppress_below) if query.suppress_below else figures
    return LeadershipResult(
        rows=shown.drop("suppressed", strict=False).to_dicts(),
        raw_nulls=raw_nulls,
        suppress_below=query.suppress_below,
        scope=query.scope,
    )


@dataclass(frozen=True)
class DiscoveryQuery:
    """As LeadershipQuery, for the likely healthcare scientists."""

    suppress_below: int = 0
    scope: Scope = NATIONAL
    census_date: date | None = None


@dataclass
class DiscoveryResult:
    """The listed rows and the finding go to the organisation itself; across organisations only the counts
    per organisation are given, blanked whole where any is under the threshold (there is no total row, so
    nothing blanked can be recovered)."""

    rows: list[dict[str, Any]]  # one per listed row; empty where the scope crosses organisations
    by_organisation: list[dict[str, Any]]
    finding: dict[str, Any] | None  # the import's data-quality finding; organisation scope only
    suppress_below: int
    scope: Scope
    notes: list[str] = field(default_factory=list)
    census_date: date | None = None

    def records(self) -> list[dict[str, Any]]:
        """The listed rows (organisation scope), else the counts per organisation."""
        return self.tables()[0][1]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        listed = [{**r, "matched_fields": ", ".join(r["matched_fields"])} for r in self.rows]
        for r in listed:
            r["specialism_ids"] = ", ".join(r["specialism_ids"])
        out = [(LIKELY_TITLE, listed)] if self.rows else []
        return [*out, (f"{LIKELY_TITLE}, by organisation", self.by_organisation)]

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "scope": _scope_json(self.scope),
            "suppress_below": self.suppress_below,
            "rows": self.rows,
            "by_organisation": self.by_organisation,
            "finding": self.finding,
            "notes": self.notes,
        }


def _counts(listed: pl.DataFrame, threshold: int) -> list[dict[str, Any]]:
    counts = (
        listed.group_by("organisation_code")
        .agg(
            pl.len().alias("rows_listed"),
            (pl.col("strength") == "strong").sum().alias("strong"),
            (pl.col("strength") == "possible").sum().alias("possible"),
        )
        .sort("organisation_code")
    )
    out = []
    for r in counts.iter_rows(named=True):
        small = threshold and any(0 < r[c] < threshold for c in LIKELY_COUNT_COLUMNS)
        rec = {**r, **dict.fromkeys(LIKELY_COUNT_COLUMNS)} if small else dict(r)
        rec["suppressed"] = bool(small)
        out.append(rec)
    return out


def run_discovery(
    frame: pl.DataFrame,
    organisations: pl.DataFrame,
    query: DiscoveryQuery,
    terms: EvidenceTerms | None = None,
) -> DiscoveryResult:
    """Likely healthcare scientists in other staff groups inside the scope, from an extract's rows."""
    return run_discovery_listed(
        likely_hcs(_scoped(frame, organisations, query.scope), terms), organisations, query
    )


def run_discovery_listed(
    listed: pl.DataFrame, organisations: pl.DataFrame, query: DiscoveryQuery
) -> DiscoveryResult:
    """The same from rows already listed (likely_hcs's frame, as an import stores it)."""
    listed = _scoped(listed, organisations, query.scope)
    inside = not query.scope.crosses_organisations()
    notes = (
        []
        if inside
        else ["Rows are listed for one organisation at a time; across organisations only counts are given."]
    )
    return DiscoveryResult(
        rows=listed.to_dicts() if inside else [],
        by_organisation=_counts(listed, query.suppress_below),
        finding=finding_for_likely_hcs(listed) if inside else None,
        suppress_below=query.suppress_below,
        scope=query.scope,
        notes=notes,
    )


# -- from the store ------------------------------------------------------------------------------------------
def organisations(store: Store) -> pl.DataFrame:
    """The organisations the store knows, as the frame functions take them (code, region_code)."""
    return store.organisations().select(pl.col("organisation_code").alias("code"), "region_code")


def _census(store: Store, census_date: date | None) -> date:
    when = census_date or max(store.census_dates(), default=None)
    if when is None:
        raise UserInputError("no census is loaded yet: hcs import SIP.csv --leavers LEAVERS.csv")
    return when


def run(store: Store, query: LeadershipQuery, scope: Scope = NATIONAL) -> LeadershipResult:
    """The leadership job: a census's organisation counts, as the import stored them, inside the caller's
    scope, with counts under the threshold blanked where the output leaves an organisation."""
    when = _census(store, query.census_date)
    q = LeadershipQuery(suppression_for(scope, query.suppress_below), scope, when)
    result = run_leadership_counts(read_leadership_counts(store, when), organisations(store), q)
    notes = [
        f"Census {when.isoformat()}. Senior: band 8c and above. Bank and honorary posts are not counted.",
        "Nursing and AHP figures are blank where the extract carried none of those staff groups.",
    ]
    if q.suppress_below:
        notes.append(f"Counts under {q.suppress_below} are suppressed, with what would reveal them.")
    return dataclasses.replace(result, census_date=when, notes=notes)


def run_likely(store: Store, query: DiscoveryQuery, scope: Scope = NATIONAL) -> DiscoveryResult:
    """The likely healthcare scientists of a census, as the import listed them, inside the caller's scope:
    the rows for one organisation, counts per organisation (suppressed) across organisations."""
    when = _census(store, query.census_date)
    q = DiscoveryQuery(suppression_for(scope, query.suppress_below), scope, when)
    result = run_discovery_listed(read_likely_hcs(store, when), organisations(store), q)
    return dataclasses.replace(result, census_date=when)
