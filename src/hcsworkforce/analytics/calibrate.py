"""Planning rates measured from the data: people linked across censuses by pseudonym, every transition classified,
and leaver, retirement, progression and joiner rates estimated with intervals (docs/calibration.md).

Pure functions over polars frames as Store.staff_history / leavers_history return them; no database, no files.
``link_censuses`` follows each person from one census to the next and says what happened (stayed, left,
retired, moved staff group; progressed a level, moved organisation, changed specialism) and who joined by
which route. ``estimate_rates`` turns the transitions into annual rates: every census gap is a set of Bernoulli
trials (one per person at risk), so a rate is events / person-intervals, annualised by compounding, with a
Jeffreys (beta posterior) interval; joiners per person-year of stock are a ratio of counts that are not
binomial, so their interval is a bootstrap over census gaps. ``scenario_block`` picks, rate by rate, the
measured value where it rests on enough people, else a published turnover rate, else the illustrative default,
and says which.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.special import betaincinv, gammaincinv

from hcsworkforce.model.frames import AGE_BANDS, age_band_expr
from hcsworkforce.model.scenario import QUALIFIED_LEVELS, TRAINEE_LEVELS
from hcsworkforce.reference import read_table

Array = npt.NDArray[Any]

DEFINITIONS = ("organisation", "nhs", "staff_group")
# NHS England's staff group name for healthcare scientists (ESR "Staff Group"); rows of other groups, where a
# frame carries a staff_group column, are in the NHS but not in the group.
HCS_STAFF_GROUP = "healthcare scientists"
RETIREMENT_AGE_MIN = (
    55  # below it a retirement counts as leaving (the reference planning_retirement.csv rule)
)
RETIREMENT_AGE_MAX = 70  # the last age estimated on its own: 70 stands for 70 and over
MIN_PEOPLE = 30  # fewer people at risk than this: the estimate is not used (fallback)
INTERVAL_LEVEL = 0.9
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20250331
MONTH_DAYS = 365.25 / 12
LEVELS = (*QUALIFIED_LEVELS, *TRAINEE_LEVELS)
LEVEL_RANK = {lv: i for i, lv in enumerate(QUALIFIED_LEVELS)}
OUTCOMES = ("stayed", "left", "retired", "moved_staff_group")
LEVEL_CHANGES = ("same", "progressed", "qualified", "other")
JOINER_ROUTES = ("trainee", "other_organisation", "other_staff_group", "returner", "new")
# Joiner routes -> the scenario's recruitment source they measure (trainee starters are planned as training).
ROUTE_SOURCE = {
    "new": "domestic_recruits",
    "other_staff_group": "domestic_recruits",
    "other_organisation": "domestic_recruits",
    "returner": "returners",
}
_STAFF_COLUMNS = (
    "census_date",
    "staff_key",
    "organisation_code",
    "specialism_id",
    "career_level",
    "fte",
    "age",
)


@dataclass(frozen=True)
class Transitions:
    """Everyone at risk in each census gap with what happened to them, and everyone who joined.

    ``at_risk``: one row per (gap k, person in the group at census k): level, age, organisation, specialism,
    months (the gap's length), outcome (OUTCOMES, exactly one), level_change (LEVEL_CHANGES, for stayers),
    moved_organisation, changed_specialism, reason (the leaver record's, for exits).
    ``joiners``: one row per (gap k, person in the group at census k + 1 and not at k): level, route.
    """

    censuses: list[date]
    months: list[float]
    definition: str
    at_risk: pl.DataFrame
    joiners: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def _census_index(staff: pl.DataFrame) -> tuple[list[date], list[float]]:
    censuses = sorted(staff["census_date"].unique().to_list())
    months = [(b - a).days / MONTH_DAYS for a, b in itertools.pairwise(censuses)]
    return censuses, months


def _assignments(staff: pl.DataFrame, censuses: list[date]) -> pl.DataFrame:
    """Assignments with a census index and the in-group flag (every row, unless a staff_group column says not)."""
    cols = [c for c in _STAFF_COLUMNS if c in staff.columns]
    group = (
        pl.col("staff_group").is_null() | (pl.col("staff_group").str.to_lowercase() == HCS_STAFF_GROUP)
        if "staff_group" in staff.columns
        else pl.lit(True)
    )
    k = (pl.col("census_date").rank("dense") - 1).cast(pl.Int32)  # censuses are sorted dates
    return staff.select(
        k.alias("k"),
        *(pl.col(c) for c in cols if c != "census_date"),
        group.alias("in_group"),
    ).with_columns(_pk(pl.col("k")), _pok(pl.col("k")))


# One Int64 per (census, person) and per (census, organisation, person): joins on one integer column are far
# faster than on several (census -1 .. 2^11, organisation < 2^20, person < 2^32 as codes; -1: "the census
# before the first", which matches nothing).
def _pk(k: pl.Expr) -> pl.Expr:
    return (k.cast(pl.Int64) * 2**32 + pl.col("staff_key").cast(pl.Int64)).alias("pk")


def _pok(k: pl.Expr) -> pl.Expr:
    org = pl.col("organisation_code").cast(pl.Int64)
    return (k.cast(pl.Int64) * 2**52 + org * 2**32 + pl.col("staff_key").cast(pl.Int64)).alias("pok")


def _people(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per (census, person): the primary assignment, in the group first, then the largest FTE."""
    if rows["pk"].n_unique() == rows.height:
        return rows
    return rows.sort(
        ["pk", "in_group", "fte", "organisation_code"], descending=[False, True, True, False], nulls_last=True
    ).unique(subset=["pk"], keep="first", maintain_order=True)


def _exit_reasons(exits: pl.DataFrame, leavers: pl.DataFrame | None, censuses: list[date]) -> pl.DataFrame:
    """(k, staff_key) -> the leaving reason of a leaver record ending in (census k, census k + 1]; a reason
    that says retirement wins where a person has several records."""
    if leavers is None or leavers.height == 0 or exits.height == 0:
        return pl.DataFrame(schema={"k": pl.Int32, "staff_key": pl.UInt32, "reason": pl.String})
    bounds = pl.DataFrame(
        {"k": list(range(len(censuses) - 1)), "lo": censuses[:-1], "hi": censuses[1:]},
        schema={"k": pl.Int32, "lo": pl.Date, "hi": pl.Date},
    )
    recs = (
        leavers.select("staff_key", "end_date", pl.col("leaving_reason").fill_null("").alias("reason"))
        .filter(pl.col("end_date").is_not_null())
        .unique()
    )
    return (
        exits.select("k", "staff_key")
        .join(bounds, on="k")
        .join(recs, on="staff_key")
        .filter((pl.col("end_date") > pl.col("lo")) & (pl.col("end_date") <= pl.col("hi")))
        .with_columns(pl.col("reason").str.to_lowercase().str.contains("retire").alias("retire"))
        .sort("retire", descending=True)
        .unique(subset=["k", "staff_key"], keep="first")
        .select("k", "staff_key", "reason")
    )


def _lookup(left: pl.DataFrame, right: pl.DataFrame, key: str) -> pl.DataFrame:
    """``left`` with ``right``'s other columns where ``right`` (unique keys) has the row's key, else nulls: a
    left join by sorting and binary search. Polars' hash join of two million rows took seconds on a busy
    two-core machine; this takes a fraction of a second."""
    r = right.sort(key)
    rk = r[key].to_numpy()
    lk = left[key].to_numpy()
    pos = np.clip(np.searchsorted(rk, lk), 0, max(len(rk) - 1, 0))
    found = (rk[pos] == lk) if len(rk) else np.zeros(len(lk), dtype=bool)
    idx = pl.Series(np.where(found, pos, 0).astype(np.int64))
    hit = pl.Series(found)
    cols = [pl.when(hit).then(r[c].gather(idx)).otherwise(None).alias(c) for c in r.columns if c != key]
    return (
        left.with_columns(cols)
        if len(r)
        else left.with_columns(pl.lit(None).cast(r[c].dtype).alias(c) for c in r.columns if c != key)
    )


def _membership(rows: pl.DataFrame, people: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Presence at each census under the key of the census before, so that a join asks 'still there next?'."""
    back = _pk(pl.col("k") - 1)
    group_rows = rows.filter(pl.col("in_group"))
    return {
        "any": people.select(back, pl.lit(True).alias("any_next")),
        "group": people.filter(pl.col("in_group")).select(
            back,
            pl.lit(True).alias("group_next"),
            pl.col("career_level").alias("level_next"),
            pl.col("specialism_id").alias("specialism_next"),
            pl.col("organisation_code").alias("organisation_next"),
        ),
        "org": group_rows.select(_pok(pl.col("k") - 1)).unique().with_columns(pl.lit(True).alias("org_next")),
    }


def _level_change() -> pl.Expr:
    rank = pl.col("career_level").replace_strict(LEVEL_RANK, default=None, return_dtype=pl.Int32)
    rank_next = pl.col("level_next").replace_strict(LEVEL_RANK, default=None, return_dtype=pl.Int32)
    trainee = pl.col("career_level").is_in(list(TRAINEE_LEVELS))
    return (
        pl.when(pl.col("level_next") == pl.col("career_level"))
        .then(pl.lit("same"))
        .when(rank.is_not_null() & rank_next.is_not_null() & (rank_next > rank))
        .then(pl.lit("progressed"))
        .when(trainee & rank_next.is_not_null())
        .then(pl.lit("qualified"))
        .otherwise(pl.lit("other"))
    )


def _classify(at_risk: pl.DataFrame, definition: str) -> pl.DataFrame:
    """Exactly one outcome per person and gap, by the leaver definition (docs/calibration.md 1)."""
    any_next = pl.col("any_next").fill_null(False)
    group_next = pl.col("group_next").fill_null(False)
    org_next = pl.col("org_next").fill_null(False)
    if definition == "organisation":
        gone = ~org_next
    elif definition == "staff_group":
        gone = ~group_next
    else:  # nhs: only leaving every organisation of the data counts; a move to another staff group is its own
        gone = ~any_next
    retire = pl.col("reason").fill_null("").str.to_lowercase().str.contains("retire") & (
        pl.col("age").fill_null(0) >= RETIREMENT_AGE_MIN
    )
    outcome = (
        pl.when(gone & retire)
        .then(pl.lit("retired"))
        .when(gone)
        .then(pl.lit("left"))
        .when(~group_next)
        .then(pl.lit("moved_staff_group"))
        .otherwise(pl.lit("stayed"))
    )
    stayed = pl.col("outcome") == "stayed"
    return at_risk.with_columns(outcome.alias("outcome")).with_columns(
        pl.when(stayed).then(_level_change()).otherwise(None).alias("level_change"),
        (stayed & (pl.col("organisation_next") != pl.col("organisation_code")).fill_null(False)).alias(
            "moved_organisation"
        ),
        (stayed & (pl.col("specialism_next") != pl.col("specialism_id")).fill_null(False)).alias(
            "changed_specialism"
        ),
    )


def link_censuses(
    staff: pl.DataFrame,
    leavers: pl.DataFrame | None = None,
    *,
    definition: str = "staff_group",
    organisations: set[str] | None = None,
) -> Transitions:
    """Follow every person from each census to the next by staff_key, and classify what happened.

    ``organisations`` limits who is counted (people at risk in, and joiners into, these organisations) while
    everyone in the data is still used to tell a move between trusts from leaving the NHS.
    """
    if definition not in DEFINITIONS:
        raise ValueError(f"definition must be one of {', '.join(DEFINITIONS)}, not {definition!r}")
    censuses, months = _census_index(staff)
    coded, keys, orgs = _encode(staff)
    rows = _assignments(coded, censuses)
    people = _people(rows)
    member = _membership(rows, people)
    in_scope = pl.col("in_group")
    if organisations is not None:
        ids = [i for i, code in enumerate(orgs.to_list()) if code in organisations]
        in_scope = in_scope & pl.col("organisation_code").is_in(ids)
    leavers = _encode_leavers(leavers, keys)
    gap_months = pl.DataFrame(
        {"k": list(range(len(months))), "months": months}, schema={"k": pl.Int32, "months": pl.Float64}
    )
    at_risk = people.filter(in_scope & (pl.col("k") < len(censuses) - 1)).join(gap_months, on="k")
    at_risk = _lookup(
        _lookup(_lookup(at_risk, member["any"], "pk"), member["group"], "pk"), member["org"], "pok"
    )
    exits = at_risk.filter(~pl.col("org_next").fill_null(False))
    at_risk = at_risk.join(_exit_reasons(exits, leavers, censuses), on=["k", "staff_key"], how="left")
    at_risk = _classify(at_risk, definition).select(
        "k",
        "staff_key",
        "months",
        "organisation_code",
        "specialism_id",
        "career_level",
        "age",
        "outcome",
        "level_change",
        "moved_organisation",
        "changed_specialism",
        "reason",
    )
    joiners = _joiners(people, rows, in_scope, definition)
    notes = _link_notes(at_risk, leavers, staff, definition)
    return Transitions(
        censuses, months, definition, _decode(at_risk, keys, orgs), _decode(joiners, keys, orgs), notes
    )


# Linking joins two million rows several times: on integer codes it is several times faster than on text.
def _encode(staff: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """staff_key and organisation_code as UInt32 codes (positions in the sorted distinct values)."""
    keys = staff["staff_key"].drop_nulls().unique().sort()
    orgs = staff["organisation_code"].drop_nulls().unique().sort()
    coded = staff.with_columns(
        pl.col("staff_key").cast(pl.Enum(keys)).to_physical().alias("staff_key"),
        pl.col("organisation_code").cast(pl.Enum(orgs)).to_physical().alias("organisation_code"),
    )
    return coded, keys, orgs


def _encode_leavers(leavers: pl.DataFrame | None, keys: pl.Series) -> pl.DataFrame | None:
    if leavers is None:
        return None
    known = leavers.filter(pl.col("staff_key").is_in(keys.implode()))
    return known.with_columns(pl.col("staff_key").cast(pl.Enum(keys)).to_physical().alias("staff_key"))


def _decode(frame: pl.DataFrame, keys: pl.Series, orgs: pl.Series) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("staff_key").alias("person"),  # the code, kept: counting distinct people is faster on it
        keys.gather(frame["staff_key"]).alias("staff_key"),
        orgs.gather(frame["organisation_code"]).alias("organisation_code"),
    )


def _joiners(people: pl.DataFrame, rows: pl.DataFrame, in_scope: pl.Expr, definition: str) -> pl.DataFrame:
    """People in scope at census k + 1 who were not in it at k (gap k), with their route in."""
    nxt = people.filter(in_scope & (pl.col("k") >= 1)).select(
        (pl.col("k") - 1).alias("k"),
        "staff_key",
        "organisation_code",
        "career_level",
        _pk(pl.col("k") - 1),
        _pok(pl.col("k") - 1),
    )
    key = "pok" if definition == "organisation" else "pk"
    before = (rows if definition == "organisation" else people).filter(in_scope).select(key).unique()
    new = _lookup(nxt, before.with_columns(pl.lit(True).alias("was_in")), key).filter(
        pl.col("was_in").is_null()
    )
    in_any = people.select("pk", pl.col("in_group").alias("group_then"))
    first_seen = (
        people.filter(pl.col("in_group")).group_by("staff_key").agg(pl.col("k").min().alias("first_k"))
    )
    out = _lookup(_lookup(new, in_any, "pk"), first_seen, "staff_key")
    route = (
        pl.when(pl.col("career_level").is_in(list(TRAINEE_LEVELS)))
        .then(pl.lit("trainee"))
        .when(pl.col("group_then").fill_null(False))
        .then(pl.lit("other_organisation"))
        .when(pl.col("group_then").is_not_null())
        .then(pl.lit("other_staff_group"))
        .when(pl.col("first_k") < pl.col("k") + 1)
        .then(pl.lit("returner"))
        .otherwise(pl.lit("new"))
    )
    return out.select("k", "staff_key", "organisation_code", "career_level", route.alias("route"))


def _link_notes(
    at_risk: pl.DataFrame, leavers: pl.DataFrame | None, staff: pl.DataFrame, definition: str
) -> list[str]:
    notes = []
    exits = at_risk.filter(pl.col("outcome").is_in(["left", "retired"]))
    unexplained = exits.filter(pl.col("reason").is_null()).height
    if exits.height and unexplained:
        notes.append(
            f"{unexplained:,} of {exits.height:,} exits have no leaver record ending in their census gap: "
            "counted as leavers (not retirement)"
        )
    if leavers is None or leavers.height == 0:
        notes.append(
            "No leaver records: retirements cannot be told from other leavers (all counted as leavers)"
        )
    if "staff_group" not in staff.columns and definition in ("nhs", "staff_group"):
        notes.append(
            "The data hold only the healthcare science staff group, so a move to another staff group in the "
            "NHS looks like leaving the NHS: the nhs and staff_group definitions count the same people here"
        )
    return notes


# --- Estimates ----------------------------------------------------------------------------------------------


def jeffreys_interval(events: Array, trials: Array, level: float = INTERVAL_LEVEL) -> tuple[Array, Array]:
    """Equal-tailed Jeffreys interval (Beta(d + 1/2, n - d + 1/2) quantiles) for a binomial proportion; the
    lower end is 0 when there are no events and the upper end 1 when every trial is one (Brown, Cai and
    DasGupta 2001)."""
    d = np.asarray(events, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    tail = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        lo = np.where(d > 0, betaincinv(d + 0.5, n - d + 0.5, tail), 0.0)
        hi = np.where(d < n, betaincinv(d + 0.5, n - d + 0.5, 1.0 - tail), 1.0)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def annualise(p_interval: Array, months: Array) -> Array:
    """A probability over ``months`` -> the probability over 12 months at a constant hazard."""
    p = np.clip(np.asarray(p_interval, dtype=np.float64), 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Array = 1.0 - np.power(1.0 - p, 12.0 / np.asarray(months, dtype=np.float64))
    return out


KEY_COLUMNS = ("career_level", "age_band", "age", "route", "source")


@dataclass(frozen=True)
class RateEstimate:
    """One measured rate per year with its interval and what it rests on."""

    family: str  # leaver_rate, retirement_probability, progression_rate, trainee_qualified, joiner_rate
    key: dict[str, Any]  # some of KEY_COLUMNS
    events: int
    trials: int  # person-intervals at risk (one per person per census gap)
    at_risk_people: int
    exposure_person_years: float
    rate_per_year: float | None
    lower: float | None
    upper: float | None
    method: str
    suppressed: bool = False

    def label(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.key.items()) or "all"

    def to_row(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else round(v, 6)

        return {
            "family": self.family,
            **{k: self.key.get(k) for k in KEY_COLUMNS},
            "events": None if self.suppressed else self.events,
            "trials": self.trials,
            "at_risk_people": self.at_risk_people,
            "exposure_person_years": round(self.exposure_person_years, 2),
            "rate_per_year": None if self.suppressed else r(self.rate_per_year),
            "lower": None if self.suppressed else r(self.lower),
            "upper": None if self.suppressed else r(self.upper),
            "method": self.method,
            "suppressed": self.suppressed,
        }


def _binomial_rates(
    frame: pl.DataFrame, family: str, by: list[str], event: pl.Expr, level: float, suppress_below: int
) -> list[RateEstimate]:
    """Events / person-intervals per group, annualised, with a Jeffreys interval."""
    if frame.height == 0:
        return []
    agg = (
        frame.group_by(by)
        .agg(
            event.sum().alias("events"),
            pl.len().alias("trials"),
            pl.col("person" if "person" in frame.columns else "staff_key").n_unique().alias("people"),
            pl.col("months").sum().alias("person_months"),
        )
        .sort(by)
    )
    d = agg["events"].to_numpy().astype(np.float64)
    n = agg["trials"].to_numpy().astype(np.float64)
    months = agg["person_months"].to_numpy() / np.maximum(n, 1.0)  # exposure-weighted mean gap
    lo, hi = jeffreys_interval(d, n, level)
    rate, lo_y, hi_y = annualise(d / np.maximum(n, 1.0), months), annualise(lo, months), annualise(hi, months)
    method = f"events / person-intervals, annualised at a constant hazard; Jeffreys {level:.0%} interval"
    out = []
    for i, row in enumerate(agg.iter_rows(named=True)):
        events = int(row["events"])
        out.append(
            RateEstimate(
                family=family,
                key={k: row[k] for k in by},
                events=events,
                trials=int(row["trials"]),
                at_risk_people=int(row["people"]),
                exposure_person_years=float(row["person_months"]) / 12.0,
                rate_per_year=float(rate[i]),
                lower=float(lo_y[i]),
                upper=float(hi_y[i]),
                method=method,
                suppressed=0 < events < suppress_below,
            )
        )
    return out


def _joiner_groups() -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(family, key, routes counted): each route alone, and the routes each recruitment source measures."""
    groups: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
        ("joiner_rate", {"route": r}, (r,)) for r in JOINER_ROUTES
    ]
    for source in dict.fromkeys(ROUTE_SOURCE.values()):
        routes = tuple(r for r, s in ROUTE_SOURCE.items() if s == source)
        groups.append(("recruitment_rate", {"source": source}, routes))
    return groups


def _joiner_rates(
    tr: Transitions, level: float, suppress_below: int, draws: int, seed: int
) -> list[RateEstimate]:
    """Joiners a year per person-year of stock, by level and route (and by the recruitment source the routes
    measure), with a percentile bootstrap over census gaps (resampled with replacement)."""
    n_gaps = len(tr.months)
    if n_gaps == 0:
        return []
    months = np.asarray(tr.months)
    stock = tr.at_risk.group_by("k", "career_level").len("n")
    who = "person" if "person" in tr.at_risk.columns else "staff_key"
    people = dict(tr.at_risk.group_by("career_level").agg(pl.col(who).n_unique()).iter_rows())
    joined = tr.joiners.group_by("k", "career_level", "route").len("j")
    pick = np.random.default_rng(seed).integers(0, n_gaps, size=(draws, n_gaps))
    weight = np.zeros((draws, n_gaps))
    np.add.at(weight, (np.repeat(np.arange(draws), n_gaps), pick.ravel()), 1.0)
    tail = (1.0 - level) / 2.0
    method = (
        f"joiners / person-years of stock; {level:.0%} interval: the wider of a bootstrap over {n_gaps} "
        f"census gaps ({draws:,} draws, percentile) and the Poisson Jeffreys interval"
    )
    out = []
    for lv in LEVELS:
        s = stock.filter(pl.col("career_level") == lv)
        ks = s["k"].to_numpy()
        exposure = np.zeros(n_gaps)
        exposure[ks] = s["n"].to_numpy() * months[ks] / 12.0
        j_lv = joined.filter(pl.col("career_level") == lv)
        for family, key, routes in _joiner_groups():
            j = j_lv.filter(pl.col("route").is_in(list(routes))).group_by("k").agg(pl.col("j").sum())
            counts = np.zeros(n_gaps)
            counts[j["k"].to_numpy()] = j["j"].to_numpy()
            total, exp_total = float(counts.sum()), float(exposure.sum())
            if exp_total <= 0:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = (weight @ counts) / (weight @ exposure)
            lo, hi = np.quantile(boot[np.isfinite(boot)], [tail, 1 - tail])
            # A handful of gaps makes the percentile bootstrap too narrow; the Poisson (Jeffreys, gamma
            # posterior) interval is the floor: the wider of the two ends is kept.
            lo = min(lo, float(gammaincinv(total + 0.5, tail)) / exp_total if total > 0 else 0.0)
            hi = max(hi, float(gammaincinv(total + 0.5, 1 - tail)) / exp_total)
            out.append(
                RateEstimate(
                    family=family,
                    key={"career_level": lv, **key},
                    events=int(total),
                    trials=int(s["n"].sum()),
                    at_risk_people=int(people.get(lv, 0)),
                    exposure_person_years=exp_total,
                    rate_per_year=total / exp_total,
                    lower=float(lo),
                    upper=float(hi),
                    method=method,
                    suppressed=0 < total < suppress_below,
                )
            )
    return out


def estimate_rates(
    tr: Transitions,
    *,
    level: float = INTERVAL_LEVEL,
    suppress_below: int = 0,
    bootstrap_draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
) -> list[RateEstimate]:
    """Every rate family with its interval. Counts of 1 to ``suppress_below`` - 1 events are suppressed (the
    rate, its interval and the count are withheld, and the scenario does not use them)."""
    a = tr.at_risk.with_columns(age_band_expr("age").alias("age_band"))
    left = pl.col("outcome") == "left"
    out = _binomial_rates(a, "leaver_rate", ["career_level"], left, level, suppress_below)
    out += _binomial_rates(
        a.filter(pl.col("age_band").is_not_null()), "leaver_rate", ["age_band"], left, level, suppress_below
    )
    out += _binomial_rates(
        a.filter(pl.col("age_band").is_not_null()),
        "leaver_rate",
        ["career_level", "age_band"],
        left,
        level,
        suppress_below,
    )
    old = a.filter(pl.col("age") >= RETIREMENT_AGE_MIN).with_columns(
        pl.col("age").clip(upper_bound=RETIREMENT_AGE_MAX).alias("age")
    )
    out += _binomial_rates(
        old, "retirement_probability", ["age"], pl.col("outcome") == "retired", level, suppress_below
    )
    stayed = a.filter(pl.col("outcome") == "stayed")
    movers = stayed.filter(pl.col("career_level").is_in(list(QUALIFIED_LEVELS[:-1])))
    out += _binomial_rates(
        movers,
        "progression_rate",
        ["career_level"],
        pl.col("level_change") == "progressed",
        level,
        suppress_below,
    )
    trainees = stayed.filter(pl.col("career_level").is_in(list(TRAINEE_LEVELS)))
    out += _binomial_rates(
        trainees,
        "trainee_qualified",
        ["career_level"],
        pl.col("level_change") == "qualified",
        level,
        suppress_below,
    )
    out += _joiner_rates(tr, level, suppress_below, bootstrap_draws, seed)
    for e in out:  # keys read the same whatever order polars grouped them in
        if "age" in e.key:
            e.key["age"] = int(e.key["age"])
    order = {lv: i for i, lv in enumerate(LEVELS)}
    bands = {b[2]: i for i, b in enumerate(AGE_BANDS)}
    return sorted(
        out,
        key=lambda e: (
            e.family,
            len(e.key),
            order.get(e.key.get("career_level", ""), -1),
            bands.get(e.key.get("age_band", ""), -1),
            e.key.get("age", 0),
            JOINER_ROUTES.index(e.key["route"]) if "route" in e.key else -1,
            e.key.get("source", ""),
        ),
    )


def transition_counts(tr: Transitions) -> list[dict[str, Any]]:
    """Per census gap: people at risk by outcome, stayers' changes, and joiners by route (a table to check)."""
    a = tr.at_risk
    per = a.group_by("k").agg(
        pl.len().alias("at_risk"),
        *((pl.col("outcome") == o).sum().alias(o) for o in OUTCOMES),
        (pl.col("level_change") == "progressed").sum().alias("progressed"),
        (pl.col("level_change") == "qualified").sum().alias("trainees_qualified"),
        pl.col("moved_organisation").sum().alias("moved_organisation"),
        pl.col("changed_specialism").sum().alias("changed_specialism"),
    )
    j = tr.joiners.group_by("k").agg(
        *((pl.col("route") == r).sum().alias(f"joined_{r}") for r in JOINER_ROUTES)
    )
    merged = per.join(j, on="k", how="left").sort("k").fill_null(0)
    rows = []
    for r in merged.iter_rows(named=True):
        k = int(r.pop("k"))
        rows.append({"from": tr.censuses[k], "to": tr.censuses[k + 1], **{n: int(v) for n, v in r.items()}})
    return rows


# --- The scenario block -------------------------------------------------------------------------------------

# Published turnover, as the public-statistics importer will hand it over (one row per cell of a turnover
# table): definition (organisation | nhs | staff_group), career_level (null: every level), leavers in the
# period, denominator (mean headcount over it), period_months, source (table and period, as published).
PUBLISHED_TURNOVER_COLUMNS = (
    "definition",
    "career_level",
    "leavers",
    "denominator",
    "period_months",
    "source",
)


@dataclass(frozen=True)
class Choice:
    """The value one scenario key takes, and where it came from (measured, published or illustrative)."""

    path: str  # the scenario key path, e.g. supply.leaver_rate.by_level.practitioner
    value: float
    sd: float | None
    kind: str  # measured | published | illustrative
    source: str
    method: str = ""
    events: int | None = None
    at_risk_people: int | None = None
    exposure_person_years: float | None = None
    interval: tuple[float, float] | None = None
    note: str = ""

    def provenance(self, level: float) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "source": self.source}
        if self.method:
            out["method"] = self.method
        if self.events is not None:
            out["events"] = self.events
        if self.at_risk_people is not None:
            out["at_risk_people"] = self.at_risk_people
        if self.exposure_person_years is not None:
            out["exposure_person_years"] = round(self.exposure_person_years, 2)
        if self.interval is not None:
            out["interval"] = [round(self.interval[0], 6), round(self.interval[1], 6)]
            out["interval_level"] = level
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class CalibrationBlock:
    """A scenario mapping (model/scenario.py accepts it) and the choice behind every rate in it."""

    scenario: dict[str, Any]
    choices: list[Choice]
    notes: list[str]


def sd_of_interval(lower: float, upper: float, level: float = INTERVAL_LEVEL) -> float:
    """The normal sd whose central ``level`` interval is as wide as [lower, upper]: the Monte Carlo spread."""
    from scipy.special import ndtri

    return float((upper - lower) / (2.0 * ndtri(0.5 + level / 2.0)))


def _find(estimates: list[RateEstimate], family: str, **key: Any) -> RateEstimate | None:
    for e in estimates:
        if e.family == family and e.key == key:
            return e
    return None


def _why_not(e: RateEstimate | None, min_people: int) -> str | None:
    if e is None:
        return "nobody at risk"
    if e.suppressed:
        return f"suppressed: fewer than the suppression threshold of events ({e.at_risk_people:,} people)"
    if e.at_risk_people < min_people:
        return f"{e.at_risk_people:,} people at risk, fewer than {min_people}"
    if e.rate_per_year is None or not math.isfinite(e.rate_per_year):
        return "no estimate"
    return None


def _measured(path: str, e: RateEstimate, source: str, level: float) -> Choice:
    assert e.rate_per_year is not None and e.lower is not None and e.upper is not None
    return Choice(
        path=path,
        value=min(1.0, max(0.0, e.rate_per_year)),
        sd=sd_of_interval(e.lower, e.upper, level),
        kind="measured",
        source=source,
        method=e.method,
        events=e.events,
        at_risk_people=e.at_risk_people,
        exposure_person_years=e.exposure_person_years,
        interval=(e.lower, e.upper),
    )


def published_leaver_rate(
    published: pl.DataFrame | None, definition: str, career_level: str, level: float = INTERVAL_LEVEL
) -> tuple[float, float, float, str, int] | None:
    """Annual leaver rate from published turnover rows of this definition (the level's own rows, else the
    all-levels rows): (rate, lower, upper, source, leavers)."""
    if published is None or published.height == 0:
        return None
    missing = [c for c in PUBLISHED_TURNOVER_COLUMNS if c not in published.columns]
    if missing:
        raise ValueError(f"published turnover lacks columns: {', '.join(missing)}")
    rows = published.filter(pl.col("definition") == definition)
    own = rows.filter(pl.col("career_level") == career_level)
    rows = own if own.height else rows.filter(pl.col("career_level").is_null())
    rows = rows.filter(pl.col("denominator") > 0)
    if rows.height == 0:
        return None
    d, n = float(rows["leavers"].sum()), float(rows["denominator"].sum())
    months = float((rows["period_months"] * rows["denominator"]).sum()) / n
    lo, hi = jeffreys_interval(np.array([d]), np.array([n]), level)
    rate, lo_y, hi_y = (float(annualise(np.array([x]), np.array([months]))[0]) for x in (d / n, lo[0], hi[0]))
    source = "; ".join(sorted({str(s) for s in rows["source"].to_list()}))
    return rate, lo_y, hi_y, source, int(d)


def _reference(table: str, key_col: str) -> dict[str, dict[str, str]]:
    return {r[key_col]: r for r in read_table(table)}


def _default(path: str, row: dict[str, str], value_col: str, why: str) -> Choice:
    sd = float(row["sd"]) if row.get("sd") not in (None, "") else None
    return Choice(
        path=path,
        value=float(row[value_col]),
        sd=sd,
        kind=row.get("verified", "illustrative") or "illustrative",
        source=f"reference {row['_table']}.csv: {row.get('source', '')}",
        note=f"default used: {why}",
    )


def _leaver_choices(
    estimates: list[RateEstimate],
    definition: str,
    source: str,
    min_people: int,
    level: float,
    published: pl.DataFrame | None,
) -> list[Choice]:
    ref = _reference("planning_leaver_rates", "career_level")
    out = []
    for lv in LEVELS:
        path = f"supply.leaver_rate.by_level.{lv}"
        e = _find(estimates, "leaver_rate", career_level=lv)
        why = _why_not(e, min_people)
        if why is None and e is not None:
            out.append(_measured(path, e, source, level))
            continue
        pub = published_leaver_rate(published, definition, lv, level)
        if pub is not None:
            rate, lo, hi, src, leavers = pub
            out.append(
                Choice(
                    path=path,
                    value=rate,
                    sd=sd_of_interval(lo, hi, level),
                    kind="published",
                    source=src,
                    method="published leavers / denominator, annualised; Jeffreys interval",
                    events=leavers,
                    interval=(lo, hi),
                    note=f"published turnover used: {why}; it counts retirements too, which the projection "
                    "adds again by age, so it overstates losses",
                )
            )
            continue
        out.append(_default(path, {**ref[lv], "_table": "planning_leaver_rates"}, "rate_per_year", why or ""))
    return out


def _reference_retirement() -> dict[int, dict[str, str]]:
    out = {}
    for r in read_table("planning_retirement"):
        for age in range(int(r["age_from"]), min(int(r["age_to"]), 120) + 1):
            out[age] = {**r, "_table": "planning_retirement"}
    return out


def _retirement_choices(
    tr: Transitions, estimates: list[RateEstimate], source: str, min_people: int, level: float
) -> list[Choice]:
    ref = _reference_retirement()
    out = []
    measured_ages = []
    for age in range(RETIREMENT_AGE_MIN, RETIREMENT_AGE_MAX + 1):
        path = f"supply.retirement.probability_by_age.{age}"
        e = _find(estimates, "retirement_probability", age=age)
        why = _why_not(e, min_people)
        if why is None and e is not None:
            c = _measured(path, e, source, level)
            out.append(Choice(**{**c.__dict__, "sd": None}))  # the schema's spread is one scale for every age
            measured_ages.append(age)
        else:
            out.append(_default(path, ref[age], "probability_per_year", why or ""))
    # The scale's spread: the relative uncertainty of the retirement rate pooled over the measured ages.
    sd, note, kind = 0.0, "no age measured: no spread", "illustrative"
    if measured_ages:
        old = tr.at_risk.filter(pl.col("age").clip(upper_bound=RETIREMENT_AGE_MAX).is_in(measured_ages))
        d = float((old["outcome"] == "retired").sum())
        n = float(old.height)
        lo, hi = jeffreys_interval(np.array([d]), np.array([n]), level)
        if d > 0:
            sd = sd_of_interval(float(lo[0]), float(hi[0]), level) / (d / n)
        note = (
            f"relative spread of the retirement rate pooled over ages {measured_ages[0]}-{measured_ages[-1]}"
        )
        kind = "measured"
    out.append(Choice(path="supply.retirement.scale", value=1.0, sd=sd, kind=kind, source=source, note=note))
    return out


def _progression_choices(
    estimates: list[RateEstimate], source: str, min_people: int, level: float
) -> list[Choice]:
    ref = _reference("planning_progression", "from_level")
    out = []
    for lv in QUALIFIED_LEVELS[:-1]:
        path = f"supply.progression.rate_per_year.{lv}"
        e = _find(estimates, "progression_rate", career_level=lv)
        why = _why_not(e, min_people)
        if why is None and e is not None:
            out.append(_measured(path, e, source, level))
        else:
            out.append(
                _default(path, {**ref[lv], "_table": "planning_progression"}, "rate_per_year", why or "")
            )
    return out


def _recruitment_choices(
    estimates: list[RateEstimate], source: str, min_people: int, level: float
) -> list[Choice]:
    names = {
        "international_recruits": "international",
        "returners": "returners",
        "domestic_recruits": "domestic",
    }
    ref = {
        (r["source_type"], r["career_level"]): {**r, "_table": "planning_recruitment"}
        for r in read_table("planning_recruitment")
    }
    out = []
    for lv in QUALIFIED_LEVELS:
        dom = _find(estimates, "recruitment_rate", career_level=lv, source="domestic_recruits")
        ret = _find(estimates, "recruitment_rate", career_level=lv, source="returners")
        why = _why_not(dom, min_people) or _why_not(ret, min_people)
        if why is None and dom is not None and ret is not None:
            out.append(_measured(f"supply.domestic_recruits.by_level.{lv}", dom, source, level))
            out.append(_measured(f"supply.returners.by_level.{lv}", ret, source, level))
            out.append(
                Choice(
                    path=f"supply.international_recruits.by_level.{lv}",
                    value=0.0,
                    sd=0.0,
                    kind="measured",
                    source=source,
                    note="joiners of every origin are counted in domestic_recruits: the data do not say where "
                    "a joiner trained",
                )
            )
            continue
        for name in ("domestic_recruits", "returners", "international_recruits"):
            out.append(
                _default(f"supply.{name}.by_level.{lv}", ref[(names[name], lv)], "rate_per_year", why or "")
            )
    return out


def _set(doc: dict[Any, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for p in parts[:-1]:
        doc = doc.setdefault(p, {})
    last = parts[-1]
    doc[int(last) if last.isdigit() else last] = value  # ages are integer keys


def scenario_block(
    tr: Transitions,
    estimates: list[RateEstimate],
    *,
    min_people: int = MIN_PEOPLE,
    level: float = INTERVAL_LEVEL,
    published: pl.DataFrame | None = None,
) -> CalibrationBlock:
    """A scenario with every supply rate calibration can measure: the measured value where it rests on at least
    ``min_people`` people (and is not suppressed), else the published turnover rate (leavers only, where
    ``published`` is given), else the reference default; spreads from the intervals; provenance per key."""
    first, last = tr.censuses[0], tr.censuses[-1]
    source = (
        f"{len(tr.censuses)} censuses {first.isoformat()} to {last.isoformat()}, definition {tr.definition}"
    )
    choices = _leaver_choices(estimates, tr.definition, source, min_people, level, published)
    choices += _retirement_choices(tr, estimates, source, min_people, level)
    choices += _progression_choices(estimates, source, min_people, level)
    choices += _recruitment_choices(estimates, source, min_people, level)
    supply: dict[str, Any] = {}
    for c in choices:
        if ".probability_by_age." in c.path:
            _set(supply, c.path.removeprefix("supply."), round(c.value, 6))
        else:
            rate: dict[str, Any] = {"value": round(c.value, 6)}
            if c.sd is not None:
                rate["sd"] = round(c.sd, 6)
            _set(supply, c.path.removeprefix("supply."), rate)
    ages = supply["retirement"]["probability_by_age"]
    ref_ret = _reference_retirement()
    ages[16] = float(ref_ret[16]["probability_per_year"])  # below 55 retirement counts as leaving
    ages[RETIREMENT_AGE_MAX + 1] = float(ref_ret[RETIREMENT_AGE_MAX + 1]["probability_per_year"])
    supply["retirement"]["probability_by_age"] = dict(sorted(ages.items()))
    scenario = {
        "name": f"Calibrated rates {first.isoformat()} to {last.isoformat()}",
        "description": f"Supply rates measured by hcs calibrate from {source}; see provenance",
        "start_year": last.year,
        "census_date": last.isoformat(),
        "supply": supply,
        "provenance": {c.path: c.provenance(level) for c in choices},
    }
    notes = _block_notes(tr, choices)
    return CalibrationBlock(scenario, choices, notes)


def _block_notes(tr: Transitions, choices: list[Choice]) -> list[str]:
    kinds: dict[str, int] = {}
    for c in choices:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    notes = [
        "Rates in the block: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())),
    ]
    years = sum(tr.months) / 12.0
    trainees = (
        tr.joiners.filter(pl.col("route") == "trainee").group_by("career_level").len("n").sort("career_level")
    )
    if years > 0 and trainees.height:
        per_year = ", ".join(f"{lv} {n / years:.1f}" for lv, n in trainees.iter_rows())
        notes.append(
            f"Trainee starters a year (not in the block: plan them as supply.training streams): {per_year}"
        )
    return notes
