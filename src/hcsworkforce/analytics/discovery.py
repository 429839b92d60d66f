"""Discovery: healthcare scientists coded in other staff groups, listed with their evidence, and leadership
(senior posts per organisation and region, healthcare science beside nursing and AHPs) with suppression.

Pure functions over the frame contract below (the importer builds it from every row of a whole-trust ESR
extract); the words that count as evidence are data, reference/data/hcs_evidence_terms.csv. The rules are
written out in docs/discovery.md, and each function's docstring says which rule it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from hcsworkforce import reference

# The frame contract: one row per assignment of a whole-trust extract (all String unless said).
FRAME_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "__row": pl.Int64,  # the row as a spreadsheet shows it (header = row 1)
    "organisation_code": pl.String,
    "staff_group": pl.String,
    "occupation_code": pl.String,
    "job_role": pl.String,
    "area_of_work": pl.String,
    "position_title": pl.String,
    "afc_band": pl.String,  # "1".."7", "8a".."8d", "9" or null
    "person_key": pl.String,  # pseudonymised person
    "is_hcs": pl.Boolean,  # the importer's rule put the row in the HCS workforce
    "career_level": pl.String,  # HCS rows only
    "category": pl.String,  # permanent | fixed_term | bank | honorary | other, or null
}
TEXT_FIELDS = ("job_role", "position_title", "area_of_work")
FIELD_LABELS = {
    "job_role": "job role",
    "position_title": "position title",
    "area_of_work": "area of work",
    "occupation_code": "occupation code",
    "staff_group": "staff group",
}
EVIDENCE_KINDS = ("role", "specialism", "theme", "occupation_prefix")
TERM_KINDS = (*EVIDENCE_KINDS, "negative", "exclude_staff_group", "lead", "lead_negative", "ignored")
STRENGTHS = ("strong", "possible")

# Leadership: who is counted, and what is senior.
NOT_IN_POST_CATEGORIES = ("bank", "honorary")
SENIOR_BANDS = ("8c", "8d", "9")
GROUPS = ("hcs", "nursing", "ahp")
# Staff group names (NHS Data Dictionary STAFF GROUP 03 and 04), compared after folding case and punctuation.
GROUP_STAFF_GROUPS = {
    "nursing": ("nursing and midwifery registered",),
    "ahp": ("allied health professionals", "allied health professional"),
}
COUNT_COLUMNS = (
    "hcs_headcount",
    "hcs_senior_headcount",
    "hcs_consultant_headcount",
    "nursing_headcount",
    "nursing_senior_headcount",
    "ahp_headcount",
    "ahp_senior_headcount",
)
# Ratio column -> (numerator, denominator): blanked whenever either is.
RATIO_COLUMNS = {
    "hcs_senior_per_100_headcount": ("hcs_senior_headcount", "hcs_headcount"),
    "hcs_consultant_per_100_headcount": ("hcs_consultant_headcount", "hcs_headcount"),
    "nursing_senior_per_100_headcount": ("nursing_senior_headcount", "nursing_headcount"),
    "ahp_senior_per_100_headcount": ("ahp_senior_headcount", "ahp_headcount"),
}
LIKELY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "__row": pl.Int64,
    "organisation_code": pl.String,
    "staff_group": pl.String,
    "category": pl.String,
    "occupation_code": pl.String,
    "job_role": pl.String,
    "position_title": pl.String,
    "area_of_work": pl.String,
    "matched_fields": pl.List(pl.String),
    "specialism_ids": pl.List(pl.String),
    "career_level": pl.String,
    "strength": pl.String,
    "evidence": pl.String,
}


def normalise_text(text: str) -> str:
    """Fold case, '&', punctuation and spacing, as the reference look-ups do ('A&E / Audiology' -> 'a and e
    audiology'), so that terms match whole words only."""
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class EvidenceTerm:
    """One row of the terms table: a normalised phrase, what it is, where it counts and what it points to."""

    term: str
    kind: str
    fields: frozenset[str]
    specialism_id: str | None = None
    theme: str | None = None
    career_level: str | None = None
    strength: str | None = None


@dataclass(frozen=True)
class EvidenceTerms:
    terms: tuple[EvidenceTerm, ...]

    def of(self, kinds: Sequence[str], field: str) -> list[EvidenceTerm]:
        """Terms of these kinds that count in this field, longest phrase first (so 'consultant clinical
        scientist' is taken before 'clinical scientist' inside it)."""
        found = [t for t in self.terms if t.kind in kinds and field in t.fields]
        return sorted(found, key=lambda t: (-len(t.term.split()), -len(t.term), t.term))


def load_terms(rows: Iterable[Mapping[str, str]] | None = None) -> EvidenceTerms:
    """The evidence terms: the shipped table, or the rows given (the shipped rows plus a user's, say).

    A row that breaks the table's contract raises ValueError naming the row (header = row 1)."""
    given = list(rows) if rows is not None else reference.read_table("hcs_evidence_terms")
    levels = reference.career_levels()
    specs = reference.specialisms()
    out: list[EvidenceTerm] = []
    for i, r in enumerate(given, start=2):
        kind = (r.get("kind") or "").strip()
        fields = frozenset(f.strip() for f in (r.get("fields") or "").split("|") if f.strip())
        strength = (r.get("strength") or "").strip() or None
        where = f"hcs_evidence_terms row {i} ({r.get('term')!r})"
        if kind not in TERM_KINDS:
            raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(TERM_KINDS)}")
        if not fields or not fields <= set(FIELD_LABELS):
            raise ValueError(
                f"{where}: fields {r.get('fields')!r} (expected some of {', '.join(FIELD_LABELS)})"
            )
        if (kind in EVIDENCE_KINDS) != (strength in STRENGTHS):
            raise ValueError(f"{where}: strength {strength!r} (evidence kinds need strong or possible)")
        sid = (r.get("specialism_id") or "").strip() or None
        level = (r.get("career_level") or "").strip() or None
        if sid is not None and sid not in specs:
            raise ValueError(f"{where}: specialism_id {sid!r} is not in specialisms.csv")
        if level is not None and level not in levels:
            raise ValueError(f"{where}: career_level {level!r} is not in career_levels.csv")
        raw = (r.get("term") or "").strip()
        term = raw.upper() if kind == "occupation_prefix" else normalise_text(raw)
        if not term:
            raise ValueError(f"{where}: the term is empty")
        out.append(
            EvidenceTerm(
                term=term,
                kind=kind,
                fields=fields,
                specialism_id=sid,
                theme=(r.get("theme") or "").strip() or None,
                career_level=level,
                strength=strength,
            )
        )
    return EvidenceTerms(tuple(out))


@cache
def shipped_terms() -> EvidenceTerms:
    return load_terms()


def find_terms(text: str, terms: Sequence[EvidenceTerm]) -> tuple[list[EvidenceTerm], str]:
    """The terms found in `text` as whole phrases, longest first, each span used once; and what is left.

    `terms` must be longest first (EvidenceTerms.of). The text left has each found span replaced by '|'."""
    padded = f" {normalise_text(text)} "
    found: list[EvidenceTerm] = []
    for t in terms:
        needle = f" {t.term} "
        if needle in padded:
            found.append(t)
            padded = padded.replace(needle, " | ")
    return found, padded.strip()


def _describe(field: str, value: str, t: EvidenceTerm) -> str:
    """One piece of evidence in words: "position title 'Cardiac Physiologist' names the Cardiac Science
    specialism"."""
    label = FIELD_LABELS[field]
    if t.kind == "occupation_prefix":
        return f"{label} '{value}' is in the {t.term} matrix (healthcare science)"
    spec = reference.specialisms()[t.specialism_id].name if t.specialism_id else None
    if t.kind == "role" and field == "area_of_work" and not spec:
        return f"{label} '{value}' names healthcare science"
    said = "" if normalise_text(value) == t.term else f" ('{t.term}')"
    if t.kind == "specialism":
        if field == "area_of_work":
            named = "" if normalise_text(value) == normalise_text(spec or "") else f" ({spec})"
            return f"{label} '{value}' is an HCS specialism{named}"
        return f"{label} '{value}' names the {spec} specialism{said}"
    if t.kind == "theme":
        return f"{label} '{value}' names an HCS theme ({t.theme}){said}"
    if spec:
        return f"{label} '{value}' names the {spec} specialism{said}"
    level = reference.career_levels()[t.career_level].name if t.career_level else None
    extra = ", ".join(x for x in (level, f"{t.theme}" if t.theme else None) if x)
    verb = "names" if t.strength == "strong" else "could name"
    return f"{label} '{value}' {verb} a healthcare science role{said}{f' ({extra})' if extra else ''}"


_MATCH_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "value": pl.String,
    "negative": pl.Boolean,
    "any": pl.Boolean,
    "strong": pl.Boolean,
    "pieces": pl.List(pl.String),
    "specialisms": pl.List(pl.String),
    "levels": pl.List(pl.String),
    "terms": pl.List(pl.String),
}


def _field_matches(values: Iterable[str], field: str, terms: EvidenceTerms) -> pl.DataFrame:
    """Evidence per distinct value of one field (a national extract has far fewer titles than rows)."""
    evidence = terms.of(EVIDENCE_KINDS, field)
    negatives = terms.of(("negative",), field)
    rows = []
    for value in values:
        if field == "occupation_code":
            code = value.strip().upper()
            found = [t for t in evidence if code.startswith(t.term)]
            negative = False
        else:
            found, _ = find_terms(value, evidence)
            negative = bool(find_terms(value, negatives)[0])
        rows.append(
            {
                "value": value,
                "negative": negative,
                "any": bool(found),
                "strong": any(t.strength == "strong" for t in found),
                "pieces": [_describe(field, value, t) for t in found],
                "specialisms": [t.specialism_id for t in found if t.specialism_id],
                "levels": [t.career_level for t in found if t.career_level],
                "terms": [t.term for t in found],
            }
        )
    return pl.DataFrame(rows, schema=_MATCH_SCHEMA)


def check_frame(frame: pl.DataFrame, needed: Iterable[str]) -> None:
    """The importer's side of the contract: every column there. A missing one is a programming error."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the frame lacks column(s) {', '.join(missing)} (see analytics/discovery FRAME_SCHEMA)"
        )


def likely_hcs(frame: pl.DataFrame, terms: EvidenceTerms | None = None) -> pl.DataFrame:
    """Rows outside the HCS workforce whose job role, position title, area of work or occupation code
    suggests healthcare science, one row each with its evidence. The rule (docs/discovery.md):

    1. only rows with is_hcs false (or null) are screened, and never a staff group the terms table excludes
       (Medical and Dental: doctors and dentists);
    2. a row with a negative term in a field where that term counts (secretary, porter, nurse, physiotherapist
       ... ; 'ward' in any field) is not listed, whatever else it says;
    3. every role, specialism, theme or occupation-code term found is a piece of evidence (whole words,
       longest phrase first, each span once);
    4. strength: strong when any piece is strong (a healthcare science role word in the job role or
       position title, or a U-matrix occupation code), or when two or more fields give evidence with two or
       more different terms (area of work 'Pathology' and title 'Haematology Support Worker'); possible
       otherwise (one field, or one term repeated: area 'Audiology' and title 'Audiology Support Worker').
    """
    terms = terms or shipped_terms()
    check_frame(frame, FRAME_SCHEMA)
    excluded = {t.term for t in terms.terms if t.kind == "exclude_staff_group"}
    fields = (*TEXT_FIELDS, "occupation_code")
    rows = frame.filter(~pl.col("is_hcs").fill_null(False)).with_columns(
        pl.col("staff_group")
        .map_elements(normalise_text, return_dtype=pl.String)
        .is_in(list(excluded))
        .fill_null(False)
        .alias("_excluded")
    )
    rows = rows.filter(~pl.col("_excluded"))
    for field in fields:
        values = rows[field].drop_nulls().unique().to_list()
        matches = _field_matches(values, field, terms).rename(
            {c: f"_{field}_{c}" for c in _MATCH_SCHEMA if c != "value"}
        )
        rows = rows.join(matches, left_on=field, right_on="value", how="left", coalesce=True)
        if "value" in rows.columns:
            rows = rows.drop("value")

    def each(suffix: str) -> list[pl.Expr]:
        return [pl.col(f"_{f}_{suffix}") for f in fields]

    def flag(suffix: str) -> list[pl.Expr]:
        return [e.fill_null(False) for e in each(suffix)]

    fields_with_evidence = pl.sum_horizontal(*[e.cast(pl.Int32) for e in flag("any")])
    distinct_terms = pl.concat_list([e.fill_null([]) for e in each("terms")]).list.n_unique()
    listed = rows.filter(~pl.any_horizontal(*flag("negative")) & (fields_with_evidence > 0))
    levels = pl.concat_list([e.fill_null([]) for e in each("levels")]).list.unique(maintain_order=True)
    out = listed.with_columns(
        pl.concat_list(
            [
                pl.when(pl.col(f"_{f}_any").fill_null(False)).then(pl.lit([f])).otherwise(pl.lit([]))
                for f in fields
            ]
        ).alias("matched_fields"),
        pl.concat_list([e.fill_null([]) for e in each("specialisms")])
        .list.unique(maintain_order=True)
        .alias("specialism_ids"),
        pl.when(levels.list.len() == 1).then(levels.list.first()).alias("career_level"),
        pl.when(pl.any_horizontal(*flag("strong")) | ((fields_with_evidence >= 2) & (distinct_terms >= 2)))
        .then(pl.lit("strong"))
        .otherwise(pl.lit("possible"))
        .alias("strength"),
        pl.concat_list([e.fill_null([]) for e in each("pieces")]).list.join("; ").alias("evidence"),
    )
    return out.select(list(LIKELY_SCHEMA)).cast(pl.Schema(LIKELY_SCHEMA)).sort("__row")


def _lead_titles(values: Iterable[str], terms: EvidenceTerms) -> set[str]:
    """Titles that name the organisation's healthcare science lead: a lead term, no lead-negative ('PA to',
    'Deputy'), no negative, and nothing else that names a specialism or theme (a department's lead,
    'Lead Healthcare Scientist - Audiology', is not the organisation's)."""
    out = set()
    lead = terms.of(("lead",), "position_title")
    beside = terms.of(("lead_negative", "negative"), "position_title")
    department = terms.of(("specialism", "theme", "role"), "position_title")
    for v in values:
        found, rest = find_terms(v, lead)
        if not found or find_terms(v, beside)[0]:
            continue
        if find_terms(rest, department)[0]:
            continue
        out.add(v)
    return out


def _group_expr() -> pl.Expr:
    sg = pl.col("staff_group").map_elements(normalise_text, return_dtype=pl.String)
    return (
        pl.when(pl.col("is_hcs").fill_null(False))
        .then(pl.lit("hcs"))
        .when(sg.is_in(list(GROUP_STAFF_GROUPS["nursing"])))
        .then(pl.lit("nursing"))
        .when(sg.is_in(list(GROUP_STAFF_GROUPS["ahp"])))
        .then(pl.lit("ahp"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_group")
    )


def _organisation_counts(frame: pl.DataFrame, terms: EvidenceTerms) -> pl.DataFrame:
    """One row per organisation: the raw counts and ratios of `leadership`, before any region row."""
    grouped = frame.with_columns(_group_expr())
    in_post = grouped.filter(~pl.col("category").is_in(list(NOT_IN_POST_CATEGORIES)).fill_null(False))
    people = (
        in_post.filter(pl.col("_group").is_not_null())
        .group_by("organisation_code", "_group", "person_key")
        .agg(
            pl.col("afc_band").is_in(list(SENIOR_BANDS)).fill_null(False).any().alias("senior"),
            (pl.col("career_level") == "consultant").fill_null(False).any().alias("consultant"),
        )
        .group_by("organisation_code", "_group")
        .agg(
            pl.len().cast(pl.Int64).alias("headcount"),
            pl.col("senior").sum().cast(pl.Int64).alias("senior_headcount"),
            pl.col("consultant").sum().cast(pl.Int64).alias("consultant_headcount"),
        )
    )
    out = grouped.select("organisation_code").unique()
    for g in GROUPS:
        # A group the organisation's rows never mention is "not in the extract" (null), not zero; the HCS
        # group is what the extract is about, so it is always counted.
        carried = grouped.filter(pl.col("_group") == g).select("organisation_code").unique()
        part = people.filter(pl.col("_group") == g).drop("_group")
        cols = ["headcount", "senior_headcount"] + (["consultant_headcount"] if g == "hcs" else [])
        part = part.select("organisation_code", *[pl.col(c).alias(f"{g}_{c}") for c in cols])
        out = out.join(part, on="organisation_code", how="left")
        is_carried = pl.col("organisation_code").is_in(carried["organisation_code"].implode())
        out = out.with_columns(
            [
                pl.when(is_carried | pl.lit(g == "hcs"))
                .then(pl.col(f"{g}_{c}").fill_null(0))
                .alias(f"{g}_{c}")
                for c in cols
            ]
        )
    titles = pl.concat([in_post["position_title"], in_post["job_role"]]).drop_nulls().unique().to_list()
    leads = _lead_titles(titles, terms)
    lead_orgs = in_post.filter(
        pl.col("position_title").is_in(list(leads)).fill_null(False)
        | pl.col("job_role").is_in(list(leads)).fill_null(False)
    )["organisation_code"].unique()
    return out.with_columns(pl.col("organisation_code").is_in(lead_orgs.implode()).alias("has_hcs_lead"))


def _with_ratios(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        [
            pl.when(pl.col(den) > 0).then(pl.col(num) * 100.0 / pl.col(den)).alias(name)
            for name, (num, den) in RATIO_COLUMNS.items()
        ]
    )


LEADERSHIP_COLUMNS = (
    "level",
    "organisation_code",
    "region_code",
    "organisations",
    "organisations_with_hcs_lead",
    "has_hcs_lead",
    "hcs_headcount",
    "hcs_senior_headcount",
    "hcs_senior_per_100_headcount",
    "hcs_consultant_headcount",
    "hcs_consultant_per_100_headcount",
    "nursing_headcount",
    "nursing_senior_headcount",
    "nursing_senior_per_100_headcount",
    "ahp_headcount",
    "ahp_senior_headcount",
    "ahp_senior_per_100_headcount",
)


def _sum_or_null(col: str) -> pl.Expr:
    """The sum over organisations; null when no organisation carries the figure (never a made-up zero)."""
    return pl.when(pl.col(col).is_not_null().any()).then(pl.col(col).sum()).alias(col)


def leadership(
    frame: pl.DataFrame, organisations: pl.DataFrame, terms: EvidenceTerms | None = None
) -> pl.DataFrame:
    """Senior posts per organisation, per region and for all organisations in the frame (level 'england'),
    for healthcare science (is_hcs), nursing (Nursing and Midwifery Registered) and AHPs (Allied Health
    Professionals). Raw counts: pass the result to `suppress` before it leaves an organisation.

    - headcount: distinct person_key with an in-post assignment in the group (category not bank or
      honorary; a null or 'other' category counts as in post);
    - senior headcount: those people with such an assignment at band 8c, 8d or 9;
    - consultant headcount (HCS only): those with career_level 'consultant' (not HSST trainees);
    - per 100 headcount: senior (or consultant) / headcount x 100, null where the headcount is 0;
    - has_hcs_lead: an in-post assignment, in any staff group, whose position title or job role names the
      organisation's healthcare science lead (see `_lead_titles`);
    - a region's and England's figures are the sums of their organisations' (a person with posts in two
      organisations counts in each); `organisations` says how many organisations in the frame they cover;
    - nursing and AHP figures are null for an organisation whose rows hold no one of that staff group.

    `organisations` has columns code and region_code; an organisation missing from it has a null region.
    """
    terms = terms or shipped_terms()
    check_frame(frame, ("organisation_code", "staff_group", "position_title", "job_role", "afc_band"))
    check_frame(frame, ("person_key", "is_hcs", "career_level", "category"))
    check_frame(organisations, ("code", "region_code"))
    in_groups = frame.filter(
        _group_expr().is_not_null() & ~pl.col("category").is_in(list(NOT_IN_POST_CATEGORIES)).fill_null(False)
    )
    if in_groups["person_key"].null_count():
        raise ValueError(
            "person_key is null on rows that count for leadership; the importer must key every person"
        )
    regions = organisations.select(
        pl.col("code").cast(pl.String).alias("organisation_code"), pl.col("region_code").cast(pl.String)
    ).unique("organisation_code", keep="first")
    orgs = (
        _organisation_counts(frame, terms)
        .join(regions, on="organisation_code", how="left")
        .with_columns(
            pl.lit("organisation").alias("level"),
            pl.lit(1, dtype=pl.Int64).alias("organisations"),
            pl.col("has_hcs_lead").cast(pl.Int64).alias("organisations_with_hcs_lead"),
        )
    )
    sums = [_sum_or_null(c) for c in COUNT_COLUMNS]
    totals = [
        pl.len().cast(pl.Int64).alias("organisations"),
        pl.col("organisations_with_hcs_lead").sum().cast(pl.Int64),
    ]
    by_region = (
        orgs.group_by("region_code")
        .agg(*sums, *totals)
        .with_columns(
            pl.lit("region").alias("level"), pl.lit(None, dtype=pl.String).alias("organisation_code")
        )
    )
    england = orgs.select(*sums, *totals).with_columns(
        pl.lit("england").alias("level"),
        pl.lit(None, dtype=pl.String).alias("organisation_code"),
        pl.lit(None, dtype=pl.String).alias("region_code"),
    )
    parts = [
        _with_ratios(part)
        .with_columns((pl.col("organisations_with_hcs_lead") > 0).alias("has_hcs_lead"))
        .select(LEADERSHIP_COLUMNS)
        for part in (
            orgs.sort("region_code", "organisation_code", nulls_last=True),
            by_region.sort("region_code", nulls_last=True),
            england,
        )
    ]
    return pl.concat(parts, how="vertical_relaxed")


def _equations(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, list[int]]]:
    """(total row, its part rows) of the frame: a region row is the sum of its organisation rows; the
    England row is the sum of the region rows (or, where the frame has none, of the organisation rows)."""
    orgs = [i for i, r in enumerate(rows) if r["level"] == "organisation"]
    regions = [i for i, r in enumerate(rows) if r["level"] == "region"]
    out = [(i, [j for j in orgs if rows[j]["region_code"] == rows[i]["region_code"]]) for i in regions]
    out += [(i, regions or orgs) for i, r in enumerate(rows) if r["level"] == "england"]
    return out


def hidden_cells(
    values: Sequence[int | None], equations: Sequence[tuple[int, Sequence[int]]], threshold: int
) -> set[int]:
    """Which cells of one count column to blank.

    Primary: every count from 1 to threshold - 1 (zero reveals no one and is shown). Secondary: while some
    total-and-parts equation has exactly one blanked cell (so it could be recovered by subtraction), blank
    one more in it: the smallest shown non-zero part, else the smallest shown part, else the total itself.
    A null cell (not carried) is not part of any equation."""
    hide = {i for i, v in enumerate(values) if v is not None and 0 < v < threshold}
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            cells = [i for i in (total, *parts) if values[i] is not None]
            if len(cells) < 2 or sum(i in hide for i in cells) != 1:
                continue
            shown = [i for i in parts if values[i] is not None and i not in hide]
            if shown:
                pick = min(shown, key=lambda i: (values[i] == 0, values[i], i))
            elif total not in hide and values[total] is not None:
                pick = total
            else:
                continue
            hide.add(pick)
            changed = True
    return hide


def suppress(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """The leadership frame with small counts blanked (null) so it can leave an organisation.

    Every count column (COUNT_COLUMNS) is blanked where 0 < count < threshold, then secondary suppression
    (`hidden_cells`) blanks more so that no blanked count can be recovered from a region's or England's total
    in the same frame; each ratio (RATIO_COLUMNS) is blanked where its numerator or denominator is. Counts of
    organisations and the lead flag are not counts of people and are shown. `suppressed` says which rows
    lost a figure. threshold 0 (or 1) blanks nothing."""
    if threshold < 0:
        raise ValueError(f"suppression threshold must be 0 or more, not {threshold}")
    rows = frame.to_dicts()
    equations = _equations(rows)
    touched = [False] * len(rows)
    for col in COUNT_COLUMNS:
        if col not in frame.columns:
            continue
        hide = hidden_cells([r[col] for r in rows], equations, threshold)
        for i in hide:
            rows[i][col] = None
            touched[i] = True
    for name, (num, den) in RATIO_COLUMNS.items():
        if name in frame.columns:
            for r in rows:
                if r.get(num) is None or r.get(den) is None:
                    r[name] = None
    out = pl.DataFrame(rows, schema=frame.schema)
    return out.with_columns(pl.Series("suppressed", touched, dtype=pl.Boolean))


def finding_for_likely_hcs(likely: pl.DataFrame) -> dict[str, Any]:
    """The data-quality finding for the trust to recode in ESR, in the importer's finding shape (check,
    severity, count, detail, examples). Examples are row numbers with their evidence, strong ones first,
    never a name or an identifier; the count is of rows (assignments), counted apart and never loaded as
    healthcare science. A frame with no rows gives count 0, severity info."""
    n = likely.height
    if not n:
        return {
            "check": "likely_hcs_in_other_staff_group",
            "severity": "info",
            "count": 0,
            "detail": "no rows of other staff groups look like healthcare scientists",
            "examples": [],
        }
    strong = int((likely["strength"] == "strong").sum())
    groups = (
        likely.group_by(pl.col("staff_group").fill_null("(no staff group)"))
        .len()
        .sort(["len", "staff_group"], descending=[True, False])
    )
    by_group = ", ".join(f"{g} {c:,}" for g, c in groups.iter_rows())
    detail = (
        f"rows of other staff groups that look like healthcare scientists ({strong:,} strong, {n - strong:,} "
        f"possible; {by_group}): not counted as healthcare science; if they are, recode them in ESR "
        "(staff group Healthcare Scientists, or a U-matrix occupation code)"
    )
    ordered = likely.sort(pl.col("strength") != "strong", "__row")
    examples = [
        f"row {row:,} ({strength}): {evidence}"
        for row, strength, evidence in ordered.select("__row", "strength", "evidence").head(10).iter_rows()
    ]
    return {
        "check": "likely_hcs_in_other_staff_group",
        "severity": "warning",
        "count": n,
        "detail": detail,
        "examples": examples,
    }
