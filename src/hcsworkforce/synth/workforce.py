"""A synthetic national ESR-style extract of the healthcare science workforce.

What matches published figures (reference/data/published_figures.csv): the default size (60,000 people, the
"over 60,000" of 2022), the consultant share (about 600 of 50,000 = 1.2%), trainee clinical scientists in
post (three STP intakes of ~500 a year), the specialism mix of clinical scientists (in proportion to the 2023
STP direct-entry posts), England's seven NHS regions and the real ODS codes of open NHS trusts.
Everything else (organisation sizes, ages, bands within a level, FTE, tenure, leavers, vacancies, genders)
is invented to look plausible, and is said to be invented in docs/synthetic-data.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from hcsworkforce import reference

LEVEL_SHARES = {  # share of people; consultant share from published figures, the rest invented
    "assistant": 0.20,
    "associate": 0.12,
    "practitioner": 0.40,
    "clinical_scientist": 0.215,
    "consultant": 0.012,
    "trainee_practitioner": 0.012,
    "trainee_clinical_scientist": 0.027,  # ~1,600 STP trainees in post of 60,000 (3 intakes of ~534)
    "trainee_consultant": 0.004,
}
BANDS = {  # level -> (bands, probabilities); invented within the national profiles' ranges
    "assistant": (["2", "3"], [0.45, 0.55]),
    "associate": (["4"], [1.0]),
    "practitioner": (["5", "6", "7"], [0.42, 0.43, 0.15]),
    "clinical_scientist": (["7", "8a", "8b"], [0.55, 0.30, 0.15]),
    "consultant": (["8c", "8d", "9"], [0.40, 0.35, 0.25]),
    "trainee_practitioner": (["3", "4"], [0.3, 0.7]),
    "trainee_clinical_scientist": (["6"], [1.0]),
    "trainee_consultant": (["7", "8a"], [0.6, 0.4]),
}
AGE = {  # level -> (mean, sd, min, max) of age in years; invented
    "assistant": (38, 12, 18, 67),
    "associate": (40, 11, 20, 67),
    "practitioner": (42, 11, 21, 68),
    "clinical_scientist": (44, 10, 24, 68),
    "consultant": (52, 7, 35, 70),
    "trainee_practitioner": (24, 5, 18, 45),
    "trainee_clinical_scientist": (27, 4, 21, 45),
    "trainee_consultant": (36, 5, 28, 55),
}
PROGRAMME = {
    "trainee_practitioner": ("apprenticeship_l6", 3),
    "trainee_clinical_scientist": ("stp", 3),
    "trainee_consultant": ("hsst", 5),
}
LEAVING_REASONS = (  # ESR-style reasons; mix invented
    ("Voluntary Resignation - Relocation", 0.18),
    ("Voluntary Resignation - Work Life Balance", 0.17),
    ("Voluntary Resignation - Promotion", 0.14),
    ("Retirement Age", 0.16),
    ("Flexi Retirement", 0.06),
    ("End of Fixed Term Contract", 0.10),
    ("Voluntary Resignation - Better Reward Package", 0.08),
    ("Voluntary Resignation - Other/Not Known", 0.11),
)
LEAVER_RATE = 0.10  # close to the all-HCHS 10.1% of the year to September 2024; no HCS figure is published


@dataclass
class SynthResult:
    extract: pl.DataFrame
    establishment: pl.DataFrame
    census_date: date
    people: int


def _organisations(rng: np.random.Generator, n_orgs: int) -> pl.DataFrame:
    trusts = [t for t in reference.trusts().values() if not t.closed]
    trusts.sort(key=lambda t: t.code)
    idx = np.sort(rng.choice(len(trusts), size=min(n_orgs, len(trusts)), replace=False))
    chosen = [trusts[i] for i in idx]
    # Sizes: a few large teaching hospitals, many middling trusts (lognormal, invented).
    weight = rng.lognormal(mean=0.0, sigma=0.8, size=len(chosen))
    return pl.DataFrame(
        {
            "code": [t.code for t in chosen],
            "name": [t.name.title().replace("Nhs", "NHS") for t in chosen],
            "region": [t.region_code for t in chosen],
            "weight": weight / weight.sum(),
        }
    )


def _specialism_weights() -> tuple[list[str], np.ndarray]:
    rows = [r for r in reference.read_table("specialisms") if r["status"] != "not_known"]
    ids = [r["id"] for r in rows]
    # STP posts as a proxy for size; broad-list specialisms without posts get a small share.
    w = np.array([float(r["stp_2023_direct_entry_posts"] or 3) for r in rows])
    return ids, w / w.sum()


def synthesise(
    staff: int = 60_000, seed: int = 2025, census_date: date = date(2025, 3, 31), orgs: int = 200
) -> SynthResult:
    """People in post on the census date, with 12 months of leavers and an establishment with vacancies."""
    rng = np.random.default_rng(seed)
    org = _organisations(rng, orgs)
    spec_ids, spec_w = _specialism_weights()
    # People in post now plus the leavers of the last 12 months (who were in post before).
    n_leavers = round(staff * LEAVER_RATE)
    n = staff + n_leavers
    census_ord = census_date.toordinal()
    # Every draw below comes from one generator in a fixed order, so a seed always gives the same extract.
    person_org, person_spec, person_level = _draw_posts(rng, n, org["weight"].to_numpy(), spec_w)
    age, day_of_year = _draw_ages(rng, person_level)
    dob_ord = census_ord - age * 365 - (age // 4) - day_of_year
    band = _draw_bands(rng, person_level)
    fte, gender, is_leaver, start_ord, end_ord, reason = _draw_contracts(rng, staff, age, census_ord)
    # Retirement-age leavers are older.
    retiring = is_leaver & np.isin(reason, ["Retirement Age", "Flexi Retirement"])
    age = np.where(retiring, np.maximum(age, rng.integers(58, 68, size=n)), age)
    dob_ord = np.where(retiring, census_ord - age * 365 - (age // 4) - day_of_year, dob_ord)
    level_arr = np.array(list(LEVEL_SHARES))[person_level]
    programme, expected = _draw_training(rng, level_arr, is_leaver, start_ord, census_ord)
    staff_numbers = rng.permutation(np.arange(10_000_000, 10_000_000 + n))

    spec_names = [reference.specialisms()[s].name for s in spec_ids]
    extract = pl.DataFrame(
        {
            "Employee Number": staff_numbers.astype(str),
            "Assignment Number": np.full(n, "1"),
            "Organisation": org["code"].to_numpy()[person_org],
            "Organisation Name": org["name"].to_numpy()[person_org],
            "Specialism": np.array(spec_names)[person_spec],
            "Career Level": level_arr.tolist(),
            "Pay Band": np.char.add("Band ", band.astype(str)),
            "Contracted WTE": fte,
            "Date of Birth": _iso(dob_ord),
            "Gender": gender,
            "Hire Date": _iso(start_ord),
            "Termination Date": [
                None if not lv else d for lv, d in zip(is_leaver, _iso(end_ord), strict=True)
            ],
            "Leaving Reason": reason.tolist(),
            "Training Programme": programme.tolist(),
            "Expected Completion": expected.tolist(),
        },
        strict=False,
    )
    # About 3% of people in post hold a second, part-time assignment in the same organisation.
    second = extract.head(staff).filter(pl.Series(rng.random(staff) < 0.03))
    second = second.with_columns(
        pl.lit("2").alias("Assignment Number"),
        pl.lit(0.2).alias("Contracted WTE"),
    )
    extract = pl.concat([extract, second]).sort("Employee Number", "Assignment Number")
    establishment = _establishment(extract, rng)
    return SynthResult(extract=extract, establishment=establishment, census_date=census_date, people=staff)


def _iso(ords: np.ndarray) -> list[str]:
    """Day ordinals as ISO dates."""
    base = date(1970, 1, 1).toordinal()
    return pl.Series((ords - base).astype("int32")).cast(pl.Date).dt.strftime("%Y-%m-%d").to_list()


def _draw_posts(
    rng: np.random.Generator, n: int, org_weight: np.ndarray, spec_w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's organisation, specialism and career level (indices)."""
    lw = np.array(list(LEVEL_SHARES.values()))
    lw = lw / lw.sum()
    person_org = rng.choice(len(org_weight), size=n, p=org_weight)
    person_spec = rng.choice(len(spec_w), size=n, p=spec_w)
    person_level = rng.choice(len(LEVEL_SHARES), size=n, p=lw)
    return person_org, person_spec, person_level


def _draw_ages(rng: np.random.Generator, person_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Age in years (normal by level, within the level's range) and the day of the year of the birthday."""
    levels = list(LEVEL_SHARES)
    mean = np.array([AGE[lv][0] for lv in levels])[person_level]
    sd = np.array([AGE[lv][1] for lv in levels])[person_level]
    lo = np.array([AGE[lv][2] for lv in levels])[person_level]
    hi = np.array([AGE[lv][3] for lv in levels])[person_level]
    age = np.clip(np.round(rng.normal(mean, sd)), lo, hi).astype(int)
    day_of_year = rng.integers(0, 365, size=person_level.size)
    return age, day_of_year


def _draw_bands(rng: np.random.Generator, person_level: np.ndarray) -> np.ndarray:
    """An Agenda for Change band within each person's level."""
    band = np.empty(person_level.size, dtype=object)
    for i, lv in enumerate(LEVEL_SHARES):
        m = person_level == i
        bs, ps = BANDS[lv]
        band[m] = rng.choice(bs, size=int(m.sum()), p=ps)
    return band


def _draw_contracts(
    rng: np.random.Generator, staff: int, age: np.ndarray, census_ord: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """FTE, gender, who left (everyone after the first `staff`), start and end day ordinals, leaving reason."""
    n = age.size
    fte = np.where(rng.random(n) < 0.72, 1.0, np.round(rng.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9], size=n), 2))
    gender = rng.choice(["Female", "Male", "Unknown"], size=n, p=[0.64, 0.35, 0.01])
    # Tenure: exponential, capped by age-18 years.
    max_tenure_days = np.maximum((age - 18) * 365, 30)
    tenure_days = np.minimum(rng.exponential(9 * 365, size=n).astype(int), max_tenure_days)
    is_leaver = np.zeros(n, dtype=bool)
    is_leaver[staff:] = True
    # Leavers left within the 12 months; they had started at least a month before leaving.
    end_ord = np.where(is_leaver, census_ord - rng.integers(0, 365, size=n), 0)
    start_ord = np.where(is_leaver, end_ord - np.maximum(tenure_days, 30), census_ord - tenure_days)
    reasons = np.array([r for r, _ in LEAVING_REASONS])
    rp = np.array([p for _, p in LEAVING_REASONS])
    reason = np.where(is_leaver, rng.choice(reasons, size=n, p=rp / rp.sum()), np.array(None, dtype=object))
    return fte, gender, is_leaver, start_ord, end_ord, reason


def _draw_training(
    rng: np.random.Generator,
    level_arr: np.ndarray,
    is_leaver: np.ndarray,
    start_ord: np.ndarray,
    census_ord: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Training programme and expected completion date (ISO) of trainees and some apprentices at assistant
    level. A trainee in post started when their programme did, so `start_ord` is set for them (in place)."""
    n = level_arr.size
    programme = np.full(n, "none", dtype=object)
    expected = np.full(n, None, dtype=object)
    for lv, (prog, years) in PROGRAMME.items():
        m = level_arr == lv
        programme[m] = prog
        # Trainees are spread over the years of their programme.
        into = rng.integers(0, years * 365, size=int(m.sum()))
        start_ord[m] = np.where(is_leaver[m], start_ord[m], census_ord - into)
        exp = census_ord - into + years * 365
        expected[m] = [date.fromordinal(int(x)).isoformat() for x in exp]
    appr = (level_arr == "assistant") & (rng.random(n) < 0.08)
    programme[appr] = "apprenticeship_l2"
    expected[appr] = [
        date.fromordinal(int(census_ord + x)).isoformat() for x in rng.integers(30, 365, size=int(appr.sum()))
    ]
    return programme, expected


def _establishment(extract: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    in_post = (
        extract.filter(pl.col("Termination Date").is_null())
        .group_by("Organisation", "Specialism", "Career Level")
        .agg(pl.col("Contracted WTE").sum().alias("fte"))
        .sort("Organisation", "Specialism", "Career Level")
    )
    # Funded posts: in post plus a vacancy of ~8% on average (invented), some lines fully staffed.
    vac = np.clip(rng.normal(0.08, 0.07, size=in_post.height), 0.0, 0.4)
    funded = np.round(in_post["fte"].to_numpy() * (1 + vac), 1)
    return pl.DataFrame(
        {
            "organisation_code": in_post["Organisation"],
            "specialism": in_post["Specialism"],
            "career_level": in_post["Career Level"],
            "funded_fte": np.maximum(funded, in_post["fte"].to_numpy().round(1)),
        }
    )


def write(result: SynthResult, out: Path, establishment_out: Path | None = None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        result.extract.write_excel(out)
    else:
        result.extract.write_csv(out)
    if establishment_out:
        establishment_out.parent.mkdir(parents=True, exist_ok=True)
        result.establishment.write_csv(establishment_out)


def default_census_date() -> date:
    return date(2025, 3, 31)
