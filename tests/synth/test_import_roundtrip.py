"""The synthetic ESR reports go through the real importer, as a trust's files would: what it loads equals the
generator's answer key and a count of the files made with the csv module alone, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from hcsworkforce.services.history import import_history, read_manifest
from hcsworkforce.services.imports import import_extract
from hcsworkforce.store import open_store
from tests.synth.conftest import Made
from tests.synth.esr_count import count, read_report


def _by_org(frame: pl.DataFrame) -> dict[str, tuple[int, float]]:
    g = frame.group_by("organisation_code").agg(pl.col("staff_key").n_unique(), pl.col("fte").sum())
    return {o: (int(n), round(float(f), 4)) for o, n, f in g.iter_rows()}


def test_esr_reports_load_as_the_answer_key_and_the_csv_count_say(esr_files: Made, db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    result = import_extract(esr_files.sip, store, leavers=esr_files.leavers)
    truth = esr_files.truth
    assert result.census_date.isoformat() == truth["report_date"]
    assert "Report Date" in result.census_date_from
    by_csv = count(read_report(esr_files.sip), read_report(esr_files.leavers))
    loaded = _by_org(store.staff())
    leavers = store.leavers().group_by("organisation_code").len()
    leaver_counts = dict(leavers.iter_rows())
    for org, key in truth["organisations"].items():
        assert loaded.get(org, (0, 0.0))[0] == key["hcs_headcount"] == by_csv[org]["hcs_headcount"], org
        assert loaded.get(org, (0, 0.0))[1] == pytest.approx(key["hcs_fte"], abs=1e-6), org
        assert leaver_counts.get(org, 0) == key["hcs_leavers"] == by_csv[org]["hcs_leavers"], org
    assert (
        store.bank().height
        == truth["england"]["hcs_bank_assignments"] + truth["england"]["hcs_honorary_assignments"]
    )
    findings = {f["check"]: f for f in result.findings}
    assert findings["other_staff_groups"]["count"] == truth["england"]["other_staff_rows"]


def test_warehouse_layout_loads_with_a_census_date(warehouse_files: Made, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    from datetime import date

    from hcsworkforce.errors import UserInputError

    with pytest.raises(UserInputError, match="the census date is not in the file"):
        import_extract(warehouse_files.sip, store, leavers=warehouse_files.leavers)
    when = date.fromisoformat(warehouse_files.truth["report_date"])
    import_extract(warehouse_files.sip, store, leavers=warehouse_files.leavers, census_date=when)
    heads = {o: k["hcs_headcount"] for o, k in warehouse_files.truth["organisations"].items()}
    assert {o: n for o, (n, _f) in _by_org(store.staff()).items()} == {o: n for o, n in heads.items() if n}


def test_an_esr_monthly_history_imports_with_its_leavers_reports(esr_months: Path, tmp_path: Path) -> None:
    import json

    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    entries, _shifts = read_manifest(esr_months / "manifest.json")
    assert all(e.leavers for e in entries)
    import_history(store, entries)
    truth = json.loads((esr_months / "truth.json").read_text())["censuses"]
    assert len(store.census_dates()) == len(truth) == 3
    for d, key in zip(store.census_dates(), truth, strict=True):
        assert store.staff(d)["staff_key"].n_unique() == key["england"]["hcs_headcount"]
    # Each census holds the leavers of every leavers report of the 12 months to it (here: all to date).
    counts = [store.leavers(d).height for d in store.census_dates()]
    assert counts == sorted(counts) and counts[-1] == sum(k["england"]["hcs_leavers"] for k in truth)
