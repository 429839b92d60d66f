"""Builders for small hand-made workforces and scenarios, and independent checks of a plan."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl

from hcsworkforce.analytics.deploy import DeploymentPlan, plan_deployment
from hcsworkforce.analytics.skills import Framework, reference_framework, with_scenario
from hcsworkforce.model.surge import SurgeScenario

REGION = {"RGT": "Y61", "RAJ": "Y61", "RM1": "Y61", "R0A": "Y62", "RRK": "Y60"}


def staff_frame(people: list[tuple[str, str, str, str, float]]) -> pl.DataFrame:
    """(staff_key, organisation, specialism, career_level, fte) -> a frame in the STAFF_SCHEMA's core columns."""
    return pl.DataFrame(
        {
            "staff_key": [p[0] for p in people],
            "organisation_code": [p[1] for p in people],
            "region_code": [REGION.get(p[1]) for p in people],
            "specialism_id": [p[2] for p in people],
            "career_level": [p[3] for p in people],
            "fte": [p[4] for p in people],
        },
        schema={
            "staff_key": pl.String,
            "organisation_code": pl.String,
            "region_code": pl.String,
            "specialism_id": pl.String,
            "career_level": pl.String,
            "fte": pl.Float64,
        },
    )


def comp_frame(records: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "staff_key": [r[0] for r in records],
            "competency": [r[1] for r in records],
            "level": [r[2] for r in records],
        },
        schema={"staff_key": pl.String, "competency": pl.String, "level": pl.Int64},
    )


def scenario(**kw: Any) -> SurgeScenario:
    base: dict[str, Any] = {"name": "test", "travel": "anywhere", "training_budget_hours": 40}
    base.update(kw)
    return SurgeScenario.model_validate(base)


def run(
    people: list[tuple[str, str, str, str, float]],
    sc: SurgeScenario,
    comps: list[tuple[str, str, int]] | None = None,
    absent: list[str] | None = None,
) -> tuple[DeploymentPlan, Framework]:
    fw = with_scenario(reference_framework(), sc)
    plan = plan_deployment(
        staff_frame(people),
        sc,
        fw,
        competencies=comp_frame(comps) if comps else None,
        absent_staff_keys=absent or [],
    )
    return plan, fw


def check_invariants(
    plan: DeploymentPlan, people: list[tuple[str, str, str, str, float]], sc: SurgeScenario
) -> None:
    """Floors and release caps hold, nobody goes twice, every assignment is within budget and fills a post."""
    keys = [a["staff_id"] for a in plan.assignments]
    assert len(keys) == len(set(keys)), "someone assigned twice"
    for a in plan.assignments:
        assert a["training_hours"] <= sc.training_budget_hours + 1e-9
    for f in plan.floors:
        if plan.mode == "surge" and sc.floor_basis == "available":
            assert f["remaining_fte"] >= f["floor_fte"] - 1e-6, f
        if f["released_headcount"]:
            assert f["remaining_fte"] >= f["floor_fte"] - 1e-6, f
    released: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.assignments:
        released[(a["from_organisation"], a["specialism"])] += 1
    avail: dict[tuple[str, str], int] = defaultdict(int)
    absent_total = plan.totals["staff_absent"]
    assert absent_total >= 0
    for p in people:
        avail[(p[1], p[2])] += 1
    for team, n in released.items():
        # the cap is on available staff, never more than the team had in post
        assert n <= int(sc.max_release_share * avail[team] + 1e-9)
    by_post: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.assignments:
        by_post[(a["site"], a["role"])] += 1
    demand: dict[tuple[str, str], int] = defaultdict(int)
    for p in sc.posts():
        demand[(p.site, p.role_id)] += p.count
    for k, n in by_post.items():
        if plan.mode == "surge":
            assert n <= demand[k]
