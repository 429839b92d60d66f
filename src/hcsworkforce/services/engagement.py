"""The engagement job: staff survey results for healthcare scientists against their organisation and England."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.access import (
    region_of,
    view_scope,
)
from hcsworkforce.store import Store


@dataclass
class EngagementView:
    group: str
    year: int | None
    years: list[int]
    scope: Scope
    suppress_below: int
    alpha: float
    indicators: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "year": self.year,
            "years": self.years,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "suppress_below": self.suppress_below,
            "alpha": self.alpha,
            "indicators": self.indicators,
            "trends": self.trends,
            "notes": self.notes,
        }


def engagement(
    store: Store,
    scope: Scope,
    *,
    region: str | None,
    organisation: str | None,
    year: int | None,
    group: str | None,
    suppress_below: int,
    alpha: float = 0.05,
) -> EngagementView:
    """Healthcare science against the rest of its organisation and the national average (`hcs engagement`),
    for the organisations in the view's scope. The national figures are pooled across every organisation,
    which reveals none of them."""
    from hcsworkforce.analytics import engagement as eg
    from hcsworkforce.ingest.survey import from_store_rows, resolve_group
    from hcsworkforce.store.tables_engagement import read_survey_results

    grp = resolve_group(group or eg.HEALTHCARE_SCIENTISTS)
    if grp is None:
        raise UserInputError(
            Problem(
                "is not a staff group or specialism",
                column="group",
                value=(group or "")[:40],
                expected="healthcare_scientists or a specialism",
            )
        )
    vs = view_scope(store, scope, region, organisation)
    # Never below the engine's own default of 11 respondents, nor the installation's threshold.
    threshold = max(eg.DEFAULT_SUPPRESS_BELOW, suppress_below)
    results = from_store_rows(read_survey_results(store))
    years = sorted({r.year for r in results})
    if year is not None and year not in years:
        raise UserInputError(
            Problem(
                "no results for this year",
                column="year",
                value=str(year),
                expected=", ".join(map(str, years)) or "none loaded",
            )
        )
    chosen = year if year is not None else (years[-1] if years else None)
    orgs: list[str] | None = None
    if vs.kind == "organisation":
        orgs = [vs.code or ""]
    elif vs.kind == "region":
        regions = region_of(store)
        orgs = sorted({r.organisation_code for r in results if regions.get(r.organisation_code) == vs.code})
    indicators = (
        eg.engagement_indicators(
            results, group=grp, organisations=orgs, years=[chosen], suppress_below=threshold, alpha=alpha
        )
        if chosen is not None
        else []
    )
    trends = eg.engagement_trends(
        results, group=grp, organisations=orgs, suppress_below=threshold, alpha=alpha
    )
    for rows in (indicators, trends):
        for r in rows:
            r["organisation_label"] = label("organisation", r["organisation_code"])
    flagged = sum(
        1 for r in indicators if r.get("significant_vs_organisation") or r.get("significant_vs_national")
    )
    tested = sum(1 for r in indicators if r.get("p_value_vs_organisation") is not None)
    notes = [
        "95% intervals (Wilson for percentages; normal for scores with a standard deviation). A flag marks a "
        f"difference with p < {alpha} (two-sided z-test); {flagged} of {len(indicators)} rows flagged. With "
        f"{tested} tests, about {alpha * tested:.0f} would be flagged by chance alone.",
        "Against the organisation = against its other staff (the whole staff less this group).",
        f"Groups with fewer than {threshold} respondents are suppressed, as are comparisons whose other group "
        "is that small.",
    ]
    if not results:
        notes.insert(0, "No staff survey results are loaded (`hcs survey import FILE`).")
    return EngagementView(grp, chosen, years, vs, threshold, alpha, indicators, trends, notes)
