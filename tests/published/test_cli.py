"""The CLI: `hcs import-published`, `hcs published`, `hcs reference update-trusts`, `hcs benchmark --against
published`, run in-process as the console script runs; JSON on stdout, exit 2 for the user's mistakes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.published.conftest import FIXTURES, TABULAR

CENSUS = date(2025, 3, 31)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hcs.db'}"


def _load(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for name, period in TABULAR.items():
        args = ["import-published", str(FIXTURES / name), "--db", db, "--format", "json"]
        code, _out, err = run_cli([*args, *(["--period", period] if period else [])], capsys)
        assert code == 0, err


def test_import_published_reports_publication_period_rows_and_suppressed_cells(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        ["import-published", str(FIXTURES / "turnover.csv"), "--db", db, "--format", "json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["kind"], data["publication"], data["rows"], data["suppressed_cells"]) == (
        "turnover",
        "NHS staff turnover",
        6,
        2,
    )
    assert data["periods"][0]["period"] == "2025-03-31" and data["periods"][0]["replaced"] is False
    code, out, _ = run_cli(
        ["import-published", str(FIXTURES / "turnover.csv"), "--db", db, "--format", "json"], capsys
    )
    assert json.loads(out)["periods"][0]["replaced"] is True
    code, out, _ = run_cli(["import-published", str(FIXTURES / "turnover.csv"), "--db", db], capsys)
    assert "NHS staff turnover" in out and "2 suppressed cells" in out


def test_bad_input_exits_2_with_a_located_message(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["import-published", str(FIXTURES / "workforce_non_medical.csv"), "--db", db], capsys
    )
    assert code == 2 and "DATA_MONTH" in err and "Traceback" not in err
    code, _, err = run_cli(
        ["import-published", str(FIXTURES / "turnover.csv"), "--db", db, "--period", "2024"], capsys
    )
    assert code == 2 and "--period" in err
    code, _, err = run_cli(["import-published", str(tmp_path / "missing.csv"), "--db", db], capsys)
    assert code == 2 and "not found" in err


def test_published_profiles_england_a_region_and_an_organisation(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(db, capsys)
    code, out, err = run_cli(["published", "--db", db, "--format", "json", "--staff-group", "hcs"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["scope"] == {"level": "national", "code": None, "label": "England"}
    assert data["turnover"][0]["leavers"] == 3120 and data["turnover"][0]["leaver_rate"] == pytest.approx(0.1)
    assert len(data["imports"]) == 6
    code, out, _ = run_cli(["published", "--db", db, "--format", "json", "--region", "London"], capsys)
    assert json.loads(out)["scope"]["code"] == "Y56"
    code, out, _ = run_cli(
        ["published", "--db", db, "--format", "csv", "--by", "organisation", "--table", "sickness"], capsys
    )
    header, *rows = out.strip().splitlines()
    assert "sickness_rate" in header and len(rows) == 6  # RGT, RJ1, RRK: all staff and one staff group each
    code, _, err = run_cli(["published", "--db", db, "--by", "specialism"], capsys)
    assert code == 2 and "--by" in err


def test_published_xlsx_needs_out_and_writes(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(db, capsys)
    code, _, err = run_cli(["published", "--db", db, "--format", "xlsx"], capsys)
    assert code == 2
    out = tmp_path / "p.xlsx"
    code, _, err = run_cli(["published", "--db", db, "--format", "xlsx", "--out", str(out)], capsys)
    assert code == 0 and out.stat().st_size > 0, err


def test_reference_update_trusts(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        ["reference", "update-trusts", str(FIXTURES / "etr.csv"), "--db", db, "--format", "json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["added"] == ["RZZ"] and data["trusts"] == 5
    code, _, err = run_cli(["reference", "update-trusts", "--db", db], capsys)
    assert code == 2 and "etr.csv" in err
    code, out, _ = run_cli(["reference", "--format", "json"], capsys)
    assert code == 0 and any(r["table"] == "published_staff_groups" for r in json.loads(out)["tables"])


def test_benchmark_against_published(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import open_store
    from hcsworkforce.synth.workforce import synthesise, write

    result = synthesise(staff=400, seed=3, census_date=CENSUS, orgs=3)
    write(result, tmp_path / "extract.csv", tmp_path / "est.csv")
    store = open_store(db, migrate=True)
    import_extract(tmp_path / "extract.csv", store, census_date=CENSUS, establishment=tmp_path / "est.csv")
    staff = store.staff()
    org = staff["organisation_code"].value_counts().sort("count", descending=True)["organisation_code"][0]
    mine = staff.filter(organisation_code=org)
    _load(db, capsys)
    code, out, err = run_cli(
        ["benchmark", "--against", "published", "--organisation", org, "--db", db, "--format", "json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    rows = {r["metric"]: r for r in data["rows"]}
    assert rows["fte"]["this_organisation"] == pytest.approx(float(mine["fte"].sum()))
    assert rows["headcount"]["this_organisation"] == mine["staff_key"].n_unique()
    assert rows["leaver_rate"]["published_england"] == pytest.approx(0.1)
    assert rows["leaver_rate"]["published_staff_group"] == "Healthcare Scientists"
    # No healthcare science group in the sickness publication: the wider ST&T group is shown, and named so.
    assert rows["sickness_rate"]["published_england"] == pytest.approx(0.04)
    assert "contains healthcare scientists" in rows["sickness_rate"]["published_staff_group"]
    code, _, err = run_cli(["benchmark", "--against", "published", "--db", db], capsys)
    assert code == 2 and "--organisation" in err
    code, _, err = run_cli(["benchmark", "--db", db], capsys)
    assert code == 2 and "metric" in err
