"""One database, two doors: each job run through the CLI (`--format json`) and the JSON API on the same data.

The database (SQLite, and PostgreSQL over a real connection) holds eight monthly censuses of synthetic staff
with absence, a staff survey and a key-people directory, imported the way users import them, and a national
user. `Doors.cli(...)` runs `hcs ARGS --db URL --format json` in-process as the console script does and returns
the parsed JSON; `Doors.api(path, ...)` calls /api/v1 signed in as the national user (a POST run waits for its
job, since the app runs jobs inline here). Tests compare the numbers the two return.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

END = date(2025, 3, 31)
PASSWORD = "national-pass-1"


def _build(folder: Path, url: str) -> None:
    from hcsworkforce.services import accounts
    from hcsworkforce.services.history import import_history, read_manifest
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import replace_survey_results, write_key_people
    from hcsworkforce.synth.engagement import synth_directory, synth_survey
    from hcsworkforce.synth.history import synthesise_months, write_months

    months = folder / "months"
    if not months.exists():
        history = synthesise_months(staff=2000, months=8, orgs=12, end_date=END, absences=True)
        write_months(history, months)
    store = open_store(url, migrate=True)
    entries, _ = read_manifest(months)
    import_history(store, entries)
    orgs = sorted(store.staff()["organisation_code"].unique().to_list())
    replace_survey_results(store, synth_survey(3, orgs), "synthetic")
    write_key_people(store, synth_directory(3, orgs, END), "synthetic")
    accounts.add_user(store, "nat", PASSWORD, "national")
    store.engine.dispose()


@pytest.fixture(scope="session")
def _doors_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("doors")


@pytest.fixture(scope="session")
def doors_sqlite(_doors_folder: Path) -> str:
    url = f"sqlite:///{_doors_folder / 'hcs.db'}"
    _build(_doors_folder, url)
    return url


@pytest.fixture(scope="session")
def doors_postgresql(_doors_folder: Path, pg_server: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    name = f"hcs_doors_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        _build(_doors_folder, url)
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


@dataclass
class Doors:
    url: str
    folder: Path
    client: Any
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str) -> Any:
        """`hcs ARGS --db URL --format json`: the parsed JSON it printed (exit code 0 asserted)."""
        from hcsworkforce.cli import app
        from hcsworkforce.cli._common import run_app

        argv = ["hcs", *args, "--db", self.url, "--format", "json"]
        old = sys.argv
        sys.argv = argv
        try:
            self.capsys.readouterr()
            code = run_app(app)
        finally:
            sys.argv = old
        out, err = self.capsys.readouterr()
        assert code == 0, f"hcs {' '.join(args)} exited {code}: {err[-2000:]}"
        return json.loads(out)

    def api(self, path: str, *, method: str = "GET", **kwargs: Any) -> Any:
        """An /api/v1 call as the national user; a queued run is waited for and its finished job returned."""
        if method == "GET":
            r = self.client.get(f"/api/v1{path}", **kwargs)
        else:
            r = self.client.request(method, f"/api/v1{path}", headers={"x-csrf-token": self.csrf}, **kwargs)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text[:2000]}"
        if "json" not in r.headers.get("content-type", ""):
            return r
        body = r.json()
        if isinstance(body, dict) and body.get("status") in ("queued", "running", "finished", "failed"):
            job = self.client.get(f"/api/v1/jobs/{body['id']}").json()
            assert job["status"] == "finished", job
            return job
        return body

    @property
    def csrf(self) -> str:
        return str(self._csrf)


@pytest.fixture(params=["sqlite", "postgresql"])
def doors(
    request: pytest.FixtureRequest,
    _doors_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Doors]:
    """The CLI and the API over one database (SQLite, then PostgreSQL); the API signed in as national."""
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import cache
    from hcsworkforce.settings import Settings

    url = request.getfixturevalue(f"doors_{request.param}")
    cache.clear_caches()
    settings = Settings(
        data_dir=tmp_path,
        database_url=url,
        secret_key="test-secret-key-not-for-production",
        pseudonym_key_file=tmp_path / "pseudonym.key",
    )
    with TestClient(create_app(settings, queue_mode="immediate")) as client:
        r = client.post("/api/v1/session", json={"username": "nat", "password": PASSWORD})
        assert r.status_code == 200, r.text
        d = Doors(url=url, folder=_doors_folder, client=client, capsys=capsys)
        d._csrf = r.json()["csrf_token"]  # type: ignore[attr-defined]
        yield d
    cache.clear_caches()


def same_numbers(a: Any, b: Any, path: str = "$", rel: float = 1e-9) -> None:
    """Assert two JSON values hold the same numbers wherever both have a key (floats to 1e-9 relative).

    Keys present on one side only are not compared (a page's extra labels); lists must have the same length."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() & b.keys():
            same_numbers(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_numbers(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, bool) or isinstance(b, bool):
        assert a == b, f"{path}: {a!r} != {b!r}"
    elif isinstance(a, int | float) and isinstance(b, int | float):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-12), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


def copy_example(kind: str, name: str, dest: Path) -> Path:
    """A shipped example (scenario, surge, wisn, roles) with the files beside it, copied to a folder."""
    src = examples_dir() / kind
    shutil.copytree(src, dest / kind, dirs_exist_ok=True)
    return dest / kind / name
