"""Pathways, engagement and key people through both doors: `hcs ... --format json` and /api/v1 give the same
numbers (and the same notes) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.doors.conftest import END, Doors, same_numbers


def _pathways_cli(doors: Doors, *args: str) -> Any:
    # Pathways read reference data only, so `hcs pathways` takes no --db.
    code, out, err = run_cli(["pathways", *args, "--format", "json"], doors.capsys)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    ("start", "goal", "specialism"),
    [("new_entrant", "clinical_scientist", None), ("practitioner", "consultant", "audiology")],
)
def test_pathways(doors: Doors, start: str, goal: str, specialism: str | None) -> None:
    args = ["--from", start, "--to", goal] + (["--specialism", specialism] if specialism else [])
    cli = _pathways_cli(doors, *args)
    params = {"from_level": start, "to_level": goal} | ({"specialism": specialism} if specialism else {})
    api = doors.api("/pathways", params=params)
    assert cli["total"] > 0 and cli["pathways"] and cli["routes"]
    assert cli.keys() == api.keys()
    same_numbers(cli, api)
    assert [p["total_years"] for p in cli["pathways"]] == sorted(p["total_years"] for p in cli["pathways"])


def _busiest(payload: dict[str, Any]) -> str:
    """The organisation with the most indicators shown (not suppressed)."""
    shown = Counter(r["organisation_code"] for r in payload["indicators"] if not r["suppressed"])
    return shown.most_common(1)[0][0]


def test_engagement_national(doors: Doors) -> None:
    cli = doors.cli("engagement")
    api = doors.api("/engagement")
    assert cli["indicators"] and cli["trends"] and cli["years"]
    assert any(r["value"] is not None for r in cli["indicators"])
    assert any(r["suppressed"] for r in cli["indicators"])  # the synthetic survey has small groups
    assert cli.keys() == api.keys()
    same_numbers(cli, api)


def test_engagement_one_organisation_and_one_region(doors: Doors) -> None:
    org = _busiest(doors.api("/engagement"))
    cli = doors.cli("engagement", "--organisation", org)
    api = doors.api("/engagement", params={"organisation": org})
    assert cli["indicators"] and {r["organisation_code"] for r in cli["indicators"]} == {org}
    assert any(r["significant_vs_national"] is not None for r in cli["indicators"])
    same_numbers(cli, api)

    posts = doors.api("/people/gaps", params={"include_filled": "true", "as_of": END.isoformat()})["posts"]
    region = next(p["region_code"] for p in posts if p["scope"] == "organisation" and p["scope_code"] == org)
    cli = doors.cli("engagement", "--region", region, "--year", "2023")
    api = doors.api("/engagement", params={"region": region, "year": 2023})
    assert cli["year"] == 2023 and cli["indicators"] and cli["scope"] == {"kind": "region", "code": region}
    assert org in {r["organisation_code"] for r in cli["indicators"]}
    same_numbers(cli, api)


def test_people_gaps_on_the_census_date(doors: Doors) -> None:
    day = END.isoformat()
    cli = doors.cli("people", "gaps", "--as-of", day, "--all")
    api = doors.api("/people/gaps", params={"as_of": day, "include_filled": "true"})
    assert cli["directory_loaded"] and cli["required"] > 0 and cli["posts"] and cli["by_region"]
    assert {p["status"] for p in cli["posts"]} >= {"filled", "vacant"}
    assert cli.keys() == api.keys()
    same_numbers(cli, api)


def test_people_gaps_on_the_latest_census_by_default_and_within_a_region(doors: Doors) -> None:
    cli = doors.cli("people", "gaps")
    api = doors.api("/people/gaps")
    assert cli["as_of"] == api["as_of"] == END.isoformat()  # the latest census's date, never the clock's
    assert cli["required"] > 0 and cli["posts"]
    same_numbers(cli, api)

    region = next(p["region_code"] for p in cli["posts"] if p["region_code"])
    cli = doors.cli(
        "people", "gaps", "--region", region, "--ending-within", "365", "--as-of", END.isoformat()
    )
    api = doors.api("/people/gaps", params={"region": region, "ending_within": 365, "as_of": END.isoformat()})
    assert cli["posts"] and {p["region_code"] for p in cli["posts"]} == {region}
    same_numbers(cli, api)
