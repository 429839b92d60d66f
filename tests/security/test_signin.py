"""Sign-in limits and the second factor (issue 14, point 2): concurrent wrong passwords are counted before any is
checked, so at most 5 are ever checked and the account stays locked for the window, the right password
included; names sprayed from one address stop at the address limit; a TOTP code is needed, used once, and can
be required by role. On SQLite and PostgreSQL, through the API with real threads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from tests.security.accounts_fixtures import (  # noqa: F401  (site: the fixture)
    PASSWORDS,
    SECRET,
    Site,
    age_attempts,
    attempts,
    audit_events,
    hcs,
    make_site,
    site,
)
from tests.web.conftest import csrf_from

WINDOW = timedelta(minutes=15)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many passwords were really checked (argon2 verifications), counted around the real function."""
    from hcsworkforce.services import accounts

    counts: Counter[str] = Counter()
    real = accounts._verify
    lock = threading.Lock()

    def counting(row: Any, password: str) -> bool:
        with lock:
            counts["verified"] += 1
        return real(row, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return counts


def _post(s: Site, body: dict[str, Any], address: str = "testclient") -> tuple[int, str]:
    r = s.client(address).post("/api/v1/session", json=body)
    return r.status_code, str(r.json().get("detail", ""))


def test_thirty_concurrent_wrong_passwords_lock_the_account_after_five(
    site: Site,  # noqa: F811
    checked: Counter[str],
) -> None:
    wrong = [{"username": "nat", "password": f"wrong-password-{i:02d}"} for i in range(30)]
    barrier = threading.Barrier(30)

    def attempt(body: dict[str, Any]) -> tuple[int, str]:
        barrier.wait()  # all 30 leave together
        return _post(site, body)

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(attempt, wrong))
    statuses = Counter(code for code, _ in results)
    assert statuses == {401: 5, 429: 25}, statuses
    assert checked["verified"] == 5  # the other 25 were refused before their password was looked at
    assert attempts(site.store, account="nat") == {"failed": 5, "throttled": 25}

    # The right password is refused too, until the window has passed.
    code, detail = _post(site, {"username": "nat", "password": PASSWORDS["nat"]})
    assert code == 429 and "too many failed attempts to sign in to this account" in detail
    assert checked["verified"] == 5
    assert len(audit_events(site.store, "sign_in_locked")) == 1  # the lockout is audited once
    assert len(audit_events(site.store, "sign_in_throttled")) == 26
    age_attempts(site.store, WINDOW - timedelta(minutes=1))
    assert (
        _post(site, {"username": "nat", "password": PASSWORDS["nat"]})[0] == 429
    )  # 14 minutes: still locked
    age_attempts(site.store, timedelta(minutes=1, seconds=1))
    assert _post(site, {"username": "nat", "password": PASSWORDS["nat"]})[0] == 200


def test_a_hundred_concurrent_attempts_with_the_right_one_among_them(
    site: Site,  # noqa: F811
    checked: Counter[str],
) -> None:
    """Whatever the order, no more than 5 are checked; the right one gets in only if it is among them."""
    bodies = [{"username": "nat", "password": f"wrong-password-{i:03d}"} for i in range(99)]
    bodies.insert(50, {"username": "nat", "password": PASSWORDS["nat"]})
    barrier = threading.Barrier(len(bodies))

    def attempt(body: dict[str, Any]) -> int:
        barrier.wait()
        return _post(site, body)[0]

    with ThreadPoolExecutor(len(bodies)) as pool:
        statuses = Counter(pool.map(attempt, bodies))
    assert checked["verified"] <= 5
    assert statuses[429] >= 95 and statuses[401] + statuses[200] == checked["verified"]


def test_a_success_ends_a_run_of_failures_but_not_the_lock(site: Site) -> None:  # noqa: F811
    for i in range(4):
        assert _post(site, {"username": "reg", "password": f"typo-{i}"})[0] == 401
    assert _post(site, {"username": "reg", "password": PASSWORDS["reg"]})[0] == 200
    for i in range(4):  # four more after a success: not five in a row, so not locked
        assert _post(site, {"username": "reg", "password": f"typo-again-{i}"})[0] == 401
    assert _post(site, {"username": "reg", "password": PASSWORDS["reg"]})[0] == 200
    for i in range(5):
        assert _post(site, {"username": "reg", "password": f"typo-third-{i}"})[0] == 401
    assert _post(site, {"username": "reg", "password": PASSWORDS["reg"]})[0] == 429


def test_names_sprayed_from_one_address_stop_at_the_address_limit(
    site: Site,  # noqa: F811
    checked: Counter[str],
) -> None:
    names = [f"someone-{i:02d}" for i in range(58)] + ["nat", "reg"]
    barrier = threading.Barrier(len(names))

    def attempt(name: str) -> tuple[int, str]:
        barrier.wait()
        return _post(site, {"username": name, "password": "Spring-2025-guess"}, address="203.0.113.7")

    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(attempt, names))
    statuses = Counter(code for code, _ in results)
    assert statuses == {401: 20, 429: 40}, statuses
    assert checked["verified"] == 20
    assert all("from your network address" in d for c, d in results if c == 429)
    assert attempts(site.store, address="203.0.113.7") == {"failed": 20, "throttled": 40}
    # The real users' right passwords are refused from that address too, until the window ends ...
    assert _post(site, {"username": "nat", "password": PASSWORDS["nat"]}, "203.0.113.7")[0] == 429
    # ... but not from another address, where nat's account was tried at most once.
    assert _post(site, {"username": "nat", "password": PASSWORDS["nat"]}, "198.51.100.4")[0] == 200
    age_attempts(site.store, WINDOW + timedelta(seconds=1))
    assert _post(site, {"username": "reg", "password": PASSWORDS["reg"]}, "203.0.113.7")[0] == 200


def test_the_limits_are_settings(tmp_path: Path) -> None:
    s = make_site(
        f"sqlite:///{tmp_path / 'hcs.db'}", tmp_path, signin_account_failures=2, signin_address_failures=3
    )
    assert [_post(s, {"username": "nat", "password": "nope-nope"})[0] for _ in range(3)] == [401, 401, 429]
    assert [_post(s, {"username": f"x{i}", "password": "nope-nope"})[0] for i in range(2)] == [401, 429]
    s.store.engine.dispose()


def _enrol(s: Site, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """`hcs user totp NAME` with the server's secret key; the base32 secret it prints."""
    from hcsworkforce.settings import get_settings

    monkeypatch.setenv("HCS_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    try:
        code, out, err = hcs(["user", "totp", name], capsys, url=s.url)
    finally:
        get_settings.cache_clear()
    assert code == 0, err
    assert f"otpauth://totp/HCS%20Workforce:{name}?secret=" in out
    return out.split("secret:")[1].split()[0]


def test_totp_enrolled_then_needed_and_used_once(
    site: Site,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hcsworkforce.store.tables_web import users

    secret = _enrol(site, "nat", capsys, monkeypatch)
    with site.store.engine.connect() as conn:
        stored = conn.execute(select(users.c.totp_secret).where(users.c.username == "nat")).scalar_one()
    assert stored and secret not in stored  # encrypted at rest

    body = {"username": "nat", "password": PASSWORDS["nat"]}
    code, detail = _post(site, body)
    assert code == 401 and "6-digit code" in detail
    assert _post(site, {**body, "totp": "000000"})[0] == 401
    totp = pyotp.TOTP(secret)
    first = totp.now()
    r = site.client().post("/api/v1/session", json={**body, "totp": first})
    assert r.status_code == 200 and r.json()["username"] == "nat"
    # The same code again (a replay, even within its 30 seconds) is refused.
    code, detail = _post(site, {**body, "totp": first})
    assert code == 401 and "used already" in detail
    # A right password without a code is not a failure: it does not count towards the lock.
    assert attempts(site.store, account="nat").get("code_needed") == 1
    # On the page, the code goes in its own field.
    page = site.client()
    token = csrf_from(page.get("/sign-in").text)
    r = page.post("/sign-in", data={**body, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 401 and 'id="totp-error"' in r.text
    later = totp.at(int(time.time()) + 30)  # the next code: a later step than the one used above
    r = page.post("/sign-in", data={**body, "totp": later, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    # Removed, the code is no longer asked for.
    assert hcs(["user", "totp", "nat", "--remove"], capsys, url=site.url)[0] == 0
    assert _post(site, body)[0] == 200


def test_totp_required_by_role(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = make_site(db_url, tmp_path, require_totp_for="national")
    code, detail = _post(s, {"username": "nat", "password": PASSWORDS["nat"]})
    assert (
        code == 403 and "National accounts must use a second factor" in detail and "hcs user totp" in detail
    )
    assert _post(s, {"username": "reg", "password": PASSWORDS["reg"]})[0] == 200  # region: not required
    assert _post(s, {"username": "nat", "password": "not-the-password"})[0] == 401  # says nothing before that
    secret = _enrol(s, "nat", capsys, monkeypatch)
    body = {"username": "nat", "password": PASSWORDS["nat"], "totp": pyotp.TOTP(secret).now()}
    assert _post(s, body)[0] == 200
    refused = audit_events(s.store, "sign_in_refused")
    assert len(refused) == 1 and "totp_required" in refused[0]["detail"]
    s.store.engine.dispose()


def test_a_server_with_another_secret_key_cannot_read_the_second_factor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    s = make_site(url, tmp_path)
    secret = _enrol(s, "nat", capsys, monkeypatch)
    other = make_site(url, tmp_path)
    ctx = other.app.state.ctx
    ctx.settings = ctx.settings.model_copy(update={"secret_key": "another-key-entirely-000"})
    body = {"username": "nat", "password": PASSWORDS["nat"], "totp": pyotp.TOTP(secret).now()}
    code, detail = _post(other, body)
    assert code == 403 and "HCS_SECRET_KEY" in detail


def test_attempts_older_than_thirty_days_are_deleted(site: Site) -> None:  # noqa: F811
    from hcsworkforce.services import accounts

    for i in range(3):
        _post(site, {"username": "nat", "password": f"old-typo-{i}"})
    age_attempts(site.store, timedelta(days=30, minutes=1))
    accounts._purged_at.clear()  # as in a process that has not purged within the hour
    assert _post(site, {"username": "nat", "password": PASSWORDS["nat"]})[0] == 200
    assert attempts(site.store) == {"success": 1}  # the audit log keeps the history
