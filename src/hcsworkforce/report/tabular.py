"""Render a list of flat records as a terminal table, JSON, CSV, XLSX or self-contained HTML.

Every CSV and XLSX cell passes through ``safe_cell`` (the one escaping rule for spreadsheets, docs/security.md):
text a spreadsheet would read as a formula gets a leading apostrophe, and XLSX cells are typed explicitly
(strings as strings, never through xlsxwriter's guessing ``write()``), so no exported cell can execute.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import numbers
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMATS = ("table", "json", "csv", "xlsx", "html")

# The first characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV
# Injection": = + - @ tab and carriage return; ASVS 5.0 V1.2.10 adds the null character).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(v: Any) -> Any:
    """A cell as a spreadsheet may safely receive it: text that begins with a formula character gets a leading
    ``'`` (shown as text, never evaluated); numbers, booleans, None and everything else are returned unchanged,
    so a negative number stays a number. The one rule every CSV and XLSX writer uses."""
    if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
        return "'" + v
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, date | datetime):
        return v.isoformat()
    return v


def to_json(payload: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, date | datetime):
            return o.isoformat()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    def clean(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        return _jsonable(o)

    return json.dumps(clean(payload), indent=2, default=default, ensure_ascii=False)


def columns_of(records: Sequence[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in records:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def _csv_line(cells: list[Any]) -> str:
    """One CSV row ending in a newline. The writer's terminator is CRLF so that a field holding a carriage
    return is quoted as well as one holding a newline (RFC 4180 2.6; with a bare \\n terminator Python leaves
    \\r unquoted, and a spreadsheet starts a new row there, where a formula could begin)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()[:-2] + "\n"


def to_csv(records: Sequence[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Flat records as CSV, every cell through ``safe_cell``; numbers stay bare numbers, None is empty."""
    cols = columns or columns_of(records)
    lines = [_csv_line([safe_cell(c) for c in cols])]
    for r in records:
        lines.append(_csv_line(["" if (v := _jsonable(r.get(c))) is None else safe_cell(v) for c in cols]))
    return "".join(lines)


def fmt_cell(v: Any, column: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        # Years and codes read wrongly with thousands separators ("2,021").
        return str(v) if "year" in column.lower() or column.lower() in ("period", "id") else f"{v:,}"
    if isinstance(v, float) and v == 0:
        return "0"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:,.3f}" if abs(v) < 1 else f"{v:,.1f}"
    return str(v)


def _write_cell(ws: Any, row: int, col: int, v: Any, fmt: Any = None) -> None:
    """One XLSX cell by its type, never through ``write()``'s guessing (which makes "=..." a live formula)."""
    v = _jsonable(v)
    if v is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(v, bool):
        ws.write_boolean(row, col, v, fmt)
    elif isinstance(v, numbers.Real | Decimal):
        if math.isfinite(float(v)):
            ws.write_number(row, col, float(v), fmt)
        else:
            ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, safe_cell(str(v)), fmt)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Sequence[str]) -> list[str]:
    """Worksheet names Excel accepts, one per name in order: at most 31 characters, none of []:*?/\\, no
    apostrophe at either end, unique ignoring case ("Cover" is the cover's); a clash gets " (2)", " (3)" ..."""
    taken = {"cover"}
    out = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'") or "Table"
        candidate, n = base[:31].rstrip("'"), 2
        while candidate.lower() in taken:
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)].rstrip("'") + suffix, n + 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def write_xlsx(
    path: Path, sheets: list[tuple[str, Sequence[dict[str, Any]]]], title: str, notes: list[str]
) -> None:
    """An XLSX in the Analysis Function style: a cover sheet, then one table a sheet with a title row.
    Every cell is written by type through ``safe_cell``; the workbook also refuses to turn strings into
    formulas or links, should any other write slip through."""
    import xlsxwriter  # only spreadsheet outputs need it (start-up time of every other command)

    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    cover = wb.add_worksheet("Cover")
    _write_cell(cover, 0, 0, title, bold)
    row = 2
    for note in notes:
        _write_cell(cover, row, 0, note)
        row += 1
    _write_cell(cover, row + 1, 0, "Contents", head)
    names = sheet_names([name for name, _ in sheets])
    for i, ((name, _), sheet) in enumerate(zip(sheets, names, strict=True)):
        link = sheet.replace("'", "''")
        cover.write_url(row + 2 + i, 0, f"internal:'{link}'!A1", string=safe_cell(name))
    cover.set_column(0, 0, 100)
    for (name, records), sheet in zip(sheets, names, strict=True):
        ws = wb.add_worksheet(sheet)
        _write_cell(ws, 0, 0, name, bold)
        cols = columns_of(records)
        for j, c in enumerate(cols):
            _write_cell(ws, 2, j, c, head)
            ws.set_column(j, j, max(12, min(40, len(c) + 2)))
        for i, r in enumerate(records):
            for j, c in enumerate(cols):
                _write_cell(ws, 3 + i, j, r.get(c))
        if records:
            ws.autofilter(2, 0, 2 + len(records), max(0, len(cols) - 1))
        ws.freeze_panes(3, 0)
    wb.close()


def to_html(sections: list[tuple[str, Sequence[dict[str, Any]]]], title: str, notes: list[str]) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:Arial,sans-serif;margin:2rem;color:#212b32}table{border-collapse:collapse;"
        "margin-bottom:2rem}th,td{border-bottom:1px solid #d8dde0;padding:4px 8px;text-align:left}"
        "td.n{text-align:right}h1{color:#005eb8}@media print{body{margin:0}}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f"<p>{html.escape(n)}</p>" for n in notes]
    for name, records in sections:
        cols = columns_of(records)
        parts.append(f"<h2>{html.escape(name)}</h2><table><thead><tr>")
        parts += [f"<th scope='col'>{html.escape(c)}</th>" for c in cols]
        parts.append("</tr></thead><tbody>")
        for r in records:
            cells = []
            for c in cols:
                v = r.get(c)
                cls = " class='n'" if isinstance(v, int | float) and not isinstance(v, bool) else ""
                cells.append(f"<td{cls}>{html.escape(fmt_cell(v, c))}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def finding_example(e: object) -> str:
    """A data-quality finding's example as a person reads it: 'Blood Sciences (specialism not known): 238'."""
    if isinstance(e, dict):
        vals = list(e.values())
        if len(vals) == 2 and isinstance(vals[1], int):
            return f"{vals[0]}: {vals[1]:,}"
        return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in e.items())
    return str(e)
