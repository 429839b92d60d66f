"""Career pathways: total durations checked by hand against training_programmes.csv and career_routes.csv."""

from __future__ import annotations

import pytest

from hcsworkforce import reference
from hcsworkforce.analytics import pathways as pw


def _routes(found: list[pw.Pathway]) -> list[str]:
    return [" -> ".join(r.id for r in p.routes) for p in found]


def _by_route(from_level: str, to_level: str) -> dict[str, pw.Pathway]:
    return {" -> ".join(r.id for r in p.routes): p for p in pw.enumerate_pathways(from_level, to_level)}


def test_every_route_names_known_levels_programmes_and_specialisms() -> None:
    levels = set(pw.levels())
    programmes = reference.training_programmes()
    for r in pw.career_routes():
        assert r.from_level in levels and r.to_level in levels, r.id
        assert r.programme in programmes, r.id
        assert r.verified in reference.VERIFIED_VALUES, r.id
        assert r.source, r.id
        assert all(s in reference.specialisms() for s in r.specialisms), r.id
        assert all(d in reference.divisions() for d in r.divisions), r.id
        assert r.duration_years >= 0


def test_route_durations_come_from_the_programme() -> None:
    # STP 3 years, HSST 5, PTP 3, equivalence 0.5: the values in training_programmes.csv.
    assert pw.route_by_id("stp_direct_entry").duration_years == 3.0
    assert pw.route_by_id("stp_in_service").duration_max_years == 5.0
    assert pw.route_by_id("hsst").duration_years == 5.0
    assert pw.route_by_id("ptp").duration_years == 3.0
    assert pw.route_by_id("stpe").duration_years == 0.5
    assert pw.route_by_id("etp").duration_years == 1.5


def test_graduate_to_consultant_shortest_is_stp_then_hsst() -> None:
    found = pw.enumerate_pathways("new_entrant", "consultant")
    best = found[0]
    # STP direct entry 3 + HSST 5 = 8 years, no experience needed.
    assert _routes(found)[0] == "stp_direct_entry -> hsst"
    assert best.training_years == 8.0 and best.total_years == 8.0
    # Next: STP 3 + HSSE 0.5 + 5 years' experience = 8.5.
    assert _routes(found)[1] == "stp_direct_entry -> hsse"
    assert found[1].training_years == 3.5 and found[1].experience_years == 5.0 and found[1].total_years == 8.5
    totals = [p.total_years for p in found]
    assert totals == sorted(totals)


def test_practitioner_to_clinical_scientist_by_hand() -> None:
    found = _by_route("practitioner", "clinical_scientist")
    assert found["stp_in_service"].total_years == 3.0
    assert found["stp_in_service"].total_max_years == 5.0  # part time up to 5 years
    assert found["stpe"].total_years == 3.5  # 3 years at clinical scientist level + 6 months portfolio
    assert found["acs_route2"].total_years == 4.5  # assumed 4 years + 0.5


def test_assistant_to_clinical_scientist_multi_step() -> None:
    found = _by_route("assistant", "clinical_scientist")
    # L4 apprenticeship 2 + L6 degree apprenticeship 3 + STP in service 3 = 8 years.
    p = found["apprenticeship_l4 -> apprenticeship_l6 -> stp_in_service"]
    assert p.total_years == 8.0 and p.steps == 3
    assert p.total_max_years == 10.0
    # L4 2 + PTPE (2 assumed + 0.5) + STPE (3 + 0.5) = 8.0
    assert found["apprenticeship_l4 -> ptpe -> stpe"].total_years == 8.0


def test_within_level_routes_only_when_levels_match_and_specialism_filters() -> None:
    assert _routes(
        pw.enumerate_pathways("practitioner", "practitioner", specialism_id="cardiac_science")
    ) == ["etp"]
    assert pw.enumerate_pathways("practitioner", "practitioner", specialism_id="audiology") == []
    # The biomedical scientist apprenticeship is for Life Sciences only.
    life = _routes(pw.enumerate_pathways("associate", "practitioner", specialism_id="clinical_biochemistry"))
    phys = _routes(pw.enumerate_pathways("associate", "practitioner", specialism_id="audiology"))
    assert "apprenticeship_l6_bms" in life and "apprenticeship_l6_bms" not in phys
    # Never downwards.
    assert pw.enumerate_pathways("consultant", "practitioner") == []


def test_programme_transition_for_the_projection_engine() -> None:
    stp = pw.programme_transition("stp")
    assert (stp.exit_level, stp.duration_years, stp.trainee_level) == (
        "clinical_scientist",
        3.0,
        "trainee_clinical_scientist",
    )
    assert pw.programme_transition("stp", "practitioner").entry_level == "practitioner"
    hsse = pw.programme_transition("equivalence", "clinical_scientist")
    assert (hsse.exit_level, hsse.duration_years) == ("consultant", 0.5)
    assert pw.programme_transition("hsst").exit_level == "consultant"
    with pytest.raises(KeyError):
        pw.programme_transition("nonsense")
