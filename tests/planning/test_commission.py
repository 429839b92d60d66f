"""Commissioning by specialism and career level: what a place may close, where, when and how many."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.plan import ProgrammeOption, commission
from hcsworkforce.analytics.supply import LEVEL_INDEX, N_LEVELS, compile_supply
from hcsworkforce.errors import UserInputError
from hcsworkforce.services.commission import commission_options, commission_scenario

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
    allocation=st.sampled_from(["fair", "efficient"]),
)
def test_plan_respects_capacity_and_never_widens_a_gap(
    small_supply: Any, gaps: list[float], caps: list[int], target: int, allocation: str
) -> None:
    inputs, keep = small_supply
    gap = np.zeros((inputs.n_units, N_LEVELS))
    gap[keep] = np.array(gaps).reshape(3, N_LEVELS)
    options = _options(caps)
    plan = commission(
        inputs, gap, options, start_year=2025, target_year=target, percentile=50, allocation=allocation
    )
    info = plan.allocation
    if info["least_unmet_fte"] is not None:  # fairness costs at most its tolerance of unmet FTE
        assert info["unmet_fte"] <= info["least_unmet_fte"] * 1.02 + 1e-3
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


# --- Who gets scarce places: fair (default) or efficient --------------------------------------------------


@pytest.fixture(scope="module")
def two_specialisms() -> Any:
    rows = many(5, specialism_id="genomics", career_level="clinical_scientist", age=40) + many(
        5, specialism_id="audiology", career_level="clinical_scientist", age=40
    )
    inputs = compile_supply(staff_frame(rows), scenario()).inputs  # nobody leaves, retires or moves up
    return inputs, [u for u, _r in inputs.units]


def _scarce_stp(inputs: Any, specs: list[str], allocation: str, tolerance: float = 0.02) -> Any:
    gap = np.zeros((inputs.n_units, N_LEVELS))
    cs = LEVEL_INDEX["clinical_scientist"]
    gap[specs.index("genomics"), cs] = 9.0
    gap[specs.index("audiology"), cs] = 9.0
    stp = ProgrammeOption(
        name="stp",
        programme="stp",
        exit_level="clinical_scientist",
        duration_years=3,
        completion_rate=0.9,
        entry_age_mean=30,
        entry_age_sd=3,
        cost_per_place_gbp=100_000,
        capacity_per_year=12,
        specialisms=("genomics", "audiology"),
        completion_by_specialism={"genomics": 0.8},
    )
    return commission(
        inputs,
        gap,
        [stp],
        start_year=2025,
        target_year=2028,
        percentile=50,
        allocation=allocation,
        fair_unmet_tolerance=tolerance,
    )


def _places(plan: Any) -> dict[str, int]:
    return {p["specialism"]: p["places"] for p in plan.plan}


def test_efficient_plan_starves_the_specialism_where_a_place_is_worth_less(two_specialisms: Any) -> None:
    """Gaps of 9 clinical-scientist FTE in genomics and in audiology in 2028; STP takes 3 years, so only the
    2025 intake counts: 12 places. Nobody leaves, so a place is worth its completion rate: 0.9 FTE in
    audiology, 0.8 in genomics (a stream's rate). With a audiology and g genomics places (a <= 10: 10 x 0.9
    closes audiology), unmet = (9 - 0.9a) + (9 - 0.8g). The least is a = 10, g = 2: 0 + 7.4 = 7.4 FTE, and
    genomics keeps 7.4 / 9 = 82% of its gap. That is the efficient plan."""
    inputs, specs = two_specialisms
    plan = _scarce_stp(inputs, specs, "efficient")
    assert _places(plan) == {"audiology": 10, "genomics": 2}
    assert plan.allocation["rule"] == "efficient" and plan.allocation["least_unmet_fte"] == pytest.approx(7.4)
    assert plan.allocation["unmet_fte"] == pytest.approx(7.4, abs=1e-3)


def test_fair_plan_equalises_the_largest_share_left_unmet(two_specialisms: Any) -> None:
    """Same case. Shares left: audiology (9 - 0.9a) / 9 = 1 - 0.1a, genomics (9 - 0.8g) / 9. Using all 12
    places, unmet = 8.4 - 0.1a. Equal shares need 0.9a = 0.8(12 - a): a = 5.65. Whole places: a = g = 6
    leaves 3.6 and 4.2 FTE, shares 0.4 and 4.2 / 9 = 0.467 (a = 5, g = 7: 0.5 and 0.378, worse), unmet 7.8
    FTE: 0.4 more than the least (7.4), 5.4%. With a 10% tolerance (up to 8.14 FTE) that is the fair plan.

    With the default 2% (up to 7.548 FTE: a >= 8.52), the best is a = 9, g = 3: shares 0.1 and 6.6 / 9 =
    0.733 (a = 10, g = 2 leaves 0.822), unmet 7.5 FTE."""
    inputs, specs = two_specialisms
    wide = _scarce_stp(inputs, specs, "fair", tolerance=0.10)
    assert _places(wide) == {"audiology": 6, "genomics": 6}
    info = wide.allocation
    assert info["max_unmet_share_by_level"]["clinical_scientist"] == pytest.approx(4.2 / 9, abs=1e-3)
    assert info["least_unmet_fte"] == pytest.approx(7.4, abs=1e-3)
    assert info["unmet_fte"] == pytest.approx(7.8, abs=1e-3) and info["fairness_cost_fte"] == pytest.approx(
        0.4
    )
    left = {r["specialism"]: r["unmet_fte"] for r in wide.unmet}
    assert left == pytest.approx({"audiology": 3.6, "genomics": 4.2}, abs=1e-3)
    assert wide.total_cost_gbp == pytest.approx(1_200_000)

    default = _scarce_stp(inputs, specs, "fair")
    assert _places(default) == {"audiology": 9, "genomics": 3}
    assert default.allocation["max_unmet_share_by_level"]["clinical_scientist"] == pytest.approx(
        6.6 / 9, abs=1e-3
    )
    assert default.allocation["unmet_fte"] == pytest.approx(7.5, abs=1e-3)


def test_fair_with_no_tolerance_keeps_the_least_unmet(two_specialisms: Any) -> None:
    inputs, specs = two_specialisms
    plan = _scarce_stp(inputs, specs, "fair", tolerance=0.0)
    assert _places(plan) == {"audiology": 10, "genomics": 2}
    assert plan.allocation["fairness_cost_fte"] == pytest.approx(0.0, abs=1e-3)


def test_allocation_switch_in_scenario_and_override() -> None:
    rows = many(10, specialism_id="genomics", career_level="clinical_scientist", age=30) + many(
        10, specialism_id="audiology", career_level="clinical_scientist", age=30
    )
    est = establishment([("genomics", "clinical_scientist", 30.0), ("audiology", "clinical_scientist", 30.0)])
    kw: dict[str, Any] = {"target_year": 2030, "programmes": {"stp": {"capacity_per_year": 5}}}
    sc = scenario(commissioning={**kw, "allocation": "efficient"})
    assert sc.commissioning.allocation == "efficient" and scenario().commissioning.allocation == "fair"
    efficient = commission_scenario(sc, staff_frame(rows), establishment=est).plan
    fair = commission_scenario(sc, staff_frame(rows), establishment=est, allocation="fair").plan
    assert efficient.allocation["rule"] == "efficient" and fair.allocation["rule"] == "fair"
    with pytest.raises(UserInputError) as e:
        scenario(commissioning={"allocation": "proportional"})
    assert "allocation" in str(e.value) and "proportional" in str(e.value)
