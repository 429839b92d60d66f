"""Sickness absence: the monthly absence rate (FTE days lost / FTE days available) and checks on episodes.

Days are calendar days, as NHS Digital's NHS Sickness Absence Rates count them: the NHS runs every day of the
year, so a day inside an absence counts whether or not the person was rostered (HSCIC, "NHS Sickness Absence
Rates", annual summary 2012-13, press release: "based on the full 365 day financial year ... includes
non-working days if they fall within a reported absence period"). Each day is weighted by the assignment's
contracted FTE, so a 0.5 FTE assignment absent for 10 days loses 5 FTE days out of 0.5 x days in post.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.frames import DIMENSION_COLUMNS, age_band_expr

# One row per absence episode, keys already pseudonymised like the staff frame's. absence_end null = ongoing.
ABSENCE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "staff_key": pl.String,
    "assignment_key": pl.String,
    "absence_start": pl.Date,
    "absence_end": pl.Date,
    "reason": pl.String,
}
ABSENCE_REQUIRED = ("staff_key", "assignment_key", "absence_start", "absence_end")
ASSIGNMENT_REQUIRED = ("staff_key", "assignment_key", "fte", "start_date")

# How the user's extract names the pseudonymised key columns, for messages they can act on.
USER_COLUMN = {"staff_key": "staff_id", "assignment_key": "assignment_id"}
OPEN_END = date(9999, 12, 31)
MAX_PROBLEMS = 200


def month_start(d: date) -> date:
    return d.replace(day=1)


def _dimension_column(dim: str) -> str:
    return DIMENSION_COLUMNS.get(dim, dim)


def _one_row_per_assignment(assignments: pl.DataFrame) -> pl.DataFrame:
    """The assignment record to weight absence by: the latest census's where several censuses are stacked."""
    frame = assignments
    if "end_date" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Date).alias("end_date"))
    if "census_date" in frame.columns:
        frame = frame.sort("census_date")
    return frame.unique(subset=["assignment_key"], keep="last", maintain_order=True)


def absence_rate(
    episodes: pl.DataFrame,
    assignments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Monthly absence rate by the `by` dimensions.

    episodes: ABSENCE_SCHEMA columns (checked first with `check_absences`; episodes whose assignment is not
    known are left out). assignments: one row per assignment (or one per assignment per census, the latest is
    used) with staff_key, assignment_key, fte, start_date, end_date (null while in post) and the dimension
    columns. A month's FTE days available are fte x the calendar days the assignment was in post in it; FTE
    days lost are fte x the calendar days of absence in it, so an episode spanning months is split by day.
    An ongoing absence (no end) runs to the end of the last month reported.

    Returns one row per group and month: month (its first day), the by columns, fte_days_lost,
    fte_days_available, absence_rate (lost / available), staff_absent and headcount (distinct staff).
    """
    missing = [c for c in ASSIGNMENT_REQUIRED if c not in assignments.columns]
    missing += [c for c in ABSENCE_REQUIRED if c not in episodes.columns]
    if missing:
        raise ValueError(f"absence_rate needs columns {', '.join(missing)}")
    dims = [_dimension_column(d) for d in by]
    assign = _one_row_per_assignment(assignments)
    if "age_band" in dims and "age_band" not in assign.columns:
        assign = assign.with_columns(age_band_expr().alias("age_band"))
    absent_cols = [c for c in dims if c not in assign.columns]
    if absent_cols:
        raise UserInputError(f"cannot group absence by {', '.join(absent_cols)}: not in the staff records")
    months = report_months(episodes, start, end)
    assign = assign.select(
        "staff_key",
        "assignment_key",
        pl.col("fte").cast(pl.Float64),
        pl.col("start_date").alias("post_start"),
        pl.col("end_date").fill_null(OPEN_END).alias("post_end"),
        *[pl.col(c) for c in dims],
    )
    avail = fte_days_available(assign, months, dims)
    lost = fte_days_lost(episodes, assign, months, dims)
    return (
        avail.join(lost, on=["month", *dims], how="left", nulls_equal=True)
        .with_columns(
            pl.col("fte_days_lost").fill_null(0.0),
            pl.col("staff_absent").fill_null(0).cast(pl.Int64),
            pl.col("headcount").cast(pl.Int64),
        )
        .with_columns((pl.col("fte_days_lost") / pl.col("fte_days_available")).alias("absence_rate"))
        .select(
            "month", *dims, "fte_days_lost", "fte_days_available", "absence_rate", "staff_absent", "headcount"
        )
        .sort(["month", *dims], nulls_last=True)
    )


def report_months(episodes: pl.DataFrame, start: date | None, end: date | None) -> pl.DataFrame:
    """The months reported on (month, month_end): from start to end, each defaulting to the episodes' span."""
    if start is None or end is None:
        bounds = episodes.select(
            pl.col("absence_start").min().alias("lo"),
            pl.max_horizontal(pl.col("absence_end").max(), pl.col("absence_start").max()).alias("hi"),
        ).row(0)
        if bounds[0] is None:
            raise UserInputError("no absence episodes, and no period given to report on")
        start = start or bounds[0]
        end = end or bounds[1]
    assert start is not None and end is not None
    if end < start:
        raise UserInputError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    first, last = month_start(start), month_start(end)
    return pl.DataFrame({"month": pl.date_range(first, last, interval="1mo", eager=True)}).with_columns(
        pl.col("month").dt.month_end().alias("month_end")
    )


def fte_days_available(assign: pl.DataFrame, months: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """Every assignment x month it overlaps, weighted by its FTE: fte_days_available and headcount."""
    return (
        assign.join(months, how="cross")
        .with_columns(
            _overlap_days(
                pl.col("post_start"), pl.col("post_end"), pl.col("month"), pl.col("month_end")
            ).alias("days_in_post")
        )
        .filter(pl.col("days_in_post") > 0)
        .group_by(["month", *dims])
        .agg(
            (pl.col("fte") * pl.col("days_in_post")).sum().alias("fte_days_available"),
            pl.col("staff_key").n_unique().alias("headcount"),
        )
    )


def fte_days_lost(
    episodes: pl.DataFrame, assign: pl.DataFrame, months: pl.DataFrame, dims: list[str]
) -> pl.DataFrame:
    """Each episode clipped to the assignment's time in post and to the period, then split by month:
    fte_days_lost and staff_absent."""
    first = months["month"].min()
    period_end = months["month_end"].max()
    return (
        episodes.select("assignment_key", "absence_start", pl.col("absence_end").fill_null(period_end))
        .join(assign, on="assignment_key", how="inner")
        .with_columns(
            pl.max_horizontal("absence_start", "post_start", pl.lit(first)).alias("a"),
            pl.min_horizontal("absence_end", "post_end", pl.lit(period_end)).alias("b"),
        )
        .filter(pl.col("b") >= pl.col("a"))
        .with_columns(
            pl.date_ranges(pl.col("a").dt.month_start(), pl.col("b").dt.month_start(), interval="1mo").alias(
                "month"
            )
        )
        .explode("month")
        .with_columns(pl.col("month").dt.month_end().alias("month_end"))
        .with_columns(
            _overlap_days(pl.col("a"), pl.col("b"), pl.col("month"), pl.col("month_end")).alias("days")
        )
        .group_by(["month", *dims])
        .agg(
            (pl.col("fte") * pl.col("days")).sum().alias("fte_days_lost"),
            pl.col("staff_key").n_unique().alias("staff_absent"),
        )
    )


def _overlap_days(a0: pl.Expr, a1: pl.Expr, b0: pl.Expr, b1: pl.Expr) -> pl.Expr:
    """Calendar days (both ends counted) shared by [a0, a1] and [b0, b1]; 0 where they do not meet."""
    days = (pl.min_horizontal(a1, b1) - pl.max_horizontal(a0, b0)).dt.total_days() + 1
    return pl.when(days > 0).then(days).otherwise(0)


class _EpisodeProblems:
    """Problems with absence episodes, each located by its spreadsheet row and the user's column name."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    @staticmethod
    def show(row: dict[str, Any], key: str) -> str:
        """A key as the extract gave it, where its original staff_id / assignment_id column is still there."""
        raw = USER_COLUMN.get(key)
        value = row.get(raw) if raw and raw in row and row.get(raw) is not None else row.get(key)
        return "" if value is None else str(value)

    def add(
        self,
        row: dict[str, Any],
        column: str,
        message: str,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(
                message,
                file=self.file,
                row=int(row["_row"]),
                column=USER_COLUMN.get(column, column),
                value=None if value is None else str(value),
                expected=expected,
            )
        )


def validate_absences(
    episodes: pl.DataFrame, assignments: pl.DataFrame, *, file: str | None = None
) -> list[Problem]:
    """Every problem with the absence episodes, located by row as a spreadsheet shows them (header = row 1).

    Checks: required columns and start dates present; end not before start; staff known; assignment known and
    the staff member's; absence within the assignment's time in post (not before its start, not after its
    end); no two absences of one assignment overlapping. Values are shown as the extract gave them where its
    original staff_id / assignment_id columns are still in the frame.
    """
    missing = [c for c in ABSENCE_REQUIRED if c not in episodes.columns]
    if missing:
        return [
            Problem(f"column {USER_COLUMN.get(c, c)} is missing", file=file, column=USER_COLUMN.get(c, c))
            for c in missing
        ]
    out = _EpisodeProblems(file)
    ep = episodes.with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))
    check_episode_dates(ep, out)
    assign = _one_row_per_assignment(assignments).select(
        pl.col("assignment_key"),
        pl.col("staff_key").alias("_owner"),
        pl.col("start_date").alias("_post_start"),
        pl.col("end_date").alias("_post_end"),
    )
    known_staff = assignments.select(pl.col("staff_key").unique()).with_columns(pl.lit(True).alias("_known"))
    ep = ep.join(known_staff, on="staff_key", how="left").join(assign, on="assignment_key", how="left")
    check_owners(ep, out)
    placed = ep.filter((pl.col("_owner") == pl.col("staff_key")) & pl.col("absence_start").is_not_null())
    check_time_in_post(placed, out)
    check_overlaps(placed, out)
    problems = out.problems
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return problems


def check_episode_dates(ep: pl.DataFrame, out: _EpisodeProblems) -> None:
    """A start date present, and an end not before the start."""
    for r in ep.filter(pl.col("absence_start").is_null()).iter_rows(named=True):
        out.add(r, "absence_start", "no absence start date", expected="a date")
    for r in ep.filter(pl.col("absence_end") < pl.col("absence_start")).iter_rows(named=True):
        out.add(
            r,
            "absence_end",
            f"absence ends before it starts ({r['absence_start']})",
            r["absence_end"],
            "a date on or after absence_start",
        )


def check_owners(ep: pl.DataFrame, out: _EpisodeProblems) -> None:
    """The staff member is known, and so is the assignment, and it is theirs."""
    for r in ep.filter(pl.col("_known").is_null()).iter_rows(named=True):
        out.add(
            r,
            "staff_key",
            "unknown staff: not in any loaded staff or leaver record",
            out.show(r, "staff_key"),
        )
    known = ep.filter(pl.col("_known").is_not_null())
    for r in known.filter(pl.col("_owner").is_null()).iter_rows(named=True):
        out.add(
            r,
            "assignment_key",
            "unknown assignment: not in any loaded staff record",
            out.show(r, "assignment_key"),
        )
    for r in known.filter(
        pl.col("_owner").is_not_null() & (pl.col("_owner") != pl.col("staff_key"))
    ).iter_rows(named=True):
        out.add(
            r,
            "assignment_key",
            "the assignment belongs to another member of staff",
            out.show(r, "assignment_key"),
        )


def check_time_in_post(placed: pl.DataFrame, out: _EpisodeProblems) -> None:
    """The absence lies within the assignment's time in post: not before its start, not after its end."""
    for r in placed.filter(pl.col("absence_start") < pl.col("_post_start")).iter_rows(named=True):
        out.add(
            r,
            "absence_start",
            f"absence starts before the assignment did ({r['_post_start']})",
            r["absence_start"],
            f"a date on or after {r['_post_start']}",
        )
    after = placed.filter(
        pl.col("_post_end").is_not_null()
        & (pl.col("absence_end").is_null() | (pl.col("absence_end") > pl.col("_post_end")))
    )
    for r in after.iter_rows(named=True):
        out.add(
            r,
            "absence_end",
            f"absence runs past the end of the assignment ({r['_post_end']})",
            r["absence_end"] if r["absence_end"] is not None else "(ongoing)",
            f"a date on or before {r['_post_end']}",
        )


def check_overlaps(placed: pl.DataFrame, out: _EpisodeProblems) -> None:
    """No two absences of one assignment overlap. In start order within an assignment, an absence that starts
    on or before the latest end so far overlaps the absence holding that end (named by its row, so both can
    be found)."""
    ordered = (
        placed.with_columns(pl.col("absence_end").fill_null(OPEN_END).alias("_end"))
        .sort(["assignment_key", "absence_start", "_row"])
        .with_columns(pl.col("_end").cum_max().over("assignment_key").alias("_max_end"))
        .with_columns(
            pl.when(pl.col("_end") == pl.col("_max_end"))
            .then(pl.col("_row"))
            .forward_fill()
            .over("assignment_key")
            .alias("_max_row"),
        )
        .with_columns(
            pl.col("_max_end").shift(1).over("assignment_key").alias("_prev_end"),
            pl.col("_max_row").shift(1).over("assignment_key").alias("_prev_row"),
        )
    )
    for r in ordered.filter(pl.col("absence_start") <= pl.col("_prev_end")).iter_rows(named=True):
        out.add(
            r,
            "absence_start",
            f"overlaps the absence on row {r['_prev_row']:,} of the same assignment",
            r["absence_start"],
            "absences of one assignment not to overlap",
        )


def check_absences(
    episodes: pl.DataFrame, assignments: pl.DataFrame, *, file: str | None = None, cap: int = MAX_PROBLEMS
) -> None:
    """Raise UserInputError with every problem found (capped, with the total) if any episode is not valid."""
    problems = validate_absences(episodes, assignments, file=file)
    if problems:
        raise UserInputError(problems[:cap], total=len(problems))
