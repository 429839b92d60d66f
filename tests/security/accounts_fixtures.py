"""What the sign-in and account tests share: an application over a new database (SQLite or PostgreSQL) with a
national and a region user, `hcs` run in-process with a standard input, and moving recorded times back."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.web.conftest import make_settings

SECRET = "test-secret-key-not-for-production"  # make_settings' secret key: the CLI is given the same one
PASSWORDS = {"nat": "national-pass-1", "reg": "region-pass-12"}


@dataclass
class Site:
    app: Any
    url: str
    data_dir: Path

    @property
    def store(self) -> Any:
        return self.app.state.ctx.store

    def client(self, address: str = "testclient") -> TestClient:
        """A browser at this network address (the sign-in limits count per address)."""
        return TestClient(self.app, client=(address, 50000))


def make_site(url: str, data_dir: Path, **settings: Any) -> Site:
    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import accounts, cache, sessions

    cache.clear_caches()
    accounts.forget_users()
    sessions.forget()
    app = create_app(make_settings(data_dir, database_url=url, **settings), queue_mode="immediate")
    store = app.state.ctx.store
    if accounts.get_user_by_name(store, "nat") is None:
        accounts.add_user(store, "nat", PASSWORDS["nat"], "national")
        accounts.add_user(store, "reg", PASSWORDS["reg"], "region", "Y56")
    return Site(app, url, data_dir)


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[Site]:
    """The web application over a new database, SQLite and PostgreSQL, with users nat and reg."""
    s = make_site(db_url, tmp_path)
    yield s
    s.store.engine.dispose()


def hcs(
    args: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "", url: str | None = None
) -> tuple[int, str, str]:
    """`hcs ARGS [--db URL]` in-process as the console script runs it, `stdin` its standard input (not a
    terminal); (exit code, stdout, stderr)."""
    from hcsworkforce.cli import app
    from hcsworkforce.cli._common import run_app

    old, old_stdin = sys.argv, sys.stdin
    sys.argv = ["hcs", *args, *(["--db", url] if url else [])]
    sys.stdin = io.StringIO(stdin)
    try:
        code = run_app(app)
    finally:
        sys.argv, sys.stdin = old, old_stdin
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # rich wraps long messages: compare them unwrapped


def age_attempts(store: Any, by: timedelta) -> None:
    """Move every recorded sign-in attempt back in time by `by` (as if that long had passed)."""
    from hcsworkforce.store.tables_web import sign_in_attempts as t

    with store.engine.begin() as conn:
        for row in conn.execute(select(t.c.id, t.c.at)).all():
            conn.execute(update(t).where(t.c.id == row.id).values(at=row.at - by))


def attempts(store: Any, **where: str) -> dict[str, int]:
    """How many recorded sign-in attempts have each outcome (optionally for one account or address)."""
    from hcsworkforce.store.tables_web import sign_in_attempts as t

    q = select(t.c.outcome)
    for k, v in where.items():
        q = q.where(t.c[k] == v)
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for (outcome,) in conn.execute(q):
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def audit_events(store: Any, event: str) -> list[dict[str, Any]]:
    from hcsworkforce.store.tables_web import audit_log

    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.event == event)).mappings()]
