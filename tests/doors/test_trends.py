"""Trends, funnels, benchmark quartiles and absence through both doors: `hcs trend|funnel|benchmark|absence ...
--format json` and /api/v1 give the same numbers on SQLite and PostgreSQL (eight monthly censuses with absence).

Both doors suppress at the setting (5): the CLI runs as a national analyst, the API as a national user.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.doors.conftest import Doors, same_numbers


def _shown(series: list[dict[str, Any]]) -> list[float]:
    return [p["value"] for s in series for p in s["points"] if p["value"] is not None]


def _region(doors: Doors) -> str:
    """The region with most staff in the latest census."""
    recs = doors.api("/profile", params={"by": "region"})["records"]
    return str(max(recs, key=lambda r: r["headcount"] or 0)["region"])


# -- trend -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("metric", "by"),
    [
        ("leaver_rate_12m", "region"),
        ("headcount", "organisation"),
        ("absence_rate", None),
        ("vacancy_rate", "specialism"),
    ],
)
def test_trend(doors: Doors, metric: str, by: str | None) -> None:
    cli = doors.cli("trend", metric, *(["--by", by] if by else []))
    api = doors.api("/trends", params={"metric": metric} | ({"by": by} if by else {}))
    assert len(cli["censuses"]) == 8
    assert cli["series"] and _shown(cli["series"]), "no point shown: nothing compared"
    assert cli["suppress_below"] == api["suppress_below"] == 5
    assert cli.keys() == api.keys()
    same_numbers(cli, api)
    assert cli["notes"] == api["notes"]


def test_trend_of_one_region(doors: Doors) -> None:
    region = _region(doors)
    cli = doors.cli("trend", "fte", "--by", "organisation", "--region", region)
    api = doors.api("/trends", params={"metric": "fte", "by": "organisation", "region": region})
    assert cli["scope"] == api["scope"] == {"kind": "region", "code": region}
    assert _shown(cli["series"])
    same_numbers(cli, api)


def test_trend_summary_is_the_cli_table(doors: Doors) -> None:
    """The CLI's table (the Series section) and /api/v1/trends/summary are one table."""
    cli = doors.cli("trend", "leaver_rate_12m", "--by", "organisation")
    api = doors.api("/trends/summary", params={"metric": "leaver_rate_12m", "by": "organisation"})
    assert len(api["records"]) == len(cli["series"]) == 12
    by_key = {r["key"]: r for r in api["records"]}
    for s in cli["series"]:
        last = next((p for p in reversed(s["points"]) if p["value"] is not None), None)
        row = by_key[s["organisation"]]
        assert row["special_cause_points"] == s["summary"]["special_cause_points"]
        same_numbers(row["latest"], None if last is None else last["value"])


# -- funnel (and `hcs benchmark`, its older name) ----------------------------------------------------------------
@pytest.mark.parametrize("metric", ["leaver_rate_12m", "vacancy_rate", "share_55_plus", "absence_rate"])
def test_funnel_and_its_alias(doors: Doors, metric: str) -> None:
    cli = doors.cli("funnel", metric)
    alias = doors.cli("benchmark", metric)
    api = doors.api("/funnel", params={"metric": metric})
    assert cli == alias
    [funnel] = cli["funnels"]
    assert funnel["organisations"] == 12 and funnel["pooled_rate"] is not None and funnel["curve"]
    assert len(cli["organisations"]) == 12
    assert any(r["rate"] is not None for r in cli["organisations"])
    assert cli.keys() == api.keys()
    same_numbers(cli, api)


def test_funnel_by_region(doors: Doors) -> None:
    cli = doors.cli("funnel", "leaver_rate_12m", "--peers", "region")
    api = doors.api("/funnel", params={"metric": "leaver_rate_12m", "peers": "region"})
    assert len(cli["funnels"]) > 1, "one funnel per region"
    assert sum(f["organisations"] for f in cli["funnels"]) == 12
    same_numbers(cli, api)
    region = _region(doors)
    one = doors.cli("funnel", "leaver_rate_12m", "--peers", "region", "--region", region)
    api_one = doors.api("/funnel", params={"metric": "leaver_rate_12m", "peers": "region", "region": region})
    [f] = one["funnels"]
    assert f["region"] == region and one["organisations"]
    assert {r["region"] for r in one["organisations"]} == {region}
    same_numbers(one, api_one)


# -- benchmark (quartiles) -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["vacancy_rate", "leaver_rate_12m", "mean_age"])
def test_benchmark_quartiles(doors: Doors, metric: str) -> None:
    cli = doors.cli("benchmark", metric, "--quartiles")
    api = doors.api("/benchmark", params={"metric": metric})
    assert cli["records"] and cli["organisations_compared"] > 0
    assert any(r[metric] is not None for r in cli["records"])
    assert cli.keys() == api.keys()
    same_numbers(cli, api)


# -- absence: `hcs absence` against the census months of /api/v1/trends?metric=absence_rate ----------------------
def test_absence_months_are_the_trend_points(doors: Doors) -> None:
    """Absence has one door of its own (the CLI); the API gives its census months through the trend."""
    cli = doors.cli("absence")
    api = doors.api("/trends", params={"metric": "absence_rate"})
    months = {m["month"]: m for m in cli["months"]}
    [series] = api["series"]
    assert len(series["points"]) == 8
    for p in series["points"]:
        month = months[p["period"][:8] + "01"]
        assert p["value"] is not None and month["absence_rate"] is not None
        same_numbers(month["absence_rate"], p["value"])
