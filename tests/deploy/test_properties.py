"""Property tests on random small instances: invariants always hold, the optimum equals an independent MILP over
individual people tier by tier, and it is never worse than a greedy baseline."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import check_invariants, run, scenario
from .independent import Person, greedy_weighted_filled, milp_tiers

ORGS = ["RGT", "RAJ", "R0A"]
SPECS = [
    "cardiac_science",
    "respiratory_and_sleep_science",
    "clinical_microbiology",
    "clinical_engineering",
    "audiology",
    "radiotherapy_physics",
]
LEVELS = ["assistant", "practitioner", "clinical_scientist"]
ROLES = [
    "molecular_testing_scientist",
    "sample_reception_and_swabbing",
    "critical_care_ventilation_support",
    "cardiac_monitoring_critical_care",
    "equipment_commissioning_and_maintenance",
    "data_analysis_and_modelling",
]
COMPS = [
    "ventilation_support",
    "cardiac_monitoring",
    "molecular_pcr",
    "infection_control_ppe",
    "swab_collection",
]


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 12))
    people = [
        (
            f"p{i:02d}",
            draw(st.sampled_from(ORGS)),
            draw(st.sampled_from(SPECS)),
            draw(st.sampled_from(LEVELS)),
            draw(st.sampled_from([0.5, 0.8, 1.0])),
        )
        for i in range(n)
    ]
    comps = []
    for p in people:
        if draw(st.booleans()) and draw(st.booleans()):
            comps.append((p[0], draw(st.sampled_from(COMPS)), draw(st.integers(0, 4))))
    comps = list({(k, c): (k, c, lv) for k, c, lv in comps}.values())
    roles: dict[str, list[dict[str, Any]]] = {}
    for _ in range(draw(st.integers(1, 5))):
        role = draw(st.sampled_from(ROLES))
        roles.setdefault(role, []).append(
            {
                "site": draw(st.sampled_from(ORGS)),
                "count": draw(st.integers(0, 3)),
                "priority": draw(st.sampled_from([1, 2, 3, 1.5])),
            }
        )
    floors = [
        {"specialism": s, "min_share": draw(st.sampled_from([0.5, 0.8]))}
        for s in draw(st.lists(st.sampled_from(SPECS), max_size=3, unique=True))
    ]
    sc = scenario(
        travel=draw(st.sampled_from(["same_organisation", "same_region", "anywhere"])),
        training_budget_hours=draw(st.sampled_from([0, 8, 20, 40])),
        max_release_share=draw(st.sampled_from([0.3, 0.5, 1.0])),
        floors=floors,
        roles=[{"id": r, "posts": posts} for r, posts in roles.items()],
    )
    absent = draw(st.lists(st.sampled_from([p[0] for p in people]), max_size=2, unique=True))
    return {"people": people, "comps": comps, "scenario": sc, "absent": absent}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimum_matches_milp_and_beats_greedy(inst: dict[str, Any]) -> None:
    people, comps, sc, absent = inst["people"], inst["comps"], inst["scenario"], inst["absent"]
    plan, fw = run(people, sc, comps, absent)
    present = [p for p in people if p[0] not in absent]
    check_invariants(plan, present, sc)
    overrides: dict[str, dict[str, int]] = {}
    for k, c, lv in comps:
        overrides.setdefault(k, {})[c] = lv
    persons = [Person(*p) for p in present]
    weighted, hours, moves, region_moves = milp_tiers(persons, sc, fw, overrides)
    assert round(plan.totals["priority_weighted_filled"] * 1000) == weighted
    assert round(plan.totals["training_hours"] * 100) == hours
    assert plan.totals["moves_between_organisations"] == moves
    assert plan.totals["moves_between_regions"] == region_moves
    assert round(plan.totals["priority_weighted_filled"] * 1000) >= greedy_weighted_filled(
        persons, sc, fw, overrides
    )
    # Every unfilled post has a reason, and the counts add up.
    assert sum(u["unfilled"] for u in plan.uncovered) == plan.totals["posts"] - plan.totals["filled"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(ORGS), st.integers(0, 3)), min_size=1, max_size=12),
    st.sampled_from([0.5, 0.8, 0.9]),
    st.sampled_from([0.1, 0.25, 0.4]),
    st.sampled_from([0.3, 1.0]),
)
def test_backup_never_breaks_a_donor_floor(
    teams: list[tuple[str, int]], share: float, rate: float, cap: float
) -> None:
    people = []
    for t, (org, extra) in enumerate(teams):
        for i in range(2 + extra):
            people.append((f"{org}{t:02d}{i}", org, "radiotherapy_physics", "clinical_scientist", 1.0))
    sc = scenario(
        absence_rate=rate,
        max_release_share=cap,
        floors=[{"specialism": "radiotherapy_physics", "min_share": share}],
    )
    plan, _ = run(people, sc)
    assert plan.mode == "backup"
    for f in plan.floors:
        if f["released_headcount"]:
            assert f["remaining_fte"] >= f["floor_fte"] - 1e-9
            assert f["cover_headcount"] == 0  # a team that is short never donates
        if f["below_floor"]:
            assert f["released_headcount"] == 0
    ids = [a["staff_id"] for a in plan.assignments]
    assert len(ids) == len(set(ids))
    assert all(a["from_organisation"] != a["site"] for a in plan.assignments)
