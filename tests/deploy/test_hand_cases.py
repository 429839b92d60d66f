"""Small cases whose optimal plan is known by hand, including one where the greedy choice is wrong."""

from __future__ import annotations

from hcsworkforce.analytics.deploy import apply_absence, release_allowance
from hcsworkforce.analytics.skills import reference_framework, training_plan, with_scenario

from .helpers import check_invariants, run, scenario, staff_frame

# Two inline competencies and roles keep the arithmetic visible: vent needs cv 2, card needs cc 2.
INLINE = {
    "competencies": [{"id": "cv", "name": "Ventilation"}, {"id": "cc", "name": "Cardiac monitoring"}],
    "training_resources": [
        {"id": "card_course", "title": "Cardiac course", "hours": 8, "competency": "cc", "to_level": 2}
    ],
}


def test_greedy_is_wrong_here_and_the_optimum_fills_both_posts() -> None:
    # A can do both roles untrained; B can do card only after 8 h. Greedy fills card first with the cheapest
    # person (A, 0 h) and then has nobody for vent. The optimum sends B to card (8 h) and A to vent.
    people = [
        ("A", "RGT", "cardiac_science", "practitioner", 1.0),
        ("B", "RGT", "cardiac_science", "practitioner", 1.0),
    ]
    comps = [("A", "cv", 2), ("A", "cc", 2), ("B", "cc", 1)]
    sc = scenario(
        **INLINE,
        roles=[
            {"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1}]},
            {"id": "vent", "requires": {"cv": 2}, "posts": [{"site": "RGT", "count": 1}]},
        ],
    )
    plan, _ = run(people, sc, comps)
    got = {a["staff_id"]: (a["role"], a["training_hours"]) for a in plan.assignments}
    assert got == {"A": ("vent", 0.0), "B": ("card", 8.0)}
    assert plan.totals["filled"] == 2 and plan.totals["training_hours"] == 8.0
    assert plan.uncovered == []


def test_priority_wins_then_hours_then_moves() -> None:
    # One person fit for both roles: the priority 3 post gets them.
    people = [("A", "RGT", "cardiac_science", "practitioner", 1.0)]
    sc = scenario(
        **INLINE,
        roles=[
            {"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1, "priority": 1}]},
            {"id": "vent", "requires": {"cv": 2}, "posts": [{"site": "RGT", "count": 1, "priority": 3}]},
        ],
    )
    plan, _ = run(people, sc, [("A", "cv", 2), ("A", "cc", 2)])
    assert [a["role"] for a in plan.assignments] == ["vent"]
    assert plan.uncovered[0]["role"] == "card" and plan.uncovered[0]["reason"] == "assigned_elsewhere"


def test_fewer_training_hours_beat_fewer_moves() -> None:
    # Local B needs 8 h; C at RAJ (same region) needs none: hours come before moves, so C moves.
    people = [("B", "RGT", "audiology", "practitioner", 1.0), ("C", "RAJ", "audiology", "practitioner", 1.0)]
    sc = scenario(
        **INLINE, roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1}]}]
    )
    plan, _ = run(people, sc, [("B", "cc", 1), ("C", "cc", 2)])
    assert [(a["staff_id"], a["moves_organisation"]) for a in plan.assignments] == [("C", True)]
    assert plan.totals["moves_between_organisations"] == 1


def test_local_then_same_region_preferred() -> None:
    # Equal hours: the local person goes; with two posts, the same-region neighbour beats the far one.
    people = [
        ("L", "RGT", "audiology", "practitioner", 1.0),
        ("N", "RAJ", "audiology", "practitioner", 1.0),
        ("F", "R0A", "audiology", "practitioner", 1.0),
    ]
    comps = [(k, "cc", 2) for k in "LNF"]
    sc = scenario(
        **INLINE, roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 2}]}]
    )
    plan, _ = run(people, sc, comps)
    assert sorted(a["staff_id"] for a in plan.assignments) == ["L", "N"]
    assert plan.totals["moves_between_organisations"] == 1 and plan.totals["moves_between_regions"] == 0


def test_travel_rule_and_reason() -> None:
    people = [("N", "RAJ", "audiology", "practitioner", 1.0)]
    for travel, filled in (("same_organisation", 0), ("same_region", 1), ("anywhere", 1)):
        sc = scenario(
            **INLINE,
            travel=travel,
            roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1}]}],
        )
        plan, _ = run(people, sc, [("N", "cc", 2)])
        assert plan.totals["filled"] == filled, travel
        if not filled:
            assert plan.uncovered[0]["reason"] == "travel"
    far = [("F", "R0A", "audiology", "practitioner", 1.0)]
    sc = scenario(
        **INLINE,
        travel="same_region",
        roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1}]}],
    )
    plan, _ = run(far, sc, [("F", "cc", 2)])
    assert plan.totals["filled"] == 0 and plan.uncovered[0]["reason"] == "travel"


def test_budget_and_no_eligible_reasons() -> None:
    people = [("B", "RGT", "audiology", "practitioner", 1.0)]
    roles = [
        {"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 1}]},
        {"id": "vent", "requires": {"cv": 2}, "posts": [{"site": "RGT", "count": 1}]},
    ]
    plan, _ = run(people, scenario(**INLINE, training_budget_hours=4, roles=roles))
    reasons = {u["role"]: u["reason"] for u in plan.uncovered}
    assert reasons == {"card": "budget", "vent": "no_eligible_staff"}
    plan, _ = run(people, scenario(**INLINE, training_budget_hours=8, roles=roles))
    assert [a["role"] for a in plan.assignments] == ["card"]


def test_floor_holds_a_team_back() -> None:
    # Five full-time cardiac scientists with a 0.8 floor may release 1.0 FTE: one person, two posts unfilled.
    people = [(f"c{i}", "RGT", "cardiac_science", "practitioner", 1.0) for i in range(5)]
    sc = scenario(
        **INLINE,
        floors=[{"specialism": "cardiac_science", "min_share": 0.8}],
        roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 3}]}],
    )
    plan, _ = run(people, sc, [(f"c{i}", "cc", 2) for i in range(5)])
    assert plan.totals["filled"] == 1
    assert plan.uncovered[0]["unfilled"] == 2 and plan.uncovered[0]["reason"] == "floor"
    (floor,) = plan.floors
    assert floor["floor_fte"] == 4.0 and floor["remaining_fte"] == 4.0 and not floor["below_floor"]
    check_invariants(plan, people, sc)


def test_release_cap_reason() -> None:
    people = [(f"a{i}", "RGT", "audiology", "practitioner", 1.0) for i in range(4)]
    sc = scenario(
        **INLINE,
        max_release_share=0.5,
        roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 3}]}],
    )
    plan, _ = run(people, sc, [(f"a{i}", "cc", 2) for i in range(4)])
    assert plan.totals["filled"] == 2 and plan.uncovered[0]["reason"] == "release_cap"


def test_release_allowance_is_safe_for_any_choice_of_people() -> None:
    assert release_allowance([1.0, 0.5, 0.5, 1.0], 1.5) == 1  # the two full-timers together would break it
    assert release_allowance([0.5, 0.5, 0.5], 1.0) == 2
    assert release_allowance([1.0] * 5, 1.0) == 1
    assert release_allowance([1.0] * 5, 0.99) == 0
    assert release_allowance([0.6, 0.4], float("inf")) == 2


def test_absence_rate_and_named_absences_are_deterministic() -> None:
    people = staff_frame(
        [(f"k{i:02d}", "RGT", "audiology", "practitioner", 1.0) for i in range(10)]
    ).with_columns()
    from hcsworkforce.analytics.deploy import _people

    base = _people(people)
    a = apply_absence(base, 0.25, set())  # round(2.5) -> 3, half up
    assert a["absent"].sum() == 3 and a.filter("absent")["staff_key"].to_list() == ["k00", "k01", "k02"]
    b = apply_absence(base, 0.25, {"k09"})  # named count towards the rate
    assert b["absent"].sum() == 3 and b.filter("absent")["staff_key"].to_list() == ["k00", "k01", "k09"]
    c = apply_absence(base, 0.0, {"k05", "k06"})
    assert c.filter("absent")["staff_key"].to_list() == ["k05", "k06"]


def test_named_absence_removes_people_from_the_plan() -> None:
    people = [("A", "RGT", "audiology", "practitioner", 1.0), ("B", "RGT", "audiology", "practitioner", 1.0)]
    sc = scenario(
        **INLINE, roles=[{"id": "card", "requires": {"cc": 2}, "posts": [{"site": "RGT", "count": 2}]}]
    )
    plan, _ = run(people, sc, [("A", "cc", 2), ("B", "cc", 2)], absent=["A"])
    assert [a["staff_id"] for a in plan.assignments] == ["B"] and plan.totals["staff_absent"] == 1


def test_training_plan_uses_a_multi_competency_course_when_cheaper() -> None:
    fw = reference_framework()
    role = fw.roles["critical_care_ventilation_support"]  # ventilation 3, critical care 2, IPC 3
    # Nothing at all: vent 3 needs the 16 h practice; cc 2 by the 4 h induction (cheaper than CLEAR's 12 h);
    # IPC 3 by the 4 h fit-test course. 24 h in all.
    plan = training_plan({}, role, fw)
    assert plan.feasible and plan.hours == 24.0
    assert plan.resources == (
        "critical_care_induction",
        "ipc_aerosol_fit_test",
        "ventilation_supervised_practice",
    )
    sc = scenario(
        training_resources=[
            {
                "id": "combo",
                "title": "ICU bundle",
                "hours": 6,
                "covers": {"critical_care_environment": 2, "infection_control_ppe": 3},
            }
        ]
    )
    fw2 = with_scenario(fw, sc)
    plan2 = training_plan({}, role, fw2)
    assert plan2.resources == ("combo", "ventilation_supervised_practice") and plan2.hours == 22.0


def test_training_plan_infeasible_without_a_course() -> None:
    sc = scenario(
        competencies=[{"id": "zz", "name": "No course"}], roles=[{"id": "r", "requires": {"zz": 1}}]
    )
    fw = with_scenario(reference_framework(), sc)
    plan = training_plan({}, fw.roles["r"], fw)
    assert not plan.feasible and [g.competency for g in plan.gaps] == ["zz"]


def test_default_profiles_are_capped_by_career_level() -> None:
    fw = reference_framework()
    assert fw.default_profile("cardiac_science", "clinical_scientist")["cardiac_monitoring"] == 4
    assert fw.default_profile("cardiac_science", "assistant")["cardiac_monitoring"] == 2
    assert fw.default_profile("cardiac_science", None)["cardiac_monitoring"] == 2


def test_backup_finds_cover_in_the_same_region_first() -> None:
    # RGT radiotherapy physics: 5 in post, 2 absent by name -> 3.0 FTE against a floor of 0.8 x 5 = 4.0: one
    # person short. RAJ (same region) and R0A (elsewhere) each have 6 with spare; RAJ's person covers.
    people = [(f"g{i}", "RGT", "radiotherapy_physics", "clinical_scientist", 1.0) for i in range(5)]
    people += [(f"j{i}", "RAJ", "radiotherapy_physics", "clinical_scientist", 1.0) for i in range(6)]
    people += [(f"m{i}", "R0A", "radiotherapy_physics", "clinical_scientist", 1.0) for i in range(6)]
    sc = scenario(floors=[{"specialism": "radiotherapy_physics", "min_share": 0.8}])
    plan, _ = run(people, sc, absent=["g0", "g1"])
    assert plan.mode == "backup"
    assert plan.totals["posts"] == 1 and plan.totals["filled"] == 1
    (a,) = plan.assignments
    assert (
        a["from_organisation"] == "RAJ" and a["site"] == "RGT" and a["role"] == "cover:radiotherapy_physics"
    )
    rgt = next(f for f in plan.floors if f["organisation"] == "RGT")
    assert rgt["below_floor"] and rgt["shortfall_fte"] == 1.0 and rgt["cover_headcount"] == 1
    raj = next(f for f in plan.floors if f["organisation"] == "RAJ")
    assert raj["released_headcount"] == 1 and raj["remaining_fte"] >= raj["floor_fte"]
