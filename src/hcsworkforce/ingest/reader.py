"""Read a CSV or XLSX file into a frame of strings, whatever its encoding or delimiter.

Every column is read as text so that validation, not the parser, decides what is wrong, and can say where.

An XLSX workbook is a zip archive, and a few megabytes of it can expand to gigabytes: every reader of a workbook
calls `check_workbook` first, which refuses one that would expand past `max_xlsx_inflated_mb` (or whose parts
are compressed more than any real workbook is) before anything inflates it, in a few megabytes of memory.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.settings import get_settings

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
    check_workbook(path, name)
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


# -- workbook limits: checked before anything inflates a workbook ---------------------------------------------
MB = 1024 * 1024
# A real workbook's parts expand about 4 to 15 times (an ESR report's sheet saved by Excel or xlsxwriter: 10
# times; its shared strings: 7); runs of one repeated value reach 30 or so. 100 times is far past any real
# sheet and far below a decompression bomb's 1,000.
MAX_XLSX_RATIO = 100
RATIO_FLOOR = 8 * MB  # small parts (styles, themes) may compress as they like
MAX_XLSX_PARTS = 10_000  # a workbook has a dozen parts, a few hundred with many sheets
MAX_CENTRAL_DIRECTORY = 16 * MB  # the zip's table of parts, read whole by every zip reader
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_READ = MB  # bytes read, and at most bytes inflated, at a time


def xlsx_limit_mb(limit_mb: int | None = None) -> int:
    """The most a workbook may expand to, in MB: `limit_mb`, else the setting max_xlsx_inflated_mb."""
    return limit_mb if limit_mb is not None else get_settings().max_xlsx_inflated_mb


def _too_big(name: str, message: str) -> UserInputError:
    return UserInputError(Problem(message, file=name))


def _mb(size: int) -> str:
    if size < MB:
        return f"{size:,} bytes"
    return f"{size / MB:,.0f} MB" if size >= 10 * MB else f"{size / MB:,.1f} MB"


def _zip_directory(fh: io.BufferedReader, size: int) -> tuple[int, int] | None:
    """(parts, bytes) of the zip's central directory, from its end record (zip64 too); None if none is found."""
    tail_len = min(size, _EOCD.size + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return None
    _sig, _disk, _cd_disk, _here, parts, cd_size, _cd_offset, _comment = _EOCD.unpack_from(tail, at)
    if (parts == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
        sig, _disk64, z64_offset, _disks = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
        if sig == b"PK\x06\x07" and z64_offset + _ZIP64_EOCD.size <= size:
            fh.seek(z64_offset)
            record = fh.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                fields = _ZIP64_EOCD.unpack(record)
                parts, cd_size = fields[7], fields[8]
    return parts, cd_size


def check_workbook(
    path: Path, name: str | None = None, limit_mb: int | None = None, *, verify: bool = True
) -> None:
    """Refuse a workbook that would expand past the limit (UserInputError), before anything inflates it.

    Reads only the zip's table of parts: the expanded size each part declares, all parts together at most
    `limit_mb` (default the setting max_xlsx_inflated_mb), and no part over 8 MB compressed more than 100:1.
    With `verify`, each part is then inflated a megabyte at a time and counted, without keeping anything, so
    that a part expanding past the size it declares (a forged table, which the XLSX reader would believe no
    more than the declared size) is refused too. Memory stays at a few megabytes whatever the workbook."""
    name = name or path.name
    limit = xlsx_limit_mb(limit_mb) * MB
    unreadable = UserInputError(
        Problem("this is not a readable XLSX workbook (its zip structure is broken)", file=name)
    )
    try:
        with path.open("rb") as fh:
            size = path.stat().st_size
            directory = _zip_directory(fh, size)
            if directory is None:
                raise unreadable
            parts, cd_size = directory
            if parts > MAX_XLSX_PARTS or cd_size > MAX_CENTRAL_DIRECTORY:
                raise _too_big(
                    name,
                    f"the workbook has {parts:,} parts in a {_mb(cd_size)} table (a workbook has a few dozen; "
                    f"limit {MAX_XLSX_PARTS:,}); save it as CSV",
                )
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
            _check_declared(infos, name, limit, size)
            if verify:
                for info in sorted(infos, key=lambda i: i.header_offset):
                    _check_inflated(fh, info, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, EOFError, NotImplementedError):
        raise unreadable from None
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=name)) from None


def _check_declared(infos: list[zipfile.ZipInfo], name: str, limit: int, file_size: int) -> None:
    total = 0
    worst: zipfile.ZipInfo | None = None
    for info in infos:
        if info.flag_bits & 0x1:
            raise UserInputError(
                Problem("the workbook is encrypted", file=name, expected="a workbook without a password")
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserInputError(
                Problem(
                    f"this is not a readable XLSX workbook (part {info.filename[:100]!r} is compressed with "
                    f"method {info.compress_type}; Excel uses deflate)",
                    file=name,
                )
            )
        total += info.file_size
        if info.file_size > RATIO_FLOOR and _ratio(info) > max(MAX_XLSX_RATIO, _ratio(worst)):
            worst = info
    if total > limit:
        raise _too_big(
            name,
            f"the spreadsheet expands to {_mb(total)} (limit {_mb(limit)}, HCS_MAX_XLSX_INFLATED_MB); "
            "save it as CSV or split it",
        )
    if worst is not None:
        raise _too_big(
            name,
            f"the spreadsheet expands to {_mb(total)} from {_mb(file_size)}: its part {worst.filename[:100]!r} "
            f"expands {_ratio(worst):,.0f} times, and no real workbook is compressed more than {MAX_XLSX_RATIO} times "
            "(a file made to exhaust memory?); save it as CSV or split it",
        )


def _ratio(info: zipfile.ZipInfo | None) -> float:
    return 0.0 if info is None else info.file_size / max(info.compress_size, 1)


def _check_inflated(fh: io.BufferedReader, info: zipfile.ZipInfo, name: str) -> None:
    """Inflate one part a megabyte at a time, keeping nothing, and refuse it once past its declared size."""
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != declared:
            raise _forged(name, info)
        return
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
    fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, seen = info.compress_size, 0
    try:
        while left > 0 and not inflater.eof:
            data = fh.read(min(_READ, left))
            if not data:
                raise zipfile.BadZipFile(info.filename)
            left -= len(data)
            while data and not inflater.eof:
                seen += len(inflater.decompress(data, _READ))
                if seen > declared:
                    raise _forged(name, info)
                data = inflater.unconsumed_tail
        while not inflater.eof and (piece := inflater.decompress(b"", _READ)):
            seen += len(piece)
            if seen > declared:
                raise _forged(name, info)
    except zlib.error:
        raise zipfile.BadZipFile(info.filename) from None


def _forged(name: str, info: zipfile.ZipInfo) -> UserInputError:
    return _too_big(
        name,
        f"the workbook's part {info.filename[:100]!r} expands past the {_mb(info.file_size)} it declares "
        "(a file made to exhaust memory?); save it as CSV or split it",
    )
