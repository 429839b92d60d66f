"""The published statistics page and its /api/v1/published twins: scoped by role (a filter outside the user's
scope is 403), the same figures on the page and in the downloads, and the page in a real headless chromium
with no serious accessibility violations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.published.conftest import FIXTURES, TABULAR
from tests.web.conftest import make_settings, sign_in
from tests.web.test_browser import CHROMIUM, FLAGS, _serve, check_axe, shot
from tests.web.test_browser import sign_in as browser_sign_in


def load_published(folder: Path) -> None:
    from hcsworkforce.services.published import import_published
    from hcsworkforce.store import open_store

    store = open_store(make_settings(folder).resolved_database_url(), migrate=True)
    for name, period in TABULAR.items():
        import_published(store, FIXTURES / name, period=period)
    store.engine.dispose()


@pytest.fixture
def pub_client(data_dir: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import cache

    load_published(data_dir)
    cache.clear_caches()
    with TestClient(create_app(make_settings(data_dir), queue_mode="immediate")) as c:
        yield c
    cache.clear_caches()


def test_national_user_profiles_england_from_the_published_tables(pub_client: Any) -> None:
    sign_in(pub_client, "nat")
    r = pub_client.get("/api/v1/published/profile", params={"staff_group": "hcs"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["scope"]["label"] == "England"
    assert data["turnover"][0]["leaver_rate"] == pytest.approx(0.1)
    assert data["workforce"][0]["fte_published_cells"] == pytest.approx(440.75)
    csv = pub_client.get(
        "/api/v1/published/profile", params={"staff_group": "hcs", "table": "turnover", "format": "csv"}
    )
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("period,")
    assert "3120.0" in csv.text
    page = pub_client.get("/published", params={"staff_group": "hcs"})
    assert page.status_code == 200 and 'id="published-turnover"' in page.text
    assert "/api/v1/published/profile?" in page.text
    imports = pub_client.get("/api/v1/published/imports").json()["imports"]
    assert len(imports) == 6


def test_region_user_is_kept_to_their_region(pub_client: Any, scope_codes: tuple[str, str]) -> None:
    _, region = scope_codes
    sign_in(pub_client, "reg")
    r = pub_client.get("/api/v1/published/profile")
    assert r.status_code == 200 and r.json()["scope"] == {
        "level": "region",
        "code": region,
        "label": r.json()["scope"]["label"],
    }
    other = next(c for c in ("Y56", "Y61", "Y60") if c != region)
    assert pub_client.get("/api/v1/published/profile", params={"region": other}).status_code == 403
    assert pub_client.get("/published", params={"region": other}).status_code == 403


def test_organisation_user_sees_their_census_beside_the_published_figures(
    pub_client: Any, scope_codes: tuple[str, str]
) -> None:
    org, _ = scope_codes
    sign_in(pub_client, "org")
    r = pub_client.get("/api/v1/published/benchmark")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["organisation"] == org
    rows = {x["metric"]: x for x in data["rows"]}
    assert set(rows) == {"fte", "headcount", "leaver_rate", "sickness_rate"}
    assert rows["fte"]["this_organisation"] is not None
    assert rows["leaver_rate"]["published_england"] == pytest.approx(0.1)
    assert (
        pub_client.get(
            "/api/v1/published/benchmark", params={"organisation": "RGT" if org != "RGT" else "RJ1"}
        ).status_code
        == 403
    )
    prof = pub_client.get("/api/v1/published/profile").json()
    assert prof["scope"]["level"] == "organisation" and prof["scope"]["code"] == org
    page = pub_client.get("/published")
    assert page.status_code == 200 and 'id="published-bench"' in page.text


def test_bad_parameters_are_422_with_the_problem(pub_client: Any) -> None:
    sign_in(pub_client, "nat")
    r = pub_client.get("/api/v1/published/profile", params={"by": "specialism"})
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "--by"
    r = pub_client.get("/api/v1/published/benchmark")
    assert r.status_code == 422
    assert pub_client.get("/api/v1/published/profile").status_code == 200


# -- in the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_server(tmp_path_factory: pytest.TempPathFactory, loaded_dir: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("published-served")
    for p in loaded_dir.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    load_published(folder)
    yield from _serve(tmp_path_factory, folder)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: run scripts/install_browser.sh")
def test_published_page_in_the_browser(published_server: str, browser: Any) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        browser_sign_in(page, published_server, "nat")
        page.goto(f"{published_server}/published")
        assert page.locator("h1").inner_text() == "Published statistics"
        check_axe(page, "published")
        page.select_option("#p-group", "hcs")
        page.click("button:has-text('Show')")
        page.wait_for_url("**staff_group=hcs**")
        assert "Healthcare Scientists" in page.locator("#published-turnover").inner_text()
        check_axe(page, "published-hcs")
        shot(page, "30-published-hcs")
        with page.expect_download() as dl:
            page.locator("a[href*='table=turnover'][href*='format=csv']").first.click()
        assert Path(dl.value.path()).read_text().startswith("period,")
    finally:
        context.close()
    assert not errors, errors
