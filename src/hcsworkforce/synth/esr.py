"""Synthetic whole-trust ESR reports: staff in post of every staff group and a separate leavers report.

The layout is the contract in docs/esr-extracts.md (ESR's headers, title lines and values: hierarchy strings
such as "412 RGT Blood Sciences L6", "Band 8 - Range A", "31/12/1980 00:00:00"), or NHS England's warehouse
names (`Unique Nhs Identifier`, `Asg Number`, `ODS code`, `Grade`, `FTE`, `Age`). The healthcare scientists
are `synth.workforce`'s people (or, month by month, `synth.history`'s), dressed as ESR codes them; everyone
else comes from `synth.other_staff`. Each oddity a real report has (two assignments, zero-FTE bank and
honorary assignments, statuses, theme-level areas of work, generic job roles, blank codes, re-hires, the
forgotten group coded elsewhere) is planted at a small, documented, seeded rate, and `expected_counts` says
what the importer should find, from the generator's own truth (docs/synthetic-data.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError
from hcsworkforce.synth.history import MonthExtract, SynthHistory, month_ends, month_path
from hcsworkforce.synth.other_staff import (
    AFC_FULL_TIME_HOURS,
    BANK_EXTRA_RATE,
    BANK_ONLY_RATE,
    FIXED_TERM_RATE,
    FORGOTTEN,
    FORGOTTEN_PER_HCS,
    HONORARY_MEDICAL_RATE,
    OTHER_GROUP_SHARES,
    SECOND_ASSIGNMENT_RATE,
    STATUSES,
    OtherStaff,
    destinations,
    pick_by_unit,
)
from hcsworkforce.synth.workforce import BANDS, SynthResult, synthesise

LAYOUTS = ("esr", "warehouse", "canonical")
HCS_GROUP = "Healthcare Scientists"
EPOCH = date(1970, 1, 1).toordinal()
NULL_DAY = -(2**31)  # "no date" in the day arrays of the person frames
DEFAULT_OTHER_STAFF_RATIO = 25.0  # about 1.5 million NHS staff for 60,000 healthcare scientists
EXCEL_MAX_ROWS = 1_048_576

# Rates of the oddities among healthcare scientists (invented; docs/synthetic-data.md lists them all).
HCS_BANK_EXTRA_RATE = 0.04  # people in post with an extra zero-FTE bank assignment
HCS_BANK_ONLY_RATE = 0.02  # bank-only people, per HCS in post
HCS_HONORARY_ONLY_RATE = 0.01  # honorary-only people (e.g. university scientists), per HCS in post
HCS_FIXED_TERM_RATE = 0.05  # fixed-term contracts outside training posts (trainees are all fixed term)
THEME_AREA_RATE = 0.12  # area of work a theme or division ("Pathology") where the specialism has one
PHLEBOTOMY_RATE = 0.15  # blood-sciences assistants whose area of work is "Phlebotomy"
BLANK_OCCUPATION_CODE_RATE = 0.02
REHIRE_RATE = 0.05  # hire date years before the latest start date
BLANK_LATEST_START_RATE = 0.005  # latest start date blank, the hire date given
HEAD_OF_HCS_RATE = 0.40  # trusts with a "Head of Healthcare Science" position title
UNAVAILABLE_STATUSES = (
    "Maternity & Adoption",
    "Career Break",
    "Internal Secondment",
    "External Secondment",
    "Suspend Assignment",
)
SUBSTANTIVE = ("Permanent", "Fixed Term Temp")
SENIOR_BANDS = ("8c", "8d", "9")

# ESR job roles for each career level (names from the NHS Digital SDS role list, hcs_facts.md 3.2 [P]; the
# mix is invented). "_life" is Life Sciences, where practitioners are mostly biomedical scientists.
# fmt: off
JOB_ROLES: dict[str, tuple[tuple[str, float], ...]] = {
    "consultant": (("Consultant Healthcare Scientist", 0.85), ("Clinical Scientist", 0.10),
                   ("Healthcare Scientist", 0.05)),
    "clinical_scientist": (("Clinical Scientist", 0.90), ("Healthcare Scientist", 0.10)),
    "practitioner_life": (("Biomedical Scientist", 0.75), ("Healthcare Science Practitioner", 0.15),
                          ("Healthcare Scientist", 0.05), ("Technician - Healthcare Scientists", 0.05)),
    "practitioner": (("Healthcare Science Practitioner", 0.80), ("Healthcare Scientist", 0.10),
                     ("Technician - Healthcare Scientists", 0.10)),
    "associate": (("Healthcare Science Associate", 0.70), ("Technician - Healthcare Scientists", 0.20),
                  ("Healthcare Scientist", 0.10)),
    "assistant_life": (("Medical Laboratory Assistant", 0.60), ("Healthcare Science Assistant", 0.35),
                       ("Healthcare Scientist", 0.05)),
    "assistant": (("Healthcare Science Assistant", 0.85), ("Technician - Healthcare Scientists", 0.10),
                  ("Healthcare Scientist", 0.05)),
    "trainee_clinical_scientist": (("Trainee Scientist", 1.0),),
    "trainee_practitioner": (("Trainee Practitioner", 1.0),),
    # No ESR job role for a Higher Specialist Scientist Training trainee was found: written as what they are
    # employed as (a clinical scientist), so the importer will count them at that level.
    "trainee_consultant": (("Clinical Scientist", 1.0),),
}
# fmt: on
# Occupation codes: U + career level + theme. Only UAA (Consultant Healthcare Scientist, Blood Sciences) was
# seen (Occupation Code Manual v12, June 2013 [P]); every other code here is invented for the synthetic data.
LEVEL_CODE = {
    "consultant": "A",
    "clinical_scientist": "B",
    "practitioner": "C",
    "associate": "D",
    "assistant": "E",
    "trainee_clinical_scientist": "F",
    "trainee_practitioner": "G",
    "trainee_consultant": "H",
}
THEME = {  # reference theme -> (occupation-code letter, department in the organisation hierarchy)
    "Blood Sciences": ("A", "Blood Sciences"),
    "Cellular Sciences": ("B", "Cellular Pathology"),
    "Cellular Sciences (Reproductive Science)": ("B", "Reproductive Medicine"),
    "Genomic (Genetic) Sciences": ("C", "Genetics"),
    "Infection Sciences": ("D", "Microbiology"),
    "Cardiovascular, Respiratory and Sleep Sciences": ("F", "Cardiorespiratory"),
    "Neurosensory Sciences": ("G", "Neurosciences"),
    "Gastrointestinal Physiology and Urodynamics": ("H", "Gastroenterology"),
    "Critical Care (theme assignment inferred)": ("J", "Critical Care Unit"),
    "Medical Physics": ("K", "Medical Physics"),
    "Clinical Engineering": ("L", "Clinical Engineering"),
    "Clinical Pharmaceutical Science": ("M", "Pharmacy Production"),
    "Reconstructive Science": ("M", "Maxillofacial Laboratory"),
    "Clinical Bioinformatics (cross-divisional)": ("N", "Informatics"),
}
DIVISION_THEME = {  # for specialisms of the broad MSC list, which carry no theme
    "Life Sciences": ("E", "Pathology"),
    "Physiological Sciences": ("J", "Clinical Physiology"),
    "Physical Sciences and Biomedical Engineering": ("P", "Medical Physics"),
    "Clinical Bioinformatics": ("N", "Informatics"),
}
# Area of Work values that name a theme or division, not one specialism (docs/esr-extracts.md), by theme.
THEME_AREAS = {
    "Blood Sciences": ("Blood Sciences", "Pathology", "Biomedical Science"),
    "Cellular Sciences": ("Cellular Pathology", "Pathology"),
    "Infection Sciences": ("Pathology", "Biomedical Science"),
    "Cardiovascular, Respiratory and Sleep Sciences": ("Clinical Physiology",),
    "Gastrointestinal Physiology and Urodynamics": ("Clinical Physiology",),
}
SPECIALISM_AREAS = {  # specialisms whose vague values differ from their theme's
    "clinical_immunology": ("Immunology", "Blood Sciences", "Pathology"),
    "haemostasis_and_thrombosis": ("Blood Sciences", "Pathology"),
    "blood_transfusion_science_and_transplantation": ("Blood Sciences", "Pathology"),
    "virology": ("Pathology",),
    "molecular_pathology_of_infection": ("Pathology",),
    "autonomic_neurovascular_function": ("Clinical Physiology",),
}
# Position titles: what a trust calls the post (evidence only), by job role and band.
# fmt: off
TITLES = {
    "Consultant Healthcare Scientist": {"": "Consultant Clinical Scientist"},
    "Clinical Scientist": {"": "Clinical Scientist", "8a": "Senior Clinical Scientist",
                           "8b": "Principal Clinical Scientist", "8c": "Consultant Clinical Scientist"},
    "Biomedical Scientist": {"": "Biomedical Scientist", "6": "Specialist Biomedical Scientist",
                             "7": "Senior Biomedical Scientist"},
    "Healthcare Science Practitioner": {"": "Healthcare Science Practitioner", "6": "Specialist Practitioner",
                                        "7": "Advanced Practitioner"},
    "Healthcare Science Associate": {"": "Associate Practitioner"},
    "Healthcare Science Assistant": {"": "Healthcare Science Assistant"},
    "Medical Laboratory Assistant": {"": "Medical Laboratory Assistant"},
    "Technician - Healthcare Scientists": {"": "Technician"},
    "Trainee Scientist": {"": "Trainee Clinical Scientist (STP)"},
    "Trainee Practitioner": {"": "Trainee Healthcare Science Practitioner"},
    "Healthcare Scientist": {"": "Healthcare Scientist"},
}
# fmt: on
PRACTITIONER_TITLES = {  # physiological practitioners as trusts usually title them
    "cardiac_science": "Cardiac Physiologist",
    "respiratory_and_sleep_science": "Respiratory Physiologist",
    "vascular_science": "Vascular Scientist",
    "audiology": "Audiologist",
    "neurophysiology": "Clinical Neurophysiologist",
}
HEAD_OF_HCS_TITLE = "Head of Healthcare Science"

ESR_COLUMNS = [
    "Employee Number",
    "Assignment Number",
    "Organisation",
    "Position Title",
    "Job Role",
    "Occupation Code",
    "Staff Group",
    "Area of Work",
    "Pay Band",
    "Grade",
    "Assignment Category",
    "Assignment Status",
    "Primary Assignment",
    "Contracted Wte",
    "FTE",
    "Contracted Hours",
    "Date of Birth",
    "Gender",
    "Hire Date",
    "Latest Start Date",
]
WAREHOUSE_COLUMNS = [
    "Unique Nhs Identifier",
    "Asg Number",
    "ODS code",
    "Staff Group",
    "Occupation Code",
    "Job Role",
    "Area of Work",
    "Grade",
    "Assignment Category",
    "Assignment Status",
    "Primary Assignment",
    "FTE",
    "Age",
    "Gender",
    "Hire Date",
    "Latest Start Date",
]
LEAVER_COLUMNS = ["Termination Date", "Leaving Reason", "Leaver Destination"]

_PERSON_SCHEMA = {
    "person": pl.Int64,
    "org": pl.String,
    "staff_group": pl.String,
    "job_role": pl.String,
    "occupation_code": pl.String,
    "area_of_work": pl.String,
    "position_title": pl.String,
    "dept": pl.String,
    "band": pl.String,
    "grade_text": pl.String,
    "category": pl.String,
    "status": pl.String,
    "fte": pl.Float64,
    "full_time_hours": pl.Float64,
    "dob": pl.Int64,
    "gender": pl.String,
    "hire": pl.Int64,
    "latest_start": pl.Int64,
    "end": pl.Int64,
    "reason": pl.String,
    "destination": pl.String,
    "kind": pl.String,
    "variant": pl.String,
    "area_is_specialism": pl.Boolean,
    "second": pl.Boolean,
    "bank_extra": pl.Boolean,
}
HCS_KINDS = ("hcs", "hcs_bank_only", "hcs_honorary_only")


@dataclass
class EsrReports:
    """One report date's staff in post and leavers, one row per assignment, in the generator's own terms
    (dates as day numbers); `render` turns them into a layout and `expected_counts` into the answer key."""

    report_date: date
    period_start: date  # first day of the leavers report's period
    staff_in_post: pl.DataFrame
    leavers: pl.DataFrame
    vpd: dict[str, int]  # ODS code -> the trust's 3-digit ESR VPD number
    org_names: dict[str, str]
    other_staff_ratio: float
    seed: int


# -- deterministic per-person draws ---------------------------------------------------------------------------
def unit(seed: int, keys: np.ndarray, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) for each key, fixed by (seed, key, salt): a person's oddities stay the same
    from one monthly report to the next without carrying state (splitmix64 over the key)."""
    mix = (seed * 0x9E3779B97F4A7C15 + (salt + 1) * 0xBF58476D1CE4E5B9) % 2**64
    x = np.asarray(keys, dtype=np.int64).astype(np.uint64) ^ np.uint64(mix)
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


def _text(values: np.ndarray) -> pl.Series:
    """An object array of strings and None as a polars String column (never polars' Object type, which an
    all-None object array would otherwise become)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _choose(u: np.ndarray, options: tuple[tuple[str, float], ...]) -> np.ndarray:
    values = np.array([v for v, _ in options], dtype=object)
    return np.asarray(values[pick_by_unit(u, np.array([w for _, w in options]))])


def vpd_codes(org_codes: list[str]) -> dict[str, int]:
    """A 3-digit VPD number per trust: fixed by the trust's place in the sorted trusts list (invented; a real
    trust's VPD number is not public), so it is the same whatever the seed or the number of organisations."""
    every = sorted(reference.trusts())
    perm = np.random.default_rng(412).permutation(900) + 100
    return {code: int(perm[every.index(code) % 900]) for code in org_codes}


def _days(col: str, frame: pl.DataFrame) -> np.ndarray:
    s = frame.get_column(col).str.to_date("%Y-%m-%d").cast(pl.Int64)
    return np.asarray(s.fill_null(NULL_DAY).to_numpy(), dtype=np.int64)


def _period_start(report: date) -> date:
    """First day of the 12 months ending on the report date (01/04/2024 for 31/03/2025)."""
    try:
        year_before = report.replace(year=report.year - 1)
    except ValueError:  # 29 February
        year_before = report.replace(year=report.year - 1, day=28)
    return year_before + timedelta(days=1)


# -- healthcare scientists ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Specialisms:
    """Per specialism (in the order of `names`), what its ESR coding needs."""

    names: tuple[str, ...]
    ids: np.ndarray
    life: np.ndarray  # Life Sciences division
    blood: np.ndarray  # Blood Sciences theme
    theme_code: np.ndarray  # third letter of the occupation code
    dept: np.ndarray  # department in the organisation hierarchy
    vague: tuple[tuple[str, ...], ...]  # theme- or division-level Area of Work values, if any


@cache
def _specialisms() -> _Specialisms:
    specs = sorted(reference.specialisms().values(), key=lambda s: s.name)
    theme = [THEME.get(s.theme, DIVISION_THEME[s.division]) for s in specs]
    return _Specialisms(
        names=tuple(s.name for s in specs),
        ids=np.array([s.id for s in specs], dtype=object),
        life=np.array([s.division == "Life Sciences" for s in specs]),
        blood=np.array([s.theme == "Blood Sciences" for s in specs]),
        theme_code=np.array([t[0] for t in theme], dtype=object),
        dept=np.array([t[1] for t in theme], dtype=object),
        vague=tuple(SPECIALISM_AREAS.get(s.id, THEME_AREAS.get(s.theme, ())) for s in specs),
    )


def _hcs_persons(extract: pl.DataFrame, seed: int, since: int, today: int) -> pl.DataFrame:
    """The healthcare scientists of a `synthesise` / history extract as person rows (in post on `today`, or
    leaving in (since, today]), coded as ESR codes them. Every oddity is a draw fixed by the person's number,
    so a person keeps it from one monthly report to the next."""
    sec = extract.filter(pl.col("Assignment Number") == "2")["Employee Number"]
    ex = extract.filter(pl.col("Assignment Number") == "1")
    end, start = _days("Termination Date", ex), _days("Hire Date", ex)
    keep = (start <= today) & ((end == NULL_DAY) | ((end > since) & (end <= today)))
    ex = ex.filter(pl.Series(keep))
    end, start = end[keep], start[keep]
    left = end != NULL_DAY
    number = np.asarray(ex["Employee Number"].cast(pl.Int64).to_numpy(), dtype=np.int64)
    level = ex["Career Level"].to_numpy().astype(str)
    band = ex["Pay Band"].str.replace("Band ", "", literal=True).to_numpy().astype(object)
    table = _specialisms()
    spec = ex["Specialism"].replace_strict({n: i for i, n in enumerate(table.names)}, return_dtype=pl.Int64)
    sp = np.asarray(spec.to_numpy(), dtype=np.int64)
    u = {k: unit(seed, number, k) for k in range(1, 14)}

    life = table.life[sp]
    job_role = np.empty(number.size, dtype=object)
    role_key = np.where(
        np.isin(level, ["practitioner", "assistant"]) & life, np.char.add(level, "_life"), level
    )
    for key, options in JOB_ROLES.items():
        sel = np.flatnonzero(role_key == key)
        job_role[sel] = _choose(u[3][sel], options)
    level_code = np.array([LEVEL_CODE[lv] for lv in level], dtype=object)
    code = "U" + level_code + table.theme_code[sp]
    code[u[4] < BLANK_OCCUPATION_CODE_RATE] = None

    spec_name = np.array(table.names, dtype=object)[sp]
    area = spec_name.copy()
    for k, vague in enumerate(table.vague):
        sel = np.flatnonzero((sp == k) & (u[5] < THEME_AREA_RATE))
        if vague and sel.size:
            area[sel] = np.array(vague, dtype=object)[(u[6][sel] * len(vague)).astype(np.int64)]
    area[(level == "assistant") & table.blood[sp] & (u[7] < PHLEBOTOMY_RATE)] = "Phlebotomy"

    trainee = np.isin(level, list(LEVEL_CODE)[5:])
    reason = ex["Leaving Reason"].to_numpy().astype(object)
    category = np.where(trainee | (u[2] < HCS_FIXED_TERM_RATE), "Fixed Term Temp", "Permanent").astype(object)
    category[reason == "End of Fixed Term Contract"] = "Fixed Term Temp"
    if "Category" in ex.columns:  # bank-only and honorary-only people
        category = ex["Category"].to_numpy().astype(object)
    substantive = np.isin(category, SUBSTANTIVE)
    status = _choose(u[1], STATUSES)
    status[left | ~substantive] = "Active Assignment"
    gender = ex["Gender"].to_numpy().astype(object)
    unknown = gender == "Unknown"
    gender[unknown] = np.where(u[8][unknown] < 0.65, "Female", "Male")
    dob = _days("Date of Birth", ex)
    hire = np.where(u[9] < REHIRE_RATE, start - 365 - (u[10] * 3285).astype(np.int64), start)
    hire = np.where(hire < dob + 16 * 366, start, hire)
    kind = np.where(
        category == "Bank", "hcs_bank_only", np.where(category == "Honorary", "hcs_honorary_only", "hcs")
    )
    frame = pl.DataFrame(
        {
            "person": number,
            "org": ex["Organisation"],
            "staff_group": pl.repeat(HCS_GROUP, number.size, eager=True),
            "job_role": _text(job_role),
            "occupation_code": _text(code),
            "area_of_work": _text(area),
            "position_title": _text(_titles(job_role, band, level, table.ids[sp])),
            "dept": _text(table.dept[sp]),
            "band": _text(band),
            "grade_text": pl.Series([None] * number.size, dtype=pl.String),
            "category": _text(category),
            "status": _text(status),
            "fte": ex["Contracted WTE"].cast(pl.Float64),
            "full_time_hours": np.full(number.size, AFC_FULL_TIME_HOURS),
            "dob": dob,
            "gender": _text(gender),
            "hire": hire,
            "latest_start": np.where(u[11] < BLANK_LATEST_START_RATE, NULL_DAY, start),
            "end": end,
            "reason": _text(reason),
            "destination": _text(destinations(reason, u[13])),
            "kind": _text(kind.astype(object)),
            "variant": pl.Series([None] * number.size, dtype=pl.String),
            "area_is_specialism": area == spec_name,
            "second": ex["Employee Number"].is_in(sec.implode()).to_numpy() & ~left,
            "bank_extra": (u[12] < HCS_BANK_EXTRA_RATE) & ~left & substantive,
        }
    )
    # The position title ends with the specialism, as trusts usually name posts.
    title = pl.concat_str(pl.col("position_title"), pl.lit(" - "), ex["Specialism"].alias("_s"))
    return frame.with_columns(title.alias("position_title"))


def _titles(job_role: np.ndarray, band: np.ndarray, level: np.ndarray, spec_id: np.ndarray) -> np.ndarray:
    """The post's name by job role and band (physiological practitioners by their specialism's usual title)."""
    out = np.empty(job_role.size, dtype=object)
    for role, names in TITLES.items():
        is_role = job_role == role
        out[is_role] = names[""]
        for b, title in names.items():
            if b:
                out[is_role & (band == b)] = title
    for sid, title in PRACTITIONER_TITLES.items():
        out[(spec_id == sid) & (level == "practitioner")] = title
    return out


def _hcs_extras(seed: int, headcount: dict[str, int], report: date) -> pl.DataFrame:
    """Bank-only and honorary-only healthcare scientists (zero FTE), in `synthesise`'s extract columns plus a
    Category, at HCS_BANK_ONLY_RATE and HCS_HONORARY_ONLY_RATE per HCS in post in each trust."""
    rng = np.random.default_rng([seed, 31])
    orgs = sorted(headcount)
    hc = np.array([headcount[o] for o in orgs])
    n_bank = rng.binomial(hc, HCS_BANK_ONLY_RATE)
    n_hon = rng.binomial(hc, HCS_HONORARY_ONLY_RATE)
    org = np.concatenate([np.repeat(orgs, n_bank), np.repeat(orgs, n_hon)]).astype(str)
    category = np.array(["Bank"] * int(n_bank.sum()) + ["Honorary"] * int(n_hon.sum()), dtype=object)
    n = org.size
    honorary = category == "Honorary"
    levels = np.where(
        honorary,
        rng.choice(["clinical_scientist", "consultant", "practitioner"], n, p=[0.5, 0.3, 0.2]),
        rng.choice(["practitioner", "assistant", "clinical_scientist"], n, p=[0.5, 0.3, 0.2]),
    )
    band = np.array([rng.choice(BANDS[lv][0], p=BANDS[lv][1]) for lv in levels], dtype=object)
    rows = reference.read_table("specialisms")
    w = np.array([float(r["stp_2023_direct_entry_posts"] or 3) for r in rows])
    spec = np.array([r["name"] for r in rows], dtype=object)[rng.choice(len(rows), n, p=w / w.sum())]
    today = report.toordinal() - EPOCH
    age = rng.integers(23, 66, n)
    dob = today - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    start = today - np.minimum(rng.integers(30, 3650, n), (age - 20) * 365)

    def iso(days: np.ndarray) -> pl.Series:
        return pl.Series(days.astype(np.int32)).cast(pl.Date).dt.strftime("%Y-%m-%d")

    return pl.DataFrame(
        {
            "Employee Number": (40_000_000 + np.arange(n)).astype(str),
            "Assignment Number": np.full(n, "1"),
            "Organisation": org,
            "Specialism": spec.astype(str),
            "Career Level": levels.astype(str),
            "Pay Band": np.char.add("Band ", band.astype(str)),
            "Contracted WTE": np.zeros(n),
            "Date of Birth": iso(dob),
            "Gender": rng.choice(["Female", "Male"], n, p=[0.64, 0.36]),
            "Hire Date": iso(start),
            "Termination Date": pl.Series([None] * n, dtype=pl.String),
            "Leaving Reason": pl.Series([None] * n, dtype=pl.String),
            "Category": category.astype(str),
        },
        strict=False,
    )


def _head_of_hcs(sip: pl.DataFrame, seed: int, vpd: dict[str, int]) -> pl.DataFrame:
    """In HEAD_OF_HCS_RATE of trusts, the most senior healthcare scientist in post holds the position title
    "Head of Healthcare Science" (the highest band, then the lowest employee number)."""
    orgs = sorted(vpd)
    chosen = [
        o
        for o, u in zip(orgs, unit(seed, np.array([vpd[o] for o in orgs]), 20), strict=True)
        if u < HEAD_OF_HCS_RATE
    ]
    order = {b: i for i, b in enumerate(reference.bands())}
    heads = (
        sip.filter(
            (pl.col("kind") == "hcs")
            & pl.col("primary")
            & pl.col("org").is_in(chosen)
            & pl.col("band").is_not_null()
        )
        .with_columns(pl.col("band").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort(["org", "_order", "person"], descending=[False, True, False])
        .unique("org", keep="first")
        .select("person")
    )
    return sip.with_columns(
        pl.when(pl.col("person").is_in(heads["person"].implode()) & (pl.col("kind") == "hcs"))
        .then(pl.lit(HEAD_OF_HCS_TITLE))
        .otherwise(pl.col("position_title"))
        .alias("position_title")
    )


# -- assembling one report date -------------------------------------------------------------------------------
def _normalise(persons: pl.DataFrame) -> pl.DataFrame:
    """Person rows to the one schema, with the NULL_DAY sentinel as a null."""
    frame = persons.select([pl.col(c).cast(t) for c, t in _PERSON_SCHEMA.items()])
    return frame.with_columns(
        [
            pl.when(pl.col(c) == NULL_DAY).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("latest_start", "end")
        ]
    )


def _assignments(persons: pl.DataFrame, vpd: dict[str, int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Staff in post and leavers, one row per assignment: the substantive (primary) one, a second 0.2 FTE
    one, an extra zero-FTE bank one; in ESR's order (by organisation, employee, assignment number).

    Done as one gather per report from the person rows (a concat and a sort of millions of string rows
    would copy them three times over)."""
    n = persons.height
    second = persons["second"].to_numpy()
    bank = persons["bank_extra"].to_numpy()
    idx = np.concatenate([np.arange(n), np.flatnonzero(second), np.flatnonzero(bank)])
    part = np.concatenate([np.zeros(n), np.ones(int(second.sum())), np.full(int(bank.sum()), 2)]).astype(
        np.int8
    )
    seq = np.where(part == 0, 1, np.where(part == 1, 2, 2 + second[idx].astype(np.int32)))
    rank = {org: i for i, org in enumerate(sorted(vpd))}
    org_rank = persons["org"].replace_strict(rank, return_dtype=pl.Int64).to_numpy()[idx]
    order = np.lexsort((seq, persons["person"].to_numpy()[idx], org_rank))
    idx, part, seq = idx[order], part[order], seq[order]
    left = persons["end"].is_not_null().to_numpy()[idx]

    def rows(sel: np.ndarray) -> pl.DataFrame:
        pt = pl.Series("part", part[sel])
        frame: pl.DataFrame = persons[idx[sel]].drop("second", "bank_extra")
        return frame.with_columns(
            pl.Series("seq", seq[sel], dtype=pl.Int32),
            pl.Series("primary", part[sel] == 0),
            pl.when(pt == 1).then(0.2).when(pt == 2).then(0.0).otherwise(pl.col("fte")).alias("fte"),
            pl.when(pt == 2).then(pl.lit("Bank")).otherwise(pl.col("category")).alias("category"),
            pl.when(pt == 2).then(pl.lit("Active Assignment")).otherwise(pl.col("status")).alias("status"),
        )

    return rows(~left), rows(left)


def _reports(
    persons: list[pl.DataFrame],
    report: date,
    period_start: date,
    vpd: dict[str, int],
    org_names: dict[str, str],
    ratio: float,
    seed: int,
) -> EsrReports:
    everyone = pl.concat([_normalise(p) for p in persons], how="vertical", rechunk=True)
    sip, leavers = _assignments(everyone, vpd)
    return EsrReports(
        report_date=report,
        period_start=period_start,
        staff_in_post=_head_of_hcs(sip, seed, vpd),
        leavers=leavers,
        vpd=vpd,
        org_names=org_names,
        other_staff_ratio=ratio,
        seed=seed,
    )


def _org_names(extract: pl.DataFrame) -> dict[str, str]:
    return dict(extract.select("Organisation", "Organisation Name").unique("Organisation").iter_rows())


def esr_reports(
    staff: int = 60_000,
    seed: int = 2025,
    report_date: date = date(2025, 3, 31),
    orgs: int = 200,
    other_staff_ratio: float = DEFAULT_OTHER_STAFF_RATIO,
    hcs: SynthResult | None = None,
) -> EsrReports:
    """Whole-trust staff in post on the report date and the leavers of the 12 months to it, for `staff`
    healthcare scientists in post (`synthesise`'s people; pass `hcs` to reuse an extract already made)."""
    result = hcs or synthesise(staff=staff, seed=seed, census_date=report_date, orgs=orgs)
    extract = result.extract
    org_names = _org_names(extract)
    vpd = vpd_codes(sorted(org_names))
    today = report_date.toordinal() - EPOCH
    period_start = _period_start(report_date)
    since = today - (report_date - period_start).days - 1
    headcount = _headcount(extract)
    hcs_rows = _hcs_persons(extract, seed, since, today)
    extras = _hcs_persons(_hcs_extras(seed, headcount, report_date), seed, since, today)
    others = OtherStaff(seed, headcount, other_staff_ratio, report_date).persons(since, today)
    return _reports(
        [hcs_rows, extras, others], report_date, period_start, vpd, org_names, other_staff_ratio, seed
    )


def _headcount(extract: pl.DataFrame) -> dict[str, int]:
    in_post = extract.filter(pl.col("Termination Date").is_null() & (pl.col("Assignment Number") == "1"))
    return dict(in_post.group_by("Organisation").len().iter_rows())


# -- rendering ------------------------------------------------------------------------------------------------
PAY_BANDS = {
    b: f"Band 8 - Range {b[1].upper()}" if b.startswith("8") else f"Band {b}" for b in reference.bands()
}


def _date_strings(frame: pl.DataFrame, col: str, fmt: str) -> pl.Series:
    """Day numbers as formatted dates: each distinct day formatted once and gathered (strftime per row is
    slow over millions of rows)."""
    days = frame.get_column(col)
    if days.null_count() == days.len():
        return pl.Series(col, [None] * days.len(), dtype=pl.String)
    lo, hi = int(days.min()), int(days.max())  # type: ignore[arg-type]
    lookup = pl.Series(np.arange(lo, hi + 1, dtype=np.int32)).cast(pl.Date).dt.strftime(fmt)
    return lookup.gather(days - lo).alias(col)


def _with_dates(frame: pl.DataFrame, fmt: str) -> pl.DataFrame:
    return frame.with_columns(
        [_date_strings(frame, c, fmt).alias(f"{c}_text") for c in ("dob", "hire", "latest_start", "end")]
    )


def render(frame: pl.DataFrame, layout: str, report: EsrReports, leavers: bool) -> pl.DataFrame:
    """The rows as the layout writes them: ESR's headers and values, or NHS England's warehouse names."""
    if layout not in ("esr", "warehouse"):
        raise ValueError(f"no such layout: {layout}")
    esr = layout == "esr"
    frame = _with_dates(frame, "%d/%m/%Y 00:00:00" if esr else "%Y-%m-%d")
    emp = pl.col("person").cast(pl.String)
    seq = pl.col("seq").cast(pl.String)
    asg = pl.when(pl.col("seq") == 1).then(emp).otherwise(pl.concat_str(emp, pl.lit("-"), seq))
    pay_band = pl.col("band").replace_strict(PAY_BANDS, default=None, return_dtype=pl.String)
    grade = pl.coalesce(pl.concat_str(pl.lit("Review Body "), pay_band), pl.col("grade_text"))
    primary = pl.when(pl.col("primary")).then(pl.lit("Yes")).otherwise(pl.lit("No"))
    if esr:
        vpd = pl.col("org").replace_strict(report.vpd, return_dtype=pl.Int64)
        level = pl.concat_str(pl.lit("L"), ((vpd + pl.col("dept").str.len_chars()) % 3 + 5).cast(pl.String))
        hierarchy = pl.concat_str(vpd.cast(pl.String), pl.col("org"), pl.col("dept"), level, separator=" ")
        cols = [
            emp.alias("Employee Number"),
            asg.alias("Assignment Number"),
            hierarchy.alias("Organisation"),
            pl.col("position_title").alias("Position Title"),
            pl.col("job_role").alias("Job Role"),
            pl.col("occupation_code").alias("Occupation Code"),
            pl.col("staff_group").alias("Staff Group"),
            pl.col("area_of_work").alias("Area of Work"),
            pay_band.alias("Pay Band"),
            grade.alias("Grade"),
            pl.col("category").alias("Assignment Category"),
            pl.col("status").alias("Assignment Status"),
            primary.alias("Primary Assignment"),
            pl.col("fte").alias("Contracted Wte"),
            pl.col("fte").alias("FTE"),
            (pl.col("fte") * pl.col("full_time_hours")).round(2).alias("Contracted Hours"),
            pl.col("dob_text").alias("Date of Birth"),
            pl.col("gender").alias("Gender"),
            pl.col("hire_text").alias("Hire Date"),
            pl.col("latest_start_text").alias("Latest Start Date"),
        ]
    else:
        dob = pl.col("dob").cast(pl.Int32).cast(pl.Date)
        on = report.report_date
        not_yet = (dob.dt.month() > on.month) | ((dob.dt.month() == on.month) & (dob.dt.day() > on.day))
        cols = [
            emp.alias("Unique Nhs Identifier"),
            asg.alias("Asg Number"),
            pl.col("org").alias("ODS code"),
            pl.col("staff_group").alias("Staff Group"),
            pl.col("occupation_code").alias("Occupation Code"),
            pl.col("job_role").alias("Job Role"),
            pl.col("area_of_work").alias("Area of Work"),
            grade.alias("Grade"),
            pl.col("category").alias("Assignment Category"),
            pl.col("status").alias("Assignment Status"),
            primary.alias("Primary Assignment"),
            pl.col("fte").alias("FTE"),
            (on.year - dob.dt.year().cast(pl.Int32) - not_yet.cast(pl.Int32)).alias("Age"),
            pl.col("gender").alias("Gender"),
            pl.col("hire_text").alias("Hire Date"),
            pl.col("latest_start_text").alias("Latest Start Date"),
        ]
    if leavers:
        cols += [
            pl.col("end_text").alias("Termination Date"),
            pl.col("reason").alias("Leaving Reason"),
            pl.col("destination").alias("Leaver Destination"),
        ]
    return frame.select(cols)


def title_lines(report: EsrReports, leavers: bool) -> list[str]:
    """The report's name and parameters above its header row (ESR layout only)."""
    if leavers:
        return ["Leavers", f"Period: {report.period_start:%d/%m/%Y} to {report.report_date:%d/%m/%Y}"]
    return ["Staff in Post", f"Report Date: {report.report_date:%d/%m/%Y}"]


def write_table(frame: pl.DataFrame, path: Path, titles: list[str]) -> None:
    """CSV (titles as lines of one cell before the header) or XLSX (titles in A1, A2, the table below)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        if frame.height + len(titles) + 1 > EXCEL_MAX_ROWS:
            raise UserInputError(
                f"--out {path}: {frame.height:,} rows do not fit in one Excel sheet "
                f"({EXCEL_MAX_ROWS:,} rows at most); write .csv, or fewer --staff or a lower --other-staff-ratio"
            )
        import xlsxwriter  # only for .xlsx (polars writes through it)

        with xlsxwriter.Workbook(str(path)) as wb:
            ws = wb.add_worksheet(titles[0] if titles else "Sheet1")
            for i, line in enumerate(titles):
                ws.write(i, 0, line)
            frame.write_excel(workbook=wb, worksheet=ws, position=(len(titles), 0), autofilter=False)
        return
    with path.open("wb") as fh:
        for line in titles:
            fh.write(f"{line}\n".encode())
        frame.write_csv(fh)


def write_reports(reports: EsrReports, layout: str, out: Path, leavers_out: Path) -> tuple[int, int]:
    """Write the staff-in-post and the leavers report; returns their row counts."""
    titled = layout == "esr"
    sip = render(reports.staff_in_post, layout, reports, leavers=False)
    lv = render(reports.leavers, layout, reports, leavers=True)
    write_table(sip, out, title_lines(reports, False) if titled else [])
    write_table(lv, leavers_out, title_lines(reports, True) if titled else [])
    return sip.height, lv.height


def default_leavers_path(out: Path) -> Path:
    """<stem>_leavers.csv next to --out (a {date} in the name stays, for the monthly reports)."""
    return out.with_name(f"{out.stem}_leavers{out.suffix or '.csv'}")


# -- the answer key -------------------------------------------------------------------------------------------
def _count_by(frame: pl.DataFrame, by: str, name: str, distinct: bool = False) -> dict[str, dict[str, int]]:
    """{org: {value of `by`: rows (or distinct people)}}."""
    agg = pl.col("person").n_unique() if distinct else pl.len()
    out: dict[str, dict[str, int]] = {}
    for org, key, n in frame.group_by("org", by).agg(agg.alias(name)).sort("org", by).iter_rows():
        out.setdefault(org, {})[str(key)] = int(n)
    return out


def _org_counts(reports: EsrReports) -> tuple[list[tuple[str, pl.DataFrame, pl.Expr]], dict[str, Any]]:
    """The per-organisation counts of the answer key: (name, rows, aggregate) each, and the breakdowns."""
    sip, lv = reports.staff_in_post, reports.leavers
    hcs = sip.filter(pl.col("staff_group") == HCS_GROUP)
    subst = hcs.filter(pl.col("category").is_in(SUBSTANTIVE))
    hcs_lv = lv.filter((pl.col("staff_group") == HCS_GROUP) & pl.col("category").is_in(SUBSTANTIVE))
    other = sip.filter(pl.col("staff_group") != HCS_GROUP)
    primary = subst.filter(pl.col("primary"))
    only = hcs.join(subst.select("org", "person").unique(), on=["org", "person"], how="anti")
    people, rows = pl.col("person").n_unique(), pl.len()
    two = subst.group_by("org", "person").len().filter(pl.col("len") > 1)
    counts = [
        ("hcs_headcount", subst, people),
        ("hcs_fte", subst, pl.col("fte").sum().round(3)),
        ("hcs_assignments", subst, rows),
        ("hcs_people_with_two_assignments", two, rows),
        ("hcs_in_post_not_available", primary.filter(pl.col("status").is_in(UNAVAILABLE_STATUSES)), rows),
        ("hcs_area_not_a_specialism_rows", subst.filter(~pl.col("area_is_specialism")), rows),
        ("hcs_occupation_code_blank_rows", subst.filter(pl.col("occupation_code").is_null()), rows),
        ("hcs_bank_assignments", hcs.filter(pl.col("category") == "Bank"), rows),
        ("hcs_honorary_assignments", hcs.filter(pl.col("category") == "Honorary"), rows),
        ("hcs_bank_only_people", only.filter(pl.col("category") == "Bank"), people),
        ("hcs_honorary_only_people", only.filter(pl.col("category") == "Honorary"), people),
        ("hcs_leavers", hcs_lv, people),
        ("hcs_leavers_fte", hcs_lv.filter(pl.col("primary")), pl.col("fte").sum().round(3)),
        ("staff_in_post_rows", sip, rows),
        ("leavers_rows", lv, rows),
        ("other_staff_rows", other, rows),
        ("forgotten_rows", sip.filter(pl.col("kind") == "forgotten"), rows),
        ("decoy_rows", sip.filter(pl.col("kind") == "decoy"), rows),
        ("head_of_healthcare_science", hcs.filter(pl.col("position_title") == HEAD_OF_HCS_TITLE), rows),
    ]
    senior = sip.filter(pl.col("category").is_in(SUBSTANTIVE) & pl.col("band").is_in(SENIOR_BANDS))
    other_lv = lv.filter(pl.col("staff_group") != HCS_GROUP)
    breakdowns = {
        "other_staff_rows_by_staff_group": _count_by(other, "staff_group", "n"),
        "other_leaver_rows_by_staff_group": _count_by(other_lv, "staff_group", "n"),
        "hcs_in_post_by_status": _count_by(primary, "status", "n"),
        "senior_8c_plus_headcount_by_staff_group": _count_by(senior, "staff_group", "n", distinct=True),
        "forgotten_rows_by_variant": _count_by(sip.filter(pl.col("kind") == "forgotten"), "variant", "n"),
    }
    return counts, breakdowns


def expected_counts(reports: EsrReports) -> dict[str, Any]:
    """What the importer should find in the two reports, per organisation and for England, counted from the
    generator's own rows (never by the importer). Definitions are in the result under "definitions"."""
    counts, breakdowns = _org_counts(reports)
    per_org: dict[str, dict[str, Any]] = {}
    for name, frame, agg in counts:
        for org, n in frame.group_by("org").agg(agg.alias("n")).iter_rows():
            per_org.setdefault(org, {})[name] = n
    organisations: dict[str, Any] = {}
    for org in sorted(set(per_org) | set(reports.vpd)):
        entry: dict[str, Any] = {"name": reports.org_names.get(org), "vpd_code": reports.vpd.get(org)}
        entry.update({name: per_org.get(org, {}).get(name, 0) for name, _, _ in counts})
        entry.update({k: d.get(org, {}) for k, d in breakdowns.items()})
        organisations[org] = entry
    # People belong to one trust each, so England's counts are the trusts' sums; FTE is summed afresh.
    england: dict[str, Any] = {name: sum(o[name] for o in organisations.values()) for name, _, _ in counts}
    for name, frame, _ in counts:
        if name.endswith("_fte"):
            england[name] = round(float(frame["fte"].sum()), 3)
    for k in breakdowns:
        summed: dict[str, int] = {}
        for o in organisations.values():
            for key, n in o[k].items():
                summed[key] = summed.get(key, 0) + n
        england[k] = dict(sorted(summed.items()))
    subst = counts[0][1]
    england["hcs_by_job_role"] = dict(subst.group_by("job_role").len().sort("job_role").iter_rows())
    england["hcs_by_area_of_work"] = dict(
        subst.group_by("area_of_work").len().sort("area_of_work").iter_rows()
    )
    return {
        "synthetic": "Synthetic data: not real people (hcs synth --layout esr)",
        "seed": reports.seed,
        "report_date": reports.report_date.isoformat(),
        "period": {"start": reports.period_start.isoformat(), "end": reports.report_date.isoformat()},
        "other_staff_ratio": reports.other_staff_ratio,
        "definitions": DEFINITIONS,
        "rates": RATES,
        "england": england,
        "organisations": organisations,
    }


DEFINITIONS = {
    "healthcare scientist": f"a row with Staff Group '{HCS_GROUP}' (every such row has a U occupation code or "
    "none; no other row has a U code)",
    "substantive": "Assignment Category Permanent or Fixed Term Temp (not Bank, not Honorary)",
    "hcs_headcount": "distinct people with a substantive healthcare-scientist assignment in the staff-in-post "
    "report (any status: maternity, career break and secondment are in post)",
    "hcs_fte": "sum of Contracted Wte over those assignments (bank and honorary are zero FTE and not counted)",
    "hcs_in_post_not_available": "people in the headcount whose primary assignment's status is one of "
    + ", ".join(UNAVAILABLE_STATUSES),
    "hcs_leavers": "distinct people with a substantive healthcare-scientist row in the leavers report",
    "hcs_bank_only_people": "people whose only healthcare-scientist assignments are bank (likewise honorary)",
    "other_staff_rows": "staff-in-post rows of every other staff group, all categories",
    "forgotten_rows": "healthcare scientists planted in another staff group (Add Prof Scientific and Technic, "
    "Additional Clinical Services) with evidence in job role, position title, area of work or occupation "
    "code; counted in other_staff_rows. The warehouse layout has no position title, so there the "
    "clinical_engineering variant (known by its position title only) shows no evidence",
    "decoy_rows": "doctors in pathology (Medical and Dental, area of work Histopathology or Chemical "
    "Pathology): not healthcare scientists, a false case for the forgotten-group screen",
    "senior_8c_plus_headcount_by_staff_group": "distinct people with a substantive assignment at band 8c, 8d "
    "or 9, by staff group",
}
RATES = {
    "hcs_second_assignment": 0.03,
    "hcs_bank_extra_assignment": HCS_BANK_EXTRA_RATE,
    "hcs_bank_only_per_hcs": HCS_BANK_ONLY_RATE,
    "hcs_honorary_only_per_hcs": HCS_HONORARY_ONLY_RATE,
    "hcs_fixed_term_outside_training": HCS_FIXED_TERM_RATE,
    "hcs_area_of_work_theme_level": THEME_AREA_RATE,
    "hcs_phlebotomy_area_of_blood_sciences_assistants": PHLEBOTOMY_RATE,
    "hcs_blank_occupation_code": BLANK_OCCUPATION_CODE_RATE,
    "rehire": REHIRE_RATE,
    "blank_latest_start_date": BLANK_LATEST_START_RATE,
    "trusts_with_head_of_healthcare_science": HEAD_OF_HCS_RATE,
    "statuses": dict(STATUSES),
    "other_staff_group_shares": OTHER_GROUP_SHARES,
    "forgotten_per_hcs": FORGOTTEN_PER_HCS,
    "forgotten_variants": {r.variant: r.weight for r in FORGOTTEN},
    "other_second_assignment": SECOND_ASSIGNMENT_RATE,
    "other_bank_extra_assignment": BANK_EXTRA_RATE,
    "other_bank_only": BANK_ONLY_RATE,
    "medical_honorary_only": HONORARY_MEDICAL_RATE,
    "other_fixed_term": FIXED_TERM_RATE,
}


def write_truth(truth: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, indent=1, sort_keys=False) + "\n")


# -- a monthly history ----------------------------------------------------------------------------------------
def esr_history(
    history: SynthHistory, other_staff_ratio: float = DEFAULT_OTHER_STAFF_RATIO
) -> Iterator[tuple[EsrReports, MonthExtract]]:
    """One (EsrReports, MonthExtract) per month end of a `synthesise_months` history, oldest first: staff in
    post at the month end and the leavers of that month (of the 12 months to it, for the first). People keep their employee numbers and oddities from
    month to month; other staff leave and are replaced at the national leaver rate."""
    seed = history.seed
    org_names = dict(history.org_names)
    vpd = vpd_codes(sorted(org_names))
    first_date = history.census_dates[0]
    headcount = _headcount(history.first_extract.extract)
    extras = _hcs_extras(seed, headcount, first_date)
    others = OtherStaff(seed, headcount, other_staff_ratio, first_date)
    for k, month in enumerate(history):
        today = month.census_date.toordinal() - EPOCH
        first_day = month.census_date.replace(day=1).toordinal() - EPOCH
        if k > 0:
            others.step(first_day, today)
        # The first month's leavers report covers the 12 months to it, as a trust pulls it for its first
        # census; later ones cover their month. So every census sees a full year of leavers.
        period_start = _period_start(month.census_date) if k == 0 else month.census_date.replace(day=1)
        since = period_start.toordinal() - EPOCH - 1
        persons = [
            _hcs_persons(month.extract, seed, since, today),
            _hcs_persons(extras, seed, since, today),
            others.persons(since, today),
        ]
        yield (
            _reports(persons, month.census_date, period_start, vpd, org_names, other_staff_ratio, seed),
            month,
        )


def esr_absences(absences: pl.DataFrame) -> pl.DataFrame:
    """A synthetic absence extract keyed as the ESR reports are: the primary assignment's number is the
    employee number (the canonical extract numbers it "1")."""
    return absences.with_columns(
        pl.when(pl.col("Assignment Number") == "1")
        .then(pl.col("Employee Number"))
        .otherwise(pl.concat_str(pl.col("Employee Number"), pl.lit("-"), pl.col("Assignment Number")))
        .alias("Assignment Number")
    )


def write_history(
    history: SynthHistory,
    layout: str,
    out: Path,
    leavers_out: Path,
    other_staff_ratio: float,
    establishment: Path | None = None,
    absence: Path | None = None,
    truth_out: Path | None = None,
) -> Path:
    """Write a staff-in-post and a leavers report per month (named with {date}), its establishment (and
    absences), and a manifest.json listing them with the planted shifts; returns the manifest's path."""
    folder = out.parent if "{date}" in str(out) else out
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    truths: list[dict[str, Any]] = []

    def rel(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(folder.resolve()))
        except ValueError:
            return str(p.resolve())

    for reports, month in esr_history(history, other_staff_ratio):
        d = reports.report_date
        sip_path = month_path(out, "staff_in_post", d)
        lv_path = month_path(leavers_out, "leavers", d)
        n_sip, n_lv = write_reports(reports, layout, sip_path, lv_path)
        entry: dict[str, Any] = {
            "census_date": d.isoformat(),
            "extract": rel(sip_path),
            "leavers": rel(lv_path),
            "rows": n_sip,
            "leaver_rows": n_lv,
        }
        path = month_path(establishment or out, "establishment", d)
        path.parent.mkdir(parents=True, exist_ok=True)
        month.establishment.write_csv(path)
        entry["establishment"] = rel(path)
        if month.absences is not None:
            path = month_path(absence or out, "absence", d)
            path.parent.mkdir(parents=True, exist_ok=True)
            esr_absences(month.absences).write_csv(path)
            entry["absence"] = rel(path)
            entry["absence_rows"] = month.absences.height
        entries.append(entry)
        if truth_out:
            truths.append(expected_counts(reports))
    manifest = folder / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "synthetic": f"Synthetic data: not real people (hcs synth --layout {layout} --months)",
                "seed": history.seed,
                "months": history.months,
                "layout": layout,
                "censuses": entries,
                "shifts": [
                    {
                        "organisation": s.organisation,
                        "organisation_name": history.org_names.get(s.organisation),
                        "kind": s.kind,
                        "start": s.start.isoformat(),
                        "end": None if s.end is None else s.end.isoformat(),
                        "detail": s.detail,
                    }
                    for s in history.shifts
                ],
            },
            indent=2,
        )
        + "\n"
    )
    if truth_out:
        write_truth({"synthetic": truths[0]["synthetic"], "layout": layout, "censuses": truths}, truth_out)
    return manifest


__all__ = [
    "DEFAULT_OTHER_STAFF_RATIO",
    "LAYOUTS",
    "EsrReports",
    "esr_history",
    "esr_reports",
    "expected_counts",
    "month_ends",
    "render",
    "write_history",
    "write_reports",
    "write_truth",
]
