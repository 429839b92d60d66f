"""Trends, funnels, board packs, WISN, key people, engagement and pathways: pages against their /api/v1 twins,
scoping and the funnel disclosure rule, over a small multi-census store with a planted leaver spike."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest

from hcsworkforce.services import cache
from tests.web.conftest import make_settings, sign_in


@pytest.fixture
def hclient(tmp_path: Path, history_dir: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app

    for p in history_dir.iterdir():
        if p.is_file():
            shutil.copy(p, tmp_path / p.name)
    cache.clear_caches()
    with TestClient(create_app(make_settings(tmp_path), queue_mode="immediate")) as c:
        yield c
    cache.clear_caches()


@pytest.fixture
def codes(history_dir: Path) -> tuple[str, str]:
    org, region = (history_dir / "scope.txt").read_text().split(",")
    return org, region


def _others(client: Any, org: str) -> set[str]:
    staff = client.app.state.ctx.store.staff()
    return set(staff.filter(staff["organisation_code"] != org)["organisation_code"].unique().to_list())


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


# -- trends ------------------------------------------------------------------------------------------------
def test_trend_finds_the_planted_leaver_spike_and_the_page_shows_the_api_figures(
    hclient: Any, codes: tuple[str, str]
) -> None:
    org, _ = codes
    sign_in(hclient, "nat")
    api = hclient.get("/api/v1/trends", params={"metric": "leaver_rate_12m", "by": "organisation"}).json()
    assert len(api["censuses"]) == 14
    spike = next(s for s in api["series"] if s["organisation"] == org)
    assert spike["summary"]["concern_points"] > 0
    # The page draws the series with most special-cause points by default; ask for the spike's explicitly.
    page = hclient.get("/trends", params={"metric": "leaver_rate_12m", "by": "organisation", "show": org})
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "Concern" in html and "Process limits" in html
    table = html.split('id="spc-points"')[1].split("</table>")[0]
    for p in spike["points"]:
        assert _pct(p["value"]) in table
        if p["upper_limit"] is not None:
            assert _pct(p["upper_limit"]) in table
    # The same figures in the download, limited to the chosen series.
    csv = hclient.get(
        "/api/v1/trends",
        params={"metric": "leaver_rate_12m", "by": "organisation", "show": org, "format": "csv"},
    ).text
    assert len(csv.strip().splitlines()) == 1 + 14
    summary = hclient.get(
        "/api/v1/trends/summary", params={"metric": "leaver_rate_12m", "by": "organisation"}
    )
    assert {r["key"] for r in summary.json()["records"]} == {s["organisation"] for s in api["series"]}


def test_trend_of_an_organisation_user_is_their_own_and_filters_elsewhere_are_refused(
    hclient: Any, codes: tuple[str, str]
) -> None:
    org, _ = codes
    other = sorted(_others(hclient, org))[0]
    sign_in(hclient, "org")
    mine = hclient.get("/api/v1/trends", params={"metric": "headcount"}).json()
    assert mine["scope"] == {"kind": "organisation", "code": org}
    assert mine["suppress_below"] == 0
    store = hclient.app.state.ctx.store
    latest = store.census_dates()[-1]
    expected = store.staff(latest).filter(organisation_code=org)["staff_key"].n_unique()
    assert mine["series"][0]["points"][-1]["value"] == expected
    for url in ("/api/v1/trends", "/trends", "/api/v1/trends/summary"):
        assert hclient.get(url, params={"organisation": other}).status_code == 403
    by_org = hclient.get("/api/v1/trends", params={"by": "organisation"}).json()
    assert [s["organisation"] for s in by_org["series"]] == [org]


def test_trend_bad_input_is_a_422_or_a_message(hclient: Any) -> None:
    sign_in(hclient, "nat")
    assert hclient.get("/api/v1/trends", params={"metric": "nonsense"}).status_code == 422
    assert hclient.get("/api/v1/trends", params={"by": "gender,age"}).status_code == 422
    assert hclient.get("/api/v1/trends", params={"region": "ZZZ"}).status_code == 422
    page = hclient.get("/trends", params={"organisation": "XXX99"})
    assert page.status_code == 200 and "Nothing to show" in page.text


# -- funnels -----------------------------------------------------------------------------------------------
def test_funnel_page_and_api_agree_for_a_national_user(hclient: Any, codes: tuple[str, str]) -> None:
    sign_in(hclient, "nat")
    api = hclient.get("/api/v1/funnel", params={"metric": "leaver_rate_12m"}).json()
    [funnel] = api["funnels"]
    assert funnel["organisations"] == 15 and funnel["curve"]
    assert len(api["organisations"]) == 15
    html = hclient.get("/benchmark/funnel", params={"metric": "leaver_rate_12m"}).text
    assert "<svg" in html and "99.8% limits" in html
    table = html.split('id="funnel-table"')[1].split("</table>")[0]
    for r in api["organisations"]:
        if r["rate"] is not None:
            assert _pct(r["rate"]) in table
    assert _pct(funnel["pooled_rate"]) in html
    flagged = [r for r in api["organisations"] if r["flag"] in ("high", "low")]
    for r in flagged:  # flagged points are labelled with their code on the plot
        assert f">{r['organisation']}</text>" in html


def test_funnel_shows_an_organisation_user_only_their_own_point(hclient: Any, codes: tuple[str, str]) -> None:
    """The disclosure rule (docs/web.md): own row in full, no other organisation named or drawn, peers'
    aggregates only where there are enough peers."""
    org, _ = codes
    others = _others(hclient, org)
    sign_in(hclient, "org")
    for metric in ("leaver_rate_12m", "vacancy_rate", "share_55_plus", "absence_rate"):
        for peers in ("nation", "region"):
            q = {"metric": metric, "peers": peers}
            api = hclient.get("/api/v1/funnel", params=q).json()
            assert [r["organisation"] for r in api["organisations"]] == [org]
            own = api["organisations"][0]
            assert own["rate"] is not None and own["denominator"] is not None  # never suppressed to its owner
            [funnel] = api["funnels"]
            if funnel["withheld"]:
                assert "rank" not in own or own.get("rank") is None
                assert funnel["pooled_rate"] is None and not funnel["curve"]
            else:
                assert funnel["organisations"] >= 5
            for text in (
                hclient.get("/api/v1/funnel", params={**q, "format": "csv"}).text,
                hclient.get("/benchmark/funnel", params=q).text,
                str(api),
            ):
                leaked = [c for c in others if re.search(rf"\b{re.escape(c)}\b", text)]
                assert not leaked, (metric, peers, leaked)
            points = hclient.get("/benchmark/funnel", params=q).text.count("<circle")
            assert points <= 1  # only their own point (the key uses no circle)


def test_funnel_region_user_sees_their_regions_organisations(hclient: Any, codes: tuple[str, str]) -> None:
    _, region = codes
    store = hclient.app.state.ctx.store
    staff = store.staff()
    in_region = set(staff.filter(region_code=region)["organisation_code"].unique().to_list())
    sign_in(hclient, "reg")
    api = hclient.get("/api/v1/funnel", params={"metric": "leaver_rate_12m"}).json()
    assert {r["organisation"] for r in api["organisations"]} == in_region
    assert api["funnels"][0]["organisations"] == 15  # the national funnel, of which they see their part
    other_region = next(r for r in staff["region_code"].unique().to_list() if r != region)
    assert hclient.get("/api/v1/funnel", params={"region": other_region}).status_code == 403


def test_funnel_suppresses_small_counts_for_views_across_organisations(
    history_dir: Path, tmp_path: Path
) -> None:
    """With a high threshold every organisation's small counts are hidden from a national user."""
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app

    for p in history_dir.iterdir():
        if p.is_file():
            shutil.copy(p, tmp_path / p.name)
    cache.clear_caches()
    app = create_app(make_settings(tmp_path, suppress_below=1000), queue_mode="immediate")
    with TestClient(app) as c:
        sign_in(c, "nat")
        rows = c.get("/api/v1/funnel", params={"metric": "leaver_rate_12m"}).json()["organisations"]
        assert rows and all(r["suppressed"] and r["rate"] is None for r in rows)
        html = c.get("/benchmark/funnel", params={"metric": "leaver_rate_12m"}).text
        assert "[c]" in html
        sign_in(c, "org")
        own = c.get("/api/v1/funnel", params={"metric": "leaver_rate_12m"}).json()["organisations"]
        assert len(own) == 1 and own[0]["rate"] is not None
    cache.clear_caches()


# -- board pack --------------------------------------------------------------------------------------------
def test_board_pack_downloads_within_scope(hclient: Any, codes: tuple[str, str]) -> None:
    org, _ = codes
    others = _others(hclient, org)
    sign_in(hclient, "org")
    page = hclient.get("/pack")
    assert page.status_code == 200 and f"({org})" in page.text
    html = hclient.get("/api/v1/pack", params={"format": "html"})
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "<svg" in html.text and "@media print" in html.text
    xlsx = hclient.get("/api/v1/pack", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    data = hclient.get("/api/v1/pack").json()
    for text in (html.text, str(data)):
        leaked = [c for c in others if re.search(rf"\b{re.escape(c)}\b", text)]
        assert not leaked
    for name, rows in data["sheets"].items():
        if name.startswith("Funnel"):
            assert [r["organisation"] for r in rows] == [org]
    assert hclient.get("/api/v1/pack", params={"organisation": sorted(others)[0]}).status_code == 403
    sign_in(hclient, "nat")
    assert hclient.get("/api/v1/pack").status_code == 422  # a national user must choose
    full = hclient.get("/api/v1/pack", params={"organisation": org}).json()
    funnel_sheet = next(rows for name, rows in full["sheets"].items() if name.startswith("Funnel"))
    assert len(funnel_sheet) > 1  # a national user sees the peers


# -- WISN --------------------------------------------------------------------------------------------------
def test_wisn_example_page_and_api_agree(hclient: Any) -> None:
    sign_in(hclient, "org")
    api = hclient.get("/api/v1/wisn", params={"example": "cardiac_physiology_department"}).json()
    html = hclient.get("/wisn", params={"example": "cardiac_physiology_department"}).text
    table = html.split('id="wisn-results"')[1].split("</table>")[0]
    for c in api["cadres"]:
        assert c["cadre"] in table
        assert f"{c['required_staff']:,.2f}" in table
        assert f"{c['wisn_difference']:,.2f}" in table
        if c["workload_pressure"]:
            assert c["workload_pressure"] in table
    csv = hclient.get("/api/v1/wisn", params={"example": "cardiac_physiology_department", "format": "csv"})
    assert "required_staff" in csv.text.splitlines()[0]


def test_a_bad_wisn_file_shows_its_problems_and_nothing_is_calculated(hclient: Any) -> None:
    csrf = sign_in(hclient, "nat")
    bad = "cadre: Physiologist\nexisting_staff: many\navailable_working_time:\n  working_days_per_year: 220\n"
    page = hclient.post(
        "/wisn",
        data={"csrf_token": csrf},
        files={"wisn_file": ("bad.yaml", bad.encode(), "application/x-yaml")},
    )
    assert page.status_code == 422
    assert 'id="wisn-problems"' in page.text and 'id="wisn-results"' not in page.text
    assert "existing_staff" in page.text and "a number" in page.text
    api = hclient.post("/api/v1/wisn", json={"wisn_yaml": bad}, headers={"x-csrf-token": csrf})
    assert api.status_code == 422
    problems = api.json()["problems"]
    assert any(p["column"] == "existing_staff" for p in problems)
    good = (
        Path(__file__).resolve().parents[2] / "examples/wisn/cardiac_physiology_department.yaml"
    ).read_text()
    ok = hclient.post("/api/v1/wisn", json={"wisn_yaml": good}, headers={"x-csrf-token": csrf})
    assert ok.status_code == 200 and ok.json()["cadres"]


# -- key people, engagement, pathways ----------------------------------------------------------------------
def test_key_people_are_scoped(hclient: Any, codes: tuple[str, str]) -> None:
    org, region = codes
    sign_in(hclient, "nat")
    everyone = hclient.get("/api/v1/people/gaps", params={"include_filled": "true"}).json()
    assert everyone["required"] > 0 and everyone["directory_loaded"]
    assert {p["status"] for p in everyone["posts"]} >= {"filled", "vacant"}
    sign_in(hclient, "org")
    mine = hclient.get("/api/v1/people/gaps", params={"include_filled": "true"}).json()
    assert {p["scope_code"] for p in mine["posts"]} <= {org, region}
    assert any(p["scope_code"] == org for p in mine["posts"])
    page = hclient.get("/people", params={"include_filled": "true"}).text
    assert 'id="people-posts"' in page


def test_engagement_is_scoped_and_suppresses_small_groups(hclient: Any, codes: tuple[str, str]) -> None:
    org, _ = codes
    sign_in(hclient, "nat")
    national = hclient.get("/api/v1/engagement").json()
    assert national["suppress_below"] >= 11
    assert any(r["suppressed"] for r in national["indicators"])  # the synthetic survey has small groups
    assert all(r["value"] is None for r in national["indicators"] if r["suppressed"])
    sign_in(hclient, "org")
    mine = hclient.get("/api/v1/engagement").json()
    assert {r["organisation_code"] for r in mine["indicators"]} == {org}
    page = hclient.get("/engagement").text
    assert 'id="engagement-indicators"' in page


def test_pathways_page_and_api_agree(hclient: Any) -> None:
    sign_in(hclient, "org")
    q = {"from_level": "new_entrant", "to_level": "clinical_scientist"}
    api = hclient.get("/api/v1/pathways", params=q).json()
    assert api["pathways"]
    html = hclient.get("/pathways", params=q).text
    table = html.split('id="pathways-table"')[1].split("</table>")[0]
    for p in api["pathways"]:
        assert html_escape(p["route"]) in table
    assert hclient.get("/api/v1/pathways", params={"from_level": "wizard"}).status_code == 422
    page = hclient.get("/pathways", params={"from_level": "wizard"})
    assert page.status_code == 200 and "is not a career level" in page.text
    # Both doors take the names people type (the CLI always did): a graduate starts as a new entrant.
    assert hclient.get("/api/v1/pathways", params={**q, "from_level": "graduate"}).json() == api


# -- access, by enumeration, over the history ------------------------------------------------------------------
@pytest.mark.parametrize("who", ["org", "reg"])
def test_no_new_route_shows_another_organisations_figures_over_many_censuses(
    hclient: Any, codes: tuple[str, str], who: str
) -> None:
    """test_access's enumeration, here over the multi-census store so that trends and funnels have figures."""
    from hcsworkforce import reference
    from tests.web.test_access import _strip_tokens, fill, routes

    org, region = codes
    staff = hclient.app.state.ctx.store.staff()
    if who == "org":
        others = set(staff.filter(staff["organisation_code"] != org)["organisation_code"].unique().to_list())
    else:
        others = set(staff.filter(staff["region_code"] != region)["organisation_code"].unique().to_list())
    other_region = next(c for c in reference.regions() if c != region)
    some_other = sorted(others)[0]
    sign_in(hclient, who)
    queries = [
        "",
        "?by=organisation",
        "?peers=region",
        "?peers=nation&metric=vacancy_rate",
        "?include_filled=true",
        f"?organisation={some_other}",
        f"?region={other_region}",
        f"?show={some_other}&by=organisation",
    ]
    new = ("/trends", "/benchmark/funnel", "/pack", "/wisn", "/people", "/engagement", "/pathways")
    checked = 0
    for r in routes(hclient.app, "GET"):
        path = r.path.removeprefix("/api/v1")
        if not path.startswith(new):
            continue
        for q in queries:
            for fmt in ("", "&format=csv") if r.path.startswith("/api/") else ("",):
                url = fill(r.path) + (q or "?") + fmt
                res = hclient.get(url)
                assert res.status_code < 500, url
                text = _strip_tokens(res.text)
                leaked = [c for c in others if re.search(rf"\b{re.escape(c)}\b", text)]
                assert not leaked, f"{url} shows {leaked[:5]} to {who}"
                checked += 1
    assert checked > 50
