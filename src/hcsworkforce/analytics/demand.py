"""Demand for FTE per (unit, career level) and year: a baseline grown by scenario drivers.

Baseline: the funded establishment where one is loaded (``auto``), or current FTE; a WISN result can replace
the baseline of a specialism. Demand in year t = baseline x (1 + growth)^t + service developments in force
in year t (each ramped in linearly over its ``ramp_years``). Growth may carry a spread across runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hcsworkforce.analytics.supply import LEVEL_INDEX, LEVELS, N_LEVELS, Z_DEMAND_GROWTH, unit_weights

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class DemandInputs:
    baseline_fte: Array  # (units, levels) in year 0
    growth_rate: Array  # (units,) per year
    growth_rate_sd: float  # shared across units in a run
    developments_fte: Array  # (years + 1, units, levels), added on top of grown baseline

    def demand_fte(self, t: int, z: Array) -> Array:
        """Demand (runs, units, levels) in year t for runs with standard draws z (runs, N_Z)."""
        g = self.growth_rate[None, :] + self.growth_rate_sd * z[:, Z_DEMAND_GROWTH][:, None]
        factor = np.power(1.0 + g, t)
        out: Array = self.baseline_fte[None] * factor[:, :, None] + self.developments_fte[t][None]
        return out


@dataclass
class CompiledDemand:
    inputs: DemandInputs
    notes: list[str]
    assumptions: list[dict[str, Any]]
    baseline_source: str


def level_mix(fte: Array) -> Array:
    """Share of FTE by level per unit (units, levels); units with none take the national mix."""
    totals = fte.sum(axis=1, keepdims=True)
    national = fte.sum(axis=0)
    national_mix = national / national.sum() if national.sum() > 0 else np.full(N_LEVELS, 1.0 / N_LEVELS)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix: Array = np.where(totals > 0, fte / np.where(totals > 0, totals, 1.0), national_mix[None, :])
    return mix


def establishment_cells(
    establishment: Any,
    units: tuple[tuple[str, str | None], ...],
    by_region: bool,
    supply_fte: Array,
    org_region: dict[str, str | None],
) -> tuple[Array, Array, int]:
    """Funded FTE per (unit, level), and which units have any establishment rows.

    Rows without a career level are split by the unit's current FTE level mix.
    """
    lookup = {u: i for i, u in enumerate(units)}
    fte = np.zeros((len(units), N_LEVELS))
    covered = np.zeros(len(units), dtype=bool)
    unplaced = 0
    mix = level_mix(supply_fte)
    for org, spec, level, funded in establishment.select(
        "organisation_code", "specialism_id", "career_level", "funded_fte"
    ).iter_rows():
        region = org_region.get(org) if by_region else None
        u = lookup.get((spec, region))
        if u is None or funded is None:
            unplaced += 1
            continue
        covered[u] = True
        if level in LEVEL_INDEX:
            fte[u, LEVEL_INDEX[level]] += funded
        else:
            fte[u] += funded * mix[u]
    return fte, covered, unplaced


def compile_demand(
    scenario: Any,
    units: tuple[tuple[str, str | None], ...],
    supply_headcount: Array,
    fte_per_head: Array,
    *,
    establishment: Any = None,
    by_region: bool = False,
    org_region: dict[str, str | None] | None = None,
    wisn_fte: dict[str, float] | None = None,
) -> CompiledDemand:
    """Baseline, growth and developments per unit and level.

    ``supply_headcount`` (units, levels, ages) and ``fte_per_head`` give current FTE; ``wisn_fte`` maps a
    specialism to required FTE from WISN files the caller has read (scenario entries with ``required_fte``
    are read here).
    """
    sc = scenario
    notes: list[str] = []
    assumptions: list[dict[str, Any]] = []
    current_fte = supply_headcount.sum(axis=-1) * fte_per_head
    baseline, source = demand_baseline(
        sc.demand.baseline, units, current_fte, establishment, by_region, org_region, notes
    )
    mix = level_mix(baseline)
    apply_wisn(sc.demand.wisn, units, baseline, supply_headcount, mix, wisn_fte, assumptions)
    growth, growth_sd = demand_growth(sc, units, assumptions)
    dev = service_developments(sc, units, supply_headcount, mix, notes, assumptions)
    assumptions.append(
        {"parameter": "demand_baseline", "value": float(baseline.sum()), "sd": None, "source": source}
    )
    inputs = DemandInputs(
        baseline_fte=baseline, growth_rate=growth, growth_rate_sd=float(growth_sd), developments_fte=dev
    )
    return CompiledDemand(inputs, notes, assumptions, source)


def demand_baseline(
    mode: str,
    units: tuple[tuple[str, str | None], ...],
    current_fte: Array,
    establishment: Any,
    by_region: bool,
    org_region: dict[str, str | None] | None,
    notes: list[str],
) -> tuple[Array, str]:
    """FTE demand in year 0 per (unit, level) and what it came from: the establishment where one is loaded
    and the mode allows, cell by cell where it covers a unit, else current FTE."""
    have_est = establishment is not None and establishment.height > 0
    if mode == "establishment" and not have_est:
        notes.append("demand.baseline is establishment but none is loaded: current FTE used instead")
    baseline = current_fte.copy()
    source = "current FTE"
    if have_est and mode in ("auto", "establishment"):
        est, covered, unplaced = establishment_cells(
            establishment, units, by_region, current_fte, org_region or {}
        )
        baseline[covered] = est[covered]
        source = "establishment"
        if (~covered & (current_fte.sum(axis=1) > 0)).any():
            n = int((~covered & (current_fte.sum(axis=1) > 0)).sum())
            notes.append(
                f"{n} projection units have staff but no establishment rows: current FTE used for them"
            )
        if unplaced:
            notes.append(
                f"{unplaced:,} establishment rows could not be placed (unknown specialism or no FTE)"
            )
    return baseline, source


def apply_wisn(
    entries: Any,
    units: tuple[tuple[str, str | None], ...],
    baseline: Array,
    supply_headcount: Array,
    mix: Array,
    wisn_fte: dict[str, float] | None,
    assumptions: list[dict[str, Any]],
) -> None:
    """Replace the baseline of each specialism with a WISN result (in place): at the entry's career level
    where it names one, else split by the level mix; across units by headcount."""
    wisn = dict(wisn_fte or {})
    for w in entries:
        if w.required_fte is not None:
            wisn[w.specialism] = w.required_fte
    wisn_level = {w.specialism: w.career_level for w in entries}
    for spec, required in wisn.items():
        level = wisn_level.get(spec)
        weights = unit_weights(units, spec, None, supply_headcount, None)
        rows = np.nonzero(weights)[0]
        for u in rows:
            if level is not None:
                baseline[u] = 0.0
                baseline[u, LEVEL_INDEX[level]] = required * weights[u]
            else:
                baseline[u] = required * weights[u] * mix[u]
        assumptions.append(
            {
                "parameter": f"demand_baseline.wisn.{spec}",
                "value": required,
                "sd": None,
                "source": "WISN required staff" + (f" at {level}" if level else " (split by level mix)"),
            }
        )


def demand_growth(
    sc: Any, units: tuple[tuple[str, str | None], ...], assumptions: list[dict[str, Any]]
) -> tuple[Array, float]:
    """Growth rate per year of each unit (the scenario's, by specialism where given) and its sd."""
    d = sc.demand
    default_sd = sc.uncertainty.demand_growth_sd
    growth = np.full(len(units), d.growth.value)
    growth_sd = d.growth.sd if d.growth.sd is not None else (default_sd or 0.0)
    assumptions.append(
        {
            "parameter": "demand_growth_rate_per_year",
            "value": d.growth.value,
            "sd": growth_sd,
            "source": "scenario demand.growth",
        }
    )
    for spec, r in d.growth_by_specialism.items():
        growth[[i for i, u in enumerate(units) if u[0] == spec]] = r.value
        assumptions.append(
            {
                "parameter": f"demand_growth_rate_per_year.{spec}",
                "value": r.value,
                "sd": growth_sd,
                "source": "scenario demand.growth_by_specialism",
            }
        )
    return growth, growth_sd


def service_developments(
    sc: Any,
    units: tuple[tuple[str, str | None], ...],
    supply_headcount: Array,
    mix: Array,
    notes: list[str],
    assumptions: list[dict[str, Any]],
) -> Array:
    """FTE of service developments in force each year (years + 1, units, levels), each ramped in linearly."""
    years = sc.horizon_years
    dev = np.zeros((years + 1, len(units), N_LEVELS))
    for item in sc.demand.developments:
        weights = unit_weights(units, item.specialism, item.region, supply_headcount, None)
        if not weights.any():
            notes.append(
                f"development {item.name!r}: no projection unit for {item.specialism} {item.region or ''}"
            )
            continue
        for t in range(years + 1):
            year = sc.start_year + t
            if year < item.from_year:
                continue
            share = min(1.0, (year - item.from_year + 1) / item.ramp_years)
            for u in np.nonzero(weights)[0]:
                if item.career_level is not None:
                    dev[t, u, LEVEL_INDEX[item.career_level]] += item.fte * share * weights[u]
                else:
                    dev[t, u] += item.fte * share * weights[u] * mix[u]
        assumptions.append(
            {
                "parameter": f"development.{item.name}",
                "value": item.fte,
                "sd": None,
                "source": f"{item.specialism} from {item.from_year} over {item.ramp_years} years"
                + (f" at {item.career_level}" if item.career_level else ""),
            }
        )
    return dev


__all__ = ["LEVELS", "CompiledDemand", "DemandInputs", "compile_demand", "establishment_cells", "level_mix"]
