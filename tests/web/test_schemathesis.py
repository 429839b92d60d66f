"""The API against its own OpenAPI schema: generated requests, signed in, never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import make_settings

_state: dict[str, Any] = {}


def _app() -> Any:
    # schemathesis needs the schema at import time, before pytest's fixtures exist; the data behind it is
    # attached per test below.
    import tempfile

    from hcsworkforce.server.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="hcs-schemathesis-"))
    _state["folder"] = folder
    _state["app"] = create_app(make_settings(folder), queue_mode="immediate")
    return _state["app"]


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@pytest.fixture(scope="module")
def signed_in(loaded_dir: Path) -> Iterator[dict[str, str]]:
    import shutil

    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app
    from hcsworkforce.store import open_store

    folder: Path = _state["folder"]
    app = _state["app"]
    app.state.ctx.store.engine.dispose()  # the empty database it opened at import is replaced by the demo one
    for stale in folder.glob("hcs.db*"):
        stale.unlink()
    for p in loaded_dir.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    app.state.ctx.store = open_store(make_settings(folder).resolved_database_url())
    with TestClient(app) as c:
        r = c.post("/api/v1/session", json={"username": "nat", "password": "national-pass-1"})
        assert r.status_code == 200
        yield {
            "cookie": f"hcs_session={c.cookies.get('hcs_session')}",
            "x-csrf-token": r.json()["csrf_token"],
        }
    del create_app


@schema.parametrize()
@settings(max_examples=25, deadline=None)
def test_api_never_fails_on_the_server(case: Any, signed_in: dict[str, str]) -> None:
    if case.path == "/api/v1/session/end":
        return  # would sign the shared session out half-way through the run
    response = case.call(headers=signed_in)
    case.validate_response(response, checks=[not_a_server_error])
