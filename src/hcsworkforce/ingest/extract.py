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
from hcsworkforce.ingest import esr
from hcsworkforce.ingest.dates import DATE_EXPECTED, parse_dates
from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
from hcsworkforce.ingest.reader import ROW_COL, RawTable, read_table
from hcsworkforce.model.frames import BANK_SCHEMA, STATUS_SCHEMA

MAX_PROBLEMS_LISTED = 200

# Canonical column -> header spellings accepted (compared after folding case and punctuation to '_').
EXTRACT_ALIASES: dict[str, tuple[str, ...]] = {
    # Where two headers of one meaning are both in a file, their order here is the order of preference
    # (docs/esr-extracts.md states each rule; ingest/esr.py combine_pairs applies it).
    "staff_id": (
        "staff_id",
        "employee_number",
        "unique_nhs_identifier",
        "employee_no",
        "staff_number",
        "person_id",
        "person_number",
        "esr_number",
        "employee_id",
    ),
    "assignment_id": ("assignment_id", "assignment_number", "asg_number", "assignment_no", "assignment"),
    "organisation_code": (
        "organisation_code",
        "ods_code",
        "org_code",
        "organisation_ods_code",
        "trust_code",
        "org",
        "organisation",
        "employing_organisation",
        "organisation_name_hierarchy",
    ),
    "organisation_name": ("organisation_name", "org_name", "trust_name", "employer_name"),
    "region": ("region", "region_code", "nhse_region", "nhs_england_region", "region_name"),
    "specialism": ("specialism", "specialty", "speciality", "hcs_specialism", "discipline"),
    "area_of_work": ("area_of_work", "aow", "area_of_work_name"),
    "career_level": ("career_level", "level", "career_framework_level", "hcs_level"),
    "job_role": ("job_role", "job_role_name"),
    "staff_group": ("staff_group", "staff_group_name"),
    "position_title": ("position_title", "position_name", "position", "job_title"),
    "occupation_code": ("occupation_code", "occ_code", "esr_occupation_code"),
    "afc_band": (
        "afc_band",
        "pay_band",
        "grade",
        "band",
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
        "latest_start_date",
        "hire_date",
        "date_started",
        "assignment_start_date",
        "start",
    ),
    "end_date": ("end_date", "termination_date", "leaving_date", "date_left", "assignment_end_date"),
    "leaving_reason": ("leaving_reason", "reason_for_leaving", "termination_reason"),
    "leaver_destination": ("leaver_destination", "destination_on_leaving", "leaving_destination"),
    "assignment_category": ("assignment_category", "asg_category", "employee_category"),
    "assignment_status": ("assignment_status", "asg_status"),
    "primary_assignment": ("primary_assignment", "primary_flag", "primary_assignment_flag"),
    "contracted_hours": ("contracted_hours",),
    "census_date": ("census_date", "report_date", "effective_date", "snapshot_date", "extract_date"),
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
    "specialism": EXTRACT_ALIASES["specialism"] + EXTRACT_ALIASES["area_of_work"],
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


def _suggest(value: str) -> str:
    names = [s.name for s in reference.specialisms().values()]
    close = difflib.get_close_matches(value, names, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _empty(schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass
class ValidExtract:
    staff: pl.DataFrame
    leavers: pl.DataFrame
    organisations: pl.DataFrame
    has_leaver_data: bool
    findings: list[dict[str, Any]]
    rows: int
    # Bank and honorary assignments of healthcare scientists, counted apart from staff in post.
    bank: pl.DataFrame = field(default_factory=lambda: _empty(BANK_SCHEMA))
    # In-post assignments whose status makes them unavailable (maternity, career break, secondment ...).
    statuses: pl.DataFrame = field(default_factory=lambda: _empty(STATUS_SCHEMA))
    # Every row of other staff groups, for the data-quality screen and leadership figures (never stored).
    others: pl.DataFrame = field(default_factory=pl.DataFrame)
    # Every in-post row of the report, HCS and other staff groups, in analytics.discovery.FRAME_SCHEMA:
    # screened for healthcare scientists coded elsewhere and counted for leadership; never stored as rows.
    discovery: pl.DataFrame = field(default_factory=pl.DataFrame)


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
    f: pl.DataFrame,
    problems: Problems,
    label: Callable[[str], str | None],
    area_map: dict[str, str] | None = None,
) -> pl.DataFrame:
    """specialism_id (and specialism_kind) from the specialism, else the Area of Work.

    A local area map first, then the shipped Area of Work table (a theme or division goes to its
    'specialism not known' entry, never to a guessed specialism), then names, aliases and unambiguous
    abbreviations; ambiguous values name their candidates.
    """
    area_map = area_map or {}
    given = [c for c in ("specialism", "area_of_work") if c in f.columns]
    f = f.with_columns(pl.coalesce(*given).alias("spec_text"))

    def resolve(v: str) -> tuple[str | None, list[str], str]:
        local = area_map.get(reference.norm_text(v))
        return (local, [], "local") if local else esr.area_specialism(v)

    resolved = _resolve_unique(f, "spec_text", resolve)
    f = f.with_columns(
        pl.col("spec_text")
        .replace_strict({k: v[0] for k, v in resolved.items()}, default=None, return_dtype=pl.String)
        .alias("specialism_id"),
        pl.col("spec_text")
        .replace_strict({k: v[2] for k, v in resolved.items()}, default=None, return_dtype=pl.String)
        .alias("specialism_kind"),
    )

    def spec_msg(v: str) -> str:
        cands = resolved.get(v, (None, [], ""))[1]
        if cands:
            names = [reference.specialisms()[c].name for c in cands[:4]]
            return f"is ambiguous: it could be {', '.join(names)}" + (" ..." if len(cands) > 4 else "")
        return "is not a healthcare science specialism, theme or division" + _suggest(v)

    problems.add_rows(
        _bad(f, pl.col("spec_text").is_not_null() & pl.col("specialism_id").is_null(), "spec_text"),
        label(given[0]) or given[0],
        spec_msg,
        "a specialism from the reference taxonomy (hcs reference specialisms), a theme or division such as "
        "'Blood Sciences' (loaded as 'specialism not known'), or a line in your area map (--area-map)",
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


@dataclass
class EsrOptions:
    """Local knowledge a trust adds to the shipped rules (docs/esr-extracts.md)."""

    rules: list[esr.LocalRule] = field(default_factory=list)
    vpd_map: dict[str, str] = field(default_factory=dict)
    area_map: dict[str, str] = field(default_factory=dict)  # folded Area of Work -> specialism id
    # The trusts list in effect (services.imports passes the one refreshed from ODS etr.csv); None: shipped.
    trusts: dict[str, reference.Organisation] | None = None


def map_columns_multi(raw: RawTable, aliases: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Canonical name -> the headers as written in the file that mean it, in order of preference."""
    rank = {a: (canon, i) for canon, names in aliases.items() for i, a in enumerate(names)}
    found: dict[str, list[tuple[int, str]]] = {}
    for h in raw.headers:
        hit = rank.get(norm_header(h))
        if hit is not None:
            found.setdefault(hit[0], []).append((hit[1], h))
    return {canon: [h for _i, h in sorted(hs)] for canon, hs in found.items()}


def _missing_columns(raw: RawTable, cols: dict[str, list[str]], mode: str, problems: Problems) -> None:
    needed = ["staff_id", "organisation_code", "afc_band", "fte", "start_date"]
    if mode == "leavers":
        needed.append("end_date")
    missing = [c for c in needed if c not in cols]
    if "specialism" not in cols and "area_of_work" not in cols:
        missing.append("specialism")
    if not {"career_level", "occupation_code", "job_role"} & set(cols):
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


def _canonical_frame(
    f: pl.DataFrame, cols: dict[str, list[str]], problems: Problems, labels: dict[str, str]
) -> pl.DataFrame:
    """Trimmed text under canonical names, header pairs made one by their rule (`f` has `canon#i` columns)."""
    data_cols = [c for c in f.columns if c != ROW_COL]
    f = f.with_columns(pl.col(c).str.strip_chars() for c in data_cols)
    f = f.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in data_cols)
    return esr.combine_pairs(f, cols, labels, problems.file, problems.add_rows)


def validate_extract(
    raw: RawTable,
    census: date,
    organisation: str | None = None,
    options: EsrOptions | None = None,
    mode: str = "report",
) -> ValidExtract:
    """Check every row; raise UserInputError with all problems, or return the rows to store.

    `mode` is "report" for a staff-in-post report (leaver rows in it allowed) and "leavers" for ESR's
    separate leavers report, where every row must have ended by the census date.
    """
    options = options or EsrOptions()
    problems = Problems(raw.file)
    cols = map_columns_multi(raw, EXTRACT_ALIASES)
    _missing_columns(raw, cols, mode, problems)
    problems.raise_if_any()
    labels: dict[str, str] = {c: hs[0] for c, hs in cols.items()}
    label = labels.get  # the user's header name for messages
    parts = raw.frame.select(
        ROW_COL, *(pl.col(h).alias(f"{c}#{i}") for c, hs in cols.items() for i, h in enumerate(hs))
    )
    chosen = esr.select_rows(parts, cols, options.rules)
    if sum(chosen.rule_counts.values()) == 0 and mode == "report":
        raise UserInputError(
            Problem(
                "the file has a header but no data rows", file=raw.file, expected="one row per assignment"
            )
        )
    if chosen.hcs.height == 0 and mode == "report":
        groups = ", ".join(f"{g} {n:,}" for g, n in list(chosen.other_groups.items())[:6])
        raise UserInputError(
            Problem(
                f"no healthcare scientists in the file ({chosen.others.height:,} rows: {groups})",
                file=raw.file,
                column=label("staff_group") or label("occupation_code"),
                expected="rows of staff group 'Healthcare Scientists', U-matrix occupation codes, or a local "
                "rule file (--hcs-rules) that puts your rows in",
            )
        )
    trusts = options.trusts if options.trusts is not None else reference.trusts()
    f = _canonical_frame(chosen.hcs, cols, problems, labels)
    f = esr.resolve_organisations(f, options.vpd_map, organisation, trusts)
    _check_required(f, problems, label)
    _check_unresolved_organisations(f, problems, label)
    f = _check_organisation_codes(f, problems, label, organisation)
    if "specialism" in f.columns or "area_of_work" in f.columns:
        f = _resolve_specialisms(f, problems, label, options.area_map)
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
    f, level_counts = _resolve_levels(f, problems, label)
    f = f.with_columns(esr.categories(f).alias("category"), esr.statuses(f).alias("status"))
    f = _check_fte(f, problems, label)
    f = _check_dates(f, problems, label, census)
    f = _resolve_ages(f, problems, label, census)
    _check_spells(f, problems, label, census, mode)
    f = _resolve_programmes(f, problems, label)
    f = _resolve_gender_region(f, problems, label)
    f = _person_attributes_from_primary(f)
    _check_duplicates(f, problems, label)
    problems.raise_if_any()
    shaped = _shape(f, census, cols, level_counts, raw, chosen, mode, trusts)
    if mode == "report":
        others = esr.resolve_organisations(chosen.others, options.vpd_map, organisation, trusts)
        shaped.discovery = discovery_frame(f, shaped, others, census)
    return shaped


def discovery_frame(
    f: pl.DataFrame, shaped: ValidExtract, others: pl.DataFrame, census: date
) -> pl.DataFrame:
    """The in-post rows of the whole report for analytics.discovery: the healthcare scientists as loaded and
    the other staff groups as written (band normalised; person keyed by an in-memory hash, never stored)."""

    def text(frame: pl.DataFrame, c: str) -> pl.Expr:
        return (pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String)).cast(pl.String).alias(c)

    fields = ("staff_group", "occupation_code", "job_role", "area_of_work", "position_title")
    ended = pl.col("end_date_d").is_not_null() & (pl.col("end_date_d") <= pl.lit(census))
    hcs = f.filter(~ended).select(
        pl.col(ROW_COL).cast(pl.Int64),
        pl.col("organisation_code"),
        *(text(f, c) for c in fields),
        pl.col("band").alias("afc_band"),
        pl.col("staff_id").hash(7).cast(pl.String).alias("person_key"),
        pl.lit(True).alias("is_hcs"),
        pl.col("career_level_id").alias("career_level"),
        pl.col("category"),
    )
    if "end_date" in others.columns and others["end_date"].null_count() < others.height:
        others = others.filter(~(parse_dates(others, "end_date") <= pl.lit(census)).fill_null(False))
    if others.height == 0:
        return hcs
    band = (
        pl.col("afc_band").replace_strict(
            {v: reference.resolve_band(v) for v in others["afc_band"].drop_nulls().unique().to_list()},
            default=None,
            return_dtype=pl.String,
        )
        if "afc_band" in others.columns
        else pl.lit(None, dtype=pl.String)
    )
    rest = others.select(
        pl.col(ROW_COL).cast(pl.Int64),
        pl.col("organisation_code"),
        *(text(others, c) for c in fields),
        band.alias("afc_band"),
        (pl.col("staff_id") if "staff_id" in others.columns else pl.col(ROW_COL).cast(pl.String))
        .hash(7)
        .cast(pl.String)
        .alias("person_key"),
        pl.lit(False).alias("is_hcs"),
        pl.lit(None, dtype=pl.String).alias("career_level"),
        esr.categories(others).alias("category"),
    )
    return pl.concat([hcs, rest.filter(pl.col("organisation_code").is_not_null())], how="vertical_relaxed")


def _check_required(f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]) -> None:
    for c in ("staff_id", "afc_band", "fte", "start_date"):
        if c in f.columns:
            problems.add_rows(_bad(f, pl.col(c).is_null(), c), label(c) or c, f"{c} is empty", "a value")
    if "specialism" in f.columns or "area_of_work" in f.columns:
        spec = [c for c in ("specialism", "area_of_work") if c in f.columns]
        empty = f.filter(pl.all_horizontal(pl.col(c).is_null() for c in spec))
        problems.add_rows(
            empty.select(ROW_COL, pl.lit("").alias("value")),
            label(spec[0]) or spec[0],
            f"{spec[0]} is empty",
            "a value",
        )


def _check_unresolved_organisations(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]
) -> None:
    problems.add_rows(
        f.filter(pl.col("organisation_code").is_null()).select(
            ROW_COL, pl.col("organisation_text").fill_null("").alias("value")
        ),
        label("organisation_code") or "organisation_code",
        lambda v: "no organisation code can be found in this value" if v else "organisation is empty",
        "an ODS code (RGT), ESR's hierarchy holding one ('412 RGT Blood Sciences L6'), a VPD number listed in "
        "--vpd-map, or --organisation",
    )


def _resolve_levels(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Career level from, in order: the career level column, a known occupation code, the job role, the band."""
    f = _resolve_codes(
        f,
        problems,
        label,
        "career_level",
        "level_given",
        reference.resolve_career_level,
        "is not a career level",
        LEVEL_EXPECTED,
    )
    occ_level: pl.Expr = pl.lit(None, dtype=pl.String)
    if "occupation_code" in f.columns:
        occ = {
            r["code"]: r["career_level"]
            for r in reference.read_table("occupation_codes")
            if r["career_level"]
        }
        occ_level = (
            pl.col("occupation_code")
            .str.to_uppercase()
            .str.slice(0, 3)
            .replace_strict(occ, default=None, return_dtype=pl.String)
        )
    role_level, role_programme, role_how = esr.levels_from_roles(f)
    f = f.with_columns(
        pl.coalesce(pl.col("level_given"), occ_level, role_level).alias("career_level_id"),
        pl.when(pl.col("level_given").is_not_null())
        .then(pl.lit("career_level"))
        .when(occ_level.is_not_null())
        .then(pl.lit("occupation_code"))
        .otherwise(role_how)
        .alias("level_how"),
        role_programme.alias("role_programme"),
    )
    counts = {str(k): int(v) for k, v in f.group_by("level_how").len().drop_nulls().iter_rows()}
    no_level = pl.col("career_level_id").is_null()
    if "career_level" in f.columns:
        no_level = no_level & pl.col("career_level").is_null()
    source = next((c for c in ("job_role", "occupation_code") if c in f.columns), None)
    value = pl.col(source).fill_null("") if source else pl.lit("")
    problems.add_rows(
        # A band given but not a band is reported once, as a band problem, not again as a level problem.
        f.filter(no_level & ~(pl.col("afc_band").is_not_null() & pl.col("band").is_null())).select(
            ROW_COL, value.alias("value")
        ),
        label(source or "career_level") or "career_level",
        "the career level cannot be worked out: no career level, and neither the occupation code nor the "
        "job role gives one",
        "a job role such as 'Clinical Scientist' or 'Healthcare Science Practitioner' (hcs reference "
        "job_roles), a career level column (" + LEVEL_EXPECTED + "), or a local rule",
    )
    return f, counts


def _check_fte(f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]) -> pl.DataFrame:
    """FTE a number; more than 0 and at most 1.5, except bank and honorary assignments, which may hold 0."""
    f = f.with_columns(pl.col("fte").str.replace(",", ".").cast(pl.Float64, strict=False).alias("fte_num"))
    problems.add_rows(
        _bad(f, pl.col("fte").is_not_null() & pl.col("fte_num").is_null(), "fte"),
        label("fte") or "fte",
        "is not a number",
        "a whole-time equivalent such as 1.0 or 0.6",
    )
    apart = pl.col("category").is_in(list(esr.COUNTED_APART)).fill_null(False)
    too_low = (pl.col("fte_num") < 0) | ((pl.col("fte_num") == 0) & ~apart)
    problems.add_rows(
        _bad(f, pl.col("fte_num").is_not_null() & (too_low | (pl.col("fte_num") > 1.5)), "fte"),
        label("fte") or "fte",
        "is outside the range of a contracted FTE",
        "more than 0 and at most 1.5 (0 only on a Bank or Honorary assignment)",
    )
    return f


def _check_dates(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None], census: date
) -> pl.DataFrame:
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
    if "date_of_birth" in f.columns:
        # Measured against the census date, not the clock: an import's answer never depends on the day it runs.
        problems.add_rows(
            _bad(f, pl.col("date_of_birth_d") > pl.lit(census), "date_of_birth"),
            label("date_of_birth") or "date_of_birth",
            f"date of birth is after the census date {census.isoformat()} (in the future of the census)",
            "a date before the census date",
        )
    return f


def _resolve_ages(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None], census: date
) -> pl.DataFrame:
    """Age on the census date from the date of birth, else the age column."""
    if "date_of_birth" in f.columns:
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
    for c in ("date_of_birth", "age"):
        if c in f.columns:
            no_age = no_age & pl.col(c).is_null()
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
    return f


def _check_spells(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None], census: date, mode: str
) -> None:
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
    if mode == "leavers":
        problems.add_rows(
            _bad(f, pl.col("end_date").is_null(), "end_date"),
            label("end_date") or "end_date",
            "a row of the leavers report has no termination date",
            "the date the assignment ended",
        )
        problems.add_rows(
            _bad(f, pl.col("end_date_d") > pl.lit(census), "end_date"),
            label("end_date") or "end_date",
            f"termination date is after the census date {census.isoformat()}",
            "leavers up to the census date (later leavers belong to a later census)",
        )


def _resolve_programmes(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]
) -> pl.DataFrame:
    """Training programme as given; else the one the job role implies (Trainee Scientist: STP); else none."""
    implied = pl.col("role_programme")
    if "training_programme" in f.columns:
        tp = _resolve_unique(f, "training_programme", reference.resolve_training_programme)
        f = f.with_columns(
            pl.col("training_programme")
            .replace_strict(tp, default=None)
            .fill_null(
                pl.when(pl.col("training_programme").is_null()).then(pl.coalesce(implied, pl.lit("none")))
            )
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
        return f
    return f.with_columns(pl.coalesce(implied, pl.lit("none")).alias("programme"))


def _resolve_gender_region(
    f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]
) -> pl.DataFrame:
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
    return f


def _person_attributes_from_primary(f: pl.DataFrame) -> pl.DataFrame:
    """A person's age and gender are taken from their primary assignment, where the report marks one."""
    f = f.with_columns(esr.primary_flags(f).alias("primary"))
    if f["primary"].null_count() == f.height:
        return f
    prim = (
        f.filter(pl.col("primary").fill_null(False))
        .group_by("staff_id")
        .agg(pl.col("age_num").first().alias("p_age"), pl.col("gender_id").first().alias("p_gender"))
    )
    return (
        f.join(prim, on="staff_id", how="left")
        .with_columns(
            pl.coalesce("p_age", "age_num").alias("age_num"),
            pl.coalesce("p_gender", "gender_id").alias("gender_id"),
        )
        .drop("p_age", "p_gender")
    )


def _check_duplicates(f: pl.DataFrame, problems: Problems, label: Callable[[str], str | None]) -> None:
    """One assignment once per census (assignment_id defaults to the person's id)."""
    if "assignment_id" not in f.columns:
        f = f.with_columns(pl.col("staff_id").alias("assignment_id"))
    dup = f.filter(
        pl.struct("staff_id", pl.coalesce("assignment_id", "staff_id")).is_duplicated()
        & pl.col("staff_id").is_not_null()
    )
    if not dup.height:
        return
    dup = dup.with_columns(pl.coalesce("assignment_id", "staff_id").alias("assignment_id"))
    first_rows = dup.group_by("staff_id", "assignment_id").agg(pl.col(ROW_COL).min().alias("first"))
    dup = dup.join(first_rows, on=["staff_id", "assignment_id"]).filter(pl.col(ROW_COL) != pl.col("first"))
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


def _shape(
    f: pl.DataFrame,
    census: date,
    cols: dict[str, list[str]],
    level_counts: dict[str, int],
    raw: RawTable,
    chosen: esr.Selection,
    mode: str,
    trusts: dict[str, reference.Organisation],
) -> ValidExtract:
    key = load_key()
    if "assignment_id" not in f.columns:
        f = f.with_columns(pl.col("staff_id").alias("assignment_id"))
    f = f.with_columns(pl.coalesce("assignment_id", "staff_id").alias("assignment_id"))
    staff_ids = f.get_column("staff_id").unique().to_list()
    staff_map = dict(zip(staff_ids, pseudonymise(staff_ids, key), strict=True))
    pairs = f.select(pl.concat_str(pl.col("staff_id"), pl.lit("\x1f"), pl.col("assignment_id")).alias("p"))[
        "p"
    ]
    uniq_pairs = pairs.unique().to_list()
    pair_map = dict(zip(uniq_pairs, pseudonymise(uniq_pairs, key), strict=True))

    def text(c: str) -> pl.Expr:
        return pl.col(c) if c in f.columns else pl.lit(None, dtype=pl.String)

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
        text("leaving_reason").alias("leaving_reason"),
        pl.col("region_id"),
        text("organisation_name").alias("organisation_name"),
        pl.col("category"),
        pl.col("status"),
        text("leaver_destination").alias("leaver_destination"),
        pl.col("specialism_kind"),
    )
    left = out["end_date"].is_not_null() & (out["end_date"] <= census)
    apart = out["category"].is_in(list(esr.COUNTED_APART)).fill_null(False)
    staff = out.filter(~left & ~apart)
    leavers = out.filter(left & ~apart)
    bank = out.filter(~left & apart)
    orgs = _organisations(out, trusts)
    findings = _findings(out, staff, leavers, orgs, census, level_counts.get("occupation_code", 0))
    findings = esr_findings(chosen, level_counts, staff, bank, mode) + findings
    extra = ["region_id", "organisation_name", "category", "status", "leaver_destination", "specialism_kind"]
    return ValidExtract(
        staff=staff.drop(*extra, "end_date", "leaving_reason"),
        leavers=leavers.drop(*extra),
        organisations=orgs,
        has_leaver_data="end_date" in cols,
        findings=findings,
        rows=f.height,
        bank=bank.select(list(BANK_SCHEMA)),
        statuses=staff.filter(pl.col("status") != "active").select(list(STATUS_SCHEMA)),
        others=chosen.others,
    )


def _organisations(out: pl.DataFrame, trusts: dict[str, reference.Organisation]) -> pl.DataFrame:
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
    found = organisation_findings(orgs, census)
    found += assignment_findings(staff, census, filled_from_occupation)
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


def organisation_findings(orgs: pl.DataFrame, census: date) -> list[dict[str, Any]]:
    """Organisation codes not known, closed by the census date, or with a region that is not the trusts list's
    (region_mismatch), cannot be checked (region_unchecked) or is missing."""
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
    # A region the file declares is checked against the trusts list: an organisation is never moved into
    # another region's figures by what a file says. A mismatch is shown, and the reference region is used.
    clash = orgs.filter(
        pl.col("known")
        & pl.col("region_given").is_not_null()
        & (pl.col("region_given") != pl.col("region_code"))
    ).sort("code")
    if clash.height:
        found.append(
            _finding(
                "region_mismatch",
                clash.height,
                "organisations whose region in the file is not their NHS England region in the trusts list "
                "(the trusts list's region is used)",
                examples=[
                    {"organisation": code, "region_in_file": given, "reference_region": ref}
                    for code, given, ref in clash.select("code", "region_given", "region_code").iter_rows()
                ],
            )
        )
    unchecked = orgs.filter(~pl.col("known") & pl.col("region_given").is_not_null()).sort("code")
    if unchecked.height:
        found.append(
            _finding(
                "region_unchecked",
                unchecked.height,
                "organisations not in the trusts list, placed in the region the file gives for them (it cannot "
                "be checked)",
                examples=[
                    {"organisation": code, "region_in_file": given}
                    for code, given in unchecked.select("code", "region_given").iter_rows()
                ],
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
    return found


def assignment_findings(
    staff: pl.DataFrame, census: date, filled_from_occupation: int
) -> list[dict[str, Any]]:
    """Assignments to check: bands unusual for the level, too much FTE per person, trainees without a
    programme or completion date (or past it), no gender, aged 65 or over, levels read from occupation codes."""
    found: list[dict[str, Any]] = []
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
    return found


def esr_findings(
    chosen: esr.Selection,
    level_counts: dict[str, int],
    staff: pl.DataFrame,
    bank: pl.DataFrame,
    mode: str,
) -> list[dict[str, Any]]:
    """What the ESR rules did with the report: who was loaded and by which rule, and what was counted apart."""
    found: list[dict[str, Any]] = []
    what = "leavers report" if mode == "leavers" else "report"
    rules = {k: v for k, v in chosen.rule_counts.items() if k.startswith("in:")}
    if rules and not any(k.startswith("in:every row") for k in rules):
        found.append(
            _finding(
                "healthcare_scientists_found",
                sum(rules.values()),
                f"rows of healthcare scientists in the {what}, by the rule that put them in: "
                + "; ".join(f"{k[3:]} {v:,}" for k, v in sorted(rules.items(), key=lambda kv: -kv[1])),
                severity="info",
                examples=[{"rule": k[3:], "rows": v} for k, v in rules.items()],
            )
        )
    n_other = sum(chosen.other_groups.values())
    if n_other:
        found.append(
            _finding(
                "other_staff_groups",
                n_other,
                f"{n_other:,} rows of other staff groups"
                + (" in the leavers report" if mode == "leavers" else "")
                + ", not loaded: "
                + ", ".join(f"{g} {n:,}" for g, n in chosen.other_groups.items()),
                severity="info",
                examples=[{"staff_group": g, "rows": n} for g, n in chosen.other_groups.items()],
            )
        )
    for cat in esr.COUNTED_APART:
        part = bank.filter(pl.col("category") == cat)
        if part.height:
            found.append(
                _finding(
                    f"{cat}_assignments",
                    part.height,
                    f"{part.height:,} {cat} assignments of {part['staff_key'].n_unique():,} people, loaded apart: "
                    "not in staff in post, headcount or FTE" + (" (bank is supply)" if cat == "bank" else ""),
                    severity="info",
                )
            )
    away = staff.filter(pl.col("status") != "active")
    if away.height:
        by = dict(away.group_by("status").len().sort(["len", "status"], descending=[True, False]).iter_rows())
        found.append(
            _finding(
                "in_post_not_available",
                away.height,
                "assignments in post but not available: "
                + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in by.items()),
                severity="info",
                examples=[{"status": k, "assignments": v} for k, v in by.items()],
            )
        )
    not_known = staff.filter(pl.col("specialism_kind").is_in(["theme", "division"]))
    if not_known.height:
        names = reference.specialisms()
        by_spec = (
            not_known.group_by("specialism_id").len().sort(["len", "specialism_id"], descending=[True, False])
        )
        found.append(
            _finding(
                "specialism_not_known",
                not_known.height,
                "assignments whose Area of Work names a theme or division, not a specialism: loaded as "
                "'specialism not known' (recode the Area of Work in ESR, or map it with --area-map)",
                examples=[{"specialism": names[s].name, "assignments": n} for s, n in by_spec.iter_rows()],
            )
        )
    if level_counts.get("band"):
        found.append(
            _finding(
                "level_from_band",
                level_counts["band"],
                "career levels worked out from the band, as the job role names no level (docs/esr-extracts.md)",
                severity="info",
            )
        )
    if level_counts.get("job_role"):
        found.append(
            _finding(
                "level_from_job_role",
                level_counts["job_role"],
                "career levels from the ESR job role",
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


_KNOWN_HEADERS = frozenset(a for names in EXTRACT_ALIASES.values() for a in names)


def looks_like_header(fields: list[str]) -> bool:
    """A row naming at least three columns we know is the header (title lines above it are skipped)."""
    return sum(norm_header(f) in _KNOWN_HEADERS for f in fields) >= 3


def read_report(path: Path, display_name: str | None = None) -> RawTable:
    """An extract or ESR report, title lines before its header allowed."""
    return read_table(path, display_name, is_header=looks_like_header)


def census_date_in(raw: RawTable) -> tuple[date | None, str | None, list[Problem]]:
    """The census date the file itself gives (a census/report date column, or the report's title lines)."""
    cols = map_columns_multi(raw, {"census_date": EXTRACT_ALIASES["census_date"]})
    header = cols["census_date"][0] if "census_date" in cols else None
    f = raw.frame.select(ROW_COL)
    if header is not None:
        f = raw.frame.select(ROW_COL, pl.col(header).str.strip_chars().alias("census_date"))
        f = f.with_columns(pl.when(pl.col("census_date") == "").then(None).otherwise(pl.col("census_date")))
    return esr.census_date_from_file(raw, f, header)
