"""The shipped competency framework is complete and consistent, and every role is reachable by training."""

from __future__ import annotations

from hcsworkforce import reference
from hcsworkforce.analytics.skills import reference_framework, training_plan, upskilling_distance

from .helpers import run, scenario


def test_every_reference_link_resolves() -> None:
    fw = reference_framework()
    comps = set(fw.competencies)
    assert len(fw.roles) >= 7
    for role in fw.roles.values():
        assert role.requires and {c for c, _ in role.requires} <= comps, role.id
    for res in fw.resources.values():
        assert res.hours > 0 and {c for c, _ in res.lifts} <= comps, res.id
    specs = set(reference.specialisms())
    levels = set(reference.career_levels())
    for spec, level in fw.profiles:
        assert spec in specs and (level == "*" or level in levels)
        assert set(fw.profiles[(spec, level)]) <= comps
    assert {s for s, _ in fw.profiles} == specs  # every specialism has a default profile
    assert set(fw.level_caps) == levels


def test_every_role_can_be_reached_from_nothing_by_training() -> None:
    fw = reference_framework()
    for role in fw.roles.values():
        assert training_plan({}, role, fw).feasible, role.id


def test_guidance_links_hold_in_the_defaults() -> None:
    # Specialisms the 2020 sources name reach their surge roles with little or no training.
    fw = reference_framework()
    cases = {
        ("clinical_microbiology", "molecular_testing_scientist"): 0.0,
        ("respiratory_and_sleep_science", "critical_care_ventilation_support"): 4.0,
        ("cardiac_science", "cardiac_monitoring_critical_care"): 4.0,
        ("clinical_engineering", "equipment_commissioning_and_maintenance"): 2.0,
        ("clinical_bioinformatics_genomics", "data_analysis_and_modelling"): 0.0,
        ("audiology", "sample_reception_and_swabbing"): 4.0,
    }
    for (spec, role), hours in cases.items():
        d = upskilling_distance(fw.default_profile(spec, "clinical_scientist"), role, fw, 40)
        assert d["eligible"] and d["training_hours"] == hours, (spec, role, d)


def test_someone_in_two_teams_stays_in_post() -> None:
    people = [
        ("A", "RGT", "audiology", "practitioner", 0.5),
        ("A", "RGT", "cardiac_science", "practitioner", 0.5),
        ("B", "RGT", "audiology", "practitioner", 1.0),
    ]
    sc = scenario(roles=[{"id": "sample_reception_and_swabbing", "posts": [{"site": "RGT", "count": 2}]}])
    plan, _ = run(people, sc)
    assert [a["staff_id"] for a in plan.assignments] == ["B"]
    assert plan.totals["staff_in_post"] == 2
