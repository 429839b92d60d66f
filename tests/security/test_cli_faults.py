"""CLI faults speak (issue 14, point 8): a database that is down, missing, read-only or locked, and a database
path whose folder does not exist, give one line naming the URL (password masked) and what to do, exit 1, no
traceback; two imports of one new census at once load it once, and the other says why it loaded nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import run_hcs_subprocess

CENSUS = date(2025, 3, 31)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small staff-in-post report in ESR's layout, dated by its own title line."""
    from hcsworkforce.synth.esr import esr_reports, write_reports
    from hcsworkforce.synth.workforce import synthesise

    folder = tmp_path_factory.mktemp("report")
    hcs = synthesise(staff=400, seed=11, census_date=CENSUS, orgs=4)
    reports = esr_reports(report_date=CENSUS, seed=11, other_staff_ratio=1, hcs=hcs)
    write_reports(reports, "esr", folder / "r.csv", folder / "leavers.csv")
    return folder / "r.csv"


def _one_line_fault(run: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The command failed with exit 1 and one line (which holds each expected text), and no traceback."""
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr and len(lines) == 1, run.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def test_postgresql_down(report: Path) -> None:
    url = "postgresql://hcs:s3cret-pass@127.0.0.1:1/x"
    line = _one_line_fault(
        run_hcs_subprocess(["profile", "--db", url]), "127.0.0.1:1", "start PostgreSQL", "HCS_DATABASE_URL"
    )
    assert "s3cret-pass" not in line and "hcs:***@" in line
    # The same from the environment, for a command that writes.
    run = run_hcs_subprocess(["import", str(report)], env={"HCS_DATABASE_URL": url})
    assert "s3cret-pass" not in _one_line_fault(run, "start PostgreSQL")


def test_a_missing_postgresql_database(pg_server: str) -> None:
    url = pg_server.rsplit("/", 1)[0] + "/hcs_no_such_database"
    _one_line_fault(
        run_hcs_subprocess(["user", "list", "--db", url]), "hcs_no_such_database", "does not exist"
    )


def test_a_database_path_in_a_missing_folder_is_not_a_new_database(tmp_path: Path) -> None:
    folder = tmp_path / "mistyped" / "folder"
    url = f"sqlite:///{folder / 'hcs.db'}"
    for args in (["profile"], ["user", "list"], ["audit", "verify"]):
        _one_line_fault(run_hcs_subprocess([*args, "--db", url]), f"the folder {folder} does not exist")
    assert not folder.parent.exists(), "nothing was created"
    run = run_hcs_subprocess(["init", "--db", url])
    assert run.returncode == 0, run.stderr
    assert (folder / "hcs.db").stat().st_mode & 0o777 == 0o600


def test_a_read_only_database(tmp_path: Path, report: Path) -> None:
    path = tmp_path / "hcs.db"
    assert run_hcs_subprocess(["import", str(report), "--db", f"sqlite:///{path}"]).returncode == 0
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"  # as a read-only file system or file opens it
    run = run_hcs_subprocess(["profile", "--db", read_only])
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr  # reading still works
    _one_line_fault(run_hcs_subprocess(["import", str(report), "--db", read_only]), str(path), "read-only")


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A SQLite database that another connection holds in an exclusive transaction."""
    path = tmp_path / "hcs.db"
    assert run_hcs_subprocess(["init", "--db", f"sqlite:///{path}"]).returncode == 0
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    yield path
    conn.execute("ROLLBACK")
    conn.close()


def test_a_locked_database(locked: Path, report: Path) -> None:
    run = run_hcs_subprocess(["import", str(report), "--db", f"sqlite:///{locked}"])
    _one_line_fault(run, str(locked), "locked by another process", "try again")


def test_two_imports_of_one_new_census_at_once(
    db_url: str, report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both imports check the file and find no census of its date; then both write. One loads it; the other
    is told another import loaded it, and writes nothing (but its line in the import log)."""
    from hcsworkforce.errors import UserInputError
    from hcsworkforce.services import imports
    from hcsworkforce.store import CensusConflict, Store, open_store
    from hcsworkforce.store import tables as t

    store = open_store(db_url, migrate=True)
    both_checked = threading.Barrier(2, timeout=60)
    lock = Store._lock_census_writes

    def when_both_have_checked(self: Store, conn: Any) -> None:
        both_checked.wait()  # each import found no census of its date before either writes
        lock(self, conn)

    monkeypatch.setattr(Store, "_lock_census_writes", when_both_have_checked)
    outcomes: list[Any] = []

    def load() -> None:
        try:
            outcomes.append(imports.run(store, imports.ImportQuery(path=report)))
        except UserInputError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    loaded = [o for o in outcomes if isinstance(o, imports.ImportResult)]
    refused = [o for o in outcomes if isinstance(o, UserInputError)]
    assert len(loaded) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], CensusConflict)
    message = refused[0].summary()
    assert "being loaded by another import" in message and "nothing was loaded" in message
    assert "\n" not in message
    assert store.census_dates() == [CENSUS]
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.censuses)).scalar_one() == 1
        rows = conn.execute(select(func.count()).select_from(t.assignments)).scalar_one()
    assert rows == loaded[0].assignments_in_post, "the census is there once"
    assert sorted(r["status"] for r in store.import_log(10)) == ["loaded", "rejected"]


def test_two_hcs_imports_at_once(tmp_path: Path, report: Path) -> None:
    """The same through two `hcs import` processes started together (who wins, and whether the other finds
    the census already there or being loaded, is up to timing): never a traceback, the census once."""
    from hcsworkforce.store import open_store
    from hcsworkforce.store import tables as t

    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    assert run_hcs_subprocess(["init", "--db", url]).returncode == 0
    hcs = str(Path(sys.executable).with_name("hcs"))
    procs = [
        subprocess.Popen([hcs, "import", str(report), "--db", url], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    runs = [(p.returncode, err) for p, err in zip(procs, errs, strict=True)]
    for code, err in runs:
        assert "Traceback" not in err, err
        assert code == 0 or (code == 2 and "being loaded by another import" in err), (code, err)
    assert any(code == 0 for code, _ in runs)
    store = open_store(url)
    assert store.census_dates() == [CENSUS]
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.censuses)).scalar_one() == 1
