"""What a finished projection, comparison or deployment plan shows: charts drawn from the tables its service
makes of the stored result (the same tables /api/v1/jobs/{id}/tables/ downloads), each beside its table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from hcsworkforce.model import labels
from hcsworkforce.report import charts
from hcsworkforce.services import deploy, projection


@dataclass
class Part:
    id: str
    title: str
    table: str  # the name under /api/v1/jobs/{id}/tables/
    what: str  # "the figures", as the download line reads
    records: list[dict[str, Any]]
    caption: str
    svg: Markup | None = None
    intro: str = ""
    columns: list[str] | None = None
    limit: int | None = None
    show_table: bool = True


@dataclass
class RunView:
    headline: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _scope_text(result: dict[str, Any]) -> str:
    scope = result.get("scope") or {}
    if scope.get("kind") == "organisation":
        return labels.label("organisation", scope.get("code"))
    if scope.get("kind") == "region":
        return labels.label("region", scope.get("code"))
    return "England"


def _fan(rows: list[dict[str, Any]], metrics: list[tuple[str, str, str]]) -> list[Any]:
    return [
        (name, colour, [(r[m]["p10"], r[m]["p50"], r[m]["p90"]) for r in rows]) for m, name, colour in metrics
    ]


def projection_view(result: dict[str, Any]) -> RunView:
    tables = projection.tables_of(result)
    totals = result.get("totals") or []
    years = [r["year"] for r in totals]
    resolved = result.get("resolved_scenario") or {}
    view = RunView(
        headline=f"{result.get('scenario')}: {result.get('runs', 0):,} runs from {result.get('start_year')}, "
        f"over {_scope_text(result)}.",
        facts=[
            ("Scenario", str(result.get("scenario"))),
            ("Scenario hash (sha256 of the resolved scenario)", str(result.get("hash"))),
            ("Runs and seed", f"{result.get('runs', 0):,} runs, seed {resolved.get('seed', '–')}"),
            ("Census", str((result.get("data") or {}).get("census_date") or "–")),
            ("Area", _scope_text(result)),
        ],
        notes=list(result.get("notes") or []),
    )
    view.parts.append(
        Part(
            id="fan",
            title="Supply and demand (FTE)",
            intro="The line is the median (P50) across runs; the shaded band runs from the 10th to the 90th "
            "percentile.",
            table="totals",
            what="supply, demand and gap by year",
            records=tables["totals"],
            caption="Supply, demand and gap by year (FTE; mean, P10, P50, P90 across runs)",
            svg=charts.fan_chart(
                years,
                _fan(
                    totals,
                    [
                        ("supply_fte", "Supply", charts.NHS_BLUE),
                        ("demand_fte", "Demand", charts.NHS_ORANGE),
                    ],
                ),
                title="Supply and demand, FTE",
                unit="FTE",
                chart_id="fan",
            ),
            columns=[
                "year",
                "supply_fte_p10",
                "supply_fte_p50",
                "supply_fte_p90",
                "demand_fte_p10",
                "demand_fte_p50",
                "demand_fte_p90",
                "gap_fte_p10",
                "gap_fte_p50",
                "gap_fte_p90",
            ],
        )
    )
    view.parts.append(
        Part(
            id="gapfan",
            title="The gap (demand minus supply, FTE)",
            intro="Above zero is a shortfall: more FTE needed than in post.",
            table="totals",
            what="the gap by year",
            records=tables["totals"],
            caption="Gap by year",
            svg=charts.fan_chart(
                years,
                _fan(totals, [("gap_fte", "Gap", charts.NHS_RED)]),
                title="Gap between supply and demand, FTE",
                unit="FTE",
                chart_id="gapfan",
            ),
            show_table=False,
        )
    )
    gap = tables.get("gap-by-specialism", [])
    last = gap[0]["year"] if gap else ""
    view.parts.append(
        Part(
            id="gap",
            title=f"Gap by specialism in {last}",
            intro="Median gap; the table gives the 10th and 90th percentiles too.",
            table="gap-by-specialism",
            what="the gap by specialism",
            records=gap,
            caption=f"Gap by specialism in {last} (FTE)",
            svg=charts.diverging_bar_chart(
                [(r["specialism_label"], r["gap_fte_p50"]) for r in gap],
                title=f"Median gap by specialism in {last}",
                unit="FTE",
                chart_id="gap",
            ),
            columns=[
                "specialism_label",
                "supply_fte_p50",
                "demand_fte_p50",
                "gap_fte_p10",
                "gap_fte_p50",
                "gap_fte_p90",
            ],
        )
    )
    view.parts.append(
        Part(
            id="by-specialism",
            title="Every year by specialism",
            table="by-specialism",
            what="every year by specialism",
            records=tables.get("by-specialism", []),
            caption="",
            show_table=False,
        )
    )
    view.parts.append(
        Part(
            id="assumptions",
            title="Assumptions",
            intro="Every rate the projection used, with where it came from.",
            table="assumptions",
            what="the assumptions",
            records=tables["assumptions"],
            caption="Assumptions",
            limit=200,
        )
    )
    return view


def compare_view(result: dict[str, Any]) -> RunView:
    tables = projection.compare_tables_of(result)
    (a, b) = result.get("scenarios") or [{}, {}]
    totals = result.get("totals") or []
    years = [r["year"] for r in totals]
    rows_a = [r["a"] for r in totals]
    rows_b = [r["b"] for r in totals if r.get("b")]
    view = RunView(
        headline=f"{a.get('name')} (A) and {b.get('name')} (B), over {_scope_text(result)}.",
        facts=[
            ("Scenario A", f"{a.get('name')} ({a.get('hash')})"),
            ("Scenario B", f"{b.get('name')} ({b.get('hash')})"),
            ("Area", _scope_text(result)),
        ],
        notes=list(dict.fromkeys(result.get("notes") or [])),
    )
    for metric, title in (("supply_fte", "Supply (FTE)"), ("gap_fte", "Gap, demand minus supply (FTE)")):
        series = [
            (
                "A: " + str(a.get("name")),
                charts.NHS_BLUE,
                [(r[metric]["p10"], r[metric]["p50"], r[metric]["p90"]) for r in rows_a],
            ),
        ]
        if len(rows_b) == len(rows_a):
            series.append(
                (
                    "B: " + str(b.get("name")),
                    charts.NHS_ORANGE,
                    [(r[metric]["p10"], r[metric]["p50"], r[metric]["p90"]) for r in rows_b],
                )
            )
        view.parts.append(
            Part(
                id=metric,
                title=title,
                table="totals",
                what="both scenarios by year",
                records=tables["totals"],
                caption=f"{title}: A, B and B - A (medians)",
                svg=charts.fan_chart(years, series, title=title, unit="FTE", chart_id=metric),
                columns=["year", f"a_{metric}_p50", f"b_{metric}_p50", f"difference_{metric}_p50"],
            )
        )
    view.parts.append(
        Part(
            id="by-specialism",
            title="By specialism",
            table="by-specialism",
            what="both scenarios by specialism and year",
            records=tables.get("by-specialism", []),
            caption="",
            show_table=False,
        )
    )
    for side in ("a", "b"):
        view.parts.append(
            Part(
                id=f"assumptions-{side}",
                title=f"Assumptions of scenario {side.upper()}",
                table=f"assumptions-{side}",
                what="the assumptions",
                records=tables[f"assumptions-{side}"],
                caption=f"Assumptions of scenario {side.upper()}",
                limit=100,
            )
        )
    return view


def deployment_view(result: dict[str, Any]) -> RunView:
    tables = deploy.tables_of(result)
    totals = result.get("totals") or {}
    notes = list(result.get("notes") or [])
    view = RunView(
        headline=(notes[0] if notes else "The plan is ready.") + f" Staff of {_scope_text(result)}.",
        facts=[
            ("Scenario", str(result.get("scenario"))),
            ("Mode", "surge roles" if result.get("mode") != "backup" else "back-up and back-fill"),
            ("Area whose staff were deployed", _scope_text(result)),
        ],
        notes=notes[1:],
    )
    view.parts.append(
        Part(
            id="totals",
            title="Totals",
            table="totals",
            what="the totals",
            records=tables["totals"],
            caption="Totals",
        )
    )
    by_role = tables["by-role"]
    if by_role:
        view.parts.append(
            Part(
                id="roles",
                title="Posts by role",
                table="by-role",
                what="posts by role",
                records=by_role,
                caption="Posts filled and uncovered by role",
                svg=charts.stacked_bar_chart(
                    [(str(r["role"]), float(r["filled"]), float(r["uncovered"])) for r in by_role],
                    names=("filled", "uncovered"),
                    title="Surge posts filled and uncovered, by role",
                    chart_id="roles",
                ),
            )
        )
    view.parts.append(
        Part(
            id="uncovered",
            title="Posts left uncovered",
            intro="Each with the reason no one could fill it.",
            table="uncovered",
            what="the uncovered posts",
            records=tables["uncovered"],
            caption="Posts left uncovered, with reasons",
            limit=200,
        )
    )
    floors = tables["floors"]
    view.parts.append(
        Part(
            id="floors",
            title="Essential-service floors",
            intro="What each team keeps after absence and release, against its floor.",
            table="floors",
            what="the floors",
            records=floors,
            caption="Floors, with what remains",
            limit=200,
        )
    )
    view.parts.append(
        Part(
            id="assignments",
            title="Assignments",
            table="assignments",
            what="every assignment",
            records=tables["assignments"],
            caption="Who goes where",
            limit=100,
        )
    )
    if totals.get("posts") == 0 and not by_role:
        view.notes.append("The scenario has no surge posts: the plan is back-up and back-fill only.")
    return view


def view_for(kind: str, result: dict[str, Any] | None) -> RunView | None:
    """The page's view of a finished run; None for a kind with no page of its own yet (commission)."""
    if not result:
        return None
    views = {"projection": projection_view, "compare": compare_view, "deployment": deployment_view}
    return views[kind](result) if kind in views else None
