"""Linking and classifying, checked against the ten people of hand.py counted by hand.

Gap 0 (January -> February), 8 people at risk: P3 and P8 leave (P8 comes back in March); P2 progresses
practitioner -> clinical scientist; P5 moves RGT -> RRK (a leaver of RGT, not of the NHS); P9 joins new.
Gap 1 (February -> March), 7 at risk: P4 (consultant, 62) retires; P6 changes specialism; P7 qualifies from
STP; P8 returns; P10 joins as a PTP trainee.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from hcsworkforce.analytics.calibrate import (
    annualise,
    estimate_rates,
    jeffreys_interval,
    link_censuses,
    transition_counts,
)
from tests.calibrate.hand import CENSUSES, frames


def _outcomes(definition: str) -> dict[tuple[int, str], str]:
    staff, leavers = frames()
    tr = link_censuses(staff, leavers, definition=definition)
    return {(k, key): o for k, key, o in tr.at_risk.select("k", "staff_key", "outcome").iter_rows()}


def test_every_transition_by_hand_staff_group() -> None:
    out = _outcomes("staff_group")
    left = {p for (k, p), o in out.items() if o == "left"}
    assert left == {"P3", "P8"}
    assert {p for (k, p), o in out.items() if o == "retired"} == {"P4"}
    assert sum(1 for k, _ in out if k == 0) == 8 and sum(1 for k, _ in out if k == 1) == 7
    assert out[(0, "P5")] == "stayed"  # a move between trusts is not a leaver of the NHS or the group


def test_nhs_definition_counts_the_same_people_with_only_hcs_loaded() -> None:
    assert _outcomes("nhs") == _outcomes("staff_group")


def test_organisation_definition_makes_the_move_a_leaver_and_a_joiner() -> None:
    staff, leavers = frames()
    tr = link_censuses(staff, leavers, definition="organisation")
    outcome = {(k, p): o for k, p, o in tr.at_risk.select("k", "staff_key", "outcome").iter_rows()}
    assert outcome[(0, "P5")] == "left"
    routes = {(k, p): r for k, p, r in tr.joiners.select("k", "staff_key", "route").iter_rows()}
    assert routes == {
        (0, "P5"): "other_organisation",
        (0, "P9"): "new",
        (1, "P8"): "returner",
        (1, "P10"): "trainee",
    }


def test_transition_table_by_hand() -> None:
    staff, leavers = frames()
    rows = transition_counts(link_censuses(staff, leavers))
    assert [r["from"] for r in rows] == list(CENSUSES[:2])
    g0, g1 = rows
    assert (g0["at_risk"], g0["stayed"], g0["left"], g0["retired"]) == (8, 6, 2, 0)
    assert (g0["progressed"], g0["moved_organisation"], g0["joined_new"]) == (1, 1, 1)
    assert (g1["at_risk"], g1["stayed"], g1["left"], g1["retired"]) == (7, 6, 0, 1)
    assert (g1["trainees_qualified"], g1["changed_specialism"]) == (1, 1)
    assert (g1["joined_returner"], g1["joined_trainee"], g1["joined_new"]) == (1, 1, 0)


def test_rates_count_trials_and_events_by_hand() -> None:
    staff, leavers = frames()
    est = {(e.family, tuple(e.key.values())): e for e in estimate_rates(link_censuses(staff, leavers))}
    assistant = est[("leaver_rate", ("assistant",))]
    assert (assistant.events, assistant.trials, assistant.at_risk_people) == (2, 2, 2)  # P3, P8 in gap 0
    practitioner = est[("leaver_rate", ("practitioner",))]
    assert (practitioner.events, practitioner.trials, practitioner.at_risk_people) == (0, 6, 4)
    consultant = est[("leaver_rate", ("consultant",))]
    assert (consultant.events, consultant.trials) == (0, 2)  # P4 retires: not a leaver
    retire = est[("retirement_probability", (62,))]
    assert (retire.events, retire.trials) == (1, 2)
    prog = est[("progression_rate", ("practitioner",))]
    assert (prog.events, prog.trials) == (1, 6)  # P2 of P1, P2, P5 then P1, P5, P9
    months = [29 / (365.25 / 12), 31 / (365.25 / 12)]
    expected = 1 - (1 - 1 / 6) ** (12 / (3 * months[0] + 3 * months[1]) * 6)
    assert prog.rate_per_year == pytest.approx(expected)
    qualified = est[("trainee_qualified", ("trainee_clinical_scientist",))]
    assert (qualified.events, qualified.trials) == (1, 2)
    returners = est[("joiner_rate", ("assistant", "returner"))]
    assert returners.events == 1 and returners.exposure_person_years == pytest.approx(2 * months[0] / 12)


def test_jeffreys_interval_is_the_beta_posterior_quantiles() -> None:
    from scipy.stats import beta

    lo, hi = jeffreys_interval(np.array([0, 10, 7, 20]), np.array([20, 20, 300, 20]), 0.9)
    assert lo[0] == 0.0 and hi[3] == 1.0  # the conventional ends at 0 and at n events
    assert hi[0] == pytest.approx(beta.ppf(0.95, 0.5, 20.5))
    assert (lo[1], hi[1]) == pytest.approx((beta.ppf(0.05, 10.5, 10.5), beta.ppf(0.95, 10.5, 10.5)))
    assert (lo[2], hi[2]) == pytest.approx((beta.ppf(0.05, 7.5, 293.5), beta.ppf(0.95, 7.5, 293.5)))
    assert lo[1] + hi[1] == pytest.approx(1.0)  # symmetric at half


def test_annualise_compounds_a_monthly_probability() -> None:
    assert annualise(np.array([0.01]), np.array([1.0]))[0] == pytest.approx(1 - 0.99**12)
    assert annualise(np.array([0.1]), np.array([12.0]))[0] == pytest.approx(0.1)


def test_two_assignments_count_once_and_a_staff_group_move_is_its_own_outcome() -> None:
    staff, leavers = frames()
    # P1 holds a second, smaller post at RRK in January: one person, one trial, the larger post primary.
    extra = staff.filter((pl.col("staff_key") == "P1") & (pl.col("census_date") == CENSUSES[0])).with_columns(
        pl.lit("RRK").alias("organisation_code"), pl.lit(0.2).alias("fte")
    )
    both = pl.concat([staff, extra])
    tr = link_censuses(both, leavers)
    assert tr.at_risk.filter(pl.col("staff_key") == "P1").height == 2
    # P6 moves to another staff group in March: a leaver of the group, not of the NHS.
    grouped = staff.with_columns(
        pl.when((pl.col("staff_key") == "P6") & (pl.col("census_date") == CENSUSES[2]))
        .then(pl.lit("Allied Health Professionals"))
        .otherwise(pl.lit("Healthcare Scientists"))
        .alias("staff_group")
    )
    nhs = link_censuses(grouped, leavers, definition="nhs").at_risk
    group = link_censuses(grouped, leavers, definition="staff_group").at_risk
    p6 = pl.col("staff_key") == "P6"
    assert nhs.filter(p6 & (pl.col("k") == 1))["outcome"].item() == "moved_staff_group"
    assert group.filter(p6 & (pl.col("k") == 1))["outcome"].item() == "left"


def test_unknown_definition_is_refused() -> None:
    staff, leavers = frames()
    with pytest.raises(ValueError, match="definition"):
        link_censuses(staff, leavers, definition="trust")
