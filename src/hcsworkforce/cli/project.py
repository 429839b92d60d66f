"""`hcs project SCENARIO`: supply, demand and gap projection with Monte Carlo bands (DESIGN 4.3).

JSON: {"scenario", "hash", "runs", "by", "rows": [{year, <keys>, supply_fte: {mean, p10, p50, p90},
demand_fte: {...}, gap_fte: {...}, supply_headcount: {...}}], "assumptions", "notes", "data",
"resolved_scenario"}. The hash is sha256 of the resolved scenario's canonical JSON: rerun the resolved scenario
on the same data to get the same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit,
    err_console,
    parse_by,
)
from hcsworkforce.errors import Problem, UserInputError

TITLE = "Workforce projection: supply, demand and gap"
ScenarioArg = typer.Argument(..., help="Scenario YAML file (see docs/planning.md)")
RunsOption = typer.Option(None, "--runs", help="Monte Carlo runs (overrides the scenario's runs)")


def load_scenario(path: Path, runs: int | None = None) -> Any:
    from hcsworkforce.ingest.scenario_file import read_scenario

    if runs is not None and runs < 1:
        raise UserInputError(Problem("--runs must be at least 1", value=str(runs)))
    return read_scenario(path, {"runs": runs} if runs is not None else None)


def wisn_baselines(scenario: Any, scenario_path: Path) -> dict[str, float]:
    """Required FTE per specialism from WISN files the scenario names (paths relative to the scenario)."""
    from hcsworkforce.analytics.wisn import calculate_wisn_for_cadres
    from hcsworkforce.ingest.wisn_file import read_wisn_file

    out: dict[str, float] = {}
    for w in scenario.demand.wisn:
        if w.file is None:
            continue
        path = (scenario_path.parent / w.file).resolve()
        results = calculate_wisn_for_cadres(read_wisn_file(path))
        out[w.specialism] = float(sum(r.required_staff for r in results))
    return out


def load_frames(db: str | None, scenario: Any) -> dict[str, Any]:
    """Staff, leavers and establishment for the scenario's census (the latest by default)."""
    from hcsworkforce.store import open_store

    store = open_store(db)
    census = scenario.census_date
    dates = store.census_dates()
    if census is not None and census not in dates:
        raise UserInputError(
            Problem(
                "census_date is not a census in the database",
                column="census_date",
                value=str(census),
                expected=", ".join(d.isoformat() for d in dates) or "an import first: hcs import FILE",
            )
        )
    staff = store.staff(census_date=census)
    if staff.height == 0:
        err_console.print("[yellow]No staff loaded:[/] supply comes from the scenario's training only.")
    return {
        "staff": staff,
        "leavers": store.leavers(census_date=census),
        "establishment": store.establishment(census_date=census),
    }


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
    by: str | None = typer.Option(
        None, "--by", help="Group by any of: specialism, career_level, division, region"
    ),
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Project supply, demand and the gap over the scenario's horizon, with P10/P50/P90 across runs."""
    from hcsworkforce.analytics.plan import GROUP_DIMENSIONS, project_scenario

    check_format(fmt, out)
    dims = parse_by(by, GROUP_DIMENSIONS)
    if fmt == "html" and not dims:
        dims = ["specialism"]  # the report's gap chart is by specialism unless asked otherwise
    scenario = load_scenario(scenario_file, runs)
    frames = load_frames(db, scenario)
    result = project_scenario(
        scenario,
        frames["staff"],
        leavers=frames["leavers"],
        establishment=frames["establishment"],
        by=dims,
        wisn_fte=wisn_baselines(scenario, scenario_file),
    )
    notes = [
        f"Scenario {result.name!r}, hash {result.hash}",
        f"{result.summary.runs:,} runs, seed {scenario.seed}",
        *result.notes,
    ]
    if fmt == "html":
        from hcsworkforce.report.projection_html import render_projection

        text = render_projection(result)
        if out:
            out.write_text(text, encoding="utf-8")
            err_console.print(f"Wrote {out}")
        else:
            typer.echo(text)
        return
    rows = result.summary.rows()
    main = table_rows(rows, dims) if fmt == "table" else result.summary.flat_rows()
    emit(
        fmt,
        out,
        title=f"{TITLE}: {result.name}",
        sections=[("Projection", main), ("Assumptions", result.assumptions)],
        json_payload=result.to_json(),
        notes=notes,
    )


def register(app: typer.Typer) -> None:
    app.command("project")(project_command)
