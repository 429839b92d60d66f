"""`hcs commission SCENARIO`: extra training places that close the gap by a target year at least cost.

The gap is closed per specialism and career level: a place counts only at its programme's exit level. JSON
keys (docs/planning.md 3): scenario, hash, target_year, percentile, basis, runs, status, total_cost_gbp,
total_places, places_by_programme_year, plan, by_level, gaps, unmet, programmes, optimality, allocation,
assumptions, notes, data,
resolved_scenario. The table leads with the summary (places by programme and year, cost, gap by level, what
is left and why), then the detail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.project import RunsOption, ScenarioArg, load_frames, load_scenario, wisn_baselines
from hcsworkforce.errors import Problem, UserInputError

TITLE = "Training commissions that close the gap"


def programme_year_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Places by programme (rows) and intake year (columns), with each programme's total and cost."""
    years = sorted({r["intake_year"] for r in rows})
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = table.setdefault(r["programme"], {"programme": r["programme"], **{str(y): 0 for y in years}})
        row[str(r["intake_year"])] += r["places"]
        row["total"] = row.get("total", 0) + r["places"]
        row["cost_gbp"] = row.get("cost_gbp", 0.0) + r["cost_gbp"]
    out = list(table.values())
    if out:
        total: dict[str, Any] = {"programme": "all"}
        for key in [str(y) for y in years] + ["total", "cost_gbp"]:
            total[key] = sum(r[key] for r in out)
        out.append(total)
    return out


def unmet_by_reason(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FTE left per career level and reason code, largest first."""
    acc: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        a = acc.setdefault((r["career_level"], r["reason_code"]), [0.0, 0.0])
        a[0] += r["unmet_fte"]
        a[1] += 1
    out = [
        {"career_level": lv, "reason_code": code, "specialisms": int(v[1]), "unmet_fte": round(v[0], 3)}
        for (lv, code), v in acc.items()
    ]
    return sorted(out, key=lambda r: -r["unmet_fte"])


def allocation_note(info: dict[str, Any]) -> str:
    """One line saying which rule shared out scarce places and what it did."""
    rule = info.get("rule")
    if rule == "efficient":
        return "Allocation: efficient (scarce places go where one place closes most FTE)"
    if rule == "price":
        return "Allocation: by the unmet-gap price (cost + price x unmet FTE)"
    shares = ", ".join(f"{lv} {v:.0%}" for lv, v in info.get("max_unmet_share_by_level", {}).items() if v > 0)
    return (
        f"Allocation: fair (largest share of a gap left unmet: {shares or 'none'}; "
        f"{info.get('fairness_cost_fte', 0):,.1f} FTE more left than the least possible, "
        f"at most {info.get('unmet_tolerance', 0):.0%} per level)"
    )


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
    from hcsworkforce.analytics.plan import ALLOCATIONS, commission_scenario

    check_format(fmt, out)
    if allocation is not None and allocation not in ALLOCATIONS:
        raise UserInputError(
            Problem(
                "is not an allocation rule",
                column="--allocation",
                value=allocation,
                expected="fair, efficient",
            )
        )
    scenario = load_scenario(scenario_file)
    frames = load_frames(db, scenario)
    result = commission_scenario(
        scenario,
        frames["staff"],
        leavers=frames["leavers"],
        establishment=frames["establishment"],
        percentile=percentile,
        target_year=target_year,
        runs=runs,
        wisn_fte=wisn_baselines(scenario, scenario_file),
        allocation=allocation,
    )
    plan = result.plan
    unmet_fte = sum(r["unmet_fte"] for r in plan.unmet if r["reason_code"] != "trainee_posts")
    notes = [
        f"Scenario {result.name!r}, hash {result.hash}; closing the P{plan.percentile:g} gap by "
        f"{plan.target_year} ({plan.basis})",
        f"Status: {plan.status}; {plan.total_places:,} places, total cost GBP {plan.total_cost_gbp:,.0f}; "
        f"{unmet_fte:,.1f} FTE of qualified gap left",
        allocation_note(plan.allocation),
        *result.notes,
    ]
    emit(
        fmt,
        out,
        title=f"{TITLE}: {result.name}",
        sections=[
            ("Places by programme and intake year", programme_year_table(plan.places_by_programme_year)),
            ("Gap by career level at the target year (FTE)", plan.by_level),
            ("Gap left, by level and reason", unmet_by_reason(plan.unmet)),
            ("Plan: places by programme, specialism and intake year", plan.plan),
            ("Gap before and after, by specialism and level", plan.gaps),
            ("Gap left, by specialism and level, with the reason", plan.unmet),
        ],
        json_payload=result.to_json(),
        notes=notes,
    )


def register(app: typer.Typer) -> None:
    app.command("commission")(commission_command)
