"""Invariants of the WISN arithmetic, over many generated cadres."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.wisn import WORKLOAD_PRESSURE_BANDS, calculate_wisn, workload_pressure
from hcsworkforce.model.wisn import WisnCadre

PRESSURE_ORDER = [label for _, label in WORKLOAD_PRESSURE_BANDS] + ["Low"]

amounts = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False)
small_times = st.floats(min_value=0, max_value=0.4, allow_nan=False)


@st.composite
def working_time(draw: st.DrawFn) -> dict[str, Any]:
    days_per_week = draw(st.floats(min_value=1, max_value=7))
    weeks = draw(st.floats(min_value=20, max_value=53))
    possible = days_per_week * weeks
    # Each kind of absence below a fifth of the possible days, so some working time is always left.
    leave = st.floats(min_value=0, max_value=possible / 5.01)
    return {
        "working_days_per_week": days_per_week,
        "weeks_per_year": weeks,
        "hours_per_day": draw(st.floats(min_value=1, max_value=12)),
        "public_holidays": draw(leave),
        "annual_leave": draw(leave),
        "sick_leave": draw(leave),
        "other_leave": draw(leave),
    }


@st.composite
def cadres(draw: st.DrawFn) -> dict[str, Any]:
    awt = draw(working_time())
    services = draw(
        st.lists(
            st.fixed_dictionaries(
                {"annual_workload": amounts, "unit_time_minutes": st.floats(min_value=0.5, max_value=600)}
            ),
            min_size=1,
            max_size=5,
        )
    )
    # Support time as a fraction of the day it falls in, each small enough that the total stays under 100%.
    support = draw(st.lists(small_times, max_size=2))
    additional = draw(
        st.lists(
            st.tuples(st.floats(min_value=0, max_value=200), st.integers(min_value=1, max_value=5)),
            max_size=3,
        )
    )
    return {
        "cadre": "Generated",
        "existing_staff": draw(st.floats(min_value=0, max_value=500)),
        "available_working_time": awt,
        "health_service_activities": [{"name": f"s{i}", **s} for i, s in enumerate(services)],
        "support_activities": [
            {"name": f"c{i}", "time": f * awt["hours_per_day"], "unit": "hours", "per": "day"}
            for i, f in enumerate(support)
        ],
        "additional_activities": [
            {"name": f"a{i}", "time": t, "unit": "hours", "per": "year", "staff": n}
            for i, (t, n) in enumerate(additional)
        ],
    }


@settings(max_examples=200)
@given(cadres(), st.floats(min_value=0.01, max_value=100))
def test_required_staff_for_services_scales_linearly_with_workload(data, k):
    base = calculate_wisn(WisnCadre.model_validate(data))
    scaled_data = {
        **data,
        "health_service_activities": [
            {**a, "annual_workload": a["annual_workload"] * k} for a in data["health_service_activities"]
        ],
    }
    scaled = calculate_wisn(WisnCadre.model_validate(scaled_data))
    assert scaled.staff_for_health_services == pytest.approx(
        k * base.staff_for_health_services, rel=1e-9, abs=1e-12
    )
    # Allowances do not depend on workload, so only the service part of required staff scales.
    assert scaled.category_allowance_factor == base.category_allowance_factor
    assert scaled.individual_allowance_factor == base.individual_allowance_factor
    assert scaled.required_staff - scaled.individual_allowance_factor == pytest.approx(
        k * (base.required_staff - base.individual_allowance_factor), rel=1e-9, abs=1e-12
    )


@settings(max_examples=200)
@given(cadres())
def test_result_identities(data):
    r = calculate_wisn(WisnCadre.model_validate(data))
    assert r.available_working_time_days > 0
    assert r.available_working_time_hours == pytest.approx(
        r.available_working_time_days * data["available_working_time"]["hours_per_day"]
    )
    assert r.category_allowance_factor >= 1.0
    assert r.individual_allowance_factor >= 0.0
    assert r.required_staff == pytest.approx(
        r.staff_for_health_services * r.category_allowance_factor + r.individual_allowance_factor
    )
    assert r.required_staff >= r.staff_for_health_services
    assert r.wisn_difference == pytest.approx(r.existing_staff - r.required_staff)
    if r.required_staff > 0:
        assert r.wisn_ratio == pytest.approx(r.existing_staff / r.required_staff)
        assert r.workload_pressure == workload_pressure(r.wisn_ratio)
    else:
        assert r.wisn_ratio is None


@given(st.floats(min_value=0, max_value=10), st.floats(min_value=0, max_value=10))
def test_more_staff_for_the_same_need_never_raises_pressure(a, b):
    low, high = sorted((a, b))
    assert PRESSURE_ORDER.index(workload_pressure(high)) >= PRESSURE_ORDER.index(workload_pressure(low))


@given(
    st.floats(min_value=0, max_value=1e4),
    st.floats(min_value=0.5, max_value=240),
)
def test_an_activity_standard_means_the_same_in_minutes_hours_or_a_rate(workload, minutes):
    def required(standard: dict[str, float]) -> float:
        data = {
            "cadre": "x",
            "existing_staff": 1,
            "available_working_time": {
                "working_days_per_year": 250,
                "hours_per_day": 7.5,
                "public_holidays": 8,
                "annual_leave": 27,
                "sick_leave": 10,
            },
            "health_service_activities": [{"name": "s", "annual_workload": workload, **standard}],
        }
        return calculate_wisn(WisnCadre.model_validate(data)).required_staff

    by_minutes = required({"unit_time_minutes": minutes})
    assert required({"unit_time_hours": minutes / 60}) == pytest.approx(by_minutes, rel=1e-12, abs=1e-12)
    assert required({"rate_per_hour": 60 / minutes}) == pytest.approx(by_minutes, rel=1e-12, abs=1e-12)
