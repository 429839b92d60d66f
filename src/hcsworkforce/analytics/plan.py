"""The gap (demand - supply) with its Monte Carlo spread, and the commissions that close it at least cost.

``project`` runs supply and demand for every run and summarises each year by the chosen dimensions as mean,
P10, P50 and P90. ``commission`` chooses extra training places per programme, specialism and intake year so
that the chosen percentile of the gap at a target year is closed per specialism and career level (a place
counts only at its programme's exit level), as far as capacity and lead time allow, at least training cost.
It is a small integer programme solved by HiGHS (scipy.optimize.milp). Every gap left is reported with its
reason, never hidden.
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
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.reference import specialisms

Array = npt.NDArray[Any]

GROUP_DIMENSIONS = ("specialism", "career_level", "division", "region")
METRICS = ("supply_fte", "demand_fte", "gap_fte", "supply_headcount")
STATS = ("mean", "p10", "p50", "p90")
MAX_ACCUMULATOR_BYTES = 3 * 1024**3


def group_cells(
    units: tuple[tuple[str, str | None], ...], by: list[str]
) -> tuple[list[tuple[Any, ...]], Array]:
    """Group keys in a stable order and the group index of each (unit, level) cell: shape (units, levels)."""
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

QUALIFIED_LEVELS = LEVELS[:N_QUALIFIED]
# Monte Carlo runs used for a percentile other than the median when neither --runs nor the scenario asks for
# more: enough for a P90 per cell to be stable to a few tenths of an FTE on the national grid.
DEFAULT_PERCENTILE_RUNS = 1000
# The programme a planner would add to close a gap at each level, for the message when none is offered.
_LEVEL_HINT = {
    "assistant": "apprenticeship_l2",
    "associate": "apprenticeship_l4",
    "practitioner": "ptp",
    "clinical_scientist": "stp",
    "consultant": "hsst",
}
_EPS = 1e-6
UNMET_REPORT_FTE = 0.05


@dataclass(frozen=True)
class ProgrammeOption:
    """A programme whose extra places may be bought: what they cost, where, and how many a year."""

    name: str  # as the scenario keys it: a programme id, or a career route id narrowing a programme
    programme: str  # id in training_programmes.csv
    exit_level: str
    duration_years: float
    completion_rate: float
    entry_age_mean: float
    entry_age_sd: float
    cost_per_place_gbp: float
    capacity_per_year: float  # national, all specialisms, including the scenario's own commissions
    capacity_by_year: dict[int, float] = field(default_factory=dict)  # intake year index -> national places
    capacity_by_specialism: dict[str, float] = field(default_factory=dict)  # a year, own commissions included
    specialisms: tuple[str, ...] | None = None  # those it serves; None: every specialism
    completion_by_specialism: dict[str, float] = field(default_factory=dict)  # from the scenario's streams
    already_commissioned: dict[int, float] = field(default_factory=dict)  # intake year index -> places
    already_by_specialism: dict[tuple[str, int], float] = field(default_factory=dict)

    @property
    def lag_years(self) -> int:
        # As in the projection: places taken in year y are first counted in y + duration rounded up.
        return max(1, math.ceil(self.duration_years - 1e-9))

    def capacity(self, j: int) -> float:
        return self.capacity_by_year.get(j, self.capacity_per_year)

    def serves(self, specialism: str) -> bool:
        return self.specialisms is None or specialism in self.specialisms

    def completion(self, specialism: str) -> float:
        return self.completion_by_specialism.get(specialism, self.completion_rate)

    def free_places(self, j: int, specialism: str | None = None) -> float:
        """Places left to buy in intake year j, nationally or (with a specialism) in that specialism."""
        free = self.capacity(j) - self.already_commissioned.get(j, 0.0)
        if specialism is not None and specialism in self.capacity_by_specialism:
            own = self.already_by_specialism.get((specialism, j), 0.0)
            free = min(free, self.capacity_by_specialism[specialism] - own)
        return max(0.0, free)


@dataclass
class CommissionPlan:
    """The places bought and what they do to the gap; every list has stable keys (docs/planning.md)."""

    status: str
    target_year: int
    percentile: float
    basis: str
    total_cost_gbp: float
    total_places: int
    plan: list[dict[str, Any]]
    places_by_programme_year: list[dict[str, Any]]
    by_level: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    unmet: list[dict[str, Any]]
    programmes: list[dict[str, Any]]
    optimality: dict[str, float]  # how far the integer plan may be from the proven bounds
    notes: list[str]
    allocation: dict[str, Any] = field(default_factory=dict)  # the rule and what it did (docs/planning.md)


def completer_fte(supply: SupplyInputs, option: ProgrammeOption, years: int) -> Array:
    """FTE at the exit level, k = 0..years after first being counted, of one completer in each unit.

    Completers are followed with the scenario's expected rates: leavers and retirement by age take them out,
    and so does progression to the next level (a completer who moves up no longer fills a post at the level
    the place was bought for). Recruits proportional to the stock are switched off: they model hiring from the
    labour market, which an extra trained person does not cause, and keeping them would make each place worth
    more than one person. Shape (years + 1, units).
    """
    level = LEVEL_INDEX[option.exit_level]
    stock = np.zeros((supply.n_units, N_LEVELS, N_AGES))
    stock[:, level, :] = entry_age_distribution(option.entry_age_mean, option.entry_age_sd)[None, :]
    cohort = replace(
        supply,
        headcount=stock,
        horizon_years=max(1, years),
        trainee_hazard=None,
        training=(),
        recruit_rate=np.zeros_like(supply.recruit_rate),
        recruit_rate_sd=np.zeros_like(supply.recruit_rate_sd),
    )
    out: Array = project_supply(cohort).fte[:, 0, :, level]
    return out


@dataclass
class _Columns:
    """One integer variable per (option, unit, intake year index) that can close a gap."""

    option: list[int] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)
    intake: list[int] = field(default_factory=list)
    effect: list[float] = field(default_factory=list)  # FTE at the exit level in the target year per place
    upper: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.option)


def _build_columns(
    supply: SupplyInputs, need: Array, options: list[ProgrammeOption], t_target: int
) -> _Columns:
    cols = _Columns()
    for oi, opt in enumerate(options):
        last_intake = t_target - opt.lag_years
        if last_intake < 0:
            continue
        level = LEVEL_INDEX[opt.exit_level]
        response = completer_fte(supply, opt, t_target)
        for u, (spec, _region) in enumerate(supply.units):
            if need[u, level] <= 0 or not opt.serves(spec):
                continue
            cr = opt.completion(spec)
            for j in range(last_intake + 1):
                eff = cr * float(response[t_target - j - opt.lag_years, u])
                if eff <= 1e-9:
                    continue
                cols.option.append(oi)
                cols.unit.append(u)
                cols.intake.append(j)
                cols.effect.append(eff)
                cols.upper.append(math.floor(opt.free_places(j, spec) + 1e-9))
    return cols


ALLOCATIONS = ("fair", "efficient")
# The fair stage may leave this share more unmet FTE, per career level, than the least possible (see _solve).
FAIR_UNMET_TOLERANCE = 0.02
# The fair stage stops within 1% of its bound: a hundredth of the largest share is below what a planner reads.
_FAIR_REL_GAP = 1e-2
# The least-cost stage may let a level's largest share rise by this much (0.1 percentage points): without
# it the stage must re-find the fair stage's exact plan, which can take HiGHS longer than its time limit.
_FAIR_SHARE_SLACK = 1e-3


@dataclass
class _Solution:
    places: Array
    unmet: Array  # per gap row
    status: str
    optimality: dict[str, float]
    least_unmet_fte: float | None = None  # stage 1, without a price
    max_share: dict[int, float] = field(default_factory=dict)  # level index -> largest share left, fair only


def _closable(
    cols: _Columns, rows: list[tuple[int, int]], exit_level: list[int], gap_lb: Array, cap: Any
) -> Array:
    """FTE each gap row could close if it had every place it can use to itself (its own places, national
    capacity per intake year, lead time): the denominator of its fair share, so that a cell held back by its
    own limits does not set the largest share for every other cell at its level."""
    row_of = {cell: i for i, cell in enumerate(rows)}
    reach = np.zeros(len(rows))
    for c in range(len(cols)):
        r = row_of.get((cols.unit[c], exit_level[cols.option[c]]))
        if r is not None:
            reach[r] += cols.effect[c] * min(cols.upper[c], cap[(cols.option[c], cols.intake[c])])
    out: Array = np.minimum(gap_lb, reach)
    return out


def _solve(
    cols: _Columns,
    rows: list[tuple[int, int]],
    need: Array,
    options: list[ProgrammeOption],
    exit_level: list[int],
    unmet_price_gbp_per_fte: float | None,
    time_limit_seconds: float,
    stage_two_seconds: float,
    allocation: str = "fair",
    fair_unmet_tolerance: float = FAIR_UNMET_TOLERANCE,
) -> _Solution:
    """Places per column and unmet FTE per gap row.

    Gap rows: sum(effect x places) + unmet >= gap, one per (unit, level) with a gap some column can reach (a
    place counts only at its programme's exit level, so a surplus or a cheap place at another level never
    closes it). Capacity rows: places <= free places per option and intake year; per-specialism limits are
    column bounds. Without a price for unmet gap, lexicographic solves:

    1. the least unmet FTE capacity allows (per level too: programmes have one exit level, so levels never
       compete for places and the least total is the sum of each level's least);
    2. ``fair`` only: the smallest largest share of a cell's closable gap left unmet, one variable z per
       level (a shortage of STP places says nothing about PTP's), keeping each level's unmet FTE within
       ``fair_unmet_tolerance`` of its least. The least unmet alone gives every scarce place to the cells
       where one place closes most FTE; those differ by a few per cent (leaver rates, FTE per head), so its
       plan starves whole specialisms to gain about 1% of FTE, and inside the 1e-4 tolerance of stage 1 no
       fairer plan exists: the tolerance is what buys the fairness, and it is bounded and reported;
    3. the least cost keeping what came before (each level's unmet as stage 2 left it, and its share).

    One weighted objective would trade a rounding error in the unmet FTE against the cost (HiGHS's relative
    gap is taken on the whole objective), so its cost would not be optimal. With a price, one solve: cost +
    price x unmet.
    """
    n_x, n_s = len(cols), len(rows)
    row_of = {cell: i for i, cell in enumerate(rows)}
    levels = sorted({lv for _u, lv in rows})
    n_z = len(levels) if unmet_price_gbp_per_fte is None and allocation == "fair" else 0
    n = n_x + n_s + n_z
    gap_r, gap_c, gap_v = [], [], []
    for c in range(n_x):
        r = row_of.get((cols.unit[c], exit_level[cols.option[c]]))
        if r is not None:
            gap_r.append(r)
            gap_c.append(c)
            gap_v.append(cols.effect[c])
    gap_r += list(range(n_s))
    gap_c += [n_x + i for i in range(n_s)]
    gap_v += [1.0] * n_s
    gap_matrix = sparse.csr_array((gap_v, (gap_r, gap_c)), shape=(n_s, n))
    gap_lb = np.array([need[u, lv] for u, lv in rows])

    cap_keys = sorted({(cols.option[c], cols.intake[c]) for c in range(n_x)})
    cap_of = {k: i for i, k in enumerate(cap_keys)}
    cap_matrix = sparse.csr_array(
        (np.ones(n_x), ([cap_of[(cols.option[c], cols.intake[c])] for c in range(n_x)], list(range(n_x)))),
        shape=(len(cap_keys), n),
    )
    cap_ub = np.array([math.floor(options[oi].free_places(j) + 1e-9) for oi, j in cap_keys], dtype=float)
    constraints = [
        LinearConstraint(gap_matrix, gap_lb, np.full(n_s, np.inf)),
        LinearConstraint(cap_matrix, np.full(len(cap_keys), -np.inf), cap_ub),
    ]
    integrality = np.concatenate([np.ones(n_x), np.zeros(n_s + n_z)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.array(cols.upper, dtype=float), gap_lb, np.ones(n_z)]))
    # Costs in GBP thousands keep the coefficients within a few orders of magnitude of the FTE effects.
    cost = np.concatenate(
        [[options[oi].cost_per_place_gbp / 1000.0 for oi in cols.option], np.zeros(n_s + n_z)]
    )
    status = "optimal"
    bounds_info = {"unmet_fte_above_bound": 0.0, "cost_gbp_above_bound": 0.0}
    if unmet_price_gbp_per_fte is not None:
        objective = cost.copy()
        objective[n_x:] = unmet_price_gbp_per_fte / 1000.0
        res = milp(
            objective,
            constraints=constraints,
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": time_limit_seconds, "mip_rel_gap": 1e-6},
        )
        if res.x is None:
            raise RuntimeError(f"the solver found no plan: {res.message}")
        if res.status != 0:
            status = "best found in the time limit"
        bound = getattr(res, "mip_dual_bound", None)
        if bound is not None and np.isfinite(bound):
            bounds_info["cost_gbp_above_bound"] = max(0.0, float(res.fun - bound) * 1000.0)
        return _Solution(np.round(res.x[:n_x]), np.asarray(res.x[n_x : n_x + n_s]), status, bounds_info)

    # Stage 1: the least unmet FTE. Proving the last 1e-4 of it costs minutes on the national grid (a
    # knapsack over fractional FTE per place) for nothing a planner would see, so the relative gap is
    # 1e-4 and the distance to the proven bound is reported.
    unmet_only = np.concatenate([np.zeros(n_x), np.ones(n_s), np.zeros(n_z)])
    first = milp(
        unmet_only,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": time_limit_seconds, "mip_rel_gap": 1e-4},
    )
    if first.x is None:
        raise RuntimeError(f"the solver found no plan: {first.message}")
    least_unmet = float(first.x[n_x : n_x + n_s].sum())
    unmet_bound = getattr(first, "mip_dual_bound", None)
    unmet_bound = least_unmet if unmet_bound is None or not np.isfinite(unmet_bound) else unmet_bound
    # One row per level summing its unmet FTE: the stages after 1 keep each level's, not only the total, so
    # that fairness at one level is never paid for with unmet FTE at another.
    level_rows = sparse.csr_array(
        (np.ones(n_s), ([levels.index(lv) for _u, lv in rows], [n_x + i for i in range(n_s)])),
        shape=(len(levels), n),
    )
    level_unmet = level_rows @ first.x
    keep = [LinearConstraint(unmet_only[None, :], -np.inf, least_unmet * (1 + 1e-4) + 1e-6)]
    best = first
    max_share: dict[int, float] = {}
    if n_z and least_unmet > UNMET_REPORT_FTE:
        # Stage 2 (fair): (unmet_r - floor_r) / closable_r <= z_level, where floor_r is what the cell could
        # not close even with every place it can use. Levels whose gap stage 1 closes get no share rows: their
        # unmet is kept near 0 anyway, and the rows would only slow stage 3 (national: past its 2 s).
        closable = _closable(cols, rows, exit_level, gap_lb, dict(zip(cap_keys, cap_ub, strict=True)))
        floor = gap_lb - closable
        short = {lv for k, lv in enumerate(levels) if level_unmet[k] > UNMET_REPORT_FTE}
        share_rows = [i for i in range(n_s) if closable[i] > _EPS and rows[i][1] in short]
        z_of = [n_x + n_s + levels.index(rows[i][1]) for i in share_rows]
        share = sparse.csr_array(
            (
                np.concatenate([np.ones(len(share_rows)), -closable[share_rows]]),
                (
                    np.concatenate([np.arange(len(share_rows))] * 2),
                    np.concatenate([[n_x + i for i in share_rows], z_of]),
                ),
            ),
            shape=(len(share_rows), n),
        )
        budget = LinearConstraint(level_rows, -np.inf, level_unmet * (1 + fair_unmet_tolerance) + 1e-6)
        fair_constraints = [*constraints, LinearConstraint(share, -np.inf, floor[share_rows])]
        z_only = np.concatenate([np.zeros(n_x + n_s), np.ones(n_z)])
        fair = milp(
            z_only,
            constraints=[*fair_constraints, budget],
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": time_limit_seconds, "mip_rel_gap": _FAIR_REL_GAP},
        )
        if fair.x is None:  # stage 1's plan is feasible here, so only a time limit gets here
            status = "least unmet gap; shares not equalised in the time limit"
        else:
            best = fair
            z = fair.x[n_x + n_s :]
            max_share = {lv: float(z[k]) for k, lv in enumerate(levels)}
            constraints = fair_constraints
            keep = [
                LinearConstraint(level_rows, -np.inf, (level_rows @ fair.x) * (1 + 1e-4) + 1e-6),
                LinearConstraint(
                    sparse.csr_array(
                        (np.ones(n_z), (np.arange(n_z), np.arange(n_x + n_s, n))), shape=(n_z, n)
                    ),
                    -np.inf,
                    z + _FAIR_SHARE_SLACK,
                ),
            ]
    # Stage 3: the least cost keeping the stages before within their tolerances. Good plans come within a
    # second; proving the last pounds does not, so it stops at the time limit with the best plan and its bound.
    res = best
    for limit in (stage_two_seconds, 4 * stage_two_seconds):  # a harder case gets one longer try
        res = milp(
            cost,
            constraints=[*constraints, *keep],
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": limit, "mip_rel_gap": 1e-5},
        )
        if res.x is not None:
            break
    if res.x is None:  # no plan within the time limit: keep the last stage's, which is feasible
        res = best
        status = "least unmet gap; cost not minimised in the time limit"
    else:
        if res.status != 0:
            status = "stopped at the time limit with the best plan found (see optimality)"
        cost_bound = getattr(res, "mip_dual_bound", None)
        if cost_bound is not None and np.isfinite(cost_bound):
            bounds_info["cost_gbp_above_bound"] = max(0.0, float(res.fun - cost_bound) * 1000.0)
    unmet = np.asarray(res.x[n_x : n_x + n_s])
    # The solver's distance from the least unmet; what fairness adds on purpose is reported apart (allocation).
    kept = least_unmet if max_share else float(unmet.sum())
    bounds_info["unmet_fte_above_bound"] = max(0.0, kept - float(unmet_bound))
    if max_share:  # the shares of the plan returned: stage 3 may have moved them by _FAIR_SHARE_SLACK
        max_share = dict.fromkeys(max_share, 0.0)
        for i in share_rows:
            lv = rows[i][1]
            max_share[lv] = max(max_share[lv], (unmet[i] - floor[i]) / closable[i])
    return _Solution(np.round(res.x[:n_x]), unmet, status, bounds_info, least_unmet, max_share)


def _unmet_reason(
    spec: str,
    level: str,
    options: list[ProgrammeOption],
    col_ids: list[int],
    cols: _Columns,
    places: Array,
    used: dict[tuple[int, int], float],
    start_year: int,
    target_year: int,
    priced: bool,
) -> tuple[str, str]:
    """Why a gap is left: (code, words). Codes: trainee_posts, no_programme, not_served, lead_time, capacity,
    price."""
    t_target = target_year - start_year
    if level not in QUALIFIED_LEVELS:
        return (
            "trainee_posts",
            "trainee posts are filled by trainees while they train, which the projection does not count; "
            "completers join qualified levels",
        )
    producers = [o for o in options if o.exit_level == level]
    if not producers:
        return (
            "no_programme",
            f"no programme offered produces {level} (offer e.g. {_LEVEL_HINT.get(level, 'one')})",
        )
    serving = [o for o in producers if o.serves(spec)]
    if not serving:
        names = ", ".join(o.name for o in producers)
        return "not_served", f"no programme offered for {level} serves {spec} ({names} do not)"
    slow = [o for o in serving if o.lag_years > t_target]
    slow_text = "; ".join(
        f"{o.name} takes {o.duration_years:g} years: places from {start_year} are first counted in "
        f"{start_year + o.lag_years}, after {target_year}"
        for o in slow
    )
    if len(slow) == len(serving):
        return "lead_time", slow_text
    full: dict[str, list[int]] = {}
    for c in col_ids:
        opt = options[cols.option[c]]
        j = cols.intake[c]
        national_full = used.get((cols.option[c], j), 0.0) >= opt.free_places(j) - _EPS
        if places[c] >= cols.upper[c] - _EPS or national_full:
            full.setdefault(opt.name, []).append(start_year + j)
    if full:
        parts = []
        for name, years in full.items():
            opt = next(o for o in options if o.name == name)
            parts.append(
                f"{name} places are all used in {_year_span(years)} (intakes up to "
                f"{target_year - opt.lag_years} finish by {target_year})"
            )
        text = "capacity: " + "; ".join(parts)
        return "capacity", text + (f"; {slow_text}" if slow_text else "")
    if not col_ids:  # served and in time, but a completer has left the level by the target year
        return (
            "lead_time",
            f"completers of {', '.join(o.name for o in serving)} leave {level} before {target_year}",
        )
    if priced:
        return "price", "a place costs more than the unmet-gap price it would save"
    return "capacity", "capacity"


def _year_span(years: list[int]) -> str:
    ys = sorted(set(years))
    if ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 1:
        return f"{ys[0]}-{ys[-1]}"
    return ", ".join(str(y) for y in ys)


def _r(v: float) -> float:
    return round(float(v), 3) + 0.0  # + 0.0 turns -0.0 into 0.0 in the JSON


def commission(
    supply: SupplyInputs,
    gap_at_target: Array,
    options: list[ProgrammeOption],
    *,
    start_year: int,
    target_year: int,
    percentile: float,
    basis: str = "expected path",
    unmet_price_gbp_per_fte: float | None = None,
    time_limit_seconds: float = 20.0,
    stage_two_seconds: float = 2.0,
    allocation: str = "fair",
    fair_unmet_tolerance: float = FAIR_UNMET_TOLERANCE,
) -> CommissionPlan:
    """Least-cost extra places closing ``gap_at_target`` (units, levels) FTE by ``target_year``, per level.

    A place of programme p in specialism s taken in intake year j adds completion_rate x
    completer_fte[target - j - lag] FTE at p's exit level in s, and nowhere else. The gap at each (specialism,
    level) is closed as far as capacity and lead time allow, then at least cost (or, with a price, weighed
    against it); what remains is reported with its reason. Where capacity is short, ``allocation`` says who
    gets the places: ``fair`` (default) equalises the largest share of any cell's gap left unmet, per level,
    for at most ``fair_unmet_tolerance`` more unmet FTE; ``efficient`` gives them where one closes most FTE.
    """
    if allocation not in ALLOCATIONS:
        raise UserInputError(
            Problem(
                "is not an allocation rule", column="allocation", value=allocation, expected="fair, efficient"
            )
        )
    notes: list[str] = []
    t_target = target_year - start_year
    if not 1 <= t_target <= supply.horizon_years:
        raise UserInputError(
            Problem(
                "is outside the projection",
                column="target year",
                value=str(target_year),
                expected=f"a year from {start_year + 1} to {start_year + supply.horizon_years}",
            )
        )
    gap = np.asarray(gap_at_target, dtype=np.float64)
    need = np.where(gap > _EPS, gap, 0.0)
    need[:, N_QUALIFIED:] = 0.0  # trainee posts: reported, not closed (see _unmet_reason)
    exit_level = [LEVEL_INDEX[o.exit_level] for o in options]
    for opt in options:
        full = [start_year + j for j in range(t_target) if opt.free_places(j) <= 0]
        if full:
            notes.append(
                f"{opt.name}: the scenario's own commissions already use its national capacity in "
                f"{_year_span(full)}: no extra places there"
            )
        if opt.lag_years > t_target:
            notes.append(f"{opt.name}: takes {opt.duration_years:g} years, too long to help by {target_year}")

    cols = _build_columns(supply, need, options, t_target)
    rows = sorted({(cols.unit[c], exit_level[cols.option[c]]) for c in range(len(cols))})
    places = np.zeros(len(cols))
    status = "optimal"
    optimality = {"unmet_fte_above_bound": 0.0, "cost_gbp_above_bound": 0.0}
    solution: _Solution | None = None
    if rows:
        solution = _solve(
            cols,
            rows,
            need,
            options,
            exit_level,
            unmet_price_gbp_per_fte,
            time_limit_seconds,
            stage_two_seconds,
            allocation,
            fair_unmet_tolerance,
        )
        places, status, optimality = solution.places, solution.status, solution.optimality
    elif need.sum() <= 0:
        status = "nothing to close"

    closed = np.zeros_like(gap)
    used: dict[tuple[int, int], float] = {}
    plan: list[dict[str, Any]] = []
    by_prog_year: dict[tuple[str, int], list[float]] = {}
    for c in range(len(cols)):
        if places[c] <= 0:
            continue
        opt = options[cols.option[c]]
        u, j, n = cols.unit[c], cols.intake[c], float(places[c])
        spec = supply.units[u][0]
        closed[u, exit_level[cols.option[c]]] += n * cols.effect[c]
        used[(cols.option[c], j)] = used.get((cols.option[c], j), 0.0) + n
        cost = n * opt.cost_per_place_gbp
        plan.append(
            {
                "programme": opt.name,
                "specialism": spec,
                "exit_level": opt.exit_level,
                "intake_year": start_year + j,
                "first_counted_year": start_year + j + opt.lag_years,
                "places": int(n),
                "expected_completers": _r(n * opt.completion(spec)),
                "fte_at_target_year": _r(n * cols.effect[c]),
                "cost_gbp": round(cost, 2),
            }
        )
        acc = by_prog_year.setdefault((opt.name, start_year + j), [0.0, 0.0])
        acc[0] += n
        acc[1] += cost
    plan.sort(key=lambda r: (r["programme"], r["specialism"], r["intake_year"]))
    option_of = {o.name: o for o in options}
    places_by_programme_year = [
        {
            "programme": name,
            "intake_year": year,
            "places": int(v[0]),
            "cost_gbp": round(v[1], 2),
            "free_capacity": _r(option_of[name].free_places(year - start_year)),
        }
        for (name, year), v in sorted(by_prog_year.items())
    ]

    cols_of_cell: dict[tuple[int, int], list[int]] = {}
    for c in range(len(cols)):
        cols_of_cell.setdefault((cols.unit[c], exit_level[cols.option[c]]), []).append(c)
    gaps: list[dict[str, Any]] = []
    unmet: list[dict[str, Any]] = []
    for u in range(supply.n_units):
        spec = supply.units[u][0]
        for lv in range(N_LEVELS):
            before, done = float(gap[u, lv]), float(closed[u, lv])
            if before <= 5e-4 and done <= 0:
                continue
            gaps.append(
                {
                    "specialism": spec,
                    "career_level": LEVELS[lv],
                    "gap_before_fte": _r(before),
                    "closed_fte": _r(done),
                    "gap_after_fte": _r(before - done),
                }
            )
            left = before - done
            # Below 0.05 FTE a remainder is the solver's tolerance (1e-4 of the unmet total), not a gap.
            if left > UNMET_REPORT_FTE:
                code, reason = _unmet_reason(
                    spec,
                    LEVELS[lv],
                    options,
                    cols_of_cell.get((u, lv), []),
                    cols,
                    places,
                    used,
                    start_year,
                    target_year,
                    unmet_price_gbp_per_fte is not None,
                )
                unmet.append(
                    {
                        "specialism": spec,
                        "career_level": LEVELS[lv],
                        "gap_fte": _r(before),
                        "unmet_fte": _r(left),
                        "reason_code": code,
                        "reason": reason,
                    }
                )
    by_level = []
    for lv in range(N_LEVELS):
        g = gap[:, lv]
        by_level.append(
            {
                "career_level": LEVELS[lv],
                "gap_before_fte": _r(np.clip(g, 0, None).sum()),
                "surplus_fte": _r(np.clip(-g, 0, None).sum()),
                "closed_fte": _r(closed[:, lv].sum()),
                "unmet_fte": _r(sum(r["unmet_fte"] for r in unmet if r["career_level"] == LEVELS[lv])),
            }
        )
    qualified_unmet = [r for r in unmet if r["reason_code"] != "trainee_posts"]
    if qualified_unmet:
        status += f"; gap left in {len(qualified_unmet)} specialism x level cells"
    total_cost = sum(r["cost_gbp"] for r in plan)
    programmes = [
        {
            "programme": o.name,
            "exit_level": o.exit_level,
            "duration_years": o.duration_years,
            "first_counted_after_years": o.lag_years,
            "completion_rate": o.completion_rate,
            "cost_per_place_gbp": o.cost_per_place_gbp,
            "capacity_per_year": o.capacity_per_year,
            "specialisms": list(o.specialisms) if o.specialisms is not None else None,
        }
        for o in options
    ]
    rule = "price" if unmet_price_gbp_per_fte is not None else allocation
    unmet_now = float(solution.unmet.sum()) if solution is not None else 0.0
    least = solution.least_unmet_fte if solution is not None else None
    allocation_info: dict[str, Any] = {
        "rule": rule,
        "unmet_tolerance": fair_unmet_tolerance if rule == "fair" else None,
        "least_unmet_fte": _r(least) if least is not None else None,
        "unmet_fte": _r(unmet_now),
        # What the fair rule gave up, in FTE, to spread the places; 0 for the other rules.
        "fairness_cost_fte": _r(max(0.0, unmet_now - least)) if rule == "fair" and least is not None else 0.0,
        "max_unmet_share_by_level": {
            LEVELS[lv]: _r(v) for lv, v in sorted((solution.max_share if solution else {}).items())
        },
    }
    return CommissionPlan(
        status=status,
        target_year=target_year,
        percentile=percentile,
        basis=basis,
        total_cost_gbp=round(total_cost, 2),
        total_places=int(sum(r["places"] for r in plan)),
        plan=plan,
        places_by_programme_year=places_by_programme_year,
        by_level=by_level,
        gaps=gaps,
        unmet=unmet,
        programmes=programmes,
        optimality={k: round(v, 3) for k, v in optimality.items()},
        notes=notes,
        allocation=allocation_info,
    )


def gap_samples_at(supply: SupplyInputs, demand: DemandInputs, z: Array, t: int) -> Array:
    """Demand - supply FTE per run, unit and level in year index t: (runs, units, levels).

    Only that year is kept and nothing is grouped or summarised: this is all commissioning needs, and far
    less work than a full projection summary over every year.
    """
    runs = z.shape[0]
    out = np.zeros((runs, supply.n_units, N_LEVELS))
    fph = supply.fte_per_head

    def sink(s: slice, st: YearState) -> None:
        if st.t == t:
            out[s] = demand.demand_fte(t, z[s]) - st.headcount * fph[None]

    run_projection(supply, z, sink)
    return out
