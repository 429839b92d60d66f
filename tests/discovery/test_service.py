"""The discovery service: scope, suppression and the records, sections and JSON every view renders."""

from __future__ import annotations

import json

import polars as pl
import pytest

from hcsworkforce.model.scope import Scope
from hcsworkforce.report.tabular import to_csv, to_json
from hcsworkforce.services.discovery import (
    DiscoveryQuery,
    LeadershipQuery,
    run_discovery,
    run_leadership,
)
from tests.discovery.extracts import (
    RGM_STAFF_IN_POST,
    RGT_STAFF_IN_POST,
    RJ1_STAFF_IN_POST,
    organisations_frame,
    to_frame,
)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return pl.concat([to_frame(t) for t in (RGT_STAFF_IN_POST, RGM_STAFF_IN_POST, RJ1_STAFF_IN_POST)])


def test_national_leadership_is_suppressed_and_says_which_figures_were(frame: pl.DataFrame) -> None:
    result = run_leadership(frame, organisations_frame(), LeadershipQuery(suppress_below=5))
    recs = {(r["level"], r["organisation_code"] or r["region_code"]): r for r in result.records()}
    rj1 = recs[("organisation", "RJ1")]
    assert rj1["organisation_name"].lower() == "guy's and st thomas' nhs foundation trust"
    assert rj1["region_name"] == "London"
    assert rj1["hcs_headcount"] == 5 and rj1["hcs_senior_headcount"] is None
    # RJ1 has no AHP rows: null, but not suppressed.
    assert "hcs_senior_headcount" in rj1["suppressed_columns"]
    assert "ahp_headcount" not in rj1["suppressed_columns"]
    england = recs[("england", None)]
    assert england["hcs_senior_per_100_headcount"] == 30.0
    assert england["organisations_with_hcs_lead"] == 2
    payload = json.loads(to_json(result.to_json()))
    assert list(payload) == ["census_date", "scope", "suppress_below", "rows"]
    assert payload["scope"] == {"kind": "national", "code": None}
    assert len(payload["rows"]) == 6
    assert to_csv(result.tables()[0][1]).startswith("level,organisation_code,organisation_name,")


def test_a_region_scope_has_its_organisations_and_the_region(frame: pl.DataFrame) -> None:
    result = run_leadership(
        frame, organisations_frame(), LeadershipQuery(suppress_below=5, scope=Scope("region", "Y61"))
    )
    rows = [(r["level"], r["organisation_code"], r["hcs_senior_headcount"]) for r in result.records()]
    # RGT 4 and RGM 1 are blanked; their region's 5 can be shown (the split is not recoverable).
    assert rows == [("organisation", "RGM", None), ("organisation", "RGT", None), ("region", None, 5)]


def test_an_organisation_sees_its_own_figures_unsuppressed(frame: pl.DataFrame) -> None:
    result = run_leadership(frame, organisations_frame(), LeadershipQuery(scope=Scope("organisation", "RGT")))
    [rgt] = result.records()
    assert (rgt["hcs_headcount"], rgt["hcs_senior_headcount"], rgt["hcs_consultant_headcount"]) == (9, 4, 3)
    assert rgt["hcs_senior_per_100_headcount"] == 44.4
    assert (rgt["nursing_headcount"], rgt["ahp_headcount"], rgt["has_hcs_lead"]) == (4, 4, True)
    assert rgt["suppressed_columns"] == []


def test_the_trust_gets_its_list_and_finding(frame: pl.DataFrame) -> None:
    result = run_discovery(frame, organisations_frame(), DiscoveryQuery(scope=Scope("organisation", "RGT")))
    assert [r["__row"] for r in result.rows] == [14, 15, 16, 17, 18, 19, 37, 42, 43, 44]
    assert result.finding is not None and result.finding["count"] == 10
    assert result.by_organisation == [
        {
            "organisation_code": "RGT",
            "rows_listed": 10,
            "strong": 7,
            "possible": 3,
            "suppressed": False,
        }
    ]
    title, listed = result.tables()[0]
    assert title == "Likely healthcare scientists coded in other staff groups"
    assert listed[1]["matched_fields"] == "job_role, position_title, area_of_work"
    json.loads(to_json(result.to_json()))


def test_across_organisations_only_counts_leave_and_small_ones_are_blanked(frame: pl.DataFrame) -> None:
    result = run_discovery(frame, organisations_frame(), DiscoveryQuery(suppress_below=5))
    assert result.rows == [] and result.finding is None
    assert result.notes
    by_org = {r["organisation_code"]: r for r in result.by_organisation}
    assert set(by_org) == {"RGM", "RGT", "RJ1"}
    # RGT's 3 possible rows would be under 5, so its whole row goes; RGM and RJ1 have one each.
    assert all(r["suppressed"] and r["rows_listed"] is None for r in by_org.values())
    shown = run_discovery(frame, organisations_frame(), DiscoveryQuery(suppress_below=3))
    assert {r["organisation_code"]: r["rows_listed"] for r in shown.by_organisation} == {
        "RGM": None,
        "RGT": 10,
        "RJ1": None,
    }
