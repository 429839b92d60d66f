"""Accounts through both doors: a user added with `hcs user add` signs in through the API with the role and scope
`hcs user list --format json` shows; `hcs user disable` ends their session; the audit log records it all."""

from __future__ import annotations

import io
import sys

import pytest
from fastapi.testclient import TestClient

from hcsworkforce.cli import app
from hcsworkforce.cli._common import run_app
from hcsworkforce.services import accounts
from tests.doors.conftest import Doors
from tests.doors.empty import empty_doors, sign_in_api  # noqa: F401  (empty_doors: the fixture)

PASSWORD = "trust-user-pass-1"


def _hcs(doors: Doors, *args: str, stdin: str = "") -> int:
    """`hcs ARGS --db URL` in-process, as the console script runs it, `stdin` its standard input; its exit code."""
    old, old_stdin = sys.argv, sys.stdin
    sys.argv, sys.stdin = ["hcs", *args, "--db", doors.url], io.StringIO(stdin)
    try:
        return run_app(app)
    finally:
        sys.argv, sys.stdin = old, old_stdin


@pytest.mark.parametrize(("role", "scope"), [("organisation", "RGT"), ("region", "Y56"), ("national", None)])
def test_a_user_added_by_the_cli_signs_in_through_the_api(
    empty_doors: Doors,  # noqa: F811
    role: str,
    scope: str | None,
) -> None:
    doors = empty_doors
    scope_args = ["--scope", scope.lower()] if scope else []
    add = ["user", "add", "Ana", "--role", role, *scope_args, "--password-stdin"]
    assert _hcs(doors, *add, stdin=PASSWORD + "\n") == 0
    listed = {u["username"]: u for u in doors.cli("user", "list")["users"]}
    assert set(listed) == {"nat", "ana"}
    assert (listed["ana"]["role"], listed["ana"]["scope_code"]) == (role, scope)

    with TestClient(doors.client.app) as other:
        token = sign_in_api(other, "ANA ", PASSWORD)  # names are kept trimmed and in lower case
        session = other.get("/api/v1/session").json()
        assert (session["username"], session["role"], session["scope_code"]) == ("ana", role, scope)
        assert other.get("/api/v1/jobs").status_code == 200
        assert _hcs(doors, "user", "disable", "ana") == 0
        accounts.forget_users()  # another process's disable reaches a server within USER_MEMO_SECONDS
        assert other.get("/api/v1/jobs").status_code == 401
        assert other.get("/api/v1/session").json()["username"] is None
        r = other.post("/api/v1/session", json={"username": "ana", "password": PASSWORD})
        assert r.status_code == 401 and token
    assert doors.cli("user", "list")["users"][0]["disabled"] is True  # users are listed by name: ana first
    events = [(e["actor"], e["event"]) for e in doors.api("/audit", params={"limit": 10})["entries"]]
    assert ("ana", "sign_in") in events and ("ana", "sign_in_failed") in events


def test_the_audit_log_is_for_national_users_only(empty_doors: Doors) -> None:  # noqa: F811
    doors = empty_doors
    assert (
        _hcs(
            doors,
            "user",
            "add",
            "reg",
            "--role",
            "region",
            "--scope",
            "Y56",
            "--password-stdin",
            stdin=PASSWORD,
        )
        == 0
    )
    with TestClient(doors.client.app) as other:
        sign_in_api(other, "reg", PASSWORD)
        r = other.get("/api/v1/audit")
        assert r.status_code == 403 and r.json()["detail"] == "Only national users can read the audit log."
    assert doors.api("/audit", params={"event": "sign_in"})["entries"][0]["actor"] == "reg"
