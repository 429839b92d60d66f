"""The WISN engine's small functions, each on hand-checked cases."""

from __future__ import annotations

import pytest

from hcsworkforce.analytics.wisn import (
    available_working_time_days,
    available_working_time_hours,
    calculate_wisn,
    calculate_wisn_for_cadres,
    category_allowance_factor,
    category_allowance_percent,
    individual_allowance_hours_per_year,
    time_in_hours,
    unit_time_hours,
    wisn_ratio,
    working_hours_per_week,
    workload_pressure,
)
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.wisn import (
    AdditionalActivity,
    AvailableWorkingTime,
    HealthServiceActivity,
    SupportActivity,
)

AFC_WEEK = {
    "hours_per_day": 7.5,
    "public_holidays": 8,
    "annual_leave": 27,
    "sick_leave": 10,
    "other_leave": 5,
}


def awt(**kw) -> AvailableWorkingTime:
    return AvailableWorkingTime.model_validate(kw)


class TestAvailableWorkingTime:
    def test_days_a_week_times_weeks(self):
        a = awt(working_days_per_week=5, weeks_per_year=52, **AFC_WEEK)
        assert available_working_time_days(a) == 260 - 50
        assert available_working_time_hours(a) == 210 * 7.5

    def test_days_a_year(self):
        a = awt(working_days_per_year=253, **AFC_WEEK)
        assert available_working_time_days(a) == 203
        assert available_working_time_hours(a) == pytest.approx(1522.5)

    def test_working_week_from_days_a_year_uses_52_weeks(self):
        assert working_hours_per_week(awt(working_days_per_year=260, **AFC_WEEK)) == pytest.approx(37.5)
        assert working_hours_per_week(awt(working_days_per_week=4, weeks_per_year=45, **AFC_WEEK)) == 30


@pytest.mark.parametrize(
    ("standard", "hours"),
    [({"unit_time_minutes": 45}, 0.75), ({"unit_time_hours": 1.5}, 1.5), ({"rate_per_hour": 4}, 0.25)],
)
def test_unit_time_hours_from_any_standard(standard, hours):
    activity = HealthServiceActivity.model_validate({"name": "x", "annual_workload": 1, **standard})
    assert unit_time_hours(activity) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("time", "unit", "hours"), [(90, "minutes", 1.5), (2, "hours", 2), (1.5, "days", 12)]
)
def test_time_in_hours_counts_a_day_as_a_working_day(time, unit, hours):
    assert time_in_hours(time, unit, hours_per_day=8) == hours


class TestCategoryAllowancePercent:
    # 5 days x 52 weeks - 35 days = 225 days; x 8 h = 1,800 h; a 40-hour week.
    A = AvailableWorkingTime(
        working_days_per_week=5,
        weeks_per_year=52,
        hours_per_day=8,
        public_holidays=10,
        annual_leave=15,
        sick_leave=5,
        other_leave=5,
    )

    @pytest.mark.parametrize(
        ("time", "unit", "per", "percent"),
        [
            (1, "hours", "day", 12.5),  # share of an 8-hour day
            (48, "minutes", "day", 10.0),
            (4, "hours", "week", 10.0),  # share of a 40-hour week
            (0.5, "days", "week", 10.0),
            (15, "hours", "month", 10.0),  # 15 x 12 = 180 h of 1,800
            (180, "hours", "year", 10.0),
            (22.5, "days", "year", 10.0),  # 22.5 x 8 = 180 h
        ],
    )
    def test_each_period_and_unit(self, time, unit, per, percent):
        s = SupportActivity(name="s", time=time, unit=unit, per=per)
        assert category_allowance_percent(s, self.A) == pytest.approx(percent)

    @pytest.mark.parametrize(
        ("time", "unit", "per", "hours_a_year"),
        [
            (1, "hours", "day", 225),  # every day actually worked
            (2, "hours", "week", 104),  # x 52 weeks
            (1, "days", "month", 96),  # 8 h x 12
            (30, "minutes", "year", 0.5),
        ],
    )
    def test_individual_allowance_hours_for_each_period(self, time, unit, per, hours_a_year):
        one = AdditionalActivity(name="a", time=time, unit=unit, per=per, staff=1)
        three = AdditionalActivity(name="a", time=time, unit=unit, per=per, staff=3)
        assert individual_allowance_hours_per_year(one, self.A) == pytest.approx(hours_a_year)
        assert individual_allowance_hours_per_year(three, self.A) == pytest.approx(3 * hours_a_year)


class TestCategoryAllowanceFactor:
    def test_no_support_time_is_one(self):
        assert category_allowance_factor(0.0, "x") == 1.0

    def test_half_the_time_doubles_need(self):
        assert category_allowance_factor(50.0, "x") == 2.0

    @pytest.mark.parametrize("total", [100.0, 100.0001, 250.0])
    def test_total_at_or_over_100_percent_is_an_error(self, total):
        with pytest.raises(UserInputError) as e:
            category_allowance_factor(total, "Clinical scientists")
        text = str(e.value)
        assert "Clinical scientists" in text
        assert f"{total:.2f}%" in text
        assert e.value.problems[0].column == "support_activities"

    def test_error_from_the_whole_calculation_names_cadre_and_total(self, make_cadre):
        c = make_cadre(
            cadre="Audiologists",
            support_activities=[
                {"name": "Admin", "time": 5, "unit": "hours", "per": "day"},
                {"name": "Meetings", "time": 3, "unit": "hours", "per": "day"},
            ],
        )
        with pytest.raises(UserInputError, match=r"'Audiologists'.*100\.00%"):
            calculate_wisn(c)


class TestRatioAndPressure:
    def test_ratio_is_none_when_nothing_is_required(self):
        assert wisn_ratio(3, 0.0) is None
        assert workload_pressure(None) is None

    def test_zero_workload_cadre(self, make_cadre):
        r = calculate_wisn(
            make_cadre(health_service_activities=[{"name": "x", "annual_workload": 0, "rate_per_hour": 2}])
        )
        assert r.required_staff == 0
        assert r.wisn_difference == 1
        assert r.wisn_ratio is None and r.workload_pressure is None

    def test_no_staff_in_post_is_extremely_high_pressure(self, make_cadre):
        r = calculate_wisn(make_cadre(existing_staff=0))
        assert r.wisn_ratio == 0 and r.workload_pressure == "Extremely high"

    @pytest.mark.parametrize(
        ("ratio", "label"),
        [
            (0.0, "Extremely high"),
            (0.2999, "Extremely high"),
            (0.30, "Very high"),
            (0.4999, "Very high"),
            (0.50, "High"),
            (0.6999, "High"),
            (0.70, "Moderately high"),
            (0.8999, "Moderately high"),
            (0.90, "Normal"),
            (1.0, "Normal"),
            (1.0999, "Normal"),
            (1.10, "Low"),
            (5.0, "Low"),
        ],
    )
    def test_label_bands(self, ratio, label):
        assert workload_pressure(ratio) == label

    def test_ratio_is_labelled_unrounded(self):
        # 0.2996 rounds to 0.30 on a report but is still under 0.30.
        assert workload_pressure(0.2996) == "Extremely high"


class TestSeveralCadres:
    def test_allowances_do_not_leak_from_one_cadre_to_the_next(self, make_cadre):
        heavy = make_cadre(
            cadre="A",
            support_activities=[{"name": "s", "time": 4, "unit": "hours", "per": "day"}],
            additional_activities=[{"name": "a", "time": 900, "unit": "hours", "per": "year", "staff": 1}],
        )
        plain = make_cadre(cadre="B")
        alone = calculate_wisn(plain)
        after_heavy = calculate_wisn_for_cadres([heavy, plain])[1]
        assert after_heavy == alone
        assert after_heavy.category_allowance_factor == 1.0
        assert after_heavy.individual_allowance_factor == 0.0

    def test_every_cadre_over_100_percent_is_reported(self, make_cadre):
        full = [{"name": "s", "time": 8, "unit": "hours", "per": "day"}]
        cadres = [make_cadre(cadre=n, support_activities=full) for n in ("A", "B")] + [make_cadre(cadre="C")]
        with pytest.raises(UserInputError) as e:
            calculate_wisn_for_cadres(cadres)
        assert e.value.total == 2
        assert "'A'" in str(e.value) and "'B'" in str(e.value) and "'C'" not in str(e.value)
