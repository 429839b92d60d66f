"""`hcs calibrate` end to end: ESR-layout files imported into a real store (SQLite and PostgreSQL), linked by
their pseudonyms, the YAML block read back through the scenario loader, and `hcs project` saying per rate
whether it was measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hcsworkforce.ingest.scenario_file import parse_scenario_text, read_scenario
from tests.calibrate.hand import write_census_files
from tests.conftest import run_cli


def _load(tmp: Path, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for census, path in write_census_files(tmp):
        code, _, err = run_cli(["import", str(path), "--census-date", census.isoformat(), "--db", db], capsys)
        assert code == 0, err


def _check_json(db: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run_cli(["calibrate", "--format", "json", "--suppress-below", "0", "--db", db], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == [
        "censuses",
        "definition",
        "scope",
        "interval_level",
        "min_people",
        "suppress_below",
        "transitions",
        "estimates",
        "rates",
        "scenario",
        "notes",
    ]
    g0, g1 = doc["transitions"]
    # The hand count (hand.py), now through import, pseudonymisation and the store's history read.
    assert (g0["at_risk"], g0["left"], g0["progressed"], g0["moved_organisation"], g0["joined_new"]) == (
        8,
        2,
        1,
        1,
        1,
    )
    assert (g1["at_risk"], g1["retired"], g1["trainees_qualified"], g1["joined_returner"]) == (7, 1, 1, 1)
    return doc


def test_sqlite_store_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cal.db'}"
    _load(tmp_path, db, capsys)
    doc = _check_json(db, capsys)
    # Ten people: every rate rests on fewer than 30, so every one is the illustrative default, and says so.
    assert {r["provenance"] for r in doc["rates"]} == {"illustrative"}  # type: ignore[union-attr]
    out_file = tmp_path / "calibrated.yaml"
    code, _, err = run_cli(
        ["calibrate", "--min-people", "2", "--suppress-below", "0", "--out", str(out_file), "--db", db],
        capsys,
    )
    assert code == 0, err
    text = out_file.read_text()
    scenario = parse_scenario_text(text, str(out_file))  # the scenario loader accepts the block
    assert scenario.provenance["supply.leaver_rate.by_level.practitioner"].kind == "measured"
    assert scenario.provenance["supply.leaver_rate.by_level.practitioner"].at_risk_people == 4
    assert scenario.provenance["supply.leaver_rate.by_level.associate"].kind == "illustrative"
    assert scenario.supply.leaver_rate.by_level["practitioner"].value == 0.0
    assert "# measured: 0 events, 4 people at risk" in text
    assert yaml.safe_load(text)["census_date"].isoformat() == "2024-03-31"

    # A scenario extending the block: the projection says which rates were measured.
    (tmp_path / "plan.yaml").write_text(
        "extends: calibrated.yaml\nname: From measured rates\nhorizon_years: 2\n"
    )
    assert read_scenario(tmp_path / "plan.yaml").provenance
    code, out, err = run_cli(["project", str(tmp_path / "plan.yaml"), "--format", "json", "--db", db], capsys)
    assert code == 0, err
    proj = json.loads(out)
    rows = {a["parameter"]: a["provenance"] for a in proj["assumptions"]}
    assert rows["leaver_rate_per_year.practitioner"] == "measured"
    assert rows["leaver_rate_per_year.associate"] == "illustrative"
    assert rows["census_trainee_completion_rate.stp"] == "illustrative"
    assert rows["demand_baseline"] == "data"
    assert "leaver_rate_per_year.practitioner" in proj["provenance"]["measured"]
    assert any(
        n.startswith("Provenance of the assumptions:") and "measured from the data" in n
        for n in proj["notes"]
    )
    code, out, err = run_cli(
        ["project", str(tmp_path / "plan.yaml"), "--format", "table", "--db", db], capsys
    )
    assert code == 0 and "measured from the data" in out and "provenance" in out


def test_postgresql_store_and_cli(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _load(tmp_path, pg_url, capsys)
    doc = _check_json(pg_url, capsys)
    code, out, err = run_cli(
        [
            "calibrate",
            "--definition",
            "organisation",
            "--format",
            "json",
            "--suppress-below",
            "0",
            "--db",
            pg_url,
        ],
        capsys,
    )
    assert code == 0, err
    g0 = json.loads(out)["transitions"][0]
    assert (g0["left"], g0["joined_other_organisation"]) == (3, 1)  # the move RGT -> RRK leaves RGT
    assert doc["definition"] == "staff_group"


def test_one_organisation_counts_its_own_staff_but_follows_them_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'cal.db'}"
    _load(tmp_path, db, capsys)
    code, out, err = run_cli(["calibrate", "--organisation", "RGT", "--format", "json", "--db", db], capsys)
    assert code == 0, err
    g0, g1 = json.loads(out)["transitions"]
    # RGT in January: P1-P5. P3 leaves; P5 moves to RRK: still in the NHS, so not a leaver here.
    assert (g0["at_risk"], g0["left"], g0["stayed"], g0["moved_organisation"]) == (5, 1, 4, 1)
    assert g1["at_risk"] == 4 and g1["retired"] == 1  # P1, P2, P4, P9; P4 retires


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--definition", "trust"], "--definition: 'trust' is not a leaver definition"),
        (["--from", "2024-03-31", "--to", "2024-01-31"], "--from: '2024-03-31' is after --to"),
        (["--from", "2024-03-01"], "needs at least two censuses"),
        (["--format", "docx"], "is not a format"),
        (["--from", "31/01/2024"], "is not a date"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = f"sqlite:///{tmp_path / 'cal.db'}"
    _load(tmp_path, db, capsys)
    code, out, err = run_cli(["calibrate", *args, "--db", db], capsys)
    assert code == 2 and message in err and "Traceback" not in err and out == ""


def test_published_turnover_is_the_fallback_before_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Too few people to measure: with the NHS turnover table loaded (fixture in its published layout),
    `--published` takes the England healthcare scientists' 3,120 / 31,200 leavers = 10% a year for the leaver
    rates; without it, or for rates the table does not give, the illustrative defaults."""
    db = f"sqlite:///{tmp_path / 'cal.db'}"
    _load(tmp_path, db, capsys)
    turnover = Path(__file__).resolve().parents[1] / "published" / "fixtures" / "turnover.csv"
    code, _, err = run_cli(["import-published", str(turnover), "--db", db], capsys)
    assert code == 0, err
    code, out, err = run_cli(
        ["calibrate", "--format", "json", "--suppress-below", "0", "--published", "--db", db], capsys
    )
    assert code == 0, err
    rates = json.loads(out)["rates"]
    leavers = [r for r in rates if ".leaver_rate." in r["parameter"]]
    assert leavers and {r["provenance"] for r in leavers} == {"published"}
    assert all(abs(r["value"] - 0.10) < 1e-9 for r in leavers)
    assert all("NHS staff turnover" in r["source"] for r in leavers)
    others = [r for r in rates if ".leaver_rate." not in r["parameter"]]
    assert {r["provenance"] for r in others} == {"illustrative"}
