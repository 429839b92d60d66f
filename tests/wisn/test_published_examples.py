"""WISN reproduces published worked examples (planning_methods.md section 1.4; sources in docs/wisn.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcsworkforce.analytics.wisn import calculate_wisn, category_allowance_percent
from hcsworkforce.ingest.wisn_file import read_wisn_file
from hcsworkforce.model.wisn import WisnCadre

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "wisn"


class TestBurmen2017:
    """Burmen, Owuor & Mitei 2017, HRH 15:9, Table 3: Kenyan HIV clinic clinicians."""

    @pytest.fixture
    def result(self):
        (cadre,) = read_wisn_file(EXAMPLES / "burmen_2017_hiv_clinic.yaml")
        return cadre, calculate_wisn(cadre)

    def test_available_working_time_is_179_days(self, result):
        _, r = result
        assert r.available_working_time_days == pytest.approx(179)
        assert r.available_working_time_hours == pytest.approx(179 * 8)

    def test_annual_workload_is_3125_days(self, result):
        cadre, r = result
        hours = sum(a.annual_workload * a.unit_time_hours for a in r.health_service_activities)
        assert hours / cadre.available_working_time.hours_per_day == pytest.approx(3125)

    def test_baseline_requirement_is_3125_over_179(self, result):
        _, r = result
        assert r.staff_for_health_services == pytest.approx(3125 / 179)
        assert round(r.staff_for_health_services, 2) == 17.46

    def test_ten_training_days_a_year_as_category_allowance(self, result):
        _, r = result
        assert r.support_activities[0].category_allowance_percent == pytest.approx(100 * 10 / 179)
        assert r.category_allowance_factor == pytest.approx(179 / 169)
        assert round(r.category_allowance_factor, 6) == 1.059172

    def test_required_staff_and_ratio(self, result):
        _, r = result
        assert r.individual_allowance_factor == 0
        assert r.required_staff == pytest.approx(3125 / 169)
        assert round(r.required_staff, 4) == 18.4911
        assert r.existing_staff == 12
        assert round(r.wisn_difference, 2) == -6.49
        assert round(r.wisn_ratio, 4) == 0.6490
        assert r.workload_pressure == "High"


# Joarder et al. 2020, BMJ Open 10:e035183, Table 5: current, required, shortage/excess, ratio, pressure.
JOARDER_TABLE_5 = [
    ("Shailkupa UpHC, physician", 4, 8.14, -4.14, 0.49, "Very high"),
    ("Kotchandpur UpHC, physician", 3, 10.71, -7.71, 0.28, "Extremely high"),
    ("Kulaura UpHC, physician", 4, 12.28, -8.28, 0.33, "Very high"),
    ("Sreemangal UpHC, physician", 7, 11.23, -4.23, 0.62, "High"),
    ("Shailkupa UpHC, nurse", 14, 16.08, -2.08, 0.87, "Moderately high"),
    ("Kotchandpur UpHC, nurse", 15, 22.80, -7.8, 0.66, "High"),
    ("Kulaura UpHC, nurse", 10, 16.08, -6.08, 0.62, "High"),
    ("Sreemangal UpHC, nurse", 12, 20.46, -8.46, 0.59, "High"),
]


@pytest.mark.parametrize(("cadre", "current", "required", "difference", "ratio", "pressure"), JOARDER_TABLE_5)
def test_joarder_2020_table_5(make_cadre, cadre, current, required, difference, ratio, pressure):
    # The paper gives outputs only, so build a cadre needing exactly the published required staff: no
    # allowances, one activity whose workload in hours is `required` x AWT hours (1,800).
    c = make_cadre(
        cadre=cadre,
        existing_staff=current,
        health_service_activities=[
            {"name": "All services", "annual_workload": required * 1800, "unit_time_hours": 1}
        ],
    )
    r = calculate_wisn(c)
    assert r.required_staff == pytest.approx(required)
    assert round(r.wisn_difference, 2) == pytest.approx(difference)
    assert round(r.wisn_ratio, 2) == pytest.approx(ratio)
    assert r.workload_pressure == pressure


def test_example_3_wisn_core_consistency(make_cadre):
    """planning_methods.md example 3 (wisn-core's unit test): every figure checked by hand."""
    c = make_cadre(
        existing_staff=2,
        available_working_time={
            "working_days_per_year": 260,
            "working_days_per_week": None,
            "weeks_per_year": None,
            "hours_per_day": 8,
            "public_holidays": 13,
            "annual_leave": 18,
            "sick_leave": 12,
            "other_leave": 5,
        },
        health_service_activities=[{"name": "Events", "annual_workload": 1696, "unit_time_hours": 1}],
        support_activities=[{"name": "Support", "time": 1, "unit": "hours", "per": "day"}],
        # 0.5 h for each of the 1,696 events, done by one member of staff: 848 h a year.
        additional_activities=[
            {"name": "Additional", "time": 848, "unit": "hours", "per": "year", "staff": 1}
        ],
    )
    r = calculate_wisn(c)
    assert r.available_working_time_hours == pytest.approx(1696)
    assert r.staff_for_health_services == pytest.approx(1.0)
    assert r.category_allowance_factor == pytest.approx(8 / 7)
    assert round(r.category_allowance_factor, 3) == 1.143
    assert r.individual_allowance_factor == pytest.approx(0.5)
    assert r.required_staff == pytest.approx(1.642857, abs=1e-6)
    assert round(r.wisn_ratio, 2) == 1.22
    assert r.workload_pressure == "Low"


class TestExample4MixedUnits:
    """planning_methods.md example 4: Aytona et al. 2022 midwife standards on a hypothetical 1,800 h AWT."""

    @pytest.fixture
    def cadre(self, make_cadre) -> WisnCadre:
        # The conftest AWT: 5 days x 52 weeks - 35 days = 225 days x 8 h = 1,800 h.
        return make_cadre(
            cadre="Midwives",
            support_activities=[
                {"name": "Health education", "time": 30, "unit": "minutes", "per": "day"},
                {"name": "Housekeeping (5S)", "time": 40, "unit": "minutes", "per": "day"},
                {"name": "Home visits", "time": 8, "unit": "hours", "per": "month"},
                {"name": "Staff meetings", "time": 2, "unit": "hours", "per": "month"},
                {"name": "CPD", "time": 48, "unit": "hours", "per": "year"},
                {"name": "Medical missions", "time": 16, "unit": "hours", "per": "month"},
                {"name": "Mentoring of students", "time": 12, "unit": "hours", "per": "week"},
            ],
            additional_activities=[
                {"name": "Supervision of BHWs", "time": 1, "unit": "hours", "per": "day", "staff": 1},
                {"name": "Management meetings", "time": 1, "unit": "hours", "per": "month", "staff": 1},
                {"name": "Mass circumcision", "time": 8, "unit": "hours", "per": "year", "staff": 1},
            ],
        )

    def test_category_allowance_percent_per_activity(self, cadre):
        awt = cadre.available_working_time
        got = [round(category_allowance_percent(s, awt), 3) for s in cadre.support_activities]
        assert got == [6.25, 8.333, 5.333, 1.333, 2.667, 10.667, 30.0]

    def test_factors(self, cadre):
        r = calculate_wisn(cadre)
        assert r.available_working_time_hours == pytest.approx(1800)
        assert sum(s.category_allowance_percent for s in r.support_activities) == pytest.approx(
            64.583, abs=1e-3
        )
        assert round(r.category_allowance_factor, 4) == 2.8235
        assert [a.individual_allowance_hours_per_year for a in r.additional_activities] == pytest.approx(
            [225, 12, 8]
        )
        assert round(r.individual_allowance_factor, 4) == 0.1361
        assert r.required_staff == pytest.approx(1.0 * r.category_allowance_factor + 245 / 1800)
