"""The store: migrations give exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hcsworkforce.store import all_tables, open_store
from tests.conftest import run_cli


def test_migrations_match_the_declared_tables(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, all_tables())
    # Index name and server-default differences across dialects are not schema drift; tables and columns are.
    drift = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert drift == []


def test_migrate_is_idempotent_and_seeds_regions(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    store.migrate()
    with store.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT COUNT(*) FROM regions")).scalar_one() == 7


def test_init_creates_database_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'new' / 'hcs.db'}"
    code, _, err = run_cli(["init", "--db", db], capsys)
    assert code == 0, err
    assert (tmp_path / "new" / "hcs.db").exists()
    from hcsworkforce.settings import get_settings

    key = get_settings().resolved_key_file()
    assert key.exists() and oct(key.stat().st_mode)[-3:] == "600"


def test_a_column_empty_in_the_first_rows_reads_back(db_url: str, tmp_path: Path) -> None:
    """Regression: reads typed columns from the first rows only, so a late date crashed the read."""
    from datetime import date

    from hcsworkforce.services.imports import import_extract
    from tests.foundation.fixtures import HAND_ROWS, HEADER, write_extract

    rows = [r + ",none," for r in HAND_ROWS if not r.startswith("L")] * 1
    rows = [f"X{i}," + r.split(",", 1)[1] for i, r in enumerate(rows * 40)]
    rows.append(
        "T1,1,RGT,Genomics,trainee_clinical_scientist,Band 6,1.0,1998-01-01,F,2023-09-01,,,stp,2026-08-31"
    )
    extract = write_extract(
        tmp_path / "late.csv", rows, header=HEADER + ",Training Programme,Expected Completion"
    )
    store = open_store(db_url, migrate=True)
    import_extract(extract, store, census_date=date(2024, 3, 31))
    staff = store.staff()
    assert staff["expected_completion"].drop_nulls().to_list() == [date(2026, 8, 31)]


def test_history_reads_the_same_with_and_without_snapshots(db_url: str, tmp_path: Path) -> None:
    """Censuses imported before snapshots existed have none: the row path must give the same frame."""
    from datetime import date

    from sqlalchemy import delete

    from hcsworkforce.model.scope import Scope
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import tables
    from tests.foundation.fixtures import hand_files

    store = open_store(db_url, migrate=True)
    extract, est = hand_files(tmp_path)
    import_extract(extract, store, census_date=date(2024, 3, 31), establishment=est)
    for scope in (None, Scope("region", "Y61"), Scope("organisation", "ZZZ01")):
        fast = [
            store.staff_history(scope=scope),
            store.leavers_history(scope=scope),
            store.establishment_history(),
        ]
        with store.engine.begin() as conn:
            assert conn.execute(delete(tables.census_snapshots)).rowcount == 3
        slow = [
            store.staff_history(scope=scope),
            store.leavers_history(scope=scope),
            store.establishment_history(),
        ]
        for a, b in zip(fast, slow, strict=True):
            key = [c for c in a.columns if a.schema[c] != pl.Float64]
            assert a.sort(key).equals(b.sort(key))
        import_extract(extract, store, census_date=date(2024, 3, 31), establishment=est)
