"""ESR reports as ESR writes them: header pairs, the organisation hierarchy, and who is a healthcare scientist.

These steps run before the row checks in `extract.py`: they turn a whole-organisation ESR report (every staff
group, ESR's and NHS England's header names, hierarchy strings, bank and honorary assignments, statuses) into
the canonical text columns of the healthcare science rows, and count the rest. docs/esr-extracts.md is the
contract; every rule here is stated there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.dates import parse_dates
from hcsworkforce.ingest.reader import ROW_COL, RawTable, read_table

HCS_STAFF_GROUP = "healthcare scientists"  # NHS Data Dictionary STAFF GROUP 06, folded
U_MATRIX_PREFIX = "U"  # Occupation Code Manual v12 (June 2013): the U matrix is healthcare science

# Canonical columns whose two headers may legitimately differ: the first in alias order wins, the next fills.
PREFER_FIRST = frozenset({"start_date", "staff_id", "assignment_id", "leaving_reason", "leaver_destination"})

CATEGORIES = {
    "permanent": "permanent",
    "fixed term temp": "fixed_term",
    "fixed term": "fixed_term",
    "fixed term temporary": "fixed_term",
    "temporary": "fixed_term",
    "bank": "bank",
    "honorary": "honorary",
    "locum": "fixed_term",
    "apprentice": "fixed_term",
    "non employee": "other",
}
COUNTED_APART = ("bank", "honorary")  # loaded apart: not in post FTE or headcount

STATUSES = {
    "active assignment": "active",
    "active": "active",
    "acting up": "active",
    "active no payroll": "active",
    "maternity and adoption": "maternity",
    "maternity": "maternity",
    "maternity leave": "maternity",
    "adoption leave": "maternity",
    "career break": "career_break",
    "internal secondment": "secondment",
    "external secondment": "secondment",
    "out on external secondment paid": "secondment",
    "out on external secondment unpaid": "secondment",
    "secondment": "secondment",
    "suspend assignment": "suspended",
    "suspend no pay": "suspended",
    "suspended": "suspended",
}
YES = {"yes", "y", "true", "1", "primary", "p"}
NO = {"no", "n", "false", "0", "secondary", "s"}

# Title lines before the header that give the report's date ("Report Date: 31/03/2025", "as at 31 Mar 2025").
_DATE_TEXT = r"(\d{4}-\d{2}-\d{2}|\d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}|\d{1,2}[ \-][A-Za-z]{3,9}[ \-]\d{4})"
REPORT_DATE_RE = re.compile(
    r"(?:report(?:ing)?\s+date|effective\s+date|census\s+date|snapshot\s+date|as\s+at|as\s+of)\s*[:\-]?\s*"
    + _DATE_TEXT,
    re.IGNORECASE,
)


@dataclass
class Selection:
    """The outcome of 'who is a healthcare scientist' for every row of a report."""

    hcs: pl.DataFrame  # the healthcare science rows, canonical text columns
    others: pl.DataFrame  # every other row: ROW_COL, staff_group, organisation_code and the evidence columns
    rule_counts: dict[str, int] = field(default_factory=dict)
    other_groups: dict[str, int] = field(default_factory=dict)


def fold(expr: pl.Expr) -> pl.Expr:
    """Case, '&' and punctuation folded as reference.norm_text does, vectorised."""
    return (
        expr.str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )


def _distinct_map(frame: pl.DataFrame, col: str, fn: Callable[[str], Any]) -> dict[str, Any]:
    return {v: fn(v) for v in frame.get_column(col).drop_nulls().unique().to_list()}


# -- two headers of one meaning ------------------------------------------------------------------------------
def combine_pairs(
    f: pl.DataFrame,
    pairs: dict[str, list[str]],
    labels: dict[str, str],
    file: str,
    add_rows: Callable[[pl.DataFrame, str, str | Callable[[str], str], str], None],
) -> pl.DataFrame:
    """Make one canonical column of each pair of headers, by the rule docs/esr-extracts.md states.

    `f` holds a column per header under the name `<canon>#<i>` (i = the header's place in alias order).
    Disagreements are problems (row, both headers, both values); nothing is chosen silently.
    """
    for canon, headers in pairs.items():
        labels[canon] = headers[0]
        parts = [f"{canon}#{i}" for i in range(len(headers))]
        if len(parts) == 1:
            f = f.rename({parts[0]: canon})
            continue
        both = " and ".join(repr(h) for h in headers)
        if canon == "afc_band":
            bands = [f"{p}_band" for p in parts]
            f = f.with_columns(
                pl.col(p).replace_strict(_distinct_map(f, p, reference.resolve_band), default=None).alias(b)
                for p, b in zip(parts, bands, strict=True)
            )
            clash = pl.any_horizontal(
                pl.col(a).is_not_null() & pl.col(b).is_not_null() & (pl.col(a) != pl.col(b))
                for i, a in enumerate(bands)
                for b in bands[i + 1 :]
            )
            _clash(f, clash, parts, headers, canon, both, add_rows)
            # The first header (Pay Band) is used as written, and checked; where it is blank, a later one
            # (Grade) fills it if it reads as a band; a grade that is no band (a local pay code) is ignored.
            f = f.with_columns(pl.coalesce(parts[0], *bands[1:], *parts[1:]).alias(canon)).drop(
                *parts, *bands
            )
        elif canon == "fte":
            nums = [f"{p}_num" for p in parts]
            f = f.with_columns(
                pl.col(p).str.replace(",", ".").cast(pl.Float64, strict=False).alias(n)
                for p, n in zip(parts, nums, strict=True)
            )
            clash = pl.any_horizontal(
                pl.col(a).is_not_null() & pl.col(b).is_not_null() & ((pl.col(a) - pl.col(b)).abs() > 0.001)
                for i, a in enumerate(nums)
                for b in nums[i + 1 :]
            )
            _clash(f, clash, parts, headers, canon, both, add_rows)
            f = f.with_columns(pl.coalesce(*parts).alias(canon)).drop(*parts, *nums)
        elif canon in PREFER_FIRST:
            f = f.with_columns(pl.coalesce(*parts).alias(canon)).drop(*parts)
        else:
            folded = [fold(pl.col(p)) for p in parts]
            clash = pl.any_horizontal(
                pl.col(parts[i]).is_not_null() & pl.col(parts[j]).is_not_null() & (folded[i] != folded[j])
                for i in range(len(parts))
                for j in range(i + 1, len(parts))
            )
            _clash(f, clash, parts, headers, canon, both, add_rows)
            f = f.with_columns(pl.coalesce(*parts).alias(canon)).drop(*parts)
    return f


def _clash(
    f: pl.DataFrame,
    mask: pl.Expr,
    parts: list[str],
    headers: list[str],
    canon: str,
    both: str,
    add_rows: Callable[[pl.DataFrame, str, str | Callable[[str], str], str], None],
) -> None:
    bad = f.filter(mask)
    if not bad.height:
        return
    shown = bad.select(
        ROW_COL,
        pl.concat_str(
            [
                pl.concat_str(pl.lit(f"{h}="), pl.col(p).fill_null(""))
                for h, p in zip(headers, parts, strict=True)
            ],
            separator="; ",
        ).alias("value"),
    )
    add_rows(shown, headers[0], f"{both} both give {canon} and disagree on this row", f"{both} to agree")


# -- organisation -------------------------------------------------------------------------------------------
_TRUST_SHAPE = re.compile(r"^R[A-Z0-9]{2}$")


def organisation_from_text(
    text: str, vpd_map: dict[str, str], known: dict[str, reference.Organisation] | None = None
) -> str | None:
    """An ODS code from a code or from ESR's hierarchy string ('412 RGT Blood Sciences L6').

    A single token is the code itself. In a hierarchy, the first token that is a known trust's code wins, then
    the first shaped like a trust code (R and two letters or digits), then the leading VPD number looked up in
    the VPD map.
    """
    tokens = text.replace(",", " ").split()
    if not tokens:
        return None
    if len(tokens) == 1:
        # The code itself (checked for its shape later, so a malformed one is named as such), or a VPD number.
        return vpd_map.get(tokens[0]) or tokens[0].upper()
    known = reference.trusts() if known is None else known
    for tok in tokens:
        if tok in known:
            return tok
    for tok in tokens:
        if _TRUST_SHAPE.match(tok):
            return tok
    return vpd_map.get(tokens[0]) if tokens[0].isdigit() else None


def read_vpd_map(path: Path | None) -> dict[str, str]:
    """`vpd_code,organisation_code` rows: ESR's VPD number of an employer -> its ODS code."""
    if path is None:
        return {}
    raw = read_table(path)
    heads = {reference.norm_text(h).replace(" ", "_"): h for h in raw.headers}
    vpd, org = (
        heads.get("vpd_code") or heads.get("vpd"),
        heads.get("organisation_code") or heads.get("ods_code"),
    )
    if vpd is None or org is None:
        raise UserInputError(
            Problem(
                "a VPD map needs the columns vpd_code and organisation_code",
                file=raw.file,
                row=1,
                expected="vpd_code,organisation_code",
            )
        )
    rows = raw.frame.select(pl.col(vpd).str.strip_chars(), pl.col(org).str.strip_chars().str.to_uppercase())
    return {str(a): str(b) for a, b in rows.iter_rows() if a and b}


def resolve_organisations(
    f: pl.DataFrame,
    vpd_map: dict[str, str],
    fallback: str | None,
    known: dict[str, reference.Organisation] | None = None,
) -> pl.DataFrame:
    """organisation_code from the code or hierarchy text; `fallback` (--organisation) where none is found."""
    if "organisation_code" not in f.columns:
        f = f.with_columns(pl.lit(None, dtype=pl.String).alias("organisation_code"))
    mapping = _distinct_map(f, "organisation_code", lambda v: organisation_from_text(v, vpd_map, known))
    resolved = pl.col("organisation_code").replace_strict(mapping, default=None, return_dtype=pl.String)
    if fallback is not None:
        resolved = pl.when(pl.col("organisation_code").is_null()).then(pl.lit(fallback)).otherwise(resolved)
    return f.with_columns(
        pl.col("organisation_code").alias("organisation_text"), resolved.alias("organisation_code")
    )


# -- who is a healthcare scientist --------------------------------------------------------------------------
RULE_FIELDS = ("staff_group", "occupation_code", "job_role", "area_of_work", "position_title")


@dataclass(frozen=True)
class LocalRule:
    field: str
    value: str  # folded; a trailing '*' matches as a prefix
    include: bool
    row: int


def read_rules(path: Path | None) -> list[LocalRule]:
    """A local rule file: `field,value,decision` (decision in|out), first matching rule wins."""
    if path is None:
        return []
    raw = read_table(path)
    heads = {reference.norm_text(h): h for h in raw.headers}
    need = ("field", "value", "decision")
    if any(n not in heads for n in need):
        raise UserInputError(
            Problem(
                "a rule file needs the columns field, value and decision",
                file=raw.file,
                row=1,
                expected="field,value,decision (decision: in or out)",
            )
        )
    rules: list[LocalRule] = []
    problems: list[Problem] = []
    for row, fld, value, decision in raw.frame.select(ROW_COL, *(heads[n] for n in need)).iter_rows():
        fld_n = reference.norm_text(fld or "").replace(" ", "_")
        dec = reference.norm_text(decision or "")
        if fld_n not in RULE_FIELDS:
            problems.append(
                Problem(
                    "is not a field a rule can test",
                    file=raw.file,
                    row=row,
                    column=heads["field"],
                    value=fld or "",
                    expected=", ".join(RULE_FIELDS),
                )
            )
        elif dec not in ("in", "out"):
            problems.append(
                Problem(
                    "is not a decision",
                    file=raw.file,
                    row=row,
                    column=heads["decision"],
                    value=decision or "",
                    expected="in or out",
                )
            )
        elif value:
            star = value.strip().endswith("*")
            rules.append(
                LocalRule(fld_n, reference.norm_text(value) + ("*" if star else ""), dec == "in", row)
            )
    if problems:
        raise UserInputError(problems)
    return rules


def _rule_match(rule: LocalRule) -> pl.Expr:
    col = fold(pl.col(rule.field))
    if rule.value.endswith("*"):
        return col.str.starts_with(rule.value[:-1]).fill_null(False)
    return (col == rule.value).fill_null(False)


def hcs_rule(columns: Sequence[str], rules: Sequence[LocalRule]) -> pl.Expr:
    """The rule that decides each row, as text: 'in:<rule>' or 'out:<rule>' (docs/esr-extracts.md)."""
    expr: Any = None

    def then(cond: pl.Expr, label: str) -> None:
        nonlocal expr
        expr = pl.when(cond).then(pl.lit(label)) if expr is None else expr.when(cond).then(pl.lit(label))

    for r in rules:
        if r.field in columns:
            then(_rule_match(r), f"{'in' if r.include else 'out'}:local rule (row {r.row})")
    has_group, has_occ = "staff_group" in columns, "occupation_code" in columns
    if has_group:
        then((fold(pl.col("staff_group")) == HCS_STAFF_GROUP).fill_null(False), "in:staff group")
    if has_occ:
        then(
            pl.col("occupation_code").str.to_uppercase().str.starts_with(U_MATRIX_PREFIX).fill_null(False),
            "in:occupation code (U matrix)",
        )
    if not has_group and not has_occ:
        then(pl.lit(True), "in:every row (no staff group or occupation code column)")
    else:
        then(pl.lit(True), "out:other staff group")
    out: pl.Expr = expr.otherwise(pl.lit("out:other staff group"))
    return out


def _stripped(parts: list[str]) -> pl.Expr:
    """The first non-blank of a canonical column's headers (`canon#i`), trimmed."""
    cleaned = [pl.col(p).str.strip_chars() for p in parts]
    return pl.coalesce(*(pl.when(c == "").then(None).otherwise(c) for c in cleaned))


# Columns kept of the rows that are not loaded: enough to count them and to screen them for healthcare
# scientists coded elsewhere (analytics.discovery), never stored as rows.
OTHERS_COLUMNS = (
    "staff_id",
    "organisation_code",
    "staff_group",
    "occupation_code",
    "job_role",
    "area_of_work",
    "position_title",
    "afc_band",
    "assignment_category",
    "assignment_status",
    "end_date",
)


def select_rows(f: pl.DataFrame, cols: dict[str, list[str]], rules: Sequence[LocalRule]) -> Selection:
    """Decide every row of a report before any other work, so that only the healthcare scientists go through
    the row checks: a whole-NHS report is 25 other staff for each of them.

    `f` holds the report's columns as `canon#i`. The rule is worked out once per distinct combination of the
    fields it reads (a few hundred in a national file), then joined back to the rows.
    """
    rule_cols: list[str] = [c for c in ("staff_group", "occupation_code") if c in cols]
    rule_cols += [r.field for r in rules if r.field in cols and r.field not in rule_cols]
    small = f.select(
        ROW_COL, *(_stripped([f"{c}#{i}" for i in range(len(cols[c]))]).alias(c) for c in rule_cols)
    )
    if rule_cols:
        combos = small.select(rule_cols).unique()
        combos = combos.with_columns(hcs_rule(rule_cols, rules).alias("hcs_rule"))
        decided = small.join(combos, on=rule_cols, how="left", nulls_equal=True)
    else:
        decided = small.with_columns(hcs_rule([], rules).alias("hcs_rule"))
    data_cols = [c for c in f.columns if c != ROW_COL]
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in data_cols)
    undecided = pl.all_horizontal(pl.col(c).is_null() for c in rule_cols) if rule_cols else pl.lit(True)
    # Wholly blank rows (trailing spreadsheet rows) are neither loaded nor counted.
    maybe_blank = decided.filter(undecided).select(ROW_COL)
    blank_rows = f.join(maybe_blank, on=ROW_COL).filter(blank).select(ROW_COL)
    decided = decided.join(blank_rows, on=ROW_COL, how="anti")
    inside = pl.col("hcs_rule").str.starts_with("in:")
    counts = dict(decided.group_by("hcs_rule").len().iter_rows())
    hcs_rows = decided.filter(inside).select(ROW_COL)
    other_rows = decided.filter(~inside)
    keep = [c for c in OTHERS_COLUMNS if c in cols]
    others = (
        f.join(other_rows.select(ROW_COL), on=ROW_COL)
        .select(ROW_COL, *(_stripped([f"{c}#{i}" for i in range(len(cols[c]))]).alias(c) for c in keep))
        .sort(ROW_COL)
    )
    if "staff_group" in others.columns:
        groups = others.group_by(pl.col("staff_group").fill_null("(no staff group)")).len()
        other_groups = dict(groups.iter_rows())
    else:
        other_groups = {"(no staff group)": others.height} if others.height else {}
    return Selection(
        hcs=f.join(hcs_rows, on=ROW_COL).sort(ROW_COL),
        others=others,
        rule_counts={str(k): int(v) for k, v in counts.items()},
        # Largest first, ties by name: the same file gives the same findings on every import.
        other_groups={
            str(k): int(v) for k, v in sorted(other_groups.items(), key=lambda kv: (-kv[1], str(kv[0])))
        },
    )


# -- values ESR writes --------------------------------------------------------------------------------------
def categories(f: pl.DataFrame) -> pl.Expr:
    """Assignment category -> permanent | fixed_term | bank | honorary | other (null when not given)."""
    if "assignment_category" not in f.columns:
        return pl.lit(None, dtype=pl.String)
    m = _distinct_map(f, "assignment_category", lambda v: CATEGORIES.get(reference.norm_text(v), "other"))
    return pl.col("assignment_category").replace_strict(m, default=None, return_dtype=pl.String)


def statuses(f: pl.DataFrame) -> pl.Expr:
    """Assignment status -> active | maternity | career_break | secondment | suspended | other."""
    if "assignment_status" not in f.columns:
        return pl.lit("active")
    m = _distinct_map(f, "assignment_status", lambda v: STATUSES.get(reference.norm_text(v), "other"))
    return (
        pl.col("assignment_status")
        .replace_strict(m, default=None, return_dtype=pl.String)
        .fill_null("active")
    )


def primary_flags(f: pl.DataFrame) -> pl.Expr:
    """True/False/null from a Primary Assignment column as written (Yes/No, Y/N, P/S)."""
    if "primary_assignment" not in f.columns:
        return pl.lit(None, dtype=pl.Boolean)
    m = _distinct_map(
        f,
        "primary_assignment",
        lambda v: True if reference.norm_text(v) in YES else False if reference.norm_text(v) in NO else None,
    )
    return pl.col("primary_assignment").replace_strict(m, default=None, return_dtype=pl.Boolean)


def levels_from_roles(f: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(career level, training programme, how) from the job role, and the band where the role names no level."""
    if "job_role" not in f.columns:
        none = pl.lit(None, dtype=pl.String)
        return none, none, none
    roles = reference.job_roles()
    found = _distinct_map(f, "job_role", lambda v: roles.get(reference.norm_text(v)))
    level = {k: (v.career_level if v else None) for k, v in found.items()}
    by_band = {k: bool(v and v.career_level is None) for k, v in found.items()}
    programme = {k: (v.training_programme if v else None) for k, v in found.items()}
    band_level = pl.col("band").replace_strict(
        reference.level_from_band(), default=None, return_dtype=pl.String
    )
    use_band = (
        pl.col("job_role").replace_strict(by_band, default=False, return_dtype=pl.Boolean).fill_null(False)
    )
    lvl = pl.col("job_role").replace_strict(level, default=None, return_dtype=pl.String)
    out = pl.when(use_band).then(band_level).otherwise(lvl)
    how = (
        pl.when(use_band & band_level.is_not_null())
        .then(pl.lit("band"))
        .when(lvl.is_not_null())
        .then(pl.lit("job_role"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return out, pl.col("job_role").replace_strict(programme, default=None, return_dtype=pl.String), how


def area_specialism(text: str) -> tuple[str | None, list[str], str]:
    """Area of Work or specialism text -> (specialism id, ambiguity candidates, kind).

    The shipped Area of Work table first (themes and divisions go to their 'specialism not known' entry),
    then the taxonomy's names, aliases and abbreviations.
    """
    area = reference.areas_of_work().get(reference.norm_text(text))
    if area is not None:
        return area.specialism_id, [], area.kind
    sid, cands = reference.resolve_specialism(text)
    return sid, cands, "specialism"


# -- the census date ----------------------------------------------------------------------------------------
def date_in_title(lines: Sequence[str]) -> tuple[date | None, str | None]:
    """The report's own date from its title lines, with the line it came from."""
    for line in lines:
        m = REPORT_DATE_RE.search(line)
        if m:
            d = parse_one_date(m.group(1))
            if d is not None:
                return d, line.strip()
    return None, None


def parse_one_date(text: str) -> date | None:
    frame = pl.DataFrame({"s": [text.strip()]})
    value = frame.select(parse_dates(frame, "s")).item()
    return value if isinstance(value, date) else None


def census_date_from_file(
    raw: RawTable, f: pl.DataFrame, label: str | None
) -> tuple[date | None, str | None, list[Problem]]:
    """(date, where it came from, problems): a census/report date column with one value, else the title lines."""
    if "census_date" in f.columns:
        values = f.select(parse_dates(f, "census_date").alias("d"), ROW_COL, "census_date")
        bad = values.filter(pl.col("census_date").is_not_null() & pl.col("d").is_null())
        if bad.height:
            row, _d, v = bad.row(0)
            return (
                None,
                None,
                [Problem("is not a date", file=raw.file, row=row, column=label, value=v, expected="a date")],
            )
        distinct = values["d"].drop_nulls().unique().sort().to_list()
        if len(distinct) > 1:
            return (
                None,
                None,
                [
                    Problem(
                        f"the file holds {len(distinct)} census dates ({distinct[0]} .. {distinct[-1]})",
                        file=raw.file,
                        column=label,
                        expected="one census date per import (import a history with hcs import-history)",
                    )
                ],
            )
        if distinct:
            return distinct[0], f"column {label!r}", []
    d, line = date_in_title(raw.preamble)
    if d is not None:
        return d, f"the report's title line {line!r}", []
    return None, None, []


def read_area_map(path: Path | None) -> dict[str, str]:
    """`area_of_work,specialism` rows: a trust's own Area of Work values -> specialism (name, alias or id)."""
    if path is None:
        return {}
    raw = read_table(path)
    heads = {reference.norm_text(h).replace(" ", "_"): h for h in raw.headers}
    area, spec = heads.get("area_of_work"), heads.get("specialism") or heads.get("specialism_id")
    if area is None or spec is None:
        raise UserInputError(
            Problem(
                "an area map needs the columns area_of_work and specialism",
                file=raw.file,
                row=1,
                expected="area_of_work,specialism",
            )
        )
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for row, a, sp in raw.frame.select(ROW_COL, area, spec).iter_rows():
        if not a:
            continue
        sid, _cands, _kind = area_specialism(sp or "")
        if sid is None:
            problems.append(
                Problem(
                    "is not a healthcare science specialism",
                    file=raw.file,
                    row=row,
                    column=spec,
                    value=sp or "",
                    expected="a specialism from hcs reference specialisms",
                )
            )
        else:
            out[reference.norm_text(a)] = sid
    if problems:
        raise UserInputError(problems)
    return out
