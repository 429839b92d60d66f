"""Leadership and likely healthcare scientists come out of an ordinary import of the whole-trust report, and
`hcs leadership` gives the hand count of the fixture (tests/esr/fixtures.py says what each row is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.esr.fixtures import write_reports


def test_leadership_of_the_hand_built_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sip, leavers = write_reports(tmp_path)
    db = f"sqlite:///{tmp_path / 'hcs.db'}"
    assert run_cli(["import", str(sip), "--leavers", str(leavers), "--db", db], capsys)[0] == 0
    code, out, err = run_cli(["leadership", "--organisation", "RJ1", "--format", "json", "--db", db], capsys)
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    # RJ1: the 8c radiotherapy physicist (consultant by band), the technician, the STP trainee; a porter
    # and a physiotherapist (AHP, band 6); no nurse.
    assert row["hcs_headcount"] == 3
    assert row["hcs_senior_headcount"] == 1 and row["hcs_consultant_headcount"] == 1
    assert row["ahp_headcount"] == 1 and row["ahp_senior_headcount"] == 0
    assert row["nursing_headcount"] is None, "no nurse in RJ1's rows: blank, not zero"
    code, out, _ = run_cli(["leadership", "--organisation", "RGT", "--format", "json", "--db", db], capsys)
    (row,) = json.loads(out)["rows"]
    # RGT: in post (not bank, not honorary) 10000001-3, 08, 09 (the U-matrix MLA); the UAA consultant.
    assert row["hcs_headcount"] == 5 and row["hcs_consultant_headcount"] == 1
    assert row["nursing_headcount"] == 1
    code, out, _ = run_cli(["likely-hcs", "--organisation", "RGT", "--format", "json", "--db", db], capsys)
    assert json.loads(out)["rows"] == [], "the pathology secretary is not a healthcare scientist"


def test_the_board_pack_shows_leadership(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    sip, leavers = write_reports(tmp_path)
    db = f"sqlite:///{tmp_path / 'hcs.db'}"
    assert run_cli(["import", str(sip), "--leavers", str(leavers), "--db", db], capsys)[0] == 0
    code, _, err = run_cli(
        [
            "pack",
            "--organisation",
            "RJ1",
            "--out",
            str(tmp_path / "pack"),
            "--suppress-below",
            "0",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    html = next((tmp_path / "pack").glob("*.html")).read_text()
    assert "Healthcare science leadership" in html and "Consultant clinical scientists" in html
    book = openpyxl.load_workbook(next((tmp_path / "pack").glob("*.xlsx")), read_only=True)
    sheet = next(n for n in book.sheetnames if n.startswith("Leadership"))
    text = " ".join(str(c) for row in book[sheet].iter_rows(values_only=True) for c in row if c is not None)
    book.close()  # a read-only workbook holds its file open until closed
    assert "RJ1" in text and "england" in text
