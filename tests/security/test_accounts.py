"""Accounts (issue 14, points 2 and 6): passwords strong enough and never on the command line; `hcs user passwd`,
`enable`, `reset` (a one-time token, hashed, for an hour) and changing one's own password, each ending the other
sessions; scope codes checked against the organisations we know; a region declared in an import checked against
the trusts list (region_mismatch), never a silent move into another region's figures."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.security.accounts_fixtures import (  # noqa: F401  (site: the fixture)
    PASSWORDS,
    Site,
    age_attempts,
    audit_events,
    hcs,
    site,
)
from tests.web.conftest import csrf_from

STRONG = "otter-lantern-quarry-7"
STRONGER = "heron-basalt-violin-42"


def _sign_in(c: Any, name: str, password: str) -> str:
    r = c.post("/api/v1/session", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def _who(c: Any) -> str | None:
    return c.get("/api/v1/session").json()["username"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("1234567890", "the password is too short: 10 characters (expected at least 12)"),
        ("aaaaaaaaaa", "the password is too short: 10 characters (expected at least 12)"),
        ("password1234", "the password is one of the 30,000 most common passwords"),
        ("aaaaaaaaaaaaaa", 'too easy to guess (strength 0 of 4, expected at least 3): Repeats like "aaa"'),
        ("qwertyuiop[]\\", "too easy to guess"),
        ("carolinewright1", "too easy to guess"),  # the user's own name
    ],
)
def test_weak_passwords_are_refused_by_the_cli_with_the_reason(
    password: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    args = [
        "user",
        "add",
        "carolinewright",
        "--role",
        "national",
        "--name",
        "Caroline Wright",
        "--password-stdin",
    ]
    code, _, err = hcs(args, capsys, stdin=password + "\n", url=url)
    assert code == 2 and why in err, err
    assert "Traceback" not in err
    code, out, _ = hcs(["user", "list", "--format", "json"], capsys, url=url)
    assert code == 0 and '"users": []' in out  # nothing written
    assert hcs(args, capsys, stdin=STRONG + "\n", url=url)[0] == 0  # a strong one is taken


def test_the_password_is_never_an_argument(site: Site, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, _, err = hcs(
        ["user", "add", "ana", "--role", "national", "--password", STRONG], capsys, url=site.url
    )
    assert code == 2 and "--password is not accepted" in err and "--password-stdin" in err
    # Standard input that is not a terminal, without --password-stdin: nothing to prompt on.
    code, _, err = hcs(["user", "add", "ana", "--role", "national"], capsys, stdin=STRONG, url=site.url)
    assert code == 2 and "no terminal to ask for the password on" in err
    code, _, err = hcs(["user", "passwd", "reg", "--password", STRONG], capsys, url=site.url)
    assert code == 2 and "--password is not accepted" in err
    code, _, err = hcs(["user", "add", "ana", "--role", "national", "--password-stdin"], capsys, url=site.url)
    assert code == 2 and "standard input has no password" in err
    assert (
        hcs(["user", "add", "ana", "--role", "national", "--password-stdin"], capsys, STRONG, site.url)[0]
        == 0
    )
    _sign_in(site.client(), "ana", STRONG)


def test_weak_passwords_are_refused_by_the_api(site: Site) -> None:  # noqa: F811
    c = site.client()
    token = _sign_in(c, "reg", PASSWORDS["reg"])
    for new, why in [
        ("1234567890", "too short"),
        ("password1234", "most common"),
        ("aaaaaaaaaaaaa", "Repeats"),
    ]:
        r = c.post(
            "/api/v1/session/password",
            json={"current_password": PASSWORDS["reg"], "new_password": new},
            headers={"x-csrf-token": token},
        )
        assert r.status_code == 422 and why in r.json()["detail"], r.text
    assert _who(c) == "reg"
    _sign_in(site.client(), "reg", PASSWORDS["reg"])  # unchanged


def test_passwd_changes_the_password_and_ends_every_session(
    site: Site,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = site.client()
    _sign_in(c, "reg", PASSWORDS["reg"])
    assert _who(c) == "reg"
    code, out, err = hcs(["user", "passwd", "reg", "--password-stdin"], capsys, STRONG + "\n", site.url)
    assert code == 0 and "their sessions have ended" in out, err
    assert _who(c) is None
    assert c.get("/api/v1/jobs").status_code == 401
    r = site.client().post("/api/v1/session", json={"username": "reg", "password": PASSWORDS["reg"]})
    assert r.status_code == 401
    _sign_in(site.client(), "reg", STRONG)
    code, _, err = hcs(["user", "passwd", "nobody", "--password-stdin"], capsys, STRONG, site.url)
    assert code == 2 and "there is no user called 'nobody'" in err
    assert [e["actor"].startswith("cli") for e in audit_events(site.store, "password_changed")] == [True]


def test_enable_undoes_disable_and_lifts_a_lock(site: Site, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert hcs(["user", "disable", "reg"], capsys, url=site.url)[0] == 0
    assert (
        site.client()
        .post("/api/v1/session", json={"username": "reg", "password": PASSWORDS["reg"]})
        .status_code
        == 401
    )
    assert hcs(["user", "enable", "reg"], capsys, url=site.url)[0] == 0
    _sign_in(site.client(), "reg", PASSWORDS["reg"])
    for i in range(5):
        site.client().post("/api/v1/session", json={"username": "reg", "password": f"wrong-{i}"})
    locked = site.client().post("/api/v1/session", json={"username": "reg", "password": PASSWORDS["reg"]})
    assert locked.status_code == 429
    code, out, _ = hcs(["user", "enable", "reg"], capsys, url=site.url)
    assert code == 0 and "Enabled reg" in out
    _sign_in(site.client(), "reg", PASSWORDS["reg"])
    assert [e["event"] for e in audit_events(site.store, "user_enabled")] == ["user_enabled"] * 2
    assert hcs(["user", "enable", "nobody"], capsys, url=site.url)[0] == 2


def _reset_token(site: Site, name: str, capsys: pytest.CaptureFixture[str]) -> str:  # noqa: F811
    code, out, err = hcs(["user", "reset", name], capsys, url=site.url)
    assert code == 0 and "works once, for 1 hour" in out, err
    return out.strip().splitlines()[-1]


def _age_tokens(site: Site, by: timedelta) -> None:  # noqa: F811
    """Move the unused reset tokens back in time by `by` (as if that long had passed since they were made)."""
    from hcsworkforce.store.tables_web import password_resets as t

    with site.store.engine.begin() as conn:
        for row in conn.execute(
            select(t.c.id, t.c.created_at, t.c.expires_at).where(t.c.used_at.is_(None))
        ).all():
            conn.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(created_at=row.created_at - by, expires_at=row.expires_at - by)
            )


def test_a_reset_token_works_once_within_the_hour(site: Site, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    from hcsworkforce.store.tables_web import password_resets

    signed_in = site.client()
    _sign_in(signed_in, "reg", PASSWORDS["reg"])
    token = _reset_token(site, "reg", capsys)
    with site.store.engine.connect() as conn:
        stored = conn.execute(select(password_resets.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # kept hashed, never in clear

    c = site.client()
    c.headers["x-csrf-token"] = c.get("/api/v1/session").json()["csrf_token"]
    r = c.post("/api/v1/session/reset", json={"token": token, "new_password": "password1234"})
    assert r.status_code == 422 and "most common" in r.json()["detail"]  # weak: refused, token still good
    r = c.post("/api/v1/session/reset", json={"token": token, "new_password": STRONG})
    assert r.status_code == 204
    assert _who(signed_in) is None  # every session of the user ended
    _sign_in(site.client(), "reg", STRONG)
    r = c.post("/api/v1/session/reset", json={"token": token, "new_password": STRONGER})
    assert r.status_code == 422 and "used already" in r.json()["detail"]  # once only
    r = c.post("/api/v1/session/reset", json={"token": "not-a-token", "new_password": STRONGER})
    assert r.status_code == 422 and "not valid" in r.json()["detail"]

    # A new token replaces an unused earlier one; past its hour, it no longer works.
    first = _reset_token(site, "reg", capsys)
    second = _reset_token(site, "reg", capsys)
    r = c.post("/api/v1/session/reset", json={"token": first, "new_password": STRONGER})
    assert r.status_code == 422
    _age_tokens(site, timedelta(minutes=59))
    r = c.post("/api/v1/session/reset", json={"token": second, "new_password": STRONGER})
    assert r.status_code == 204  # 59 minutes old: still good
    third = _reset_token(site, "reg", capsys)
    _age_tokens(site, timedelta(minutes=60, seconds=1))
    r = c.post("/api/v1/session/reset", json={"token": third, "new_password": STRONG + "!"})
    assert r.status_code == 422 and "expired" in r.json()["detail"]
    _sign_in(site.client(), "reg", STRONGER)
    events = [e["event"] for e in audit_events(site.store, "password_reset")]
    assert events == ["password_reset"] * 2


def test_reset_tokens_are_guessed_no_faster_than_sign_ins(site: Site) -> None:  # noqa: F811
    c = site.client("192.0.2.9")
    c.headers["x-csrf-token"] = c.get("/api/v1/session").json()["csrf_token"]
    codes = [
        c.post("/api/v1/session/reset", json={"token": f"guess-{i}", "new_password": STRONG}).status_code
        for i in range(22)
    ]
    assert codes == [422] * 20 + [429] * 2


def test_the_reset_page(site: Site, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    token = _reset_token(site, "reg", capsys)
    page = site.client()
    html = page.get("/reset-password").text
    form = {
        "csrf_token": csrf_from(html),
        "token": token,
        "new_password": STRONG,
        "confirm_password": "other",
    }
    r = page.post("/reset-password", data=form)
    assert r.status_code == 422 and "The two new passwords are not the same" in r.text
    r = page.post(
        "/reset-password", data={**form, "new_password": "1234567890", "confirm_password": "1234567890"}
    )
    assert r.status_code == 422 and "The password is too short" in r.text
    r = page.post("/reset-password", data={**form, "confirm_password": STRONG})
    assert r.status_code == 200 and "Your password has been set. Sign in with it." in r.text
    _sign_in(site.client(), "reg", STRONG)


def test_a_user_changes_their_own_password(site: Site) -> None:  # noqa: F811
    here, elsewhere = site.client(), site.client()
    token = _sign_in(here, "reg", PASSWORDS["reg"])
    _sign_in(elsewhere, "reg", PASSWORDS["reg"])
    url = "/api/v1/session/password"
    r = here.post(url, json={"current_password": "wrong-one-entirely", "new_password": STRONG})
    assert r.status_code == 403  # no CSRF token
    r = here.post(
        url,
        json={"current_password": "wrong-one-entirely", "new_password": STRONG},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 422 and "the current password is not right" in r.json()["detail"]
    r = here.post(
        url,
        json={"current_password": PASSWORDS["reg"], "new_password": STRONG},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200 and r.json()["username"] == "reg"
    assert _who(here) == "reg" and _who(elsewhere) is None  # this browser stays; the other is signed out
    _sign_in(site.client(), "reg", STRONG)
    anonymous = site.client()
    anonymous_token = anonymous.get("/api/v1/session").json()["csrf_token"]
    body = {"current_password": STRONG, "new_password": STRONGER}
    r = anonymous.post(url, json=body, headers={"x-csrf-token": anonymous_token})
    assert r.status_code == 401  # signed in first

    # The page does the same.
    page = site.client()
    _sign_in(page, "reg", STRONG)
    html = page.get("/account").text
    assert "Change your password" in html and "An authenticator app" not in html
    form = {"csrf_token": csrf_from(html), "current_password": STRONG, "new_password": STRONGER}
    r = page.post("/account", data={**form, "confirm_password": "typo"})
    assert r.status_code == 422 and "The two new passwords are not the same" in r.text
    r = page.post(
        "/account", data={**form, "new_password": "password1234", "confirm_password": "password1234"}
    )
    assert r.status_code == 422 and "most common passwords" in r.text
    r = page.post("/account", data={**form, "confirm_password": STRONGER})
    assert r.status_code == 200 and "Your password has been changed" in r.text
    assert page.get("/account").status_code == 200  # still signed in
    _sign_in(site.client(), "reg", STRONGER)
    assert site.client().get("/account", follow_redirects=False).status_code == 303  # to the sign-in page


def test_scope_codes_are_checked(site: Site, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    add = ["user", "add", "x", "--role", "organisation", "--password-stdin"]
    code, _, err = hcs([*add, "--scope", "ZZZ99"], capsys, STRONG, site.url)
    assert code == 2 and "'ZZZ99' is not a known organisation" in err and "--allow-unknown" in err
    code, out, _ = hcs(["user", "list", "--format", "json"], capsys, url=site.url)
    assert '"x"' not in out
    code, _, err = hcs(
        ["user", "add", "y", "--role", "region", "--scope", "Y99", "--password-stdin"],
        capsys,
        STRONG,
        site.url,
    )
    assert code == 2 and "'Y99' is not a region code" in err
    code, _, err = hcs([*add, "--scope", "R;T"], capsys, STRONG, site.url)
    assert code == 2 and "is not an ODS code" in err
    assert hcs([*add, "--scope", "rgt"], capsys, STRONG, site.url)[0] == 0  # a trust in the shipped list

    code, out, err = hcs(
        [*add[:2], "z", *add[3:], "--scope", "ZZZ99", "--allow-unknown"], capsys, STRONG, site.url
    )
    assert code == 0 and "Added z (organisation ZZZ99)" in out, err
    allowed = audit_events(site.store, "unknown_scope_allowed")
    assert len(allowed) == 1 and "ZZZ99" in allowed[0]["detail"] and allowed[0]["actor"].startswith("cli")


def test_an_organisation_loaded_in_the_store_is_a_known_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import open_store
    from tests.foundation.fixtures import hand_files

    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    import_extract(hand_files(tmp_path)[0], open_store(url, migrate=True), census_date=date(2024, 3, 31))
    add = ["user", "add", "t", "--role", "organisation", "--scope", "ZZZ01", "--password-stdin"]
    code, _, err = hcs(add, capsys, STRONG, url)
    assert code == 0, err


def _with_region_column(report: Path, regions: dict[str, str], out: Path) -> Path:
    """The ESR report with an 'NHSE Region' column: for each organisation the region given (else blank)."""
    lines = report.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    rows = list(csv.reader(lines[at:]))
    col = rows[0].index("Organisation")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*rows[0], "NHSE Region"])
    for r in rows[1:]:
        writer.writerow([*r, regions.get(r[col].split()[1], "")])
    out.write_text("\n".join(lines[:at]) + "\n" + buf.getvalue(), encoding="utf-8")
    return out


def test_a_declared_region_that_is_not_the_trusts_lists_is_a_finding(db_url: str, tmp_path: Path) -> None:
    from hcsworkforce import reference
    from hcsworkforce.model.scope import Scope
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import open_store
    from hcsworkforce.synth.esr import esr_reports, write_reports
    from hcsworkforce.synth.workforce import synthesise

    census = date(2025, 3, 31)
    hcs_ = synthesise(staff=300, seed=11, census_date=census, orgs=3)
    write_reports(
        esr_reports(report_date=census, seed=11, other_staff_ratio=0, hcs=hcs_),
        "esr",
        tmp_path / "sip.csv",
        tmp_path / "leavers.csv",
    )
    store = open_store(db_url, migrate=True)
    lines = (tmp_path / "sip.csv").read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    rows = list(csv.reader(lines[at:]))
    col = rows[0].index("Organisation")
    orgs = sorted({r[col].split()[1] for r in rows[1:]})  # the ODS code in ESR's hierarchy ('887 RTF ...')
    trusts = reference.trusts()
    mover = next(o for o in orgs if trusts[o].region_code != "Y60")
    right = next(o for o in orgs if o != mover)
    declared = {mover: "Midlands", right: trusts[right].region_code}  # a name or a code: both are read
    result = import_extract(_with_region_column(tmp_path / "sip.csv", declared, tmp_path / "x.csv"), store)

    mismatch = [f for f in result.findings if f["check"] == "region_mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["count"] == 1
    assert mismatch[0]["examples"] == [
        {"organisation": mover, "region_in_file": "Y60", "reference_region": trusts[mover].region_code}
    ]
    region_of = dict(store.organisations().select("organisation_code", "region_code").iter_rows())
    assert region_of[mover] == trusts[mover].region_code  # the trusts list's region is used
    midlands = store.staff(scope=Scope("region", "Y60"))
    assert mover not in set(midlands["organisation_code"].to_list())  # not moved into the Midlands' figures
    assert mover in set(
        store.staff(scope=Scope("region", trusts[mover].region_code))["organisation_code"].to_list()
    )
