"""Render a deployment plan: the JSON machine contract, flat sections for tables/CSV/XLSX/HTML, and notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hcsworkforce.analytics.deploy import DeploymentPlan

ASSIGNMENT_COLUMNS = [
    "staff_id",
    "from_organisation",
    "specialism",
    "career_level",
    "role",
    "site",
    "priority",
    "training_resources",
    "training_hours",
    "moves_organisation",
]
UNCOVERED_COLUMNS = ["role", "site", "priority", "posts", "unfilled", "reason", "eligible_within_reach"]
FLOOR_COLUMNS = [
    "organisation",
    "specialism",
    "min_share",
    "available_fte",
    "floor_fte",
    "released_headcount",
    "remaining_fte",
    "below_floor",
    "shortfall_fte",
    "cover_headcount",
]


def json_payload(plan: DeploymentPlan, scenario_name: str, *, include_solver: bool = True) -> dict[str, Any]:
    """The machine contract: keys assignments, uncovered, floors, totals (plus scenario, mode, solver)."""
    out: dict[str, Any] = {
        "scenario": scenario_name,
        "mode": plan.mode,
        "assignments": plan.assignments,
        "uncovered": plan.uncovered,
        "floors": plan.floors,
        "totals": plan.totals,
    }
    if include_solver:
        out["solver"] = plan.solver
    return out


def _flat(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lists become 'a; b' so that CSV and spreadsheet cells hold one value."""
    return [{k: "; ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in records]


def by_role(plan: DeploymentPlan) -> list[dict[str, Any]]:
    """Posts, filled and uncovered per surge role: the first thing an incident team asks."""
    roles: dict[str, dict[str, Any]] = {}
    for a in plan.assignments:
        r = roles.setdefault(
            a["role"],
            {
                "role": a["role"],
                "filled": 0,
                "uncovered": 0,
                "training_hours": 0.0,
                "moves_between_organisations": 0,
            },
        )
        r["filled"] += 1
        r["training_hours"] += float(a.get("training_hours") or 0)
        r["moves_between_organisations"] += 1 if a.get("moves_organisation") else 0
    for u in plan.uncovered:
        r = roles.setdefault(
            u["role"],
            {
                "role": u["role"],
                "filled": 0,
                "uncovered": 0,
                "training_hours": 0.0,
                "moves_between_organisations": 0,
            },
        )
        r["uncovered"] += int(u["unfilled"])
    for r in roles.values():
        r["posts"] = r["filled"] + r["uncovered"]
    return [
        {
            k: r[k]
            for k in ("role", "posts", "filled", "uncovered", "training_hours", "moves_between_organisations")
        }
        for r in sorted(roles.values(), key=lambda r: r["role"])
    ]


def sections(
    plan: DeploymentPlan, *, summary_first: bool = False
) -> list[tuple[str, Sequence[dict[str, Any]]]]:
    """CSV takes the first section, so machines get the assignments; people get the summary first."""
    totals = [{"measure": k, "value": v} for k, v in plan.totals.items()]
    detail: list[tuple[str, Sequence[dict[str, Any]]]] = [
        ("Assignments", _flat(plan.assignments)),
        ("Posts left uncovered", plan.uncovered),
        ("Essential-service floors", plan.floors),
    ]
    summary: list[tuple[str, Sequence[dict[str, Any]]]] = [("Totals", totals)]
    if plan.mode != "backup":
        summary.append(("Posts by role", by_role(plan)))
    if summary_first:
        return [*summary, *reversed(detail)]
    return [*detail, *summary]


def table_columns() -> dict[str, list[str]]:
    return {
        "Assignments": ASSIGNMENT_COLUMNS,
        "Posts left uncovered": UNCOVERED_COLUMNS,
        "Essential-service floors": FLOOR_COLUMNS,
        "Totals": ["measure", "value"],
    }


def notes(plan: DeploymentPlan) -> list[str]:
    t = plan.totals
    head = (
        f"Back-up and back-fill: {t['teams_below_floor']} team(s) below floor after absence; "
        f"{t['filled']} of {t['posts']} cover posts filled from other organisations."
        if plan.mode == "backup"
        else f"{t['filled']:,} of {t['posts']:,} surge posts filled; {t['training_hours']:,} training hours; "
        f"{t['moves_between_organisations']:,} moves between organisations."
    )
    return [
        head,
        "Optimal: priority-weighted posts filled, then training hours, then moves (exact min-cost flow).",
        "staff_id is the pseudonymous key; competency levels, roles and course hours are illustrative defaults "
        "unless your scenario or competency file overrides them.",
    ]
