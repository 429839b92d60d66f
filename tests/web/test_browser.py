"""In Debian's headless Chromium, against a real uvicorn server on a loopback port: the journeys a trust or
national planner takes, with screenshots, no console errors and no serious accessibility violations."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS, own_rows

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: run scripts/install_browser.sh"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Iterator[str]:
    """A real uvicorn on a loopback port over a copy of the data directory `source`."""
    import shutil

    folder = tmp_path_factory.mktemp("served")
    for p in source.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    port = _free_port()
    env = {
        **os.environ,
        "HCS_DATA_DIR": str(folder),
        "HCS_DATABASE_URL": f"sqlite:///{folder / 'hcs.db'}",
        "HCS_SECRET_KEY": "browser-test-key",
        "HCS_PSEUDONYM_KEY_FILE": str(folder / "pseudonym.key"),
    }
    env.pop("HCS_QUEUE_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hcsworkforce.server.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, loaded_dir: Path) -> Iterator[str]:
    yield from _serve(tmp_path_factory, loaded_dir)


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory, history_dir: Path) -> Iterator[str]:
    """14 monthly censuses with a leaver spike planted in the organisation user's organisation."""
    yield from _serve(tmp_path_factory, history_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    # A request the browser itself cancels because the page moved on (net::ERR_ABORTED: the favicon of a page
    # left at once) is not a failure of ours; any other failed request is.
    pg.on(
        "requestfailed",
        lambda r: (
            None
            if "ERR_ABORTED" in (r.failure or "")
            else errors.append(f"request failed: {r.url} ({r.failure})")
        ),
    )
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not errors, errors


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_axe(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
        },
    )
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in bad)


def sign_in(page: Any, base: str, who: str) -> None:
    page.goto(f"{base}/")
    assert "/sign-in" in page.url
    check_axe(page, "sign-in")
    shot(page, "01-sign-in")
    page.fill("#username", who)
    page.fill("#password", PASSWORDS[who])
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{base}/")


def test_planner_journey(server: str, page: Any, demo_files: dict[str, Path]) -> None:
    base = server
    sign_in(page, base, "nat")
    assert page.locator("h1").inner_text().startswith("Healthcare science workforce")
    check_axe(page, "home")
    shot(page, "02-home")

    # A bad extract: every problem shown by row and column, nothing loaded.
    page.goto(f"{base}/upload")
    check_axe(page, "upload")
    shot(page, "03-upload")
    page.set_input_files("#extract", str(demo_files["bad"]))
    page.click("button:has-text('Check and load')")
    page.wait_for_selector("#problems", timeout=30_000)
    table = page.locator("#problems").inner_text()
    assert "Band 10" in table and "Pay Band" in table
    check_axe(page, "upload-errors")
    shot(page, "04-upload-errors")

    # A good one: the page polls (htmx) until the job is done.
    page.goto(f"{base}/upload")
    page.set_input_files("#extract", str(demo_files["extract"]))
    page.set_input_files("#leavers", str(demo_files["leavers"]))
    page.set_input_files("#establishment", str(demo_files["establishment"]))
    page.fill("#census_date", "31/03/2025")
    page.click("button:has-text('Check and load')")
    page.wait_for_selector("text=rows loaded", timeout=60_000)
    shot(page, "05-upload-done")

    # The profile, and the drill-down region -> organisation -> specialism.
    page.goto(f"{base}/profile")
    check_axe(page, "profile")
    shot(page, "06-profile-national")
    page.locator("#profile-table tbody a").first.click()
    page.wait_for_url("**/profile?region=*")
    assert "By organisation" in page.locator("#results h2").first.inner_text()
    shot(page, "07-profile-region")
    page.locator("#profile-table tbody a").first.click()
    page.wait_for_url("**organisation=*")
    assert "By specialism" in page.locator("#results h2").first.inner_text()
    check_axe(page, "profile-organisation")
    shot(page, "08-profile-organisation")

    # Filters through htmx swap only the results.
    page.select_option("#f-by", "age_band")
    from playwright.sync_api import expect

    expect(page.locator("#results h2").first).to_contain_text("age band", timeout=10_000)
    assert "by=age_band" in page.url, "htmx pushed the filtered address, so it can be bookmarked"
    shot(page, "09-profile-by-age")

    # Download the CSV beside the table.
    with page.expect_download() as dl:
        page.locator("a:has-text('CSV')").first.click()
    path = dl.value.path()
    assert Path(path).read_text().startswith("age_band,")

    for url, name in (
        (f"{base}/benchmark", "10-benchmark"),
        (f"{base}/about-data", "11-about-data"),
        (f"{base}/jobs", "12-runs"),
    ):
        page.goto(url)
        check_axe(page, name)
        shot(page, name)

    # A projection: the job page polls (htmx) and then shows the fan charts, tables and downloads.
    page.goto(f"{base}/scenarios")
    check_axe(page, "scenarios")
    shot(page, "13-scenarios")
    page.select_option("#example", "national_baseline")
    page.fill("#runs", "50")
    page.click("button:has-text('Run the projection')")
    page.wait_for_selector("text=Supply and demand (FTE)", timeout=120_000)
    assert page.locator("svg.hcs-chart").count() >= 3
    check_axe(page, "projection")
    shot(page, "14-projection")
    with page.expect_download() as dl:
        page.locator("#gap-heading ~ p.hcs-downloads a:has-text('CSV')").first.click()
    assert Path(dl.value.path()).read_text().startswith("specialism,")

    # A surge deployment plan over the national staff.
    page.goto(f"{base}/deployment")
    check_axe(page, "deployment")
    shot(page, "15-deployment")
    page.select_option("#example", "covid19_like")
    page.click("button:has-text('Plan the deployment')")
    page.wait_for_selector("text=Posts left uncovered", timeout=120_000)
    assert page.locator("#floors-table").count() == 1 or "Floors, with what remains: none" in page.content()
    check_axe(page, "deployment-plan")
    shot(page, "16-deployment-plan")


def test_trends_and_funnels_journey(history_server: str, page: Any, history_dir: Path) -> None:
    """A trust lead sees their leaver spike as a special cause and their own point on the funnel; a national
    planner sees every organisation on the funnel; WISN and the board pack open."""
    base = history_server
    org, _ = (history_dir / "scope.txt").read_text().split(",")
    sign_in(page, base, "org")
    page.goto(f"{base}/trends?metric=leaver_rate_12m")
    page.wait_for_selector("svg.hcs-chart")
    points = page.locator("#spc-points").inner_text()
    assert "Concern" in points, "the planted leaver spike shows as a special cause of concern"
    check_axe(page, "trends")
    shot(page, "20-trends-special-cause")
    page.goto(f"{base}/benchmark/funnel?metric=leaver_rate_12m&peers=nation")
    page.wait_for_selector("svg.hcs-chart")
    assert page.locator("#funnel-table tbody tr").count() == 1
    assert page.locator("svg.hcs-chart circle").count() == 1, "only their own point"
    check_axe(page, "funnel-organisation")
    shot(page, "21-funnel-organisation")
    page.goto(f"{base}/pack")
    assert org in page.locator("h2").first.inner_text()
    with page.expect_download() as dl:
        page.locator("a:has-text('XLSX')").first.click()
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"
    check_axe(page, "pack")
    shot(page, "22-pack")
    page.goto(f"{base}/wisn?example=cardiac_physiology_department")
    assert page.locator("#wisn-results tbody tr").count() >= 1
    check_axe(page, "wisn")
    shot(page, "23-wisn")
    for path, name in (
        ("/people", "24-people"),
        ("/engagement", "25-engagement"),
        ("/pathways", "26-pathways"),
    ):
        page.goto(base + path)
        check_axe(page, name)
        shot(page, name)

    page.context.clear_cookies()
    sign_in(page, base, "nat")
    page.goto(f"{base}/trends?metric=leaver_rate_12m&by=organisation")
    page.wait_for_selector("#spc-summary")
    page.locator(f"#spc-summary a[href*='show={org}']").click()
    page.wait_for_url(f"**show={org}**")
    assert "Concern" in page.locator("#spc-points").inner_text()
    check_axe(page, "trends-by-organisation")
    shot(page, "27-trends-by-organisation")
    page.goto(f"{base}/benchmark/funnel?metric=leaver_rate_12m&peers=nation")
    assert page.locator("#funnel-table tbody tr").count() > 1
    check_axe(page, "funnel-national")
    shot(page, "28-funnel-national")
    with page.expect_download() as dl:
        page.locator("p.hcs-downloads a:has-text('CSV')").first.click()
    assert Path(dl.value.path()).read_text().startswith("organisation,")


def test_trust_adds_its_rows_to_the_census_everyone_sees(
    server: str, page: Any, demo_files: dict[str, Path], loaded_dir: Path, tmp_path: Path
) -> None:
    """A trust user is shown which census their rows go into before they load, can choose only censuses
    that exist, and their upload never creates a census other users would see as 'the latest'."""
    base = server
    org = (loaded_dir / "scope.txt").read_text().split(",")[0]
    sign_in(page, base, "org")
    page.goto(f"{base}/upload")
    assert "Census to add your rows to" in page.content()
    options = page.locator("#census_date option").all_inner_texts()
    assert options == ["31 March 2025 (latest)"], options
    check_axe(page, "upload-trust")
    shot(page, "30-upload-trust")

    mine = own_rows(demo_files["extract"], org, tmp_path / "our_staff_in_post.csv")
    page.set_input_files("#extract", str(mine))
    page.check("#confirm")  # this file carries no establishment: dropping the trust's is confirmed
    page.click("button:has-text('Check and load')")
    page.wait_for_selector("text=rows loaded", timeout=60_000)
    shot(page, "31-upload-trust-done")
    censuses = page.request.get(f"{base}/api/v1/censuses").json()["census_dates"]
    assert censuses == ["2025-03-31"], "a trust's upload went into the existing census, not a new one"
