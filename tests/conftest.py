"""Shared fixtures: an isolated data directory per test run, and stores on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("HCS_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every test gets its own data dir (database, pseudonymisation key), never the user's."""
    from hcsworkforce.settings import get_settings

    data = tmp_path_factory.mktemp("hcsdata")
    monkeypatch.setenv("HCS_DATA_DIR", str(data))
    monkeypatch.delenv("HCS_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    from hcsworkforce.store import dispose_all

    dispose_all()


def _pg_available() -> bool:
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server tests use. In CI it must be up: a missing server fails, it never skips silently."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432; .ci/run should have started it")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (start it: make services)")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database per test, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"hcs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from hcsworkforce.store import dispose_all

        dispose_all()
        with admin.connect() as c:
            c.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite default and on PostgreSQL over a real connection."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hcs.db'}"
    return str(request.getfixturevalue("pg_url"))


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `hcs ARGS` in-process the way the console script does; returns (exit code, stdout, stderr)."""
    from hcsworkforce.cli import app
    from hcsworkforce.cli._common import run_app

    old = sys.argv
    sys.argv = ["hcs", *args]
    try:
        code = run_app(app)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


def run_hcs_subprocess(
    args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "hcs"
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )
