"""Read staff survey results (CSV or XLSX) into validated records: every problem at once, each located by
row, column, value and what was expected; nothing is returned, so nothing written, unless all rows are good.

One row per organisation, staff group (or specialism), question (or theme) and year, with the respondents
and either a percentage positive (0-100) or a mean score (0-10, with its SD where known).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.reader import ROW_COL, read_table
from hcsworkforce.model.engagement import ALL_STAFF, HEALTHCARE_SCIENTISTS, NATIONAL, SurveyResult

MAX_PROBLEMS = 50

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation_code": ("organisation", "org_code", "ods_code", "organisation code", "trust code", "org"),
    "group": ("staff_group", "staff group", "specialism", "occupation group", "occupation_group"),
    "question": ("theme", "question_or_theme", "indicator", "question number", "measure"),
    "year": ("survey year", "survey_year"),
    "respondents": ("responses", "n", "base", "number of responses"),
    "percent_positive": ("percentage_positive", "% positive", "pct_positive", "percent", "percentage"),
    "score": ("mean_score", "mean score", "theme score", "theme_score"),
    "sd": ("standard_deviation", "standard deviation", "std"),
}
REQUIRED = ("organisation_code", "group", "question", "year", "respondents")

_NATIONAL_WORDS = {"england", "national", "eng", "national average"}
_ALL_WORDS = {"all", "all staff", "whole organisation", "organisation", "trust", "all staff groups"}
_HCS_WORDS = {
    "healthcare scientists",
    "healthcare science",
    "hcs",
    "06",
    "healthcare scientist",
    "scientists",
}


def norm_header(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", text.strip().lower()).split())


def map_headers(
    headers: Sequence[str], columns: dict[str, tuple[str, ...]], required: Sequence[str], file: str
) -> dict[str, str]:
    """Canonical column -> the file's header. Missing required columns are all reported together."""
    lookup: dict[str, str] = {}
    for canon, aliases in columns.items():
        for a in (canon, *aliases):
            lookup.setdefault(norm_header(a), canon)
    found: dict[str, str] = {}
    for h in headers:
        hit = lookup.get(norm_header(h))
        if hit is not None and hit not in found:
            found[hit] = h
    missing = [c for c in required if c not in found]
    if missing:
        raise UserInputError(
            [
                Problem(
                    f"column {c} is missing",
                    file=file,
                    row=1,
                    column=c,
                    expected=f"a header named {c} (or {', '.join(columns[c][:3])})",
                )
                for c in missing
            ]
        )
    return found


class Collector:
    """Problems found so far, capped for display but counted in full."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, message: str, row: int, column: str, value: str | None, expected: str) -> None:
        self.total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Problem(message, file=self.file, row=row, column=column, value=value, expected=expected)
            )

    def raise_if_any(self) -> None:
        if self.total:
            raise UserInputError(self.problems, total=self.total)


def resolve_group(text: str) -> str | None:
    key = norm_header(text)
    if key in _ALL_WORDS:
        return ALL_STAFF
    if key in _HCS_WORDS or key.replace(" ", "_") == HEALTHCARE_SCIENTISTS:
        return HEALTHCARE_SCIENTISTS
    sid, _ = reference.resolve_specialism(text)
    return sid


def resolve_organisation(text: str) -> str | None:
    if norm_header(text) in _NATIONAL_WORDS:
        return NATIONAL
    code = text.strip().upper()
    return code if reference.ODS_CODE_RE.match(code) else None


def _number(text: str, cast: Callable[[str], Any]) -> Any:
    try:
        return cast(text.strip().replace(",", ""))
    except (ValueError, AttributeError):
        return None


@dataclass
class SurveyFile:
    results: list[SurveyResult]
    file: str


def read_survey(path: Path, display_name: str | None = None) -> SurveyFile:
    """Validate a survey results file completely; raise UserInputError with every problem, or return it all."""
    raw = read_table(path, display_name)
    cols = map_headers(raw.headers, COLUMNS, REQUIRED, raw.file)
    bad = Collector(raw.file)
    out: list[SurveyResult] = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for rec in raw.frame.iter_rows(named=True):
        row = int(rec[ROW_COL])

        def cell(canon: str, rec: dict[str, Any] = rec) -> str:
            h = cols.get(canon)
            v = rec.get(h) if h else None
            return "" if v is None else str(v).strip()

        errors_before = bad.total
        org = resolve_organisation(cell("organisation_code"))
        if org is None:
            bad.add(
                "not an organisation",
                row,
                "organisation_code",
                cell("organisation_code"),
                "an ODS code such as RGT, or ENGLAND for the national average",
            )
        group = resolve_group(cell("group")) if cell("group") else None
        if group is None:
            bad.add(
                "not a staff group or specialism",
                row,
                "group",
                cell("group"),
                "all, healthcare_scientists, or a specialism such as audiology",
            )
        question = cell("question")
        if not question:
            bad.add(
                "the question or theme is empty", row, "question", None, "a question number or theme name"
            )
        elif len(question) > 100:
            bad.add(
                "the question name is too long",
                row,
                "question",
                question[:40] + "...",
                "at most 100 characters",
            )
        year = _number(cell("year"), int)
        if year is None or not 2000 <= year <= 2100:
            bad.add("not a survey year", row, "year", cell("year"), "a year such as 2024")
        n = _number(cell("respondents"), int)
        if n is None or n < 0:
            bad.add(
                "not a number of respondents",
                row,
                "respondents",
                cell("respondents"),
                "a whole number, 0 or more",
            )
        pct = _number(cell("percent_positive").rstrip("%"), float) if cell("percent_positive") else None
        score = _number(cell("score"), float) if cell("score") else None
        sd = _number(cell("sd"), float) if cell("sd") else None
        if cell("percent_positive") and (pct is None or not 0 <= pct <= 100):
            bad.add(
                "not a percentage",
                row,
                "percent_positive",
                cell("percent_positive"),
                "a number from 0 to 100",
            )
        if cell("score") and (score is None or not 0 <= score <= 10):
            bad.add("not a score", row, "score", cell("score"), "a mean score from 0 to 10")
        if cell("sd") and (sd is None or sd <= 0):
            bad.add("not a standard deviation", row, "sd", cell("sd"), "a positive number")
        if not cell("percent_positive") and not cell("score"):
            bad.add("no result on this row", row, "percent_positive", None, "percent_positive or score")
        elif cell("percent_positive") and cell("score"):
            bad.add(
                "both a percentage and a score",
                row,
                "score",
                cell("score"),
                "one result per row: percent_positive or score",
            )
        if bad.total > errors_before:
            continue
        assert org is not None and group is not None and year is not None and n is not None
        key = (org, group, question, year)
        if key in seen:
            bad.add(
                f"repeats row {seen[key]:,}",
                row,
                "question",
                question,
                "one row per organisation, group, question and year",
            )
            continue
        seen[key] = row
        out.append(SurveyResult(org, group, question, year, n, percent_positive=pct, score=score, sd=sd))
    if raw.frame.height == 0:
        bad.add("the file has a header but no rows", 2, "organisation_code", None, "at least one result")
    bad.raise_if_any()
    return SurveyFile(out, raw.file)
