"""Read a CSV or XLSX file into a frame of strings, whatever its encoding or delimiter.

Every column is read as text so that validation, not the parser, decides what is wrong, and can say where.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from hcsworkforce.errors import Problem, UserInputError

ROW_COL = "__row"  # the row number as a spreadsheet shows it (header = 1)


@dataclass
class RawTable:
    frame: pl.DataFrame  # all String columns plus ROW_COL
    headers: list[str]
    file: str
    encoding: str
    delimiter: str | None
    # Title lines before the header row (ESR reports carry the report's name and date there).
    preamble: list[str] = field(default_factory=list)


# Tells whether a row of fields is the header row; read_table looks this far down for it.
HeaderTest = Callable[[list[str]], bool]
MAX_TITLE_LINES = 20


def _decode(data: bytes) -> tuple[bytes, str]:
    """UTF-8 (with or without BOM) passes through; anything else is read as Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:], "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return text.encode("utf-8"), "utf-16"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace").encode("utf-8"), "windows-1252"


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head


def _header_line(lines: list[str], is_header: HeaderTest) -> int:
    """The index of the header among the first lines; 0 when none passes the test (the first line is the header)."""
    for i, line in enumerate(lines[:MAX_TITLE_LINES]):
        fields = next(csv.reader([line], delimiter=_sniff_delimiter(line)), [])
        if is_header([f.strip() for f in fields]):
            return i
    return 0


def read_table(path: Path, display_name: str | None = None, is_header: HeaderTest | None = None) -> RawTable:
    """Every column as text, with the spreadsheet row number in ROW_COL.

    With `is_header`, title lines before the header row are skipped (kept in `preamble`), and row numbers
    still count them, so that they match what a spreadsheet shows.
    """
    name = display_name or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=name)) from None
    except IsADirectoryError:
        raise UserInputError(Problem("is a folder, not a file", file=name)) from None
    if not data.strip():
        raise UserInputError(Problem("the file is empty", file=name, expected="a header row and data rows"))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, name, is_header)
    if _looks_binary(data):
        raise UserInputError(
            Problem(
                "this is not a table: the file holds binary data", file=name, expected="a CSV or XLSX file"
            )
        )
    body, encoding = _decode(data)
    skip, preamble = 0, []
    if is_header is not None:
        head = body[:65536].decode("utf-8", errors="replace").splitlines()
        skip = _header_line(head, is_header)
        if skip:
            preamble = [ln.strip().strip(",;\t|").strip().strip('"') for ln in head[:skip]]
            body = b"\n".join(body.split(b"\n")[skip:])
    first_line = body.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = _sniff_delimiter(first_line)
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator=delimiter,
            infer_schema=False,
            has_header=True,
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise UserInputError(
            Problem("the file is empty", file=name, expected="a header row and data rows")
        ) from None
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as e:
        raise _ragged_problem(body, delimiter, name, str(e), skip) from None
    headers = list(frame.columns)
    if len(headers) == 1 and not re.search(r"[A-Za-z]", headers[0] or ""):
        raise UserInputError(Problem("this is not a table: no header row found", file=name))
    frame = frame.with_row_index(ROW_COL, offset=2 + skip).with_columns(pl.col(ROW_COL).cast(pl.Int64))
    return RawTable(
        frame=frame, headers=headers, file=name, encoding=encoding, delimiter=delimiter, preamble=preamble
    )


def _ragged_problem(body: bytes, delimiter: str, name: str, detail: str, skip: int = 0) -> UserInputError:
    """Find the first row whose field count differs from the header's, to say where the file breaks."""
    reader = csv.reader(io.StringIO(body.decode("utf-8", errors="replace")), delimiter=delimiter)
    try:
        header = next(reader)
        for i, row in enumerate(reader, start=2 + skip):
            if row and len(row) != len(header):
                return UserInputError(
                    Problem(
                        f"this row has {len(row)} fields but the header has {len(header)}",
                        file=name,
                        row=i,
                        expected=f"{len(header)} fields separated by {delimiter!r}",
                    )
                )
    except csv.Error as e:
        return UserInputError(Problem(f"this is not a readable table: {e}", file=name))
    return UserInputError(
        Problem(f"this is not a readable table ({detail.splitlines()[0][:200]})", file=name)
    )


def _read_xlsx(path: Path, name: str, is_header: HeaderTest | None = None) -> RawTable:
    try:
        frame = pl.read_excel(path, sheet_id=1, engine="calamine", infer_schema_length=0)
        skip, preamble = 0, list[str]()
        if is_header is not None and not is_header([str(c) for c in frame.columns]):
            skip, preamble, frame = _xlsx_header(path, is_header)
    except Exception as e:  # calamine raises its own error types for broken workbooks
        raise UserInputError(
            Problem(f"this is not a readable XLSX workbook ({type(e).__name__})", file=name)
        ) from None
    if frame.width == 0:
        raise UserInputError(
            Problem("the first sheet is empty", file=name, expected="a header row and data rows")
        )
    # Dates and numbers come typed from a workbook: give them the text form a CSV would have.
    casts = []
    for col, dtype in frame.schema.items():
        if dtype == pl.Date or dtype == pl.Datetime:
            casts.append(pl.col(col).dt.strftime("%Y-%m-%d"))
        elif dtype != pl.String:
            casts.append(pl.col(col).cast(pl.String))
    if casts:
        frame = frame.with_columns(casts)
    headers = list(frame.columns)
    frame = frame.with_row_index(ROW_COL, offset=2 + skip).with_columns(pl.col(ROW_COL).cast(pl.Int64))
    return RawTable(
        frame=frame, headers=headers, file=name, encoding="xlsx", delimiter=None, preamble=preamble
    )


def _xlsx_header(path: Path, is_header: HeaderTest) -> tuple[int, list[str], pl.DataFrame]:
    """Find the header row below a workbook's title rows; (rows skipped, their text, the table)."""
    bare = pl.read_excel(
        path, sheet_id=1, engine="calamine", has_header=False, infer_schema_length=0, drop_empty_rows=False
    )
    for i, row in enumerate(bare.head(MAX_TITLE_LINES).iter_rows()):
        cells = ["" if v is None else str(v).strip() for v in row]
        if is_header(cells):
            preamble = [" ".join(str(v) for v in r if v not in (None, "")) for r in bare.head(i).iter_rows()]
            body = bare.slice(i + 1)
            names = [c or f"column_{j + 1}" for j, c in enumerate(cells)]
            return i, [p for p in preamble if p], body.rename(dict(zip(body.columns, names, strict=True)))
    return 0, [], pl.read_excel(path, sheet_id=1, engine="calamine", infer_schema_length=0)
