"""What the readers of published NHS statistics share: finding the table in a CSV or XLSX file, matching the
publication's header names, reading numbers that may be suppressed, and reading the period.

Every cell is read as text so that validation decides what is wrong and says where: the file (and sheet), the
row as the spreadsheet shows it, the column as the file names it, the value, and what was expected.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.reader import ROW_COL, check_workbook, read_table

MAX_PROBLEMS = 50

# How the NHS publications mark a figure they withhold: '*' and '-' (NHS England workforce and turnover
# tables, the Staff Survey), '..' and ':' (ONS-style tables), '[c]' / '[x]' / '[z]' (the Analysis Function's
# markers). A blank numeric cell is also a withheld figure (the sickness absence CSVs blank organisations with
# 330 FTE days available or fewer). None of these is ever read as 0.
SUPPRESSION_MARKS = frozenset({"*", "-", "..", ":", "[c]", "[x]", "[z]", "c", "x", "~", "n/a", "na", "#"})

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for m in names
}


def norm_header(text: str | None) -> str:
    """'Org code', 'ORG_CODE' and 'org-code ' all become 'ORG_CODE'; '&' reads as AND."""
    t = (text or "").replace("&", " and ").replace("%", " pct ")
    return "_".join(re.sub(r"[^A-Za-z0-9]+", " ", t).upper().split())


def norm_label(text: str | None) -> str:
    """A published label folded for comparison: case, '&'/'and', punctuation and spacing ignored."""
    t = (text or "").lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Table:
    """One table found in a file: its header and its data rows as text, each with the row number the user
    sees in a spreadsheet (a CSV's header is row 1; in a workbook, the sheet's own row numbers)."""

    file: str  # as shown to the user: the file name, and the sheet where it is a workbook
    headers: list[str]
    header_row: int
    frame: pl.DataFrame  # String columns named as `headers`, plus ROW_COL
    sheet: str | None = None
    above: list[str] = field(
        default_factory=list
    )  # text of the rows above the header (titles, question text)


def is_workbook(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


def read_csv_table(path: Path, display_name: str) -> Table:
    raw = read_table(path, display_name)
    return Table(raw.file, raw.headers, 1, raw.frame)


def read_sheets(path: Path, display_name: str) -> list[tuple[str, list[list[str | None]]]]:
    """Every sheet of a workbook as rows of text cells, row 1 first (leading blank rows kept, so that a row's
    index + 1 is the row number the spreadsheet shows)."""
    check_workbook(path, display_name)
    try:
        book = fastexcel.read_excel(str(path))
        out = []
        for name in book.sheet_names:
            sheet = book.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            df = sheet.to_polars()
            out.append((name, [list(r) for r in df.iter_rows()]))
        return out
    except Exception as e:  # calamine raises its own error types for broken workbooks
        raise UserInputError(
            Problem(f"this is not a readable XLSX workbook ({type(e).__name__})", file=display_name)
        ) from None


def table_from_rows(rows: list[list[str | None]], header_index: int, file: str, sheet: str | None) -> Table:
    """The rows below `header_index` (0-based) as a Table; blank header cells become Column N."""
    raw_headers = rows[header_index]
    headers: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(raw_headers):
        name = (h or "").strip() or f"Column {i + 1}"
        while name in seen:
            name = f"{name} ({i + 1})"
        seen.add(name)
        headers.append(name)
    body = []
    for k, r in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = [(c.strip() if isinstance(c, str) else c) for c in r]
        if all(c in (None, "") for c in cells):
            continue
        body.append([*cells[: len(headers)], *([None] * (len(headers) - len(cells))), k])
    schema: dict[str, Any] = {h: pl.String for h in headers}
    schema[ROW_COL] = pl.Int64
    frame = pl.DataFrame(body, schema=schema, orient="row")
    above = [" ".join(str(c) for c in r if c) for r in rows[:header_index]]
    return Table(file, headers, header_index + 1, frame, sheet, [a for a in above if a])


def sheet_label(file: str, sheet: str) -> str:
    return f"{file}, sheet '{sheet}'"


def find_header(
    rows: list[list[str | None]], accept: Callable[[set[str]], bool], limit: int = 30
) -> int | None:
    """The index of the first of the top `limit` rows whose normalised cells pass `accept`."""
    for i, r in enumerate(rows[:limit]):
        cells = {norm_header(c) for c in r if c}
        if cells and accept(cells):
            return i
    return None


class Collector:
    """Problems found so far, capped for display but counted in full."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def add(
        self,
        message: str,
        *,
        file: str,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.total += 1
        if len(self.problems) < MAX_PROBLEMS:
            shown = value if value is None or len(value) <= 60 else value[:57] + "..."
            self.problems.append(Problem(message, file, row, column, shown, expected))

    def raise_if_any(self) -> None:
        if self.total:
            raise UserInputError(self.problems, total=self.total)


def map_columns(headers: Sequence[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical field -> the file's header, matching normalised names (the first header that matches wins)."""
    lookup: dict[str, str] = {}
    for canon, names in aliases.items():
        for n in (canon, *names):
            lookup.setdefault(norm_header(n), canon)
    found: dict[str, str] = {}
    for h in headers:
        hit = lookup.get(norm_header(h))
        if hit is not None and hit not in found:
            found[hit] = h
    return found


def require_columns(
    found: dict[str, str], required: Sequence[str], aliases: dict[str, tuple[str, ...]], file: str, row: int
) -> None:
    missing = [c for c in required if c not in found]
    if missing:
        raise UserInputError(
            [
                Problem(
                    f"column {c.upper()} is missing",
                    file=file,
                    row=row,
                    column=c.upper(),
                    expected="a header named " + " or ".join((c.upper(), *aliases.get(c, ())[:2])),
                )
                for c in missing
            ]
        )


@dataclass(frozen=True)
class Number:
    value: float | None
    suppressed: bool


def read_number(
    text: str | None,
    bad: Collector,
    *,
    file: str,
    row: int,
    column: str,
    low: float = 0.0,
    high: float | None = None,
    whole: bool = False,
    what: str = "a number, 0 or more",
) -> Number | None:
    """A published figure: a number, or a suppression mark (kept as suppressed, never 0). None when bad."""
    t = (text or "").strip()
    if t == "" or t.lower() in SUPPRESSION_MARKS:
        return Number(None, True)
    try:
        v = float(t.replace(",", "").rstrip("%"))
    except ValueError:
        bad.add("is not a number", file=file, row=row, column=column, value=t, expected=what)
        return None
    if v != v or v < low or (high is not None and v > high) or (whole and v != int(v)):
        bad.add("is out of range", file=file, row=row, column=column, value=t, expected=what)
        return None
    return Number(v, False)


def month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[ T].*)?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")
_MONTH_YEAR = re.compile(r"([A-Za-z]+)[\s\-/]*'?(\d{4}|\d{2})\b")


def parse_period(text: str | None) -> date | None:
    """A publication's month as its last day: '2024-03-31', '31/03/2024', '2024-03', 'March 2024', 'MAR-24',
    '202403' and Excel's 'YYYY-MM-DD 00:00:00'. A label naming a span ('June 2023 to June 2024') gives its
    last month. None when no month can be read."""
    t = (text or "").strip()
    if not t:
        return None
    m = _ISO.match(t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            if m.group(3):
                try:
                    return date(y, mo, int(m.group(3)))
                except ValueError:
                    return None
            return month_end(y, mo)
        return None
    m = _UK.match(t)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    if re.fullmatch(r"\d{6}", t):
        y, mo = int(t[:4]), int(t[4:])
        return month_end(y, mo) if 1 <= mo <= 12 and 2000 <= y <= 2100 else None
    if re.fullmatch(r"\d{8}", t):
        try:
            return datetime.strptime(t, "%Y%m%d").date()
        except ValueError:
            return None
    named = [(k, y) for name, y in _MONTH_YEAR.findall(t) if (k := _MONTHS.get(name.lower())) is not None]
    if named:
        mo, ys = named[-1]
        y = int(ys) + (2000 if len(ys) == 2 else 0)
        return month_end(y, mo)
    return None


def period_from_name(name: str) -> date | None:
    """A date in the file's name, as NHS England names its CSVs ('csv_absence_rates_2021-11-30.csv')."""
    m = re.search(r"(20\d\d)-(\d\d)-(\d\d)", name)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def cell(rec: dict[str, Any], cols: dict[str, str], canon: str) -> str:
    h = cols.get(canon)
    v = rec.get(h) if h else None
    return "" if v is None else str(v).strip()


def resolve_region(code: str | None, name: str | None) -> str | None:
    """An NHS England region code from a published code (Y56 ...) or name ('NORTH EAST AND YORKSHIRE',
    'London Commissioning Region'); None when neither is one of the seven regions we know."""
    regions = reference.regions()
    c = (code or "").strip().upper()
    if c in regions:
        return c
    n = norm_label(name)
    for suffix in (" commissioning region", " region"):
        n = n.removesuffix(suffix)
    for rc, rname in regions.items():
        if norm_label(rname) == n:
            return rc
    return None
