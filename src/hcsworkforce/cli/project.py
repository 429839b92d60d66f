"""`hcs project SCENARIO`: supply, demand and gap projection with Monte Carlo bands (DESIGN 4.3).

JSON: {"scenario", "hash", "runs", "by", "start_year", "rows": [{year, <keys>, supply_fte: {mean, p10, p50, p90},
demand_fte: {...}, gap_fte: {...}, supply_headcount: {...}}], "totals", "assumptions", "provenance", "notes",
"data", "resolved_scenario", "scope"}: the same JSON as POST /api/v1/projections (services.projection). The hash
is sha256 of the resolved scenario's canonical JSON: rerun the resolved scenario on the same data to get the
same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.analytics.plan import GROUP_DIMENSIONS
from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit,
    err_console,
    parse_by,
)
from hcsworkforce.report.projection_html import render_projection
from hcsworkforce.services import projection
from hcsworkforce.services.scenarios import Source
from hcsworkforce.store import open_store

TITLE = "Workforce projection: supply, demand and gap"
ScenarioArg = typer.Argument(..., help="Scenario YAML file (see docs/planning.md)")
RunsOption = typer.Option(None, "--runs", help="Monte Carlo runs (overrides the scenario's runs)")
ByOption = typer.Option(None, "--by", help="Group by any of: specialism, career_level, division, region")


def table_rows(rows: list[dict[str, Any]], by: list[str]) -> list[dict[str, Any]]:
    """A terminal-width view: central values and the gap's band."""
    out = []
    for r in rows:
        row = {"year": r["year"], **{k: r[k] for k in by}}
        row["supply FTE (P50)"] = r["supply_fte"]["p50"]
        row["demand FTE (P50)"] = r["demand_fte"]["p50"]
        row["gap FTE P10"] = r["gap_fte"]["p10"]
        row["gap FTE P50"] = r["gap_fte"]["p50"]
        row["gap FTE P90"] = r["gap_fte"]["p90"]
        row["headcount (P50)"] = r["supply_headcount"]["p50"]
        out.append(row)
    return out


def project_command(
    scenario_file: Path = ScenarioArg,
    runs: int | None = RunsOption,
    by: str | None = ByOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Project supply, demand and the gap over the scenario's horizon, with P10/P50/P90 across runs."""
    check_format(fmt, out)
    dims = parse_by(by, GROUP_DIMENSIONS)
    if fmt == "html" and not dims:
        dims = ["specialism"]  # the report's gap chart is by specialism unless asked otherwise
    query = projection.ProjectionQuery(Source(path=scenario_file), runs=runs, by=tuple(dims))
    result = projection.run(open_store(db), query)
    if fmt == "html":
        text = render_projection(result)
        if out:
            out.write_text(text, encoding="utf-8")
            err_console.print(f"Wrote {out}")
        else:
            typer.echo(text)
        return
    sections = result.tables()
    if fmt == "table":
        sections = [
            ("Projection", table_rows(result.summary.rows(), dims)),
            ("Assumptions", result.assumptions),
        ]
    emit(
        fmt,
        out,
        title=f"{TITLE}: {result.name}",
        sections=sections,
        json_payload=result.to_json(),
        notes=[*result.headline(), *result.notes],
    )


def register(app: typer.Typer) -> None:
    app.command("project")(project_command)
