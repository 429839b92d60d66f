"""`hcs commission SCENARIO`: extra training places that close the gap by a target year at least cost.

The gap is closed per specialism and career level: a place counts only at its programme's exit level. JSON
keys (docs/planning.md 3), the same as POST /api/v1/commissions: scenario, hash, target_year, percentile, basis,
runs, status, total_cost_gbp, total_places, places_by_programme_year, plan, by_level, gaps, unmet, programmes,
optimality, allocation, assumptions, notes, data, resolved_scenario, scope. The table leads with the summary
(places by programme and year, cost, gap by level, what is left and why), then the detail.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.project import RunsOption, ScenarioArg
from hcsworkforce.services import commission
from hcsworkforce.services.scenarios import Source
from hcsworkforce.store import open_store

TITLE = "Training commissions that close the gap"


def commission_command(
    scenario_file: Path = ScenarioArg,
    percentile: float | None = typer.Option(
        None,
        "--percentile",
        help="Percentile of the gap to close, e.g. 50, 80 or 90 (default the scenario's, else 50). "
        "P50 uses the expected path unless --runs is given; others run Monte Carlo",
    ),
    target_year: int | None = typer.Option(None, "--target-year", help="Close the gap by this year"),
    runs: int | None = RunsOption,
    allocation: str | None = typer.Option(
        None,
        "--allocation",
        help="When capacity is short: fair (default; spread places so no specialism's gap is left much "
        "more unmet than others, per level) or efficient (places where one closes most FTE). Default "
        "the scenario's commissioning.allocation",
    ),
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Least-cost training places per programme, specialism and year within capacity; unmet gaps reported."""
    check_format(fmt, out)
    query = commission.CommissionQuery(
        Source(path=scenario_file),
        percentile=percentile,
        target_year=target_year,
        runs=runs,
        allocation=allocation,
    )
    result = commission.run(open_store(db), query)
    emit(
        fmt,
        out,
        title=f"{TITLE}: {result.name}",
        sections=result.tables(),
        json_payload=result.to_json(),
        notes=[*result.headline(), *result.notes],
    )


def register(app: typer.Typer) -> None:
    app.command("commission")(commission_command)
