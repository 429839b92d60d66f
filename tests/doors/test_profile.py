"""The profile family through both doors: `hcs profile`, `hcs benchmark METRIC --quartiles`, `hcs published` and
`hcs benchmark --against published` (`--format json`) give the numbers /api/v1 gives, on SQLite and PostgreSQL.

Both doors suppress at the setting (5): the CLI runs as a national analyst with the setting as its default, the
API as a national user, and a national view crosses organisations either way.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.doors.conftest import Doors, same_numbers
from tests.published.conftest import FIXTURES, TABULAR

FIGURES = ("headcount", "fte", "mean_age", "vacancy_rate", "leaver_rate_12m", "stability_index")


def _orgs(doors: Doors) -> list[dict[str, Any]]:
    """The organisations of the latest census, largest first, with their regions."""
    recs = doors.api("/profile", params={"by": "organisation,region"})["records"]
    return sorted(recs, key=lambda r: -(r["headcount"] or 0))


def _check_profile(cli: dict[str, Any], api: dict[str, Any], by: list[str]) -> None:
    assert cli.keys() == api.keys()
    assert cli["by"] == api["by"] == by
    assert cli["suppress_below"] == api["suppress_below"] == 5
    assert cli["records"], "an empty profile compares nothing"
    assert cli["totals"]["headcount"] > 0
    same_numbers(cli, api)
    shown = [r for r in cli["records"] if r["headcount"] is not None]
    assert shown, "every group suppressed"
    for f in FIGURES:
        assert any(r[f] is not None for r in shown) or f == "vacancy_rate", f
    assert all(r[f"{d}_label"] for r in cli["records"] for d in by)


@pytest.mark.parametrize(
    "by",
    [
        ["region"],
        ["organisation"],
        ["specialism", "career_level"],
        ["afc_band"],
        ["age_band", "gender"],
        ["organisation", "specialism", "career_level"],
    ],
)
def test_profile_national(doors: Doors, by: list[str]) -> None:
    cli = doors.cli("profile", "--by", ",".join(by))
    api = doors.api("/profile", params={"by": ",".join(by)})
    _check_profile(cli, api, by)
    if len(by) == 3:
        assert any(r["suppressed"] for r in cli["records"]), "small groups are suppressed in both"
        assert [r["suppressed"] for r in cli["records"]] == [r["suppressed"] for r in api["records"]]


def test_profile_national_total_is_the_headline(doors: Doors) -> None:
    cli = doors.cli("profile", "--by", "career_level")
    head = doors.api("/headline")
    assert cli["totals"]["headcount"] > 1000
    same_numbers(cli["totals"], head["totals"])
    same_numbers(cli["records"], head["records"])
    # People are counted once: organisation headcounts add up to the total (each works for one trust here).
    by_org = doors.cli("profile", "--by", "organisation", "--suppress-below", "0")
    assert by_org["suppress_below"] == 0
    assert sum(r["headcount"] for r in by_org["records"]) == cli["totals"]["headcount"]


@pytest.mark.parametrize("by", [["specialism"], ["career_level", "afc_band"]])
def test_profile_of_one_organisation(doors: Doors, by: list[str]) -> None:
    org = _orgs(doors)[0]["organisation"]
    cli = doors.cli("profile", "--by", ",".join(by), "--organisation", org)
    api = doors.api("/profile", params={"by": ",".join(by), "organisation": org})
    assert cli["filters"] == api["filters"] == {"organisation": org}
    _check_profile(cli, api, by)
    national = doors.api("/profile", params={"by": "organisation"})
    [own] = [r for r in national["records"] if r["organisation"] == org]
    assert cli["totals"]["headcount"] == own["headcount"] and cli["totals"]["fte"] == pytest.approx(
        own["fte"]
    )


def test_profile_of_one_region(doors: Doors) -> None:
    region = _orgs(doors)[0]["region"]
    cli = doors.cli("profile", "--by", "organisation", "--region", region)
    api = doors.api("/profile", params={"by": "organisation", "region": region})
    assert cli["filters"] == api["filters"] == {"region": region}
    _check_profile(cli, api, ["organisation"])
    assert {r["organisation"] for r in cli["records"]} <= {
        r["organisation"] for r in _orgs(doors) if r["region"] == region
    }


def test_profile_of_an_earlier_census(doors: Doors) -> None:
    first = doors.api("/censuses")["census_dates"][0]
    cli = doors.cli("profile", "--by", "region", "--census-date", first)
    api = doors.api("/profile", params={"by": "region", "census_date": first})
    assert cli["census_date"] == api["census_date"] == first
    _check_profile(cli, api, ["region"])
    latest = doors.api("/profile", params={"by": "region"})
    assert latest["census_date"] != first and latest["totals"] != cli["totals"]


@pytest.mark.parametrize(
    ("metric", "specialism"), [("leaver_rate_12m", None), ("fte", None), ("vacancy_rate", "audiology")]
)
def test_benchmark_quartiles(doors: Doors, metric: str, specialism: str | None) -> None:
    extra = ["--specialism", specialism] if specialism else []
    cli = doors.cli("benchmark", metric, "--quartiles", *extra)
    api = doors.api(
        "/benchmark", params={"metric": metric} | ({"specialism": specialism} if specialism else {})
    )
    assert cli.keys() == api.keys()
    assert cli["records"] and cli["organisations_compared"] > 0
    same_numbers(cli, api)
    values = [r[metric] for r in cli["records"] if r[metric] is not None]
    assert values == sorted(values, reverse=True)
    if cli["organisations_compared"] >= 5:
        q = cli["national_quartiles"]
        assert q["p25"] <= q["median"] <= q["p75"]


# -- the published statistics ----------------------------------------------------------------------------------
@pytest.fixture
def published(doors: Doors) -> Doors:
    """The published fixtures (a few rows each) loaded into the doors database: a second load replaces the
    same publications and periods, so the database is the same after."""
    from hcsworkforce.services import cache
    from hcsworkforce.services.published import import_published
    from hcsworkforce.store import open_store

    store = open_store(doors.url, migrate=True)
    for name, period in TABULAR.items():
        import_published(store, FIXTURES / name, period=period)
    cache.clear_caches()
    return doors


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"staff_group": "hcs"},
        {"by": "region"},
        {"region": "Y56", "by": "organisation"},
        {"organisation": "RGT"},
    ],
)
def test_published_profile(published: Doors, args: dict[str, str]) -> None:
    cli = published.cli("published", *[x for k, v in args.items() for x in (f"--{k.replace('_', '-')}", v)])
    api = published.api("/published/profile", params=args)
    assert cli.keys() == api.keys()
    assert cli["workforce"] and cli["imports"]
    assert any(r["fte"] is not None or r["fte_published_cells"] is not None for r in cli["workforce"])
    same_numbers(cli, api)


def test_published_benchmark(published: Doors) -> None:
    org = _orgs(published)[0]["organisation"]
    cli = published.cli("benchmark", "--against", "published", "--organisation", org)
    api = published.api("/published/benchmark", params={"organisation": org})
    assert cli.keys() == api.keys()
    rows = {r["metric"]: r for r in cli["rows"]}
    assert rows["headcount"]["this_organisation"] > 0 and rows["fte"]["this_organisation"] > 0
    assert rows["leaver_rate"]["published_england"] is not None
    same_numbers(cli, api)
