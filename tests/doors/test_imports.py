"""Imports and jobs through both doors: `hcs import --format json` and an upload to /api/v1/uploads (an import
job) load the same reports with the same counts and findings, for a whole census and for one trust's rows."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.doors.conftest import Doors, same_numbers
from tests.doors.empty import empty_doors  # noqa: F401  (the fixture)

CENSUS = date(2025, 3, 31)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ESR's staff-in-post and leavers reports (dated by their title lines) and an establishment file."""
    from hcsworkforce.synth.esr import esr_reports, write_reports
    from hcsworkforce.synth.workforce import synthesise

    folder = tmp_path_factory.mktemp("reports")
    hcs = synthesise(staff=600, seed=11, census_date=CENSUS, orgs=6)
    write_reports(
        esr_reports(report_date=CENSUS, seed=11, other_staff_ratio=1, hcs=hcs),
        "esr",
        folder / "extract.csv",
        folder / "leavers.csv",
    )
    hcs.establishment.write_csv(folder / "establishment.csv")
    return {name: folder / f"{name}.csv" for name in ("extract", "leavers", "establishment")}


def _upload(doors: Doors, files: dict[str, Path], **data: str) -> dict[str, Any]:
    """POST /api/v1/uploads; the job ran inline, so the answer is the finished job."""
    handles = {name: (path.name, path.read_bytes(), "text/csv") for name, path in files.items()}
    job = doors.api("/uploads", method="POST", files=handles, data=data)
    assert job["kind"] == "import" and job["status"] == "done", job
    return dict(job)


def _without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def _same_load(cli: dict[str, Any], api: dict[str, Any]) -> None:
    """The same counts and the same findings (check, severity, count, and their examples' figures).

    Where two examples have the same count (staff groups, ESR rules, specialisms), ingest lists them in either
    order and keeps the first ten, so an example's name and the sentence that lists them may differ between
    two loads of one file: examples are compared by their figures, as a sorted list."""

    def figures(example: Any) -> Any:
        if isinstance(example, dict):
            return sorted(v for v in example.values() if isinstance(v, int | float))
        return example

    def canonical(result: dict[str, Any]) -> dict[str, Any]:
        findings = [
            {**_without(f, "detail"), "examples": sorted((figures(e) for e in f["examples"]), key=repr)}
            for f in result["findings"]
        ]
        return {**_without(result, "replaced"), "findings": findings}

    assert cli["findings"] and api["findings"]
    assert [f["check"] for f in cli["findings"]] == [f["check"] for f in api["findings"]]
    same_numbers(canonical(cli), canonical(api))


def test_a_census_loads_the_same_through_both_doors(
    empty_doors: Doors,  # noqa: F811
    reports: dict[str, Path],
) -> None:
    doors = empty_doors
    cli = doors.cli(
        "import",
        str(reports["extract"]),
        "--leavers",
        str(reports["leavers"]),
        "--establishment",
        str(reports["establishment"]),
    )
    assert cli["census_date"] == CENSUS.isoformat() and cli["census_date_from"] != "given"
    assert cli["people_in_post"] > 100 and cli["leaver_rows"] > 0 and cli["establishment_rows"] > 0
    assert cli["replaced"] is False
    # The same reports through the API replace that census with the same rows.
    job = _upload(doors, reports)
    api = job["result"]
    assert api["replaced"] is True
    _same_load(cli, api)
    assert api.keys() == cli.keys(), "one shape: the CLI's JSON is the job's result"
    # The job is listed in the user's runs, without the server's paths of the kept files.
    listed = doors.api("/jobs")["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert listed[0]["params"]["file_name"] == "extract.csv"
    assert not {"path", "leavers_path", "establishment_path"} & set(listed[0]["params"])
    assert doors.api("/censuses")["census_dates"] == [CENSUS.isoformat()]


def test_a_trusts_rows_load_the_same_through_both_doors(
    empty_doors: Doors,  # noqa: F811
    reports: dict[str, Path],
    tmp_path: Path,
) -> None:
    """A trust's own rows: `hcs import --organisation` and the trust's user uploading through the API."""
    from hcsworkforce.services import accounts
    from hcsworkforce.store import open_store

    doors = empty_doors
    national = doors.cli("import", str(reports["extract"]), "--establishment", str(reports["establishment"]))
    assert national["organisations"] >= 2
    store = open_store(doors.url)
    org = store.staff()["organisation_code"].value_counts(sort=True)["organisation_code"][0]
    # The trust's own rows of the report, as its own ESR writes them (title lines and header kept).
    lines = reports["extract"].read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    col = lines[at].split(",").index("Organisation")
    own = [ln for ln in lines[at + 1 :] if f" {org} " in f" {next(csv.reader([ln]))[col]} "]
    mine = tmp_path / "mine.csv"
    mine.write_text("\n".join([*lines[: at + 1], *own]) + "\n", encoding="utf-8")

    cli = doors.cli("import", str(mine), "--organisation", org)
    assert cli["organisations"] == 1 and cli["people_in_post"] > 0 and cli["replaced"] is True

    accounts.add_user(store, "trust", "trust-pass-123", "organisation", org)
    doors.client.post("/api/v1/session/end", headers={"x-csrf-token": doors.csrf})
    r = doors.client.post("/api/v1/session", json={"username": "trust", "password": "trust-pass-123"})
    doors._csrf = r.json()["csrf_token"]  # type: ignore[attr-defined]
    # No establishment in this upload: dropping the trust's is confirmed, as the CLI's load did.
    api = _upload(doors, {"extract": mine}, confirm="true")["result"]
    _same_load(cli, api)
    assert api["replaced"] is True and api["census_date"] == CENSUS.isoformat()
