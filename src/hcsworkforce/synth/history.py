"""One synthetic workforce followed through N month-end censuses, so trends and SPC charts have something to find.

The first month is `synthesise()`'s national extract; each later month people leave (more often when old),
most are replaced, trainees qualify when their expected completion passes (trainee clinical scientist ->
clinical scientist and so on; the freed training place is filled at the next September intake), apprentices
finish, and everyone ages (the extract carries dates of birth, so age follows the census date). Staff numbers
stay the same across months, so pseudonyms are stable and a person can be followed. Two organisations carry a
real, planted shift (say `shifts` to find them): the largest has a leaver spike and a rise in sickness absence
over several months; the second largest funds new posts it does not fill, so its vacancy rate rises.
Everything is invented, deterministic by seed, and describes no real person (docs/synthetic-data.md).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from hcsworkforce.synth.workforce import (
    AGE,
    BANDS,
    LEAVER_RATE,
    LEAVING_REASONS,
    PROGRAMME,
    SynthResult,
    synthesise,
)

EPOCH = date(1970, 1, 1).toordinal()
NO_DATE = 2**31 - 1  # "no end date" in the day arrays, later than any real date

# Monthly chance of leaving that gives the national 12-month leaver rate; older people leave more (retirement).
MONTHLY_LEAVING = 1 - (1 - LEAVER_RATE) ** (1 / 12)
OLD_AGE = 60
OLD_AGE_FACTOR = 2.5
SPIKE_FACTOR = 4.0  # leaving at the spike organisation during the spike (invented)
REPLACED = 0.99  # share of leavers replaced in the month they leave
REPLACED_DURING_FREEZE = 0.35  # at the vacancy-rise organisation: posts held open
NEW_POSTS = 0.12  # funded FTE added at the vacancy-rise organisation when its shift starts
GROWTH_PER_MONTH = 0.001  # extra joiners, as a share of headcount (the workforce grows slowly)
QUALIFIED = {  # trainee level -> (level and band on qualifying)
    "trainee_practitioner": ("practitioner", "5"),
    "trainee_clinical_scientist": ("clinical_scientist", "7"),
    "trainee_consultant": ("consultant", "8c"),
}
INTAKE_MONTH = 9  # national training programmes start in September

# Sickness absence (invented, near the NHS-wide 4-5%): chance that an episode starts in a month; most are
# short, some long-term. The absence-rise organisation doubles it during its shift.
ABSENCE_START_PER_MONTH = 0.11
ABSENCE_FACTOR = 2.0
SHORT_SHARE = 0.85
ABSENCE_REASONS = (
    ("S10 Anxiety/stress/depression/other psychiatric illnesses", 0.25),
    ("S12 Other musculoskeletal problems", 0.12),
    ("S13 Cold, Cough, Flu - Influenza", 0.25),
    ("S25 Gastrointestinal problems", 0.15),
    ("S28 Injury, fracture", 0.05),
    ("S98 Other known causes - not elsewhere classified", 0.18),
)


@dataclass(frozen=True)
class Shift:
    """A change planted in the synthetic history, for SPC to find."""

    organisation: str
    kind: str  # leaver_spike, absence_rise or vacancy_rise
    start: date  # first census affected
    end: date | None  # last census affected (None: to the end)
    detail: str


@dataclass
class MonthExtract:
    census_date: date
    extract: pl.DataFrame  # the columns `synthesise` writes (ESR-style headers)
    establishment: pl.DataFrame  # organisation_code, specialism, career_level, funded_fte
    absences: pl.DataFrame | None  # episodes overlapping the census month, or None


def month_ends(end: date, months: int) -> list[date]:
    """The last days of the `months` calendar months ending with end's month, oldest first."""
    out = []
    for k in range(months - 1, -1, -1):
        idx = end.year * 12 + end.month - 1 - k
        y, m = divmod(idx, 12)
        out.append(date(y, m + 1, calendar.monthrange(y, m + 1)[1]))
    return out


def _days(d: date) -> int:
    return d.toordinal() - EPOCH


def _iso(days: np.ndarray) -> pl.Series:
    """Day numbers -> ISO date strings; NO_DATE -> null."""
    d = pl.col("d")
    return (
        pl.DataFrame({"d": np.asarray(days, dtype=np.int64)})
        .select(
            pl.when(d == NO_DATE).then(None).otherwise(d).cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d")
        )
        .to_series()
    )


@dataclass
class _People:
    """One row per person (the first assignment); a second part-time assignment is a flag."""

    number: np.ndarray  # staff number (int)
    org: np.ndarray  # ODS code
    spec: np.ndarray  # specialism name as the extract writes it
    level: np.ndarray
    band: np.ndarray  # "Band 5"
    fte: np.ndarray
    dob: np.ndarray  # day numbers
    gender: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NO_DATE while in post
    reason: np.ndarray  # leaving reason or None
    programme: np.ndarray
    expected: np.ndarray  # expected completion, NO_DATE if none
    second: np.ndarray  # bool: holds a second 0.2 FTE assignment
    busy_until: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # last absent day

    def append(self, other: _People) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))

    def __len__(self) -> int:
        return int(self.number.size)


class SynthHistory:
    """Iterate to get one MonthExtract per month, oldest first; `shifts` says what was planted where."""

    def __init__(
        self,
        staff: int = 60_000,
        seed: int = 2025,
        months: int = 24,
        end_date: date = date(2025, 3, 31),
        orgs: int = 200,
        *,
        absences: bool = False,
    ) -> None:
        if months < 1:
            raise ValueError("months must be at least 1")
        self.seed = seed
        self.months = months
        self.census_dates = month_ends(end_date, months)
        self.with_absences = absences
        first = synthesise(staff=staff, seed=seed, census_date=self.census_dates[0], orgs=orgs)
        self._first = first
        self.org_names = dict(
            first.extract.select("Organisation", "Organisation Name").unique("Organisation").iter_rows()
        )
        self._people = self._from_extract(first.extract)
        in_post = first.extract.filter(pl.col("Termination Date").is_null())
        sizes = in_post.group_by("Organisation").len().sort(["len", "Organisation"], descending=[True, False])
        ranked = sizes["Organisation"].to_list()
        n = months
        # The shifts start late enough for a baseline of their own and run on to (or near) the end.
        spike_from = max(1, n // 2)
        spike_to = min(n - 1, spike_from + 5)
        vac_from = max(1, n // 3)
        self.spike_org = ranked[0]
        self.vacancy_org = ranked[1] if len(ranked) > 1 else ranked[0]
        self._spike = (spike_from, spike_to)
        self._vacancy_from = vac_from
        d = self.census_dates
        self.shifts = [
            Shift(
                self.spike_org,
                "leaver_spike",
                d[spike_from],
                d[spike_to],
                f"leaving {SPIKE_FACTOR:g} times as likely each month",
            ),
            Shift(
                self.spike_org,
                "absence_rise",
                d[spike_from],
                d[spike_to],
                f"sickness absence episodes {ABSENCE_FACTOR:g} times as frequent",
            ),
            Shift(
                self.vacancy_org,
                "vacancy_rise",
                d[vac_from],
                None,
                f"{NEW_POSTS:.0%} more funded FTE, and only {REPLACED_DURING_FREEZE:.0%} of leavers replaced",
            ),
        ]
        if months < 2:
            self.shifts = []

    @property
    def first_extract(self) -> SynthResult:
        """The first month's `synthesise()` result: people in post and the leavers of the 12 months before."""
        return self._first

    # -- state ----------------------------------------------------------------------------------------------
    @staticmethod
    def _from_extract(extract: pl.DataFrame) -> _People:
        seconds = set(extract.filter(pl.col("Assignment Number") == "2")["Employee Number"].to_list())
        ex = extract.filter(pl.col("Assignment Number") == "1")
        return _People(
            number=np.array(ex["Employee Number"].cast(pl.Int64).to_numpy()),
            org=ex["Organisation"].to_numpy().astype(object, copy=True),
            spec=ex["Specialism"].to_numpy().astype(object, copy=True),
            level=ex["Career Level"].to_numpy().astype(object, copy=True),
            band=ex["Pay Band"].to_numpy().astype(object, copy=True),
            fte=np.array(ex["Contracted WTE"].to_numpy(), dtype=np.float64),
            dob=SynthHistory._col_days(ex, "Date of Birth"),
            gender=ex["Gender"].to_numpy().astype(object, copy=True),
            start=SynthHistory._col_days(ex, "Hire Date"),
            end=SynthHistory._col_days(ex, "Termination Date"),
            reason=ex["Leaving Reason"].to_numpy().astype(object, copy=True),
            programme=ex["Training Programme"].to_numpy().astype(object, copy=True),
            expected=SynthHistory._col_days(ex, "Expected Completion"),
            second=np.array(ex["Employee Number"].is_in(list(seconds)).to_numpy()),
            busy_until=np.zeros(ex.height, dtype=np.int64),
        )

    @staticmethod
    def _col_days(ex: pl.DataFrame, col: str) -> np.ndarray:
        s = ex.get_column(col).str.to_date("%Y-%m-%d").cast(pl.Int32).cast(pl.Int64)
        return np.array(s.fill_null(NO_DATE).to_numpy())  # a writable copy: the months update it

    # -- one month ------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[MonthExtract]:
        rng = np.random.default_rng([self.seed, 8])
        people = self._from_extract(self._first.extract)
        est = self._first.establishment.with_columns(pl.col("funded_fte").cast(pl.Float64))
        next_number = int(people.number.max()) + 1
        intake: list[tuple[str, str, str]] = []  # (org, specialism, trainee level) places for September
        episodes = {
            "person": np.zeros(0, np.int64),
            "start": np.zeros(0, np.int64),
            "end": np.zeros(0, np.int64),
        }
        ep_reason = np.zeros(0, dtype=object)
        if self.with_absences:
            # Three months of absence before the first census, so its month has the long absences already
            # running that any real month has.
            for k in (3, 2, 1):
                before = month_ends(self.census_dates[0], k + 1)[0]
                lo_day = _days(before.replace(day=1))
                p_new, s_new, e_new, r_new = self._new_absences(
                    people, rng, -k, lo_day, _days(before) - lo_day + 1
                )
                episodes = {
                    "person": np.concatenate([episodes["person"], p_new]),
                    "start": np.concatenate([episodes["start"], s_new]),
                    "end": np.concatenate([episodes["end"], e_new]),
                }
                ep_reason = np.concatenate([ep_reason, r_new])
        for m, census in enumerate(self.census_dates):
            first_day = _days(census.replace(day=1))
            last_day = _days(census)
            month_days = last_day - first_day + 1
            if m > 0:
                self._qualify(people, last_day, intake)
                leavers = self._leave(people, rng, m, first_day, month_days)
                next_number = self._join(people, rng, m, leavers, first_day, month_days, next_number, intake)
                if census.month == INTAKE_MONTH and intake:
                    next_number = self._intake(people, rng, intake, first_day, next_number)
                    intake = []
                if m == self._vacancy_from and self.shifts:
                    est = est.with_columns(
                        pl.when(pl.col("organisation_code") == self.vacancy_org)
                        .then((pl.col("funded_fte") * (1 + NEW_POSTS)).round(1))
                        .otherwise(pl.col("funded_fte"))
                        .alias("funded_fte")
                    )
                if census.month == 4:
                    est = self._rebase_establishment(people, est, last_day)
            absences = None
            if self.with_absences:
                p_new, s_new, e_new, r_new = self._new_absences(people, rng, m, first_day, month_days)
                episodes = {
                    "person": np.concatenate([episodes["person"], p_new]),
                    "start": np.concatenate([episodes["start"], s_new]),
                    "end": np.concatenate([episodes["end"], e_new]),
                }
                ep_reason = np.concatenate([ep_reason, r_new])
                absences = self._absence_extract(people, episodes, ep_reason, first_day, last_day)
            yield MonthExtract(census, self._extract(people, last_day), est, absences)

    def _qualify(self, p: _People, today: int, intake: list[tuple[str, str, str]]) -> None:
        in_post = p.end == NO_DATE
        for trainee, (level, band) in QUALIFIED.items():
            done = in_post & (p.level == trainee) & (p.expected <= today)
            for org, spec in zip(p.org[done], p.spec[done], strict=True):
                intake.append((str(org), str(spec), trainee))
            p.level[done] = level
            p.band[done] = f"Band {band}"
            p.programme[done] = "none"
            p.expected[done] = NO_DATE
        finished = in_post & (p.programme == "apprenticeship_l2") & (p.expected <= today)
        p.programme[finished] = "none"
        p.expected[finished] = NO_DATE

    def _age(self, p: _People, day: int) -> np.ndarray:
        return (day - p.dob) // 365.25

    def _leave(
        self, p: _People, rng: np.random.Generator, m: int, first_day: int, month_days: int
    ) -> np.ndarray:
        in_post = p.end == NO_DATE
        old = self._age(p, first_day) >= OLD_AGE
        # Scaled so that, with older people leaving more, the whole workforce still leaves at the national rate.
        mean_factor = 1 + (OLD_AGE_FACTOR - 1) * float(old[in_post].mean()) if in_post.any() else 1.0
        hazard = np.full(len(p), MONTHLY_LEAVING / mean_factor)
        hazard[old] *= OLD_AGE_FACTOR
        lo, hi = self._spike
        if self.shifts and lo <= m <= hi:
            hazard[p.org == self.spike_org] *= SPIKE_FACTOR
        leaving = np.flatnonzero(in_post & (rng.random(len(p)) < hazard))
        # A leaver works at least one day of the month, and not before they started.
        day = first_day + rng.integers(0, month_days, leaving.size)
        p.end[leaving] = np.maximum(day, p.start[leaving])
        reasons = np.array([r for r, _ in LEAVING_REASONS], dtype=object)
        weights = np.array([w for _, w in LEAVING_REASONS])
        retirement = np.isin(reasons, ["Retirement Age", "Flexi Retirement"])
        other = rng.choice(
            reasons[~retirement], leaving.size, p=weights[~retirement] / weights[~retirement].sum()
        )
        retire = rng.choice(
            reasons[retirement], leaving.size, p=weights[retirement] / weights[retirement].sum()
        )
        p.reason[leaving] = np.where(old[leaving] & (rng.random(leaving.size) < 0.7), retire, other)
        return leaving

    def _new_people(
        self,
        rng: np.random.Generator,
        org: np.ndarray,
        spec: np.ndarray,
        level: np.ndarray,
        first_day: int,
        month_days: int,
        next_number: int,
        start: np.ndarray | None = None,
    ) -> tuple[_People, int]:
        k = org.size
        mean = np.array([AGE[lv][0] for lv in level]) - 4  # joiners are younger than those in post
        sd = np.array([AGE[lv][1] for lv in level])
        lo = np.array([AGE[lv][2] for lv in level])
        hi = np.array([AGE[lv][3] for lv in level])
        age = np.clip(np.round(rng.normal(mean, sd)), lo, hi).astype(np.int64)
        begin = first_day + rng.integers(0, month_days, k) if start is None else start
        dob = begin - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 365, k)
        band = np.empty(k, dtype=object)
        programme = np.full(k, "none", dtype=object)
        expected = np.full(k, NO_DATE, dtype=np.int64)
        for lv in set(level.tolist()):
            sel = level == lv
            bands, probs = BANDS[lv]
            band[sel] = np.char.add("Band ", rng.choice(bands, int(sel.sum()), p=probs).astype(str))
            if lv in PROGRAMME:
                prog, years = PROGRAMME[lv]
                programme[sel] = prog
                expected[sel] = begin[sel] + years * 365
        fte = np.where(rng.random(k) < 0.72, 1.0, rng.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9], k))
        new = _People(
            number=np.arange(next_number, next_number + k, dtype=np.int64),
            org=org.astype(object),
            spec=spec.astype(object),
            level=level.astype(object),
            band=band,
            fte=fte,
            dob=dob,
            gender=rng.choice(np.array(["Female", "Male", "Unknown"], dtype=object), k, p=[0.64, 0.35, 0.01]),
            start=begin.astype(np.int64),
            end=np.full(k, NO_DATE, dtype=np.int64),
            reason=np.full(k, None, dtype=object),
            programme=programme,
            expected=expected,
            second=np.zeros(k, dtype=bool),
            busy_until=np.zeros(k, dtype=np.int64),
        )
        return new, next_number + k

    def _join(
        self,
        p: _People,
        rng: np.random.Generator,
        m: int,
        leavers: np.ndarray,
        first_day: int,
        month_days: int,
        next_number: int,
        intake: list[tuple[str, str, str]],
    ) -> int:
        # Most leavers are replaced in the same post; the vacancy-rise organisation holds posts open.
        keep = np.full(leavers.size, REPLACED)
        if self.shifts and m >= self._vacancy_from:
            keep[p.org[leavers] == self.vacancy_org] = REPLACED_DURING_FREEZE
        replaced = leavers[rng.random(leavers.size) < keep]
        # Trainee posts are filled at the September intake, not mid-year.
        trainee = np.isin(p.level[replaced], list(QUALIFIED))
        intake.extend(
            zip(p.org[replaced[trainee]], p.spec[replaced[trainee]], p.level[replaced[trainee]], strict=True)
        )
        replaced = replaced[~trainee]
        # And a little growth: extra joiners in posts like those of people in post.
        in_post = np.flatnonzero(p.end == NO_DATE)
        growth = rng.choice(in_post, rng.poisson(in_post.size * GROWTH_PER_MONTH))
        growth = growth[~np.isin(p.level[growth], list(QUALIFIED))]
        if self.shifts and m >= self._vacancy_from:
            growth = growth[p.org[growth] != self.vacancy_org]
        src = np.concatenate([replaced, growth])
        if src.size == 0:
            return next_number
        new, next_number = self._new_people(
            rng, p.org[src], p.spec[src], p.level[src], first_day, month_days, next_number
        )
        p.append(new)
        return next_number

    def _intake(
        self,
        p: _People,
        rng: np.random.Generator,
        places: list[tuple[str, str, str]],
        first_day: int,
        next_number: int,
    ) -> int:
        org, spec, level = (np.array(x, dtype=object) for x in zip(*places, strict=True))
        start = np.full(org.size, first_day, dtype=np.int64)  # programmes start on 1 September
        new, next_number = self._new_people(rng, org, spec, level, first_day, 1, next_number, start)
        p.append(new)
        return next_number

    def _rebase_establishment(self, p: _People, est: pl.DataFrame, today: int) -> pl.DataFrame:
        """Each April (a new financial year) lines that were over-filled are funded at what they carry."""
        in_post = p.end == NO_DATE
        fte = (
            pl.DataFrame(
                {
                    "organisation_code": p.org[in_post].astype(str),
                    "specialism": p.spec[in_post].astype(str),
                    "career_level": p.level[in_post].astype(str),
                    "fte": p.fte[in_post],
                }
            )
            .group_by("organisation_code", "specialism", "career_level")
            .agg(pl.col("fte").sum())
        )
        keys = ["organisation_code", "specialism", "career_level"]
        return (
            est.join(fte, on=keys, how="full", coalesce=True)
            .with_columns(
                pl.max_horizontal(pl.col("funded_fte").fill_null(0.0), pl.col("fte").fill_null(0.0).round(1))
                .round(1)
                .alias("funded_fte")
            )
            .filter(pl.col("funded_fte") > 0)
            .select(*keys, "funded_fte")
            .sort(keys)
        )

    # -- absence --------------------------------------------------------------------------------------------
    def _new_absences(
        self, p: _People, rng: np.random.Generator, m: int, first_day: int, month_days: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        last_day = first_day + month_days - 1
        present = (p.start <= last_day) & (p.end >= first_day) & (p.busy_until < first_day)
        chance = np.full(len(p), ABSENCE_START_PER_MONTH)
        lo, hi = self._spike
        if self.shifts and lo <= m <= hi:
            chance[p.org == self.spike_org] *= ABSENCE_FACTOR
        who = np.flatnonzero(present & (rng.random(len(p)) < chance))
        start = first_day + rng.integers(0, month_days, who.size)
        start = np.maximum(start, p.start[who])
        length = np.where(
            rng.random(who.size) < SHORT_SHARE,
            rng.geometric(1 / 4, who.size),
            14 + np.round(rng.exponential(40, who.size)).astype(np.int64),
        )
        end = start + length - 1
        ok = start <= np.minimum(p.end[who], last_day)
        who, start, end = who[ok], start[ok], end[ok]
        p.busy_until[who] = end
        reasons = np.array([r for r, _ in ABSENCE_REASONS], dtype=object)
        w = np.array([x for _, x in ABSENCE_REASONS])
        return who, start, end, rng.choice(reasons, who.size, p=w / w.sum())

    def _absence_extract(
        self, p: _People, ep: dict[str, np.ndarray], reason: np.ndarray, first_day: int, last_day: int
    ) -> pl.DataFrame:
        """Episodes overlapping the census month, as the month's absence report would list them."""
        who = ep["person"]
        end = np.minimum(ep["end"], p.end[who])  # nobody is off sick after they have left
        keep = (ep["start"] <= last_day) & (end >= first_day) & (ep["start"] <= end)
        who, start, end, why = who[keep], ep["start"][keep], end[keep], reason[keep]
        # Still off on the census date: the report shows no end yet.
        shown_end = np.where(end > last_day, NO_DATE, end)
        return pl.DataFrame(
            {
                "Employee Number": p.number[who].astype(str),
                "Assignment Number": np.full(who.size, "1"),
                "Absence Start": _iso(start),
                "Absence End": _iso(shown_end),
                "Absence Reason": why.astype(str),
            }
        )

    # -- output ---------------------------------------------------------------------------------------------
    def _extract(self, p: _People, today: int) -> pl.DataFrame:
        """In post on the census date, plus everyone who left in the 12 months to it."""
        in_post = (p.start <= today) & (p.end > today)
        left = (p.end <= today) & (p.end > today - 365)
        idx = np.flatnonzero(in_post | left)
        end = np.where(in_post[idx], NO_DATE, p.end[idx])
        base = pl.DataFrame(
            {
                "Employee Number": p.number[idx].astype(str),
                "Assignment Number": np.full(idx.size, "1"),
                "Organisation": p.org[idx].astype(str),
                "Organisation Name": [self.org_names.get(o) for o in p.org[idx]],
                "Specialism": p.spec[idx].astype(str),
                "Career Level": p.level[idx].astype(str),
                "Pay Band": p.band[idx].astype(str),
                "Contracted WTE": p.fte[idx],
                "Date of Birth": _iso(p.dob[idx]),
                "Gender": p.gender[idx].astype(str),
                "Hire Date": _iso(p.start[idx]),
                "Termination Date": _iso(end),
                "Leaving Reason": [
                    None if e == NO_DATE else r for e, r in zip(end, p.reason[idx], strict=True)
                ],
                "Training Programme": p.programme[idx].astype(str),
                "Expected Completion": _iso(p.expected[idx]),
            },
            strict=False,
        )
        second = base.filter(pl.Series(p.second[idx])).with_columns(
            pl.lit("2").alias("Assignment Number"), pl.lit(0.2).alias("Contracted WTE")
        )
        # Rows in no particular order, as extracts often come. (Sorted by staff number, the first hundred rows
        # of a later month can all lack an expected completion date, which trips the store's type inference:
        # a bug reported against store.Store._read, which reads with polars' default infer_schema_length.)
        rows = pl.concat([base, second])
        return rows.sample(fraction=1.0, shuffle=True, seed=(self.seed * 7919 + today) % 2**32)


def synthesise_months(
    staff: int = 60_000,
    seed: int = 2025,
    months: int = 24,
    end_date: date = date(2025, 3, 31),
    orgs: int = 200,
    *,
    absences: bool = False,
) -> SynthHistory:
    """N monthly extracts (month-end censuses ending with end_date's month), deterministic by seed.

    Iterate the result for one `MonthExtract` a month (each made as it is asked for, so 36 months of 60,000
    staff never sit in memory at once); `.shifts` lists the planted changes.
    """
    return SynthHistory(staff, seed, months, end_date, orgs, absences=absences)


def one_census_absences(extract: pl.DataFrame, census_date: date, seed: int) -> pl.DataFrame:
    """Synthetic sickness absence over the 12 months to the census, for the people of one extract."""
    hist = SynthHistory.__new__(SynthHistory)
    hist.shifts = []
    hist._spike = (0, -1)
    people = SynthHistory._from_extract(extract)
    rng = np.random.default_rng([seed, 9])
    ep_p, ep_s, ep_e, ep_r = [], [], [], []
    # Three months before the year too, so its first month has long absences already running.
    for census in month_ends(census_date, 15):
        first_day = _days(census.replace(day=1))
        month_days = _days(census) - first_day + 1
        a, b, c, d = hist._new_absences(people, rng, 0, first_day, month_days)
        ep_p.append(a)
        ep_s.append(b)
        ep_e.append(c)
        ep_r.append(d)
    episodes = {"person": np.concatenate(ep_p), "start": np.concatenate(ep_s), "end": np.concatenate(ep_e)}
    first = _days(month_ends(census_date, 12)[0].replace(day=1))
    out = hist._absence_extract(people, episodes, np.concatenate(ep_r), first, _days(census_date))
    return out.sort("Employee Number", "Absence Start")


MANIFEST = "manifest.json"


def month_path(target: Path, stem: str, census: date) -> Path:
    """Where one month's file goes: `target` with {date} filled in, or `stem_DATE.csv` in the folder target."""
    text = str(target)
    if "{date}" in text:
        return Path(text.replace("{date}", census.isoformat()))
    return target / f"{stem}_{census.isoformat()}.csv"


def _write_table(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame.write_excel(path)
    else:
        frame.write_csv(path)


def write_months(
    history: SynthHistory, out: Path, establishment: Path | None = None, absence: Path | None = None
) -> Path:
    """Write every month's extract, establishment (and absence extract) and a manifest.json listing them with
    their census dates and the planted shifts, so `hcs import-history` can load them all in one go."""
    est_target = establishment or out
    abs_target = absence or out
    folder = out.parent if "{date}" in str(out) else out
    folder.mkdir(parents=True, exist_ok=True)
    entries = []

    def rel(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(folder.resolve()))
        except ValueError:
            return str(p.resolve())

    for month in history:
        entry: dict[str, Any] = {"census_date": month.census_date.isoformat()}
        path = month_path(out, "extract", month.census_date)
        _write_table(month.extract, path)
        entry["extract"] = rel(path)
        entry["rows"] = month.extract.height
        path = month_path(est_target, "establishment", month.census_date)
        _write_table(month.establishment, path)
        entry["establishment"] = rel(path)
        if month.absences is not None:
            path = month_path(abs_target, "absence", month.census_date)
            _write_table(month.absences, path)
            entry["absence"] = rel(path)
            entry["absence_rows"] = month.absences.height
        entries.append(entry)
    manifest = folder / MANIFEST
    manifest.write_text(
        json.dumps(
            {
                "synthetic": "Synthetic data: not real people (hcs synth --months)",
                "seed": history.seed,
                "months": history.months,
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
    return manifest
