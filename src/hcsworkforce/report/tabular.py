"""Render a list of flat records as a terminal table, JSON, CSV, XLSX or self-contained HTML."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMATS = ("table", "json", "csv", "xlsx", "html")


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


def to_csv(records: Sequence[dict[str, Any]], columns: list[str] | None = None) -> str:
    cols = columns or columns_of(records)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in records:
        w.writerow(["" if r.get(c) is None else _jsonable(r.get(c)) for c in cols])
    return buf.getvalue()


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


def write_xlsx(
    path: Path, sheets: list[tuple[str, Sequence[dict[str, Any]]]], title: str, notes: list[str]
) -> None:
    """An XLSX in the Analysis Function style: a cover sheet, then one table a sheet with a title row."""
    import xlsxwriter  # only spreadsheet outputs need it (start-up time of every other command)

    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    cover = wb.add_worksheet("Cover")
    cover.write(0, 0, title, bold)
    row = 2
    for note in notes:
        cover.write(row, 0, note)
        row += 1
    cover.write(row + 1, 0, "Contents", head)
    for i, (name, _) in enumerate(sheets):
        cover.write_url(row + 2 + i, 0, f"internal:'{name[:31]}'!A1", string=name)
    cover.set_column(0, 0, 100)
    for name, records in sheets:
        ws = wb.add_worksheet(name[:31])
        ws.write(0, 0, name, bold)
        cols = columns_of(records)
        for j, c in enumerate(cols):
            ws.write(2, j, c, head)
            ws.set_column(j, j, max(12, min(40, len(c) + 2)))
        for i, r in enumerate(records):
            for j, c in enumerate(cols):
                v = _jsonable(r.get(c))
                if v is None:
                    ws.write_blank(3 + i, j, None)
                else:
                    ws.write(3 + i, j, v)
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
