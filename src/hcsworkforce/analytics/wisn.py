"""Staffing need by the WHO Workload Indicators of Staffing Need (WISN) method, one cadre at a time.

Formulas (WHO WISN user manual; worked through in docs/wisn.md):

    AWT days        = possible working days - (public holidays + annual + sick + other leave)
    AWT hours       = AWT days x hours per day
    standard load   = AWT hours / unit time                    (how many of one activity a year per member)
    staff for HS    = sum over activities of annual workload x unit time hours / AWT hours
    CAF             = 1 / (1 - total CAS % / 100)
    IAF             = sum of IAS hours a year (x staff doing it) / AWT hours
    required staff  = staff for HS x CAF + IAF
    WISN difference = existing - required;  WISN ratio = existing / required
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.wisn import (
    AdditionalActivity,
    AdditionalResult,
    AvailableWorkingTime,
    HealthServiceActivity,
    HealthServiceResult,
    SupportActivity,
    SupportResult,
    WisnCadre,
    WisnResult,
)

MINUTES_PER_HOUR = 60.0
MONTHS_PER_YEAR = 12.0
# Calendar weeks, used when the working year is given in days a year rather than days a week x weeks.
CALENDAR_WEEKS_PER_YEAR = 52.0

# Upper bounds (exclusive) of the WISN ratio for each workload-pressure label. The four labels below 0.90 fit
# every row of Joarder et al. 2020 (BMJ Open) Table 5; the Normal/Low split at 1.10 is our assumption, as the
# WISN software manual's own cut-offs were not available to us (see docs/wisn.md).
WORKLOAD_PRESSURE_BANDS: tuple[tuple[float, str], ...] = (
    (0.30, "Extremely high"),
    (0.50, "Very high"),
    (0.70, "High"),
    (0.90, "Moderately high"),
    (1.10, "Normal"),
)
LOW_WORKLOAD_PRESSURE = "Low"


# --- Available working time -------------------------------------------------------------------------------


def possible_working_days_per_year(awt: AvailableWorkingTime) -> float:
    """Days a year the cadre would work if nobody were ever absent."""
    if awt.working_days_per_year is not None:
        return awt.working_days_per_year
    assert awt.working_days_per_week is not None and awt.weeks_per_year is not None  # the model ensures it
    return awt.working_days_per_week * awt.weeks_per_year


def absence_days_per_year(awt: AvailableWorkingTime) -> float:
    return math.fsum((awt.public_holidays, awt.annual_leave, awt.sick_leave, awt.other_leave))


def available_working_time_days(awt: AvailableWorkingTime) -> float:
    return possible_working_days_per_year(awt) - absence_days_per_year(awt)


def available_working_time_hours(awt: AvailableWorkingTime) -> float:
    return available_working_time_days(awt) * awt.hours_per_day


def weeks_per_year(awt: AvailableWorkingTime) -> float:
    return awt.weeks_per_year if awt.weeks_per_year is not None else CALENDAR_WEEKS_PER_YEAR


def working_hours_per_week(awt: AvailableWorkingTime) -> float:
    """Contracted hours in a working week: days a week (given, or days a year / 52) x hours a day."""
    days_per_week = (
        awt.working_days_per_week
        if awt.working_days_per_week is not None
        else possible_working_days_per_year(awt) / CALENDAR_WEEKS_PER_YEAR
    )
    return days_per_week * awt.hours_per_day


# --- Health service activities ----------------------------------------------------------------------------


def unit_time_hours(activity: HealthServiceActivity) -> float:
    """The activity standard as hours per unit of workload, whichever way it was given."""
    if activity.unit_time_hours is not None:
        return activity.unit_time_hours
    if activity.unit_time_minutes is not None:
        return activity.unit_time_minutes / MINUTES_PER_HOUR
    assert activity.rate_per_hour is not None  # the model ensures exactly one standard is given
    return 1.0 / activity.rate_per_hour


def standard_workload_per_year(awt_hours: float, unit_time_hours: float) -> float:
    """How many units of the activity one member of the cadre can do in a year."""
    return awt_hours / unit_time_hours


def staff_for_activity(annual_workload: float, unit_time_hours: float, awt_hours: float) -> float:
    # workload x unit time / AWT rather than workload / standard workload: the same number, one rounding less.
    return annual_workload * unit_time_hours / awt_hours


# --- Allowances -------------------------------------------------------------------------------------------


def time_in_hours(time: float, unit: str, hours_per_day: float) -> float:
    """A stretch of time in hours; a 'day' is one working day of `hours_per_day`."""
    if unit == "minutes":
        return time / MINUTES_PER_HOUR
    if unit == "hours":
        return time
    if unit == "days":
        return time * hours_per_day
    raise ValueError(f"unknown time unit {unit!r}")


def category_allowance_percent(activity: SupportActivity, awt: AvailableWorkingTime) -> float:
    """The share of working time, in %, that a support activity takes from every member of the cadre.

    Time per day is a share of the working day and time per week a share of the working week: the activity
    happens on each day (week) worked, so absence does not change the share. Time per month (x 12) and per
    year are shares of the available working time in hours, because they happen so many times a year
    whatever the leave taken.
    """
    hours = time_in_hours(activity.time, activity.unit, awt.hours_per_day)
    if activity.per == "day":
        share = hours / awt.hours_per_day
    elif activity.per == "week":
        share = hours / working_hours_per_week(awt)
    elif activity.per == "month":
        share = hours * MONTHS_PER_YEAR / available_working_time_hours(awt)
    elif activity.per == "year":
        share = hours / available_working_time_hours(awt)
    else:
        raise ValueError(f"unknown period {activity.per!r}")
    return share * 100.0


def category_allowance_factor(total_cas_percent: float, cadre: str) -> float:
    """CAF = 1 / (1 - total CAS % / 100). Support work filling all the working time leaves none for service,
    so a total at or over 100% is the user's error, never a silently capped factor."""
    if total_cas_percent >= 100.0:
        raise UserInputError(
            Problem(
                f"cadre {cadre!r}: support activities take {total_cas_percent:.2f}% of working time, "
                "which leaves no time for health service activities",
                column="support_activities",
                value=f"{total_cas_percent:.2f}%",
                expected="a total category allowance under 100%",
            )
        )
    return 1.0 / (1.0 - total_cas_percent / 100.0)


def individual_allowance_hours_per_year(activity: AdditionalActivity, awt: AvailableWorkingTime) -> float:
    """Hours a year the additional activity takes, summed over the staff who do it.

    Per day counts the days actually worked (AWT days); per week x weeks_per_year (52 when the year is given
    in days); per month x 12; per year x 1.
    """
    hours = time_in_hours(activity.time, activity.unit, awt.hours_per_day)
    if activity.per == "day":
        per_year = hours * available_working_time_days(awt)
    elif activity.per == "week":
        per_year = hours * weeks_per_year(awt)
    elif activity.per == "month":
        per_year = hours * MONTHS_PER_YEAR
    elif activity.per == "year":
        per_year = hours
    else:
        raise ValueError(f"unknown period {activity.per!r}")
    return per_year * activity.staff


def individual_allowance_factor(total_ias_hours_per_year: float, awt_hours: float) -> float:
    """Whole staff needed for work that only some of the cadre do."""
    return total_ias_hours_per_year / awt_hours


# --- Results ----------------------------------------------------------------------------------------------


def required_staff(staff_for_health_services: float, caf: float, iaf: float) -> float:
    return staff_for_health_services * caf + iaf


def wisn_difference(existing_staff: float, required: float) -> float:
    """Negative is a shortage, positive an excess."""
    return existing_staff - required


def wisn_ratio(existing_staff: float, required: float) -> float | None:
    """existing / required; None where nothing is required, as no ratio means anything there."""
    if required <= 0.0:
        return None
    return existing_staff / required


def workload_pressure(ratio: float | None) -> str | None:
    """The WISN software's label for a ratio, compared unrounded (rounding first moves cases across bands)."""
    if ratio is None:
        return None
    for upper, label in WORKLOAD_PRESSURE_BANDS:
        if ratio < upper:
            return label
    return LOW_WORKLOAD_PRESSURE


def calculate_wisn(cadre: WisnCadre) -> WisnResult:
    """Staffing need for one cadre. Raises UserInputError when support activities fill all working time."""
    awt = cadre.available_working_time
    awt_days = available_working_time_days(awt)
    awt_hours = available_working_time_hours(awt)

    services = []
    for a in cadre.health_service_activities:
        hours = unit_time_hours(a)
        services.append(
            HealthServiceResult(
                name=a.name,
                annual_workload=a.annual_workload,
                unit_time_hours=hours,
                standard_workload_per_year=standard_workload_per_year(awt_hours, hours),
                staff_needed=staff_for_activity(a.annual_workload, hours, awt_hours),
            )
        )
    shs = math.fsum(s.staff_needed for s in services)

    support = [
        SupportResult(
            name=s.name,
            time=s.time,
            unit=s.unit,
            per=s.per,
            category_allowance_percent=category_allowance_percent(s, awt),
        )
        for s in cadre.support_activities
    ]
    caf = category_allowance_factor(math.fsum(s.category_allowance_percent for s in support), cadre.cadre)

    additional = [
        AdditionalResult(
            name=a.name,
            time=a.time,
            unit=a.unit,
            per=a.per,
            staff=a.staff,
            individual_allowance_hours_per_year=individual_allowance_hours_per_year(a, awt),
        )
        for a in cadre.additional_activities
    ]
    iaf = individual_allowance_factor(
        math.fsum(a.individual_allowance_hours_per_year for a in additional), awt_hours
    )

    required = required_staff(shs, caf, iaf)
    ratio = wisn_ratio(cadre.existing_staff, required)
    return WisnResult(
        cadre=cadre.cadre,
        available_working_time_days=awt_days,
        available_working_time_hours=awt_hours,
        staff_for_health_services=shs,
        category_allowance_factor=caf,
        individual_allowance_factor=iaf,
        required_staff=required,
        existing_staff=cadre.existing_staff,
        wisn_difference=wisn_difference(cadre.existing_staff, required),
        wisn_ratio=ratio,
        workload_pressure=workload_pressure(ratio),
        health_service_activities=services,
        support_activities=support,
        additional_activities=additional,
    )


def calculate_wisn_for_cadres(cadres: Iterable[WisnCadre]) -> list[WisnResult]:
    """Each cadre on its own: nothing (allowances above all) carries over from one cadre to the next.

    Every cadre whose support activities fill its working time is reported, not just the first.
    """
    results: list[WisnResult] = []
    problems: list[Problem] = []
    for cadre in cadres:
        try:
            results.append(calculate_wisn(cadre))
        except UserInputError as e:
            problems.extend(e.problems)
    if problems:
        raise UserInputError(problems)
    return results
