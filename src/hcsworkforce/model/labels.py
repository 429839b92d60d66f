"""The metric catalogue and readable labels: one name, unit and direction per metric, one label per code.

Every door (CLI tables, JSON notes, pages, spreadsheets, the board pack) takes a metric's label from here, so
"Share aged 55 or over" cannot be spelt two ways. Codes stay the JSON keys; labels are for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError

Direction = Literal["increase", "decrease", "neutral"]


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    unit: str  # "people", "FTE", "proportion" (0-1 in JSON), "years"
    improvement: Direction  # which way is better, by default
    definition: str


_METRICS = (
    Metric("headcount", "Headcount", "people", "increase", "people in post"),
    Metric("fte", "FTE in post", "FTE", "increase", "full-time equivalent in post"),
    Metric("vacancy_fte", "Vacant FTE", "FTE", "decrease", "funded FTE less FTE in post"),
    Metric("vacancy_rate", "Vacancy rate", "proportion", "decrease", "vacant FTE / funded FTE"),
    Metric(
        "leaver_rate_12m",
        "Leaver rate (12 months)",
        "proportion",
        "decrease",
        "leavers in the 12 months to the census / mean headcount",
    ),
    Metric(
        "stability_index",
        "Stability index",
        "proportion",
        "increase",
        "people in post 12 months before who are still in post / headcount 12 months before",
    ),
    Metric(
        "absence_rate",
        "Sickness absence rate",
        "proportion",
        "decrease",
        "FTE days lost to sickness / FTE days available, in the census month",
    ),
    Metric(
        "share_55_plus",
        "Share aged 55 or over",
        "proportion",
        "decrease",
        "share of people aged 55 or over (retirement risk)",
    ),
    Metric("mean_age", "Mean age (years)", "years", "neutral", "mean age on the census date"),
)
METRICS: dict[str, Metric] = {m.id: m for m in _METRICS}

# The metrics that are a count over a count, and so can be charted on a funnel plot and under SPC as a rate.
RATE_METRICS = ("vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")
# The metrics over time (trend pages, `hcs trend`).
TREND_METRICS = ("headcount", "fte", "vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")
# Organisations side by side on one metric (`/benchmark`, the quartile table).
BENCHMARK_METRICS = (
    "vacancy_rate",
    "leaver_rate_12m",
    "stability_index",
    "share_55_plus",
    "mean_age",
    "fte",
    "headcount",
)
# Names people type for the metrics.
METRIC_ALIASES = {
    "leaver_rate": "leaver_rate_12m",
    "leavers": "leaver_rate_12m",
    "turnover": "leaver_rate_12m",
    "vacancies": "vacancy_rate",
    "absence": "absence_rate",
    "sickness": "absence_rate",
    "over_55": "share_55_plus",
}


def metric_label(metric: str) -> str:
    m = METRICS.get(metric)
    return m.label if m else metric


def metric_labels(ids: tuple[str, ...] | list[str]) -> dict[str, str]:
    """id -> label, in the order given (for option lists and table headers)."""
    return {i: metric_label(i) for i in ids}


def organisation_label(code: str) -> str:
    """An organisation's name as the trusts list gives it, with its ODS code."""
    org = reference.trusts().get(code)
    return f"{org.name.title().replace('Nhs', 'NHS')} ({code})" if org else code


def label(dim: str, value: Any) -> str:
    """A readable label for a grouping value (organisation, specialism, region, division, career level)."""
    if value is None:
        return "(not known)"
    if dim == "organisation":
        return organisation_label(str(value))
    if dim == "specialism":
        s = reference.specialisms().get(value)
        return s.name if s else str(value)
    if dim == "region":
        return str(reference.regions().get(value, value))
    if dim == "division":
        return str(reference.divisions().get(value, value))
    if dim == "career_level":
        lv = reference.career_levels().get(value)
        return lv.name if lv else str(value)
    return str(value)


def check_metric(metric: str, allowed: Sequence[str]) -> str:
    """A metric as people type it (any case, hyphens, a short name such as leaver_rate) as its id, when it is
    one of `allowed`; otherwise a UserInputError naming the choices."""
    m = metric.strip().lower().replace("-", "_")
    m = METRIC_ALIASES.get(m, m)
    if m not in allowed:
        raise UserInputError(f"metric {metric!r} is not one of {', '.join(allowed)}")
    return m


# The WISN job's headline measures (services.wisn), as a table turned on its side labels its rows.
WISN_MEASURE_LABELS = {
    "available_working_time_days": "Available working time (days a year)",
    "available_working_time_hours": "Available working time (hours a year)",
    "staff_for_health_services": "Staff for health service activities",
    "category_allowance_factor": "Category allowance factor (CAF)",
    "individual_allowance_factor": "Individual allowance factor (IAF)",
    "required_staff": "Required staff (WISN)",
    "existing_staff": "Existing staff",
    "wisn_difference": "WISN difference (existing - required)",
    "wisn_ratio": "WISN ratio (existing / required)",
    "workload_pressure": "Workload pressure",
}
