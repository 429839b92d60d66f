"""Validate an ESR-style extract and turn it into the rows the store keeps.

Every check runs over the whole file at once (vectorised in polars) and reports the spreadsheet row, the
column as the user named it, the value and what was expected. Nothing is written unless the whole file is
valid. Low-cardinality columns (specialism, band, level ...) are resolved once per distinct value.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
from hcsworkforce.ingest.reader import ROW_COL, RawTable, read_table

MAX_PROBLEMS_LISTED = 200

# Canonical column -> header spellings accepted (compared after folding case and punctuation to '_').
EXTRACT_ALIASES: dict[str, tuple[str, ...]] = {
    "staff_id": (
        "staff_id",
        "employee_number",
        "employee_no",
        "staff_number",
        "person_id",
        "esr_number",
        "employee_id",
    ),
    "assignment_id": ("assignment_id", "assignment_number", "assignment_no", "assignment"),
    "organisation_code": (
        "organisation_code",
        "organisation",
        "org_code",
        "ods_code",
        "organisation_ods_code",
        "employing_organisation",
        "trust_code",
        "org",
    ),
    "organisation_name": ("organisation_name", "org_name", "trust_name", "employer_name"),
    "region": ("region", "region_code", "nhse_region", "nhs_england_region", "region_name"),
    "specialism": ("specialism", "specialty", "speciality", "hcs_specialism", "area_of_work", "discipline"),
    "career_level": ("career_level", "level", "career_framework_level", "job_role", "hcs_level"),
    "occupation_code": ("occupation_code", "occ_code", "esr_occupation_code"),
    "afc_band": (
        "afc_band",
        "pay_band",
        "band",
        "grade",
        "agenda_for_change_band",
        "payband",
        "afc_pay_band",
    ),
    "fte": ("fte", "contracted_wte", "wte", "contracted_fte", "assignment_fte", "whole_time_equivalent"),
    "date_of_birth": ("date_of_birth", "dob", "birth_date"),
    "age": ("age", "age_in_years", "age_years"),
    "gender": ("gender", "sex"),
    "start_date": (
        "start_date",
        "hire_date",
        "date_started",
        "assignment_start_date",
        "latest_start_date",
        "start",
    ),
    "end_date": ("end_date", "termination_date", "leaving_date", "date_left", "assignment_end_date"),
    "leaving_reason": ("leaving_reason", "reason_for_leaving", "termination_reason"),
    "training_programme": ("training_programme", "training_program", "programme", "training"),
    "expected_completion": (
        "expected_completion",
        "expected_completion_date",
        "training_end_date",
        "completion_date",
    ),
}

ESTABLISHMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "organisation_code": EXTRACT_ALIASES["organisation_code"],
    "specialism": EXTRACT_ALIASES["specialism"],
    "career_level": EXTRACT_ALIASES["career_level"],
    "afc_band": EXTRACT_ALIASES["afc_band"],
    "funded_fte": (
        "funded_fte",
        "establishment_fte",
        "budgeted_fte",
        "funded_wte",
        "establishment_wte",
        "budgeted_wte",
        "establishment",
    ),
}

BAND_EXPECTED = "an Agenda for Change band: 1-7, 8a-8d or 9 (also 'Band 5', 'B5')"
LEVEL_EXPECTED = (
    "assistant, associate, practitioner, clinical_scientist, consultant, trainee_practitioner, "
    "trainee_clinical_scientist or trainee_consultant"
)
DATE_EXPECTED = "a date such as 2024-03-31 or 31/03/2024"
GENDERS = {
    "f": "female",
    "female": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "x": "other",
    "other": "other",
    "non binary": "other",
    "nonbinary": "other",
    "indeterminate": "other",
    "i": "other",
    "u": "unknown",
    "unknown": "unknown",
    "not known": "unknown",
    "not stated": "unknown",
    "prefer not to say": "unknown",
    "not specified": "unknown",
}


def norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (h or "").strip().lower()).strip("_")


@dataclass
class Problems:
    """Collects located problems; converts frames of bad rows into Problems lazily and caps the list."""

    file: str
    items: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, p: Problem) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS_LISTED:
            self.items.append(p)

    def add_rows(
        self, bad: pl.DataFrame, column: str, message: str | Callable[[str], str], expected: str
    ) -> None:
        """bad has ROW_COL and 'value'."""
        self.total += bad.height
        room = MAX_PROBLEMS_LISTED - len(self.items)
        for row, value in bad.head(max(room, 0)).select(ROW_COL, "value").iter_rows():
            v = "" if value is None else str(value)
            msg = message(v) if callable(message) else message
            self.items.append(
                Problem(msg, file=self.file, row=int(row), column=column, value=v, expected=expected)
            )

    def raise_if_any(self) -> None:
        if self.total:
            self.items.sort(key=lambda p: (p.row or 0, p.column or ""))
            raise UserInputError(self.items, self.total)


def map_columns(raw: RawTable, aliases: dict[str, tuple[str, ...]], problems: Problems) -> dict[str, str]:
    """Canonical name -> the header as written in the file."""
    lookup = {a: canon for canon, names in aliases.items() for a in names}
    found: dict[str, str] = {}
    for h in raw.headers:
        canon = lookup.get(norm_header(h))
        if canon is None:
            continue
        if canon in found:
            problems.add(
                Problem(
                    f"columns '{found[canon]}' and '{h}' both mean {canon}",
                    file=raw.file,
                    row=1,
                    column=h,
                    expected=f"one column for {canon}",
                )
            )
            continue
        found[canon] = h
    return found


def _bad(frame: pl.DataFrame, mask: pl.Expr, source_col: str) -> pl.DataFrame:
    return frame.filter(mask).select(ROW_COL, pl.col(source_col).alias("value"))


def _present(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != "")


def _resolve_unique(frame: pl.DataFrame, col: str, fn: Callable[[str], Any]) -> dict[str, Any]:
    """Apply a Python resolver once per distinct value of a column."""
    return {v: fn(v) for v in frame.get_column(col).drop_nulls().unique().to_list()}


def parse_dates(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Text -> Date: ISO, UK day-first (31/03/2024, 31-03-2024, 31.03.2024), ESR's 31-MAR-2024, or a datetime."""
    uniq = frame.select(pl.col(col).str.strip_chars().unique().drop_nulls().alias("s"))
    s = pl.col("s")
    t = s.str.to_titlecase()
    parsed = uniq.with_columns(
        pl.coalesce(
            s.str.to_date("%Y-%m-%d", strict=False),
            s.str.to_date("%d/%m/%Y", strict=False),
            s.str.to_date("%d-%m-%Y", strict=False),
            s.str.to_date("%d.%m.%Y", strict=False),
            t.str.to_date("%d-%b-%Y", strict=False),
            t.str.to_date("%d %b %Y", strict=False),
            s.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        ).alias("d")
    )
    mapping = dict(zip(parsed["s"].to_list(), parsed["d"].to_list(), strict=True))
    return pl.col(col).str.strip_chars().replace_strict(mapping, default=None, return_dtype=pl.Date)


def _suggest(value: str) -> str:
    names = [s.name for s in reference.specialisms().values()]
    close = difflib.get_close_matches(value, names, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


@dataclass
class ValidExtract:
    staff: pl.DataFrame
    leavers: pl.DataFrame
    organisations: pl.DataFrame
    has_leaver_data: bool
    findings: list[dict[str, Any]]
    rows: int


def _age_at(census: date, dob: pl.Expr) -> pl.Expr:
    before_birthday = (dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)) > (
        census.month * 100 + census.day
    )
    return (pl.lit(census.year) - dob.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)).cast(
        pl.Int32
    )


def _only_organisation(
    f: pl.DataFrame, organisation: str | None, problems: Problems, label: str | None
) -> None:
    """A trust loading into a shared database may load its own staff only: name every other row."""
    if organisation is None:
        return
    problems.add_rows(
        _bad(
            f,
            pl.col("organisation_code").is_not_null() & (pl.col("organisation_code") != organisation),
            "organisation_code",
        ),
        label or "organisation_code",
        "is another organisation",
        f"only rows of {organisation}, the organisation you load for",
    )


def _check_organisation_codes(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None], organisation: str | None
) -> pl.DataFrame:
    """Upper-case ODS codes; any well-formed code is accepted (unknown ones are loaded and flagged later)."""
    f = f.with_columns(pl.col("organisation_code").str.to_uppercase())
    _only_organisation(f, organisation, problems, label("organisation_code"))
    problems.add_rows(
        _bad(
            f,
            pl.col("organisation_code").is_not_null()
            & ~pl.col("organisation_code").str.contains(r"^[A-Z0-9]{3,6}$"),
            "organisation_code",
        ),
        label("organisation_code") or "organisation_code",
        "is not an ODS organisation code",
        "3 to 6 letters and digits, e.g. RGT",
    )
    return f


def _resolve_specialisms(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]
) -> pl.DataFrame:
    """Add specialism_id from names, aliases or unambiguous abbreviations; name the candidates when ambiguous."""
    resolved = _resolve_unique(f, "specialism", reference.resolve_specialism)
    spec_map = {k: v[0] for k, v in resolved.items()}
    f = f.with_columns(pl.col("specialism").replace_strict(spec_map, default=None).alias("specialism_id"))

    def spec_msg(v: str) -> str:
        cands = resolved.get(v, (None, []))[1]
        if cands:
            names = [reference.specialisms()[c].name for c in cands[:4]]
            return f"is ambiguous: it could be {', '.join(names)}" + (" ..." if len(cands) > 4 else "")
        return "is not a healthcare science specialism" + _suggest(v)

    problems.add_rows(
        _bad(f, pl.col("specialism").is_not_null() & pl.col("specialism_id").is_null(), "specialism"),
        label("specialism") or "specialism",
        spec_msg,
        "a specialism from the reference taxonomy (hcs reference specialisms)",
    )
    return f


def _resolve_codes(
    f: pl.DataFrame,
    problems: Problems,
    label: Callable[[str], str | None],
    column: str,
    out: str,
    resolver: Callable[[str], str | None],
    message: str,
    expected: str,
) -> pl.DataFrame:
    """Resolve a coded column (level, band) once per distinct value into `out`; null `out` if the column is absent."""
    if column not in f.columns:
        return f.with_columns(pl.lit(None, dtype=pl.String).alias(out))
    mapping = _resolve_unique(f, column, resolver)
    f = f.with_columns(pl.col(column).replace_strict(mapping, default=None).alias(out))
    problems.add_rows(
        _bad(f, pl.col(column).is_not_null() & pl.col(out).is_null(), column),
        label(column) or column,
        message,
        expected,
    )
    return f


def validate_extract(
    raw: RawTable, census: date, today: date | None = None, organisation: str | None = None
) -> ValidExtract:
    """Check every row; raise UserInputError with all problems, or return the rows to store."""
    today = today or date.today()
    problems = Problems(raw.file)
    cols = map_columns(raw, EXTRACT_ALIASES, problems)
    missing = [c for c in ("staff_id", "organisation_code", "afc_band", "fte", "start_date") if c not in cols]
    if "specialism" not in cols:
        missing.append("specialism")
    if "career_level" not in cols and "occupation_code" not in cols:
        missing.append("career_level")
    if "date_of_birth" not in cols and "age" not in cols:
        missing.append("date_of_birth or age")
    for m in missing:
        problems.add(
            Problem(
                f"required column {m} is missing",
                file=raw.file,
                row=1,
                column=m,
                expected=f"a header such as {', '.join(repr(a) for a in EXTRACT_ALIASES.get(m, (m,))[:3])}; "
                f"found {', '.join(repr(h) for h in raw.headers[:12])}",
            )
        )
    problems.raise_if_any()

    # Work on canonical names; drop rows that are wholly blank (trailing rows in spreadsheets).
    f = raw.frame.select(ROW_COL, *(pl.col(h).alias(c) for c, h in cols.items()))
    data_cols = [c for c in f.columns if c != ROW_COL]
    f = f.with_columns(pl.col(c).str.strip_chars() for c in data_cols)
    f = f.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in data_cols)
    f = f.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in data_cols))
    if f.height == 0:
        raise UserInputError(
            Problem(
                "the file has a header but no data rows", file=raw.file, expected="one row per assignment"
            )
        )
    label = cols.get  # the user's header name for messages

    def required(c: str) -> None:
        if c in f.columns:
            problems.add_rows(_bad(f, pl.col(c).is_null(), c), label(c) or c, f"{c} is empty", "a value")

    for c in ("staff_id", "organisation_code", "afc_band", "fte", "start_date"):
        required(c)

    f = _check_organisation_codes(f, problems, label, organisation)

    # Specialism (by name, alias or unambiguous abbreviation).
    if "specialism" in f.columns:
        required("specialism")
        f = _resolve_specialisms(f, problems, label)

    # Career level, filled from the occupation code where the code's meaning is known.
    f = _resolve_codes(
        f,
        problems,
        label,
        "career_level",
        "career_level_id",
        reference.resolve_career_level,
        "is not a career level",
        LEVEL_EXPECTED,
    )
    filled_from_occupation = 0
    if "occupation_code" in f.columns:
        occ = {
            r["code"]: r["career_level"]
            for r in reference.read_table("occupation_codes")
            if r["career_level"]
        }
        occ_level = (
            pl.col("occupation_code").str.to_uppercase().str.slice(0, 3).replace_strict(occ, default=None)
        )
        filled_from_occupation = f.filter(
            pl.col("career_level_id").is_null() & occ_level.is_not_null()
        ).height
        f = f.with_columns(pl.coalesce(pl.col("career_level_id"), occ_level).alias("career_level_id"))
    no_level = pl.col("career_level_id").is_null()
    if "career_level" in f.columns:
        no_level = no_level & pl.col("career_level").is_null()
    occ_col = "occupation_code" if "occupation_code" in f.columns else ROW_COL
    problems.add_rows(
        f.filter(no_level).select(ROW_COL, pl.col(occ_col).cast(pl.String).alias("value"))
        if occ_col != ROW_COL
        else f.filter(no_level).select(ROW_COL, pl.lit("").alias("value")),
        label("career_level") or label("occupation_code") or "career_level",
        "career level is empty and the occupation code does not give one",
        LEVEL_EXPECTED,
    )

    # Agenda for Change band.
    f = _resolve_codes(
        f,
        problems,
        label,
        "afc_band",
        "band",
        reference.resolve_band,
        "is not an Agenda for Change band",
        BAND_EXPECTED,
    )

    # FTE: a number in (0, 1.5].
    f = f.with_columns(pl.col("fte").str.replace(",", ".").cast(pl.Float64, strict=False).alias("fte_num"))
    problems.add_rows(
        _bad(f, pl.col("fte").is_not_null() & pl.col("fte_num").is_null(), "fte"),
        label("fte") or "fte",
        "is not a number",
        "a whole-time equivalent such as 1.0 or 0.6",
    )
    problems.add_rows(
        _bad(
            f, pl.col("fte_num").is_not_null() & ((pl.col("fte_num") <= 0) | (pl.col("fte_num") > 1.5)), "fte"
        ),
        label("fte") or "fte",
        "is outside the range of a contracted FTE",
        "more than 0 and at most 1.5",
    )

    # Dates.
    for c in ("start_date", "end_date", "date_of_birth", "expected_completion"):
        if c in f.columns:
            f = f.with_columns(parse_dates(f, c).alias(f"{c}_d"))
            problems.add_rows(
                _bad(f, pl.col(c).is_not_null() & pl.col(f"{c}_d").is_null(), c),
                label(c) or c,
                "is not a date",
                DATE_EXPECTED,
            )
        else:
            f = f.with_columns(pl.lit(None, dtype=pl.Date).alias(f"{c}_d"))

    # Age: from the date of birth at the census date, else the age column.
    if "date_of_birth" in f.columns:
        problems.add_rows(
            _bad(f, pl.col("date_of_birth_d") > pl.lit(today), "date_of_birth"),
            label("date_of_birth") or "date_of_birth",
            "date of birth is in the future",
            "a date in the past",
        )
        problems.add_rows(
            _bad(
                f,
                (pl.col("date_of_birth_d") <= pl.lit(today)) & (pl.col("date_of_birth_d") > pl.lit(census)),
                "date_of_birth",
            ),
            label("date_of_birth") or "date_of_birth",
            f"date of birth is after the census date {census.isoformat()}",
            "a date before the census date",
        )
        f = f.with_columns(_age_at(census, pl.col("date_of_birth_d")).alias("age_num"))
        age_source = "date_of_birth"
        if "age" in f.columns:
            f = f.with_columns(
                pl.coalesce(pl.col("age_num"), pl.col("age").cast(pl.Int32, strict=False)).alias("age_num")
            )
    else:
        f = f.with_columns(pl.col("age").cast(pl.Float64, strict=False).alias("age_f"))
        problems.add_rows(
            _bad(
                f,
                pl.col("age").is_not_null()
                & (pl.col("age_f").is_null() | (pl.col("age_f") != pl.col("age_f").floor())),
                "age",
            ),
            label("age") or "age",
            "is not a whole number of years",
            "an age in years, e.g. 42",
        )
        f = f.with_columns(pl.col("age_f").cast(pl.Int32, strict=False).alias("age_num"))
        age_source = "age"
    no_age = pl.col("age_num").is_null()
    if "date_of_birth" in f.columns:
        no_age = no_age & pl.col("date_of_birth").is_null()
    if "age" in f.columns:
        no_age = no_age & pl.col("age").is_null()
    problems.add_rows(
        f.filter(no_age).select(ROW_COL, pl.lit("").alias("value")),
        label(age_source) or age_source,
        "neither a date of birth nor an age is given",
        "a date of birth or an age",
    )
    dob_after_census = (
        pl.col("date_of_birth_d") > pl.lit(census) if "date_of_birth" in f.columns else pl.lit(False)
    )
    age_bad = f.filter(
        ((pl.col("age_num") < 16) | (pl.col("age_num") > 80)) & ~dob_after_census.fill_null(False)
    ).select(
        ROW_COL,
        pl.concat_str(
            pl.col(age_source), pl.lit(" (age "), pl.col("age_num").cast(pl.String), pl.lit(")")
        ).alias("value"),
    )
    problems.add_rows(
        age_bad,
        label(age_source) or age_source,
        f"gives an age outside 16-80 on the census date {census.isoformat()}",
        "an age of 16 to 80 on the census date",
    )

    problems.add_rows(
        _bad(f, pl.col("start_date_d") > pl.lit(census), "start_date"),
        label("start_date") or "start_date",
        f"start date is after the census date {census.isoformat()}",
        "a start date on or before the census date",
    )
    if "end_date" in f.columns:
        problems.add_rows(
            _bad(f, pl.col("end_date_d") < pl.col("start_date_d"), "end_date"),
            label("end_date") or "end_date",
            "end date is before the start date",
            "an end date on or after the start date",
        )

    # Training programme.
    if "training_programme" in f.columns:
        tp = _resolve_unique(f, "training_programme", reference.resolve_training_programme)
        f = f.with_columns(
            pl.col("training_programme")
            .replace_strict(tp, default=None)
            .fill_null(pl.when(pl.col("training_programme").is_null()).then(pl.lit("none")))
            .alias("programme")
        )
        problems.add_rows(
            _bad(
                f,
                pl.col("training_programme").is_not_null() & pl.col("programme").is_null(),
                "training_programme",
            ),
            label("training_programme") or "training_programme",
            "is not a training programme",
            "none, apprenticeship_l2..apprenticeship_l7, ptp, stp, hsst, etp or equivalence",
        )
    else:
        f = f.with_columns(pl.lit("none").alias("programme"))

    # Gender (optional).
    if "gender" in f.columns:
        g = _resolve_unique(f, "gender", lambda v: GENDERS.get(" ".join(v.lower().replace("-", " ").split())))
        f = f.with_columns(pl.col("gender").replace_strict(g, default=None).alias("gender_id"))
        problems.add_rows(
            _bad(f, pl.col("gender").is_not_null() & pl.col("gender_id").is_null(), "gender"),
            label("gender") or "gender",
            "is not a recognised gender",
            "female, male, other or unknown (or F, M, X, U)",
        )
    else:
        f = f.with_columns(pl.lit(None, dtype=pl.String).alias("gender_id"))

    # Region (optional): a code (Y56) or a name (London).
    regions = reference.regions()
    if "region" in f.columns:
        by_name = {reference._norm(n): c for c, n in regions.items()}
        rg = _resolve_unique(
            f, "region", lambda v: v.upper() if v.upper() in regions else by_name.get(reference._norm(v))
        )
        f = f.with_columns(pl.col("region").replace_strict(rg, default=None).alias("region_id"))
        problems.add_rows(
            _bad(f, pl.col("region").is_not_null() & pl.col("region_id").is_null(), "region"),
            label("region") or "region",
            "is not an NHS England region",
            "a region code (Y56, Y58-Y63) or name (" + ", ".join(regions.values()) + ")",
        )
    else:
        f = f.with_columns(pl.lit(None, dtype=pl.String).alias("region_id"))

    # One assignment once per census.
    if "assignment_id" not in f.columns:
        f = f.with_columns(pl.col("staff_id").alias("assignment_id"))
    else:
        f = f.with_columns(pl.coalesce(pl.col("assignment_id"), pl.col("staff_id")).alias("assignment_id"))
    dup = f.filter(pl.struct("staff_id", "assignment_id").is_duplicated() & pl.col("staff_id").is_not_null())
    if dup.height:
        first_rows = dup.group_by("staff_id", "assignment_id").agg(pl.col(ROW_COL).min().alias("first"))
        dup = dup.join(first_rows, on=["staff_id", "assignment_id"]).filter(
            pl.col(ROW_COL) != pl.col("first")
        )
        problems.add_rows(
            dup.select(
                ROW_COL,
                pl.concat_str(
                    pl.col("staff_id"),
                    pl.lit(" / "),
                    pl.col("assignment_id"),
                    pl.lit(" (first at row "),
                    pl.col("first").cast(pl.String),
                    pl.lit(")"),
                ).alias("value"),
            ),
            (label("assignment_id") or label("staff_id") or "staff_id"),
            "duplicate assignment in this census",
            "each staff_id and assignment_id once per census",
        )

    problems.raise_if_any()
    return _shape(f, census, cols, filled_from_occupation, raw)


def _shape(
    f: pl.DataFrame, census: date, cols: dict[str, str], filled_from_occupation: int, raw: RawTable
) -> ValidExtract:
    key = load_key()
    staff_ids = f.get_column("staff_id").unique().to_list()
    staff_map = dict(zip(staff_ids, pseudonymise(staff_ids, key), strict=True))
    pairs = f.select(pl.concat_str(pl.col("staff_id"), pl.lit("\x1f"), pl.col("assignment_id")).alias("p"))[
        "p"
    ]
    uniq_pairs = pairs.unique().to_list()
    pair_map = dict(zip(uniq_pairs, pseudonymise(uniq_pairs, key), strict=True))
    out = f.select(
        pl.col("staff_id").replace_strict(staff_map).alias("staff_key"),
        pairs.replace_strict(pair_map).alias("assignment_key"),
        pl.col("organisation_code"),
        pl.col("specialism_id"),
        pl.col("career_level_id").alias("career_level"),
        pl.col("band").alias("afc_band"),
        pl.col("fte_num").alias("fte"),
        pl.col("age_num").cast(pl.Int32).alias("age"),
        pl.col("gender_id").alias("gender"),
        pl.col("start_date_d").alias("start_date"),
        pl.col("programme").alias("training_programme"),
        pl.col("expected_completion_d").alias("expected_completion"),
        pl.col("end_date_d").alias("end_date"),
        (pl.col("leaving_reason") if "leaving_reason" in f.columns else pl.lit(None, dtype=pl.String)).alias(
            "leaving_reason"
        ),
        pl.col("region_id"),
        (
            pl.col("organisation_name") if "organisation_name" in f.columns else pl.lit(None, dtype=pl.String)
        ).alias("organisation_name"),
    )
    left = out["end_date"].is_not_null() & (out["end_date"] <= census)
    staff = out.filter(~left).drop("end_date", "leaving_reason")
    leavers = out.filter(left)
    orgs = _organisations(out)
    findings = _findings(out, staff, leavers, orgs, census, filled_from_occupation)
    return ValidExtract(
        staff=staff.drop("region_id", "organisation_name"),
        leavers=leavers.drop("region_id", "organisation_name"),
        organisations=orgs,
        has_leaver_data="end_date" in cols,
        findings=findings,
        rows=f.height,
    )


def _organisations(out: pl.DataFrame) -> pl.DataFrame:
    trusts = reference.trusts()
    given = out.group_by("organisation_code").agg(
        pl.col("organisation_name").drop_nulls().first().alias("name"),
        pl.col("region_id").drop_nulls().first().alias("region_given"),
    )
    rows = []
    for code, name, region_given in given.iter_rows():
        t = trusts.get(code)
        rows.append(
            {
                "code": code,
                "name": (t.name.title() if t else None) or name,
                "region_code": (t.region_code if t else None) or region_given,
                "known": t is not None,
                "region_given": region_given,
                "closed": t.closed if t else "",
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "code": pl.String,
            "name": pl.String,
            "region_code": pl.String,
            "known": pl.Boolean,
            "region_given": pl.String,
            "closed": pl.String,
        },
    )


def _finding(
    check: str, count: int, detail: str, severity: str = "warning", examples: Iterable[Any] = ()
) -> dict[str, Any]:
    return {
        "check": check,
        "severity": severity,
        "count": int(count),
        "detail": detail,
        "examples": list(examples)[:10],
    }


def _findings(
    out: pl.DataFrame,
    staff: pl.DataFrame,
    leavers: pl.DataFrame,
    orgs: pl.DataFrame,
    census: date,
    filled_from_occupation: int,
) -> list[dict[str, Any]]:
    """Data-quality findings: loaded, but worth a look. They never block an import."""
    found: list[dict[str, Any]] = []
    unknown = orgs.filter(~pl.col("known"))
    if unknown.height:
        found.append(
            _finding(
                "unknown_organisation",
                unknown.height,
                "organisation codes not in the shipped list of NHS trusts in England (loaded as given)",
                examples=unknown["code"].sort().to_list(),
            )
        )
    closed = orgs.filter(
        pl.col("known") & (pl.col("closed") != "") & (pl.col("closed") <= census.isoformat())
    )
    if closed.height:
        found.append(
            _finding(
                "closed_organisation",
                closed.height,
                "organisations that had closed or merged by the census date",
                examples=closed["code"].to_list(),
            )
        )
    clash = orgs.filter(
        pl.col("known")
        & pl.col("region_given").is_not_null()
        & (pl.col("region_given") != pl.col("region_code"))
    )
    if clash.height:
        found.append(
            _finding(
                "region_differs",
                clash.height,
                "region in the file differs from the trust's NHS England region (the reference region is used)",
                examples=clash["code"].to_list(),
            )
        )
    no_region = orgs.filter(pl.col("region_code").is_null())
    if no_region.height:
        found.append(
            _finding(
                "no_region",
                no_region.height,
                "organisations with no known region: they are left out of regional figures",
                examples=no_region["code"].to_list(),
            )
        )
    typical = {lv.id: set(lv.typical_bands) for lv in reference.career_levels().values()}
    atypical = (
        staff.filter(
            ~pl.struct("career_level", "afc_band").map_elements(
                lambda s: s["afc_band"] in typical.get(s["career_level"], set()), return_dtype=pl.Boolean
            )
        )
        if staff.height <= 50_000
        else _atypical_fast(staff, typical)
    )
    if atypical.height:
        found.append(
            _finding(
                "band_atypical_for_level",
                atypical.height,
                "assignments whose band is unusual for their career level (check coding)",
            )
        )
    per_person = staff.group_by("staff_key").agg(pl.col("fte").sum())
    over = per_person.filter(pl.col("fte") > 1.5)
    if over.height:
        found.append(
            _finding(
                "fte_over_1_5_per_person", over.height, "people whose assignments add up to more than 1.5 FTE"
            )
        )
    trainees = staff.filter(pl.col("career_level").str.starts_with("trainee_"))
    no_prog = trainees.filter(pl.col("training_programme") == "none")
    if no_prog.height:
        found.append(
            _finding("trainee_without_programme", no_prog.height, "trainees with no training programme")
        )
    no_end = trainees.filter(pl.col("expected_completion").is_null())
    if no_end.height:
        found.append(
            _finding(
                "trainee_without_completion_date",
                no_end.height,
                "trainees with no expected completion date (projections assume the programme's duration)",
            )
        )
    overdue = staff.filter(pl.col("expected_completion") < pl.lit(census))
    if trainees.height and overdue.height:
        found.append(
            _finding(
                "completion_date_passed", overdue.height, "expected completion dates before the census date"
            )
        )
    no_gender = staff.filter(pl.col("gender").is_null())
    if no_gender.height:
        found.append(
            _finding(
                "gender_missing", no_gender.height, "assignments with no gender recorded", severity="info"
            )
        )
    over_65 = staff.filter(pl.col("age") >= 65)["staff_key"].n_unique()
    if over_65:
        found.append(_finding("aged_65_plus", over_65, "people in post aged 65 or over", severity="info"))
    if filled_from_occupation:
        found.append(
            _finding(
                "level_from_occupation_code",
                filled_from_occupation,
                "career levels filled from the ESR occupation code",
                severity="info",
            )
        )
    found.append(
        _finding(
            "summary",
            staff.height,
            f"{staff.height:,} assignments in post held by "
            f"{staff['staff_key'].n_unique():,} people; {leavers.height:,} leaver rows",
            severity="info",
        )
    )
    return found


def _atypical_fast(staff: pl.DataFrame, typical: dict[str, set[str]]) -> pl.DataFrame:
    pairs = pl.DataFrame(
        [(lv, b) for lv, bs in typical.items() for b in bs],
        schema={"career_level": pl.String, "afc_band": pl.String},
        orient="row",
    ).with_columns(pl.lit(True).alias("ok"))
    return staff.join(pairs, on=["career_level", "afc_band"], how="left").filter(pl.col("ok").is_null())


@dataclass
class ValidEstablishment:
    frame: pl.DataFrame
    rows: int


def validate_establishment(raw: RawTable, organisation: str | None = None) -> ValidEstablishment:
    problems = Problems(raw.file)
    cols = map_columns(raw, ESTABLISHMENT_ALIASES, problems)
    for m in ("organisation_code", "specialism", "funded_fte"):
        if m not in cols:
            problems.add(
                Problem(
                    f"required column {m} is missing",
                    file=raw.file,
                    row=1,
                    column=m,
                    expected=f"a header such as {ESTABLISHMENT_ALIASES[m][0]!r}; found "
                    + ", ".join(repr(h) for h in raw.headers[:12]),
                )
            )
    if "career_level" not in cols and "afc_band" not in cols:
        problems.add(
            Problem(
                "the establishment needs a career_level or an afc_band column",
                file=raw.file,
                row=1,
                column="career_level",
                expected="career_level or afc_band",
            )
        )
    problems.raise_if_any()
    f = raw.frame.select(ROW_COL, *(pl.col(h).str.strip_chars().alias(c) for c, h in cols.items()))
    f = f.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in cols)
    f = f.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in cols))
    if f.height == 0:
        raise UserInputError(Problem("the establishment file has no data rows", file=raw.file))
    label = cols.get
    for c in ("organisation_code", "specialism", "funded_fte"):
        problems.add_rows(_bad(f, pl.col(c).is_null(), c), label(c) or c, f"{c} is empty", "a value")
    f = _check_organisation_codes(f, problems, label, organisation)
    f = _resolve_specialisms(f, problems, label)
    f = _resolve_codes(
        f,
        problems,
        label,
        "career_level",
        "level_id",
        reference.resolve_career_level,
        "is not a career level",
        LEVEL_EXPECTED,
    )
    f = _resolve_codes(
        f,
        problems,
        label,
        "afc_band",
        "band_id",
        reference.resolve_band,
        "is not an Agenda for Change band",
        BAND_EXPECTED,
    )
    f = f.with_columns(
        pl.col("funded_fte").str.replace(",", ".").cast(pl.Float64, strict=False).alias("fte_num")
    )
    problems.add_rows(
        _bad(
            f,
            pl.col("funded_fte").is_not_null() & (pl.col("fte_num").is_null() | (pl.col("fte_num") < 0)),
            "funded_fte",
        ),
        label("funded_fte") or "funded_fte",
        "is not a funded FTE",
        "a number of whole-time equivalents, 0 or more",
    )
    keys = ["organisation_code", "specialism_id", "level_id", "band_id"]
    dup = f.filter(pl.struct(keys).is_duplicated() & pl.col("specialism_id").is_not_null())
    if dup.height:
        firsts = dup.group_by(keys, maintain_order=True).agg(pl.col(ROW_COL).min().alias("first"))
        dup = dup.join(firsts, on=keys, how="left", nulls_equal=True).filter(
            pl.col(ROW_COL) != pl.col("first")
        )
        problems.add_rows(
            dup.select(
                ROW_COL,
                pl.concat_str(pl.lit("first at row "), pl.col("first").cast(pl.String)).alias("value"),
            ),
            label("organisation_code") or "organisation_code",
            "duplicate establishment line",
            "each organisation, specialism and level/band once",
        )
    problems.raise_if_any()
    out = f.select(
        "organisation_code",
        "specialism_id",
        pl.col("level_id").alias("career_level"),
        pl.col("band_id").alias("afc_band"),
        pl.col("fte_num").alias("funded_fte"),
    )
    return ValidEstablishment(frame=out, rows=out.height)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_extract(path: Path, census: date, display_name: str | None = None) -> ValidExtract:
    return validate_extract(read_table(path, display_name), census)


def read_establishment(
    path: Path, display_name: str | None = None, organisation: str | None = None
) -> ValidEstablishment:
    return validate_establishment(read_table(path, display_name), organisation)
