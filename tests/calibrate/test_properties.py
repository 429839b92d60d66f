"""Properties of linking and estimating on random histories: one outcome per person and gap, joiners apart
from those at risk, every rate in [0, 1] with its interval around it."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.calibrate import DEFINITIONS, OUTCOMES, estimate_rates, link_censuses
from hcsworkforce.model.frames import LEAVER_SCHEMA, STAFF_SCHEMA

LEVELS = ("assistant", "practitioner", "clinical_scientist", "consultant", "trainee_clinical_scientist")
CENSUSES = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]

# Per person and census: absent, or (organisation, level, age offset).
post = st.one_of(
    st.none(), st.tuples(st.sampled_from(["RGT", "RRK"]), st.sampled_from(LEVELS), st.integers(0, 1))
)
history = st.lists(
    st.tuples(st.lists(post, min_size=4, max_size=4), st.integers(20, 68), st.booleans()),
    min_size=1,
    max_size=25,
)


def _frames(people: list[tuple[list[object], int, bool]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    staff, leavers = [], []
    for i, (posts, age, retires) in enumerate(people):
        for k, p in enumerate(posts):
            if p is None:
                continue
            org, level, older = p  # type: ignore[misc]
            row = {
                "census_date": CENSUSES[k],
                "staff_key": f"s{i}",
                "assignment_key": f"s{i}",
                "organisation_code": org,
                "specialism_id": "audiology",
                "career_level": level,
                "fte": 1.0,
                "age": age + older,
                "training_programme": "none",
            }
            staff.append(row)
            if k + 1 < len(posts) and posts[k + 1] is None:
                end = CENSUSES[k] + timedelta(days=10)
                reason = "Retirement Age" if retires else "Voluntary Resignation"
                leavers.append(
                    {**row, "census_date": CENSUSES[k + 1], "end_date": end, "leaving_reason": reason}
                )
    return (
        pl.DataFrame(staff, schema=STAFF_SCHEMA) if staff else pl.DataFrame(schema=STAFF_SCHEMA),
        pl.DataFrame(leavers, schema=LEAVER_SCHEMA) if leavers else pl.DataFrame(schema=LEAVER_SCHEMA),
    )


@settings(max_examples=60, deadline=None)
@given(history, st.sampled_from(DEFINITIONS))
def test_one_outcome_per_person_and_gap(
    people: list[tuple[list[object], int, bool]], definition: str
) -> None:
    staff, leavers = _frames(people)
    if staff.height == 0 or staff["census_date"].n_unique() < 2:
        return
    tr = link_censuses(staff, leavers, definition=definition)
    a = tr.at_risk
    assert a.select(pl.struct("k", "staff_key").n_unique()).item() == a.height  # nobody twice in a gap
    assert set(a["outcome"].unique().to_list()) <= set(OUTCOMES)
    assert a["outcome"].null_count() == 0
    # Those at risk in gap k were in post at census k; joiners of gap k were not (under this definition).
    if definition != "organisation":
        both = a.join(tr.joiners, on=["k", "staff_key"], how="inner")
        assert both.height == 0
    # Everyone in post at census k < last is at risk exactly once in gap k.
    last = len(tr.censuses) - 1
    people_at = staff.with_columns(
        pl.col("census_date")
        .replace_strict({d: i for i, d in enumerate(tr.censuses)}, return_dtype=pl.Int32)
        .alias("k")
    ).filter(pl.col("k") < last)
    assert people_at.select(pl.struct("k", "staff_key").n_unique()).item() == a.height


@settings(max_examples=60, deadline=None)
@given(history, st.sampled_from(DEFINITIONS))
def test_rates_are_probabilities_inside_their_intervals(
    people: list[tuple[list[object], int, bool]], definition: str
) -> None:
    staff, leavers = _frames(people)
    if staff.height == 0 or staff["census_date"].n_unique() < 2:
        return
    for e in estimate_rates(link_censuses(staff, leavers, definition=definition), bootstrap_draws=200):
        assert e.rate_per_year is not None and e.lower is not None and e.upper is not None
        if e.family in ("joiner_rate", "recruitment_rate"):  # joiners per person-year: not a probability
            assert e.events >= 0 and 0.0 <= e.lower <= e.rate_per_year + 1e-12 <= e.upper + 2e-12
        else:
            assert 0 <= e.events <= e.trials
            assert 0.0 <= e.lower <= e.rate_per_year <= e.upper <= 1.0
