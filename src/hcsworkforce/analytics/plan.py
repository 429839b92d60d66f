"""The gap (demand - supply) with its Monte Carlo spread, and the commissions that close it at least cost.

``project`` runs supply and demand for every run and summarises each year by the chosen dimensions as mean,
P10, P50 and P90. ``commission`` chooses extra training places per programme, specialism and intake year so
that the chosen percentile of the gap at a target year is closed at least training cost, within each
programme's national capacity a year. It is an integer programme solved by HiGHS (scipy.optimize.milp). A
gap capacity cannot close is not hidden: each constraint has a slack priced far above any place, and every
slack left is reported as remaining gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from hcsworkforce.analytics.demand import DemandInputs
from hcsworkforce.analytics.supply import (
    LEVEL_INDEX,
    LEVELS,
    N_AGES,
    N_LEVELS,
    N_QUALIFIED,
    N_Z,
    SupplyInputs,
    YearState,
    entry_age_distribution,
    project_supply,
    run_projection,
)
from hcsworkforce.errors import UserInputError

Array = npt.NDArray[Any]

GROUP_DIMENSIONS = ("specialism", "career_level", "division", "region")
METRICS = ("supply_fte", "demand_fte", "gap_fte", "supply_headcount")
STATS = ("mean", "p10", "p50", "p90")
MAX_ACCUMULATOR_BYTES = 3 * 1024**3


def group_cells(
    units: tuple[tuple[str, str | None], ...], by: list[str]
) -> tuple[list[tuple[Any, ...]], Array]:
    """Group keys in a stable order and the group index of each (unit, level) cell: shape (units, levels)."""
    from hcsworkforce.reference import specialisms

    specs = specialisms()
    keys: dict[tuple[Any, ...], int] = {}
    index = np.zeros((len(units), N_LEVELS), dtype=np.int64)
    for ui, (spec, region) in enumerate(units):
        for li, level in enumerate(LEVELS):
            parts: list[Any] = []
            for dim in by:
                if dim == "specialism":
                    parts.append(spec)
                elif dim == "career_level":
                    parts.append(level)
                elif dim == "division":
                    parts.append(specs[spec].division_id if spec in specs else None)
                elif dim == "region":
                    parts.append(region)
            key = tuple(parts)
            index[ui, li] = keys.setdefault(key, len(keys))
    return list(keys), index


@dataclass
class ProjectionSummary:
    """Per year x group statistics: ``stats[metric]`` has shape (years + 1, groups, 4) for STATS."""

    start_year: int
    by: list[str]
    groups: list[tuple[Any, ...]]
    runs: int
    stats: dict[str, Array]
    gap_samples: Array | None = None  # (runs, groups) at one year, when asked for
    total_stats: dict[str, Array] = field(default_factory=dict)  # all groups together: (years, 4)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        years = next(iter(self.stats.values())).shape[0]
        for t in range(years):
            for g, key in enumerate(self.groups):
                row: dict[str, Any] = {"year": self.start_year + t}
                row.update(dict(zip(self.by, key, strict=True)))
                for m in METRICS:
                    row[m] = {s: round(float(self.stats[m][t, g, i]), 3) for i, s in enumerate(STATS)}
                out.append(row)
        return out

    def flat_rows(self) -> list[dict[str, Any]]:
        """One column per metric and statistic, for CSV, XLSX and tables."""
        flat = []
        for r in self.rows():
            row = {k: v for k, v in r.items() if k not in METRICS}
            for m in METRICS:
                for s in STATS:
                    row[f"{m}_{s}"] = r[m][s]
            flat.append(row)
        return flat


def summarise(samples: Array) -> Array:
    """(years, runs, groups) -> (years, groups, 4): mean, P10, P50, P90 over runs."""
    mean = samples.mean(axis=1, dtype=np.float64)
    q = np.percentile(samples.astype(np.float64), [10, 50, 90], axis=1)
    out: Array = np.stack([mean, q[0], q[1], q[2]], axis=-1)
    return out


def project(
    supply: SupplyInputs,
    demand: DemandInputs,
    z: Array,
    by: list[str],
    *,
    start_year: int,
    threads: int | None = None,
    block_size: int | None = None,
    keep_gap_year: int | None = None,
) -> ProjectionSummary:
    """Supply, demand and gap for every run in ``z``, summarised per year and group.

    ``keep_gap_year`` (a year index) keeps that year's gap for every run, for percentiles other than 10/50/90.
    """
    groups, index = group_cells(supply.units, by)
    n_groups = len(groups)
    runs = z.shape[0]
    years = supply.horizon_years + 1
    acc_dtype = np.float64 if runs <= 64 else np.float32
    need = 3 * years * runs * n_groups * np.dtype(acc_dtype).itemsize
    if need > MAX_ACCUMULATOR_BYTES:
        raise UserInputError(
            f"{runs:,} runs by {n_groups:,} groups would need {need / 1024**3:.1f} GB: use fewer runs or a coarser --by"
        )
    onehot = np.zeros((supply.n_units * N_LEVELS, n_groups), dtype=acc_dtype)
    onehot[np.arange(supply.n_units * N_LEVELS), index.reshape(-1)] = 1.0
    fph: Array = supply.fte_per_head.astype(acc_dtype)
    hc_acc = np.zeros((years, runs, n_groups), dtype=acc_dtype)
    fte_acc = np.zeros_like(hc_acc)
    dem_acc = np.zeros_like(hc_acc)
    demand_by_year = [demand.demand_fte(t, np.zeros((1, N_Z)))[0] for t in range(years)]
    uncertain_demand = demand.growth_rate_sd > 0

    def sink(s: slice, st: YearState) -> None:
        b = s.stop - s.start
        hc: Array = st.headcount.astype(acc_dtype, copy=False)
        hc_acc[st.t, s] = hc.reshape(b, -1) @ onehot
        fte_acc[st.t, s] = (hc * fph[None]).reshape(b, -1) @ onehot
        if uncertain_demand:
            dem = demand.demand_fte(st.t, z[s]).astype(acc_dtype)
            dem_acc[st.t, s] = dem.reshape(b, -1) @ onehot
        else:
            dem_acc[st.t, s] = (demand_by_year[st.t].reshape(-1).astype(acc_dtype) @ onehot)[None]

    run_projection(supply, z, sink, threads=threads, block_size=block_size)
    stats = {
        "supply_fte": summarise(fte_acc),
        "demand_fte": summarise(dem_acc),
        "gap_fte": summarise(dem_acc - fte_acc),
        "supply_headcount": summarise(hc_acc),
    }
    hc_tot, fte_tot, dem_tot = (
        a.sum(axis=2, dtype=np.float64)[..., None] for a in (hc_acc, fte_acc, dem_acc)
    )
    total = {
        "supply_fte": summarise(fte_tot)[:, 0],
        "demand_fte": summarise(dem_tot)[:, 0],
        "gap_fte": summarise(dem_tot - fte_tot)[:, 0],
        "supply_headcount": summarise(hc_tot)[:, 0],
    }
    summary = ProjectionSummary(
        start_year=start_year, by=list(by), groups=groups, runs=runs, stats=stats, total_stats=total
    )
    if keep_gap_year is not None:
        summary.gap_samples = (dem_acc[keep_gap_year] - fte_acc[keep_gap_year]).astype(np.float64)
    return summary


# --- Commissioning ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeOption:
    """A programme that may be commissioned: what a place costs, and the national places a year."""

    programme: str
    exit_level: str
    duration_years: float
    completion_rate: float
    entry_age_mean: float
    entry_age_sd: float
    cost_per_place_gbp: float
    capacity_per_year: float
    specialisms: tuple[str, ...] | None = None
    already_commissioned: dict[int, float] = field(default_factory=dict)  # intake year index -> places

    @property
    def lag_years(self) -> int:
        return max(1, math.ceil(self.duration_years - 1e-9))


@dataclass
class CommissionPlan:
    status: str
    target_year: int
    percentile: float
    total_cost_gbp: float
    places: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    unmet: list[dict[str, Any]]
    notes: list[str]


def completer_response(supply: SupplyInputs, option: ProgrammeOption, years: int) -> Array:
    """FTE per unit and level k years after one completer is first counted: (years + 1, units, levels).

    The projection is linear in its stock, so one completer in every unit, projected with the scenario's
    rates (and no other joiners or trainees), gives each unit's response at once. Recruits proportional to
    the stock are kept: they are part of how a cell responds to being bigger.
    """
    level = LEVEL_INDEX[option.exit_level]
    ages = entry_age_distribution(option.entry_age_mean, option.entry_age_sd)
    stock = np.zeros((supply.n_units, N_LEVELS, N_AGES))
    stock[:, level, :] = ages[None, :]
    impulse = replace(supply, headcount=stock, horizon_years=max(1, years), trainee_hazard=None, training=())
    result = project_supply(impulse)
    response: Array = result.fte[:, 0]
    return response


def commission(
    supply: SupplyInputs,
    gap_at_target: Array,
    options: list[ProgrammeOption],
    *,
    start_year: int,
    target_year: int,
    percentile: float,
    unmet_penalty_gbp_per_fte: float = 1e9,
    time_limit_seconds: float = 60.0,
) -> CommissionPlan:
    """Least-cost extra places closing ``gap_at_target`` (units, levels) FTE by ``target_year``.

    For each (programme, specialism, intake year j) the places x give cr x response[target - j - lag] FTE at
    each level of that unit. Constraints: for each (unit, qualified level) with a positive gap,
    sum(effect x) + unmet >= gap; for each programme and intake year, places + those already commissioned
    <= capacity. Objective: cost x places + penalty x unmet.
    """
    notes: list[str] = []
    t_target = target_year - start_year
    if t_target < 1 or t_target > supply.horizon_years:
        raise UserInputError(
            f"target year {target_year} is outside the projection ({start_year + 1}-{start_year + supply.horizon_years})"
        )
    need = np.where(gap_at_target > 1e-9, gap_at_target, 0.0)
    need[:, N_QUALIFIED:] = 0.0  # trainee posts are filled by intake, not by completers
    trainee_gap = float(np.clip(gap_at_target[:, N_QUALIFIED:], 0, None).sum())
    if trainee_gap > 0:
        notes.append(f"{trainee_gap:,.1f} FTE of gap in trainee posts is not something completers can close")

    columns: list[tuple[int, int, int]] = []  # (option, unit, intake year index)
    effects: list[Array] = []  # (units? no: levels) per column
    for oi, opt in enumerate(options):
        if opt.lag_years > t_target:
            notes.append(f"{opt.programme}: takes {opt.lag_years} years, too long to help by {target_year}")
            continue
        response = completer_response(supply, opt, t_target)
        for u, (spec, _region) in enumerate(supply.units):
            if opt.specialisms is not None and spec not in opt.specialisms:
                continue
            for j in range(0, t_target - opt.lag_years + 1):
                eff = opt.completion_rate * response[t_target - j - opt.lag_years, u]
                if (eff * (need[u] > 0)).sum() <= 1e-12:
                    continue
                columns.append((oi, u, j))
                effects.append(eff)

    rows = [(u, lv) for u in range(supply.n_units) for lv in range(N_QUALIFIED) if need[u, lv] > 0]
    row_of = {cell: i for i, cell in enumerate(rows)}
    n_x, n_s = len(columns), len(rows)

    # Gap rows: effects on x, +1 on the row's own slack, >= gap.
    a_rows: list[int] = []
    a_cols: list[int] = []
    a_vals: list[float] = []
    for c, ((_oi, u, _j), eff) in enumerate(zip(columns, effects, strict=True)):
        for lv in range(N_QUALIFIED):
            if (u, lv) in row_of and eff[lv] > 0:
                a_rows.append(row_of[(u, lv)])
                a_cols.append(c)
                a_vals.append(float(eff[lv]))
    for i in range(n_s):
        a_rows.append(i)
        a_cols.append(n_x + i)
        a_vals.append(1.0)
    lb = [float(need[u, lv]) for u, lv in rows]
    ub = [np.inf] * n_s

    # Capacity rows: one per programme and intake year.
    cap_keys = sorted({(oi, j) for oi, _u, j in columns})
    cap_row = {k: n_s + i for i, k in enumerate(cap_keys)}
    for c, (oi, _u, j) in enumerate(columns):
        a_rows.append(cap_row[(oi, j)])
        a_cols.append(c)
        a_vals.append(1.0)
    for oi, j in cap_keys:
        opt = options[oi]
        free = opt.capacity_per_year - opt.already_commissioned.get(j, 0.0)
        if free < 0:
            notes.append(f"{opt.programme} {start_year + j}: scenario commissions already exceed capacity")
        lb.append(-np.inf)
        ub.append(max(0.0, free))

    cost = np.array(
        [options[oi].cost_per_place_gbp for oi, _u, _j in columns] + [unmet_penalty_gbp_per_fte] * n_s
    )
    places: list[dict[str, Any]] = []
    unmet: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    if n_x + n_s == 0:
        return CommissionPlan("nothing to close", target_year, percentile, 0.0, [], [], [], notes)
    matrix = sparse.csr_array((a_vals, (a_rows, a_cols)), shape=(len(lb), n_x + n_s))
    integrality = np.array([1] * n_x + [0] * n_s)
    # Scale costs to thousands so the penalty and costs sit in a range HiGHS handles without trouble.
    res = milp(
        cost / 1000.0,
        constraints=[LinearConstraint(matrix, np.array(lb), np.array(ub))],
        integrality=integrality,
        bounds=Bounds(np.zeros(n_x + n_s), np.full(n_x + n_s, np.inf)),
        options={"time_limit": time_limit_seconds, "mip_rel_gap": 1e-6},
    )
    if res.x is None:
        return CommissionPlan(
            f"solver failed: {res.message}", target_year, percentile, 0.0, [], [], [], notes
        )
    status = "optimal" if res.status == 0 else f"stopped: {res.message}"
    x = np.round(res.x[:n_x])
    slack = res.x[n_x:]
    closed = np.zeros_like(need)
    total_cost = 0.0
    for c, ((oi, u, j), eff) in enumerate(zip(columns, effects, strict=True)):
        if x[c] <= 0:
            continue
        opt = options[oi]
        closed[u, :N_QUALIFIED] += x[c] * eff[:N_QUALIFIED]
        total_cost += x[c] * opt.cost_per_place_gbp
        places.append(
            {
                "programme": opt.programme,
                "specialism": supply.units[u][0],
                "intake_year": start_year + j,
                "first_counted_year": start_year + j + opt.lag_years,
                "places": int(x[c]),
                "expected_completers": round(float(x[c] * opt.completion_rate), 3),
                "fte_at_target_year": round(float(x[c] * eff[:N_QUALIFIED].sum()), 3),
                "cost_gbp": round(float(x[c] * opt.cost_per_place_gbp), 2),
            }
        )
    places.sort(key=lambda r: (r["programme"], r["specialism"], r["intake_year"]))
    for u in range(supply.n_units):
        for lv in range(N_LEVELS):
            g = float(gap_at_target[u, lv])
            if g <= 1e-9:
                continue
            remaining = max(0.0, g - float(closed[u, lv])) if lv < N_QUALIFIED else g
            row = {
                "specialism": supply.units[u][0],
                "career_level": LEVELS[lv],
                "gap_fte": round(g, 3),
                "closed_fte": round(float(closed[u, lv]), 3),
                "remaining_gap_fte": round(remaining, 3),
            }
            gaps.append(row)
    for i, (u, lv) in enumerate(rows):
        if slack[i] > 1e-6:
            unmet.append(
                {
                    "specialism": supply.units[u][0],
                    "career_level": LEVELS[lv],
                    "gap_fte": round(float(need[u, lv]), 3),
                    "unmet_fte": round(float(slack[i]), 3),
                    "reason": "capacity or lead time cannot close it by the target year",
                }
            )
    if unmet:
        status += f"; target not met in {len(unmet)} cells"
    return CommissionPlan(status, target_year, percentile, round(total_cost, 2), places, gaps, unmet, notes)


# --- Scenario-level services: what the CLI, API and web call ------------------------------------------------


@dataclass
class ScenarioProjection:
    """A projection with everything needed to reproduce and audit it."""

    name: str
    hash: str
    resolved: dict[str, Any]
    summary: ProjectionSummary
    assumptions: list[dict[str, Any]]
    notes: list[str]
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "hash": self.hash,
            "runs": self.summary.runs,
            "by": self.summary.by,
            "start_year": self.summary.start_year,
            "rows": self.summary.rows(),
            "assumptions": self.assumptions,
            "notes": self.notes,
            "data": self.data,
            "resolved_scenario": self.resolved,
        }


def _org_regions(staff: Any) -> dict[str, str | None]:
    from hcsworkforce.reference import trusts

    out: dict[str, str | None] = {code: t.region_code for code, t in trusts().items()}
    if staff is not None and staff.height:
        for org, region in staff.select("organisation_code", "region_code").unique().iter_rows():
            if region is not None:
                out[org] = region
    return out


def _compile(
    scenario: Any,
    staff: Any,
    leavers: Any,
    establishment: Any,
    by_region: bool,
    wisn_fte: dict[str, float] | None,
) -> tuple[Any, Any]:
    from hcsworkforce.analytics.demand import compile_demand
    from hcsworkforce.analytics.supply import compile_supply

    cs = compile_supply(staff, scenario, by_region=by_region, leavers=leavers)
    cd = compile_demand(
        scenario,
        cs.inputs.units,
        cs.inputs.headcount,
        cs.inputs.fte_per_head,
        establishment=establishment,
        by_region=by_region,
        org_region=_org_regions(staff),
        wisn_fte=wisn_fte,
    )
    return cs, cd


def _data_fingerprint(staff: Any, establishment: Any) -> dict[str, Any]:
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


def project_scenario(
    scenario: Any,
    staff: Any,
    *,
    leavers: Any = None,
    establishment: Any = None,
    by: list[str] | None = None,
    wisn_fte: dict[str, float] | None = None,
    threads: int | None = None,
) -> ScenarioProjection:
    """Compile a scenario against a census and project it, by the given dimensions."""
    from hcsworkforce.analytics.supply import standard_draws

    by = list(by or [])
    bad = [d for d in by if d not in GROUP_DIMENSIONS]
    if bad:
        raise UserInputError(
            f"--by {', '.join(bad)} is not a projection dimension (expected {', '.join(GROUP_DIMENSIONS)})"
        )
    cs, cd = _compile(scenario, staff, leavers, establishment, "region" in by, wisn_fte)
    z = standard_draws(scenario.runs, scenario.seed)
    summary = project(cs.inputs, cd.inputs, z, by, start_year=scenario.start_year, threads=threads)
    return ScenarioProjection(
        name=scenario.name,
        hash=scenario.content_hash(),
        resolved=scenario.resolved(),
        summary=summary,
        assumptions=cs.assumptions + cd.assumptions,
        notes=cs.notes + cd.notes,
        data=_data_fingerprint(staff, establishment),
    )


def commission_options(scenario: Any) -> list[ProgrammeOption]:
    """Programmes that may be bought, with reference defaults where the scenario gives no figure."""
    from hcsworkforce.analytics.supply import reference_programmes

    ref = reference_programmes()
    out = []
    for pid, spec in scenario.commissioning.programmes.items():
        d = ref.get(pid)
        if d is None or not d.exit_level:
            raise UserInputError(f"commissioning.programmes.{pid}: no reference defaults for this programme")
        already: dict[int, float] = {}
        for stream in scenario.supply.training:
            if stream.programme == pid:
                for j in range(scenario.horizon_years):
                    already[j] = already.get(j, 0.0) + stream.places_in_year(
                        scenario.start_year + j, scenario.start_year
                    )
        out.append(
            ProgrammeOption(
                programme=pid,
                exit_level=d.exit_level,
                duration_years=d.duration_years,
                completion_rate=d.completion_rate,
                entry_age_mean=d.entry_age_mean,
                entry_age_sd=d.entry_age_sd,
                cost_per_place_gbp=spec.cost_per_place_gbp
                if spec.cost_per_place_gbp is not None
                else d.cost_per_place_gbp,
                capacity_per_year=spec.capacity_per_year
                if spec.capacity_per_year is not None
                else d.capacity_per_year,
                specialisms=tuple(spec.specialisms) if spec.specialisms is not None else None,
                already_commissioned=already,
            )
        )
    return out


def commission_scenario(
    scenario: Any,
    staff: Any,
    *,
    leavers: Any = None,
    establishment: Any = None,
    percentile: float | None = None,
    target_year: int | None = None,
    wisn_fte: dict[str, float] | None = None,
) -> tuple[ScenarioProjection, CommissionPlan]:
    """Project by specialism and level, then commission against the chosen percentile of the target-year gap."""
    from hcsworkforce.analytics.supply import standard_draws

    pct = percentile if percentile is not None else scenario.commissioning.percentile
    if not 0 < pct < 100:
        raise UserInputError(f"--percentile {pct} must be between 0 and 100")
    target = target_year or scenario.commissioning.target_year or scenario.end_year
    if not scenario.start_year < target <= scenario.end_year:
        raise UserInputError(
            f"target year {target} is outside the projection ({scenario.start_year + 1}-{scenario.end_year})"
        )
    cs, cd = _compile(scenario, staff, leavers, establishment, False, wisn_fte)
    z = standard_draws(scenario.runs, scenario.seed)
    by = ["specialism", "career_level"]
    summary = project(
        cs.inputs,
        cd.inputs,
        z,
        by,
        start_year=scenario.start_year,
        keep_gap_year=target - scenario.start_year,
    )
    _groups, index = group_cells(cs.inputs.units, by)
    assert summary.gap_samples is not None
    gap_groups = np.percentile(summary.gap_samples, pct, axis=0)
    gap = gap_groups[index]
    plan = commission(
        cs.inputs,
        gap,
        commission_options(scenario),
        start_year=scenario.start_year,
        target_year=target,
        percentile=pct,
        unmet_penalty_gbp_per_fte=scenario.commissioning.unmet_gap_penalty_gbp_per_fte,
    )
    proj = ScenarioProjection(
        name=scenario.name,
        hash=scenario.content_hash(),
        resolved=scenario.resolved(),
        summary=summary,
        assumptions=cs.assumptions + cd.assumptions,
        notes=cs.notes + cd.notes + plan.notes,
        data=_data_fingerprint(staff, establishment),
    )
    return proj, plan
