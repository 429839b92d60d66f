"""Gap and commissioning on small cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hcsworkforce.model.frames import ESTABLISHMENT_SCHEMA
from hcsworkforce.services.commission import CommissionResult, commission_scenario
from hcsworkforce.services.projection import project_scenario

from .conftest import CENSUS, many, scenario, staff_frame


def establishment(rows: list[tuple[str, str, float]]):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.DataFrame(
        [
            {
                "census_date": CENSUS,
                "organisation_code": "RGT",
                "specialism_id": s,
                "career_level": lv,
                "afc_band": None,
                "funded_fte": f,
            }
            for s, lv, f in rows
        ],
        schema=ESTABLISHMENT_SCHEMA,
    )


def _case(leaver_rate: float, capacity: float, target_year: int = 2030) -> CommissionResult:
    staff = staff_frame(many(10, specialism_id="genomics", career_level="clinical_scientist", age=30))
    sc = scenario(
        supply={"leaver_rate": leaver_rate},
        commissioning={
            "target_year": target_year,
            "programmes": {
                "stp": {
                    "cost_per_place_gbp": 100_000,
                    "capacity_per_year": capacity,
                    "specialisms": ["genomics"],
                }
            },
        },
    )
    est = establishment([("genomics", "clinical_scientist", 18.0)])
    return commission_scenario(sc, staff, establishment=est)


def test_gap_is_demand_minus_supply() -> None:
    staff = staff_frame(many(10, specialism_id="genomics", career_level="clinical_scientist", age=30))
    sc = scenario(demand={"growth": 0.1})
    p = project_scenario(
        sc, staff, establishment=establishment([("genomics", "clinical_scientist", 12.0)]), by=["specialism"]
    )
    rows = [r for r in p.summary.rows() if r["specialism"] == "genomics"]
    assert rows[0]["demand_fte"]["mean"] == pytest.approx(12.0)
    assert rows[0]["gap_fte"]["p50"] == pytest.approx(2.0)
    assert rows[2]["demand_fte"]["mean"] == pytest.approx(12 * 1.1**2, abs=1e-3)
    assert rows[2]["gap_fte"]["mean"] == pytest.approx(12 * 1.1**2 - 10, abs=1e-3)


def test_development_adds_fte_from_its_year_ramped() -> None:
    staff = staff_frame(many(10, specialism_id="genomics", career_level="clinical_scientist", age=30))
    sc = scenario(
        demand={
            "developments": [
                {
                    "name": "CDC",
                    "specialism": "genomics",
                    "fte": 6,
                    "from_year": 2026,
                    "ramp_years": 3,
                    "career_level": "clinical_scientist",
                }
            ]
        }
    )
    p = project_scenario(sc, staff, by=["specialism"])
    demand = [r["demand_fte"]["mean"] for r in p.summary.rows() if r["specialism"] == "genomics"]
    assert demand == pytest.approx([10, 12, 14, 16, 16, 16])


def test_commissioning_without_leavers_needs_gap_over_completion_rate() -> None:
    # Gap 18 - 10 = 8 FTE of clinical scientists; each STP place gives 0.9 (reference completion) FTE:
    # ceil(8 / 0.9) = 9 places.
    plan = _case(leaver_rate=0.0, capacity=100).plan
    assert plan.status == "optimal"
    assert sum(p["places"] for p in plan.plan) == 9
    assert {p["exit_level"] for p in plan.plan} == {"clinical_scientist"}
    assert plan.total_cost_gbp == pytest.approx(900_000)
    assert plan.unmet == []


def test_commissioning_with_leavers_and_capacity_known_optimum() -> None:
    # Supply 10 x 0.9^5 = 5.9049 -> gap 12.0951 FTE in 2030. A place taken in 2027/2026/2025 gives
    # 0.9 x (1, 0.9, 0.81) = 0.9, 0.81, 0.729 FTE by 2030. Capacity 6 a year: 6 x 0.9 + 6 x 0.81 = 10.26,
    # the rest 1.8351 / 0.729 = 2.52 -> 3 places in 2025: 15 places, GBP 1.5m (14 places reach at most 11.718).
    plan = _case(leaver_rate=0.1, capacity=6).plan
    by_year = {p["intake_year"]: p["places"] for p in plan.plan}
    assert by_year == {2025: 3, 2026: 6, 2027: 6}
    assert plan.total_cost_gbp == pytest.approx(1_500_000)
    assert plan.unmet == []
    gap = next(g for g in plan.gaps if g["career_level"] == "clinical_scientist")
    assert gap["gap_before_fte"] == pytest.approx(18 - 10 * 0.9**5, abs=1e-3)
    assert gap["closed_fte"] == pytest.approx(3 * 0.729 + 6 * 0.81 + 6 * 0.9, abs=1e-3)
    assert gap["gap_after_fte"] <= 0
    year_2027 = next(p for p in plan.plan if p["intake_year"] == 2027)
    assert year_2027["first_counted_year"] == 2030
    assert year_2027["expected_completers"] == pytest.approx(5.4)
    assert year_2027["fte_at_target_year"] == pytest.approx(5.4)


def test_infeasible_target_is_reported_not_hidden() -> None:
    plan = _case(leaver_rate=0.0, capacity=1).plan
    # At most 3 places (2025-2027) x 0.9 = 2.7 FTE against a gap of 8.
    assert sum(p["places"] for p in plan.plan) == 3
    assert len(plan.unmet) == 1
    left = plan.unmet[0]
    assert left["unmet_fte"] == pytest.approx(8 - 2.7, abs=1e-3)
    assert left["reason_code"] == "capacity" and "2025-2027" in left["reason"]
    assert "gap left" in plan.status


def test_target_too_soon_for_any_programme() -> None:
    plan = _case(leaver_rate=0.0, capacity=100, target_year=2027).plan
    assert plan.plan == []
    assert plan.unmet[0]["reason_code"] == "lead_time"
    assert "2028" in plan.unmet[0]["reason"]  # STP places from 2025 are first counted in 2028
    assert any("too long" in n for n in plan.notes)


def test_percentile_is_used() -> None:
    staff = staff_frame(many(100, specialism_id="genomics", career_level="clinical_scientist", age=30))
    sc = scenario(
        runs=500,
        uncertainty={"leaver_rate_sd": 0.03},
        supply={"leaver_rate": 0.1},
        commissioning={"programmes": {"stp": {"capacity_per_year": 1000}}},
    )
    est = establishment([("genomics", "clinical_scientist", 100.0)])
    p50 = commission_scenario(sc, staff, establishment=est, percentile=50)
    p90 = commission_scenario(sc, staff, establishment=est, percentile=90)
    assert p50.runs == 1 and p50.plan.basis.startswith("expected path")
    assert p90.runs == 1000 and "P90 of 1,000" in p90.plan.basis  # at least DEFAULT_PERCENTILE_RUNS
    assert sum(p["places"] for p in p90.plan.plan) > sum(p["places"] for p in p50.plan.plan)
    assert np.isfinite(p90.plan.total_cost_gbp)
    # P50 of the runs, asked for with runs, is close to the expected path.
    mc50 = commission_scenario(sc, staff, establishment=est, percentile=50, runs=500)
    assert mc50.runs == 500
    assert abs(mc50.plan.total_places - p50.plan.total_places) <= 2
