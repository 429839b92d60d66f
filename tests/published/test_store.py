"""Each published file imports from its fixture on SQLite and PostgreSQL; re-import is idempotent; a refused
file writes nothing; the etr update changes the trusts list in effect (with the shipped list as fallback)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hcsworkforce.errors import UserInputError
from hcsworkforce.services import published as svc
from hcsworkforce.store import open_store
from hcsworkforce.store import published as pstore
from hcsworkforce.store.tables_engagement import survey_results
from hcsworkforce.store.tables_published import DATA_TABLES, published_imports
from tests.published.conftest import FIXTURES, TABULAR

MARCH = date(2025, 3, 31)


def _count(store: object, table: object) -> int:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _load_all(store: object, survey_xlsx: Path) -> None:
    for name, period in TABULAR.items():
        svc.import_published(store, FIXTURES / name, period=period)
    svc.import_published(store, survey_xlsx)


def test_every_fixture_imports_and_reimport_is_idempotent(db_url: str, survey_xlsx: Path) -> None:
    store = open_store(db_url, migrate=True)
    _load_all(store, survey_xlsx)
    counts = {k: _count(store, t) for k, t in DATA_TABLES.items()}
    assert counts == {"workforce": 8 + 6, "turnover": 6, "sickness": 6 + 3 + 4, "survey": 32}
    assert _count(store, published_imports) == 7
    survey_rows = _count(store, survey_results)
    assert survey_rows == 10
    _load_all(store, survey_xlsx)
    assert {k: _count(store, t) for k, t in DATA_TABLES.items()} == counts
    assert _count(store, published_imports) == 7 and _count(store, survey_results) == survey_rows
    imports = pstore.list_imports(store)
    assert {(r["kind"], r["layout"]) for r in imports} >= {
        ("sickness", "breakdowns"),
        ("workforce", "non_medical"),
    }
    assert all(r["period"] in (MARCH, date(2024, 12, 31)) for r in imports)


def test_suppressed_cells_stay_suppressed_in_the_database(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    svc.import_published(store, FIXTURES / "turnover.csv")
    rows = pstore.read_published(store, "turnover")
    rrk = rows.filter(org_code="RRK").row(0, named=True)
    assert rrk["leavers"] is None and rrk["leavers_suppressed"] is True and rrk["denominator"] == 210.0


def test_a_refused_file_writes_nothing(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, migrate=True)
    svc.import_published(store, FIXTURES / "workforce_staff_group.csv")
    before = _count(store, DATA_TABLES["workforce"])
    bad = tmp_path / "workforce.csv"
    bad.write_text((FIXTURES / "workforce_staff_group.csv").read_text().replace("1500.5,1620", "1500.5,-3"))
    with pytest.raises(UserInputError) as e:
        svc.import_published(store, bad)
    p = e.value.problems[0]
    assert (p.file, p.row, p.column, p.value) == ("workforce.csv", 5, "HEADCOUNT", "-3")
    assert _count(store, DATA_TABLES["workforce"]) == before
    assert store.import_log(1)[0]["status"] == "rejected"


def test_profile_from_published_tables_alone(db_url: str, survey_xlsx: Path) -> None:
    store = open_store(db_url, migrate=True)
    _load_all(store, survey_xlsx)
    res = svc.run(store, svc.PublishedProfileQuery(staff_group="hcs"))
    wf = res.figures["workforce"][0]
    assert (wf["fte"], wf["fte_published_cells"], wf["suppressed_cells"]) == (None, 440.75, 1)
    assert res.figures["turnover"][0]["leaver_rate"] == pytest.approx(0.1)
    region = svc.run(store, svc.PublishedProfileQuery(region="Y56", staff_group="hcs"))
    assert region.figures["turnover"][0]["leaver_rate"] == pytest.approx(540 / 6000)
    org = svc.run(store, svc.PublishedProfileQuery(organisation="RGT"))
    sick = {r["staff_group_label"]: r["sickness_rate"] for r in org.figures["sickness"]}
    # The organisation file and the benchmarking file both give RGT's all-staff rate: counted once.
    assert sick == {
        "All staff groups": pytest.approx(0.04),
        "Scientific, therapeutic & technical staff": pytest.approx(0.03),
    }


def test_trusts_update_changes_the_list_in_effect(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    shipped = pstore.effective_trusts(store)
    assert "RGT" in shipped and "RZZ" not in shipped
    assert pstore.trusts_source(store)["source"].startswith("shipped")
    result = svc.update_trusts(store, FIXTURES / "etr.csv")
    after = pstore.effective_trusts(store)
    assert set(after) == {"RGT", "RJ1", "RRK", "RAP", "RZZ"}  # Welsh 7A1 left out
    assert result["added"] == ["RZZ"] and result["renamed"] == ["RJ1"] and result["outside_england"] == 1
    assert after["RZZ"].region_code == "Y63" and after["RAP"].closed == "2024-12-31"
    assert pstore.trusts_source(store)["file"] == "etr.csv"


def test_a_bad_etr_leaves_the_list_unchanged(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, migrate=True)
    svc.update_trusts(store, FIXTURES / "etr.csv")
    bad = tmp_path / "etr.csv"
    bad.write_text((FIXTURES / "etr.csv").read_text().replace("20250401", "2025-04-01"))
    with pytest.raises(UserInputError):
        svc.update_trusts(store, bad)
    assert "RZZ" in pstore.effective_trusts(store)
