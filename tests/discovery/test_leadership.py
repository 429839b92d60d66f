"""Leadership figures against a hand count of three hand-built trust extracts, raw and suppressed."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from hcsworkforce.analytics.discovery import FRAME_SCHEMA, leadership, suppress
from tests.discovery.extracts import (
    RGM_STAFF_IN_POST,
    RGT_STAFF_IN_POST,
    RJ1_STAFF_IN_POST,
    organisations_frame,
    to_frame,
)

COUNTS = (
    "hcs_headcount",
    "hcs_senior_headcount",
    "hcs_consultant_headcount",
    "nursing_headcount",
    "nursing_senior_headcount",
    "ahp_headcount",
    "ahp_senior_headcount",
)
# The hand count (tests/discovery/extracts.py), in the order of COUNTS, then organisations and leads.
# RGT HCS in post: employees ...01, 02, 03, 05, 06, 07 (one post, one bank row), 09 (U code, Add Prof Sci &
#   Tech), 40, 41 = 9 (04 is bank only, 08 honorary only); band 8c+: 01, 05, 09, 41 = 4; consultant level:
#   01, 05, 09 = 3 (41 is a Clinical Scientist at 8c). Nursing: 18, 19 (on maternity leave: in post), 20
#   (8d, plus a bank row), 21 = 4 (22 is bank only); senior: 20. AHP: 11 (the audiologist coded AHP), 23, 24
#   (8c), 25 = 4 (42 honorary); senior: 24. Lead: 'Head of Healthcare Science' (05); the PA to the CSO is not.
# RGM HCS 6 (8d: 02, a consultant); nursing 6 (8c: 10); AHP 1; the 'Lead Healthcare Scientist - Cardiac
#   Science' leads a department, not the organisation.
# RJ1 HCS 5 (8d: 01, a consultant); nursing 1; no AHP rows (null, not zero); lead: 'Director of Healthcare
#   Science', coded Administrative and Clerical.
HAND_COUNT: dict[tuple[str, str | None], tuple[Any, ...]] = {
    ("organisation", "RJ1"): (5, 1, 1, 1, 0, None, None, 1, 1),
    ("organisation", "RGM"): (6, 1, 1, 6, 1, 1, 0, 1, 0),
    ("organisation", "RGT"): (9, 4, 3, 4, 1, 4, 1, 1, 1),
    ("region", "Y56"): (5, 1, 1, 1, 0, None, None, 1, 1),
    ("region", "Y61"): (15, 5, 4, 10, 2, 5, 1, 2, 1),
    ("england", None): (20, 6, 5, 11, 2, 5, 1, 3, 2),
}
# Suppressed under 5, worked by hand. hcs_senior: RGT 4, RGM 1, RJ1 1 and Y56 1 are primary; Y56 alone is
# blanked in England = Y61 + Y56, so Y61 (5) is blanked too. nursing_headcount: RGT 4 is primary and alone in
# Y61 = RGT + RGM, so RGM (6) goes; RJ1 1 and Y56 1 are primary; Y56 is then alone in England's sum, so Y61
# (10) goes. ahp_headcount: RGT 4 and RGM 1 are primary; Y61 5 and England 5 can be shown (RGT + RGM = 5
# says nothing of either).
SUPPRESSED: dict[tuple[str, str | None], tuple[Any, ...]] = {
    ("organisation", "RJ1"): (5, None, None, None, 0, None, None),
    ("organisation", "RGM"): (6, None, None, None, None, None, 0),
    ("organisation", "RGT"): (9, None, None, None, None, None, None),
    ("region", "Y56"): (5, None, None, None, 0, None, None),
    ("region", "Y61"): (15, None, None, None, None, 5, None),
    ("england", None): (20, 6, 5, 11, None, 5, None),
}


@pytest.fixture(scope="module")
def figures() -> pl.DataFrame:
    frame = pl.concat([to_frame(t) for t in (RGT_STAFF_IN_POST, RGM_STAFF_IN_POST, RJ1_STAFF_IN_POST)])
    return leadership(frame, organisations_frame())


def _key(r: dict[str, Any]) -> tuple[str, str | None]:
    return (r["level"], r["organisation_code"] if r["level"] == "organisation" else r["region_code"])


def test_figures_match_the_hand_count(figures: pl.DataFrame) -> None:
    got = {
        _key(r): (*(r[c] for c in COUNTS), r["organisations"], r["organisations_with_hcs_lead"])
        for r in figures.iter_rows(named=True)
    }
    assert got == HAND_COUNT
    assert list(got) == list(HAND_COUNT)  # organisations by region and code, then regions, then England


def test_ratios_and_lead_flags(figures: pl.DataFrame) -> None:
    rows = {_key(r): r for r in figures.iter_rows(named=True)}
    rgt = rows[("organisation", "RGT")]
    assert rgt["hcs_senior_per_100_headcount"] == pytest.approx(400 / 9)
    assert rgt["hcs_consultant_per_100_headcount"] == pytest.approx(300 / 9)
    assert rgt["nursing_senior_per_100_headcount"] == 25.0
    assert rows[("region", "Y61")]["hcs_senior_per_100_headcount"] == pytest.approx(100 / 3)
    assert rows[("organisation", "RJ1")]["ahp_senior_per_100_headcount"] is None
    assert [rows[("organisation", c)]["has_hcs_lead"] for c in ("RGT", "RGM", "RJ1")] == [True, False, True]
    assert rows[("region", "Y61")]["has_hcs_lead"] is True


def test_suppression_blanks_small_counts_and_what_would_reveal_them(figures: pl.DataFrame) -> None:
    out = suppress(figures, 5)
    got = {_key(r): tuple(r[c] for c in COUNTS) for r in out.iter_rows(named=True)}
    assert got == SUPPRESSED
    rows = {_key(r): r for r in out.iter_rows(named=True)}
    # A ratio goes with either of its counts: RJ1's nursing senior count (0) is shown, its headcount is not.
    assert rows[("organisation", "RJ1")]["nursing_senior_per_100_headcount"] is None
    assert rows[("england", None)]["hcs_senior_per_100_headcount"] == 30.0
    assert rows[("england", None)]["organisations_with_hcs_lead"] == 2
    assert out["suppressed"].to_list() == [True] * 6


def test_threshold_zero_changes_nothing(figures: pl.DataFrame) -> None:
    out = suppress(figures, 0)
    assert out.drop("suppressed").equals(figures)
    assert not out["suppressed"].any()
    with pytest.raises(ValueError, match="0 or more"):
        suppress(figures, -1)


def test_an_organisation_with_no_known_region_has_its_own_region_row() -> None:
    frame = to_frame(RGM_STAFF_IN_POST)
    out = leadership(frame, pl.DataFrame({"code": ["RGT"], "region_code": ["Y61"]}))
    assert out.select("level", "organisation_code", "region_code", "hcs_headcount").rows() == [
        ("organisation", "RGM", None, 6),
        ("region", None, None, 6),
        ("england", None, None, 6),
    ]


def test_a_row_with_no_person_key_is_a_contract_error() -> None:
    frame = pl.DataFrame(
        [{k: None for k in FRAME_SCHEMA} | {"__row": 2, "organisation_code": "RGT", "is_hcs": True}],
        schema=FRAME_SCHEMA,
    )
    with pytest.raises(ValueError, match="person_key is null"):
        leadership(frame, organisations_frame())
