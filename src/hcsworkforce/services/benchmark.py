"""The benchmark job (quartiles): organisations side by side on one metric, against the national quartiles
(`hcs benchmark METRIC --quartiles`, /api/v1/benchmark, the benchmark page).

The quartiles are always across every organisation nationally, with suppression, so an organisation user sees
where they stand without seeing another organisation's own figures; the rows are the organisations the
caller's scope covers. (Rates against peers on a funnel plot are the funnel job, services/trends.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.labels import BENCHMARK_METRICS, METRIC_ALIASES, METRICS, metric_label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import profile
from hcsworkforce.services.access import min_organisations_for_quartiles, suppression_for
from hcsworkforce.store import Store

QUARTILES = (("p25", 0.25), ("median", 0.5), ("p75", 0.75))


@dataclass(frozen=True)
class BenchmarkQuery:
    metric: str
    specialism: str | None = None
    census_date: date | None = None
    suppress_below: int = 5


@dataclass
class BenchmarkResult:
    census_date: date | None
    metric: str
    specialism: str | None
    rows: list[dict[str, Any]]  # one per organisation the caller may see, highest first
    quartiles: dict[str, float | None]  # across every organisation nationally: p25, median, p75
    organisations_compared: int
    suppress_below: int  # as applied to the rows (0 inside one organisation)
    notes: list[str] = field(default_factory=list)

    @property
    def is_rate(self) -> bool:
        return METRICS[self.metric].unit == "proportion"

    def to_json(self) -> dict[str, Any]:
        return {
            "census_date": self.census_date,
            "metric": self.metric,
            "specialism": self.specialism,
            "national_quartiles": self.quartiles,
            "organisations_compared": self.organisations_compared,
            "records": self.rows,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.rows

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        quartiles = [{"quartile": q, self.metric: self.quartiles[q]} for q, _ in QUARTILES]
        return [("Organisations", self.records()), ("National quartiles", quartiles)]


def check_metric(metric: str) -> str:
    """A benchmark metric's id, from the id or a name people type for it (leaver_rate, vacancies ...)."""
    m = METRIC_ALIASES.get(metric.strip().lower(), metric.strip().lower())
    if m not in BENCHMARK_METRICS:
        raise UserInputError(
            Problem(
                "is not a benchmark metric",
                column="metric",
                value=metric[:40],
                expected=", ".join(BENCHMARK_METRICS),
            )
        )
    return m


def run(store: Store, query: BenchmarkQuery, scope: Scope = NATIONAL) -> BenchmarkResult:
    """Each organisation in the scope on the metric, ranked, beside the national quartiles."""
    metric = check_metric(query.metric)
    if query.specialism and query.specialism not in reference.specialisms():
        raise UserInputError(
            Problem(
                "is not a specialism",
                column="specialism",
                value=query.specialism[:80],
                expected="a specialism id",
            )
        )
    filters = {"specialism": query.specialism} if query.specialism else {}
    by_org = profile.ProfileQuery(("organisation",), filters, query.census_date, query.suppress_below)
    # Always computed nationally with suppression: small organisations must not leak through the quartiles.
    national = profile.run(store, by_org, NATIONAL)
    values = sorted(v for r in national.rows if (v := r.get(metric)) is not None)
    quartiles: dict[str, float | None] = {q: None for q, _ in QUARTILES}
    if len(values) >= min_organisations_for_quartiles(query.suppress_below):
        s = pl.Series(values)
        quartiles = {q: float(s.quantile(p, interpolation="linear") or 0.0) for q, p in QUARTILES}
    mine = profile.run(store, by_org, scope)
    rows = [
        {
            "organisation": r["organisation"],
            "organisation_label": r["organisation_label"],
            "headcount": r.get("headcount"),
            metric: r.get(metric),
            "suppressed": r.get("suppressed", False),
        }
        for r in mine.rows
    ]
    rows.sort(key=lambda r: (r[metric] is None, -(r[metric] or 0.0)))
    threshold = suppression_for(scope, query.suppress_below)
    subject = metric_label(metric) + (
        f", {reference.specialisms()[query.specialism].name}" if query.specialism else ""
    )
    notes = [
        f"{subject} by organisation; quartiles across the {len(values)} organisations in England with the figure."
        if quartiles["median"] is not None
        else f"{subject} by organisation; too few organisations have the figure to show quartiles.",
        f"Counts below {threshold} are suppressed (blank) because this output covers more than one organisation."
        if threshold
        else "Figures for one organisation; no suppression applied.",
    ]
    return BenchmarkResult(
        national.census_date, metric, query.specialism, rows, quartiles, len(values), threshold, notes
    )
