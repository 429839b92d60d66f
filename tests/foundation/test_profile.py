"""Profile figures against values worked out by hand on the fixture in fixtures.py (census 2024-03-31)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.profile import profile
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.imports import import_extract
from hcsworkforce.services.profile import ProfileQuery, run
from hcsworkforce.store import open_store
from tests.conftest import run_cli
from tests.foundation.fixtures import CENSUS, hand_files


@pytest.fixture
def hand_store(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(db_url, migrate=True)
    extract, est = hand_files(tmp_path)
    import_extract(extract, store, census_date=date(2024, 3, 31), establishment=est)
    return store


def test_profile_by_specialism_matches_hand_figures(hand_store) -> None:  # type: ignore[no-untyped-def]
    rows = {r["specialism"]: r for r in run(hand_store, ProfileQuery(("specialism",), suppress_below=0)).rows}
    cb = rows["clinical_biochemistry"]
    # People P1, P2, P3 and P4 (second assignment): ages 33, 59 (birthday on census day), 55 (birthday tomorrow), 24.
    assert cb["headcount"] == 4
    assert cb["fte"] == pytest.approx(2.7)
    assert cb["mean_age"] == pytest.approx((33 + 59 + 55 + 24) / 4)
    assert cb["share_55_plus"] == pytest.approx(0.5)
    # Practitioner line 2.0 funded vs 1.5 in post -> 0.5; scientist line 0.5 vs 1.0 -> 0 (a surplus hides nothing).
    assert cb["establishment_fte"] == pytest.approx(2.5)
    assert cb["vacancy_fte"] == pytest.approx(0.5)
    assert cb["vacancy_rate"] == pytest.approx(0.2)
    # L1 and L2 left in the window; 12 months ago: P1, P2, P4 and L1 (L2 and P3 started later) -> 4; now 4.
    assert cb["leavers_12m"] == 2
    assert cb["leaver_rate_12m"] == pytest.approx(2 / ((4 + 4) / 2))
    assert cb["stability_index"] == pytest.approx(3 / 4)
    assert cb["share_band_5"] == pytest.approx(1.0 / 2.7)
    assert cb["share_band_3"] == pytest.approx(0.2 / 2.7)

    au = rows["audiology"]
    assert (au["headcount"], au["fte"], au["mean_age"], au["share_55_plus"]) == (2, pytest.approx(1.8), 34, 0)
    assert au["vacancy_fte"] == pytest.approx(0.2) and au["vacancy_rate"] == pytest.approx(0.1)
    assert au["leavers_12m"] == 0 and au["leaver_rate_12m"] == 0 and au["stability_index"] == 1


def test_total_counts_people_not_assignments(hand_store) -> None:  # type: ignore[no-untyped-def]
    total = run(hand_store, ProfileQuery(suppress_below=0)).totals
    assert total is not None
    assert total["headcount"] == 5  # P4 holds two assignments
    assert total["fte"] == pytest.approx(4.5)
    assert total["mean_age"] == pytest.approx((33 + 59 + 55 + 24 + 44) / 5)
    assert total["vacancy_fte"] == pytest.approx(0.7)
    assert total["leaver_rate_12m"] == pytest.approx(2 / 5)
    assert total["stability_index"] == pytest.approx(4 / 5)


def test_grouping_by_age_band_and_gender_has_no_vacancies(hand_store) -> None:  # type: ignore[no-untyped-def]
    rows = run(hand_store, ProfileQuery(("age_band", "gender"), suppress_below=0)).rows
    assert {(r["age_band"], r["gender"]) for r in rows} == {
        ("16-24", "female"),
        ("25-34", "female"),
        ("55-59", "male"),
        ("55-59", "female"),
        ("35-44", "male"),
    }
    assert all(r["vacancy_fte"] is None for r in rows)


def test_suppression_nulls_small_groups_and_small_leaver_counts(hand_store) -> None:  # type: ignore[no-untyped-def]
    result = run(hand_store, ProfileQuery(("specialism",), suppress_below=5))
    assert all(r["suppressed"] and r["headcount"] is None and r["fte"] is None for r in result.rows)
    # Establishment less vacancy would give a small group's FTE in post: both go too.
    assert all(r["vacancy_fte"] is None and r["establishment_fte"] is None for r in result.rows)
    assert result.totals is not None
    assert result.totals["headcount"] == 5 and result.totals["leaver_rate_12m"] is None


def test_scope_limits_the_rows_read(hand_store) -> None:  # type: ignore[no-untyped-def]
    org = run(hand_store, ProfileQuery(("organisation",)), Scope("organisation", "ZZZ01"))
    assert [r["organisation"] for r in org.rows] == ["ZZZ01"]
    region = run(hand_store, ProfileQuery(("organisation",)), Scope("region", "Y61"))
    assert [r["organisation"] for r in region.rows] == ["RGT"]  # ZZZ01 has no known region


def test_profile_json_is_flat_records_with_stable_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    extract, est = hand_files(tmp_path)
    code, _, err = run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", CENSUS, "--db", db], capsys
    )
    assert code == 0, err
    code, out, err = run_cli(
        ["profile", "--by", "region,specialism", "--format", "json", "--suppress-below", "0", "--db", db],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    # The same object /api/v1/profile returns: the grouping, the totals and flat records with labels.
    assert list(payload) == ["census_date", "scope", "by", "filters", "suppress_below", "totals", "records"]
    assert payload["by"] == ["region", "specialism"] and payload["totals"]["headcount"] == 5
    rows = payload["records"]
    assert isinstance(rows, list) and rows
    for r in rows:
        for k in (
            "region",
            "region_label",
            "specialism",
            "specialism_label",
            "headcount",
            "fte",
            "mean_age",
            "share_55_plus",
            "vacancy_fte",
            "vacancy_rate",
            "leaver_rate_12m",
            "stability_index",
        ):
            assert k in r
        assert all(not isinstance(v, dict | list) for v in r.values())
    code, out, _ = run_cli(["profile", "--by", "nonsense", "--db", db], capsys)
    assert code == 2


def test_profile_xlsx_and_csv_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    extract, est = hand_files(tmp_path)
    run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", CENSUS, "--db", db], capsys
    )
    xlsx = tmp_path / "p.xlsx"
    code, _, err = run_cli(
        ["profile", "--by", "specialism", "--format", "xlsx", "--out", str(xlsx), "--db", db], capsys
    )
    assert code == 0, err
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "Cover" and "Profile" in wb.sheetnames
    code, out, _ = run_cli(
        ["profile", "--by", "specialism", "--format", "csv", "--suppress-below", "0", "--db", db], capsys
    )
    assert code == 0 and out.splitlines()[0].startswith("specialism,headcount,fte")


def test_profile_before_any_import_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["profile", "--db", f"sqlite:///{tmp_path / 'empty.db'}"], capsys)
    assert code == 2 and "hcs import" in err


people = st.lists(
    st.tuples(
        st.integers(0, 30),  # person id
        st.sampled_from(["RGT", "RAJ", "ZZZ01"]),
        st.sampled_from(["clinical_biochemistry", "audiology", "genomics"]),
        st.floats(0.1, 1.0),
        st.integers(16, 80),
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda t: (t[0], t[2]),
)


@settings(max_examples=80, deadline=None)
@given(people)
def test_profile_invariants(rows: list[tuple[int, str, str, float, int]]) -> None:
    # One organisation and age per person, as in real extracts.
    first = {}
    for pid, org, _, _, age in rows:
        first.setdefault(pid, (org, age))
    staff = pl.DataFrame(
        {
            "staff_key": [f"p{r[0]}" for r in rows],
            "organisation_code": [first[r[0]][0] for r in rows],
            "region_code": ["Y61" for _ in rows],
            "specialism_id": [r[2] for r in rows],
            "division_id": ["life_sciences" for _ in rows],
            "career_level": ["practitioner" for _ in rows],
            "afc_band": ["5" for _ in rows],
            "fte": [r[3] for r in rows],
            "age": [first[r[0]][1] for r in rows],
            "gender": ["female" for _ in rows],
            "start_date": [date(2020, 1, 1) for _ in rows],
        }
    )
    empty = staff.head(0).with_columns(pl.lit(None, dtype=pl.Date).alias("end_date"))
    est = pl.DataFrame(
        schema={
            "organisation_code": pl.String,
            "specialism_id": pl.String,
            "career_level": pl.String,
            "afc_band": pl.String,
            "funded_fte": pl.Float64,
            "region_code": pl.String,
            "division_id": pl.String,
        }
    )
    total = profile(staff, empty, est, [], date(2024, 3, 31))[0]
    by_org = profile(staff, empty, est, ["organisation"], date(2024, 3, 31))
    by_spec = profile(staff, empty, est, ["specialism"], date(2024, 3, 31))
    n_people = len(first)
    assert total["headcount"] == n_people
    # Each person is in one organisation, so organisation headcounts add up; specialisms may double count.
    assert sum(r["headcount"] for r in by_org) == n_people
    assert sum(r["headcount"] for r in by_spec) >= n_people
    assert sum(r["fte"] for r in by_spec) == pytest.approx(total["fte"])
    for threshold in (3, 5, 10):
        for r in profile(staff, empty, est, ["organisation"], date(2024, 3, 31), suppress_below=threshold):
            if r["suppressed"] and r["headcount"] is None:
                hidden = (
                    "fte",
                    "mean_age",
                    "share_55_plus",
                    "vacancy_fte",
                    "vacancy_rate",
                    "establishment_fte",
                )
                assert all(r[k] is None for k in hidden)
            else:
                assert r["headcount"] >= threshold
