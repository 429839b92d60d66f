"""The deploy job: who can be redeployed or upskilled into surge roles (or, with no roles, back-up and
back-fill) while essential services keep their floors, over the caller's scope of the census.

One path for `hcs deploy` and the queued run behind POST /api/v1/deployments. The surge scenario comes from a
file, a shipped example or a file's text; the files it names (CSV tables, named absentees) are read relative
to its folder, and an uploaded scenario, which has none, may not name named absentees. An individual
competencies file and a named-absentees file may be given beside the scenario (the CLI's options). The pure
engine (analytics.deploy.plan_deployment) solves the plan.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce.analytics.deploy import DeploymentPlan, plan_deployment
from hcsworkforce.analytics.skills import reference_framework, with_scenario
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
from hcsworkforce.ingest.surge_file import (
    LoadedScenario,
    parse_surge_text,
    read_absent_staff,
    read_competencies_csv,
    read_surge_file,
)
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.model.surge import SurgeScenario
from hcsworkforce.services.scenarios import Source, scope_json, scoped_census
from hcsworkforce.store import Store

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Progress goes nowhere outside a queued run."""


def unavailable_staff_keys(
    store: Any, staff: pl.DataFrame, census_date: date | None = None, scope: Scope | None = None
) -> list[str]:
    """People in post whose every assignment carries an ESR status that takes them out of work (maternity
    and adoption, career break, secondment, suspension): in post, counted in the profile, but not available
    to redeploy. Someone with one such post and one active post stays available (docs/esr-extracts.md)."""
    away = store.statuses(census_date, scope)
    if away.height == 0 or staff.height == 0:
        return []
    posts = staff.select("staff_key", "assignment_key").with_columns(
        pl.col("assignment_key").is_in(away["assignment_key"].implode()).alias("away")
    )
    people = posts.group_by("staff_key").agg(pl.col("away").all())
    return sorted(people.filter(pl.col("away"))["staff_key"].to_list())


# -- the scenario ------------------------------------------------------------------------------------------------
def load_surge(source: Source) -> LoadedScenario:
    """The surge scenario a run names. A file or shipped example reads the CSV tables it names from its own
    folder; an uploaded text has no folder, so a table it names is reported missing, and named absentees
    (which only a file beside the scenario can hold) are refused."""
    source.check()
    path = source.file("surge")
    if path is not None:
        return read_surge_file(path)
    assert source.text is not None
    with tempfile.TemporaryDirectory() as tmp:
        loaded = parse_surge_text(source.text, source.label(), base_dir=Path(tmp))
    if loaded.scenario.absent_staff_file:
        raise UserInputError(
            Problem(
                "names a file of absent staff, which an uploaded scenario cannot reach",
                file=source.label(),
                column="absent_staff_file",
                value=loaded.scenario.absent_staff_file[:80],
                expected="absence_rate, or `hcs deploy FILE` with the file of absentees beside the scenario",
            )
        )
    return loaded


# -- the result ---------------------------------------------------------------------------------------------------
def flat(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lists become 'a; b' so that a CSV or spreadsheet cell holds one value."""
    return [{k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()} for r in records]


def by_role(
    mode: str, assignments: list[dict[str, Any]], uncovered: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Posts, filled and uncovered per surge role: the first thing an incident team asks."""
    if mode == "backup":
        return []
    roles: dict[str, dict[str, Any]] = {}

    def role(name: str) -> dict[str, Any]:
        return roles.setdefault(
            name,
            {
                "role": name,
                "filled": 0,
                "uncovered": 0,
                "training_hours": 0.0,
                "moves_between_organisations": 0,
            },
        )

    for a in assignments:
        r = role(a["role"])
        r["filled"] += 1
        r["training_hours"] += float(a.get("training_hours") or 0)
        r["moves_between_organisations"] += 1 if a.get("moves_organisation") else 0
    for u in uncovered:
        role(u["role"])["uncovered"] += int(u["unfilled"])
    for r in roles.values():
        r["posts"] = r["filled"] + r["uncovered"]
    return [
        {
            k: r[k]
            for k in ("role", "posts", "filled", "uncovered", "training_hours", "moves_between_organisations")
        }
        for r in sorted(roles.values(), key=lambda r: r["role"])
    ]


def plan_notes(plan: DeploymentPlan) -> list[str]:
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


# (name under /api/v1/jobs/{id}/tables/, title). People read the summary first; CSV takes the assignments.
TABLES = (
    ("totals", "Totals"),
    ("by-role", "Posts by role"),
    ("floors", "Essential-service floors"),
    ("uncovered", "Posts left uncovered"),
    ("assignments", "Assignments"),
)


def tables_of(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table of a deployment plan by name, from its JSON (a live result and a stored job alike)."""
    return {
        "totals": [{"measure": k, "value": v} for k, v in (result.get("totals") or {}).items()],
        "by-role": result.get("by_role") or [],
        "floors": result.get("floors") or [],
        "uncovered": flat(result.get("uncovered") or []),
        "assignments": flat(result.get("assignments") or []),
    }


@dataclass
class DeployResult:
    plan: DeploymentPlan
    scenario: SurgeScenario
    scope: Scope = NATIONAL
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        return {
            "scenario": self.scenario.name,
            "mode": p.mode,
            "assignments": p.assignments,
            "uncovered": p.uncovered,
            "floors": p.floors,
            "totals": p.totals,
            "solver": p.solver,
            "by_role": by_role(p.mode, p.assignments, p.uncovered),
            "notes": self.notes,
            "scope": scope_json(self.scope),
            "resolved_scenario": self.scenario.model_dump(mode="json"),
        }

    def records(self) -> list[dict[str, Any]]:
        """Every assignment (the CSV)."""
        return flat(self.plan.assignments)

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The summary first (totals, posts by role), then the detail; back-up plans have no roles."""
        named = tables_of(self.to_json())
        return [
            (title, named[name]) for name, title in TABLES if name != "by-role" or self.plan.mode != "backup"
        ]


# -- the job ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeployQuery:
    source: Source
    competencies: Path | None = (
        None  # individual competencies CSV: staff_id, competency, level, evidence_date
    )
    absent_staff: Path | None = None  # named absentees (staff_id); default: the file the scenario names
    census_date: date | None = None  # None: the latest


def _hashed_competencies(
    path: Path | None, competency_ids: set[str], staff: pl.DataFrame, key: bytes, notes: list[str]
) -> pl.DataFrame | None:
    if path is None:
        return None
    frame = read_competencies_csv(path, competency_ids)
    # Files carry raw staff_ids; the store holds keyed hashes of them, so hash with the same key to match.
    frame = frame.with_columns(pl.Series("staff_key", pseudonymise(frame["staff_id"].to_list(), key)))
    unmatched = frame.filter(~pl.col("staff_key").is_in(staff["staff_key"].implode())).height
    if unmatched:
        notes.append(f"{unmatched:,} competency record(s) name staff not in post; they are ignored.")
    return frame


def run(
    store: Store, query: DeployQuery, scope: Scope = NATIONAL, progress: Progress | None = None
) -> DeployResult:
    """The optimal plan over the scope's staff: priority-weighted posts filled, then training hours, then
    moves between organisations; essential-service floors kept."""
    progress = progress or _no_progress
    progress(0.05, "Reading the surge scenario")
    loaded = load_surge(query.source)
    framework = with_scenario(reference_framework(), loaded.scenario)
    staff, _leavers, _establishment = scoped_census(store, scope, query.census_date)
    absent_path = query.absent_staff or loaded.absent_staff_path()
    absent_raw = read_absent_staff(absent_path) if absent_path else []
    key = load_key() if (query.competencies is not None or absent_raw) else b""
    notes: list[str] = []
    competencies = _hashed_competencies(query.competencies, set(framework.competencies), staff, key, notes)
    # In post but away (maternity, career break, secondment, suspension in ESR): not available.
    away = unavailable_staff_keys(store, staff, query.census_date, scope)
    if away:
        notes.append(f"{len(away):,} people in post are away (ESR status) and not available.")
    absent = sorted({*pseudonymise(absent_raw, key), *away})
    progress(0.2, f"Solving the deployment plan over {staff['staff_key'].n_unique():,} people")
    plan = plan_deployment(
        staff, loaded.scenario, framework, competencies=competencies, absent_staff_keys=absent
    )
    return DeployResult(plan, loaded.scenario, scope, [*plan_notes(plan), *notes])


def _job_query(params: dict[str, Any]) -> DeployQuery:
    """A queued run's parameters: a shipped example or a scenario's text (no files beside it)."""
    return DeployQuery(source=Source.from_params(params))


def check_job(params: dict[str, Any]) -> None:
    """Read the surge scenario of a run about to be queued, so that its mistakes are shown at once."""
    load_surge(_job_query(params).source)


def run_job(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    return run(store, _job_query(params), scope, progress).to_json()
