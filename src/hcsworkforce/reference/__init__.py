"""Facts that ship with the package: taxonomy, career levels, bands, programmes, trusts.

Every table lives as a CSV under ``reference/data`` with ``source``, ``as_of`` and ``verified`` columns;
this module only reads them and offers look-ups. Nothing here touches a database or the network.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

VERIFIED_VALUES = ("verified", "partial", "unverified", "illustrative")


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of one reference CSV (``name`` without the .csv), as dicts of strings."""
    text = resources.files(__package__).joinpath("data", f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def table_names() -> list[str]:
    return sorted(
        p.name[:-4]
        for p in resources.files(__package__).joinpath("data").iterdir()
        if p.name.endswith(".csv")
    )


def _norm(text: str) -> str:
    """Fold case, '&', punctuation and spacing so that spellings of one name compare equal."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Specialism:
    id: str
    name: str
    division: str
    division_id: str
    theme: str
    aliases: tuple[str, ...]
    status: str
    source: str
    verified: str


@dataclass(frozen=True)
class CareerLevel:
    id: str
    name: str
    order: int
    trainee: bool
    typical_bands: tuple[str, ...]


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    region_code: str
    region_name: str
    closed: str


@dataclass(frozen=True)
class TrainingProgramme:
    id: str
    name: str
    entry_level: str
    exit_level: str
    duration_years: float | None
    duration_verified: bool


@cache
def divisions() -> dict[str, str]:
    """Division id -> name."""
    return {r["id"]: r["name"] for r in read_table("divisions")}


@cache
def specialisms() -> dict[str, Specialism]:
    """Specialism id -> record, in the order of the reference file."""
    by_name = {v: k for k, v in divisions().items()}
    out: dict[str, Specialism] = {}
    for r in read_table("specialisms"):
        out[r["id"]] = Specialism(
            id=r["id"],
            name=r["name"],
            division=r["division"],
            division_id=by_name[r["division"]],
            theme=r["theme"],
            aliases=tuple(a for a in r["aliases"].split("|") if a),
            status=r["status"],
            source=r["source"],
            verified=r["verified"],
        )
    return out


@cache
def _specialism_index() -> tuple[dict[str, str], list[tuple[tuple[str, ...], str]]]:
    exact: dict[str, str] = {}
    words: list[tuple[tuple[str, ...], str]] = []
    for s in specialisms().values():
        for label in (s.id, s.name, *s.aliases):
            key = _norm(label)
            exact.setdefault(key, s.id)
            # A "specialism not known" entry is reached by its exact name or a theme, never by abbreviation.
            if s.status != "not_known":
                words.append((tuple(key.split()), s.id))
    return exact, words


def resolve_specialism(text: str) -> tuple[str | None, list[str]]:
    """Map a spelling to a specialism id.

    Exact names, ids and aliases match after folding case and punctuation. Failing that, an abbreviation
    matches when each of its words starts the corresponding word of exactly one specialism's name or alias
    ("clinical biochem" -> Clinical Biochemistry). Returns (id, []) on success, (None, candidates) when
    ambiguous, (None, []) when unknown.
    """
    key = _norm(text)
    if not key:
        return None, []
    exact, words = _specialism_index()
    if key in exact:
        return exact[key], []
    parts = key.split()
    hits = sorted(
        {
            sid
            for label_words, sid in words
            if len(label_words) >= len(parts)
            and all(w.startswith(p) for p, w in zip(parts, label_words, strict=False))
        }
    )
    if len(hits) == 1:
        return hits[0], []
    return None, hits


@cache
def career_levels() -> dict[str, CareerLevel]:
    return {
        r["id"]: CareerLevel(
            id=r["id"],
            name=r["name"],
            order=int(r["order"]),
            trainee=r["trainee"] == "true",
            typical_bands=tuple(r["typical_bands"].split("|")),
        )
        for r in read_table("career_levels")
    }


@cache
def _level_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for lv in career_levels().values():
        idx[_norm(lv.id)] = lv.id
        idx[_norm(lv.name)] = lv.id
    extra = {
        "consultant clinical scientist": "consultant",
        "consultant healthcare scientist": "consultant",
        "hcs assistant": "assistant",
        "hcs associate": "associate",
        "associate practitioner": "associate",
        "hcs practitioner": "practitioner",
        "biomedical scientist": "practitioner",
        "stp trainee": "trainee_clinical_scientist",
        "hsst trainee": "trainee_consultant",
        "ptp trainee": "trainee_practitioner",
    }
    idx.update({_norm(k): v for k, v in extra.items()})
    return idx


def resolve_career_level(text: str) -> str | None:
    return _level_index().get(_norm(text))


@cache
def bands() -> list[str]:
    """Agenda for Change bands in order: '1' .. '7', '8a' .. '8d', '9'."""
    return [r["band"] for r in sorted(read_table("afc_bands"), key=lambda r: int(r["order"]))]


_BAND_RE = re.compile(r"^(?:agenda for change\s*)?(?:afc\s*)?(?:band|b)?\s*([1-9])\s*([a-d])?$")


# ESR writes bands as "Band 8 - Range A" or "Review Body Band 6" (pay band and grade fields alike).
_BAND_NOISE_RE = re.compile(r"\breview body\b|\bpay\b|[-_:]|\brange\b")


def resolve_band(text: str) -> str | None:
    """'Band 5', 'B5', '5', 'band 8A', 'AfC Band 8a', 'Band 8 - Range A', 'Review Body Band 6' -> '5' / '8a' / '6'.

    None when the text is not an Agenda for Change band (a local grade code, a medical grade).
    """
    folded = _BAND_NOISE_RE.sub(" ", text.strip().lower())
    m = _BAND_RE.match(" ".join(folded.split()))
    if not m:
        return None
    band = m.group(1) + (m.group(2) or "")
    return band if band in bands() else None


@cache
def regions() -> dict[str, str]:
    """NHS England region code -> name."""
    return {r["code"]: r["name"] for r in read_table("regions")}


@cache
def trusts() -> dict[str, Organisation]:
    """NHS trusts in England by ODS code (closed ones kept so older extracts resolve)."""
    return {
        r["ods_code"]: Organisation(
            code=r["ods_code"],
            name=r["name"],
            region_code=r["region_code"],
            region_name=r["region_name"],
            closed=r["closed"],
        )
        for r in read_table("trusts")
    }


@cache
def training_programmes() -> dict[str, TrainingProgramme]:
    return {
        r["id"]: TrainingProgramme(
            id=r["id"],
            name=r["name"],
            entry_level=r["entry_level"],
            exit_level=r["exit_level"],
            duration_years=float(r["duration_years"]) if r["duration_years"] else None,
            duration_verified=r["duration_verified"] == "verified",
        )
        for r in read_table("training_programmes")
    }


def resolve_training_programme(text: str) -> str | None:
    key = _norm(text).replace(" ", "_")
    aliases = {
        "": "none",
        "n_a": "none",
        "na": "none",
        "no": "none",
        "stp_in_service": "stp",
        "stp_direct_entry": "stp",
        "ptpe": "equivalence",
        "stpe": "equivalence",
        "hsse": "equivalence",
    }
    key = aliases.get(key, key)
    m = re.match(r"^(?:apprenticeship_)?(?:level_|l)([2-7])(?:_apprenticeship)?$", key)
    if m:
        key = f"apprenticeship_l{m.group(1)}"
    return key if key in training_programmes() else None


@cache
def published_figures() -> dict[str, dict[str, Any]]:
    return {r["id"]: {**r, "value": float(r["value"])} for r in read_table("published_figures")}


ODS_CODE_RE = re.compile(r"^[A-Z0-9]{3,6}$")


@dataclass(frozen=True)
class AreaOfWork:
    area_of_work: str
    specialism_id: str
    kind: str  # specialism | theme | division
    note: str


@cache
def areas_of_work() -> dict[str, AreaOfWork]:
    """ESR Area of Work (folded) -> the specialism, or the theme/division's 'specialism not known' entry."""
    return {
        _norm(r["area_of_work"]): AreaOfWork(r["area_of_work"], r["specialism_id"], r["kind"], r["note"])
        for r in read_table("area_of_work")
    }


@dataclass(frozen=True)
class JobRole:
    job_role: str
    career_level: str | None  # None: the role names no level and the band decides
    training_programme: str | None


@cache
def job_roles() -> dict[str, JobRole]:
    """ESR job role (folded) -> career level (or None for 'by band') and trainee programme."""
    return {
        _norm(r["job_role"]): JobRole(
            r["job_role"],
            None if r["career_level"] == "band" else r["career_level"],
            r["training_programme"] or None,
        )
        for r in read_table("job_roles")
    }


@cache
def level_from_band() -> dict[str, str]:
    """The career level a band gives where the job role names none (AfC profiles; band 7 is our assumption)."""
    return {r["afc_band"]: r["career_level"] for r in read_table("level_from_band")}


def norm_text(text: str) -> str:
    """The folding used for every look-up by name (case, '&', punctuation, spacing)."""
    return _norm(text)
