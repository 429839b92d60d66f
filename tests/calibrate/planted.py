"""A synthetic monthly history with planted true rates, for the calibration acceptance test and benchmark.

Frames are in the store's own contract (model/frames.py STAFF_SCHEMA and LEAVER_SCHEMA: what
Store.staff_history / leavers_history return; docs/esr-extracts.md gives the file layout they come from). Each
month every person in post leaves with the planted monthly probability of their level, or retires with the
planted monthly probability of their age, or stays; stayers progress one level with the planted probability
and a few move trust; new people join each level as a Poisson share of its stock. Monthly probabilities are
1 - (1 - annual) ** (1 / 12), so the annual truths below are what calibration should recover.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from hcsworkforce.model.frames import LEAVER_SCHEMA, STAFF_SCHEMA

LEVELS = ("assistant", "associate", "practitioner", "clinical_scientist", "consultant")
LEAVER = {
    "assistant": 0.12,
    "associate": 0.10,
    "practitioner": 0.09,
    "clinical_scientist": 0.07,
    "consultant": 0.06,
}
RETIREMENT = {
    age: 0.04 if age < 60 else 0.15 if age == 60 else 0.10 if age < 65 else 0.30 for age in range(55, 71)
}
PROGRESSION = {"assistant": 0.08, "associate": 0.06, "practitioner": 0.04, "clinical_scientist": 0.03}
JOINERS = {
    "assistant": 0.14,
    "associate": 0.10,
    "practitioner": 0.10,
    "clinical_scientist": 0.06,
    "consultant": 0.05,
}
LEVEL_SHARE = (0.2, 0.15, 0.3, 0.25, 0.1)
ORGS = ("RGT", "RRK", "RJ1", "RTH")
SPECIALISMS = ("clinical_biochemistry", "audiology", "medical_physics")
MOVE_PER_MONTH = 0.005
ENTRY_AGE = (22, 30, 24, 28, 40)


def monthly(annual: float) -> float:
    return float(1 - (1 - annual) ** (1 / 12))


def month_ends(end: date, months: int) -> list[date]:
    out = []
    y, m = end.year, end.month
    for _ in range(months):
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass
class People:
    key: np.ndarray
    level: np.ndarray
    age_months: np.ndarray
    org: np.ndarray
    spec: np.ndarray
    active: np.ndarray

    def add(self, n: int, level: int, rng: np.random.Generator, next_key: int) -> None:
        self.key = np.append(self.key, np.arange(next_key, next_key + n))
        self.level = np.append(self.level, np.full(n, level))
        ages = (ENTRY_AGE[level] + rng.integers(0, 15, n)) * 12 + rng.integers(0, 12, n)
        self.age_months = np.append(self.age_months, ages)
        self.org = np.append(self.org, rng.integers(0, len(ORGS), n))
        self.spec = np.append(self.spec, rng.integers(0, len(SPECIALISMS), n))
        self.active = np.append(self.active, np.ones(n, dtype=bool))


def _census_frame(p: People, census: date) -> pl.DataFrame:
    a = p.active
    keys = [f"p{k:07d}" for k in p.key[a]]
    return pl.DataFrame(
        {
            "census_date": [census] * len(keys),
            "staff_key": keys,
            "assignment_key": keys,
            "organisation_code": [ORGS[i] for i in p.org[a]],
            "region_code": ["Y61"] * len(keys),
            "specialism_id": [SPECIALISMS[i] for i in p.spec[a]],
            "division_id": [None] * len(keys),
            "career_level": [LEVELS[i] for i in p.level[a]],
            "afc_band": ["6"] * len(keys),
            "fte": [1.0] * len(keys),
            "age": (p.age_months[a] // 12).astype(np.int32),
            "gender": ["F"] * len(keys),
            "start_date": [date(2015, 1, 1)] * len(keys),
            "training_programme": ["none"] * len(keys),
            "expected_completion": [None] * len(keys),
        },
        schema=STAFF_SCHEMA,
    )


def planted_history(
    n_people: int = 2000, censuses: int = 25, seed: int = 0, end: date = date(2025, 3, 31)
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(staff, leavers) of ``censuses`` month-end censuses; leavers as each census lists them (its 12 months)."""
    rng = np.random.default_rng(seed)
    dates = month_ends(end, censuses)
    p = People(*(np.zeros(0, dtype=np.int64) for _ in range(5)), np.zeros(0, dtype=bool))
    for lv, share in enumerate(LEVEL_SHARE):
        p.add(round(n_people * share), lv, rng, len(p.key))
    p.age_months[:] = rng.integers(22 * 12, 67 * 12, len(p.key))
    q_leave = np.array([monthly(LEAVER[lv]) for lv in LEVELS])
    q_prog = np.array([monthly(PROGRESSION.get(lv, 0.0)) for lv in LEVELS])
    q_retire = np.zeros(130)
    for age, prob in RETIREMENT.items():
        q_retire[age] = monthly(prob)
    q_retire[71:] = monthly(RETIREMENT[70])
    staff, exits = [], []
    for m, census in enumerate(dates):
        staff.append(_census_frame(p, census))
        if m == len(dates) - 1:
            break
        idx = np.nonzero(p.active)[0]
        u = rng.random(idx.size)
        ql, qr = q_leave[p.level[idx]], q_retire[p.age_months[idx] // 12]
        leave, retire = u < ql, (u >= ql) & (u < ql + qr)
        gone = idx[leave | retire]
        span = (dates[m + 1] - census).days
        for person, is_retire in zip(gone, retire[leave | retire], strict=True):
            end_date = census + timedelta(days=int(rng.integers(1, span + 1)))
            exits.append(
                (
                    person,
                    end_date,
                    "Retirement Age" if is_retire else "Voluntary Resignation - Other/Not Known",
                )
            )
        stock = np.bincount(p.level[idx], minlength=len(LEVELS))  # the stock at the census, as the model's
        stay = idx[~(leave | retire)]
        moves = stay[rng.random(stay.size) < q_prog[p.level[stay]]]
        mover = stay[rng.random(stay.size) < MOVE_PER_MONTH]
        p.org[mover] = (p.org[mover] + rng.integers(1, len(ORGS), mover.size)) % len(ORGS)
        p.active[gone] = False
        p.level[moves] += 1
        p.age_months[p.active] += 1
        for lv in range(len(LEVELS)):
            p.add(int(rng.poisson(stock[lv] * JOINERS[LEVELS[lv]] / 12)), lv, rng, len(p.key))
    return pl.concat(staff), _leaver_lists(p, exits, dates, staff)


def _leaver_lists(
    p: People, exits: list[tuple[int, date, str]], dates: list[date], staff: list[pl.DataFrame]
) -> pl.DataFrame:
    """Each census's leavers: everyone whose leaving date falls in its 12 months, as they were when last in post."""
    if not exits:
        return pl.DataFrame(schema=LEAVER_SCHEMA)
    last = pl.concat(staff).sort("census_date").unique(subset="staff_key", keep="last").drop("census_date")
    ex = pl.DataFrame(
        {
            "staff_key": [f"p{p.key[i]:07d}" for i, _, _ in exits],
            "end_date": [e for _, e, _ in exits],
            "leaving_reason": [r for _, _, r in exits],
        }
    ).join(last, on="staff_key")
    out = []
    for census in dates:
        year_before = census - timedelta(days=365)
        rows = ex.filter((pl.col("end_date") > year_before) & (pl.col("end_date") <= census))
        out.append(rows.with_columns(pl.lit(census).alias("census_date")).select(list(LEAVER_SCHEMA)))
    return pl.concat(out).cast(LEAVER_SCHEMA)  # type: ignore[arg-type]
