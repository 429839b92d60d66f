"""Absence rate by hand across month boundaries and for part-time staff; bad absence input located by row."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics.absence import absence_rate, check_absences, validate_absences
from hcsworkforce.errors import UserInputError


def assignments(*rows: tuple[str, str, float, date, date | None, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "staff_key": s,
                "assignment_key": a,
                "fte": f,
                "start_date": d0,
                "end_date": d1,
                "organisation_code": org,
                "specialism_id": "audiology",
            }
            for s, a, f, d0, d1, org in rows
        ],
        schema_overrides={"end_date": pl.Date},
    )


def episodes(*rows: tuple[str, str, date, date | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"staff_key": s, "assignment_key": a, "absence_start": d0, "absence_end": d1}
            for s, a, d0, d1 in rows
        ],
        schema={
            "staff_key": pl.String,
            "assignment_key": pl.String,
            "absence_start": pl.Date,
            "absence_end": pl.Date,
        },
    )


STAFF = assignments(
    ("s1", "a1", 1.0, date(2020, 1, 1), None, "RGT"),  # full time, in post throughout
    ("s2", "a2", 0.5, date(2024, 1, 15), None, "RGT"),  # half time, starts 15 January (17 days in January)
    ("s3", "a3", 0.8, date(2019, 6, 1), date(2024, 2, 10), "RAL"),  # leaves 10 February
)


def test_rate_by_hand_across_a_month_boundary_and_for_part_time_staff() -> None:
    ep = episodes(
        ("s1", "a1", date(2024, 1, 30), date(2024, 2, 2)),  # 2 days in January, 2 in February
        ("s2", "a2", date(2024, 2, 1), date(2024, 2, 10)),  # 10 days at 0.5 FTE = 5 FTE days
    )
    out = absence_rate(ep, STAFF, by=["organisation"])
    rgt = {r["month"]: r for r in out.filter(pl.col("organisation_code") == "RGT").iter_rows(named=True)}
    # January: available 31 x 1.0 + 17 x 0.5 = 39.5; lost 2 x 1.0 = 2.
    jan = rgt[date(2024, 1, 1)]
    assert jan["fte_days_available"] == pytest.approx(39.5)
    assert jan["fte_days_lost"] == pytest.approx(2.0)
    assert jan["absence_rate"] == pytest.approx(2 / 39.5)
    assert jan["staff_absent"] == 1 and jan["headcount"] == 2
    # February 2024 has 29 days: available 29 + 29 x 0.5 = 43.5; lost 2 + 5 = 7.
    feb = rgt[date(2024, 2, 1)]
    assert feb["fte_days_available"] == pytest.approx(43.5)
    assert feb["fte_days_lost"] == pytest.approx(7.0)
    assert feb["absence_rate"] == pytest.approx(7 / 43.5)
    # RAL: s3 at 0.8 FTE leaves on 10 February: 31 x 0.8 = 24.8 in January, 10 x 0.8 = 8 in February.
    ral = out.filter(pl.col("organisation_code") == "RAL").sort("month")
    assert ral["fte_days_available"].to_list() == pytest.approx([24.8, 8.0])
    assert ral["absence_rate"].to_list() == [0.0, 0.0]


def test_absence_spanning_several_months_is_split_by_calendar_day() -> None:
    # 20 December 2023 to 5 March 2024: 12 days in December, 31 in January, 29 in February, 5 in March.
    ep = episodes(("s1", "a1", date(2023, 12, 20), date(2024, 3, 5)))
    staff = STAFF.filter(pl.col("staff_key") == "s1")
    out = absence_rate(ep, staff).sort("month")
    assert out["month"].to_list() == [date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    assert out["fte_days_lost"].to_list() == [12, 31, 29, 5]
    assert out["fte_days_available"].to_list() == [31, 31, 29, 31]
    assert out["absence_rate"].to_list() == pytest.approx([12 / 31, 1.0, 1.0, 5 / 31])


def test_ongoing_absence_runs_to_the_end_of_the_period_and_the_period_clips() -> None:
    ep = episodes(("s1", "a1", date(2024, 1, 25), None))
    staff = STAFF.filter(pl.col("staff_key") == "s1")
    out = absence_rate(ep, staff, start=date(2024, 1, 1), end=date(2024, 2, 29)).sort("month")
    assert out["fte_days_lost"].to_list() == [7, 29]
    clipped = absence_rate(
        episodes(("s1", "a1", date(2023, 12, 1), date(2024, 1, 3))),
        staff,
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
    )
    assert clipped["fte_days_lost"].to_list() == [3]


def test_group_by_several_dimensions_and_national_total() -> None:
    ep = episodes(("s3", "a3", date(2024, 2, 1), date(2024, 2, 10)))
    total = absence_rate(ep, STAFF, start=date(2024, 2, 1), end=date(2024, 2, 29))
    # February: available 29 + 14.5 + 8 = 51.5; lost 10 x 0.8 = 8.
    assert total.columns[:1] == ["month"]
    assert total["fte_days_lost"].item() == pytest.approx(8.0)
    assert total["fte_days_available"].item() == pytest.approx(51.5)
    by2 = absence_rate(
        ep, STAFF, by=["organisation", "specialism"], start=date(2024, 2, 1), end=date(2024, 2, 29)
    )
    assert set(by2.columns) >= {"organisation_code", "specialism_id"}
    assert by2["fte_days_available"].sum() == pytest.approx(51.5)


def test_unknown_dimension_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="cannot group absence by"):
        absence_rate(episodes(("s1", "a1", date(2024, 1, 2), date(2024, 1, 3))), STAFF, by=["gender"])


# ---- validation ----


def problems_of(ep: pl.DataFrame) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in validate_absences(ep, STAFF, file="absence.csv")]


def test_valid_episodes_have_no_problems() -> None:
    ep = episodes(
        ("s1", "a1", date(2024, 1, 2), date(2024, 1, 3)),
        ("s1", "a1", date(2024, 1, 4), date(2024, 1, 9)),  # the day after the last ends: no overlap
        ("s2", "a2", date(2024, 1, 15), None),
    )
    assert problems_of(ep) == []
    check_absences(ep, STAFF)


def test_absence_before_the_assignment_started() -> None:
    ep = episodes(
        ("s1", "a1", date(2024, 1, 2), date(2024, 1, 3)), ("s2", "a2", date(2024, 1, 10), date(2024, 1, 20))
    )
    [(row, column, message)] = problems_of(ep)
    assert (row, column) == (3, "absence_start")  # header is row 1, so the second episode is row 3
    assert "before the assignment did (2024-01-15)" in message


def test_unknown_staff_and_unknown_assignment() -> None:
    ep = episodes(
        ("nobody", "a9", date(2024, 1, 2), date(2024, 1, 3)),
        ("s1", "a9", date(2024, 1, 2), date(2024, 1, 3)),
        ("s1", "a2", date(2024, 2, 2), date(2024, 2, 3)),
    )
    got = problems_of(ep)
    assert got[0][:2] == (2, "staff_id") and "unknown staff" in got[0][2]
    assert got[1][:2] == (3, "assignment_id") and "unknown assignment" in got[1][2]
    assert got[2][:2] == (4, "assignment_id") and "another member of staff" in got[2][2]


def test_overlapping_absences_of_one_assignment_name_both_rows() -> None:
    ep = episodes(
        ("s1", "a1", date(2024, 3, 1), date(2024, 3, 20)),
        ("s2", "a2", date(2024, 3, 1), date(2024, 3, 20)),
        ("s1", "a1", date(2024, 3, 10), date(2024, 3, 12)),  # inside the first
        ("s1", "a1", date(2024, 3, 20), date(2024, 3, 25)),  # starts the day the first ends
    )
    got = problems_of(ep)
    assert [(r, c) for r, c, _ in got] == [(4, "absence_start"), (5, "absence_start")]
    assert "row 2" in got[0][2] and "row 2" in got[1][2]


def test_end_before_start_and_past_the_end_of_the_assignment() -> None:
    ep = episodes(
        ("s1", "a1", date(2024, 1, 5), date(2024, 1, 3)),
        ("s3", "a3", date(2024, 2, 5), date(2024, 2, 20)),  # s3 left on 10 February
        ("s3", "a3", date(2024, 2, 21), None),  # ongoing, but the assignment has ended
    )
    got = problems_of(ep)
    assert [(r, c) for r, c, _ in got] == [(2, "absence_end"), (3, "absence_end"), (4, "absence_end")]
    assert "ends before it starts" in got[0][2]
    assert "past the end of the assignment (2024-02-10)" in got[1][2]


def test_original_identifiers_are_shown_when_present() -> None:
    ep = episodes(("k-7f3a", "a9", date(2024, 1, 2), date(2024, 1, 3))).with_columns(
        pl.lit("E123456").alias("staff_id")
    )
    [p] = validate_absences(ep, STAFF)
    assert p.value == "E123456"


def test_missing_columns_and_check_raises_with_every_problem() -> None:
    [p] = validate_absences(
        pl.DataFrame({"staff_key": ["s1"], "assignment_key": ["a1"], "absence_start": [date(2024, 1, 1)]}),
        STAFF,
    )
    assert p.column == "absence_end" and "missing" in p.message
    bad = episodes(*[("nobody", "a1", date(2024, 1, 2), date(2024, 1, 3))] * 5)
    with pytest.raises(UserInputError) as info:
        check_absences(bad, STAFF, file="absence.csv", cap=3)
    assert info.value.total == 5 and len(info.value.problems) == 3
    assert "absence.csv, row 2, column staff_id" in info.value.summary()
    assert "(5 in all)" in info.value.summary()


# ---- properties ----


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.1, max_value=1.5),
    st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=120),
)
def test_days_lost_equal_the_episode_length_times_fte(fte: float, start: date, length: int) -> None:
    staff = assignments(("s", "a", fte, date(2020, 1, 1), None, "RGT"))
    end = date.fromordinal(start.toordinal() + length)
    out = absence_rate(episodes(("s", "a", start, end)), staff)
    assert out["fte_days_lost"].sum() == pytest.approx(fte * (length + 1))
    assert (out["absence_rate"] <= 1.0 + 1e-12).all()
