"""Personal data at rest (issue 14, point 5): a refused import keeps no personal value in the jobs table or the
import log (the uploader still sees where each problem is, and at the command line its value); database and
upload files are owner-only; finished runs' results go after job_result_days."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select, update

from tests.conftest import run_cli
from tests.web.conftest import csrf_from, make_settings, sign_in

DOB = "18/01/1894"  # a date of birth 131 years before the census
EMPLOYEE = "99887766"  # an employee number, on two rows of one assignment (a duplicate)


def _bad_report(extract: Path, out: Path) -> dict[str, int]:
    """The demo report's first 200 rows with a date of birth, a duplicated employee number and a band that is
    not a band planted in rows of healthcare scientists; returns the spreadsheet row of each."""
    lines = extract.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    header = lines[at].split(",")
    hcs = [i for i in range(at + 1, len(lines)) if ",Healthcare Scientists," in lines[i]][:4]

    def edit(i: int, **cells: str) -> None:
        row = next(csv.reader([lines[i]]))
        for column, value in cells.items():
            row[header.index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        lines[i] = buf.getvalue()

    edit(hcs[0], **{"Date of Birth": f"{DOB} 00:00:00"})
    edit(hcs[1], **{"Employee Number": EMPLOYEE, "Assignment Number": EMPLOYEE})
    edit(hcs[2], **{"Employee Number": EMPLOYEE, "Assignment Number": EMPLOYEE})
    edit(hcs[3], **{"Pay Band": "Band 10", "Grade": ""})
    out.write_text("\n".join(lines[: max(hcs) + 200]) + "\n", encoding="utf-8")
    return {"dob": hcs[0] + 1, "duplicate": hcs[2] + 1, "band": hcs[3] + 1}


def _stored_text(store: Any, tables: tuple[str, ...] = ("jobs", "import_log", "audit_log")) -> str:
    """Every text value of every column of these tables, one per line."""
    meta = MetaData()
    meta.reflect(store.engine, only=list(tables))
    values = []
    with store.engine.connect() as conn:
        for table in meta.tables.values():
            for row in conn.execute(select(table)):
                values.extend(v for v in row if isinstance(v, str))
    return "\n".join(values)


def _no_personal_values(text: str) -> None:
    for needle in (DOB, "1894-01-18", "1894", EMPLOYEE):
        assert needle not in text, f"{needle!r} is stored"


def test_a_refused_upload_stores_no_date_of_birth_or_employee_number(
    client: Any, demo_files: dict[str, Path], tmp_path: Path
) -> None:
    rows = _bad_report(demo_files["extract"], tmp_path / "bad.csv")
    token = sign_in(client, "nat")
    with open(tmp_path / "bad.csv", "rb") as fh:
        r = client.post(
            "/api/v1/uploads", files={"extract": ("bad.csv", fh, "text/csv")}, headers={"x-csrf-token": token}
        )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "failed"
    # The uploader is shown every problem: its row, column, message and expected form.
    shown = {(p["row"], p["column"]): p for p in job["result"]["problems"]}
    dob = shown[(rows["dob"], "Date of Birth")]
    assert "age outside 16-80" in dob["message"] and dob["value"] == "(withheld)"
    duplicate = next(p for (row, _c), p in shown.items() if row == rows["duplicate"])
    assert "duplicate" in duplicate["message"] and duplicate["value"] == "(withheld)"
    assert shown[(rows["band"], "Pay Band")]["value"] == "Band 10", "a band is no personal value: it is kept"
    page = client.get(f"/jobs/{job['id']}").text
    assert "Date of Birth" in page and "Band 10" in page and "(withheld)" in page
    _no_personal_values(page)
    _no_personal_values(json.dumps(client.get(f"/api/v1/jobs/{job['id']}").json()))

    store = client.app.state.ctx.store
    log = store.import_log(5)
    assert log[0]["status"] == "rejected" and "Date of Birth" in log[0]["detail"]
    text = _stored_text(store)
    assert "Band 10" in text, "the stored problems are there, with their shareable values"
    _no_personal_values(text)


def test_the_command_line_shows_its_user_every_value_and_stores_none(
    demo_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hcsworkforce.store import open_store

    _bad_report(demo_files["extract"], tmp_path / "bad.csv")
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    assert run_cli(["init", "--db", url], capsys)[0] == 0
    code, _out, err = run_cli(["import", str(tmp_path / "bad.csv"), "--db", url], capsys)
    assert code == 2
    assert f"{DOB} 00:00:00 (age 131)" in err and f"{EMPLOYEE} / {EMPLOYEE}" in err, err
    assert "Traceback" not in err
    store = open_store(url)
    assert [r["status"] for r in store.import_log(5)] == ["rejected"]
    _no_personal_values(_stored_text(store))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (0022), under which files are world-readable unless made otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_database_and_upload_files_are_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hcsworkforce.services import imports
    from hcsworkforce.settings import get_settings
    from hcsworkforce.store import open_store

    data = tmp_path / "home" / "hcsworkforce"  # the data directory: made on purpose, owner-only
    monkeypatch.setenv("HCS_DATA_DIR", str(data))
    get_settings.cache_clear()
    store = open_store(migrate=True)
    assert _mode(data) == 0o700
    db_files = sorted(data.glob("hcs.db*"))
    assert db_files and all(_mode(p) == 0o600 for p in db_files), [(p.name, oct(_mode(p))) for p in db_files]
    store.engine.dispose()

    other = tmp_path / "elsewhere"
    other.mkdir()
    open_store(f"sqlite:///{other / 'x.db'}", migrate=True)
    assert _mode(other / "x.db") == 0o600

    upload = imports.new_upload_path(data, "extract.csv")
    assert _mode(data / "uploads") == 0o700 and _mode(upload) == 0o600
    _token, staged = imports.new_staged_path(data, 7)
    staged.write_bytes(b"Employee Number\n1\n")  # as the upload form copies a chosen file into it
    assert _mode(staged) == 0o600
    (data / "uploads").chmod(0o755)
    imports.uploads_folder(data)
    assert _mode(data / "uploads") == 0o700, "a loosened uploads folder is tightened again"


@pytest.mark.usefixtures("loose_umask")
def test_files_kept_from_a_form_that_came_back_are_owner_only(
    client: Any, demo_files: dict[str, Path], data_dir: Path
) -> None:
    sign_in(client, "nat")
    token = csrf_from(client.get("/upload").text)
    with open(demo_files["extract"], "rb") as fh:
        r = client.post(
            "/upload",
            files={"extract": ("extract.csv", fh, "text/csv")},
            data={"csrf_token": token, "census_date": "not a date"},
        )
    assert r.status_code == 422
    staged = list((data_dir / "uploads").glob("staged-*"))
    assert staged and all(_mode(p) == 0o600 for p in staged)
    assert _mode(data_dir / "uploads") == 0o700


def _age(store: Any, job_id: str, days: int) -> None:
    from hcsworkforce.store.tables_web import jobs

    with store.engine.begin() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(finished_at=datetime.now() - timedelta(days=days))
        )


def test_old_results_are_cleared(
    client: Any, demo_files: dict[str, Path], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hcsworkforce.model.scope import NATIONAL
    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import jobs

    store = client.app.state.ctx.store
    token = sign_in(client, "nat")
    ids = []
    for _ in range(3):
        with open(demo_files["bad"], "rb") as fh:
            r = client.post(
                "/api/v1/uploads",
                files={"extract": ("bad.csv", fh, "text/csv")},
                headers={"x-csrf-token": token},
            )
        ids.append(r.json()["id"])
    # A finished run that would be served again to whoever asks for the same.
    params = {"example": "x", "runs": 10}
    reusable, _ = jobs.create_job(store, "projection", params, NATIONAL, "nat")
    with store.engine.begin() as conn:
        conn.execute(
            update(jobs.jobs)
            .where(jobs.jobs.c.id == reusable)
            .values(status="done", result='{"x": 1}', finished_at=datetime.now())
        )
    assert jobs.create_job(store, "projection", params, NATIONAL, "nat") == (reusable, True)
    for job_id in (ids[0], reusable):
        _age(store, job_id, 31)
    _age(store, ids[1], 29)

    url = str(store.engine.url)
    code, out, _err = run_cli(["jobs", "purge", "--db", url], capsys)
    assert code == 0 and "Cleared the results of 2 runs" in out
    old, recent = jobs.get_job(store, ids[0]), jobs.get_job(store, ids[1])
    assert old is not None and recent is not None
    assert old["status"] == "failed" and old["result"] is None and old["params"] is None
    assert old["created_by"] == "nat" and old["finished_at"] is not None, "the run itself is still on record"
    assert recent["result"] and recent["params"]
    assert client.get(f"/api/v1/jobs/{ids[0]}").json()["result"] is None
    assert client.get(f"/jobs/{ids[0]}").status_code == 200
    again, reused = jobs.create_job(store, "projection", params, NATIONAL, "nat")
    assert not reused and again != reusable, "a cleared run is not served as a finished one"

    # `hcs serve` clears them when it starts, by the setting.
    _age(store, ids[2], 8)
    _age(store, ids[1], 2)
    create_app(make_settings(data_dir, job_result_days=7), queue_mode="immediate")
    cleared = jobs.get_job(store, ids[2])
    assert cleared is not None and cleared["result"] is None and cleared["status"] == "failed"
    still = jobs.get_job(store, ids[1])
    assert still is not None and still["result"]
