"""A trust loads its own extract into a shared database: only its rows of the census change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from hcsworkforce.errors import UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.imports import import_extract
from hcsworkforce.services.profile import ProfileQuery, run
from hcsworkforce.store import open_store
from tests.conftest import run_cli
from tests.foundation.fixtures import HAND_ROWS, write_extract

CENSUS = date(2024, 3, 31)
RGT_ROWS = [r for r in HAND_ROWS if ",RGT," in r]
ZZZ_ROWS = [r for r in HAND_ROWS if ",ZZZ01," in r]


def test_two_trusts_load_separately_into_one_census(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, migrate=True)
    import_extract(
        write_extract(tmp_path / "rgt.csv", RGT_ROWS), store, census_date=CENSUS, organisation="RGT"
    )
    import_extract(
        write_extract(tmp_path / "zzz.csv", ZZZ_ROWS), store, census_date=CENSUS, organisation="ZZZ01"
    )
    whole = open_store(f"sqlite:///{tmp_path / 'whole.db'}", migrate=True)
    import_extract(write_extract(tmp_path / "all.csv", HAND_ROWS), whole, census_date=CENSUS)
    # Two trusts' loads give the same census, counts and profile as one national load of both.
    assert store.census_dates() == [CENSUS]
    info, whole_info = store.census_info(), whole.census_info()
    assert info is not None and whole_info is not None
    for key in ("rows_in_post", "rows_leavers", "people_in_post", "has_leaver_data"):
        assert info[key] == whole_info[key], key
    a, b = run(store, ProfileQuery(("organisation",))).rows, run(whole, ProfileQuery(("organisation",))).rows
    assert a == b
    # The history snapshot was rebuilt for the whole census.
    keys = ["staff_key", "assignment_key"]
    assert (
        store.staff_history()
        .drop("census_date")
        .sort(keys)
        .equals(store.staff().drop("census_date").sort(keys))
    )


def test_reloading_one_trust_leaves_the_other_untouched(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, migrate=True)
    import_extract(
        write_extract(tmp_path / "rgt.csv", RGT_ROWS), store, census_date=CENSUS, organisation="RGT"
    )
    import_extract(
        write_extract(tmp_path / "zzz.csv", ZZZ_ROWS), store, census_date=CENSUS, organisation="ZZZ01"
    )
    zzz_before = store.staff(scope=Scope("organisation", "ZZZ01"))
    fewer = [r for r in RGT_ROWS if not r.startswith("P1,")]
    result = import_extract(
        write_extract(tmp_path / "rgt2.csv", fewer), store, census_date=CENSUS, organisation="RGT"
    )
    assert result.replaced
    assert store.staff(scope=Scope("organisation", "ZZZ01")).equals(zzz_before)
    assert store.staff(scope=Scope("organisation", "RGT"))["staff_key"].n_unique() == 3  # P2, P3, P4
    info = store.census_info()
    assert info is not None and info["people_in_post"] == 4
    assert set(info["data_quality"]["by_organisation"]) == {"RGT", "ZZZ01"}
    assert store.staff_history()["staff_key"].n_unique() == 4


def test_rows_of_another_organisation_are_refused_and_nothing_written(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(db_url, migrate=True)
    import_extract(
        write_extract(tmp_path / "zzz.csv", ZZZ_ROWS), store, census_date=CENSUS, organisation="ZZZ01"
    )
    before = store.counts()
    with pytest.raises(UserInputError) as e:
        import_extract(
            write_extract(tmp_path / "mixed.csv", HAND_ROWS), store, census_date=CENSUS, organisation="RGT"
        )
    assert [p.row for p in e.value.problems] == [7]  # the ZZZ01 row, as a spreadsheet numbers it
    assert "another organisation" in str(e.value.problems[0]) and "RGT" in str(e.value.problems[0])
    assert store.counts() == before
    code, _, err = run_cli(
        [
            "import",
            str(tmp_path / "mixed.csv"),
            "--organisation",
            "rgt",
            "--census-date",
            "2024-03-31",
            "--db",
            db_url,
        ],
        capsys,
    )
    assert code == 2 and "row 7, column Organisation" in err
    assert store.counts() == before


def test_trust_findings_are_kept_per_organisation(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    import_extract(
        write_extract(tmp_path / "zzz.csv", ZZZ_ROWS), store, census_date=CENSUS, organisation="ZZZ01"
    )
    import_extract(
        write_extract(tmp_path / "rgt.csv", RGT_ROWS), store, census_date=CENSUS, organisation="RGT"
    )
    own = run(store, ProfileQuery(), Scope("organisation", "ZZZ01")).data_quality
    assert any(f["check"] == "unknown_organisation" for f in own)  # ZZZ01 is not a known trust
    national = run(store, ProfileQuery()).data_quality
    assert any(f["detail"].startswith("ZZZ01: ") for f in national)
    assert any(f["detail"].startswith("RGT: ") for f in national)
    assert isinstance(store.staff(), pl.DataFrame)
