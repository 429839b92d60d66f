"""The planning and deployment family through both doors: `hcs project`, `hcs compare`, `hcs commission`,
`hcs deploy` and `hcs wisn` (`--format json`) give the numbers of the queued runs behind POST /api/v1/projections,
/comparisons, /commissions, /deployments and of /api/v1/wisn, on SQLite and PostgreSQL.

The CLI runs a copy of the shipped example in a folder of its own; the API runs the shipped example by name. A
scenario whose demand names a WISN file reads it relative to its own folder either way, so both doors take the
same WISN result as the demand (issue 11: the web run used to fall back to current FTE without a word). The API
user is national and the CLI's runs are national; the web caps runs, so both doors are given the same runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.doors.conftest import Doors, copy_example, examples_dir, same_numbers
from tests.web.conftest import csrf_from

WISN_SCENARIO = "cardiac_wisn_demand"
RUNS = 20
# Seconds the solver took differ from run to run; everything else must not.
TIMINGS = ("seconds_build", "seconds_solve", "seconds_total")


def _scenario_copy(tmp_path: Path, name: str) -> Path:
    """A shipped scenario copied with the WISN files beside it, so its relative `file:` resolves from the copy."""
    copy_example("wisn", "cardiac_physiology_department.yaml", tmp_path)
    return copy_example("scenarios", f"{name}.yaml", tmp_path)


def _run(doors: Doors, path: str, body: dict[str, Any]) -> dict[str, Any]:
    job = doors.api(path, method="POST", json=body)
    assert job["status"] in ("done", "finished"), job
    result: dict[str, Any] = job["result"]
    return result


def _cardiac(rows: list[dict[str, Any]], year: int) -> dict[str, Any]:
    (row,) = [r for r in rows if r["specialism"] == "cardiac_science" and r["year"] == year]
    return row


def test_projection_with_a_wisn_demand_file(doors: Doors, tmp_path: Path) -> None:
    path = _scenario_copy(tmp_path, WISN_SCENARIO)
    cli = doors.cli("project", str(path), "--runs", str(RUNS), "--by", "specialism")
    api = _run(doors, "/projections", {"example": WISN_SCENARIO, "runs": RUNS})
    assert cli.keys() == api.keys()
    assert cli["hash"] == api["hash"] and cli["runs"] == api["runs"] == RUNS
    assert cli["scope"] == api["scope"] == {"kind": "national", "code": None}
    assert cli["data"]["staff_rows"] > 0 and len(cli["rows"]) > 20
    same_numbers(cli, api)
    # The demand for cardiac science is the WISN file's required staff, through both doors.
    start = cli["start_year"]
    wisn = doors.api("/wisn", params={"example": "cardiac_physiology_department"})
    required = sum(c["required_staff"] for c in wisn["cadres"])
    for result in (cli, api):
        assert (
            abs(_cardiac(result["rows"], start)["demand_fte"]["p50"] - required) < 1e-3
        )  # rounded to 3 places
        assert any("WISN" in n for n in result["notes"])
    # ... and not what the scenario gives without it: the test fails if either door drops the WISN file.
    base = _run(doors, "/projections", {"example": "national_baseline", "runs": RUNS})
    assert abs(_cardiac(base["rows"], start)["demand_fte"]["p50"] - required) > 1
    assert _cardiac(base["rows"], start)["supply_fte"] == _cardiac(cli["rows"], start)["supply_fte"]


def test_the_scenarios_page_gives_the_cli_numbers_with_a_wisn_demand_file(
    doors: Doors, tmp_path: Path
) -> None:
    """Issue 11's acceptance: the web projection of a scenario whose demand names a WISN file."""
    path = _scenario_copy(tmp_path, WISN_SCENARIO)
    cli = doors.cli("project", str(path), "--runs", str(RUNS), "--by", "specialism")
    token = csrf_from(doors.client.get("/scenarios").text)
    r = doors.client.post(
        "/scenarios/run",
        data={"example": WISN_SCENARIO, "runs": str(RUNS), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = doors.client.get(r.headers["location"])
    assert page.status_code == 200 and "WISN" in page.text
    job = doors.client.get("/api/v1" + r.headers["location"]).json()
    assert job["result"]["rows"]
    same_numbers(cli, job["result"])


def test_an_uploaded_scenario_naming_a_wisn_file_is_refused(doors: Doors) -> None:
    text = (examples_dir() / "scenarios" / f"{WISN_SCENARIO}.yaml").read_text(encoding="utf-8")
    text = text.replace("extends: national_baseline.yaml\n", "start_year: 2025\n")
    r = doors.client.post(
        "/api/v1/projections", json={"scenario_yaml": text}, headers={"x-csrf-token": doors.csrf}
    )
    assert r.status_code == 422, r.text
    body = json.dumps(r.json())
    assert "demand.wisn[0].file" in body and "cardiac_physiology_department.yaml" in body


def test_compare(doors: Doors, tmp_path: Path) -> None:
    a = _scenario_copy(tmp_path, "national_baseline")
    b = _scenario_copy(tmp_path, WISN_SCENARIO)
    cli = doors.cli("compare", str(a), str(b), "--runs", str(RUNS), "--by", "specialism")
    api = _run(
        doors,
        "/comparisons",
        {"a": {"example": "national_baseline", "runs": RUNS}, "b": {"example": WISN_SCENARIO, "runs": RUNS}},
    )
    assert cli.keys() == api.keys()
    assert [s["hash"] for s in cli["scenarios"]] == [s["hash"] for s in api["scenarios"]]
    assert cli["rows"] and cli["totals"]
    same_numbers(cli, api)
    start = cli["totals"][0]["year"]
    assert _cardiac(cli["rows"], start)["difference"]["demand_fte"]["p50"] < -1  # WISN demand is lower


def test_commission(doors: Doors, tmp_path: Path) -> None:
    path = _scenario_copy(tmp_path, WISN_SCENARIO)
    cli = doors.cli("commission", str(path))
    api = _run(doors, "/commissions", {"example": WISN_SCENARIO})
    assert cli.keys() == api.keys()
    assert cli["hash"] == api["hash"] and cli["runs"] == api["runs"] == 1
    assert cli["total_places"] > 0 and cli["plan"] and cli["gaps"]
    same_numbers(cli, api)
    # Another percentile, Monte Carlo runs and the other allocation rule, the same through both doors.
    cli = doors.cli(
        "commission", str(path), "--percentile", "80", "--runs", str(RUNS), "--allocation", "efficient"
    )
    api = _run(
        doors,
        "/commissions",
        {"example": WISN_SCENARIO, "percentile": 80, "runs": RUNS, "allocation": "efficient"},
    )
    assert cli["percentile"] == 80 and cli["allocation"]["rule"] == "efficient" and cli["runs"] == RUNS
    assert cli["gaps"]
    same_numbers(cli, api)


def test_commission_tables_download(doors: Doors) -> None:
    job = doors.api("/commissions", method="POST", json={"example": "cdc_buildup"})
    assert job["status"] in ("done", "finished"), job
    r = doors.client.get(f"/api/v1/jobs/{job['id']}/tables/plan", params={"format": "csv"})
    assert r.status_code == 200 and {"programme", "specialism", "places"} <= set(
        r.text.splitlines()[0].split(",")
    )
    plan = doors.client.get(f"/api/v1/jobs/{job['id']}/tables/plan").json()["records"]
    same_numbers(plan, job["result"]["plan"])
    assert plan


def _without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "solver": {k: v for k, v in result["solver"].items() if k not in TIMINGS}}


def test_deploy(doors: Doors, tmp_path: Path) -> None:
    path = copy_example("surge", "covid19_like.yaml", tmp_path)
    cli = doors.cli("deploy", str(path))
    api = _run(doors, "/deployments", {"example": "covid19_like"})
    assert cli.keys() == api.keys()
    assert cli["totals"]["posts"] > 0 and cli["totals"]["filled"] > 0 and cli["assignments"]
    assert cli["by_role"] and cli["floors"]
    same_numbers(_without_timings(cli), _without_timings(api))


def test_wisn(doors: Doors) -> None:
    path = examples_dir() / "wisn" / "cardiac_physiology_department.yaml"
    code, out, err = run_cli(["wisn", str(path), "--format", "json"], doors.capsys)
    assert code == 0, err
    cli = json.loads(out)
    api = doors.api("/wisn", params={"example": "cardiac_physiology_department"})
    posted = doors.api("/wisn", method="POST", json={"wisn_yaml": path.read_text(encoding="utf-8")})
    assert cli.keys() == api.keys() == posted.keys() == {"source", "cadres"}
    assert len(cli["cadres"]) == 2 and all(c["required_staff"] > 0 for c in cli["cadres"])
    same_numbers(cli["cadres"], api["cadres"])
    same_numbers(cli["cadres"], posted["cadres"])
