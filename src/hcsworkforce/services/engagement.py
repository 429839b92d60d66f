"""The engagement job: staff survey results for healthcare science against the rest of its organisation and
England (`hcs engagement`, the engagement page and /api/v1/engagement), and loading survey results
(`hcs survey import`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hcsworkforce.analytics import engagement as eg
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.directory import resolve_region
from hcsworkforce.ingest.survey import SurveyFile, resolve_group
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import region_of, survey_suppression, view_scope
from hcsworkforce.store import Store
from hcsworkforce.store.tables_engagement import read_survey_results, replace_survey_results

# The columns of each table in a terminal (the JSON and the downloads carry every column).
INDICATOR_COLUMNS = [
    "organisation_code",
    "question",
    "respondents",
    "value",
    "ci_low",
    "ci_high",
    "rest_of_organisation",
    "significant_vs_organisation",
    "national",
    "significant_vs_national",
    "suppressed",
]
TREND_COLUMNS = [
    "organisation_code",
    "question",
    "year",
    "respondents",
    "value",
    "ci_low",
    "ci_high",
    "change",
    "significant_change",
    "suppressed",
]


@dataclass(frozen=True)
class EngagementQuery:
    """region (code or name) and organisation narrow the caller's scope; year: the indicators' year (default the
    latest); group: healthcare_scientists or a specialism; suppress_below: the respondents a group needs to be
    shown, raised to installation_suppress_below (settings.suppress_below) where that is higher."""

    region: str | None = None
    organisation: str | None = None
    year: int | None = None
    group: str = eg.HEALTHCARE_SCIENTISTS
    suppress_below: int = eg.DEFAULT_SUPPRESS_BELOW
    installation_suppress_below: int = 0
    alpha: float = eg.DEFAULT_ALPHA


@dataclass
class EngagementResult:
    group: str
    year: int
    years: list[int]
    scope: Scope
    suppress_below: int
    alpha: float
    indicators: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Staff engagement: {self.group}, {self.year}"

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

    def records(self) -> list[dict[str, Any]]:
        return self.indicators

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Indicators", self.indicators), ("Trends", self.trends)]


def _organisations(store: Store, vs: Scope, results: list[Any]) -> list[str] | None:
    """The organisations a view covers (None: every organisation)."""
    if vs.kind == "organisation":
        return [vs.code or ""]
    if vs.kind == "region":
        regions = region_of(store)
        return sorted({r.organisation_code for r in results if regions.get(r.organisation_code) == vs.code})
    return None


def run(store: Store, query: EngagementQuery, scope: Scope = NATIONAL) -> EngagementResult:
    """Healthcare science (or a specialism) against the rest of its organisation and the national average, for
    the organisations in the view's scope. The national figures are pooled across every organisation, which
    reveals none of them."""
    grp = resolve_group(query.group or eg.HEALTHCARE_SCIENTISTS)
    if grp is None:
        raise UserInputError(
            Problem(
                "is not a staff group or specialism",
                column="group",
                value=(query.group or "")[:40],
                expected="healthcare_scientists or a specialism",
            )
        )
    if not 0 < query.alpha < 1:
        raise UserInputError(
            Problem(
                "is not a significance level",
                column="alpha",
                value=str(query.alpha),
                expected="a number between 0 and 1, e.g. 0.05",
            )
        )
    region = (resolve_region(query.region) or query.region) if query.region else None
    vs = view_scope(store, scope, region, query.organisation)
    threshold = survey_suppression(query.suppress_below, query.installation_suppress_below)
    results = read_survey_results(store)
    if not results:
        raise UserInputError("no survey results loaded: run `hcs survey import FILE` first")
    years = sorted({r.year for r in results})
    if query.year is not None and query.year not in years:
        raise UserInputError(
            Problem(
                "no results for this year",
                column="year",
                value=str(query.year),
                expected=", ".join(map(str, years)),
            )
        )
    chosen = query.year if query.year is not None else years[-1]
    orgs = _organisations(store, vs, results)
    indicators = eg.engagement_indicators(
        results, group=grp, organisations=orgs, years=[chosen], suppress_below=threshold, alpha=query.alpha
    )
    trends = eg.engagement_trends(
        results, group=grp, organisations=orgs, suppress_below=threshold, alpha=query.alpha
    )
    if query.organisation and not indicators and not trends:
        raise UserInputError(
            Problem(
                "no survey results for this organisation",
                column="organisation",
                value=vs.code,
                expected="an organisation in the survey file",
            )
        )
    for rows in (indicators, trends):
        for r in rows:
            r["organisation_label"] = label("organisation", r["organisation_code"])
    flagged = sum(1 for r in indicators if r["significant_vs_organisation"] or r["significant_vs_national"])
    tested = sum(1 for r in indicators if r["p_value_vs_organisation"] is not None)
    notes = [
        f"{grp} in {chosen}: 95% intervals (Wilson for percentages; normal for scores with a standard deviation). "
        f"Flags mark differences with p < {query.alpha} (two-sided z-test); {flagged} of {len(indicators)} rows "
        f"flagged. With {tested} tests, about {query.alpha * tested:.0f} would be flagged by chance alone.",
        "Against the organisation = against its other staff (the whole staff less this group).",
        f"Groups with fewer than {threshold} respondents are suppressed, as are comparisons whose other group "
        "is that small.",
    ]
    return EngagementResult(grp, chosen, years, vs, threshold, query.alpha, indicators, trends, notes)


@dataclass
class SurveyLoad:
    """What `hcs survey import` loaded."""

    results: int
    new: int
    replaced: int
    organisations: int
    years: list[int]

    def summary(self) -> str:
        span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
        return (
            f"Loaded {self.results:,} survey results ({self.new:,} new, {self.replaced:,} replaced) for "
            f"{self.organisations:,} organisations, years {span}."
        )


def load_survey(store: Store, survey: SurveyFile) -> SurveyLoad:
    """Write a validated survey file in one transaction, replacing rows with the same organisation, group,
    question and year (so loading a file twice changes nothing)."""
    new, replaced = replace_survey_results(store, survey.results, survey.file)
    return SurveyLoad(
        results=len(survey.results),
        new=new,
        replaced=replaced,
        organisations=len({r.organisation_code for r in survey.results}),
        years=sorted({r.year for r in survey.results}),
    )
