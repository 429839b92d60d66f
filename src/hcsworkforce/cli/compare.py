"""`hcs compare A.yaml B.yaml`: two scenarios projected on the same data, side by side.

JSON: {"scenarios": [{"name", "hash"}, {"name", "hash"}], "by", "rows": [{year, <keys>, "a": {metric: stats},
"b": {...}, "difference": {metric: {mean, p50}}}], "totals", "assumptions_a", "assumptions_b",
"resolved_scenarios", "notes", "scope"} where difference is B - A: the same JSON as POST /api/v1/comparisons.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.analytics.plan import GROUP_DIMENSIONS
from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, parse_by
from hcsworkforce.cli.project import ByOption, RunsOption
from hcsworkforce.services import projection
from hcsworkforce.services.scenarios import Source
from hcsworkforce.store import open_store


def compare_command(
    scenario_a: Path = typer.Argument(..., help="First scenario (A)"),
    scenario_b: Path = typer.Argument(..., help="Second scenario (B); differences are B - A"),
    by: str | None = ByOption,
    runs: int | None = RunsOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Project two scenarios on the same census and show them side by side."""
    check_format(fmt, out)
    dims = tuple(parse_by(by, GROUP_DIMENSIONS))
    query = projection.CompareQuery(
        a=projection.ProjectionQuery(Source(path=scenario_a), runs=runs, by=dims),
        b=projection.ProjectionQuery(Source(path=scenario_b), runs=runs, by=dims),
    )
    result = projection.compare(open_store(db), query)
    emit(
        fmt,
        out,
        title=f"Scenarios compared: {result.a.name} (A) and {result.b.name} (B)",
        sections=result.tables(),
        json_payload=result.to_json(),
        notes=[*result.headline(), *result.notes],
    )


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
