"""The commission job: the extra training places per programme, specialism and intake year that close the gap
by a target year at least cost, for a scenario over the caller's scope of the census.

One path for `hcs commission` and the queued run behind POST /api/v1/commissions. The scenario and the WISN
files its demand names are read as the projection reads them (services.projection.load_scenario); the gap
comes from the engine's expected path or its Monte Carlo runs, and analytics.plan.commission chooses the
places (a small integer programme).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hcsworkforce.analytics.pathways import career_routes
from hcsworkforce.analytics.plan import (
    ALLOCATIONS,
    DEFAULT_PERCENTILE_RUNS,
    CommissionPlan,
    ProgrammeOption,
    commission,
    gap_samples_at,
)
from hcsworkforce.analytics.supply import reference_programmes, standard_draws
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.reference import specialisms
from hcsworkforce.services.projection import compile_scenario, data_fingerprint, load_scenario
from hcsworkforce.services.scenarios import MAX_RUNS, Source, parse_runs, scope_json, scoped_census
from hcsworkforce.store import Store

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Progress goes nowhere outside a queued run."""


# -- the programmes a scenario may buy ----------------------------------------------------------------------------
def _served_specialisms(key: str, programme: str) -> tuple[str, ...] | None:
    """Specialisms a programme (or one career route of it) serves, from career_routes.csv; None: all.

    A programme with several routes serves the union of them (the Level 6 apprenticeship is open to every
    specialism, its Biomedical Scientist route to Life Sciences only: key the route to get the narrower one).
    """
    routes = [r for r in career_routes() if (r.id == key if key != programme else r.programme == programme)]
    if not routes or any(not r.specialisms and not r.divisions for r in routes):
        return None
    return tuple(s for s in specialisms() if any(r.open_to(s) for r in routes))


def commission_options(scenario: Any) -> list[ProgrammeOption]:
    """Programmes that may be bought, with reference defaults where the scenario gives no figure.

    Completion rates come from the scenario's training streams for that programme and specialism where
    they give one, else the reference default; capacity counts the scenario's own commissions first.
    """
    ref = reference_programmes()
    route_programme = {r.id: r.programme for r in career_routes()}
    out = []
    for key, spec in scenario.commissioning.programmes.items():
        pid = key if key in ref else route_programme.get(key, key)
        d = ref.get(pid)
        where = f"commissioning.programmes.{key}"
        if d is None or not d.exit_level:
            raise UserInputError(
                Problem(
                    "has no reference cost, capacity or exit level (planning_training.csv)",
                    column=where,
                    value=key,
                    expected=", ".join(sorted(p for p, v in ref.items() if v.exit_level)),
                )
            )
        served = _served_specialisms(key, pid)
        chosen: tuple[str, ...] | None = served
        if spec.specialisms is not None:
            outside = [s for s in spec.specialisms if served is not None and s not in served]
            if outside:
                raise UserInputError(
                    Problem(
                        f"{key} does not serve this specialism (career_routes.csv)",
                        column=f"{where}.specialisms",
                        value=", ".join(outside),
                        expected=", ".join(served or ()),
                    )
                )
            chosen = tuple(spec.specialisms)
        for s in spec.capacity_by_specialism:
            if chosen is not None and s not in chosen:
                raise UserInputError(
                    Problem(
                        f"{key} is not offered in this specialism",
                        column=f"{where}.capacity_by_specialism",
                        value=s,
                        expected=", ".join(chosen),
                    )
                )
        already: dict[int, float] = {}
        already_spec: dict[tuple[str, int], float] = {}
        completion: dict[str, float] = {}
        for stream in scenario.supply.training:
            if stream.programme != pid or (chosen is not None and stream.specialism not in chosen):
                continue
            if stream.completion_rate is not None:
                completion[stream.specialism] = stream.completion_rate.value
            for j in range(scenario.horizon_years):
                n = stream.places_in_year(scenario.start_year + j, scenario.start_year)
                already[j] = already.get(j, 0.0) + n
                already_spec[(stream.specialism, j)] = already_spec.get((stream.specialism, j), 0.0) + n
        cap = spec.capacity_per_year
        by_year: dict[int, float] = {}
        if isinstance(cap, dict):
            for year, places in cap.items():
                if not scenario.start_year <= year < scenario.end_year:
                    raise UserInputError(
                        Problem(
                            "is not an intake year of the projection",
                            column=f"{where}.capacity_per_year",
                            value=str(year),
                            expected=f"{scenario.start_year}-{scenario.end_year - 1}",
                        )
                    )
                by_year[year - scenario.start_year] = places
            cap = None
        out.append(
            ProgrammeOption(
                name=key,
                programme=pid,
                exit_level=d.exit_level,
                duration_years=d.duration_years,
                completion_rate=d.completion_rate,
                entry_age_mean=d.entry_age_mean,
                entry_age_sd=d.entry_age_sd,
                cost_per_place_gbp=spec.cost_per_place_gbp
                if spec.cost_per_place_gbp is not None
                else d.cost_per_place_gbp,
                capacity_per_year=cap if cap is not None else d.capacity_per_year,
                capacity_by_year=by_year,
                capacity_by_specialism=dict(spec.capacity_by_specialism),
                specialisms=chosen,
                completion_by_specialism=completion,
                already_commissioned=already,
                already_by_specialism=already_spec,
            )
        )
    return out


# -- summaries of a plan ------------------------------------------------------------------------------------------
def programme_year_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Places by programme (rows) and intake year (columns), with each programme's total and cost."""
    years = sorted({r["intake_year"] for r in rows})
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = table.setdefault(r["programme"], {"programme": r["programme"], **{str(y): 0 for y in years}})
        row[str(r["intake_year"])] += r["places"]
        row["total"] = row.get("total", 0) + r["places"]
        row["cost_gbp"] = row.get("cost_gbp", 0.0) + r["cost_gbp"]
    out = list(table.values())
    if out:
        total: dict[str, Any] = {"programme": "all"}
        for key in [str(y) for y in years] + ["total", "cost_gbp"]:
            total[key] = sum(r[key] for r in out)
        out.append(total)
    return out


def unmet_by_reason(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FTE left per career level and reason code, largest first."""
    acc: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        a = acc.setdefault((r["career_level"], r["reason_code"]), [0.0, 0.0])
        a[0] += r["unmet_fte"]
        a[1] += 1
    out = [
        {"career_level": lv, "reason_code": code, "specialisms": int(v[1]), "unmet_fte": round(v[0], 3)}
        for (lv, code), v in acc.items()
    ]
    return sorted(out, key=lambda r: -r["unmet_fte"])


def allocation_note(info: dict[str, Any]) -> str:
    """One line saying which rule shared out scarce places and what it did."""
    rule = info.get("rule")
    if rule == "efficient":
        return "Allocation: efficient (scarce places go where one place closes most FTE)"
    if rule == "price":
        return "Allocation: by the unmet-gap price (cost + price x unmet FTE)"
    shares = ", ".join(f"{lv} {v:.0%}" for lv, v in info.get("max_unmet_share_by_level", {}).items() if v > 0)
    return (
        f"Allocation: fair (largest share of a gap left unmet: {shares or 'none'}; "
        f"{info.get('fairness_cost_fte', 0):,.1f} FTE more left than the least possible, "
        f"at most {info.get('unmet_tolerance', 0):.0%} per level)"
    )


# Every table of a plan: (name under /api/v1/jobs/{id}/tables/, title, what it is made from). The summary leads.
TABLES: tuple[tuple[str, str, Callable[[dict[str, Any]], list[dict[str, Any]]]], ...] = (
    (
        "places-by-programme-year",
        "Places by programme and intake year",
        lambda r: programme_year_table(r.get("places_by_programme_year") or []),
    ),
    ("by-level", "Gap by career level at the target year (FTE)", lambda r: r.get("by_level") or []),
    ("unmet-by-reason", "Gap left, by level and reason", lambda r: unmet_by_reason(r.get("unmet") or [])),
    ("plan", "Plan: places by programme, specialism and intake year", lambda r: r.get("plan") or []),
    ("gaps", "Gap before and after, by specialism and level", lambda r: r.get("gaps") or []),
    ("unmet", "Gap left, by specialism and level, with the reason", lambda r: r.get("unmet") or []),
    ("assumptions", "Assumptions", lambda r: r.get("assumptions") or []),
)


def tables_of(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table of a commissioning plan by name, from its JSON (a live result and a stored job alike)."""
    return {name: make(result) for name, _title, make in TABLES}


# -- the result ---------------------------------------------------------------------------------------------------
@dataclass
class CommissionResult:
    """A commissioning plan with everything needed to reproduce and audit it."""

    name: str
    hash: str
    resolved: dict[str, Any]
    runs: int
    plan: CommissionPlan
    assumptions: list[dict[str, Any]]
    notes: list[str]
    data: dict[str, Any]
    scope: Scope = NATIONAL

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        return {
            "scenario": self.name,
            "hash": self.hash,
            "target_year": p.target_year,
            "percentile": p.percentile,
            "basis": p.basis,
            "runs": self.runs,
            "status": p.status,
            "total_cost_gbp": p.total_cost_gbp,
            "total_places": p.total_places,
            "places_by_programme_year": p.places_by_programme_year,
            "plan": p.plan,
            "by_level": p.by_level,
            "gaps": p.gaps,
            "unmet": p.unmet,
            "programmes": p.programmes,
            "optimality": p.optimality,
            "allocation": p.allocation,
            "assumptions": self.assumptions,
            "notes": self.notes,
            "data": self.data,
            "resolved_scenario": self.resolved,
            "scope": scope_json(self.scope),
        }

    def headline(self) -> list[str]:
        """The plan in three lines: what was closed, what it costs and what is left, and the allocation rule."""
        p = self.plan
        unmet_fte = sum(r["unmet_fte"] for r in p.unmet if r["reason_code"] != "trainee_posts")
        return [
            f"Scenario {self.name!r}, hash {self.hash}; closing the P{p.percentile:g} gap by "
            f"{p.target_year} ({p.basis})",
            f"Status: {p.status}; {p.total_places:,} places, total cost GBP {p.total_cost_gbp:,.0f}; "
            f"{unmet_fte:,.1f} FTE of qualified gap left",
            allocation_note(p.allocation),
        ]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        result = self.to_json()
        return [(title, make(result)) for _name, title, make in TABLES]

    def records(self) -> list[dict[str, Any]]:
        """Places by programme and intake year (the CSV)."""
        return self.tables()[0][1]


def check_options(
    scenario: Any, percentile: float | None, target_year: int | None, runs: int | None, allocation: str | None
) -> tuple[float, int]:
    """The percentile and target year a plan closes (the scenario's where not given), every option checked."""
    pct = float(percentile if percentile is not None else scenario.commissioning.percentile)
    if not 0 < pct < 100:
        raise UserInputError(
            Problem("must be between 0 and 100 (e.g. 50, 80, 90)", column="--percentile", value=f"{pct:g}")
        )
    target = target_year or scenario.commissioning.target_year or scenario.end_year
    if not scenario.start_year < target <= scenario.end_year:
        raise UserInputError(
            Problem(
                "is outside the projection",
                column="--target-year",
                value=str(target),
                expected=f"a year from {scenario.start_year + 1} to {scenario.end_year}",
            )
        )
    if runs is not None and runs < 1:
        raise UserInputError(Problem("must be at least 1", column="--runs", value=str(runs)))
    if allocation is not None and allocation not in ALLOCATIONS:
        raise UserInputError(
            Problem(
                "is not an allocation rule",
                column="--allocation",
                value=allocation[:20],
                expected=", ".join(ALLOCATIONS),
            )
        )
    return pct, target


def commission_scenario(
    scenario: Any,
    staff: Any,
    *,
    leavers: Any = None,
    establishment: Any = None,
    percentile: float | None = None,
    target_year: int | None = None,
    runs: int | None = None,
    wisn_fte: dict[str, float] | None = None,
    allocation: str | None = None,
) -> CommissionResult:
    """The gap by specialism and level in the target year, then the places that close it.

    The median (P50) is taken on the expected path (one run with every rate at its value) unless ``runs`` is
    given; another percentile needs the Monte Carlo runs: ``runs``, else the scenario's, at least
    DEFAULT_PERCENTILE_RUNS. The percentile is taken cell by cell (each specialism and level on its own).
    ``allocation`` (fair or efficient) overrides the scenario's ``commissioning.allocation``.
    """
    pct, target = check_options(scenario, percentile, target_year, runs, allocation)
    notes: list[str] = []
    if runs is not None:
        n_runs = runs
    elif pct == 50:
        n_runs = 1
    else:
        n_runs = max(scenario.runs, DEFAULT_PERCENTILE_RUNS)
    if n_runs == 1:
        basis = "expected path (one run, every rate at its value)"
        if pct != 50:
            notes.append(f"P{pct:g} asked with one run: the expected path is every percentile; use --runs")
    else:
        basis = f"P{pct:g} of {n_runs:,} Monte Carlo runs, cell by cell"
    options = commission_options(scenario)
    cs, cd = compile_scenario(scenario, staff, leavers, establishment, False, wisn_fte)
    z = standard_draws(n_runs, scenario.seed)
    samples = gap_samples_at(cs.inputs, cd.inputs, z, target - scenario.start_year)
    gap = samples[0] if n_runs == 1 else np.percentile(samples, pct, axis=0)
    plan = commission(
        cs.inputs,
        gap,
        options,
        start_year=scenario.start_year,
        target_year=target,
        percentile=pct,
        basis=basis,
        unmet_price_gbp_per_fte=scenario.commissioning.unmet_gap_penalty_gbp_per_fte,
        allocation=allocation or scenario.commissioning.allocation,
        fair_unmet_tolerance=scenario.commissioning.fair_unmet_tolerance,
    )
    return CommissionResult(
        name=scenario.name,
        hash=scenario.content_hash(),
        resolved=scenario.resolved(),
        runs=n_runs,
        plan=plan,
        assumptions=cs.assumptions + cd.assumptions,
        notes=notes + cs.notes + cd.notes + plan.notes,
        data=data_fingerprint(staff, establishment),
    )


# -- the job ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommissionQuery:
    source: Source
    percentile: float | None = None  # None: the scenario's, else 50
    target_year: int | None = None  # None: the scenario's, else its last year
    runs: int | None = None  # None: the expected path for P50, else the scenario's runs (at least 1,000)
    allocation: str | None = None  # fair or efficient; None: the scenario's
    max_runs: int | None = None  # the web's cap on the scenario's runs; None on the CLI


def run(
    store: Store, query: CommissionQuery, scope: Scope = NATIONAL, progress: Progress | None = None
) -> CommissionResult:
    progress = progress or _no_progress
    progress(0.05, "Reading the scenario")
    loaded = load_scenario(query.source, None, query.max_runs)
    scenario = loaded.scenario
    staff, leavers, establishment = scoped_census(store, scope, scenario.census_date)
    progress(0.2, "Projecting the gap and choosing the places")
    result = commission_scenario(
        scenario,
        staff,
        leavers=leavers,
        establishment=establishment,
        percentile=query.percentile,
        target_year=query.target_year,
        runs=query.runs,
        wisn_fte=loaded.wisn_fte,
        allocation=query.allocation,
    )
    result.notes = [*loaded.notes, *result.notes]
    result.scope = scope
    progress(0.95, "Summarising")
    return result


def _number(params: dict[str, Any], key: str, kind: type) -> Any:
    value = params.get(key)
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise UserInputError(Problem("is not a number", column=key, value=str(value)[:20])) from None


def _job_query(params: dict[str, Any]) -> CommissionQuery:
    """A queued run's parameters: example or scenario_yaml, runs, percentile, target_year, allocation."""
    return CommissionQuery(
        source=Source.from_params(params),
        percentile=_number(params, "percentile", float),
        target_year=_number(params, "target_year", int),
        runs=parse_runs(params.get("runs"), MAX_RUNS),
        allocation=params.get("allocation") or None,
        max_runs=MAX_RUNS,
    )


def check_job(params: dict[str, Any]) -> None:
    """Read the scenario of a run about to be queued, so that its mistakes are shown at once."""
    q = _job_query(params)
    loaded = load_scenario(q.source, None, q.max_runs)
    check_options(loaded.scenario, q.percentile, q.target_year, q.runs, q.allocation)


def run_job(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    return run(store, _job_query(params), scope, progress).to_json()
