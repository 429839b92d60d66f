"""The ODS NHS trusts file, etr.csv (inside etr.zip from NHS England's Organisation Data Service downloads).

No header; 27 columns, of which we read: 1 organisation code, 2 name, 3 national grouping (the NHS England
region, Y56 ... Y63), 4 high level health geography (the ICB), 10 postcode, 11 open date and 12 close date
(YYYYMMDD, the close date blank while open). Column names as ebmdatalab/open-nhs-hospital-use-data transcribes
them from etr.pdf [P]; our shipped reference/data/trusts.csv was built from the same file.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published.common import Collector

COLUMNS = 27
SCHEMA: dict[str, Any] = {
    "ods_code": pl.String,
    "name": pl.String,
    "national_grouping": pl.String,
    "icb_code": pl.String,
    "postcode": pl.String,
    "opened": pl.Date,
    "closed": pl.Date,
    "region_code": pl.String,  # the national grouping where it is one of NHS England's seven regions
}


def _date(text: str) -> date | None:
    return datetime.strptime(text, "%Y%m%d").date()


def looks_like_etr(first_line: str) -> bool:
    fields = next(csv.reader([first_line]), [])
    return len(fields) == COLUMNS and bool(reference.ODS_CODE_RE.match(fields[0].strip().upper()))


def read_etr(path: Path, display_name: str | None = None) -> pl.DataFrame:
    """Every row validated; every problem at once, by row (row 1 is the first trust: the file has no header)."""
    name = display_name or path.name
    text = _etr_text(path, name)
    bad = Collector()
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != COLUMNS:
            _wrong_width(fields, row, name, bad)
            continue
        record = _etr_record([x.strip() for x in fields], row, name, bad, seen)
        if record is not None:
            out.append(record)
    bad.raise_if_any()
    if not out:
        raise UserInputError(
            Problem("no trusts in the file", file=name, expected="etr.csv: one NHS trust a row")
        )
    return pl.DataFrame(out, schema=SCHEMA, orient="row")


def _etr_text(path: Path, name: str) -> str:
    """The file's text (UTF-8 with a byte-order mark, else Windows-1252 as ODS writes it), checked not to be a
    zip or empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=name)) from None
    if data[:4] == b"PK\x03\x04":
        raise UserInputError(
            Problem(
                "this is a zip or workbook, not etr.csv", file=name, expected="etr.csv, unzipped from etr.zip"
            )
        )
    text = (
        data.decode("utf-8-sig", errors="replace")
        if data.startswith(b"\xef\xbb\xbf")
        else data.decode("cp1252")
    )
    if not text.strip():
        raise UserInputError(Problem("the file is empty", file=name, expected="etr.csv: one NHS trust a row"))
    return text


def _wrong_width(fields: list[str], row: int, name: str, bad: Collector) -> None:
    if row == 1 and any(f.strip().lower() in ("organisation code", "code", "name") for f in fields):
        bad.add(
            "has a header row",
            file=name,
            row=1,
            value=",".join(fields)[:60],
            expected="etr.csv as ODS publishes it: no header",
        )
    else:
        bad.add(
            f"has {len(fields)} fields",
            file=name,
            row=row,
            expected=f"{COLUMNS} comma-separated fields, as ODS publishes etr.csv",
        )


def _etr_record(
    f: list[str], row: int, name: str, bad: Collector, seen: dict[str, int]
) -> dict[str, Any] | None:
    """One trust from its (stripped) fields, or None with its problems added to `bad`."""
    before = bad.total
    code = f[0].upper()
    if not reference.ODS_CODE_RE.match(code):
        bad.add(
            "is not an ODS code",
            file=name,
            row=row,
            column="1 (organisation code)",
            value=f[0],
            expected="an ODS code such as RGT",
        )
    if not f[1]:
        bad.add("the name is empty", file=name, row=row, column="2 (name)", expected="the trust's name")
    dates = _etr_dates(f, row, name, bad)
    if code in seen:
        bad.add(
            f"repeats row {seen[code]:,}",
            file=name,
            row=row,
            column="1 (organisation code)",
            value=code,
            expected="one row per trust",
        )
    if bad.total > before:
        return None
    seen[code] = row
    grouping = f[2].upper()
    return {
        "ods_code": code,
        "name": f[1],
        "national_grouping": grouping or None,
        "icb_code": f[3].upper() or None,
        "postcode": f[9] or None,
        "opened": dates[0],
        "closed": dates[1],
        "region_code": grouping if grouping in reference.regions() else None,
    }


def _etr_dates(f: list[str], row: int, name: str, bad: Collector) -> list[date | None]:
    """Open and close dates (YYYYMMDD; the open date required, a close no earlier than it)."""
    dates: list[date | None] = []
    for col, label, required in ((10, "11 (open date)", True), (11, "12 (close date)", False)):
        if not f[col]:
            if required:
                bad.add(
                    "the open date is empty",
                    file=name,
                    row=row,
                    column=label,
                    expected="a date as YYYYMMDD",
                )
            dates.append(None)
            continue
        try:
            dates.append(_date(f[col]))
        except ValueError:
            bad.add(
                "is not a date",
                file=name,
                row=row,
                column=label,
                value=f[col],
                expected="a date as YYYYMMDD, e.g. 20170401",
            )
            dates.append(None)
    if len(dates) == 2 and dates[0] and dates[1] and dates[1] < dates[0]:
        bad.add(
            "closes before it opens",
            file=name,
            row=row,
            column="12 (close date)",
            value=f[11],
            expected=f"on or after the open date {f[10]}",
        )
    return dates
