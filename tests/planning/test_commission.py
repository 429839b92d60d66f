"""Commissioning by specialism and career level: what a place may close, where, when and how many."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.plan import (
    ProgrammeOption,
    commission,
    commission_options,
    commission_scenario,
)
from hcsworkforce.analytics.supply import LEVEL_INDEX, N_LEVELS, compile_supply
from hcsworkforce.errors import UserInputError

from .conftest import many, scenario, staff_frame
from .test_plan import establishment


def _plan(staff_rows: list[dict[str, Any]], est: list[tuple[str, str, float]], **kw: Any) -> Any:
    sc = scenario(**kw)
    return commission_scenario(sc, staff_frame(staff_rows), establishment=establishment(est)).plan


def test_cheap_low_level_programme_is_not_bought_for_a_high_level_gap() -> None:
    # A clinical-scientist gap of 8 and a surplus of 30 assistants. The Level 2 apprenticeship costs GBP 6,000
    # a place, far less per FTE than STP, but its completers join as assistants: it must not be bought (the
    # old specialism-total formulation bought it). STP has no capacity, so the gap is left, with the reason.
    rows = many(10, specialism_id="genomics", career_level="clinical_scientist", age=30) + many(
        50, specialism_id="genomics", career_level="assistant", age=30
    )
    plan = _plan(
        rows,
        [("genomics", "clinical_scientist", 18.0), ("genomics", "assistant", 20.0)],
        commissioning={
            "target_year": 2030,
            "programmes": {"apprenticeship_l2": {}, "stp": {"capacity_per_year": 0}},
        },
    )
    assert [
        p for p in plan.plan if p["programme"] == "apprenticeship_l2" and p["specialism"] == "genomics"
    ] == []
    cs = next(r for r in plan.unmet if r["career_level"] == "clinical_scientist")
    assert cs["reason_code"] == "capacity"
    # The assistants' surplus is reported, not used against the scientists' gap.
    assistant = next(r for r in plan.by_level if r["career_level"] == "assistant")
    assert assistant["surplus_fte"] > 0 and assistant["closed_fte"] == 0


def test_etp_serves_cardiac_science_only() -> None:
    rows = many(10, specialism_id="cardiac_science", career_level="practitioner", age=35) + many(
        10, specialism_id="audiology", career_level="practitioner", age=35
    )
    plan = _plan(
        rows,
        [("cardiac_science", "practitioner", 15.0), ("audiology", "practitioner", 15.0)],
        commissioning={"target_year": 2029, "programmes": {"etp": {}}},
    )
    assert plan.plan and {p["specialism"] for p in plan.plan} == {"cardiac_science"}
    assert {p["exit_level"] for p in plan.plan} == {"practitioner"}
    audiology = next(r for r in plan.unmet if r["specialism"] == "audiology")
    assert audiology["reason_code"] == "not_served" and "etp" in audiology["reason"]
    cardiac = next(g for g in plan.gaps if g["specialism"] == "cardiac_science")
    assert cardiac["gap_after_fte"] <= 0


def test_programme_asked_for_a_specialism_it_does_not_serve_is_an_error() -> None:
    sc = scenario(commissioning={"programmes": {"etp": {"specialisms": ["audiology"]}}})
    with pytest.raises(UserInputError) as e:
        commission_options(sc)
    assert "commissioning.programmes.etp.specialisms" in str(e.value) and "audiology" in str(e.value)


def test_biomedical_scientist_route_is_life_sciences_only() -> None:
    sc = scenario(commissioning={"programmes": {"apprenticeship_l6_bms": {}, "apprenticeship_l6": {}}})
    bms, l6 = commission_options(sc)
    assert bms.programme == "apprenticeship_l6" and bms.exit_level == "practitioner"
    assert bms.specialisms is not None and "clinical_biochemistry" in bms.specialisms
    assert "audiology" not in bms.specialisms
    assert l6.specialisms is None  # the practitioner degree apprenticeship is open to every specialism


def test_hsst_cannot_close_a_near_consultant_gap() -> None:
    rows = many(5, specialism_id="genomics", career_level="consultant", age=50)
    plan = _plan(
        rows,
        [("genomics", "consultant", 8.0)],
        commissioning={"target_year": 2027, "programmes": {"hsst": {}}},
    )
    assert plan.plan == []
    left = next(r for r in plan.unmet if r["career_level"] == "consultant")
    assert left["unmet_fte"] == pytest.approx(3.0, abs=1e-6)
    assert left["reason_code"] == "lead_time"
    assert "hsst takes 5 years" in left["reason"] and "2030" in left["reason"]


def test_capacity_binds_across_specialisms() -> None:
    rows = many(10, specialism_id="genomics", career_level="clinical_scientist", age=30) + many(
        10, specialism_id="audiology", career_level="clinical_scientist", age=30
    )
    plan = _plan(
        rows,
        [("genomics", "clinical_scientist", 30.0), ("audiology", "clinical_scientist", 30.0)],
        commissioning={
            "target_year": 2030,
            "programmes": {"stp": {"capacity_per_year": 5, "capacity_by_specialism": {"audiology": 1}}},
        },
    )
    per_year: dict[int, int] = {}
    for p in plan.plan:
        per_year[p["intake_year"]] = per_year.get(p["intake_year"], 0) + p["places"]
        if p["specialism"] == "audiology":
            assert p["places"] <= 1
    assert per_year == {2025: 5, 2026: 5, 2027: 5}  # every place of the three usable intakes
    assert {r["specialism"] for r in plan.unmet} == {"genomics", "audiology"}
    assert all(r["reason_code"] == "capacity" for r in plan.unmet)
    assert plan.places_by_programme_year[0]["free_capacity"] == 5


def test_scenario_commissions_count_against_capacity_and_give_completion() -> None:
    sc = scenario(
        supply={
            "training": [
                {"programme": "stp", "specialism": "genomics", "commissions": 4, "completion_rate": 0.5}
            ]
        },
        commissioning={"programmes": {"stp": {"capacity_per_year": {2025: 10, 2026: 6}}}},
    )
    (stp,) = commission_options(sc)
    assert stp.free_places(0) == 6 and stp.free_places(1) == 2 and stp.free_places(2) == 600 - 4
    assert stp.completion("genomics") == 0.5 and stp.completion("audiology") == 0.9


@pytest.mark.parametrize(
    ("commissioning", "key", "value"),
    [
        ({"programmes": {"stpp": {"capacity_per_year": 5}}}, "commissioning.programmes", "stpp"),
        ({"programmes": {"stp": {"capacity_per_year": -5}}}, "capacity_per_year", "-5"),
        ({"programmes": {"stp": {"capacity_per_year": {2026: -1}}}}, "capacity_per_year", "-1"),
        (
            {"programmes": {"stp": {"capacity_by_specialism": {"genomics": -2}}}},
            "capacity_by_specialism",
            "-2",
        ),
        ({"target_year": 2020}, "target_year", "2020"),
    ],
)
def test_bad_commissioning_inputs_name_key_and_value(
    commissioning: dict[str, Any], key: str, value: str
) -> None:
    with pytest.raises(UserInputError) as e:
        scenario(commissioning=commissioning)
    assert key in str(e.value) and value in str(e.value)


# --- Property: on random gaps and capacities, capacity holds and no gap grows ------------------------------

_UNITS = ("genomics", "audiology", "cardiac_science")


@pytest.fixture(scope="module")
def small_supply() -> Any:
    rows = []
    for spec in _UNITS:
        for level in ("assistant", "practitioner", "clinical_scientist", "consultant"):
            rows += many(3, specialism_id=spec, career_level=level, age=40)
    sc = scenario(supply={"leaver_rate": 0.1})
    inputs = compile_supply(staff_frame(rows), sc).inputs
    keep = [i for i, u in enumerate(inputs.units) if u[0] in _UNITS]
    return inputs, keep


def _options(caps: list[int]) -> list[ProgrammeOption]:
    specs = (
        ("apprenticeship_l2", "assistant", 1.0, 6_000.0, None),
        ("ptp", "practitioner", 3.0, 45_000.0, None),
        ("stp", "clinical_scientist", 3.0, 120_000.0, None),
        ("etp", "practitioner", 1.5, 30_000.0, ("cardiac_science",)),
        ("hsst", "consultant", 5.0, 80_000.0, None),
    )
    return [
        ProgrammeOption(
            name=name,
            programme=name,
            exit_level=level,
            duration_years=d,
            completion_rate=0.8,
            entry_age_mean=30,
            entry_age_sd=3,
            cost_per_place_gbp=cost,
            capacity_per_year=cap,
            specialisms=only,
        )
        for (name, level, d, cost, only), cap in zip(specs, caps, strict=True)
    ]


@settings(max_examples=25, deadline=None)
@given(
    gaps=st.lists(st.floats(-20, 40, allow_nan=False), min_size=3 * N_LEVELS, max_size=3 * N_LEVELS),
    caps=st.lists(st.integers(0, 6), min_size=5, max_size=5),
    target=st.integers(2026, 2030),
)
def test_plan_respects_capacity_and_never_widens_a_gap(
    small_supply: Any, gaps: list[float], caps: list[int], target: int
) -> None:
    inputs, keep = small_supply
    gap = np.zeros((inputs.n_units, N_LEVELS))
    gap[keep] = np.array(gaps).reshape(3, N_LEVELS)
    options = _options(caps)
    plan = commission(inputs, gap, options, start_year=2025, target_year=target, percentile=50)
    used: dict[tuple[str, int], int] = {}
    for p in plan.plan:
        used[(p["programme"], p["intake_year"])] = (
            used.get((p["programme"], p["intake_year"]), 0) + p["places"]
        )
        assert p["first_counted_year"] <= target
        assert p["exit_level"] == next(o.exit_level for o in options if o.name == p["programme"])
    cap_of = {o.name: o.capacity_per_year for o in options}
    assert all(n <= cap_of[name] for (name, _y), n in used.items())
    for g in plan.gaps:
        assert g["closed_fte"] >= 0 and g["gap_after_fte"] <= g["gap_before_fte"] + 1e-9
        level = LEVEL_INDEX[g["career_level"]]
        if g["closed_fte"] > 0:  # only programmes with that exit level closed it
            assert any(LEVEL_INDEX[o.exit_level] == level for o in options)
    assert plan.total_cost_gbp == pytest.approx(sum(p["cost_gbp"] for p in plan.plan))
