"""Readers of the public NHS statistics, imported as published: workforce statistics, staff turnover,
sickness absence rates and the Staff Survey detailed spreadsheets (and etr.csv, the ODS trusts file).

`read_published` finds the table in a CSV or XLSX file, tells the publication and layout from its headers (or
takes `kind`), validates every row (every problem at once, located by file, sheet, row, column and value) and
returns what to store, one frame per publication, with the period each row reports. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published import sickness, survey, turnover, workforce
from hcsworkforce.ingest.published.common import (
    Table,
    file_sha256,
    find_header,
    is_workbook,
    norm_header,
    period_from_name,
    read_csv_table,
    read_sheets,
    sheet_label,
    table_from_rows,
)

KINDS = ("workforce", "turnover", "sickness", "survey")
PUBLICATIONS = {
    "workforce": "NHS Workforce Statistics",
    "turnover": "NHS staff turnover",
    "sickness": "NHS Sickness Absence Rates",
    "survey": "NHS Staff Survey",
}
KIND_ALIASES = {
    "workforce_statistics": "workforce",
    "nhs_workforce_statistics": "workforce",
    "staff": "workforce",
    "leavers": "turnover",
    "sickness_absence": "sickness",
    "absence": "sickness",
    "staff_survey": "survey",
}


@dataclass
class PublishedFile:
    """One validated file of a publication: its rows, with the periods they report."""

    kind: str
    layout: str
    publication: str
    source_file: str
    file_sha256: str
    rows: pl.DataFrame  # the kind's SCHEMA; a `period` (Date) column, or `year` for the survey
    suppressed_cells: int
    period_source: str  # "file" (a column), "file name", or "--period"
    notes: list[str] = field(default_factory=list)
    survey_results: list[dict[str, Any]] = field(default_factory=list)

    def periods(self) -> list[date]:
        if self.kind == "survey":
            return sorted({date(int(y), 12, 31) for y in self.rows["year"].unique().to_list()})
        return sorted(d for d in self.rows["period"].unique().to_list() if d is not None)


def check_kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    k = kind.strip().lower().replace("-", "_").replace(" ", "_")
    k = KIND_ALIASES.get(k, k)
    if k not in KINDS:
        raise UserInputError(
            Problem(
                "is not a kind of published statistics",
                column="--kind",
                value=kind,
                expected=", ".join(KINDS),
            )
        )
    return k


def _detect(headers: list[str]) -> tuple[str, str] | None:
    for kind, probe in (
        ("sickness", sickness.matches),
        ("turnover", turnover.matches),
        ("workforce", workforce.matches),
    ):
        layout = probe(headers)
        if layout is not None:
            return kind, layout
    return None


def _tabular_accept(cells: set[str]) -> bool:
    return _detect(sorted(cells)) is not None


def _find_table(path: Path, name: str) -> tuple[Table, str, str] | None:
    """The first table in the file that is one of the tabular layouts, with its kind and layout."""
    if not is_workbook(path):
        t = read_csv_table(path, name)
        got = _detect(t.headers)
        return (t, *got) if got else None
    for sheet, rows in read_sheets(path, name):
        hi = find_header(rows, _tabular_accept)
        if hi is not None:
            t = table_from_rows(rows, hi, sheet_label(name, sheet), sheet)
            got = _detect(t.headers)
            if got:
                return (t, *got)
    return None


def read_published(
    path: Path,
    *,
    kind: str | None = None,
    period: date | None = None,
    trusts: dict[str, Any] | None = None,
    display_name: str | None = None,
    publication: str | None = None,
) -> PublishedFile:
    """Validate one published file completely; raise UserInputError with every problem, or return it all.

    `period` names the month (or survey year) for a file that does not say; where the file says, the file's
    own period is used and a different `period` is refused rather than silently preferred. `trusts` (ODS code
    -> reference.Organisation) gives each organisation its region where the file does not (default: the
    shipped list; store.published.effective_trusts gives the refreshed one).
    """
    name = display_name or path.name
    wanted = check_kind(kind)
    trusts = reference.trusts() if trusts is None else trusts
    if not path.exists():
        raise UserInputError(Problem("file not found", file=name))
    sha = file_sha256(path)
    if wanted == "survey" or (wanted is None and is_workbook(path) and _is_survey(path, name)):
        return _read_survey(path, name, sha, period, publication)
    found = _find_table(path, name)
    if found is None:
        expected = {
            None: "the headers of NHS Workforce Statistics (FTE, HEADCOUNT, staff group), staff turnover (LEAVERS, "
            "DENOMINATOR), sickness absence (FTE_DAYS_LOST, FTE_DAYS_AVAILABLE) or a Staff Survey detailed spreadsheet",
            "workforce": "FTE or HEADCOUNT with MAIN_STAFF_GROUP / STAFF_GROUP_1 / STAFF_GROUP_2",
            "turnover": "LEAVERS and DENOMINATOR columns with a STAFF_GROUP",
            "sickness": "FTE_DAYS_LOST and FTE_DAYS_AVAILABLE columns",
        }[wanted]
        raise UserInputError(
            Problem("the layout of this file is not one we know", file=name, row=1, expected=expected)
        )
    table, got_kind, layout = found
    if wanted is not None and got_kind != wanted:
        raise UserInputError(
            Problem(
                f"--kind {wanted} was given but the headers are those of {PUBLICATIONS[got_kind]}",
                file=table.file,
                row=table.header_row,
                expected=f"a {PUBLICATIONS[wanted]} file, or --kind {got_kind}",
            )
        )
    period_source = "file"
    if period is None and got_kind == "sickness" and layout == "breakdowns":
        period = period_from_name(name)
        period_source = "file name" if period else period_source
    elif period is not None:
        period_source = "--period"
    if got_kind == "workforce":
        rows = workforce.read(table, layout, period, trusts)
        cells = workforce.suppressed_cells(rows)
    elif got_kind == "turnover":
        rows = turnover.read(table, period, trusts)
        cells = turnover.suppressed_cells(rows)
    else:
        rows = sickness.read(table, layout, period, trusts)
        cells = sickness.suppressed_cells(rows)
    _check_period_option(rows, period, period_source, table)
    if _has_period_column(table, got_kind):
        period_source = "file"
    notes = _region_notes(rows)
    return PublishedFile(
        got_kind, layout, publication or PUBLICATIONS[got_kind], name, sha, rows, cells, period_source, notes
    )


def _has_period_column(table: Table, kind: str) -> bool:
    heads = {norm_header(h) for h in table.headers}
    probes = {
        "workforce": workforce.ALIASES["data_month"],
        "turnover": turnover.ALIASES["period"],
        "sickness": sickness.ALIASES["date"],
    }[kind]
    names = {"workforce": "DATA_MONTH", "turnover": "PERIOD", "sickness": "DATE"}[kind]
    return bool(heads & {norm_header(p) for p in (names, *probes)})


def _check_period_option(rows: pl.DataFrame, period: date | None, source: str, table: Table) -> None:
    """A --period that disagrees with the file's own period column is refused, never silently preferred."""
    if period is None or source != "--period" or "period" not in rows.columns or not rows.height:
        return
    other = sorted(
        {
            d
            for d in rows["period"].to_list()
            if d is not None and (d.year, d.month) != (period.year, period.month)
        }
    )
    if other:
        raise UserInputError(
            Problem(
                f"--period {period:%Y-%m} was given but the file reports {', '.join(f'{d:%Y-%m}' for d in other[:5])}",
                file=table.file,
                expected="no --period (the file's own period is used), or the period the file reports",
            )
        )


def _region_notes(rows: pl.DataFrame) -> list[str]:
    if "region_code" not in rows.columns or "region_name" not in rows.columns:
        return []
    unknown = rows.filter(pl.col("region_code").is_null() & pl.col("region_name").is_not_null())
    if not unknown.height:
        return []
    names = sorted(set(unknown["region_name"].to_list()))
    return [
        f"{unknown.height:,} rows name a region that is not one of NHS England's seven: {', '.join(names[:5])}"
    ]


def _is_survey(path: Path, name: str) -> bool:
    return any(find_header(rows, survey.is_survey_header) is not None for _, rows in read_sheets(path, name))


def _read_survey(
    path: Path, name: str, sha: str, period: date | None, publication: str | None
) -> PublishedFile:
    if not is_workbook(path):
        raise UserInputError(
            Problem(
                "the Staff Survey detailed spreadsheets are workbooks", file=name, expected="an .xlsx file"
            )
        )
    sheets = read_sheets(path, name)
    rows, notes = survey.read(name, sheets, period)
    results, more = survey.survey_rows(rows)
    return PublishedFile(
        "survey",
        "detailed_spreadsheets",
        publication or PUBLICATIONS["survey"],
        name,
        sha,
        rows,
        survey.suppressed_cells(rows),
        "--period" if period else "file",
        notes + more,
        results,
    )
