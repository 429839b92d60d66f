"""Fixtures for the web tests: a small synthetic national database, three users, and signed-in clients."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Starlette's TestClient warns that it will move from httpx to its fork httpx2; fastapi.testclient is the
    # documented way to test a FastAPI app, so the warning is theirs to resolve, not ours.
    config.addinivalue_line(
        "filterwarnings", "ignore:Using `httpx` with `starlette.testclient` is deprecated"
    )


CENSUS = date(2025, 3, 31)
PASSWORDS = {"nat": "national-pass-1", "reg": "region-pass-12", "org": "organisation-pass"}


def own_rows(report: Path, org: str, out: Path, keep: int | None = None) -> Path:
    """A trust's own rows of the national ESR report (its title lines and header kept), as the trust's own
    ESR would write them: the rows whose Organisation hierarchy names its ODS code."""
    lines = report.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    col = lines[at].split(",").index("Organisation")
    mine = [ln for ln in lines[at + 1 :] if f" {org} " in f" {next(csv.reader([ln]))[col]} "]
    out.write_text("\n".join([*lines[: at + 1], *mine[:keep]]) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A national set of synthetic ESR reports in the layout ESR writes (docs/esr-extracts.md): staff in post
    of every staff group, the leavers report, the establishment; and a bad copy with two located mistakes."""
    from hcsworkforce.synth.esr import esr_reports, write_reports
    from hcsworkforce.synth.workforce import synthesise

    folder = tmp_path_factory.mktemp("demo")
    hcs = synthesise(staff=3000, seed=7, census_date=CENSUS, orgs=20)
    reports = esr_reports(report_date=CENSUS, seed=7, other_staff_ratio=2, hcs=hcs)
    write_reports(reports, "esr", folder / "extract.csv", folder / "leavers.csv")
    hcs.establishment.write_csv(folder / "establishment.csv")
    lines = (folder / "extract.csv").read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    header = lines[at].split(",")
    hcs_rows = [i for i in range(at + 1, len(lines)) if ",Healthcare Scientists," in lines[i]][:2]
    # Two rows of healthcare scientists, as a spreadsheet numbers them: an impossible band, a negative FTE.
    bad_rows = {}
    for i, (column, value) in zip(hcs_rows, (("Pay Band", "Band 10"), ("FTE", "-1")), strict=True):
        cells = next(csv.reader([lines[i]]))
        cells[header.index(column)] = value
        if column == "FTE":
            cells[header.index("Contracted Wte")] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        lines[i] = buf.getvalue()
        bad_rows[column] = i + 1
    (folder / "bad.csv").write_text("\n".join(lines[: max(hcs_rows) + 40]) + "\n")
    (folder / "bad_rows.json").write_text(json.dumps(bad_rows))
    return {
        "extract": folder / "extract.csv",
        "leavers": folder / "leavers.csv",
        "establishment": folder / "establishment.csv",
        "bad": folder / "bad.csv",
        "bad_rows": folder / "bad_rows.json",
    }


def make_settings(folder: Path, database_url: str | None = None, **extra: Any) -> Any:
    from hcsworkforce.settings import Settings

    return Settings(
        data_dir=folder,
        database_url=database_url or f"sqlite:///{folder / 'hcs.db'}",
        secret_key="test-secret-key-not-for-production",
        pseudonym_key_file=folder / "pseudonym.key",
        **extra,
    )


@pytest.fixture(scope="session")
def loaded_dir(tmp_path_factory: pytest.TempPathFactory, demo_files: dict[str, Path]) -> Path:
    """A data directory with the demo census imported and three users; copied per test module."""
    from hcsworkforce.services import accounts
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import open_store

    folder = tmp_path_factory.mktemp("loaded")
    settings = make_settings(folder)
    store = open_store(settings.resolved_database_url(), migrate=True)
    import_extract(
        demo_files["extract"],
        store,
        leavers=demo_files["leavers"],
        establishment=demo_files["establishment"],
    )
    assert store.census_dates() == [CENSUS], "the reports are dated by their own title line"
    orgs = store.staff()["organisation_code"].value_counts().sort("count", descending=True)
    org = orgs["organisation_code"][0]
    region = store.staff().filter(organisation_code=org)["region_code"][0]
    accounts.add_user(store, "nat", PASSWORDS["nat"], "national")
    accounts.add_user(store, "reg", PASSWORDS["reg"], "region", region)
    accounts.add_user(store, "org", PASSWORDS["org"], "organisation", org)
    (folder / "scope.txt").write_text(f"{org},{region}")
    store.engine.dispose()
    return folder


@pytest.fixture
def data_dir(tmp_path: Path, loaded_dir: Path) -> Path:
    import shutil

    for p in loaded_dir.iterdir():
        if p.is_file():
            shutil.copy(p, tmp_path / p.name)
    return tmp_path


@pytest.fixture
def scope_codes(data_dir: Path) -> tuple[str, str]:
    org, region = (data_dir / "scope.txt").read_text().split(",")
    return org, region


@pytest.fixture
def app(data_dir: Path) -> Iterator[Any]:
    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import cache

    cache.clear_caches()
    yield create_app(make_settings(data_dir), queue_mode="immediate")
    cache.clear_caches()


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: Any, who: str) -> str:
    """Sign in through the JSON API; returns the CSRF token for later POSTs."""
    r = client.post("/api/v1/session", json={"username": who, "password": PASSWORDS[who]})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


HISTORY_END = date(2025, 3, 31)


@pytest.fixture(scope="session")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """14 monthly censuses of 3,000 synthetic staff in 15 organisations (a leaver spike planted in the largest),
    with absence, a staff survey and a key-people directory; a national, a region and an organisation user."""
    from hcsworkforce.services import accounts
    from hcsworkforce.services.history import import_history, read_manifest
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import replace_survey_results, write_key_people
    from hcsworkforce.synth.engagement import synth_directory, synth_survey
    from hcsworkforce.synth.history import synthesise_months, write_months

    folder = tmp_path_factory.mktemp("history")
    history = synthesise_months(staff=3000, months=14, orgs=15, end_date=HISTORY_END, absences=True)
    write_months(history, folder / "months")
    spike = next(s.organisation for s in history.shifts if s.kind == "leaver_spike")
    store = open_store(make_settings(folder).resolved_database_url(), migrate=True)
    entries, _ = read_manifest(folder / "months")
    import_history(store, entries)
    orgs = sorted(store.staff()["organisation_code"].unique().to_list())
    replace_survey_results(store, synth_survey(3, orgs), "synthetic")
    write_key_people(store, synth_directory(3, orgs, HISTORY_END), "synthetic")
    region = store.staff().filter(organisation_code=spike)["region_code"][0]
    accounts.add_user(store, "nat", PASSWORDS["nat"], "national")
    accounts.add_user(store, "reg", PASSWORDS["reg"], "region", region)
    accounts.add_user(store, "org", PASSWORDS["org"], "organisation", spike)
    (folder / "scope.txt").write_text(f"{spike},{region}")
    store.engine.dispose()
    shutil.rmtree(folder / "months")
    return folder
