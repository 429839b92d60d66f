"""The vectorised engine against the plain reference (reference.py) on random small histories: the same
people at risk with the same outcome, level change, moves and leaver reason; the same joiners by route; the
same events, trials and people in every rate, the same exposure (to rounding), and the same per-gap table.

Histories are in the store's contract (model/frames.py STAFF_SCHEMA / LEAVER_SCHEMA, the frames
Store.staff_history / leavers_history return; docs/esr-extracts.md gives the file layout), with the awkward
cases drawn on purpose: two posts at one census (FTE ties, one outside the group), other staff groups, gaps of
different lengths, returners, trainees, a level the taxonomy lacks, unknown ages and FTEs, several leaver
records in one gap, records of people not in post, leaving reasons left blank.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.calibrate import (
    DEFINITIONS,
    Transitions,
    estimate_rates,
    link_censuses,
    transition_counts,
)
from hcsworkforce.model.frames import LEAVER_SCHEMA, STAFF_SCHEMA
from tests.calibrate import reference

MONTH_ENDS = [
    date(2024, 1, 31),
    date(2024, 2, 29),
    date(2024, 3, 31),
    date(2024, 6, 30),
    date(2024, 7, 31),
    date(2025, 7, 31),
]
LEVELS = (
    "assistant",
    "practitioner",
    "clinical_scientist",
    "consultant",
    "trainee_clinical_scientist",
    "trainee_practitioner",
    "healthcare_science_lead",  # not a level of the taxonomy: counted as its own group, never progresses
)
ORGS = ("RGT", "RRK", "RJ1")
GROUPS = ("Healthcare Scientists", "HEALTHCARE SCIENTISTS", "Allied Health Professionals", None)
REASONS = ("Retirement Age", "Flexi Retirement", "Voluntary Resignation - Relocation", "Dismissal", None)

post = st.fixed_dictionaries(
    {
        "organisation_code": st.sampled_from(ORGS),
        "specialism_id": st.sampled_from(["audiology", "medical_physics"]),
        "career_level": st.sampled_from(LEVELS),
        "fte": st.sampled_from([1.0, 0.6, 0.6, None]),
        "staff_group": st.sampled_from(GROUPS),
    }
)
person = st.fixed_dictionaries(
    {
        "posts": st.lists(st.lists(post, max_size=2), min_size=6, max_size=6),  # per census: 0-2 posts
        "age": st.one_of(st.none(), st.integers(14, 72)),
        "records": st.lists(
            st.tuples(st.integers(0, 5), st.integers(-5, 40), st.sampled_from(REASONS)), max_size=3
        ),
    }
)
histories = st.fixed_dictionaries(
    {
        "people": st.lists(person, min_size=1, max_size=14),
        "censuses": st.lists(st.sampled_from(range(len(MONTH_ENDS))), min_size=2, max_size=5, unique=True),
        "staff_group": st.booleans(),
        "definition": st.sampled_from(DEFINITIONS),
        "organisations": st.sampled_from([None, {"RGT"}, {"RGT", "RJ1"}]),
    }
)


def _frames(h: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame]:
    dates = sorted(MONTH_ENDS[i] for i in h["censuses"])
    staff, leavers = [], []
    for i, p in enumerate(h["people"]):
        key = f"s{i:03d}"
        for k, census in enumerate(dates):
            for q in p["posts"][k]:
                age = None if p["age"] is None else p["age"] + k // 2
                row = {**q, "census_date": census, "staff_key": key, "assignment_key": key, "age": age}
                staff.append(
                    row if h["staff_group"] else {c: v for c, v in row.items() if c != "staff_group"}
                )
        for k, days, reason in p[
            "records"
        ]:  # leaver records, in or out of the window, of people in post or not
            end = dates[min(k, len(dates) - 1)] + timedelta(days=days)
            owner = key if days % 7 else "not_in_post"
            leavers.append(
                {"census_date": dates[-1], "staff_key": owner, "end_date": end, "leaving_reason": reason}
            )
    schema = {**STAFF_SCHEMA, "staff_group": pl.String} if h["staff_group"] else STAFF_SCHEMA
    s = pl.DataFrame(staff, schema=schema) if staff else pl.DataFrame(schema=schema)
    lv = pl.DataFrame(leavers, schema={c: LEAVER_SCHEMA[c] for c in leavers[0]}) if leavers else None
    return s, lv  # type: ignore[return-value]


def _usable(staff: pl.DataFrame) -> bool:
    return staff.height > 0 and staff["census_date"].n_unique() >= 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_linking_matches_the_reference(h: dict[str, Any]) -> None:
    staff, leavers = _frames(h)
    if not _usable(staff):
        return
    tr = link_censuses(staff, leavers, definition=h["definition"], organisations=h["organisations"])
    ref = reference.link(staff, leavers, h["definition"], h["organisations"])
    assert tr.censuses == ref.censuses and tr.months == ref.months
    cols = [c for c in tr.at_risk.columns if c not in ("k", "staff_key", "person")]
    fast = {(r["k"], r["staff_key"]): {c: r[c] for c in cols} for r in tr.at_risk.iter_rows(named=True)}
    assert fast == ref.at_risk
    jcols = ["organisation_code", "career_level", "route"]
    joined = {(r["k"], r["staff_key"]): {c: r[c] for c in jcols} for r in tr.joiners.iter_rows(named=True)}
    assert joined == ref.joiners


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_counts_match_the_reference(h: dict[str, Any]) -> None:
    staff, leavers = _frames(h)
    if not _usable(staff):
        return
    tr = link_censuses(staff, leavers, definition=h["definition"], organisations=h["organisations"])
    ref = reference.link(staff, leavers, h["definition"], h["organisations"])
    estimates = estimate_rates(tr, bootstrap_draws=50)
    binomial = {
        (e.family, tuple(e.key.values())): e
        for e in estimates
        if e.family not in ("joiner_rate", "recruitment_rate")
    }
    expected = reference.binomial_counts(ref)
    assert set(binomial) == set(expected)
    for cell, want in expected.items():
        e = binomial[cell]
        assert (e.events, e.trials, e.at_risk_people) == (want["events"], want["trials"], want["people"]), (
            cell
        )
        assert e.exposure_person_years == pytest.approx(want["months"] / 12.0, rel=1e-12)
        q = want["events"] / want["trials"]
        assert e.rate_per_year == pytest.approx(
            1 - (1 - q) ** (12 * want["trials"] / want["months"]), rel=1e-9
        )
    joiners = {
        (e.family, e.key["career_level"], e.key.get("route", e.key.get("source"))): e
        for e in estimates
        if e.family in ("joiner_rate", "recruitment_rate")
    }
    expected_j = reference.joiner_counts(ref)
    assert set(joiners) == set(expected_j)
    for cell, want in expected_j.items():
        e = joiners[cell]
        assert (e.events, e.trials, e.at_risk_people) == (want["events"], want["trials"], want["people"]), (
            cell
        )
        assert e.exposure_person_years == pytest.approx(want["years"], rel=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_the_frames_alone_give_the_same_answers(h: dict[str, Any]) -> None:
    """A Transitions made from the two frames (no codes from linking) is coded again from them: the same
    estimates and the same table, to the last bit."""
    staff, leavers = _frames(h)
    if not _usable(staff):
        return
    tr = link_censuses(staff, leavers, definition=h["definition"], organisations=h["organisations"])
    again = Transitions(tr.censuses, tr.months, tr.definition, tr.at_risk, tr.joiners, tr.notes)
    assert again.codes is None
    assert [e.to_row() for e in estimate_rates(again)] == [e.to_row() for e in estimate_rates(tr)]
    assert transition_counts(again) == transition_counts(tr)
    table = transition_counts(tr)
    ref = reference.link(staff, leavers, h["definition"], h["organisations"])
    for row in table:
        k = tr.censuses.index(row["from"])
        gap = [a for (j, _), a in ref.at_risk.items() if j == k]
        assert row["at_risk"] == len(gap) > 0
        for outcome in ("stayed", "left", "retired", "moved_staff_group"):
            assert row[outcome] == sum(a["outcome"] == outcome for a in gap)
        assert row["progressed"] == sum(a["level_change"] == "progressed" for a in gap)
        assert row["moved_organisation"] == sum(a["moved_organisation"] for a in gap)
        assert row["joined_returner"] == sum(
            j["route"] == "returner" for (g, _), j in ref.joiners.items() if g == k
        )
    assert len(table) == len({j for j, _ in ref.at_risk})  # gaps with nobody at risk are not listed


def test_a_hand_case_of_ties_and_other_groups() -> None:
    """Two posts of equal FTE: the first organisation code is primary; a post outside the group never is
    while one inside exists; leaving the group while keeping an NHS post is moved_staff_group under nhs."""
    rows = [
        ("2024-01-31", "a", "RRK", 1.0, "Healthcare Scientists"),
        ("2024-01-31", "a", "RGT", 1.0, "Healthcare Scientists"),  # tie on FTE: RGT sorts first
        ("2024-02-29", "a", "RRK", 1.0, "Healthcare Scientists"),  # still in RRK, no longer in RGT
        ("2024-01-31", "b", "RGT", 1.0, "Allied Health Professionals"),  # larger, but not in the group
        ("2024-01-31", "b", "RJ1", 0.4, "Healthcare Scientists"),
        ("2024-02-29", "b", "RJ1", 1.0, "Allied Health Professionals"),
    ]
    staff = pl.DataFrame(
        [
            {
                "census_date": date.fromisoformat(d),
                "staff_key": key,
                "organisation_code": org,
                "specialism_id": "audiology",
                "career_level": "practitioner",
                "fte": fte,
                "age": 40,
                "staff_group": group,
            }
            for d, key, org, fte, group in rows
        ]
    )
    at = {
        (r["staff_key"], d): r
        for d in DEFINITIONS
        for r in link_censuses(staff, None, definition=d).at_risk.iter_rows(named=True)
    }
    assert at[("a", "staff_group")]["organisation_code"] == "RGT"
    assert at[("a", "staff_group")]["outcome"] == "stayed" and at[("a", "staff_group")]["moved_organisation"]
    assert at[("a", "organisation")]["outcome"] == "left"  # no post at RGT in February
    assert at[("b", "staff_group")]["organisation_code"] == "RJ1"
    assert at[("b", "nhs")]["outcome"] == "moved_staff_group"
    assert at[("b", "staff_group")]["outcome"] == "left"


def test_no_rows_or_one_census_link_to_nobody_at_risk() -> None:
    staff = pl.DataFrame(
        [
            {
                "census_date": date(2024, 1, 31),
                "staff_key": "a",
                "organisation_code": "RGT",
                "specialism_id": "audiology",
                "career_level": "practitioner",
                "fte": 1.0,
                "age": 40,
            }
        ],
        schema={
            c: STAFF_SCHEMA[c]
            for c in (
                "census_date",
                "staff_key",
                "organisation_code",
                "specialism_id",
                "career_level",
                "fte",
                "age",
            )
        },
    )
    for frame in (staff.head(0), staff):
        tr = link_censuses(frame, None)
        assert (tr.at_risk.height, tr.joiners.height) == (0, 0)
        assert estimate_rates(tr) == [] and transition_counts(tr) == []
        assert any(n.startswith("No leaver records") for n in tr.notes)
