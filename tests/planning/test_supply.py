"""Supply projection checked by hand (DESIGN 4.3)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.supply import (
    AGE_MIN,
    LEVEL_INDEX,
    N_AGES,
    N_LEVELS,
    N_Z,
    SupplyInputs,
    age_one_year,
    compile_supply,
    completion_step,
    entry_age_distribution,
    ledger_balance,
    project_supply,
    standard_draws,
)

from .conftest import CENSUS, many, scenario, staff_frame

CS = LEVEL_INDEX["clinical_scientist"]


def test_constant_stock_with_no_flows(genomics_index: int) -> None:
    staff = staff_frame(
        many(40, specialism_id="genomics", career_level="clinical_scientist", age=30, fte=0.8)
    )
    c = compile_supply(staff, scenario())
    r = project_supply(c.inputs)
    assert r.headcount[:, 0, genomics_index, CS] == pytest.approx([40.0] * 6)
    assert r.fte[:, 0, genomics_index, CS] == pytest.approx([32.0] * 6)
    assert r.headcount.sum() == pytest.approx(40 * 6)


def test_geometric_decline_under_a_leaver_rate(genomics_index: int) -> None:
    staff = staff_frame(many(1000, specialism_id="genomics", career_level="practitioner", age=30))
    c = compile_supply(staff, scenario(supply={"leaver_rate": 0.1}))
    r = project_supply(c.inputs)
    expected = [1000 * 0.9**t for t in range(6)]
    assert r.headcount[:, 0, genomics_index, LEVEL_INDEX["practitioner"]] == pytest.approx(expected)
    assert r.flows["leavers"][:, 0, genomics_index, LEVEL_INDEX["practitioner"]] == pytest.approx(
        [100 * 0.9**t for t in range(5)]
    )


def test_training_completers_arrive_in_year_commissioned_plus_duration(genomics_index: int) -> None:
    sc = scenario(
        supply={
            "training": [
                {
                    "programme": "stp",
                    "specialism": "genomics",
                    "commissions": {2025: 10, 2026: 20},
                    "duration_years": 3,
                    "completion_rate": 0.8,
                    "exit_level": "clinical_scientist",
                }
            ]
        }
    )
    c = compile_supply(staff_frame([]), sc)
    r = project_supply(c.inputs)
    cs = r.headcount[:, 0, genomics_index, CS]
    # Commissions of 2025 are first counted in 2028 (year index 3), of 2026 in 2029.
    assert cs == pytest.approx([0, 0, 0, 8, 24, 24])


def test_fractional_duration_counts_from_the_next_whole_year(genomics_index: int) -> None:
    sc = scenario(
        supply={
            "training": [
                {
                    "programme": "etp",
                    "specialism": "genomics",
                    "commissions": {2025: 10},
                    "completion_rate": 1.0,
                }
            ]
        }
    )
    r = project_supply(compile_supply(staff_frame([]), sc).inputs)
    assert r.headcount[:, 0, genomics_index, LEVEL_INDEX["practitioner"]] == pytest.approx(
        [0, 0, 10, 10, 10, 10]
    )


def test_census_trainees_complete_on_their_dates(genomics_index: int) -> None:
    rows = many(
        10,
        specialism_id="genomics",
        career_level="trainee_clinical_scientist",
        age=26,
        expected_completion=CENSUS + dt.timedelta(days=200),
    )
    rows += many(
        10,
        specialism_id="genomics",
        career_level="trainee_clinical_scientist",
        age=27,
        expected_completion=CENSUS + dt.timedelta(days=600),
    )
    r = project_supply(compile_supply(staff_frame(rows), scenario()).inputs)
    cs = r.headcount[:, 0, genomics_index, CS]
    tr = r.headcount[:, 0, genomics_index, LEVEL_INDEX["trainee_clinical_scientist"]]
    rate = 0.9  # reference STP completion rate
    assert tr == pytest.approx([20, 10, 0, 0, 0, 0])
    assert cs == pytest.approx([0, 10 * rate, 20 * rate, 20 * rate, 20 * rate, 20 * rate])


def test_completion_step() -> None:
    assert completion_step(0.3) == 0
    assert completion_step(1.0) == 0
    assert completion_step(1.2) == 1
    assert completion_step(-2) == 0


def test_ageing_into_retirement(genomics_index: int) -> None:
    staff = staff_frame(many(100, specialism_id="genomics", career_level="consultant", age=58))
    sc = scenario(supply={"retirement": {"probability_by_age": {16: 0.0, 60: 0.5}}})
    r = project_supply(compile_supply(staff, sc).inputs, keep_stock=True)
    hc = r.headcount[:, 0, genomics_index, LEVEL_INDEX["consultant"]]
    # Aged 58, 59 at years 0, 1 (probability 0); 60 at year 2 retire at half a year from then on.
    assert hc == pytest.approx([100, 100, 100, 50, 25, 12.5])
    assert r.flows["retirements"][:, 0, genomics_index, LEVEL_INDEX["consultant"]] == pytest.approx(
        [0, 0, 50, 25, 12.5]
    )
    assert r.stock is not None
    assert r.stock[3, 0, genomics_index, LEVEL_INDEX["consultant"], 61 - AGE_MIN] == pytest.approx(50)


def test_age_one_year_keeps_the_oldest() -> None:
    stock = np.zeros((1, 1, 1, N_AGES))
    stock[..., 0] = 3
    stock[..., -1] = 2
    out = age_one_year(stock)
    assert out[..., 1] == 3 and out[..., -1] == 2 and out.sum() == 5


def test_entry_age_distribution_sums_to_one() -> None:
    assert entry_age_distribution(26, 4).sum() == pytest.approx(1)
    d = entry_age_distribution(30, 0)
    assert d[30 - AGE_MIN] == 1


def test_progression_moves_survivors_up(genomics_index: int) -> None:
    staff = staff_frame(many(100, specialism_id="genomics", career_level="assistant", age=30))
    sc = scenario(supply={"leaver_rate": 0.1, "progression": {"rate_per_year": {"assistant": 0.2}}})
    r = project_supply(compile_supply(staff, sc).inputs)
    a, b = LEVEL_INDEX["assistant"], LEVEL_INDEX["associate"]
    assert r.headcount[1, 0, genomics_index, a] == pytest.approx(100 * 0.9 * 0.8)
    assert r.headcount[1, 0, genomics_index, b] == pytest.approx(100 * 0.9 * 0.2)


@st.composite
def random_inputs(draw: st.DrawFn) -> tuple[SupplyInputs, np.ndarray]:
    units = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    horizon = draw(st.integers(1, 6))
    hc = rng.integers(0, 5, (units, N_LEVELS, N_AGES)).astype(float) * (
        rng.random((units, N_LEVELS, N_AGES)) < 0.2
    )
    hazard = rng.random((horizon, units, 3, N_AGES)) * (rng.random((horizon, units, 3, N_AGES)) < 0.3)
    from hcsworkforce.analytics.supply import TrainingGroup

    group = TrainingGroup(
        exit_level=int(rng.integers(0, 5)),
        programme="stp",
        completion_rate=0.8,
        completion_rate_sd=0.05,
        expected_places=rng.random((horizon, units, N_AGES)),
    )
    inputs = SupplyInputs(
        units=tuple((f"u{i}", None) for i in range(units)),
        start_year=2025,
        horizon_years=horizon,
        headcount=hc,
        fte_per_head=np.ones((units, N_LEVELS)),
        leaver_rate=rng.random((units, N_LEVELS)) * 0.3,
        leaver_rate_sd=np.full((units, N_LEVELS), 0.02),
        retirement_probability=np.clip(rng.random(N_AGES) * (np.arange(N_AGES) > 35), 0, 1),
        retirement_scale_sd=0.1,
        progression_rate=rng.random((units, 4)) * 0.2,
        progression_rate_sd=np.full((units, 4), 0.01),
        trainee_hazard=hazard,
        trainee_completion_rate=np.array([0.7, 0.8, 0.9]),
        training=(group,),
        recruit_rate=rng.random((3, 5)) * 0.05,
        recruit_age=np.stack([np.stack([entry_age_distribution(30, 5)] * 5)] * 3),
    )
    runs = draw(st.integers(1, 4))
    return inputs, standard_draws(runs, draw(st.integers(0, 99)))


@settings(max_examples=60, deadline=None)
@given(random_inputs())
def test_conservation_no_staff_created_or_lost(case: tuple[SupplyInputs, np.ndarray]) -> None:
    inputs, z = case
    r = project_supply(inputs, z, keep_stock=True)
    assert r.stock is not None
    scale = max(1.0, float(r.stock.sum(axis=-1).max()))
    assert np.abs(ledger_balance(r)).max() <= 1e-9 * scale
    # The headcount carried by the ledger is what the age array holds.
    assert np.abs(r.stock.sum(axis=-1) - r.headcount).max() <= 1e-9 * scale
    assert r.stock.min() >= -1e-12


def test_one_run_is_the_expected_value_exactly(genomics_index: int) -> None:
    staff = staff_frame(many(50, specialism_id="genomics", career_level="practitioner", age=40))
    sc = scenario(supply={"leaver_rate": {"value": 0.1, "sd": 0.05}})
    c = compile_supply(staff, sc)
    assert np.all(standard_draws(1, 5) == 0)
    r = project_supply(c.inputs, standard_draws(1, 5))
    assert r.headcount[-1, 0, genomics_index, LEVEL_INDEX["practitioner"]] == pytest.approx(50 * 0.9**5)


def test_monte_carlo_mean_within_one_percent_of_expected() -> None:
    from hcsworkforce.analytics.demand import compile_demand
    from hcsworkforce.analytics.plan import project

    rows = many(300, specialism_id="genomics", career_level="practitioner", age=45)
    rows += many(100, specialism_id="audiology", career_level="clinical_scientist", age=57)
    sc = scenario(
        horizon_years=10,
        uncertainty={"leaver_rate_sd": 0.01, "retirement_scale_sd": 0.1, "demand_growth_sd": 0.005},
        supply={
            "leaver_rate": 0.08,
            "retirement": {},
            "training": [
                {
                    "programme": "stp",
                    "specialism": "genomics",
                    "commissions": 10,
                    "completion_rate": {"value": 0.85, "sd": 0.05},
                }
            ],
        },
        demand={"growth": 0.02},
    )
    c = compile_supply(staff_frame(rows), sc)
    d = compile_demand(sc, c.inputs.units, c.inputs.headcount, c.inputs.fte_per_head)
    expected = project(c.inputs, d.inputs, np.zeros((1, N_Z)), [], start_year=2025)
    mc = project(c.inputs, d.inputs, standard_draws(20_000, 11), [], start_year=2025)
    for m in ("supply_fte", "demand_fte", "supply_headcount"):
        exp = expected.stats[m][:, 0, 0]
        got = mc.stats[m][:, 0, 0]
        assert np.all(np.abs(got - exp) <= 0.01 * np.abs(exp)), m
    # And the runs really do spread.
    assert mc.stats["supply_fte"][-1, 0, 3] > mc.stats["supply_fte"][-1, 0, 1]


def test_same_seed_same_result() -> None:
    a = standard_draws(100, 3)
    b = standard_draws(100, 3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, standard_draws(100, 4))
