"""Cohort stock-and-flow supply projection (DESIGN 4.3), vectorised across Monte Carlo runs.

The stock is an array ``(runs, units, career levels, single years of age 16-75)`` of headcount; a unit is a
specialism, or a specialism within a region when results are wanted by region. Each year t -> t+1:

1. leavers: stock x leaver_rate(unit, level); then retirements: survivors x retirement_probability(age);
2. progression up one qualified level; census trainees completing on their expected dates (times the
   programme completion rate; the rest leave as non-completers);
3. joiners: training completers (commissions of year t+1-duration x completion rate), international
   recruits, returners and other domestic recruits (each a share of the cell's stock at year t), at their
   entry-age distributions;
4. everyone ages one year (joiners are placed at the age they have when first counted).

Leavers and progression act on (unit, level) and retirement and ageing on age alone, so the two kinds of
operator commute: the code applies retirement and ageing in one pass, then the level operators, which gives
exactly the DESIGN order's result with fewer passes over memory. Every flow is kept in a ledger so that
stock(t+1) = stock(t) - outflows + inflows can be checked cell by cell.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from hcsworkforce.model.scenario import QUALIFIED_LEVELS
from hcsworkforce.reference import read_table, specialisms, training_programmes

Array = npt.NDArray[Any]

AGE_MIN = 16
AGE_MAX = 75
N_AGES = AGE_MAX - AGE_MIN + 1
LEVELS = (
    "assistant",
    "associate",
    "practitioner",
    "clinical_scientist",
    "consultant",
    "trainee_practitioner",
    "trainee_clinical_scientist",
    "trainee_consultant",
)
N_LEVELS = len(LEVELS)
N_QUALIFIED = 5
LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}
# Trainee level -> the qualified level its programme leads to (index into LEVELS).
TRAINEE_EXIT = (2, 3, 4)
TRAINEE_PROGRAMME = ("ptp", "stp", "hsst")
# Fixed column order of programme draws, so the random numbers a seed gives never depend on the data.
PROGRAMMES = (
    "apprenticeship_l2",
    "apprenticeship_l3",
    "apprenticeship_l4",
    "apprenticeship_l5",
    "apprenticeship_l6",
    "apprenticeship_l7",
    "ptp",
    "stp",
    "hsst",
    "etp",
    "equivalence",
)
# Joiners other than completers of commissioned programmes. Domestic recruits are direct hires from the
# labour market (graduates of non-commissioned degrees, support staff): most HCS joiners come this way.
RECRUIT_SOURCES = ("international_recruits", "returners", "domestic_recruits")

FLOW_NAMES = (
    "leavers",
    "retirements",
    "progression_out",
    "progression_in",
    "training_exit",  # census trainees finishing (completers and non-completers), out of the trainee cell
    "trainees_qualified",  # census trainees who complete, into the exit level
    "training_completers",  # completers of commissions made in the projection
    "international_recruits",
    "returners",
    "domestic_recruits",
)
OUTFLOWS = ("leavers", "retirements", "progression_out", "training_exit")
INFLOWS = (
    "progression_in",
    "trainees_qualified",
    "training_completers",
    "international_recruits",
    "returners",
    "domestic_recruits",
)


def age_index(age: int) -> int:
    return min(max(age, AGE_MIN), AGE_MAX) - AGE_MIN


def entry_age_distribution(mean_years: float, sd_years: float) -> Array:
    """Share of joiners at each single year of age: a normal cut to 16-75, or one age when sd is 0."""
    ages = np.arange(AGE_MIN, AGE_MAX + 1, dtype=np.float64)
    if sd_years <= 0:
        dist = np.zeros(N_AGES)
        dist[age_index(round(mean_years))] = 1.0
        return dist
    dens: Array = np.exp(-0.5 * ((ages - mean_years) / sd_years) ** 2)
    normalised: Array = dens / dens.sum()
    return normalised


@dataclass(frozen=True)
class TrainingGroup:
    """Completers of commissioned places that share an exit level and a completion-rate distribution.

    ``expected_places`` holds places reaching completion time per step (before the completion rate):
    shape (steps, units, ages). Completers of step t are first counted in year t + 1.
    """

    exit_level: int
    programme: str
    completion_rate: float
    completion_rate_sd: float
    expected_places: Array


@dataclass(frozen=True)
class SupplyInputs:
    """Everything the projection needs, as arrays; built by ``compile_supply`` or by hand in tests."""

    units: tuple[tuple[str, str | None], ...]  # (specialism_id, region_code or None)
    start_year: int
    horizon_years: int
    headcount: Array  # (units, levels, ages) at year 0
    fte_per_head: Array  # (units, levels)
    leaver_rate: Array  # (units, levels), per year
    leaver_rate_sd: Array  # (units, levels)
    retirement_probability: Array  # (ages,), per year
    retirement_scale_sd: float = 0.0
    retirement_scale: float = 1.0
    progression_rate: Array = field(default_factory=lambda: np.zeros((0, N_QUALIFIED - 1)))  # (units, 4)
    progression_rate_sd: Array = field(default_factory=lambda: np.zeros((0, N_QUALIFIED - 1)))
    # Census trainees: share of surviving trainees completing at step t, by post-ageing age: (steps, units, 3, ages)
    trainee_hazard: Array | None = None
    trainee_completion_rate: Array = field(default_factory=lambda: np.ones(3))
    trainee_completion_rate_sd: Array = field(default_factory=lambda: np.zeros(3))
    training: tuple[TrainingGroup, ...] = ()
    recruit_rate: Array = field(
        default_factory=lambda: np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED))
    )  # (sources, levels)
    recruit_rate_sd: Array = field(default_factory=lambda: np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED)))
    recruit_age: Array = field(default_factory=lambda: np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED, N_AGES)))

    @property
    def n_units(self) -> int:
        return len(self.units)

    def __post_init__(self) -> None:
        u = len(self.units)
        if self.headcount.shape != (u, N_LEVELS, N_AGES):
            raise ValueError(f"headcount must have shape {(u, N_LEVELS, N_AGES)}, not {self.headcount.shape}")
        if self.progression_rate.shape[0] == 0:
            object.__setattr__(self, "progression_rate", np.zeros((u, N_QUALIFIED - 1)))
            object.__setattr__(self, "progression_rate_sd", np.zeros((u, N_QUALIFIED - 1)))


# --- Random draws -------------------------------------------------------------------------------------------

Z_LEAVER = slice(0, N_LEVELS)
Z_PROGRESSION = slice(N_LEVELS, N_LEVELS + N_QUALIFIED - 1)
Z_RETIREMENT = N_LEVELS + N_QUALIFIED - 1
Z_COMPLETION = slice(Z_RETIREMENT + 1, Z_RETIREMENT + 1 + len(PROGRAMMES))
Z_RECRUIT = slice(Z_COMPLETION.stop, Z_COMPLETION.stop + len(RECRUIT_SOURCES))
Z_DEMAND_GROWTH = Z_RECRUIT.stop
N_Z = Z_DEMAND_GROWTH + 1


def standard_draws(runs: int, seed: int) -> Array:
    """Standard normal draws (runs, N_Z), one column per uncertain parameter family, in a fixed layout.

    Parameter uncertainty is drawn once per run and held for the whole horizon (an unknown true rate, not
    year-to-year noise), shared by every specialism (a national rate uncertain in the same direction
    everywhere). One run draws nothing: it is the expected-value projection.
    """
    if runs == 1:
        return np.zeros((1, N_Z))
    return np.random.default_rng(seed).standard_normal((runs, N_Z))


def _clip01(a: Array) -> Array:
    return np.clip(a, 0.0, 1.0)


# --- The year's operators, each in place on a block of runs ------------------------------------------------
# Inside a block the stock is laid out (runs, levels, units, ages): level-major, so the qualified levels are
# one slab that can be worked on alone once the census trainees have all finished.


def retirement_weighted_headcount(stock: Array, retirement_probability: Array, first_age: int) -> Array:
    """sum over ages of stock x retirement probability, per (run, level, unit); only ages from ``first_age``
    (below it the probability is zero), as a batched matrix-vector product (far faster than a reduction
    along a short last axis)."""
    b, n, u, a = stock.shape
    part = np.ascontiguousarray(stock[..., first_age:]).reshape(b, n * u, a - first_age)
    result: Array = np.matmul(part, retirement_probability[:, first_age:, None]).reshape(b, n, u)
    return result


def count_leavers_and_retirements(
    headcount: Array, retirement_weighted: Array, leaver_rate: Array
) -> tuple[Array, Array]:
    """Leavers = rate x headcount; retirements = the survivors' retirement-weighted headcount (DESIGN 4.3:
    leavers first, then retirement of those who stay). Arrays are (runs, levels, units)."""
    leavers = headcount * leaver_rate
    retirements = (1.0 - leaver_rate) * retirement_weighted
    return leavers, retirements


def retire_and_age_one_year(stock: Array, retirement_probability: Array, out: Array) -> Array:
    """Remove retirements and move everyone up one year of age, in one pass over memory; returns ``out``.

    The oldest age keeps those who do not retire there (the reference probability at 75 is 1, so none).
    """
    keep = (1.0 - retirement_probability)[:, None, None, :]
    np.multiply(stock[..., :-1], keep[..., :-1], out=out[..., 1:])
    out[..., 0] = 0.0
    out[..., -1] += stock[..., -1] * keep[..., -1]
    return out


def age_one_year(stock: Array) -> Array:
    """Everyone one year older (a new array); the oldest age keeps its own."""
    out = np.zeros_like(stock)
    out[..., 1:] = stock[..., :-1]
    out[..., -1] += stock[..., -1]
    return out


def apply_leavers_and_progression(stock: Array, leaver_rate: Array, progression_rate: Array) -> Array:
    """Keep each cell's survivors (1 - leaver rate) and move a share of them up one qualified level.

    stock (runs, levels, units, ages) with 5 or 8 levels; leaver_rate (runs, levels, units); progression_rate
    (runs, 4, units) for assistant->associate .. clinical_scientist->consultant. Returns the movers' share of
    each cell's headcount (runs, 4, units), for the ledger.
    """
    n = stock.shape[1]
    survive = 1.0 - leaver_rate[:, :n]
    move = survive[:, : N_QUALIFIED - 1] * progression_rate
    moving = stock[:, : N_QUALIFIED - 1] * move[..., None]
    stay = survive.copy()
    stay[:, : N_QUALIFIED - 1] -= move
    stock *= stay[..., None]
    stock[:, 1:N_QUALIFIED] += moving
    return move


def complete_census_trainees(stock: Array, hazard: Array, completion_rate: Array) -> Array:
    """Move census trainees due this year to their exit level; non-completers leave. Returns those finishing
    (runs, 3, units). stock (runs, 8, units, ages); hazard (3, units, ages); completion_rate (runs, 3)."""
    finishing = stock[:, N_QUALIFIED:] * hazard[None]
    stock[:, N_QUALIFIED:] -= finishing
    stock[:, TRAINEE_EXIT[0] : TRAINEE_EXIT[-1] + 1] += finishing * completion_rate[:, :, None, None]
    result: Array = finishing.sum(axis=-1)
    return result


def add_training_completers(stock: Array, level: int, places: Array, completion_rate: Array) -> Array:
    """Add completers of commissioned places at ``level``: places (units, ages) due this step, completion_rate
    (runs,). Returns completers (runs, units)."""
    stock[:, level] += completion_rate[:, None, None] * places[None]
    result: Array = completion_rate[:, None] * places.sum(axis=-1)[None]
    return result


def add_recruits(stock: Array, headcount: Array, rate: Array, age_distribution: Array) -> Array:
    """Add recruits (international, returners, domestic): rate (runs, sources, 5) x the cell's headcount at year t
    (runs, levels, units), placed by age_distribution (sources, 5, ages). Returns joiners (runs, sources, 5, units).
    """
    joiners = rate[..., None] * headcount[:, None, :N_QUALIFIED]
    # Both sources share the cell's headcount, so their age mixes add up first: one pass over the stock.
    mix = np.einsum("rsl,sla->rla", rate, age_distribution)
    stock[:, :N_QUALIFIED] += headcount[:, :N_QUALIFIED, :, None] * mix[:, :, None, :]
    return joiners


# --- Running a block of runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunParameters:
    """The per-run rates for a block of runs, drawn around the inputs' values (level-major layout)."""

    leaver_rate: Array  # (runs, levels, units)
    progression_rate: Array  # (runs, 4, units)
    retirement_probability: Array  # (runs, ages)
    trainee_completion_rate: Array  # (runs, 3)
    training_completion_rate: tuple[Array, ...]  # per training group: (runs,)
    recruit_rate: Array  # (runs, sources, 5)


def draw_parameters(inputs: SupplyInputs, z: Array, dtype: npt.DTypeLike = np.float64) -> RunParameters:
    """Rates per run: value + sd x z, cut to [0, 1]; z == 0 gives the values exactly."""
    zl = z[:, Z_LEAVER]
    leaver = _clip01(inputs.leaver_rate.T[None] + inputs.leaver_rate_sd.T[None] * zl[:, :, None])
    zp = z[:, Z_PROGRESSION]
    progression = _clip01(
        inputs.progression_rate.T[None] + inputs.progression_rate_sd.T[None] * zp[:, :, None]
    )
    scale = np.maximum(0.0, inputs.retirement_scale + inputs.retirement_scale_sd * z[:, Z_RETIREMENT])
    retire = _clip01(scale[:, None] * inputs.retirement_probability[None, :])
    retire[:, -1] = np.maximum(retire[:, -1], inputs.retirement_probability[-1])
    zc = z[:, Z_COMPLETION]
    prog_col = {p: i for i, p in enumerate(PROGRAMMES)}
    trainee_cols = zc[:, [prog_col[p] for p in TRAINEE_PROGRAMME]]
    trainee_cr = _clip01(
        inputs.trainee_completion_rate[None] + inputs.trainee_completion_rate_sd[None] * trainee_cols
    )
    groups = tuple(
        _clip01(g.completion_rate + g.completion_rate_sd * zc[:, prog_col[g.programme]]).astype(dtype)
        for g in inputs.training
    )
    zr = z[:, Z_RECRUIT]
    recruit = _clip01(inputs.recruit_rate[None] + inputs.recruit_rate_sd[None] * zr[:, :, None])
    return RunParameters(
        leaver_rate=np.ascontiguousarray(leaver, dtype=dtype),
        progression_rate=np.ascontiguousarray(progression, dtype=dtype),
        retirement_probability=retire.astype(dtype),
        trainee_completion_rate=trainee_cr.astype(dtype),
        training_completion_rate=groups,
        recruit_rate=recruit.astype(dtype),
    )


@dataclass
class YearState:
    """What a sink sees each year for a block of runs: headcount (runs, units, levels) at year ``t``, and the
    flows of the step t-1 -> t (None at year 0), each (runs, units, levels). ``stock`` is the age array
    (runs, levels, units, ages) of the block: read it in the sink, do not keep it."""

    t: int
    headcount: Array
    flows: dict[str, Array] | None
    stock: Array


Sink = Callable[[slice, YearState], None]


def _first_retirement_age(probability: Array) -> int:
    nonzero = np.nonzero(probability > 0)[0]
    return int(nonzero[0]) if nonzero.size else N_AGES - 1


def project_block(
    inputs: SupplyInputs, params: RunParameters, runs: slice, sink: Sink, dtype: npt.DTypeLike
) -> None:
    """Project one block of runs over the horizon, handing each year's state to ``sink``.

    Headcount is carried by the ledger (stock(t+1) = stock(t) - outflows + inflows) rather than re-summed
    over ages each year; the tests check it against the age array.
    """
    b = runs.stop - runs.start
    u = inputs.n_units
    stock = np.empty((b, N_LEVELS, u, N_AGES), dtype=dtype)
    stock[...] = np.transpose(inputs.headcount, (1, 0, 2))[None].astype(dtype)
    spare = np.zeros_like(stock)
    headcount: Array = stock.sum(axis=-1)
    hazard = inputs.trainee_hazard
    last_trainee_step = -1
    if hazard is not None and hazard.any():
        last_trainee_step = int(np.nonzero(hazard.reshape(hazard.shape[0], -1).any(axis=1))[0].max())
    hazard_d = None if hazard is None else np.transpose(hazard, (0, 2, 1, 3)).astype(dtype)
    recruit_age = inputs.recruit_age.astype(dtype)
    any_recruits = bool(params.recruit_rate.any())
    groups = [(g.exit_level, g.expected_places.astype(dtype)) for g in inputs.training]
    first_age = _first_retirement_age(params.retirement_probability.max(axis=0))
    # Once every census trainee has finished, only the qualified slab needs work.
    n_active = N_LEVELS if stock[:, N_QUALIFIED:].any() else N_QUALIFIED

    def view(a: Array) -> Array:
        return np.swapaxes(a, 1, 2)  # (runs, levels, units) -> (runs, units, levels) for the sink

    flows: dict[str, Array] | None = None
    for t in range(inputs.horizon_years):
        sink(runs, YearState(t, view(headcount), flows, stock))
        active = stock[:, :n_active]
        rw = retirement_weighted_headcount(active, params.retirement_probability, first_age)
        leavers = np.zeros_like(headcount)
        retirements = np.zeros_like(headcount)
        leavers[:, :n_active], retirements[:, :n_active] = count_leavers_and_retirements(
            headcount[:, :n_active], rw, params.leaver_rate[:, :n_active]
        )
        survivors = headcount - leavers - retirements
        step = {name: np.zeros((b, N_LEVELS, u), dtype=dtype) for name in FLOW_NAMES}
        step["leavers"], step["retirements"] = leavers, retirements

        retire_and_age_one_year(active, params.retirement_probability, spare[:, :n_active])
        stock, spare = spare, stock
        active = stock[:, :n_active]
        move = apply_leavers_and_progression(active, params.leaver_rate, params.progression_rate)
        del move  # the ledger counts movers from the survivors: the same number, without another pass
        moved = survivors[:, : N_QUALIFIED - 1] * params.progression_rate
        step["progression_out"][:, : N_QUALIFIED - 1] = moved
        step["progression_in"][:, 1:N_QUALIFIED] = moved

        if hazard_d is not None and t <= last_trainee_step and n_active == N_LEVELS:
            finishing = complete_census_trainees(stock, hazard_d[t], params.trainee_completion_rate)
            step["training_exit"][:, N_QUALIFIED:] = finishing
            step["trainees_qualified"][:, TRAINEE_EXIT[0] : TRAINEE_EXIT[-1] + 1] = (
                finishing * params.trainee_completion_rate[:, :, None]
            )
        for (level, places), cr in zip(groups, params.training_completion_rate, strict=True):
            step["training_completers"][:, level] += add_training_completers(stock, level, places[t], cr)
        if any_recruits:
            joiners = add_recruits(stock, headcount, params.recruit_rate, recruit_age)
            for si, name in enumerate(RECRUIT_SOURCES):
                step[name][:, :N_QUALIFIED] = joiners[:, si]

        headcount = survivors.copy()
        for name in OUTFLOWS[2:]:
            headcount -= step[name]
        for name in INFLOWS:
            headcount += step[name]
        flows = {name: view(v) for name, v in step.items()}
        if n_active == N_LEVELS and t >= last_trainee_step and not stock[:, N_QUALIFIED:].any():
            n_active = N_QUALIFIED
            headcount[:, N_QUALIFIED:] = 0.0
            spare[:, N_QUALIFIED:] = 0.0  # the slab is no longer written: keep both buffers empty there
    sink(runs, YearState(inputs.horizon_years, view(headcount), flows, stock))


def default_block_size(inputs: SupplyInputs) -> int:
    # Blocks whose stock stays near the CPU caches: 12-20 runs of the national grid (1.3-2.2 MB in float32)
    # measured best on 2 cores; 32 runs was four times slower.
    cells = max(1, inputs.n_units * N_LEVELS * N_AGES)
    return max(1, min(256, 400_000 // cells))


def run_projection(
    inputs: SupplyInputs,
    z: Array,
    sink: Sink,
    *,
    dtype: npt.DTypeLike | None = None,
    block_size: int | None = None,
    threads: int | None = None,
) -> None:
    """Project every run in ``z`` (runs, N_Z) in blocks, in parallel threads (numpy releases the GIL).

    The sink is called from worker threads with disjoint run slices: writing into its own slice of a shared
    array is safe. Single precision is used for many runs: its rounding (~1e-7) is far below Monte Carlo noise.
    """
    runs = z.shape[0]
    if dtype is None:
        dtype = np.float64 if runs <= 64 else np.float32
    block = block_size or default_block_size(inputs)
    blocks = [slice(i, min(runs, i + block)) for i in range(0, runs, block)]

    def work(s: slice) -> None:
        project_block(inputs, draw_parameters(inputs, z[s], dtype), s, sink, dtype)

    n_threads = threads if threads is not None else min(len(blocks), os.cpu_count() or 1, 4)
    if n_threads <= 1 or len(blocks) == 1:
        for s in blocks:
            work(s)
        return
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        for _ in pool.map(work, blocks):
            pass


@dataclass(frozen=True)
class SupplyResult:
    """Full detail of a projection, for tests and small runs: years (T+1), runs, units, levels[, ages]."""

    headcount: Array  # (T+1, runs, units, levels)
    fte: Array
    flows: dict[str, Array]  # each (T, runs, units, levels): the flows of step t -> t+1
    stock: Array | None  # (T+1, runs, units, levels, ages) when kept


def project_supply(inputs: SupplyInputs, z: Array | None = None, *, keep_stock: bool = False) -> SupplyResult:
    """Run the projection keeping every year and flow (memory grows with runs: use for small cases)."""
    if z is None:
        z = np.zeros((1, N_Z))
    runs, years, u = z.shape[0], inputs.horizon_years, inputs.n_units
    headcount = np.zeros((years + 1, runs, u, N_LEVELS))
    flows = {name: np.zeros((years, runs, u, N_LEVELS)) for name in FLOW_NAMES}
    stock = np.zeros((years + 1, runs, u, N_LEVELS, N_AGES)) if keep_stock else None

    def sink(s: slice, st: YearState) -> None:
        headcount[st.t, s] = st.headcount
        if st.flows is not None:
            for name, v in st.flows.items():
                flows[name][st.t - 1, s] = v
        if stock is not None:
            stock[st.t, s] = np.transpose(st.stock, (0, 2, 1, 3))

    run_projection(inputs, z, sink, dtype=np.float64, threads=1)
    return SupplyResult(headcount, headcount * inputs.fte_per_head[None, None], flows, stock)


def ledger_balance(result: SupplyResult) -> Array:
    """stock(t+1) - [stock(t) - outflows + inflows] per (step, run, unit, level): zero up to rounding.

    With the age array kept, the stock is its sum over ages (what is really there), not the carried headcount.
    """
    out = sum(result.flows[n] for n in OUTFLOWS)
    inn = sum(result.flows[n] for n in INFLOWS)
    held = result.stock.sum(axis=-1) if result.stock is not None else result.headcount
    balance: Array = held[1:] - (held[:-1] - out + inn)
    return balance


def completion_step(years_to_completion: float) -> int:
    """Step in which a trainee due ``years_to_completion`` after the census finishes (counted at step + 1)."""
    return max(0, math.ceil(years_to_completion - 1e-9) - 1)


# --- Compiling a scenario and a census into SupplyInputs ----------------------------------------------------


@dataclass(frozen=True)
class RateDefault:
    value: float
    sd: float


def _ref_float(row: dict[str, str], key: str) -> float:
    return float(row[key]) if row.get(key) not in (None, "") else 0.0


def reference_leaver_rates() -> dict[str, RateDefault]:
    return {
        r["career_level"]: RateDefault(_ref_float(r, "rate_per_year"), _ref_float(r, "sd"))
        for r in read_table("planning_leaver_rates")
    }


def reference_retirement_probability() -> Array:
    prob = np.zeros(N_AGES)
    for r in read_table("planning_retirement"):
        lo, hi = int(r["age_from"]), int(r["age_to"])
        for age in range(max(lo, AGE_MIN), min(hi, AGE_MAX) + 1):
            prob[age - AGE_MIN] = float(r["probability_per_year"])
    return prob


def reference_progression() -> dict[str, RateDefault]:
    return {
        r["from_level"]: RateDefault(_ref_float(r, "rate_per_year"), _ref_float(r, "sd"))
        for r in read_table("planning_progression")
    }


@dataclass(frozen=True)
class ProgrammeDefaults:
    completion_rate: float
    completion_rate_sd: float
    entry_age_mean: float
    entry_age_sd: float
    cost_per_place_gbp: float
    capacity_per_year: float
    duration_years: float
    exit_level: str


def reference_programmes() -> dict[str, ProgrammeDefaults]:
    progs = training_programmes()
    out = {}
    for r in read_table("planning_training"):
        p = progs[r["programme"]]
        out[r["programme"]] = ProgrammeDefaults(
            completion_rate=_ref_float(r, "completion_rate"),
            completion_rate_sd=_ref_float(r, "completion_rate_sd"),
            entry_age_mean=_ref_float(r, "entry_age_mean"),
            entry_age_sd=_ref_float(r, "entry_age_sd"),
            cost_per_place_gbp=_ref_float(r, "cost_per_place_gbp"),
            capacity_per_year=_ref_float(r, "capacity_per_year"),
            duration_years=p.duration_years or 1.0,
            exit_level=p.exit_level,
        )
    return out


def reference_recruitment() -> dict[tuple[str, str], tuple[RateDefault, float, float]]:
    names = {
        "international": "international_recruits",
        "returners": "returners",
        "domestic": "domestic_recruits",
    }
    return {
        (names[r["source_type"]], r["career_level"]): (
            RateDefault(_ref_float(r, "rate_per_year"), _ref_float(r, "sd")),
            _ref_float(r, "entry_age_mean"),
            _ref_float(r, "entry_age_sd"),
        )
        for r in read_table("planning_recruitment")
    }


@dataclass
class CompiledSupply:
    inputs: SupplyInputs
    notes: list[str]
    assumptions: list[dict[str, Any]]  # one row per parameter family: what value, from where


def _rate_sd(explicit: float | None, scenario_default: float | None, fallback: float) -> float:
    if explicit is not None:
        return explicit
    if scenario_default is not None:
        return scenario_default
    return fallback


def build_units(staff: Any, scenario: Any, by_region: bool) -> tuple[tuple[str, str | None], ...]:
    """Units of the projection: every reference specialism, or (specialism, region) pairs present."""
    if not by_region:
        return tuple((s, None) for s in specialisms())
    pairs: set[tuple[str, str | None]] = set()
    if staff.height:
        for spec, region in staff.select("specialism_id", "region_code").unique().iter_rows():
            if spec is not None:
                pairs.add((spec, region))
    covered = {p[0] for p in pairs}
    for stream in scenario.supply.training:
        if stream.region is not None:
            pairs.add((stream.specialism, stream.region))
        elif stream.specialism not in covered:
            pairs.add((stream.specialism, None))
    for dev in scenario.demand.developments:
        if dev.region is not None:
            pairs.add((dev.specialism, dev.region))
        elif dev.specialism not in covered:
            pairs.add((dev.specialism, None))
    order = {s: i for i, s in enumerate(specialisms())}
    return tuple(sorted(pairs, key=lambda p: (order.get(p[0], 10**6), p[1] or "~")))


def _unit_lookup(
    units: tuple[tuple[str, str | None], ...], by_region: bool
) -> dict[tuple[str, str | None], int]:
    return {u: i for i, u in enumerate(units)}


def staff_cells(
    staff: Any, units: tuple[tuple[str, str | None], ...], by_region: bool
) -> tuple[Array, Array, Any]:
    """Headcount (units, levels, ages) and summed FTE (units, levels) of the census, plus the rows used."""
    lookup = _unit_lookup(units, by_region)
    hc = np.zeros((len(units), N_LEVELS, N_AGES))
    fte = np.zeros((len(units), N_LEVELS))
    if staff.height == 0:
        return hc, fte, staff
    frame = staff.filter(pl.col("specialism_id").is_not_null() & pl.col("career_level").is_in(list(LEVELS)))
    region = frame["region_code"].to_list() if by_region else [None] * frame.height
    unit_idx = np.array(
        [lookup.get((s, r), -1) for s, r in zip(frame["specialism_id"].to_list(), region, strict=True)]
    )
    level_idx = np.array([LEVEL_INDEX[v] for v in frame["career_level"].to_list()], dtype=np.int64)
    ages = frame["age"].fill_null(frame["age"].median() or 42).to_numpy()
    age_idx = np.clip(ages, AGE_MIN, AGE_MAX).astype(np.int64) - AGE_MIN
    ftes = frame["fte"].fill_null(1.0).to_numpy().astype(np.float64)
    ok = unit_idx >= 0
    np.add.at(hc, (unit_idx[ok], level_idx[ok], age_idx[ok]), 1.0)
    np.add.at(fte, (unit_idx[ok], level_idx[ok]), ftes[ok])
    return hc, fte, frame


def fte_per_head_of(headcount: Array, fte: Array) -> Array:
    """Mean FTE per head by cell; empty cells take their level's national mean (or 1.0 where none)."""
    heads = headcount.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cell = np.where(heads > 0, fte / np.where(heads > 0, heads, 1.0), np.nan)
        level_heads = heads.sum(axis=0)
        level_mean = np.where(
            level_heads > 0, fte.sum(axis=0) / np.where(level_heads > 0, level_heads, 1.0), 1.0
        )
    out: Array = np.where(np.isnan(cell), level_mean[None, :], cell)
    return out


def estimate_leaver_rates(staff: Any, leavers: Any, min_leavers: int = 10) -> dict[str, float]:
    """Leavers in the year / staff in post, by level, where there are at least ``min_leavers`` leavers.

    Staff in post at the census stand in for the average stock over the year (a close proxy; the profile
    engine's leaver rate uses the same convention). Retirements are excluded from leavers when the leaving
    reason says so, since retirement is modelled by age.
    """
    if leavers is None or leavers.height == 0 or staff.height == 0:
        return {}
    reason = pl.col("leaving_reason").fill_null("").str.to_lowercase()
    lv = leavers.filter(~reason.str.contains("retire")).group_by("career_level").len("leavers")
    st = staff.group_by("career_level").len("staff")
    joined = st.join(lv, on="career_level", how="inner")
    out = {}
    for level, n_staff, n_left in joined.iter_rows():
        if level in LEVEL_INDEX and n_left >= min_leavers and n_staff > 0:
            out[level] = float(n_left) / float(n_staff)
    return out


def compile_supply(
    staff: Any,
    scenario: Any,
    *,
    by_region: bool = False,
    leavers: Any = None,
    census_date: Any = None,
) -> CompiledSupply:
    """Turn a staff frame (model.frames.STAFF_SCHEMA) and a Scenario into SupplyInputs, with notes."""
    notes: list[str] = []
    assumptions: list[dict[str, Any]] = []
    sc = scenario
    units = build_units(staff, sc, by_region)
    n_units = len(units)
    hc, fte_sum, used = staff_cells(staff, units, by_region)
    dropped = staff.height - used.height
    if dropped:
        notes.append(
            f"{dropped:,} staff rows without a specialism or career level were left out of the projection"
        )
    steps = sc.horizon_years
    leaver_rate, leaver_sd = leaver_rates(sc, units, used, leavers, notes, assumptions)
    retire, ret_sd = retirement_rates(sc, assumptions)
    prog_rate, prog_sd = progression_rates(sc, assumptions)
    ref_prog_defaults = reference_programmes()
    if census_date is None and staff.height and "census_date" in staff.columns:
        census_date = staff["census_date"].max()
    if census_date is None:
        census_date = dt.date(sc.start_year, 1, 1)
    hazard, t_cr, t_sd = census_trainee_completion(
        sc, used, units, by_region, census_date, ref_prog_defaults, notes, assumptions
    )
    groups = training_groups(sc, units, hc, ref_prog_defaults, notes, assumptions)
    recruit_rate, recruit_sd, recruit_age = recruitment_rates(sc, assumptions)
    inputs = SupplyInputs(
        units=units,
        start_year=sc.start_year,
        horizon_years=steps,
        headcount=hc,
        fte_per_head=fte_per_head_of(hc, fte_sum),
        leaver_rate=leaver_rate,
        leaver_rate_sd=leaver_sd,
        retirement_probability=retire,
        retirement_scale=sc.supply.retirement.scale.value,
        retirement_scale_sd=ret_sd,
        progression_rate=np.tile(prog_rate, (n_units, 1)),
        progression_rate_sd=np.tile(prog_sd, (n_units, 1)),
        trainee_hazard=hazard,
        trainee_completion_rate=t_cr,
        trainee_completion_rate_sd=t_sd,
        training=groups,
        recruit_rate=recruit_rate,
        recruit_rate_sd=recruit_sd,
        recruit_age=recruit_age,
    )
    label_provenance(assumptions, sc)
    return CompiledSupply(inputs, notes, assumptions)


def leaver_rates(
    sc: Any,
    units: tuple[tuple[str, str | None], ...],
    staff: Any,
    leavers: Any,
    notes: list[str],
    assumptions: list[dict[str, Any]],
) -> tuple[Array, Array]:
    """Leaver rate and its sd per (unit, level): the reference by level, then the scenario's value,
    estimates from the leavers loaded, the scenario's by level, and by specialism (each overriding the last)."""
    unc = sc.uncertainty
    ref_leave = reference_leaver_rates()
    lr = sc.supply.leaver_rate
    level_rate = np.array([ref_leave[lv].value for lv in LEVELS])
    level_sd = np.array([_rate_sd(None, unc.leaver_rate_sd, ref_leave[lv].sd) for lv in LEVELS])
    source = ["reference planning_leaver_rates.csv"] * N_LEVELS
    if lr.value is not None:
        level_rate[:] = lr.value
        level_sd[:] = _rate_sd(lr.sd, unc.leaver_rate_sd, 0.0)
        source = ["scenario supply.leaver_rate"] * N_LEVELS
    if lr.estimate_from_leavers:
        est = estimate_leaver_rates(staff, leavers)
        for level, rate in est.items():
            level_rate[LEVEL_INDEX[level]] = rate
            source[LEVEL_INDEX[level]] = "estimated from imported leavers"
        if not est:
            notes.append("estimate_from_leavers: too few leavers loaded; defaults used")
    for level, r in lr.by_level.items():
        i = LEVEL_INDEX[level]
        level_rate[i] = r.value
        level_sd[i] = _rate_sd(r.sd, lr.sd if lr.sd is not None else unc.leaver_rate_sd, 0.0)
        source[i] = f"scenario supply.leaver_rate.by_level.{level}"
    leaver_rate = np.tile(level_rate, (len(units), 1))
    leaver_sd = np.tile(level_sd, (len(units), 1))
    for spec, r in lr.by_specialism.items():
        rows = [i for i, u in enumerate(units) if u[0] == spec]
        leaver_rate[rows, :] = r.value
        leaver_sd[rows, :] = _rate_sd(r.sd, lr.sd if lr.sd is not None else unc.leaver_rate_sd, 0.0)
    for i, lv in enumerate(LEVELS):
        assumptions.append(
            {
                "parameter": f"leaver_rate_per_year.{lv}",
                "value": float(level_rate[i]),
                "sd": float(level_sd[i]),
                "source": source[i],
            }
        )
    for spec, r in lr.by_specialism.items():
        assumptions.append(
            {
                "parameter": f"leaver_rate_per_year.specialism.{spec}",
                "value": r.value,
                "sd": r.sd,
                "source": "scenario supply.leaver_rate.by_specialism",
            }
        )
    return leaver_rate, leaver_sd


def retirement_rates(sc: Any, assumptions: list[dict[str, Any]]) -> tuple[Array, float]:
    """Retirement probability by age (the scenario's steps, else the reference) and the scale's sd."""
    ret = sc.supply.retirement
    if ret.probability_by_age:
        retire = np.zeros(N_AGES)
        items = sorted(ret.probability_by_age.items())
        for age in range(AGE_MIN, AGE_MAX + 1):
            current = [p for a, p in items if a <= age]
            retire[age - AGE_MIN] = current[-1] if current else 0.0
        retire[-1] = 1.0  # the model's oldest age: nobody stays beyond it
        ret_source = "scenario supply.retirement.probability_by_age"
    else:
        retire = reference_retirement_probability()
        ret_source = "reference planning_retirement.csv"
    ret_sd = _rate_sd(ret.scale.sd, sc.uncertainty.retirement_scale_sd, 0.0)
    for age in (55, 60, 65, 68):
        assumptions.append(
            {
                "parameter": f"retirement_probability_per_year.age_{age}",
                "value": float(retire[age - AGE_MIN] * ret.scale.value),
                "sd": None,
                "source": ret_source,
            }
        )
    assumptions.append(
        {"parameter": "retirement_scale", "value": ret.scale.value, "sd": ret_sd, "source": "scenario"}
    )
    return retire, ret_sd


def progression_rates(sc: Any, assumptions: list[dict[str, Any]]) -> tuple[Array, Array]:
    """Progression up one qualified level per year, and its sd: the scenario's, else the reference."""
    ref_prog = reference_progression()
    prog_rate = np.zeros(N_QUALIFIED - 1)
    prog_sd = np.zeros(N_QUALIFIED - 1)
    for i, lv in enumerate(QUALIFIED_LEVELS[:-1]):
        r = sc.supply.progression.rate_per_year.get(lv)
        if r is not None:
            prog_rate[i], prog_sd[i] = r.value, _rate_sd(r.sd, sc.uncertainty.progression_rate_sd, 0.0)
            src = "scenario supply.progression"
        else:
            d = ref_prog.get(lv, RateDefault(0.0, 0.0))
            prog_rate[i], prog_sd[i] = d.value, _rate_sd(None, sc.uncertainty.progression_rate_sd, d.sd)
            src = "reference planning_progression.csv"
        assumptions.append(
            {
                "parameter": f"progression_rate_per_year.{lv}",
                "value": float(prog_rate[i]),
                "sd": float(prog_sd[i]),
                "source": src,
            }
        )
    return prog_rate, prog_sd


def census_trainee_completion(
    sc: Any,
    staff: Any,
    units: tuple[tuple[str, str | None], ...],
    by_region: bool,
    census_date: Any,
    programmes: dict[str, ProgrammeDefaults],
    notes: list[str],
    assumptions: list[dict[str, Any]],
) -> tuple[Array | None, Array, Array]:
    """Census trainees finishing on their expected completion dates: the hazard by step, and each
    programme's completion rate and its sd."""
    hazard, trainee_notes = trainee_hazard(staff, units, by_region, census_date, sc.horizon_years, programmes)
    notes.extend(trainee_notes)
    t_cr = np.array([programmes[p].completion_rate for p in TRAINEE_PROGRAMME])
    t_sd = np.array(
        [
            _rate_sd(None, sc.uncertainty.completion_rate_sd, programmes[p].completion_rate_sd)
            for p in TRAINEE_PROGRAMME
        ]
    )
    for p, v, s in zip(TRAINEE_PROGRAMME, t_cr, t_sd, strict=True):
        assumptions.append(
            {
                "parameter": f"census_trainee_completion_rate.{p}",
                "value": float(v),
                "sd": float(s),
                "source": "reference planning_training.csv",
            }
        )
    return hazard, t_cr, t_sd


def recruitment_rates(sc: Any, assumptions: list[dict[str, Any]]) -> tuple[Array, Array, Array]:
    """International recruits, returners and domestic recruits: rate and sd per (source, qualified level),
    and the entry-age distribution of each."""
    unc = sc.uncertainty
    ref_rec = reference_recruitment()
    recruit_rate = np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED))
    recruit_sd = np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED))
    recruit_age = np.zeros((len(RECRUIT_SOURCES), N_QUALIFIED, N_AGES))
    for si, name in enumerate(RECRUIT_SOURCES):
        spec = getattr(sc.supply, name)
        for li, lv in enumerate(QUALIFIED_LEVELS):
            d, mean_age, sd_age = ref_rec.get((name, lv), (RateDefault(0.0, 0.0), 35.0, 8.0))
            value, sd, src = (
                d.value,
                _rate_sd(None, unc.recruitment_rate_sd, d.sd),
                "reference planning_recruitment.csv",
            )
            if spec.rate_per_year is not None:
                value = spec.rate_per_year.value
                sd = _rate_sd(spec.rate_per_year.sd, unc.recruitment_rate_sd, 0.0)
                src = f"scenario supply.{name}.rate_per_year"
            if lv in spec.by_level:
                r = spec.by_level[lv]
                value, sd, src = (
                    r.value,
                    _rate_sd(r.sd, unc.recruitment_rate_sd, 0.0),
                    f"scenario supply.{name}.by_level",
                )
            if spec.entry_age is not None:
                mean_age, sd_age = spec.entry_age.mean_years, spec.entry_age.sd_years
            recruit_rate[si, li], recruit_sd[si, li] = value, sd
            recruit_age[si, li] = entry_age_distribution(mean_age, sd_age)
            assumptions.append(
                {"parameter": f"{name}_rate_per_year.{lv}", "value": value, "sd": sd, "source": src}
            )
    return recruit_rate, recruit_sd, recruit_age


def trainee_hazard(
    staff: Any,
    units: tuple[tuple[str, str | None], ...],
    by_region: bool,
    census_date: Any,
    steps: int,
    programmes: dict[str, ProgrammeDefaults],
) -> tuple[Array | None, list[str]]:
    """Share of each census-trainee cohort finishing at each step, indexed by post-ageing age.

    Trainees of one (unit, trainee level, census age) share every rate, so the expected share of the
    survivors that finishes at step t is exactly n_t / (n_t + n_t+1 + ...) of the cohort's census counts.
    A trainee with no expected completion date is assumed halfway through the programme.
    """
    notes: list[str] = []
    trainees = staff.filter(pl.col("career_level").is_in(list(LEVELS[N_QUALIFIED:])))
    if trainees.height == 0:
        return None, notes
    lookup = _unit_lookup(units, by_region)
    counts = np.zeros((len(units), 3, N_AGES, steps + 1))  # last slot: due after the horizon
    missing = 0
    regions = trainees["region_code"].to_list() if by_region else [None] * trainees.height
    rows = zip(
        trainees["specialism_id"].to_list(),
        regions,
        trainees["career_level"].to_list(),
        trainees["age"].fill_null(30).to_list(),
        trainees["expected_completion"].to_list(),
        strict=True,
    )
    for spec, region, level, age, due in rows:
        u = lookup.get((spec, region))
        if u is None:
            continue
        k = LEVEL_INDEX[level] - N_QUALIFIED
        if due is None:
            missing += 1
            years = programmes[TRAINEE_PROGRAMME[k]].duration_years / 2.0
        else:
            years = (due - census_date).days / 365.25
        step = min(completion_step(years), steps)
        counts[u, k, age_index(int(age)), step] += 1.0
    if missing:
        notes.append(
            f"{missing:,} trainees have no expected completion date: assumed halfway through their programme"
        )
    remaining = np.cumsum(counts[..., ::-1], axis=-1)[..., ::-1]  # due at this step or later
    hazard = np.zeros((steps, len(units), 3, N_AGES))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(remaining > 0, counts / np.where(remaining > 0, remaining, 1.0), 0.0)
    for t in range(steps):
        # The cohort aged a0 at the census is a0 + t + 1 after the ageing in step t.
        hazard[t, :, :, min(t + 1, N_AGES - 1) :] = share[:, :, : N_AGES - min(t + 1, N_AGES - 1), t]
    return hazard, notes


def unit_weights(
    units: tuple[tuple[str, str | None], ...],
    specialism: str,
    region: str | None,
    headcount: Array,
    level: int | None,
) -> Array:
    """How a specialism's national quantity splits across its units: by the headcount at ``level`` (or all
    levels), else evenly. With one unit per specialism this is 1 on that unit."""
    w = np.zeros(len(units))
    idx = [i for i, u in enumerate(units) if u[0] == specialism and (region is None or u[1] == region)]
    if not idx:
        return w
    heads = headcount[idx].sum(axis=-1)
    share = heads[:, level] if level is not None else heads.sum(axis=-1)
    if share.sum() <= 0:
        share = heads.sum(axis=-1)
    if share.sum() <= 0:
        share = np.ones(len(idx))
    w[idx] = share / share.sum()
    return w


def training_groups(
    sc: Any,
    units: tuple[tuple[str, str | None], ...],
    headcount: Array,
    programmes: dict[str, ProgrammeDefaults],
    notes: list[str],
    assumptions: list[dict[str, Any]],
) -> tuple[TrainingGroup, ...]:
    """Commissioned places -> expected places finishing per step, grouped by exit level and completion rate."""
    steps = sc.horizon_years
    grouped: dict[tuple[int, str, float, float], Array] = {}
    for n, stream in enumerate(sc.supply.training):
        d = programmes.get(stream.programme)
        duration = (
            stream.duration_years if stream.duration_years is not None else (d.duration_years if d else 1.0)
        )
        lag = max(1, math.ceil(duration - 1e-9))
        exit_name = stream.exit_level or (d.exit_level if d else "")
        level = LEVEL_INDEX[exit_name]
        cr = (
            stream.completion_rate.value
            if stream.completion_rate is not None
            else (d.completion_rate if d else 1.0)
        )
        sd_default = d.completion_rate_sd if d else 0.0
        explicit_sd = stream.completion_rate.sd if stream.completion_rate is not None else None
        fallback_sd = sd_default if stream.completion_rate is None else 0.0
        sd = _rate_sd(explicit_sd, sc.uncertainty.completion_rate_sd, fallback_sd)
        if stream.entry_age is not None:
            ages = entry_age_distribution(stream.entry_age.mean_years, stream.entry_age.sd_years)
        else:
            ages = entry_age_distribution(d.entry_age_mean if d else 25.0, d.entry_age_sd if d else 3.0)
        weights = unit_weights(units, stream.specialism, stream.region, headcount, level)
        key = (level, stream.programme, float(cr), float(sd))
        places = grouped.setdefault(key, np.zeros((steps, len(units), N_AGES)))
        counted = 0.0
        for j in range(steps):
            n_places = stream.places_in_year(sc.start_year + j, sc.start_year)
            step = j + lag - 1  # commissions of year start+j are first counted in year start+j+lag
            if step < steps and n_places > 0:
                places[step] += n_places * weights[:, None] * ages[None, :]
                counted += n_places
        assumptions.append(
            {
                "parameter": f"training[{n}].{stream.programme}.{stream.specialism}",
                "value": cr,
                "sd": sd,
                "source": f"{counted:g} places completing within the horizon; duration {duration:g} years "
                f"(counted after {lag}); exit {exit_name}",
            }
        )
    return tuple(
        TrainingGroup(
            exit_level=k[0], programme=k[1], completion_rate=k[2], completion_rate_sd=k[3], expected_places=v
        )
        for k, v in grouped.items()
    )


# --- Provenance: is each rate measured, published, set by the scenario, or a default? ---------------------


def _reference_verified() -> dict[tuple[str, str], str]:
    """(table, key) -> the verified column of the reference planning defaults ('illustrative' for most)."""
    out: dict[tuple[str, str], str] = {}
    for table, key in (
        ("planning_leaver_rates", "career_level"),
        ("planning_progression", "from_level"),
        ("planning_training", "programme"),
    ):
        for r in read_table(table):
            out[(table, r[key])] = r["verified"]
    names = {
        "international": "international_recruits",
        "returners": "returners",
        "domestic": "domestic_recruits",
    }
    for r in read_table("planning_recruitment"):
        out[("planning_recruitment", f"{names[r['source_type']]}.{r['career_level']}")] = r["verified"]
    for r in read_table("planning_retirement"):
        for age in range(int(r["age_from"]), min(int(r["age_to"]), AGE_MAX) + 1):
            out[("planning_retirement", str(age))] = r["verified"]
    return out


def _scenario_path(parameter: str, source: str, sc: Any) -> str | None:
    """The scenario key path a scenario-sourced assumption row was read from (for its provenance record)."""
    family, _, rest = parameter.partition(".")
    if family == "leaver_rate_per_year":
        if rest.startswith("specialism."):
            return f"supply.leaver_rate.by_specialism.{rest.removeprefix('specialism.')}"
        return f"supply.leaver_rate.by_level.{rest}" if "by_level" in source else "supply.leaver_rate.value"
    if family == "retirement_probability_per_year":
        age = int(rest.removeprefix("age_"))
        given = [a for a in (sc.supply.retirement.probability_by_age or {}) if a <= age]
        return f"supply.retirement.probability_by_age.{max(given)}" if given else None
    if family == "retirement_scale":
        return "supply.retirement.scale"
    if family == "progression_rate_per_year":
        return f"supply.progression.rate_per_year.{rest}"
    if family.endswith("_rate_per_year") and family.removesuffix("_rate_per_year") in RECRUIT_SOURCES:
        name = family.removesuffix("_rate_per_year")
        return f"supply.{name}.by_level.{rest}" if "by_level" in source else f"supply.{name}.rate_per_year"
    return None


def _default_key(parameter: str) -> tuple[str, str] | None:
    family, _, rest = parameter.partition(".")
    if family == "leaver_rate_per_year":
        return ("planning_leaver_rates", rest)
    if family == "retirement_probability_per_year":
        return ("planning_retirement", rest.removeprefix("age_"))
    if family == "progression_rate_per_year":
        return ("planning_progression", rest)
    if family == "census_trainee_completion_rate":
        return ("planning_training", rest)
    if family.startswith("training["):
        return ("planning_training", rest.split(".")[0])
    if family.endswith("_rate_per_year"):
        return ("planning_recruitment", f"{family.removesuffix('_rate_per_year')}.{rest}")
    return None


def label_provenance(assumptions: list[dict[str, Any]], sc: Any) -> None:
    """Give every assumption row a ``provenance``: measured (from the censuses: a scenario key whose provenance
    says so, or estimate_from_leavers), published, scenario (a value the scenario sets with no stated source),
    or the reference default's own verification (illustrative for most). Rows already labelled keep theirs."""
    verified = _reference_verified()
    for row in assumptions:
        if "provenance" in row:
            continue
        source = str(row.get("source", ""))
        kind: str | None = None
        if source.startswith("estimated from imported leavers"):
            kind = "measured"
        elif source.startswith("scenario"):
            path = _scenario_path(str(row["parameter"]), source, sc)
            kind = (sc.provenance_of(path) if path else None) or "scenario"
        elif source.startswith("reference") or row["parameter"].startswith("training["):
            key = _default_key(str(row["parameter"]))
            stream_set = row["parameter"].startswith("training[") and _stream_completion_given(row, sc)
            kind = "scenario" if stream_set else verified.get(key, "illustrative") if key else "illustrative"
        row["provenance"] = kind or "scenario"


def _stream_completion_given(row: dict[str, Any], sc: Any) -> bool:
    n = int(str(row["parameter"]).split("]")[0].removeprefix("training["))
    return bool(n < len(sc.supply.training) and sc.supply.training[n].completion_rate is not None)


def provenance_summary(assumptions: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Parameters by provenance, for the projection's JSON and its one-line note."""
    out: dict[str, list[str]] = {}
    for row in assumptions:
        out.setdefault(str(row.get("provenance", "scenario")), []).append(str(row["parameter"]))
    return dict(sorted(out.items()))


def provenance_note(assumptions: list[dict[str, Any]]) -> str:
    """'Rates: 17 measured from the data, 40 illustrative defaults, ...', naming the families of each."""
    parts = []
    for kind, params in provenance_summary(assumptions).items():
        families = sorted({p.split(".")[0].split("[")[0] for p in params})
        label = {
            "measured": "measured from the data",
            "illustrative": "illustrative defaults",
            "scenario": "set in the scenario (no source given)",
            "data": "from the loaded data",
        }.get(kind, kind)
        parts.append(f"{len(params)} {label} ({', '.join(families)})")
    return "Provenance of the assumptions: " + "; ".join(parts) + "."
