"""The absence extract through the import, on SQLite and PostgreSQL: bad input is located and writes nothing;
the monthly rate is checked by hand across month boundaries and for part-time assignments."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from hcsworkforce.model.scope import Scope
from hcsworkforce.services.absence import absence_rate_for
from hcsworkforce.store import open_store
from tests.conftest import run_cli
from tests.foundation.fixtures import CENSUS, hand_files

HEADER = "Employee Number,Assignment Number,Absence Start,Absence End,Absence Reason"


@pytest.fixture
def census(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The hand-checked census of tests/foundation (RGT: P1 1.0, P2 0.5, P3 1.0 from 2023-06-01, P4 0.8 + 0.2)."""
    extract, est = hand_files(tmp_path)
    code, _, err = run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", CENSUS, "--db", db_url], capsys
    )
    assert code == 0, err
    return db_url


def _write(tmp_path: Path, rows: list[str], name: str = "absence.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _absence_rows(db: str) -> int:
    from sqlalchemy import text

    store = open_store(db)
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "absences"):
            return 0
        return int(conn.execute(text("SELECT COUNT(*) FROM absences")).scalar_one())


def test_bad_absences_are_located_and_nothing_is_written(
    census: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(
        tmp_path,
        [
            "P3,1,2023-05-01,2023-05-03,S13 Cold",  # row 2: P3 started on 2023-06-01
            "X9,1,2024-01-02,2024-01-03,S13 Cold",  # row 3: nobody of that number
            "P1,1,2024-01-10,2024-01-20,S12 Back",  # row 4
            "P1,1,2024-01-15,2024-01-16,S12 Back",  # row 5: overlaps row 4
            "P2,1,31/02/2024,,S10 Stress",  # row 6: no such date
        ],
    )
    before = open_store(census).counts()
    code, out, err = run_cli(["import-absence", str(bad), "--census-date", CENSUS, "--db", census], capsys)
    assert code == 2
    assert "Traceback" not in err and out == ""
    text = " ".join(err.split())
    assert "absence.csv, row 2, column Absence Start" in text and "starts before the assignment did" in text
    assert "row 3, column Employee Number" in text and "unknown staff" in text and "'X9'" in text
    assert "row 5, column Absence Start" in text and "overlaps the absence on row 4" in text
    assert "row 6, column Absence Start" in text and "'31/02/2024' is not a date" in text
    assert _absence_rows(census) == 0
    assert open_store(census).counts() == before
    # An absence for a census that is not loaded is refused before anything is read.
    code, _, err = run_cli(
        ["import-absence", str(bad), "--census-date", "2020-01-31", "--db", census], capsys
    )
    assert code == 2 and "no census dated 2020-01-31" in " ".join(err.split())


def test_rate_by_hand_through_the_import(
    census: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(
        tmp_path,
        [
            "P2,1,2024-01-30,2024-02-02,S13 Cold",  # 0.5 FTE: 2 days in January, 2 in February
            "P1,1,2024-02-28,2024-03-02,S12 Back",  # 2024 is a leap year: 28-29 February, 1-2 March
            "P4,2,2024-03-10,2024-03-14,S25 Gastro",  # the 0.2 FTE second assignment: 5 days
        ],
    )
    code, _, err = run_cli(["import-absence", str(good), "--census-date", CENSUS, "--db", census], capsys)
    assert code == 0, err
    assert _absence_rows(census) == 3
    code, out, err = run_cli(["absence", "--organisation", "RGT", "--format", "json", "--db", census], capsys)
    assert code == 0, err
    months = {m["month"]: m for m in json.loads(out)["months"]}
    # RGT in post all quarter: 1.0 + 0.5 + 1.0 + 0.8 + 0.2 = 3.5 FTE (its leavers left in 2023).
    assert months["2024-01-01"]["fte_days_available"] == pytest.approx(31 * 3.5)
    assert months["2024-01-01"]["fte_days_lost"] == pytest.approx(2 * 0.5)
    assert months["2024-02-01"]["fte_days_available"] == pytest.approx(29 * 3.5)
    assert months["2024-02-01"]["fte_days_lost"] == pytest.approx(2 * 0.5 + 2 * 1.0)
    assert months["2024-03-01"]["fte_days_lost"] == pytest.approx(2 * 1.0 + 5 * 0.2)
    assert months["2024-03-01"]["absence_rate"] == pytest.approx(3.0 / 108.5)
    assert months["2024-03-01"]["staff_absent"] == 2
    # The surge deployment's absence rate, and the trend, take the census month.
    store = open_store(census)
    assert absence_rate_for(store, date(2024, 3, 31), Scope("organisation", "RGT")) == pytest.approx(
        3 / 108.5
    )
    code, out, err = run_cli(
        ["trend", "absence_rate", "--organisation", "RGT", "--format", "json", "--db", census], capsys
    )
    assert code == 0, err
    [series] = json.loads(out)["series"]
    assert series["points"][0]["value"] == pytest.approx(3 / 108.5)
    # Re-importing replaces the census's absences rather than adding to them.
    code, _, err = run_cli(["import-absence", str(good), "--census-date", CENSUS, "--db", census], capsys)
    assert code == 0 and "Replaced" in err
    assert _absence_rows(census) == 3
