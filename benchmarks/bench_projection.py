"""Projection benchmarks (DESIGN 5): England, 60,000 staff over every specialism x level x age, 10 years.

Run alone with ``python benchmarks/bench_projection.py``; ``benchmarks/run.py`` imports ``run()``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import numpy as np
import polars as pl

from hcsworkforce.analytics.demand import compile_demand
from hcsworkforce.analytics.plan import project
from hcsworkforce.analytics.supply import LEVELS, compile_supply, standard_draws
from hcsworkforce.model.frames import STAFF_SCHEMA
from hcsworkforce.model.scenario import Scenario
from hcsworkforce.reference import specialisms

STAFF = 60_000
RUNS = 10_000
YEARS = 10


def synthetic_staff(n: int = STAFF, seed: int = 1) -> pl.DataFrame:
    """A national census with every specialism, level and working age represented."""
    rng = np.random.default_rng(seed)
    specs = list(specialisms())
    division = {s.id: s.division_id for s in specialisms().values()}
    spec = rng.choice(specs, n)
    level = rng.choice(list(LEVELS), n, p=[0.15, 0.12, 0.38, 0.2, 0.03, 0.05, 0.05, 0.02])
    age = rng.integers(18, 70, n)
    census = dt.date(2025, 3, 31)
    due = [census + dt.timedelta(days=int(d)) for d in rng.integers(30, 5 * 365, n)]
    trainee = np.char.startswith(level.astype(str), "trainee")
    return pl.DataFrame(
        {
            "census_date": [census] * n,
            "staff_key": [f"s{i}" for i in range(n)],
            "assignment_key": [f"s{i}" for i in range(n)],
            "organisation_code": ["RGT"] * n,
            "region_code": rng.choice(["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"], n).tolist(),
            "specialism_id": spec.tolist(),
            "division_id": [division[s] for s in spec],
            "career_level": level.tolist(),
            "afc_band": ["6"] * n,
            "fte": np.round(rng.uniform(0.4, 1.0, n), 2).tolist(),
            "age": age.tolist(),
            "gender": ["F"] * n,
            "start_date": [dt.date(2015, 1, 1)] * n,
            "training_programme": ["stp" if t else "none" for t in trainee],
            "expected_completion": [d if t else None for d, t in zip(due, trainee, strict=True)],
        },
        schema=STAFF_SCHEMA,
    )


def _scenario(runs: int) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "bench",
            "start_year": 2025,
            "horizon_years": YEARS,
            "runs": runs,
            "seed": 7,
            "uncertainty": {"leaver_rate_sd": 0.01, "retirement_scale_sd": 0.1, "demand_growth_sd": 0.005},
            "supply": {
                "training": [
                    {"programme": "stp", "specialism": s, "commissions": 8} for s in list(specialisms())[:30]
                ]
                + [{"programme": "ptp", "specialism": s, "commissions": 15} for s in list(specialisms())[:30]]
            },
            "demand": {"growth": 0.02},
        }
    )


def _time(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> list[dict[str, Any]]:
    staff = synthetic_staff()
    records = []
    for runs, by, target, repeat in (
        (RUNS, ["specialism"], 5.0, 1),
        (1, ["specialism", "career_level"], 0.05, 5),
    ):
        sc = _scenario(runs)
        cs = compile_supply(staff, sc)
        cd = compile_demand(sc, cs.inputs.units, cs.inputs.headcount, cs.inputs.fte_per_head)
        z = standard_draws(runs, sc.seed)

        def go(cs: Any = cs, cd: Any = cd, z: Any = z, by: list[str] = by, sc: Scenario = sc) -> None:
            project(cs.inputs, cd.inputs, z, by, start_year=sc.start_year)

        seconds = _time(go, repeat)
        records.append(
            {
                "name": f"projection England {STAFF:,} staff, {YEARS} years, {runs:,} run{'s' if runs > 1 else ''}",
                "seconds": round(seconds, 4),
                "target_seconds": target,
                "notes": f"by {','.join(by)}; {len(cs.inputs.units)} specialisms x {len(LEVELS)} levels x 60 ages; "
                f"{os.cpu_count()} cores; engine only (census already compiled)",
            }
        )
    t0 = time.perf_counter()
    compile_supply(staff, _scenario(1))
    records.append(
        {
            "name": f"compile a {STAFF:,}-row census into projection arrays",
            "seconds": round(time.perf_counter() - t0, 4),
            "target_seconds": None,
            "notes": "not a DESIGN target; shown so the end-to-end time is known",
        }
    )
    return records


if __name__ == "__main__":
    for r in run():
        print(f"{r['name']}: {r['seconds']:.3f} s (target {r['target_seconds']} s) - {r['notes']}")
