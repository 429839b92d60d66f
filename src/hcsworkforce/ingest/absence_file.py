"""Validate a sickness absence extract (staff_id, assignment_id, absence_start, absence_end, reason) against
the census it belongs to. Reading and checking only: services/absence.py loads a valid file into the store.

Checks run over the whole file at once and every problem is reported (capped, with the total), located as a
spreadsheet shows it: the file's own checks (dates that do not parse, empty staff ids) here, and the checks
against the census's staff (unknown staff or assignment, absence outside the assignment's time in post,
overlapping absences) in ``analytics.absence.validate_absences``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import polars as pl

from hcsworkforce.analytics.absence import validate_absences
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.dates import DATE_EXPECTED, parse_dates
from hcsworkforce.ingest.extract import (
    EXTRACT_ALIASES,
    MAX_PROBLEMS_LISTED,
    Problems,
    map_columns_multi,
)
from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
from hcsworkforce.ingest.reader import ROW_COL, RawTable, read_table

ABSENCE_ALIASES: dict[str, tuple[str, ...]] = {
    "staff_id": EXTRACT_ALIASES["staff_id"],
    "assignment_id": EXTRACT_ALIASES["assignment_id"],
    "absence_start": (
        "absence_start",
        "absence_start_date",
        "start_date",
        "first_day_of_absence",
        "first_day_absent",
        "date_from",
        "from",
        "start",
    ),
    "absence_end": (
        "absence_end",
        "absence_end_date",
        "end_date",
        "last_day_of_absence",
        "last_day_absent",
        "date_to",
        "to",
        "end",
    ),
    # ESR writes both Absence Reason ("S10 Anxiety/stress/depression") and Absence Type ("Sickness"): the
    # reason is kept, the type fills it where the reason is blank.
    "reason": ("reason", "absence_reason", "sickness_reason", "sickness_absence_reason", "absence_type"),
}
REQUIRED = ("staff_id", "absence_start")


def _blank_to_null(f: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    f = f.with_columns(pl.col(c).str.strip_chars() for c in cols)
    return f.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in cols)


def validate_absence_file(raw: RawTable, assignments: pl.DataFrame, key: bytes | None = None) -> pl.DataFrame:
    """Every problem in the file at once (UserInputError), or the episodes with pseudonymised keys."""
    problems = Problems(raw.file)
    multi = map_columns_multi(raw, ABSENCE_ALIASES)
    cols = {c: hs[0] for c, hs in multi.items()}
    for c in REQUIRED:
        if c not in cols:
            problems.add(
                Problem(
                    f"required column {c} is missing",
                    file=raw.file,
                    row=1,
                    column=c,
                    expected=f"a header such as {', '.join(repr(a) for a in ABSENCE_ALIASES[c][:3])}; "
                    f"found {', '.join(repr(h) for h in raw.headers[:12])}",
                )
            )
    problems.raise_if_any()
    f = raw.frame.select(
        ROW_COL, *(pl.col(h).alias(f"{c}#{i}") for c, hs in multi.items() for i, h in enumerate(hs))
    )
    f = _blank_to_null(f, [c for c in f.columns if c != ROW_COL])
    # Two headers of one meaning: the first in alias order wins, the next fills it where blank.
    f = f.select(
        ROW_COL, *(pl.coalesce(*(f"{c}#{i}" for i in range(len(hs)))).alias(c) for c, hs in multi.items())
    )
    data_cols = [c for c in f.columns if c != ROW_COL]
    f = f.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in data_cols))
    for c in ABSENCE_ALIASES:
        if c not in f.columns:
            f = f.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    if f.height == 0:
        raise UserInputError(
            Problem("the file has a header but no data rows", file=raw.file, expected="one row per absence")
        )
    label = {c: cols.get(c, c) for c in ABSENCE_ALIASES}
    f = f.with_columns(
        pl.coalesce(pl.col("assignment_id"), pl.col("staff_id")).alias("assignment_id"),
        parse_dates(f, "absence_start").alias("absence_start_d"),
        parse_dates(f, "absence_end").alias("absence_end_d"),
    )
    reported: set[tuple[int, str]] = set()

    def bad(mask: pl.Expr, col: str, message: str, expected: str) -> None:
        rows = f.filter(mask).select(ROW_COL, pl.col(col).alias("value"))
        problems.add_rows(rows, label[col], message, expected)
        reported.update((int(r), col) for r in rows[ROW_COL].to_list())

    bad(pl.col("staff_id").is_null(), "staff_id", "staff_id is empty", "the employee number")
    bad(pl.col("absence_start").is_null(), "absence_start", "absence_start is empty", "a date")
    bad(
        pl.col("absence_start").is_not_null() & pl.col("absence_start_d").is_null(),
        "absence_start",
        "is not a date",
        DATE_EXPECTED,
    )
    bad(
        pl.col("absence_end").is_not_null() & pl.col("absence_end_d").is_null(),
        "absence_end",
        "is not a date",
        DATE_EXPECTED + ", or blank while the absence goes on",
    )

    # The census checks see the rows that have a staff id, in file order; their problems are mapped back to
    # the file's own row numbers (blank lines were dropped above).
    known = f.filter(pl.col("staff_id").is_not_null())
    key = load_key() if key is None else key
    ids = known["staff_id"].unique().to_list()
    staff_map = dict(zip(ids, pseudonymise(ids, key), strict=True))
    pairs = known.select(
        pl.concat_str(pl.col("staff_id"), pl.lit("\x1f"), pl.col("assignment_id")).alias("p")
    )["p"]
    uniq = pairs.unique().to_list()
    pair_map = dict(zip(uniq, pseudonymise(uniq, key), strict=True))
    episodes = known.select(
        pl.col("staff_id").replace_strict(staff_map, return_dtype=pl.String).alias("staff_key"),
        pairs.replace_strict(pair_map, return_dtype=pl.String).alias("assignment_key"),
        pl.col("absence_start_d").alias("absence_start"),
        pl.col("absence_end_d").alias("absence_end"),
        pl.col("reason"),
        pl.col("staff_id"),
        pl.col("assignment_id"),
        pl.col(ROW_COL),
    )
    rows = episodes[ROW_COL].to_list()

    def file_row(k: int) -> int:
        return int(rows[k - 2]) if 2 <= k < len(rows) + 2 else k

    def remap(text: str) -> str:
        return re.sub(r"row ([\d,]+)", lambda m: f"row {file_row(int(m.group(1).replace(',', ''))):,}", text)

    for p in validate_absences(episodes.drop(ROW_COL), assignments, file=raw.file):
        row = file_row(p.row) if p.row is not None else None
        if row is not None and p.column is not None and (row, p.column) in reported:
            continue  # already said more precisely (a date that does not parse)
        column = label.get(p.column, p.column) if p.column else None
        problems.add(replace(p, row=row, column=column, message=remap(p.message)))
    problems.raise_if_any()
    return episodes.drop(ROW_COL, "staff_id", "assignment_id")


def read_absence_file(path: Path, assignments: pl.DataFrame, display_name: str | None = None) -> pl.DataFrame:
    """Read an absence extract (CSV or XLSX) and check it against the census's assignments: the episodes with
    pseudonymised keys, or every problem at once (UserInputError)."""
    return validate_absence_file(read_table(path, display_name or path.name), assignments)


__all__ = [
    "ABSENCE_ALIASES",
    "MAX_PROBLEMS_LISTED",
    "read_absence_file",
    "validate_absence_file",
]
