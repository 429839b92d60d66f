"""Access control, tested across every route by enumerating app.routes rather than by hand."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.web.conftest import sign_in

PUBLIC = {"/sign-in", "/reset-password", "/healthz", "/api/v1/session"}  # reset: with a one-time token


def _walk(routes: Any, prefix: str = "") -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r if not prefix else _Prefixed(r, prefix))  # type: ignore[arg-type]
        elif hasattr(r, "original_router"):  # FastAPI >= 0.16x wraps included routers
            ctx = getattr(r, "include_context", None)
            out += _walk(r.original_router.routes, prefix + (getattr(ctx, "prefix", "") or ""))
        elif hasattr(r, "routes") and not hasattr(r, "app"):
            out += _walk(r.routes, prefix)
    return out


class _Prefixed:
    def __init__(self, route: APIRoute, prefix: str) -> None:
        self.path, self.methods = prefix + route.path, route.methods


def routes(app: Any, method: str) -> list[APIRoute]:
    found = [r for r in _walk(app.routes) if method in r.methods]
    assert found, "no routes found: has FastAPI changed how it keeps them?"
    return found


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


def _strip_tokens(text: str) -> str:
    # CSRF tokens and nonces are random: they could contain an organisation code by chance.
    return re.sub(r'(value|content|nonce)="[A-Za-z0-9_\-]{16,}"', "", text)


def test_every_get_route_needs_a_session(client: Any) -> None:
    for r in routes(client.app, "GET"):
        if r.path in PUBLIC or r.path.startswith("/openapi"):
            continue
        res = client.get(fill(r.path), follow_redirects=False)
        assert res.status_code in (401, 303), f"{r.path} answered {res.status_code} without a session"
        if res.status_code == 303:
            assert res.headers["location"].startswith("/sign-in")


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(client: Any) -> None:
    sign_in(client, "nat")
    for r in routes(client.app, "POST"):
        if r.path == "/api/v1/session":
            continue  # JSON sign-in: a cross-site page cannot send it (no CORS), see routes.post_session
        for headers in ({}, {"x-csrf-token": "not-the-token"}):
            res = client.post(
                fill(r.path), data={"csrf_token": "forged"}, headers=headers, follow_redirects=False
            )
            assert res.status_code == 403, f"{r.path} accepted a POST without the session's CSRF token"


def test_tampered_or_unsigned_cookies_are_refused(client: Any) -> None:
    sign_in(client, "nat")
    good = client.cookies.get("hcs_session")
    assert client.get("/api/v1/headline").status_code == 200
    payload, _, sig = good.rpartition(".")
    for bad in (
        payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:],
        '{"u": 1, "e": 0, "c": "x"}',
        "garbage",
    ):
        client.cookies.set("hcs_session", bad)
        assert client.get("/api/v1/headline").status_code == 401, bad
    # A cookie signed with another key (another installation) is no better.
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt="hcs-session").dumps(
        {"u": 1, "e": 0, "c": "x", "t": 0}
    )
    client.cookies.set("hcs_session", forged)
    assert client.get("/api/v1/headline").status_code == 401


@pytest.mark.parametrize("who", ["org", "reg"])
def test_no_route_shows_another_organisations_figures(
    client: Any, scope_codes: tuple[str, str], who: str
) -> None:
    """Every GET route, with every filter pointed at someone else's organisation or region, as an
    organisation user (and, for regions, a region user): no other organisation's code appears anywhere."""
    from hcsworkforce import reference

    org, region = scope_codes
    store = client.app.state.ctx.store
    staff = store.staff()
    if who == "org":
        others = set(staff.filter(staff["organisation_code"] != org)["organisation_code"].unique().to_list())
    else:
        others = set(staff.filter(staff["region_code"] != region)["organisation_code"].unique().to_list())
    other_region = next(c for c in reference.regions() if c != region)
    some_other = sorted(others)[0]
    sign_in(client, who)
    queries = [
        "",
        f"?organisation={some_other}",
        f"?region={other_region}",
        "?by=organisation",
        "?by=organisation,specialism",
        "?by=region",
        f"?organisation={some_other}&by=specialism",
    ]
    checked = 0
    for r in routes(client.app, "GET"):
        if r.path.startswith("/openapi") or r.path in ("/healthz", "/sign-in"):
            continue
        for q in queries:
            for fmt in ("", "&format=csv") if r.path.startswith("/api/") else ("",):
                url = fill(r.path) + (q or "?") + fmt
                res = client.get(url)
                assert res.status_code < 500, url
                text = _strip_tokens(res.text)
                leaked = [c for c in others if re.search(rf"\b{re.escape(c)}\b", text)]
                assert not leaked, f"{url} shows {leaked[:5]} to {who}"
                checked += 1
    assert checked > 50


def test_organisation_user_sees_only_their_own_totals(client: Any, scope_codes: tuple[str, str]) -> None:
    org, _ = scope_codes
    sign_in(client, "org")
    mine = client.get("/api/v1/headline").json()["totals"]["headcount"]
    store = client.app.state.ctx.store
    expected = store.staff().filter(organisation_code=org)["staff_key"].n_unique()
    assert mine == expected
