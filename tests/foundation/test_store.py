"""The store: migrations give exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

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
