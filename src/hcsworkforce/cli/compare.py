"""`hcs compare A.yaml B.yaml`: two scenarios projected on the same data, side by side.

JSON: {"scenarios": [{"name", "hash"}, {"name", "hash"}], "by", "rows": [{year, <keys>, "a": {metric: stats},
"b": {...}, "difference": {metric: {mean, p50}}}]} where difference is B - A.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, parse_by
from hcsworkforce.cli.project import RunsOption, load_frames, load_scenario, wisn_baselines

METRICS = ("supply_fte", "demand_fte", "gap_fte", "supply_headcount")


def compare_rows(a: list[dict[str, Any]], b: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    index = {tuple(r[k] for k in ["year", *keys]): r for r in b}
    out = []
    for ra in a:
        key = tuple(ra[k] for k in ["year", *keys])
        rb = index.get(key)
        row: dict[str, Any] = {k: ra[k] for k in ["year", *keys]}
        row["a"] = {m: ra[m] for m in METRICS}
        row["b"] = {m: rb[m] for m in METRICS} if rb else None
        row["difference"] = (
            {m: {s: round(rb[m][s] - ra[m][s], 3) for s in ("mean", "p50")} for m in METRICS} if rb else None
        )
        out.append(row)
    return out


def compare_command(
    scenario_a: Path = typer.Argument(..., help="First scenario (A)"),
    scenario_b: Path = typer.Argument(..., help="Second scenario (B); differences are B - A"),
    by: str | None = typer.Option(
        None, "--by", help="Group by any of: specialism, career_level, division, region"
    ),
    runs: int | None = RunsOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
    db: str | None = DbOption,
) -> None:
    """Project two scenarios on the same census and show them side by side."""
    from hcsworkforce.analytics.plan import GROUP_DIMENSIONS, project_scenario

    check_format(fmt, out)
    dims = parse_by(by, GROUP_DIMENSIONS)
    sa = load_scenario(scenario_a, runs)
    sb = load_scenario(scenario_b, runs)
    frames = load_frames(db, sa)
    frames_b = load_frames(db, sb) if sb.census_date != sa.census_date else frames
    ra = project_scenario(
        sa,
        frames["staff"],
        leavers=frames["leavers"],
        establishment=frames["establishment"],
        by=dims,
        wisn_fte=wisn_baselines(sa, scenario_a),
    )
    rb = project_scenario(
        sb,
        frames_b["staff"],
        leavers=frames_b["leavers"],
        establishment=frames_b["establishment"],
        by=dims,
        wisn_fte=wisn_baselines(sb, scenario_b),
    )
    rows = compare_rows(ra.summary.rows(), rb.summary.rows(), dims)
    flat = []
    for r in rows:
        f: dict[str, Any] = {k: r[k] for k in ["year", *dims]}
        for m in METRICS:
            f[f"A {m} P50"] = r["a"][m]["p50"]
            f[f"B {m} P50"] = r["b"][m]["p50"] if r["b"] else None
            f[f"B-A {m} P50"] = r["difference"][m]["p50"] if r["difference"] else None
        flat.append(f)
    emit(
        fmt,
        out,
        title=f"Scenarios compared: {ra.name} (A) and {rb.name} (B)",
        sections=[("Comparison", flat), ("Assumptions A", ra.assumptions), ("Assumptions B", rb.assumptions)],
        json_payload={
            "scenarios": [{"name": ra.name, "hash": ra.hash}, {"name": rb.name, "hash": rb.hash}],
            "by": dims,
            "rows": rows,
        },
        notes=[f"A: {ra.name} ({ra.hash})", f"B: {rb.name} ({rb.hash})", *ra.notes, *rb.notes],
    )


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
