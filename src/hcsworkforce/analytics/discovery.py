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
from functools import cache, lru_cache
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


class TermIndex:
    """Whole-phrase look-up of a set of terms: each run of words of a text is looked up, so the cost is in
    the length of the text, not the number of terms."""

    def __init__(self, terms: Iterable[EvidenceTerm]) -> None:
        self.by_phrase: dict[tuple[str, ...], EvidenceTerm] = {}
        for t in terms:
            self.by_phrase.setdefault(tuple(t.term.split()), t)
        self.max_words = max((len(k) for k in self.by_phrase), default=0)

    def find(self, text: str) -> tuple[list[EvidenceTerm], str]:
        """The terms found in `text` as whole phrases, the longest phrase first and each word used once, in
        the order they appear; and the text left, with each found phrase replaced by '|'."""
        words = normalise_text(text).split()
        spans = []
        for i in range(len(words)):
            for n in range(min(self.max_words, len(words) - i), 0, -1):
                t = self.by_phrase.get(tuple(words[i : i + n]))
                if t is not None:
                    spans.append((n, i, t))
        spans.sort(key=lambda x: (-x[0], x[1]))
        taken = [False] * len(words)
        chosen = []
        for n, i, t in spans:
            if not any(taken[i : i + n]):
                taken[i : i + n] = [True] * n
                chosen.append((i, n, t))
        chosen.sort(key=lambda x: x[0])
        found: list[EvidenceTerm] = []
        for _, _, t in chosen:
            if t not in found:
                found.append(t)
        rest: list[str] = []
        starts = {i: n for i, n, _ in chosen}
        i = 0
        while i < len(words):
            if i in starts:
                rest.append("|")
                i += starts[i]
            else:
                rest.append(words[i])
                i += 1
        return found, " ".join(rest)


@lru_cache(maxsize=64)  # a few term sets (shipped, a trust's own) in one process
def term_index(terms: EvidenceTerms, kinds: tuple[str, ...], field: str) -> TermIndex:
    return TermIndex(terms.of(kinds, field))


def find_terms(text: str, terms: Sequence[EvidenceTerm]) -> tuple[list[EvidenceTerm], str]:
    """TermIndex(terms).find(text): the terms found in `text`, and what is left."""
    return TermIndex(terms).find(text)


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
    "evidence": pl.String,  # the pieces in words, '; ' between them
    "specialisms": pl.String,  # specialism ids, '|' between them
    "level": pl.String,  # the career level the terms agree on; '?' where they disagree
    "n_terms": pl.Int32,
    "first_term": pl.String,
}


def _field_matches(values: Iterable[str], field: str, terms: EvidenceTerms) -> pl.DataFrame:
    """Evidence per distinct value of one field (a national extract has far fewer titles than rows), as
    scalars and strings so that putting a row together needs no list arithmetic over millions of rows."""
    evidence = term_index(terms, EVIDENCE_KINDS, field)
    negatives = term_index(terms, ("negative",), field)
    prefixes = terms.of(("occupation_prefix",), field)
    rows = []
    for value in values:
        if field == "occupation_code":
            code = value.strip().upper()
            found = [t for t in prefixes if code.startswith(t.term)]
            negative = False
        else:
            found = evidence.find(value)[0]
            negative = bool(negatives.find(value)[0])
        levels = {t.career_level for t in found if t.career_level}
        rows.append(
            {
                "value": value,
                "negative": negative,
                "any": bool(found),
                "strong": any(t.strength == "strong" for t in found),
                "evidence": "; ".join(_describe(field, value, t) for t in found) or None,
                "specialisms": "|".join(dict.fromkeys(t.specialism_id for t in found if t.specialism_id))
                or None,
                "level": (levels.pop() if len(levels) == 1 else "?") if levels else None,
                "n_terms": len(found),
                "first_term": found[0].term if found else None,
            }
        )
    return pl.DataFrame(rows, schema=_MATCH_SCHEMA)


def _agreed(cols: Sequence[pl.Expr]) -> pl.Expr:
    """The one value the non-null columns agree on, else null ('?' marks a field that disagrees with
    itself)."""
    first = pl.coalesce(cols)
    same = pl.all_horizontal([c.is_null() | (c == first) for c in cols])
    return pl.when(same & (first != "?")).then(first)


def _differ(cols: Sequence[pl.Expr]) -> pl.Expr:
    """Two of the columns hold different non-null values."""
    pairs = [a.is_not_null() & b.is_not_null() & (a != b) for i, a in enumerate(cols) for b in cols[i + 1 :]]
    return pl.any_horizontal(pairs) if pairs else pl.lit(False)


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
    rows = frame.filter(~pl.col("is_hcs").fill_null(False))
    rows = rows.filter(~_normalised(rows, "staff_group").is_in(list(excluded)).fill_null(False))
    matches = {f: _field_matches(rows[f].drop_nulls().unique().to_list(), f, terms) for f in fields}
    # Screen on two flags per field first; the evidence itself is joined only onto the rows that are listed.
    for f, m in matches.items():
        flags = m.select(
            "value", pl.col("negative").alias(f"_{f}_negative"), pl.col("any").alias(f"_{f}_any")
        )
        rows = rows.join(flags, left_on=f, right_on="value", how="left", coalesce=True)

    def flag(suffix: str) -> list[pl.Expr]:
        return [pl.col(f"_{f}_{suffix}").fill_null(False) for f in fields]

    def each(suffix: str) -> list[pl.Expr]:
        return [pl.col(f"_{f}_{suffix}") for f in fields]

    listed = rows.filter(~pl.any_horizontal(*flag("negative")) & pl.any_horizontal(*flag("any")))
    for f, m in matches.items():
        detail = m.drop("negative", "any")
        detail = detail.rename({c: f"_{f}_{c}" for c in detail.columns if c != "value"})
        listed = listed.join(detail, left_on=f, right_on="value", how="left", coalesce=True)
    fields_with_evidence = pl.sum_horizontal(*[e.cast(pl.Int32) for e in flag("any")])
    several_terms = pl.any_horizontal([n.fill_null(0) >= 2 for n in each("n_terms")]) | _differ(
        each("first_term")
    )
    strong = pl.any_horizontal(*flag("strong")) | ((fields_with_evidence >= 2) & several_terms)
    specialisms = pl.concat_str(each("specialisms"), separator="|", ignore_nulls=True)
    out = listed.with_columns(
        pl.concat_str(
            [pl.when(a).then(pl.lit(f)) for f, a in zip(fields, flag("any"), strict=True)],
            separator=",",
            ignore_nulls=True,
        )
        .str.split(",")
        .alias("matched_fields"),
        pl.when(specialisms != "")
        .then(specialisms.str.split("|").list.unique(maintain_order=True))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
        .alias("specialism_ids"),
        _agreed(each("level")).alias("career_level"),
        pl.when(strong).then(pl.lit("strong")).otherwise(pl.lit("possible")).alias("strength"),
        pl.concat_str(each("evidence"), separator="; ", ignore_nulls=True).alias("evidence"),
    )
    return out.select(list(LIKELY_SCHEMA)).cast(pl.Schema(LIKELY_SCHEMA)).sort("__row")


def _lead_titles(values: Iterable[str], terms: EvidenceTerms) -> set[str]:
    """Titles that name the organisation's healthcare science lead: a lead term, no lead-negative ('PA to',
    'Deputy'), no negative, and nothing else that names a specialism or theme (a department's lead,
    'Lead Healthcare Scientist - Audiology', is not the organisation's)."""
    out = set()
    lead = term_index(terms, ("lead",), "position_title")
    beside = term_index(terms, ("lead_negative", "negative"), "position_title")
    department = term_index(terms, ("specialism", "theme", "role"), "position_title")
    for v in values:
        found, rest = lead.find(v)
        if found and not beside.find(v)[0] and not department.find(rest)[0]:
            out.add(v)
    return out


def _normalised(frame: pl.DataFrame, col: str) -> pl.Expr:
    """normalise_text of a column, worked out once per distinct value (a national extract repeats them)."""
    values = frame[col].drop_nulls().unique().to_list()
    return pl.col(col).replace_strict(
        {v: normalise_text(v) for v in values}, default=None, return_dtype=pl.String
    )


def _group_expr(frame: pl.DataFrame) -> pl.Expr:
    """hcs where the importer's rule says so; else nursing or ahp by staff group; else null."""
    sg = _normalised(frame, "staff_group")
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
    grouped = frame.with_columns(_group_expr(frame))
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


ORGANISATION_COUNT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "organisation_code": pl.String,
    **dict.fromkeys(COUNT_COLUMNS, pl.Int64),
    "has_hcs_lead": pl.Boolean,
}


def organisation_leadership(frame: pl.DataFrame, terms: EvidenceTerms | None = None) -> pl.DataFrame:
    """One row per organisation of the frame: the raw counts of `leadership` (ORGANISATION_COUNT_SCHEMA).

    This is what an import keeps of other staff groups (counts, never their rows); `leadership_from_
    organisations` builds the region and England rows and the ratios from it. The rules are `leadership`'s."""
    terms = terms or shipped_terms()
    check_frame(frame, ("organisation_code", "staff_group", "position_title", "job_role", "afc_band"))
    check_frame(frame, ("person_key", "is_hcs", "career_level", "category"))
    in_groups = frame.filter(
        _group_expr(frame).is_not_null()
        & ~pl.col("category").is_in(list(NOT_IN_POST_CATEGORIES)).fill_null(False)
    )
    if in_groups["person_key"].null_count():
        raise ValueError(
            "person_key is null on rows that count for leadership; the importer must key every person"
        )
    counts = _organisation_counts(frame, terms).select(list(ORGANISATION_COUNT_SCHEMA))
    return counts.cast(pl.Schema(ORGANISATION_COUNT_SCHEMA)).sort("organisation_code")


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
    return leadership_from_organisations(organisation_leadership(frame, terms), organisations)


def leadership_from_organisations(counts: pl.DataFrame, organisations: pl.DataFrame) -> pl.DataFrame:
    """The leadership frame (LEADERSHIP_COLUMNS) from organisation counts (ORGANISATION_COUNT_SCHEMA, as
    `organisation_leadership` gives and an import stores): regions and England are their sums."""
    check_frame(counts, ORGANISATION_COUNT_SCHEMA)
    check_frame(organisations, ("code", "region_code"))
    regions = organisations.select(
        pl.col("code").cast(pl.String).alias("organisation_code"), pl.col("region_code").cast(pl.String)
    ).unique("organisation_code", keep="first")
    orgs = (
        counts.select(list(ORGANISATION_COUNT_SCHEMA))
        .cast(pl.Schema(ORGANISATION_COUNT_SCHEMA))
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
