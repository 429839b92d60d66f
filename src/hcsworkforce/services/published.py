"""The public NHS statistics as a service: import a published file, list what is loaded, profile England / a
region / an organisation from the published tables alone, set a trust's own census beside the published
figures, and refresh the trusts list from ODS etr.csv. One typed result each, for the CLI, the pages and the
API. Rules and JSON shapes: docs/published-statistics.md.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics import published as engine
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published import PUBLICATIONS, check_kind, read_published
from hcsworkforce.ingest.published.common import file_sha256, month_end, parse_period
from hcsworkforce.ingest.published.etr import read_etr
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import OutOfScope, published_benchmark_organisation, suppression_for
from hcsworkforce.services.history import profile_history, resolve_census
from hcsworkforce.store import published as pstore

TABLES = ("workforce", "turnover", "sickness")
WORKFORCE_COLUMNS = [
    "level",
    "code",
    "org_name",
    "staff_group_label",
    "healthcare_science",
    "fte",
    "fte_published_cells",
    "headcount",
    "headcount_published_cells",
    "suppressed_cells",
    "summed",
    "headcount_summed",
    "period",
]
TURNOVER_COLUMNS = [
    "level",
    "code",
    "org_name",
    "staff_group_label",
    "healthcare_science",
    "leavers",
    "denominator",
    "leaver_rate",
    "leavers_published_cells",
    "suppressed_cells",
    "summed",
    "period",
]
SICKNESS_COLUMNS = [
    "level",
    "code",
    "org_name",
    "staff_group_label",
    "healthcare_science",
    "fte_days_lost",
    "fte_days_available",
    "sickness_rate",
    "fte_days_lost_published_cells",
    "suppressed_cells",
    "summed",
    "period",
]
IMPORT_COLUMNS = [
    "kind",
    "layout",
    "publication",
    "period",
    "rows",
    "suppressed_cells",
    "source_file",
    "imported_at",
]
TABLE_NAMES = (*TABLES, "imports")
COLUMNS = {"workforce": WORKFORCE_COLUMNS, "turnover": TURNOVER_COLUMNS, "sickness": SICKNESS_COLUMNS}
SECTION_NAMES = {"workforce": "Workforce", "turnover": "Turnover", "sickness": "Sickness absence"}


# -- periods -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodOption:
    value: date
    year_only: bool


def parse_period_option(text: str | None) -> PeriodOption | None:
    """--period as people type it: 2025-03, 2025-03-31, March 2025, or a survey year 2024."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    if re.fullmatch(r"20\d\d", t):
        return PeriodOption(date(int(t), 12, 31), True)
    d = parse_period(t)
    if d is None:
        raise UserInputError(
            Problem(
                "is not a period",
                column="--period",
                value=t,
                expected="a month such as 2025-03 or March 2025, a date such as 2025-03-31, or a survey year such as 2024",
            )
        )
    return PeriodOption(d, False)


# -- import --------------------------------------------------------------------------------------------------


@dataclass
class ImportPublishedResult:
    kind: str
    layout: str
    publication: str
    source_file: str
    period_source: str
    rows: int
    suppressed_cells: int
    periods: list[dict[str, Any]]
    survey_results: int
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def import_published(
    store: Any,
    path: Path,
    *,
    kind: str | None = None,
    period: str | None = None,
    publication: str | None = None,
    display_name: str | None = None,
    actor: str | None = None,
) -> ImportPublishedResult:
    """Validate a published file completely and load it in one transaction (replacing the same publication
    kind, layout and period). A refused file writes nothing but a 'rejected' line in the import log."""
    name = display_name or path.name
    opt = parse_period_option(period)
    try:
        wanted = check_kind(kind)
        if opt and opt.year_only and wanted not in (None, "survey"):
            raise UserInputError(
                Problem("names a year", column="--period", value=period, expected="a month such as 2025-03")
            )
        pf = read_published(
            path,
            kind=wanted,
            period=opt.value if opt else None,
            trusts=pstore.effective_trusts(store),
            display_name=name,
            publication=publication,
        )
        if opt and opt.year_only and pf.kind != "survey" and pf.period_source == "--period":
            raise UserInputError(
                Problem(
                    f"names a year, but this is a {PUBLICATIONS[pf.kind]} file",
                    column="--period",
                    value=period,
                    expected="the month the file reports, such as 2025-03",
                )
            )
    except UserInputError as e:
        store.log_rejected_import(
            name, None, e.total, {"kind": "published", "problems": [str(p) for p in e.problems[:5]]}
        )
        raise
    loaded = pstore.replace_published(store, pf, actor=actor)
    return ImportPublishedResult(
        kind=pf.kind,
        layout=pf.layout,
        publication=pf.publication,
        source_file=pf.source_file,
        period_source=pf.period_source,
        rows=pf.rows.height,
        suppressed_cells=pf.suppressed_cells,
        periods=[
            {
                "publication": lp.publication,
                "layout": lp.layout,
                "period": lp.period,
                "rows": lp.rows,
                "suppressed_cells": lp.suppressed_cells,
                "replaced": lp.replaced,
            }
            for lp in loaded
        ],
        survey_results=len(pf.survey_results),
        notes=pf.notes,
    )


# -- profile -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedProfileQuery:
    region: str | None = None
    organisation: str | None = None
    by: str = "none"
    staff_group: str = "all"  # all | hcs | a published label
    period: str | None = None


@dataclass
class PublishedProfileResult:
    level: str
    code: str | None
    scope_label: str
    by: str
    staff_group: str
    periods: dict[str, date | None]
    figures: dict[str, list[dict[str, Any]]]  # workforce, turnover, sickness -> rows
    imports: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": {"level": self.level, "code": self.code, "label": self.scope_label},
            "by": self.by,
            "staff_group": self.staff_group,
            "periods": self.periods,
            "workforce": self.figures["workforce"],
            "turnover": self.figures["turnover"],
            "sickness": self.figures["sickness"],
            "imports": self.imports,
            "notes": self.notes,
        }

    def table(self, name: str) -> list[dict[str, Any]]:
        """One table's rows: workforce, turnover, sickness or imports (the loaded publications)."""
        if name not in TABLE_NAMES:
            raise UserInputError(
                Problem("is not a table", column="table", value=name[:20], expected=", ".join(TABLE_NAMES))
            )
        return self.imports if name == "imports" else self.figures[name]

    def records(self) -> list[dict[str, Any]]:
        return self.figures["workforce"]

    def tables(self, first: str = "workforce") -> list[tuple[str, list[dict[str, Any]]]]:
        """Every table, the one named first (or all in their order)."""
        order = [*TABLES, "imports"]
        if first != "all":
            self.table(first)
            order = [first, *[t for t in order if t != first]]
        return [("Loaded publications" if t == "imports" else SECTION_NAMES[t], self.table(t)) for t in order]


def _code(kind: str, text: str | None) -> str | None:
    if not text:
        return None
    code = text.strip().upper()
    if kind == "region" and code not in reference.regions():
        by_name = {v.lower(): k for k, v in reference.regions().items()}
        if text.strip().lower() in by_name:
            return by_name[text.strip().lower()]
        raise UserInputError(
            Problem(
                "is not an NHS England region",
                column="--region",
                value=text,
                expected="Y56 to Y63, or a region's name",
            )
        )
    if kind == "organisation" and not reference.ODS_CODE_RE.match(code):
        raise UserInputError(
            Problem("is not an ODS code", column="--organisation", value=text, expected="e.g. RGT")
        )
    return code


def view_level(store: Any, query: PublishedProfileQuery, scope: Scope) -> tuple[str, str | None]:
    """The scope the profile covers, narrowed from the user's: a filter outside it is refused, never widened."""
    region = _code("region", query.region)
    org = _code("organisation", query.organisation)
    if region and org:
        raise UserInputError("give --region or --organisation, not both")
    trusts = pstore.effective_trusts(store)
    if scope.kind == "organisation":
        if (org and org != scope.code) or region:
            raise OutOfScope
        return "organisation", scope.code
    if scope.kind == "region":
        if (region and region != scope.code) or (
            org and trusts.get(org) and trusts[org].region_code != scope.code
        ):
            raise OutOfScope
        if org:
            return "organisation", org
        return "region", scope.code
    if org:
        return "organisation", org
    if region:
        return "region", region
    return "national", None


def _label(level: str, code: str | None, store: Any) -> str:
    if level == "national":
        return "England"
    if level == "region":
        return reference.regions().get(code or "", code or "")
    t = pstore.effective_trusts(store).get(code or "")
    return f"{t.name} ({code})" if t else str(code)


def _frames(store: Any) -> dict[str, pl.DataFrame]:
    return {k: pstore.read_published(store, k) for k in TABLES}


def _periods_wanted(frames: dict[str, pl.DataFrame], period: PeriodOption | None) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for k, df in frames.items():
        have = sorted(d for d in df["period"].unique().to_list() if d is not None) if df.height else []
        if period is not None:
            end = month_end(period.value.year, period.value.month)
            have = [d for d in have if d <= end]
        out[k] = have[-1] if have else None
    return out


def imports(store: Any) -> list[dict[str, Any]]:
    """The published statistics loaded: publication, layout, period, rows, suppressed cells."""
    return [{c: r.get(c) for c in IMPORT_COLUMNS} for r in pstore.list_imports(store)]


def run(store: Any, query: PublishedProfileQuery, scope: Scope = NATIONAL) -> PublishedProfileResult:
    """FTE, headcount, turnover and sickness absence from the published tables alone, for England, a region
    or an organisation within the caller's scope (a filter outside it is refused: access.OutOfScope)."""
    if query.by not in engine.BY_OPTIONS:
        raise UserInputError(
            Problem("is not a grouping", column="--by", value=query.by, expected=", ".join(engine.BY_OPTIONS))
        )
    level, code = view_level(store, query, scope)
    if level == "organisation" and query.by != "none":
        raise UserInputError(
            Problem(
                "an organisation has no organisations or regions within it",
                column="--by",
                value=query.by,
                expected="none",
            )
        )
    opt = parse_period_option(query.period)
    frames = _frames(store)
    wanted = _periods_wanted(frames, opt)
    groups = query.staff_group.strip() or "all"
    tables = engine.profile(frames, level, code, by=query.by, groups=groups, periods=wanted)  # type: ignore[arg-type]
    loaded = imports(store)
    notes = _profile_notes(tables, wanted, loaded, groups)
    return PublishedProfileResult(
        level, code, _label(level, code, store), query.by, groups, wanted, tables, loaded, notes
    )


def _profile_notes(
    tables: dict[str, list[dict[str, Any]]],
    wanted: dict[str, date | None],
    imports: list[dict[str, Any]],
    groups: str,
) -> list[str]:
    notes = [
        "Figures as published (NHS England / NHS Digital, Open Government Licence v3.0). Method: docs/published-statistics.md."
    ]
    if not imports:
        notes.insert(0, "No published statistics are loaded: run `hcs import-published FILE` first.")
    for k, rows in tables.items():
        when = wanted.get(k)
        if when is None:
            notes.append(f"{SECTION_NAMES[k]}: nothing loaded.")
            continue
        summed = sum(1 for r in rows if r.get("summed"))
        cells = sum(int(r.get("suppressed_cells") or 0) for r in rows)
        text = f"{SECTION_NAMES[k]}: period {when.isoformat()}"
        if summed:
            text += f"; {summed} row(s) summed from organisations (no published row at that level)"
        if cells:
            text += (
                f"; {cells} suppressed cell(s): a total that would need them is left blank, never read as 0"
            )
        notes.append(text + ".")
    if groups == "hcs":
        notes.append(
            "Healthcare science = the published staff groups marked 'yes' in reference/data/published_staff_groups.csv; "
            "groups that contain healthcare scientists among others (ST&T) are not counted as them."
        )
    if any(r.get("headcount_summed") for r in tables.get("workforce", [])):
        notes.append(
            "A headcount summed over organisations counts a person employed by two organisations twice."
        )
    return notes


# -- a trust's census beside the published figures ----------------------------------------------------------

BENCHMARK_COLUMNS = [
    "metric",
    "this_organisation",
    "published_organisation",
    "published_region",
    "published_england",
    "published_staff_group",
    "published_period",
    "note",
]


@dataclass
class PublishedBenchmarkResult:
    organisation: str
    organisation_name: str
    region_code: str | None
    region_name: str | None
    census_date: date
    rows: list[dict[str, Any]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "organisation_name": self.organisation_name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "census_date": self.census_date,
            "rows": self.rows,
            "notes": self.notes,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.rows

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Against published", self.rows)]


def _census_figures(
    store: Any, org: str, census_date: date | None, suppress_below: int
) -> tuple[date, dict[str, Any], list[str]]:
    info = resolve_census(store, census_date)
    d = info["census_date"]
    scope = Scope("organisation", org)
    try:
        rows = profile_history(store, [], start=d, end=d, scope=scope, with_absence=True)[0].rows
    except UserInputError:
        rows = []
    rec = dict(rows[0]) if rows else {}
    notes: list[str] = []
    if not rec or not rec.get("headcount"):
        notes.append(f"{org} has no healthcare scientists in the census of {d.isoformat()}.")
        rec = {}
    if not info["has_leaver_data"]:
        rec["leaver_rate_12m"] = None
        notes.append("The census has no leaver data, so its leaver rate is not given.")
    hc = rec.get("headcount")
    if suppress_below and hc is not None and 0 < hc < suppress_below:
        rec = {}
        notes.append(f"The organisation's figures are suppressed (fewer than {suppress_below} people).")
    return d, rec, notes


def _first_hcs(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    hcs = [r for r in rows if r["healthcare_science"] == "yes"]
    return hcs[0] if hcs else None


def _published_row(
    frames: dict[str, pl.DataFrame], kind: str, when: date | None, level: str, code: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The published healthcare science row of one kind at one level; failing that, the row of the group that
    contains healthcare scientists among others, named as such. (row, what it is)."""
    df = frames.get(kind)
    if df is None or df.height == 0 or when is None or (level != "national" and code is None):
        return None, None
    rows = engine.profile({kind: df}, level, code, periods={kind: when})[kind]  # type: ignore[arg-type]
    hit = _first_hcs(rows)
    if hit is not None:
        return hit, hit["staff_group_label"]
    contains = [
        r
        for r in rows
        if r["healthcare_science"] == "contains"
        and not str(r["staff_group_label"]).lower().startswith("support")
    ]
    if contains:
        r = contains[0]
        return r, f"{r['staff_group_label']} (contains healthcare scientists and others)"
    return None, None


@dataclass(frozen=True)
class PublishedBenchmarkQuery:
    """organisation: an ODS code (an organisation user's own is taken when none is given); suppress_below: the
    threshold where the output leaves the organisation (the setting, 5)."""

    organisation: str | None = None
    census_date: date | None = None
    suppress_below: int = 5


def run_benchmark(
    store: Any, query: PublishedBenchmarkQuery, scope: Scope = NATIONAL
) -> PublishedBenchmarkResult:
    """An organisation's healthcare scientists from its census (FTE, headcount, leaver rate, sickness rate)
    beside the published organisation, region and England figures for the healthcare science staff group."""
    trusts = pstore.effective_trusts(store)
    asked = _code("organisation", query.organisation) if query.organisation else None
    org = published_benchmark_organisation(
        scope, asked, trusts[asked].region_code if asked in trusts else None
    )
    suppress_below = suppression_for(scope, query.suppress_below)
    census_date = query.census_date
    region = trusts[org].region_code if org in trusts else None
    if region is None:
        orgs = store.organisations()
        hit = orgs.filter(pl.col("organisation_code") == org)
        region = hit["region_code"][0] if hit.height else None
    d, census, notes = _census_figures(store, org, census_date, suppress_below)
    frames = _frames(store)
    if all(df.height == 0 for df in frames.values()):
        raise UserInputError("no published statistics are loaded: run `hcs import-published FILE` first")
    wanted = {k: _latest_on_or_before(df, d) for k, df in frames.items()}
    specs = (
        ("fte", "workforce", "fte", census.get("fte")),
        ("headcount", "workforce", "headcount", census.get("headcount")),
        ("leaver_rate", "turnover", "leaver_rate", census.get("leaver_rate_12m")),
        ("sickness_rate", "sickness", "sickness_rate", census.get("absence_rate")),
    )
    out: list[dict[str, Any]] = []
    for metric, kind, field_name, own in specs:
        rec: dict[str, Any] = {"metric": metric, "this_organisation": own}
        groups: set[str] = set()
        for col, level, code in (
            ("published_organisation", "organisation", org),
            ("published_region", "region", region),
            ("published_england", "national", None),
        ):
            row, what = _published_row(frames, kind, wanted[kind], level, code)
            rec[col] = row.get(field_name) if row else None
            if what:
                groups.add(what)
        rec["published_staff_group"] = "; ".join(sorted(groups)) or None
        rec["published_period"] = wanted[kind]
        rec["note"] = _metric_note(metric, wanted[kind], groups)
        out.append(rec)
    notes += [
        "This organisation: healthcare scientists in its census (ESR extract). Published: NHS England's figures for the "
        "healthcare science staff group, of the latest period on or before the census date.",
        "Leaver rates differ in definition: the census counts leavers of the organisation over 12 months / mean "
        "headcount; NHS England's turnover tables define their own denominator (docs/published-statistics.md).",
    ]
    t = trusts.get(org)
    return PublishedBenchmarkResult(
        org, t.name if t else org, region, reference.regions().get(region or ""), d, out, notes
    )


def _latest_on_or_before(df: pl.DataFrame, d: date) -> date | None:
    if df.height == 0:
        return None
    have = sorted(
        p for p in df["period"].unique().to_list() if p is not None and p <= month_end(d.year, d.month)
    )
    return have[-1] if have else None


def _metric_note(metric: str, when: date | None, groups: set[str]) -> str | None:
    kind = {
        "fte": "workforce",
        "headcount": "workforce",
        "leaver_rate": "turnover",
        "sickness_rate": "sickness",
    }[metric]
    if when is None:
        return f"no {PUBLICATIONS[kind]} loaded for a period on or before the census"
    if not groups:
        return "the loaded publication has no healthcare science staff group"
    if any("contains" in g for g in groups):
        return "no healthcare science group is published: the figure is for a wider group that contains it"
    return None


# -- the trusts list -----------------------------------------------------------------------------------------


def update_trusts(store: Any, path: Path, display_name: str | None = None) -> dict[str, Any]:
    """Refresh the trusts list from ODS etr.csv (validated completely first; one transaction)."""
    name = display_name or path.name
    try:
        df = read_etr(path, name)
    except UserInputError as e:
        store.log_rejected_import(name, None, e.total, {"kind": "ods_etr"})
        raise
    upd = pstore.replace_trusts(store, df, name, file_sha256(path))
    return {"file": name, **asdict(upd)}
