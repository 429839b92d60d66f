"""The planning and deployment engines as services for the web and API: choose a shipped example or supply a
scenario's YAML, run it over the user's own part of the census, and flatten the result into named tables.

The queue's runners (api/runners.py) call run_projection, run_comparison and run_deployment; the pages and
the API's downloads read the stored result through result_tables, so a chart, its table and its CSV come from
the same records. The engines themselves are not re-implemented here: analytics.plan and analytics.deploy do
the work, ingest.scenario_file and ingest.surge_file read the files.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model import labels
from hcsworkforce.model.scope import Scope
from hcsworkforce.services import access, cache
from hcsworkforce.services.deploy import unavailable_staff_keys
from hcsworkforce.store import Store

MAX_RUNS = 2000  # Monte Carlo runs a web user may ask for; the CLI has no such cap
MAX_YAML_BYTES = 200_000
EXAMPLE_FOLDERS = {"scenario": "scenarios", "surge": "surge"}


def examples_dir() -> Path | None:
    """The repository's examples/ folder (present in a source checkout, which is how hcsworkforce is run)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples"
        if (candidate / "scenarios").is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Example:
    id: str  # file stem, used in forms and the API
    name: str
    description: str
    path: Path


def examples(kind: str) -> list[Example]:
    """Shipped examples of one kind ("scenario" or "surge"), named as their files name themselves."""
    import yaml

    root = examples_dir()
    if root is None:
        return []
    out = []
    for path in sorted((root / EXAMPLE_FOLDERS[kind]).glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        doc = doc if isinstance(doc, dict) else {}
        out.append(
            Example(
                id=path.stem,
                name=str(doc.get("name") or path.stem),
                description=" ".join(str(doc.get("description") or "").split()),
                path=path,
            )
        )
    return out


def example_path(kind: str, example_id: str) -> Path:
    found = {e.id: e.path for e in examples(kind)}
    if example_id not in found:
        raise UserInputError(
            Problem(
                "is not a shipped example",
                column="example",
                value=example_id[:80],
                expected=", ".join(found) or "(no examples on this installation)",
            )
        )
    return found[example_id]


def check_source(params: dict[str, Any], prefix: str = "") -> None:
    """A run names exactly one of a shipped example or a scenario's YAML text."""
    example, text = params.get(f"{prefix}example"), params.get(f"{prefix}scenario_yaml")
    if bool(example) == bool(text):
        raise UserInputError(
            Problem(
                "choose a shipped example or give a scenario file, not both or neither",
                column=f"{prefix}example",
            )
        )
    if text and len(text.encode()) > MAX_YAML_BYTES:
        raise UserInputError(
            Problem(f"the scenario is larger than {MAX_YAML_BYTES // 1000} kB", column="file")
        )


def _runs(params: dict[str, Any]) -> int | None:
    runs = params.get("runs")
    if runs in (None, ""):
        return None
    try:
        value = int(runs)
    except (TypeError, ValueError):
        raise UserInputError(Problem("is not a whole number", column="runs", value=str(runs)[:20])) from None
    if not 1 <= value <= MAX_RUNS:
        raise UserInputError(
            Problem("is out of range", column="runs", value=str(value), expected=f"1 to {MAX_RUNS:,}")
        )
    return value


def load_scenario(params: dict[str, Any], prefix: str = "") -> Any:
    """The projection scenario a run names; runs above MAX_RUNS are capped to keep the server responsive."""
    from hcsworkforce.ingest.scenario_file import parse_scenario_text, read_scenario

    check_source(params, prefix)
    runs = _runs(params)
    if params.get(f"{prefix}example"):
        scenario = read_scenario(example_path("scenario", str(params[f"{prefix}example"])))
    else:
        scenario = parse_scenario_text(str(params[f"{prefix}scenario_yaml"]), "uploaded scenario")
    runs = runs or min(scenario.runs, MAX_RUNS)
    # The resolved scenario (and so its hash) records the runs actually made.
    return scenario.model_copy(update={"runs": runs}) if runs != scenario.runs else scenario


def scoped_census(store: Store, scope: Scope, census_date: Any = None) -> tuple[pl.DataFrame, ...]:
    """Staff, leavers and establishment of the user's own scope: an organisation user plans and deploys over
    their own organisation's staff only, a region user over their region's."""
    version = cache.data_version(store, census_date)
    if version is None:
        raise UserInputError("no census is loaded yet: upload an extract first")
    fr = cache.load_frames(store, version)
    return (
        access.scoped(fr.staff, scope),
        access.scoped(fr.leavers, scope),
        access.scoped(fr.establishment, scope),
    )


def _scope_json(scope: Scope) -> dict[str, Any]:
    return {"kind": scope.kind, "code": scope.code}


# -- projection --------------------------------------------------------------------------------------------
def _project(store: Store, scope: Scope, scenario: Any) -> Any:
    from hcsworkforce.analytics.plan import project_scenario

    staff, leavers, establishment = scoped_census(store, scope, scenario.census_date)
    if staff.height == 0:
        raise UserInputError("there are no staff in post in your area for that census")
    return project_scenario(scenario, staff, leavers=leavers, establishment=establishment, by=["specialism"])


def _totals(result: Any) -> list[dict[str, Any]]:
    """Every specialism together, year by year (percentiles of the sum, not sums of percentiles)."""
    from hcsworkforce.analytics.plan import METRICS, STATS

    s = result.summary
    out = []
    for t in range(next(iter(s.total_stats.values())).shape[0]):
        row: dict[str, Any] = {"year": s.start_year + t}
        for m in METRICS:
            row[m] = {st: round(float(s.total_stats[m][t, i]), 3) for i, st in enumerate(STATS)}
        out.append(row)
    return out


def run_projection(store: Store, params: dict[str, Any], scope: Scope, progress: Any) -> dict[str, Any]:
    progress(0.05, "Reading the scenario")
    scenario = load_scenario(params)
    progress(0.2, f"Projecting {scenario.runs:,} runs over {scenario.horizon_years} years")
    result = _project(store, scope, scenario)
    progress(0.95, "Summarising")
    return {**result.to_json(), "totals": _totals(result), "scope": _scope_json(scope)}


def run_comparison(store: Store, params: dict[str, Any], scope: Scope, progress: Any) -> dict[str, Any]:
    """Two scenarios on the same census and scope; differences are B - A (as `hcs compare`)."""
    from hcsworkforce.cli.compare import compare_rows

    progress(0.05, "Reading the scenarios")
    sa, sb = load_scenario(params, "a_"), load_scenario(params, "b_")
    progress(0.15, f"Projecting scenario A ({sa.runs:,} runs)")
    ra = _project(store, scope, sa)
    progress(0.55, f"Projecting scenario B ({sb.runs:,} runs)")
    rb = _project(store, scope, sb)
    totals_a, totals_b = _totals(ra), _totals(rb)
    return {
        "scenarios": [{"name": ra.name, "hash": ra.hash}, {"name": rb.name, "hash": rb.hash}],
        "by": ["specialism"],
        "rows": compare_rows(ra.summary.rows(), rb.summary.rows(), ["specialism"]),
        "totals": compare_rows(totals_a, totals_b, []),
        "assumptions_a": ra.assumptions,
        "assumptions_b": rb.assumptions,
        "resolved_scenarios": [ra.resolved, rb.resolved],
        "notes": [*ra.notes, *rb.notes],
        "scope": _scope_json(scope),
    }


# -- deployment --------------------------------------------------------------------------------------------
def load_surge(params: dict[str, Any]) -> Any:
    from hcsworkforce.ingest.surge_file import parse_surge_text, read_surge_file

    check_source(params)
    if params.get("example"):
        return read_surge_file(example_path("surge", str(params["example"])))
    # An uploaded scenario has no folder of its own: CSV tables it names cannot be found, and say so.
    with tempfile.TemporaryDirectory() as tmp:
        return parse_surge_text(str(params["scenario_yaml"]), "uploaded scenario", base_dir=Path(tmp))


def run_deployment(store: Store, params: dict[str, Any], scope: Scope, progress: Any) -> dict[str, Any]:
    from hcsworkforce.analytics.deploy import plan_deployment
    from hcsworkforce.analytics.skills import reference_framework, with_scenario
    from hcsworkforce.report import deploy_report

    progress(0.05, "Reading the surge scenario")
    loaded = load_surge(params)
    if loaded.scenario.absent_staff_file:
        raise UserInputError(
            Problem(
                "names a file of absent staff; the web runs take the absence rate only",
                column="absent_staff_file",
                expected="use `hcs deploy` for named absentees",
            )
        )
    framework = with_scenario(reference_framework(), loaded.scenario)
    staff, _leavers, _est = scoped_census(store, scope)
    if staff.height == 0:
        raise UserInputError("there are no staff in post in your area")
    progress(0.2, f"Solving the deployment plan over {staff['staff_key'].n_unique():,} people")
    # In post but away (maternity, career break, secondment, suspension in ESR): not available.
    away = unavailable_staff_keys(store, staff, None, scope)
    plan = plan_deployment(staff, loaded.scenario, framework, absent_staff_keys=away)
    out = deploy_report.json_payload(plan, loaded.scenario.name)
    out["by_role"] = deploy_report.by_role(plan) if plan.mode != "backup" else []
    out["notes"] = deploy_report.notes(plan)
    out["scope"] = _scope_json(scope)
    out["resolved_scenario"] = loaded.scenario.model_dump(mode="json")
    return out


# -- tables of a stored result -----------------------------------------------------------------------------
RESULT_KINDS = ("projection", "compare", "deployment")


def _flat(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lists become 'a; b' so that a CSV or spreadsheet cell holds one value."""
    return [{k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()} for r in records]


def _band_rows(rows: list[dict[str, Any]], keys: list[str], prefix: str = "") -> list[dict[str, Any]]:
    from hcsworkforce.analytics.plan import METRICS, STATS

    flat = []
    for r in rows:
        row = {k: r.get(k) for k in ["year", *keys]}
        for m in METRICS:
            for st in STATS:
                row[f"{prefix}{m}_{st}"] = (r.get(m) or {}).get(st)
        flat.append(row)
    return flat


def gap_by_specialism(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The gap in the last year of the projection, one row per specialism, largest shortfall first."""
    rows = result.get("rows") or []
    if not rows:
        return []
    last = max(r["year"] for r in rows)
    out = [
        {
            "specialism": r["specialism"],
            "specialism_label": labels.label("specialism", r["specialism"]),
            "year": last,
            "supply_fte_p50": r["supply_fte"]["p50"],
            "demand_fte_p50": r["demand_fte"]["p50"],
            "gap_fte_p10": r["gap_fte"]["p10"],
            "gap_fte_p50": r["gap_fte"]["p50"],
            "gap_fte_p90": r["gap_fte"]["p90"],
        }
        for r in rows
        if r["year"] == last
    ]
    out.sort(key=lambda r: r["gap_fte_p50"])
    return out


def _compare_flat(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    from hcsworkforce.cli.compare import METRICS

    flat = []
    for r in rows:
        f: dict[str, Any] = {k: r[k] for k in ["year", *keys]}
        for m in METRICS:
            f[f"a_{m}_p50"] = r["a"][m]["p50"]
            f[f"b_{m}_p50"] = r["b"][m]["p50"] if r.get("b") else None
            f[f"difference_{m}_p50"] = r["difference"][m]["p50"] if r.get("difference") else None
        flat.append(f)
    return flat


def result_tables(kind: str, result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table a finished run's page shows, by name: the same records back the charts and downloads."""
    if kind == "projection":
        return {
            "totals": _band_rows(result.get("totals") or [], []),
            "by-specialism": _band_rows(result.get("rows") or [], ["specialism"]),
            "gap-by-specialism": gap_by_specialism(result),
            "assumptions": result.get("assumptions") or [],
        }
    if kind == "compare":
        return {
            "totals": _compare_flat(result.get("totals") or [], []),
            "by-specialism": _compare_flat(result.get("rows") or [], ["specialism"]),
            "assumptions-a": result.get("assumptions_a") or [],
            "assumptions-b": result.get("assumptions_b") or [],
        }
    if kind == "deployment":
        return {
            "totals": [{"measure": k, "value": v} for k, v in (result.get("totals") or {}).items()],
            "by-role": result.get("by_role") or [],
            "uncovered": _flat(result.get("uncovered") or []),
            "floors": result.get("floors") or [],
            "assignments": _flat(result.get("assignments") or []),
        }
    return {}
