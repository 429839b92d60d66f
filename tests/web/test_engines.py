"""Projection, comparison and deployment runs through the web and API: queued, scoped to the user, results
with charts, tables and downloads; mistakes in a scenario shown on the form with nothing run."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from tests.web.conftest import csrf_from, sign_in


def _job_id(location: str) -> str:
    m = re.fullmatch(r"/jobs/([0-9a-f-]{36})", location)
    assert m, location
    return m.group(1)


def _run_form(client: Any, path: str, data: dict[str, str], files: Any = None) -> Any:
    page = client.get(path.rsplit("/", 1)[0] if path.count("/") > 1 else path)
    return client.post(
        path, data={**data, "csrf_token": csrf_from(page.text)}, files=files, follow_redirects=False
    )


def test_projection_through_the_api_with_charts_tables_and_downloads(client: Any) -> None:
    token = sign_in(client, "nat")
    r = client.post(
        "/api/v1/projections",
        json={"example": "national_baseline", "runs": 20},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "done", job
    result = job["result"]
    assert result["runs"] == 20 and result["resolved_scenario"]["runs"] == 20
    assert len(result["hash"]) == 64 and result["scope"] == {"kind": "national", "code": None}
    page = client.get(f"/jobs/{job['id']}")
    assert page.status_code == 200
    for text in ("Supply and demand (FTE)", "Gap by specialism", "Assumptions", result["hash"], "<svg"):
        assert text in page.text, text
    # Every table the page links to downloads as CSV, and the CSV holds the page's figures.
    links = set(re.findall(r'href="(/api/v1/jobs/[^"?]+)\?format=csv"', page.text))
    assert {
        f"/api/v1/jobs/{job['id']}/tables/{t}" for t in ("totals", "gap-by-specialism", "assumptions")
    } <= links
    for link in links:
        res = client.get(link + "?format=csv")
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv"), link
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/api/v1/jobs/{job['id']}/tables/totals?format=csv").text))
    )
    assert [int(r["year"]) for r in rows] == [t["year"] for t in result["totals"]]
    xlsx = client.get(f"/api/v1/jobs/{job['id']}/tables/gap-by-specialism?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # The same run asked again is served, not recomputed.
    again = client.post(
        "/api/v1/projections",
        json={"example": "national_baseline", "runs": 20},
        headers={"x-csrf-token": token},
    )
    assert again.json()["id"] == job["id"]


def test_compare_two_examples_from_the_page(client: Any) -> None:
    sign_in(client, "nat")
    r = _run_form(
        client,
        "/scenarios/compare",
        {"a_example": "national_baseline", "b_example": "high_attrition_stress", "runs": "10"},
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "Scenarios compared" in page.text and "Scenario B" in page.text and "<svg" in page.text
    job = client.get("/api/v1" + r.headers["location"]).json()
    assert job["status"] == "done"
    diffs = [row["difference"] for row in job["result"]["totals"]]
    assert all(d is not None for d in diffs)


def test_projection_from_an_uploaded_file_and_its_mistakes(client: Any) -> None:
    sign_in(client, "nat")
    good = "name: Tiny\nstart_year: 2025\nhorizon_years: 3\nruns: 5\nseed: 1\n"
    r = _run_form(client, "/scenarios/run", {"example": "", "runs": ""}, {"scenario_file": ("s.yaml", good)})
    assert r.status_code == 303, r.text
    assert client.get("/api/v1" + r.headers["location"]).json()["result"]["scenario"] == "Tiny"
    jobs_before = len(client.get("/api/v1/jobs").json()["jobs"])
    bad = "name: Bad\nstart_year: 2025\nhorizon_years: -3\n"
    r = _run_form(client, "/scenarios/run", {"example": "", "runs": ""}, {"scenario_file": ("b.yaml", bad)})
    assert r.status_code == 422 and "There is a problem" in r.text and "horizon_years" in r.text
    r = _run_form(client, "/scenarios/run", {"example": "national_baseline", "runs": "999999"})
    assert r.status_code == 422 and "runs" in r.text
    r = _run_form(client, "/scenarios/run", {"example": "", "runs": ""})
    assert r.status_code == 422 and "choose a shipped example" in r.text
    assert len(client.get("/api/v1/jobs").json()["jobs"]) == jobs_before  # nothing was queued


def test_deployment_plan_from_the_page(client: Any) -> None:
    sign_in(client, "nat")
    r = _run_form(client, "/deployment/run", {"example": "covid19_like"})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    for text in (
        "Surge deployment plan",
        "Posts by role",
        "Posts left uncovered",
        "Essential-service floors",
        "<svg",
    ):
        assert text in page.text, text
    job = client.get("/api/v1" + r.headers["location"]).json()
    totals = job["result"]["totals"]
    assert totals["posts"] == totals["filled"] + sum(u["unfilled"] for u in job["result"]["uncovered"])
    floors = client.get(f"/api/v1/jobs/{job['id']}/tables/floors?format=csv")
    assert floors.status_code == 200 and "remaining_fte" in floors.text.splitlines()[0]


def test_organisation_user_deploys_only_their_own_staff(client: Any, scope_codes: tuple[str, str]) -> None:
    org, _region = scope_codes
    token = sign_in(client, "nat")
    national = client.post(
        "/api/v1/deployments", json={"example": "covid19_like"}, headers={"x-csrf-token": token}
    ).json()
    surge = (
        "name: Local surge\nabsence_rate: 0.1\ntraining_budget_hours: 40\ntravel: anywhere\n"
        "max_release_share: 0.5\nroles:\n  - id: molecular_testing_scientist\n"
        f"    posts: [{{site: {org}, count: 5, priority: 1}}]\n"
    )
    token = sign_in(client, "org")
    r = client.post("/api/v1/deployments", json={"scenario_yaml": surge}, headers={"x-csrf-token": token})
    assert r.status_code == 202, r.text
    result = client.get(f"/api/v1/jobs/{r.json()['id']}").json()["result"]
    assert result["scope"] == {"kind": "organisation", "code": org}
    assert result["assignments"], "the organisation's own staff should fill some of its own posts"
    assert {a["from_organisation"] for a in result["assignments"]} == {org}
    assert {f["organisation"] for f in result["floors"]} <= {org}
    # The national user's plan (every organisation's staff) is not there for the organisation user.
    assert client.get(f"/jobs/{national['id']}").status_code == 404
    assert client.get(f"/api/v1/jobs/{national['id']}").status_code == 404
    assert client.get(f"/api/v1/jobs/{national['id']}/tables/assignments?format=csv").status_code == 404


def test_region_user_projects_their_region_only(client: Any, scope_codes: tuple[str, str]) -> None:
    _org, region = scope_codes
    token = sign_in(client, "reg")
    r = client.post(
        "/api/v1/projections",
        json={"example": "national_baseline", "runs": 5},
        headers={"x-csrf-token": token},
    )
    result = client.get(f"/api/v1/jobs/{r.json()['id']}").json()["result"]
    staff = client.app.state.ctx.store.staff()
    region_staff = staff.filter(region_code=region)
    assert result["scope"] == {"kind": "region", "code": region}
    assert result["data"]["staff_rows"] == region_staff.height
