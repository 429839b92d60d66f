"""`hcs commission SCENARIO`: extra training places that close the gap by a target year at least cost.

JSON: {"scenario", "hash", "target_year", "percentile", "status", "total_cost_gbp", "places": [{programme,
specialism, intake_year, first_counted_year, places, expected_completers, fte_at_target_year, cost_gbp}],
"gaps": [{specialism, career_level, gap_fte, closed_fte, remaining_gap_fte}], "unmet": [...], "notes"}.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.project import RunsOption, ScenarioArg, load_frames, load_scenario, wisn_baselines

TITLE = "Training commissions that close the gap"


def commission_command(
    scenario_file: Path = ScenarioArg,
    percentile: float | None = typer.Option(
        None, "--percentile", help="Which percentile of the gap to close (default the scenario's, else 50)"
    ),
    target_year: int | None = typer.Option(None, "--target-year", help="Close the gap by this year"),
    runs: int | None = RunsOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Least-cost training places per programme, specialism and year within capacity; unmet gaps reported."""
    from hcsworkforce.analytics.plan import commission_scenario

    check_format(fmt, out)
    scenario = load_scenario(scenario_file, runs)
    frames = load_frames(db, scenario)
    proj, plan = commission_scenario(
        scenario,
        frames["staff"],
        leavers=frames["leavers"],
        establishment=frames["establishment"],
        percentile=percentile,
        target_year=target_year,
        wisn_fte=wisn_baselines(scenario, scenario_file),
    )
    payload = {
        "scenario": proj.name,
        "hash": proj.hash,
        "target_year": plan.target_year,
        "percentile": plan.percentile,
        "status": plan.status,
        "total_cost_gbp": plan.total_cost_gbp,
        "places": plan.places,
        "gaps": plan.gaps,
        "unmet": plan.unmet,
        "notes": proj.notes,
        "resolved_scenario": proj.resolved,
    }
    notes = [
        f"Scenario {proj.name!r}, hash {proj.hash}; closing the P{plan.percentile:g} gap by {plan.target_year}",
        f"Status: {plan.status}; total cost GBP {plan.total_cost_gbp:,.0f}",
        *proj.notes,
    ]
    emit(
        fmt,
        out,
        title=f"{TITLE}: {proj.name}",
        sections=[
            ("Places", plan.places),
            ("Gaps at the target year", plan.gaps),
            ("Gaps capacity cannot close", plan.unmet),
        ],
        json_payload=payload,
        notes=notes,
    )


def register(app: typer.Typer) -> None:
    app.command("commission")(commission_command)
