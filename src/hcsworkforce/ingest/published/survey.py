"""NHS Staff Survey detailed spreadsheets (XLSX, national / organisation-type / organisational results).

Layout (shared/reference/nhs_data_layouts.md, [P]): one sheet per section ("YOUR JOB Q1-3" ...), some rows of
titles and question text, then a header row with identity columns (ODS code, Organisation name, Benchmarking
group, Region, ICS/STP, Weighting) and response columns such as "Q12b % Often"; '-' where a result is
suppressed; merged organisations under one code such as "01T/01V". A sheet of People Promise element and theme
scores (0-10) has a column per element or theme.

Everything is kept as published (one row per organisation, question and response option). What the project's
survey table can hold is reshaped into it: element and theme scores, and a percentage positive for the
questions whose positive options are listed in reference/data/staff_survey_positive.csv, each only where the
spreadsheet gives the number of responses it rests on (a figure without its base cannot be tested).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published.common import (
    Collector,
    Table,
    find_header,
    map_columns,
    norm_header,
    norm_label,
    read_number,
    sheet_label,
    table_from_rows,
)
from hcsworkforce.ingest.reader import ROW_COL
from hcsworkforce.reference import published as ref

NATIONAL = "ENGLAND"  # as analytics.engagement marks a national row
ALL_STAFF = "all"

IDENTITY: dict[str, tuple[str, ...]] = {
    "org_code": ("ODS_CODE", "ORG_CODE", "ORGANISATION_CODE", "TRUST_CODE", "ODS"),
    "org_name": ("ORGANISATION_NAME", "ORG_NAME", "ORGANISATION", "TRUST_NAME", "NAME"),
    "benchmarking_group": ("BENCHMARKING_GROUP", "BENCHMARK_GROUP"),
    "region": ("REGION", "NHSE_REGION", "NHS_ENGLAND_REGION"),
    "ics": ("ICS_STP", "ICS", "STP", "ICB", "ICS_NAME"),
    "weighting": ("WEIGHTING", "WEIGHTED"),
    "responses": (
        "RESPONSES",
        "NUMBER_OF_RESPONSES",
        "COMPLETED_QUESTIONNAIRES",
        "RESPONDENTS",
        "BASE",
        "TOTAL_RESPONSES",
    ),
}
_ORG_HEADERS = {norm_header(h) for h in ("org_code", *IDENTITY["org_code"])}

RESPONSE_RE = re.compile(r"^\s*(Q\d+[a-z]?(?:\.\d+)?)\s*[:\-]?\s*%\s*(.+?)\s*$", re.IGNORECASE)
BASE_RE = re.compile(
    r"^\s*(Q\d+[a-z]?(?:\.\d+)?)\s*[:\-]?\s*(?:base|n|responses|number of responses)\s*$", re.IGNORECASE
)
QNUM_RE = re.compile(r"^\s*(Q\d+[a-z]?(?:\.\d+)?)\b", re.IGNORECASE)
YEAR_RE = re.compile(r"\b(20\d\d)\b")

SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "sheet": pl.String,
    "year": pl.Int64,
    "org_code": pl.String,  # as published: an ODS code, merged codes "01T/01V", or ENGLAND
    "org_name": pl.String,
    "benchmarking_group": pl.String,
    "region": pl.String,
    "ics": pl.String,
    "weighting": pl.String,
    "question": pl.String,  # Q12b, or a People Promise element / theme id
    "response": pl.String,  # the option ("Often"), or null for a score
    "measure": pl.String,  # percent | score
    "value": pl.Float64,
    "suppressed": pl.Boolean,
    "base": pl.Float64,  # responses the figure rests on, where published
}


def is_survey_header(cells: set[str]) -> bool:
    """A results header: an ODS code column beside question columns (Q12b ...) or People Promise scores."""
    if not cells & _ORG_HEADERS:
        return False
    questions = any(c.startswith("Q") and c[1:2].isdigit() for c in cells)
    return questions or any(ref.people_promise_id(c.replace("_", " ")) for c in cells)


def survey_year(file: str, sheets: Sequence[tuple[str, list[list[str | None]]]], period: date | None) -> int:
    """The survey year: --period, else the one year named in the sheets' title rows or the file's name."""
    if period is not None:
        return period.year
    found: set[int] = set()
    for name, rows in sheets:
        for r in rows[:6]:
            for c in r:
                if c and "survey" in str(c).lower():
                    found.update(int(y) for y in YEAR_RE.findall(str(c)))
        found.update(int(y) for y in YEAR_RE.findall(name))
    if not found:
        found.update(int(y) for y in YEAR_RE.findall(file))
    if len(found) != 1:
        raise UserInputError(
            Problem(
                "the survey year is not known"
                if not found
                else f"the file names several years ({', '.join(map(str, sorted(found)))})",
                file=file,
                expected="--period YYYY naming the survey year",
            )
        )
    return found.pop()


def _question_of_column(rows: list[list[str | None]], header_index: int, col: int) -> str | None:
    """A question number over this column in the rows above the header (merged cells hold their text in the
    first column of the merge, so the nearest number to the left is taken)."""
    for j in range(col, -1, -1):
        for i in range(header_index - 1, -1, -1):
            r = rows[i]
            v = r[j] if j < len(r) else None
            if v:
                m = QNUM_RE.match(str(v))
                if m:
                    return m.group(1)
        # stop at a column that has a header of its own question
    return None


def _columns(
    rows: list[list[str | None]], header_index: int, table: Table
) -> tuple[dict[str, str], dict[str, tuple[str, str]], dict[str, str], dict[str, str]]:
    """identity fields -> header; response header -> (question, option); question -> base header;
    score header -> element/theme id."""
    ident = map_columns(table.headers, IDENTITY)
    responses: dict[str, tuple[str, str]] = {}
    bases: dict[str, str] = {}
    scores: dict[str, str] = {}
    for j, h in enumerate(table.headers):
        if h in ident.values():
            continue
        m = RESPONSE_RE.match(h)
        if m:
            responses[h] = (m.group(1)[0].upper() + m.group(1)[1:], m.group(2).strip())
            continue
        b = BASE_RE.match(h)
        if b:
            bases[b.group(1)[0].upper() + b.group(1)[1:]] = h
            continue
        if h.strip().startswith("%"):
            q = _question_of_column(rows, header_index, j)
            if q:
                responses[h] = (q[0].upper() + q[1:], h.strip().lstrip("%").strip())
                continue
        pid = ref.people_promise_id(h)
        if pid:
            scores[h] = pid
    return ident, responses, bases, scores


def _organisation(code: str, name: str) -> tuple[str | None, bool]:
    """(code as stored, ok). Merged codes stay as published ("01T/01V"); each part must be an ODS code."""
    c = code.strip().upper().replace(" ", "")
    if not c:
        label = norm_label(name)
        if any(w in label for w in ("national", "england", "average", "all organisations")):
            return NATIONAL, True
        return None, False
    if c in ("ENGLAND", "NATIONAL", "ENG"):
        return NATIONAL, True
    parts = c.split("/")
    return c, all(reference.ODS_CODE_RE.match(p) for p in parts) and len(c) <= 40


def read_sheet(
    rows: list[list[str | None]], file: str, sheet: str, year: int, bad: Collector
) -> tuple[pl.DataFrame, list[str]] | None:
    """One section sheet as published rows, or None where it is not a results sheet (contents, notes)."""
    hi = find_header(rows, is_survey_header)
    if hi is None:
        return None
    label = sheet_label(file, sheet)
    table = table_from_rows(rows, hi, label, sheet)
    ident, responses, bases, scores = _columns(rows, hi, table)
    notes: list[str] = []
    if not responses and not scores:
        return None
    vals: list[float | None] = []
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for rec in table.frame.iter_rows(named=True):
        row = int(rec[ROW_COL])
        who = _respondent(rec, ident, sheet, year, label, row, bad, seen)
        if who is None:
            continue
        org_base, base_of = _response_bases(rec, ident, bases, label, row, bad)
        percents = _percent_rows(rec, who, responses, base_of, org_base, label, row, bad)
        vals.extend(r["value"] for r in percents)
        out.extend(percents)
        out.extend(_score_rows(rec, who, scores, org_base, label, row, bad))
    df = pl.DataFrame(out, schema=SCHEMA, orient="row") if out else pl.DataFrame(schema=SCHEMA)
    present = [v for v in vals if v is not None]
    if present and max(present) <= 1.0 and any(v > 0 for v in present):
        # A workbook formats its percentages as % but stores fractions (0.125 for 12.5%).
        df = df.with_columns(
            pl.when(pl.col("measure") == "percent")
            .then(pl.col("value") * 100)
            .otherwise(pl.col("value"))
            .alias("value")
        )
        notes.append(
            f"{label}: percentages are stored as fractions of 1 in the workbook; read as percentages"
        )
    return df, notes


def _respondent(
    rec: dict[str, Any],
    ident: dict[str, str],
    sheet: str,
    year: int,
    label: str,
    row: int,
    bad: Collector,
    seen: dict[str, int],
) -> dict[str, Any] | None:
    """Who a row describes (organisation and its groupings), or None where its code is bad or repeated."""
    code_text = str(rec.get(ident.get("org_code", "")) or "")
    name = str(rec.get(ident.get("org_name", "")) or "")
    org, ok = _organisation(code_text, name)
    if not ok or org is None:
        bad.add(
            "is not an ODS code",
            file=label,
            row=row,
            column=ident.get("org_code", "ODS code"),
            value=code_text,
            expected="an ODS code such as RGT, merged codes such as 01T/01V, or a national row",
        )
        return None
    if org in seen:
        bad.add(
            f"repeats row {seen[org]:,}",
            file=label,
            row=row,
            column=ident.get("org_code", "ODS code"),
            value=code_text,
            expected="one row per organisation in a sheet",
        )
        return None
    seen[org] = row
    return {
        "row": row,
        "sheet": sheet,
        "year": year,
        "org_code": org,
        "org_name": name or None,
        "benchmarking_group": _text(rec, ident, "benchmarking_group"),
        "region": _text(rec, ident, "region"),
        "ics": _text(rec, ident, "ics"),
        "weighting": _text(rec, ident, "weighting"),
    }


def _response_bases(
    rec: dict[str, Any], ident: dict[str, str], bases: dict[str, str], label: str, row: int, bad: Collector
) -> tuple[float | None, dict[str, float | None]]:
    """Responses for the organisation as a whole, and per question where the sheet gives them."""
    org_base = None
    if "responses" in ident:
        n = read_number(
            _text(rec, ident, "responses"),
            bad,
            file=label,
            row=row,
            column=ident["responses"],
            whole=True,
            what="a whole number of responses",
        )
        org_base = n.value if n else None
    base_of: dict[str, float | None] = {}
    for q, h in bases.items():
        n = read_number(
            str(rec.get(h) or ""),
            bad,
            file=label,
            row=row,
            column=h,
            whole=True,
            what="a whole number of responses",
        )
        base_of[q] = n.value if n else None
    return org_base, base_of


def _percent_rows(
    rec: dict[str, Any],
    who: dict[str, Any],
    responses: dict[str, tuple[str, str]],
    base_of: dict[str, float | None],
    org_base: float | None,
    label: str,
    row: int,
    bad: Collector,
) -> list[dict[str, Any]]:
    """One published row per response option: the percentage giving it."""
    out: list[dict[str, Any]] = []
    for h, (q, option) in responses.items():
        v = read_number(
            str(rec.get(h) or ""),
            bad,
            file=label,
            row=row,
            column=h,
            high=100.0,
            what="a percentage from 0 to 100",
        )
        if v is None:
            continue
        out.append(
            {
                **who,
                "question": q,
                "response": option,
                "measure": "percent",
                "value": v.value,
                "suppressed": v.suppressed,
                "base": base_of.get(q, org_base),
            }
        )
    return out


def _score_rows(
    rec: dict[str, Any],
    who: dict[str, Any],
    scores: dict[str, str],
    org_base: float | None,
    label: str,
    row: int,
    bad: Collector,
) -> list[dict[str, Any]]:
    """One published row per People Promise element or theme score (0 to 10)."""
    out: list[dict[str, Any]] = []
    for h, pid in scores.items():
        v = read_number(
            str(rec.get(h) or ""),
            bad,
            file=label,
            row=row,
            column=h,
            high=10.0,
            what="a score from 0 to 10",
        )
        if v is None:
            continue
        out.append(
            {
                **who,
                "question": pid,
                "response": None,
                "measure": "score",
                "value": v.value,
                "suppressed": v.suppressed,
                "base": org_base,
            }
        )
    return out


def _text(rec: dict[str, Any], ident: dict[str, str], canon: str) -> str | None:
    h = ident.get(canon)
    v = rec.get(h) if h else None
    return None if v in (None, "") else str(v).strip()


def read(
    file: str, sheets: Sequence[tuple[str, list[list[str | None]]]], period: date | None
) -> tuple[pl.DataFrame, list[str]]:
    """Every results sheet of the workbook, as published rows; sheets without an ODS code header are skipped
    and named in the notes."""
    year = survey_year(file, sheets, period)
    bad = Collector()
    parts: list[pl.DataFrame] = []
    notes: list[str] = []
    skipped: list[str] = []
    for name, rows in sheets:
        got = read_sheet(rows, file, name, year, bad)
        if got is None:
            skipped.append(name)
            continue
        parts.append(got[0])
        notes += got[1]
    if not parts and not bad.total:
        raise UserInputError(
            Problem(
                "no sheet has an ODS code header with question columns",
                file=file,
                expected="the NHS Staff Survey detailed spreadsheets: a header row with 'ODS code' and columns such as 'Q12b % Often'",
            )
        )
    bad.raise_if_any()
    if skipped:
        notes.append("sheets without results, not read: " + ", ".join(skipped))
    return pl.concat(parts, how="vertical"), notes


def survey_rows(published: pl.DataFrame) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows the project's survey table (store.tables_engagement.survey_results) can hold, and notes on what
    could not be reshaped. Organisation-level results are all staff ('all'); national rows are ENGLAND."""
    notes: list[str] = []
    out: list[dict[str, Any]] = []
    scores = published.filter(pl.col("measure") == "score")
    no_base = scores.filter(pl.col("base").is_null() & ~pl.col("suppressed")).height
    for r in scores.filter(pl.col("base").is_not_null() & ~pl.col("suppressed")).iter_rows(named=True):
        out.append(_survey_row(r, r["question"], r["base"], score=r["value"]))
    if no_base:
        notes.append(
            f"{no_base:,} element/theme scores have no number of responses beside them: kept as published, not in the survey table"
        )
    positive = ref.positive_responses()
    pct = published.filter(
        (pl.col("measure") == "percent") & pl.col("question").str.to_uppercase().is_in(list(positive))
    )
    for (_org, q, _year), grp in pct.group_by(["org_code", "question", "year"]):
        wanted, _ = positive[str(q).upper()]
        hits = [r for r in grp.iter_rows(named=True) if norm_label(r["response"]) in wanted]
        if len(hits) != len(wanted) or any(h["suppressed"] for h in hits) or hits[0]["base"] is None:
            continue
        value = min(100.0, sum(float(h["value"]) for h in hits))
        out.append(_survey_row(hits[0], str(q), hits[0]["base"], percent=value))
    too_long = sorted({r["organisation_code"] for r in out if len(r["organisation_code"]) > 8})
    if too_long:
        # The survey table keys organisations by a code of up to 8 characters; a longer merged code is kept as
        # published only, never cut short into another organisation's code.
        out = [r for r in out if len(r["organisation_code"]) <= 8]
        notes.append(
            "merged codes too long for the survey table, kept as published only: " + ", ".join(too_long)
        )
    if pct.height:
        notes.append(
            "percent positive for "
            + ", ".join(sorted({str(q) for q in pct["question"].unique()}))
            + " summed from the options in reference/data/staff_survey_positive.csv (unverified)"
        )
    return out, notes


def _survey_row(
    r: dict[str, Any], question: str, base: float, *, score: float | None = None, percent: float | None = None
) -> dict[str, Any]:
    return {
        "organisation_code": r["org_code"],
        "staff_group": ALL_STAFF,
        "question": question,
        "year": int(r["year"]),
        "respondents": int(base),
        "percent_positive": percent,
        "score": score,
        "sd": None,
    }


def suppressed_cells(df: pl.DataFrame) -> int:
    return int(df["suppressed"].sum()) if df.height else 0
