"""Discovery as a service: leadership figures (senior HCS posts beside nursing and AHPs, per organisation and
region) and the likely healthcare scientists coded in other staff groups, from the frames the importer builds.

Thin by design: the rules live in analytics/discovery.py and docs/discovery.md. Each `run_*` takes the
whole-extract frame (analytics.discovery.FRAME_SCHEMA) and the organisations frame (code, region_code),
applies the scope and suppression, and returns one result whose records, sections and JSON the CLI, the API,
the pages and the board pack all render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from hcsworkforce.model.scope import NATIONAL, Scope

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
    """suppress_below: blank counts under it (5 where the output leaves an organisation; 0 inside one)."""

    suppress_below: int = 0
    scope: Scope = NATIONAL


@dataclass
class LeadershipResult:
    rows: list[dict[str, Any]]  # the engine's rows, suppressed as asked
    raw_nulls: list[set[str]]  # per row, the columns that were null before suppression (not in the extract)
    suppress_below: int
    scope: Scope

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

    def sections(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [(LEADERSHIP_TITLE, self.records())]

    def to_json(self) -> dict[str, Any]:
        return {
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
    suppress_below: int = 0
    scope: Scope = NATIONAL


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

    def sections(self) -> list[tuple[str, list[dict[str, Any]]]]:
        listed = [{**r, "matched_fields": ", ".join(r["matched_fields"])} for r in self.rows]
        for r in listed:
            r["specialism_ids"] = ", ".join(r["specialism_ids"])
        out = [(LIKELY_TITLE, listed)] if self.rows else []
        return [*out, (f"{LIKELY_TITLE}, by organisation", self.by_organisation)]

    def to_json(self) -> dict[str, Any]:
        return {
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


def run(
    frame: pl.DataFrame,
    organisations: pl.DataFrame,
    query: LeadershipQuery,
    terms: EvidenceTerms | None = None,
) -> LeadershipResult:
    """The leadership job (the name the services share: <Job>Query -> run -> <Job>Result)."""
    return run_leadership(frame, organisations, query, terms)
