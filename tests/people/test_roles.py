"""Role matching: coverage on small cases worked by hand against programme_outcomes.csv."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from hcsworkforce.analytics import roles as rl
from hcsworkforce.model.frames import STAFF_SCHEMA


def test_coverage_definition_by_hand() -> None:
    # Needs 3 + 2 = 5 level-steps; has min(3,3) + min(1,2) = 4: 80%, one of two competencies met.
    cov = rl.coverage({"a": 3, "b": 2}, {"a": 4, "b": 1, "c": 4})
    assert cov.coverage == pytest.approx(0.8)
    assert (cov.met, cov.required) == (1, 2)
    assert cov.uncovered == (("b", 1, 2),)
    assert rl.level_gap({"a": 3, "b": 2}, {"a": 4, "b": 1}) == 1.0


def _audiology_role() -> rl.Role:
    reqs = {"specialism:audiology": 3, "leadership_management": 2, "research_innovation": 3}
    return rl.Role("Audiology service lead", reqs, "audiology")


def test_match_programmes_small_known_case() -> None:
    ranked = {r["route"]: r for r in rl.match_programmes(_audiology_role())}
    # STP outcomes (clinical scientist): specialist 4, leadership 3, research 3 -> all met.
    assert ranked["stp_in_service"]["coverage"] == 1.0
    # PTP (practitioner): specialist 3, leadership 2, research 1 -> (3 + 2 + 1) / 8 = 0.75.
    assert ranked["ptp"]["coverage"] == 0.75
    assert ranked["ptp"]["uncovered"] == "research_innovation 1/3"
    # L4 apprenticeship (associate): specialist 2, leadership 1, research 1 -> 4 / 8.
    assert ranked["apprenticeship_l4"]["coverage"] == 0.5
    # ETP is for cardiac science only.
    assert "etp" not in ranked
    order = [r["route"] for r in rl.match_programmes(_audiology_role())]
    # Full coverage first, the quicker first among equals: the STP (3 years) before STPE (3 years'
    # experience + 0.5) and HSST (5); PTP (0.75) after them all.
    assert order.index("stp_in_service") < order.index("stpe") < order.index("hsst") < order.index("ptp")


def test_specialist_practice_does_not_transfer_between_specialisms() -> None:
    role = rl.role_for_level("audiology", "practitioner")
    assert role.requirements["specialism:audiology"] == 3
    cardiac = rl.default_profile("cardiac_science", "clinical_scientist")
    assert "specialism:audiology" not in cardiac
    assert not rl.coverage(role.requirements, cardiac).complete


def test_match_pathways_from_a_level() -> None:
    role = _audiology_role()
    best = rl.match_pathways(role, "associate")[0]
    # From associate the quickest full cover: PTPE (2 years' experience + 0.5) then a 3-year route to
    # clinical scientist = 5.5 years; the L7 apprenticeship and the STP in service tie, and ids break ties.
    assert best["coverage"] == 1.0 and best["total_years"] == 5.5
    assert best["route"] == "ptpe -> apprenticeship_l7"


def _staff(rows: list[tuple[str, str, str, date]]) -> pl.DataFrame:
    base = {c: None for c in STAFF_SCHEMA}
    fixed = {
        "census_date": date(2025, 3, 31),
        "organisation_code": "RGT",
        "afc_band": "6",
        "fte": 1.0,
        "age": 40,
    }
    recs = [
        {
            **base,
            **fixed,
            "staff_key": k,
            "assignment_key": k,
            "specialism_id": s,
            "career_level": lv,
            "start_date": st,
            "training_programme": "none",
        }
        for k, s, lv, st in rows
    ]
    return pl.DataFrame(recs, schema=STAFF_SCHEMA)


def test_role_gaps_finds_unfillable_role_and_quickest_route() -> None:
    staff = _staff(
        [
            ("p1", "audiology", "practitioner", date(2023, 3, 31)),  # 2 years in post
            ("c1", "cardiac_science", "clinical_scientist", date(2015, 1, 1)),
            ("a1", "audiology", "clinical_scientist", date(2010, 1, 1)),
        ]
    )
    roles = [
        rl.role_for_level("audiology", "clinical_scientist"),
        rl.role_for_level("audiology", "consultant"),
    ]
    summary, detail = rl.role_gaps(staff, roles, nearest=2)
    cs, cons = summary
    assert cs["can_fill_now"] == 1 and cs["route"] is None
    assert cons["can_fill_now"] == 0
    # a1 is an audiology clinical scientist with 15 years in post: HSSE needs 5 years' experience, already
    # credited, so 0.5 years; quicker than HSST (5).
    assert cons["nearest_staff_key"] == "a1"
    assert cons["route"] == "hsse" and cons["route_years"] == 0.5
    assert cons["uncovered_after_route"] == ""
    assert [d["staff_key"] for d in detail] == ["a1", "c1"]
    # c1 (cardiac) can also reach consultant in audiology only by HSSE/HSST taken in audiology.
    assert detail[1]["coverage_after_route"] == 1.0


def test_practitioner_route_into_clinical_scientist_role() -> None:
    staff = _staff([("p1", "audiology", "practitioner", date(2023, 3, 31))])
    summary, detail = rl.role_gaps(staff, [rl.role_for_level("audiology", "clinical_scientist")])
    # Only 2 years in post: STPE would need 3 - 2 = 1 more year + 0.5 = 1.5 years; STP in service 3.
    assert summary[0]["route"] == "stpe" and summary[0]["route_years"] == 1.5
    # Level-steps missing for a practitioner: specialist 1, clinical 1, research 2, leadership 1, education 1.
    assert detail[0]["distance"] == 6.0
