"""The projection job (and compare, two projections side by side): supply, demand and the gap with Monte Carlo
bands, for a scenario from a file, a shipped example or a file's text, over the caller's scope of the census.

One path for every door: `hcs project` / `hcs compare`, the queued runs behind POST /api/v1/projections and
/comparisons, and the scenarios page. The scenario is read here, the WISN files its demand names are read here
(relative to the scenario's own folder; an uploaded scenario cannot reach one and is refused), the census is
scoped here, and the pure engine (analytics.plan.project) does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hcsworkforce.analytics.demand import compile_demand
from hcsworkforce.analytics.plan import GROUP_DIMENSIONS, METRICS, STATS, ProjectionSummary, project
from hcsworkforce.analytics.supply import compile_supply, provenance_note, provenance_summary, standard_draws
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.scenario_file import parse_scenario_text, read_scenario
from hcsworkforce.model import labels
from hcsworkforce.model.scenario import Scenario
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.reference import trusts
from hcsworkforce.services import wisn
from hcsworkforce.services.scenarios import MAX_RUNS, Source, parse_runs, scope_json, scoped_census
from hcsworkforce.store import Store

Progress = Callable[[float, str], None]  # a queued run's progress: fraction done, and what it is doing


def _no_progress(fraction: float, message: str) -> None:
    """Progress goes nowhere outside a queued run."""


# -- the scenario and what it names ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario, the WISN required FTE its demand names, and what was done to it on the way."""

    scenario: Scenario
    wisn_fte: dict[str, float]
    notes: tuple[str, ...] = ()


def wisn_baselines(scenario: Scenario, source: Source) -> tuple[dict[str, float], list[str]]:
    """Required FTE per specialism from the WISN files the scenario's demand names, read relative to the
    scenario's folder; and a note for each. An uploaded scenario has no folder: a file it names is refused."""
    folder = source.file("scenario")
    out: dict[str, float] = {}
    notes: list[str] = []
    problems: list[Problem] = []
    for i, w in enumerate(scenario.demand.wisn):
        if w.file is None:
            continue
        key = f"demand.wisn[{i}].file"
        if folder is None:
            problems.append(
                Problem(
                    "names a WISN file, which an uploaded scenario cannot reach",
                    file=source.label(),
                    column=key,
                    value=w.file,
                    expected="required_fte: N instead, or `hcs project FILE` with the WISN file beside it",
                )
            )
            continue
        path = (folder.parent / w.file).resolve()
        if not path.is_file():
            problems.append(
                Problem(
                    "names a WISN file that does not exist",
                    file=source.label(),
                    column=key,
                    value=w.file,
                    expected=f"a WISN YAML file relative to the scenario's folder ({folder.parent})",
                )
            )
            continue
        out[w.specialism] = wisn.required_fte(path)
        notes.append(
            f"Demand baseline of {labels.label('specialism', w.specialism)}: {out[w.specialism]:,.1f} FTE "
            f"required by the WISN file {w.file}."
        )
    if problems:
        raise UserInputError(problems)
    return out, notes


def load_scenario(source: Source, runs: int | None = None, max_runs: int | None = None) -> LoadedScenario:
    """The scenario a run names, with its runs set (``runs``, else its own, at most ``max_runs``: the web's
    cap) and the WISN files its demand names read. Every problem raises UserInputError."""
    if runs is not None:
        parse_runs(runs, max_runs)  # raises, saying what is allowed, when out of range
    source.check()
    notes: list[str] = []
    path = source.file("scenario")
    if path is not None:
        scenario = read_scenario(path, {"runs": runs} if runs is not None else None)
    else:
        assert source.text is not None
        scenario = parse_scenario_text(source.text, source.label())
        if runs is not None:
            scenario = scenario.model_copy(update={"runs": runs})
    if runs is None and max_runs is not None and scenario.runs > max_runs:
        notes.append(
            f"The scenario asks for {scenario.runs:,} runs; runs here are capped at {max_runs:,} "
            "(`hcs project` runs them all)."
        )
        # The resolved scenario (and so its hash) records the runs actually made.
        scenario = scenario.model_copy(update={"runs": max_runs})
    wisn_fte, wisn_notes = wisn_baselines(scenario, source)
    return LoadedScenario(scenario, wisn_fte, (*notes, *wisn_notes))


# -- compiling and projecting a scenario against a census --------------------------------------------------------
def org_regions(staff: Any) -> dict[str, str | None]:
    """Organisation -> region, from the reference list and the census's own rows."""
    out: dict[str, str | None] = {code: t.region_code for code, t in trusts().items()}
    if staff is not None and staff.height:
        for org, region in staff.select("organisation_code", "region_code").unique().iter_rows():
            if region is not None:
                out[org] = region
    return out


def compile_scenario(
    scenario: Any,
    staff: Any,
    leavers: Any,
    establishment: Any,
    by_region: bool,
    wisn_fte: dict[str, float] | None,
) -> tuple[Any, Any]:
    """The engine's supply and demand inputs for a scenario on a census."""
    cs = compile_supply(staff, scenario, by_region=by_region, leavers=leavers)
    cd = compile_demand(
        scenario,
        cs.inputs.units,
        cs.inputs.headcount,
        cs.inputs.fte_per_head,
        establishment=establishment,
        by_region=by_region,
        org_region=org_regions(staff),
        wisn_fte=wisn_fte,
    )
    for row in cd.assumptions:  # demand: the baseline is read from the data; the rest is the scenario's
        row.setdefault("provenance", "data" if row["parameter"] == "demand_baseline" else "scenario")
    return cs, cd


def data_fingerprint(staff: Any, establishment: Any) -> dict[str, Any]:
    """Which data a result read: the census date and row counts."""
    census = (
        staff["census_date"].max()
        if staff is not None and staff.height and "census_date" in staff.columns
        else None
    )
    return {
        "census_date": census.isoformat() if census is not None else None,
        "staff_rows": int(staff.height) if staff is not None else 0,
        "establishment_rows": int(establishment.height) if establishment is not None else 0,
    }


@dataclass
class ProjectionResult:
    """A projection with everything needed to reproduce and audit it."""

    name: str
    hash: str
    resolved: dict[str, Any]
    summary: ProjectionSummary
    assumptions: list[dict[str, Any]]
    notes: list[str]
    data: dict[str, Any]
    scope: Scope = NATIONAL

    def totals(self) -> list[dict[str, Any]]:
        """Every group together, year by year (percentiles of the sum, not sums of percentiles)."""
        s = self.summary
        out = []
        for t in range(next(iter(s.total_stats.values())).shape[0]):
            row: dict[str, Any] = {"year": s.start_year + t}
            for m in METRICS:
                row[m] = {st: round(float(s.total_stats[m][t, i]), 3) for i, st in enumerate(STATS)}
            out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "hash": self.hash,
            "runs": self.summary.runs,
            "by": self.summary.by,
            "start_year": self.summary.start_year,
            "rows": self.summary.rows(),
            "totals": self.totals(),
            "assumptions": self.assumptions,
            "provenance": provenance_summary(self.assumptions),
            "notes": self.notes,
            "data": self.data,
            "resolved_scenario": self.resolved,
            "scope": scope_json(self.scope),
        }

    def headline(self) -> list[str]:
        """What a reader needs to reproduce the result: the scenario, its hash, the runs and the seed."""
        return [
            f"Scenario {self.name!r}, hash {self.hash}",
            f"{self.summary.runs:,} runs, seed {self.resolved.get('seed')}",
        ]

    def records(self) -> list[dict[str, Any]]:
        """One row per year and group, a column per metric and statistic (the CSV)."""
        return self.summary.flat_rows()

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return titled_tables(self.to_json())


def project_scenario(
    scenario: Any,
    staff: Any,
    *,
    leavers: Any = None,
    establishment: Any = None,
    by: list[str] | None = None,
    wisn_fte: dict[str, float] | None = None,
    threads: int | None = None,
) -> ProjectionResult:
    """Compile a scenario against a census and project it, by the given dimensions."""
    by = list(by or [])
    bad = [d for d in by if d not in GROUP_DIMENSIONS]
    if bad:
        raise UserInputError(
            f"--by {', '.join(bad)} is not a projection dimension (expected {', '.join(GROUP_DIMENSIONS)})"
        )
    cs, cd = compile_scenario(scenario, staff, leavers, establishment, "region" in by, wisn_fte)
    z = standard_draws(scenario.runs, scenario.seed)
    summary = project(cs.inputs, cd.inputs, z, by, start_year=scenario.start_year, threads=threads)
    assumptions = cs.assumptions + cd.assumptions
    return ProjectionResult(
        name=scenario.name,
        hash=scenario.content_hash(),
        resolved=scenario.resolved(),
        summary=summary,
        assumptions=assumptions,
        notes=[*cs.notes, *cd.notes, provenance_note(assumptions)],
        data=data_fingerprint(staff, establishment),
    )


# -- the job ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectionQuery:
    source: Source
    runs: int | None = None  # None: the scenario's own
    by: tuple[str, ...] = ()
    max_runs: int | None = None  # the web's cap on runs; None on the CLI


def _project(store: Store, loaded: LoadedScenario, by: tuple[str, ...], scope: Scope) -> ProjectionResult:
    scenario = loaded.scenario
    staff, leavers, establishment = scoped_census(store, scope, scenario.census_date)
    result = project_scenario(
        scenario, staff, leavers=leavers, establishment=establishment, by=list(by), wisn_fte=loaded.wisn_fte
    )
    return replace(result, notes=[*loaded.notes, *result.notes], scope=scope)


def run(
    store: Store, query: ProjectionQuery, scope: Scope = NATIONAL, progress: Progress | None = None
) -> ProjectionResult:
    """Project the query's scenario over the scope's staff, leavers and establishment."""
    progress = progress or _no_progress
    progress(0.05, "Reading the scenario")
    loaded = load_scenario(query.source, query.runs, query.max_runs)
    progress(0.2, f"Projecting {loaded.scenario.runs:,} runs over {loaded.scenario.horizon_years} years")
    result = _project(store, loaded, query.by, scope)
    progress(0.95, "Summarising")
    return result


def _job_query(params: dict[str, Any], prefix: str = "") -> ProjectionQuery:
    """A queued run's parameters (example or scenario_yaml, runs): by specialism, runs capped at MAX_RUNS."""
    return ProjectionQuery(
        source=Source.from_params(params, prefix),
        runs=parse_runs(params.get(f"{prefix}runs"), MAX_RUNS),
        by=("specialism",),
        max_runs=MAX_RUNS,
    )


def check_job(params: dict[str, Any]) -> None:
    """Read the scenario of a run about to be queued, so that its mistakes are shown at once."""
    q = _job_query(params)
    load_scenario(q.source, q.runs, q.max_runs)


def run_job(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    return run(store, _job_query(params), scope, progress).to_json()


# -- tables of a projection, from its JSON (a live result and a stored job alike) ---------------------------------
def band_rows(rows: list[dict[str, Any]], keys: list[str], prefix: str = "") -> list[dict[str, Any]]:
    """Each metric's statistics as columns (gap_fte_p50), for a table, CSV or spreadsheet."""
    flat = []
    for r in rows:
        row = {k: r.get(k) for k in ["year", *keys]}
        for m in METRICS:
            for st in STATS:
                row[f"{prefix}{m}_{st}"] = (r.get(m) or {}).get(st)
        flat.append(row)
    return flat


def gap_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The gap in the last year of the projection, one row per group, largest shortfall first."""
    rows, by = result.get("rows") or [], list(result.get("by") or [])
    if not rows or not by:
        return []
    last = max(r["year"] for r in rows)
    out = []
    for r in rows:
        if r["year"] != last:
            continue
        row: dict[str, Any] = {}
        for d in by:
            row[d] = r[d]
            row[f"{d}_label"] = labels.label(d, r[d])
        row.update(
            {
                "year": last,
                "supply_fte_p50": r["supply_fte"]["p50"],
                "demand_fte_p50": r["demand_fte"]["p50"],
                "gap_fte_p10": r["gap_fte"]["p10"],
                "gap_fte_p50": r["gap_fte"]["p50"],
                "gap_fte_p90": r["gap_fte"]["p90"],
            }
        )
        out.append(row)
    out.sort(key=lambda r: -r["gap_fte_p50"])  # the gap is demand - supply: above zero is a shortfall
    return out


def _by_slug(by: list[str]) -> str:
    return "-".join(by)


def tables_of(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table of a projection by name (the names under /api/v1/jobs/{id}/tables/): totals, by-<groups>,
    gap-by-<groups>, assumptions. The same records back the page's charts and every download."""
    by = list(result.get("by") or [])
    out = {"totals": band_rows(result.get("totals") or [], [])}
    if by:
        out[f"by-{_by_slug(by)}"] = band_rows(result.get("rows") or [], by)
        out[f"gap-by-{_by_slug(by)}"] = gap_rows(result)
    out["assumptions"] = result.get("assumptions") or []
    return out


def titled_tables(result: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The tables with titles, the main one (a row per year and group) first: CLI sections, XLSX sheets."""
    by = list(result.get("by") or [])
    named = tables_of(result)
    if not by:
        return [("Projection", named["totals"]), ("Assumptions", named["assumptions"])]
    groups = ", ".join(by)
    last = max((r["year"] for r in result.get("rows") or []), default="")
    return [
        (f"Projection by {groups}", named[f"by-{_by_slug(by)}"]),
        ("Totals (every group together)", named["totals"]),
        (f"Gap in {last} by {groups}", named[f"gap-by-{_by_slug(by)}"]),
        ("Assumptions", named["assumptions"]),
    ]


# -- compare: two scenarios on the same census and scope ----------------------------------------------------------
@dataclass(frozen=True)
class CompareQuery:
    a: ProjectionQuery
    b: ProjectionQuery  # differences are B - A; grouped by a's dimensions


def compare_rows(a: list[dict[str, Any]], b: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """A's and B's statistics side by side per year and group, and B - A of the mean and the median."""
    index = {tuple(r[k] for k in ["year", *keys]): r for r in b}
    out = []
    for ra in a:
        key = tuple(ra[k] for k in ["year", *keys])
        rb = index.get(key)
        row: dict[str, Any] = {k: ra[k] for k in ["year", *keys]}
        row["a"] = {m: ra[m] for m in METRICS}
        row["b"] = {m: rb[m] for m in METRICS} if rb else None
        row["difference"] = (
            {m: {s: round(rb[m][s] - ra[m][s], 3) for s in ("mean", "p50")} for m in METRICS} if rb else None
        )
        out.append(row)
    return out


@dataclass
class CompareResult:
    a: ProjectionResult
    b: ProjectionResult
    by: list[str]
    scope: Scope = NATIONAL
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        a, b = self.a, self.b
        return {
            "scenarios": [{"name": a.name, "hash": a.hash}, {"name": b.name, "hash": b.hash}],
            "by": self.by,
            "rows": compare_rows(a.summary.rows(), b.summary.rows(), self.by),
            "totals": compare_rows(a.totals(), b.totals(), []),
            "assumptions_a": a.assumptions,
            "assumptions_b": b.assumptions,
            "resolved_scenarios": [a.resolved, b.resolved],
            "notes": self.notes,
            "scope": scope_json(self.scope),
        }

    def headline(self) -> list[str]:
        return [f"A: {self.a.name} ({self.a.hash})", f"B: {self.b.name} ({self.b.hash})"]

    def records(self) -> list[dict[str, Any]]:
        return self.tables()[0][1]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return compare_titled_tables(self.to_json())


def compare(
    store: Store, query: CompareQuery, scope: Scope = NATIONAL, progress: Progress | None = None
) -> CompareResult:
    """Two scenarios, each on its own census (the latest unless it names one), over the same scope."""
    progress = progress or _no_progress
    if query.a.by != query.b.by:
        raise UserInputError("both scenarios of a comparison are grouped by the same dimensions")
    progress(0.05, "Reading the scenarios")
    la = load_scenario(query.a.source, query.a.runs, query.a.max_runs)
    lb = load_scenario(query.b.source, query.b.runs, query.b.max_runs)
    progress(0.15, f"Projecting scenario A ({la.scenario.runs:,} runs)")
    ra = _project(store, la, query.a.by, scope)
    progress(0.55, f"Projecting scenario B ({lb.scenario.runs:,} runs)")
    rb = _project(store, lb, query.b.by, scope)
    return CompareResult(ra, rb, list(query.a.by), scope, [*ra.notes, *rb.notes])


def _compare_query(params: dict[str, Any]) -> CompareQuery:
    return CompareQuery(_job_query(params, "a_"), _job_query(params, "b_"))


def check_compare_job(params: dict[str, Any]) -> None:
    q = _compare_query(params)
    load_scenario(q.a.source, q.a.runs, q.a.max_runs)
    load_scenario(q.b.source, q.b.runs, q.b.max_runs)


def run_compare_job(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    return compare(store, _compare_query(params), scope, progress).to_json()


def compare_flat(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """A, B and B - A medians as columns: a_gap_fte_p50, b_gap_fte_p50, difference_gap_fte_p50."""
    flat = []
    for r in rows:
        f: dict[str, Any] = {k: r[k] for k in ["year", *keys]}
        for m in METRICS:
            f[f"a_{m}_p50"] = r["a"][m]["p50"]
            f[f"b_{m}_p50"] = r["b"][m]["p50"] if r.get("b") else None
            f[f"difference_{m}_p50"] = r["difference"][m]["p50"] if r.get("difference") else None
        flat.append(f)
    return flat


def compare_tables_of(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table of a comparison by name: totals, by-<groups>, assumptions-a, assumptions-b."""
    by = list(result.get("by") or [])
    out = {"totals": compare_flat(result.get("totals") or [], [])}
    if by:
        out[f"by-{_by_slug(by)}"] = compare_flat(result.get("rows") or [], by)
    out["assumptions-a"] = result.get("assumptions_a") or []
    out["assumptions-b"] = result.get("assumptions_b") or []
    return out


def compare_titled_tables(result: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    by = list(result.get("by") or [])
    named = compare_tables_of(result)
    main = (
        [(f"Comparison by {', '.join(by)}", named[f"by-{_by_slug(by)}"]), ("Totals", named["totals"])]
        if by
        else [("Comparison", named["totals"])]
    )
    return [*main, ("Assumptions A", named["assumptions-a"]), ("Assumptions B", named["assumptions-b"])]
