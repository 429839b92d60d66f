"""Both doors over a database of their own that starts empty but for a national user, for the jobs that write
(imports, accounts): they must not change the shared `doors` database that the other tests read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.doors.conftest import PASSWORD, Doors
from tests.web.conftest import make_settings


def sign_in_api(client: Any, username: str, password: str) -> str:
    r = client.post("/api/v1/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_doors(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Doors]:
    """The CLI and the API (signed in as national, jobs run inline) over a new database with one user."""
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import accounts, cache
    from hcsworkforce.store import open_store

    url = (
        f"sqlite:///{tmp_path / 'hcs.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    accounts.add_user(open_store(url, migrate=True), "nat", PASSWORD, "national")
    cache.clear_caches()
    with TestClient(create_app(make_settings(tmp_path, url), queue_mode="immediate")) as client:
        d = Doors(url=url, folder=tmp_path, client=client, capsys=capsys)
        d._csrf = sign_in_api(client, "nat", PASSWORD)  # type: ignore[attr-defined]
        yield d
    cache.clear_caches()
