"""Sessions on the server (issue 14, point 3): sign-out and disabling end a session everywhere, idle and absolute
timeouts, the token never stored in clear, cookie flags and security headers, no Server banner from `hcs serve`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select, update

from tests.web.conftest import PASSWORDS, csrf_from, make_settings, sign_in

HCS = str(Path(sys.executable).with_name("hcs"))


def _cookie(client: TestClient, name: str = "hcs_session") -> str:
    value = client.cookies.get(name)
    assert value, f"no {name} cookie"
    return str(value)


def _copy(
    app: Any, cookie: str, name: str = "hcs_session", base_url: str = "http://testserver"
) -> TestClient:
    """Another browser (or an attacker) holding a copy of the cookie."""
    other = TestClient(app, base_url=base_url)
    other.cookies.set(name, cookie, domain="testserver.local")  # where the test client keeps the server's
    return other


def _rows(app: Any) -> list[Any]:
    from hcsworkforce.store.tables_web import sessions

    with app.state.ctx.store.engine.connect() as conn:
        return list(conn.execute(select(sessions)).all())


def _make_app(data_dir: Path, **settings: Any) -> Any:
    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import cache

    cache.clear_caches()
    return create_app(make_settings(data_dir, **settings), queue_mode="immediate")


@pytest.fixture(autouse=True)
def _fresh_memos() -> Iterator[None]:
    from hcsworkforce.services import accounts, sessions

    sessions.forget()
    accounts.forget_users()
    yield
    sessions.forget()
    accounts.forget_users()


def test_a_copied_cookie_is_refused_after_sign_out_through_the_api(client: TestClient) -> None:
    csrf = sign_in(client, "nat")
    copy = _copy(client.app, _cookie(client))
    assert copy.get("/api/v1/headline").status_code == 200, "the copy works while the session lives"
    assert client.post("/api/v1/session/end", headers={"x-csrf-token": csrf}).status_code == 204
    # At once in the process that answered the sign-out (no memo grace).
    assert copy.get("/api/v1/headline").status_code == 401
    assert copy.get("/api/v1/session").json()["username"] is None
    assert client.get("/api/v1/headline").status_code == 401
    assert _rows(client.app) == [], "sign-out deletes the session's row"


def test_a_copied_cookie_is_refused_after_sign_out_from_the_page(client: TestClient) -> None:
    page = client.get("/sign-in")
    r = client.post(
        "/sign-in",
        data={
            "username": "org",
            "password": PASSWORDS["org"],
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    copy = _copy(client.app, _cookie(client))
    home = copy.get("/", follow_redirects=False)
    assert home.status_code == 200
    r = client.post("/sign-out", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    again = copy.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")
    # The refused cookie is replaced by an anonymous one, whose CSRF token is not the old session's.
    assert copy.cookies.get("hcs_session", "").startswith("a.")


def test_a_session_ended_by_another_process_stops_within_the_memo_time(client: TestClient) -> None:
    """Another worker's sign-out deletes the row; this process notices within sessions.MEMO_SECONDS."""
    from hcsworkforce.services import sessions
    from hcsworkforce.store.tables_web import sessions as table

    sign_in(client, "nat")
    assert client.get("/api/v1/headline").status_code == 200
    with client.app.state.ctx.store.engine.begin() as conn:
        conn.execute(delete(table))
    time.sleep(sessions.MEMO_SECONDS + 0.1)
    assert client.get("/api/v1/headline").status_code == 401


def test_disabling_a_user_from_the_command_line_ends_their_live_session(
    client: TestClient, data_dir: Path
) -> None:
    from hcsworkforce.services import accounts, sessions

    sign_in(client, "org")
    assert client.get("/api/v1/headline").status_code == 200
    r = subprocess.run(
        [HCS, "user", "disable", "org", "--db", f"sqlite:///{data_dir / 'hcs.db'}"],
        capture_output=True,
        text=True,
        env={**os.environ, "HCS_DATA_DIR": str(data_dir)},
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    # Another process disabled the account: this one sees it within the memo times (2 s each).
    time.sleep(max(accounts.USER_MEMO_SECONDS, sessions.MEMO_SECONDS) + 0.1)
    assert client.get("/api/v1/headline").status_code == 401
    assert [row.user_id for row in _rows(client.app)] == [], "the refused session's row is gone"


def test_disabling_in_this_process_ends_the_session_at_once(client: TestClient) -> None:
    from hcsworkforce.services import accounts

    sign_in(client, "reg")
    assert client.get("/api/v1/headline").status_code == 200
    accounts.set_disabled(client.app.state.ctx.store, "reg", True)
    assert client.get("/api/v1/headline").status_code == 401


def test_end_user_sessions_ends_every_browser_of_the_user(client: TestClient) -> None:
    """What a password change or a disable calls: every session of the user goes, others stay."""
    from hcsworkforce.services import accounts, sessions

    sign_in(client, "nat")
    second = TestClient(client.app)
    sign_in(second, "nat")
    third = TestClient(client.app)
    sign_in(third, "org")
    store = client.app.state.ctx.store
    nat = accounts.get_user_by_name(store, "nat")
    assert nat is not None
    assert sessions.end_user_sessions(store, nat.id) == 2
    assert client.get("/api/v1/headline").status_code == 401
    assert second.get("/api/v1/headline").status_code == 401
    assert third.get("/api/v1/headline").status_code == 200


def _age(app: Any, **columns: timedelta) -> None:
    """Move every session's times back by the given amounts (as if that much time had passed)."""
    from hcsworkforce.store.tables_web import sessions as table

    with app.state.ctx.store.engine.begin() as conn:  # in Python: SQLite has no datetime arithmetic
        for row in conn.execute(select(table)).mappings().all():
            values = {name: row[name] - delta for name, delta in columns.items()}
            conn.execute(update(table).where(table.c.id == row["id"]).values(values))


@pytest.fixture
def short_app(data_dir: Path) -> Any:
    """Idle timeout one minute, absolute timeout one hour."""
    return _make_app(data_dir, session_idle_minutes=1, session_max_hours=1)


def test_an_idle_session_is_refused(short_app: Any) -> None:
    from hcsworkforce.services import sessions

    with TestClient(short_app) as client:
        sign_in(client, "nat")
        _age(short_app, last_seen_at=timedelta(seconds=50))
        sessions.forget()
        assert client.get("/api/v1/headline").status_code == 200, "50 s idle of 60: still open"
        _age(short_app, last_seen_at=timedelta(seconds=61))
        sessions.forget()
        assert client.get("/api/v1/headline").status_code == 401
        assert _rows(short_app) == [], "the idle session's row is deleted"


def test_activity_keeps_a_session_open_with_a_write_at_most_every_touch_interval(short_app: Any) -> None:
    from hcsworkforce.services import sessions

    with TestClient(short_app) as client:
        sign_in(client, "nat")
        first = _rows(short_app)[0].last_seen_at
        statements: list[str] = []
        engine = short_app.state.ctx.store.engine

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "sessions" in statement:
                statements.append(statement.split()[0].upper())

        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(20):
                assert client.get("/api/v1/session").json()["username"] == "nat"
        finally:
            event.remove(engine, "before_cursor_execute", count)
        # 20 requests within the memo time: no UPDATE (no write per request), at most one look-up each memo period.
        assert "UPDATE" not in statements and statements.count("SELECT") <= 2, statements
        assert _rows(short_app)[0].last_seen_at == first
        # Half the idle time later (the touch interval for a one-minute timeout) the activity is written.
        _age(short_app, last_seen_at=timedelta(seconds=40))
        sessions.forget()
        assert client.get("/api/v1/headline").status_code == 200
        assert _rows(short_app)[0].last_seen_at > first - timedelta(seconds=1)
        # So 40 more seconds later it is still open (80 s after sign-in, with a one-minute idle timeout).
        _age(short_app, last_seen_at=timedelta(seconds=40), created_at=timedelta(seconds=80))
        sessions.forget()
        assert client.get("/api/v1/headline").status_code == 200


def test_a_session_past_its_absolute_end_is_refused_however_active(short_app: Any) -> None:
    from hcsworkforce.services import sessions

    with TestClient(short_app) as client:
        sign_in(client, "nat")
        row = _rows(short_app)[0]
        assert row.expires_at - row.created_at == timedelta(hours=1), "session_max_hours"
        # Signed in 61 minutes ago, active a second ago.
        _age(short_app, created_at=timedelta(minutes=61), expires_at=timedelta(minutes=61))
        sessions.forget()
        assert client.get("/api/v1/headline").status_code == 401
        assert _rows(short_app) == []


def test_the_token_is_not_stored_in_clear(client: TestClient, data_dir: Path) -> None:
    sign_in(client, "nat")
    token = _cookie(client)
    assert len(token) >= 43, "256 bits of randomness"
    [row] = _rows(client.app)
    assert row.id == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in row}
    client.app.state.ctx.store.engine.dispose()
    for f in data_dir.glob("hcs.db*"):  # the database file and any journal
        assert token.encode() not in f.read_bytes(), f.name
    # Knowing the stored value is no use as a cookie.
    assert _copy(client.app, row.id).get("/api/v1/headline").status_code == 401


def test_a_new_sign_in_replaces_the_session_and_its_csrf_token(client: TestClient) -> None:
    anonymous = client.get("/api/v1/session").json()["csrf_token"]
    first = sign_in(client, "nat")
    old = _cookie(client)
    second = sign_in(client, "nat")
    assert len({anonymous, first, second}) == 3
    assert _cookie(client) != old
    assert _copy(client.app, old).get("/api/v1/headline").status_code == 401, "the previous session ended"
    r = client.post("/api/v1/session/end", headers={"x-csrf-token": first})
    assert r.status_code == 403, "the previous session's CSRF token is no longer good"


def test_expired_rows_are_purged(client: TestClient) -> None:
    from hcsworkforce.services import sessions

    store = client.app.state.ctx.store
    for who in ("nat", "reg", "org"):
        sign_in(TestClient(client.app), who)
    sign_in(client, "nat")
    rows = _rows(client.app)
    assert len(rows) == 4
    from hcsworkforce.store.tables_web import sessions as table

    nat, reg = rows[0].id, rows[1].id
    with store.engine.begin() as conn:  # one past its end, one idle for an hour
        conn.execute(update(table).where(table.c.id == nat).values(expires_at=rows[0].created_at))
        conn.execute(
            update(table)
            .where(table.c.id == reg)
            .values(last_seen_at=rows[1].last_seen_at - timedelta(hours=1))
        )
    from hcsworkforce.store.tables_web import users

    with store.engine.begin() as conn:  # the account's epoch moves on: its session is dead too
        conn.execute(
            update(users).where(users.c.username == "org").values(session_epoch=users.c.session_epoch + 1)
        )
    assert sessions.purge(store, idle=timedelta(minutes=30)) == 3
    assert [r.user_id for r in _rows(client.app)] == [rows[3].user_id]
    assert client.get("/api/v1/headline").status_code == 200


def test_the_session_store_on_each_database(db_url: str) -> None:
    from hcsworkforce.services import accounts, sessions
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_web import users

    store = open_store(db_url, migrate=True)
    user = accounts.add_user(store, "ana", "a long enough passphrase 7", "national")
    idle = timedelta(minutes=30)
    token, record = sessions.start(store, user.id, user.session_epoch, max_age=timedelta(hours=8), idle=idle)
    sessions.forget()
    found = sessions.find(store, token, idle=idle)
    assert found is not None and (found.user_id, found.csrf) == (user.id, record.csrf)
    assert sessions.find(store, "x" * 43, idle=idle) is None
    assert sessions.find(store, "'; drop table sessions; --", idle=idle) is None
    assert sessions.purge(store, idle) == 0
    # A row whose account was disabled or moved on (by a direct change, without end_user_sessions) is purged.
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(disabled=True))
    assert sessions.purge(store, idle) == 1
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(disabled=False, session_epoch=5))
    sessions.start(store, user.id, 4, max_age=timedelta(hours=8), idle=idle)
    token, _ = sessions.start(store, user.id, 5, max_age=timedelta(hours=8), idle=idle)
    assert sessions.purge(store, idle) == 1, "the session of epoch 4 goes, the one of epoch 5 stays"
    sessions.end(store, token)
    assert sessions.user_sessions(store, user.id) == 0
    sessions.forget()
    assert sessions.find(store, token, idle=idle) is None
    store.engine.dispose()


def test_security_headers_without_tls(client: TestClient) -> None:
    for path in ("/sign-in", "/api/v1/session", "/healthz", "/static/app.css", "/no-such-page"):
        r = client.get(path)
        h = r.headers
        assert "camera=()" in h["permissions-policy"] and "microphone=()" in h["permissions-policy"], path
        assert "geolocation=()" in h["permissions-policy"] and "payment=()" in h["permissions-policy"]
        assert h["cross-origin-opener-policy"] == "same-origin", path
        assert h["cross-origin-resource-policy"] == "same-origin", path
        assert "strict-transport-security" not in h, "HSTS only with secure_cookies"
        assert "server" not in h
    with TestClient(client.app) as fresh:
        cookie = fresh.get("/sign-in").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_hsts_and_the_host_prefix(data_dir: Path) -> None:
    app = _make_app(data_dir, secure_cookies=True)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.post("/api/v1/session", json={"username": "nat", "password": PASSWORDS["nat"]})
        assert r.status_code == 200
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("__Host-hcs_session=")
        for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"):
            assert flag in cookie, flag
        assert "Domain=" not in cookie
        assert client.get("/api/v1/headline").status_code == 200, "the secure cookie works over TLS"
        token = _cookie(client, "__Host-hcs_session")
        assert (
            _copy(app, token, "hcs_session", "https://testserver").get("/api/v1/headline").status_code == 401
        )
    # Without the setting, a request that arrived over TLS (scheme from the proxy headers) still gets Secure.
    plain = _make_app(data_dir)
    with TestClient(plain, base_url="https://testserver") as client:
        assert "; Secure" in client.get("/sign-in").headers["set-cookie"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("workers", [1, 2])
def test_hcs_serve_sends_no_server_banner(data_dir: Path, tmp_path: Path, workers: int) -> None:
    """A real `hcs serve` (one worker: the app object; several: the factory string) on a free port."""
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                HCS,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--queue-threads",
                "0",
                "--db",
                f"sqlite:///{data_dir / 'hcs.db'}",
            ],
            env={**os.environ, "HCS_DATA_DIR": str(data_dir)},
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # its own process group, so that its workers stop with it
        )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "hcs serve did not start"
                time.sleep(0.2)
        assert r.status_code == 200
        for resp in (r, httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=5)):
            assert "server" not in resp.headers, resp.headers.get("server")
            assert resp.headers["cross-origin-opener-policy"] == "same-origin"
            assert "permissions-policy" in resp.headers
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its workers (its own process group), by the id we started it with."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
