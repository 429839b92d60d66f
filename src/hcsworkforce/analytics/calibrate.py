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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.special import betaincinv, gammaincinv, ndtri

from hcsworkforce.model.frames import AGE_BANDS
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
_AT_RISK_COLUMNS = (
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
    "person",
)
_JOINER_COLUMNS = ("k", "staff_key", "organisation_code", "career_level", "route", "person")
# What happened to a person at risk, as one small code: the outcome, and for stayers the level change.
EVENTS = (
    "left",
    "retired",
    "moved_staff_group",
    "stayed_same",
    "stayed_progressed",
    "stayed_qualified",
    "stayed_other",
    "stayed",  # a stayer with no level change recorded (only in frames made by hand)
)
_AGE_CODES = 132  # ages 0-130 (younger: 0, older: 130), and 131 for not known


@dataclass(frozen=True)
class TransitionCodes:
    """The rows of ``Transitions.at_risk`` and ``joiners`` as integer codes: what the estimates count over.

    Linking makes them as it goes (a Transitions made from frames alone is coded from them). Counting is then
    a histogram of small codes (``counts``) and a presence table per family for the distinct people.
    """

    n_gaps: int
    k: Array  # census gap
    person: Array  # a code per staff_key
    level: Array  # index into level_names; -1: no level
    level_names: tuple[str, ...]
    age: Array  # years; 0 where not known
    age_known: Array
    outcome: Array  # index into OUTCOMES
    level_change: Array  # index into LEVEL_CHANGES; -1: none
    moved_organisation: Array
    changed_specialism: Array
    joiner_k: Array
    joiner_level: Array  # index into LEVELS; -1: another level or none
    joiner_route: Array  # index into JOINER_ROUTES

    @cached_property
    def n_people(self) -> int:
        return int(self.person.max()) + 1 if len(self.person) else 0

    @cached_property
    def event(self) -> Array:
        """Index into EVENTS."""
        stayed = np.where(self.level_change >= 0, 3 + self.level_change, 7)
        return np.where(self.outcome == 0, stayed, self.outcome - 1)

    @cached_property
    def age_code(self) -> Array:
        """Age 0-130 (younger: 0, older: 130), 131: not known."""
        code: Array = np.where(self.age_known, np.clip(self.age, 0, 130), 131)
        return code

    @cached_property
    def cell(self) -> Array:
        """(level + 1) * _AGE_CODES + age code: the cells every binomial family groups."""
        cell: Array = (self.level + 1) * _AGE_CODES + self.age_code
        return cell

    @cached_property
    def counts(self) -> Array:
        """People at risk by (cell, event, gap)."""
        n_cells = (len(self.level_names) + 1) * _AGE_CODES
        flat = (self.cell * len(EVENTS) + self.event) * self.n_gaps + self.k
        size = n_cells * len(EVENTS) * self.n_gaps
        return np.bincount(flat, minlength=size).reshape(n_cells, len(EVENTS), self.n_gaps)


class Transitions:
    """Everyone at risk in each census gap with what happened to them, and everyone who joined.

    ``at_risk``: one row per (gap k, person in the group at census k): level, age, organisation, specialism,
    months (the gap's length), outcome (OUTCOMES, exactly one), level_change (LEVEL_CHANGES, for stayers),
    moved_organisation, changed_specialism, reason (the leaver record's, for exits), person (a code per
    staff_key). ``joiners``: one row per (gap k, person in the group at census k + 1 and not at k): level,
    route. The estimates count over ``codes``; linking builds the two-million-row ``at_risk`` frame only when
    it is asked for (``at_risk`` may be given as a function that makes it).
    """

    def __init__(
        self,
        censuses: list[date],
        months: list[float],
        definition: str,
        at_risk: pl.DataFrame | Callable[[], pl.DataFrame],
        joiners: pl.DataFrame,
        notes: list[str] | None = None,
        codes: TransitionCodes | None = None,
    ) -> None:
        self.censuses = censuses
        self.months = months
        self.definition = definition
        self._at_risk = at_risk
        self._joiners = joiners
        self.notes = [] if notes is None else notes
        self._codes = codes

    @property
    def at_risk(self) -> pl.DataFrame:
        if not isinstance(self._at_risk, pl.DataFrame):
            self._at_risk = self._at_risk()
        return self._at_risk

    @property
    def joiners(self) -> pl.DataFrame:
        return self._joiners

    @property
    def codes(self) -> TransitionCodes | None:
        return self._codes

    def __repr__(self) -> str:
        return (
            f"Transitions({len(self.censuses)} censuses, definition {self.definition!r}, "
            f"{self.joiners.height:,} joiners)"
        )


def _census_index(staff: pl.DataFrame) -> tuple[list[date], list[float]]:
    censuses = sorted(staff["census_date"].unique().to_list())
    months = [(b - a).days / MONTH_DAYS for a, b in itertools.pairwise(censuses)]
    return censuses, months


# Linking is integer work. Text becomes codes once (one hash pass a column); census k and person p make one
# key, k * people + p, and a dense (census x person) table of row numbers answers "where was this person at
# census k + 1?" by indexing, with no join. The table costs 8 bytes a cell: 36 censuses of 80,000 people is
# 23 MB, a fraction of the frame it indexes.
def _codes(values: pl.Series) -> tuple[Array, pl.Series]:
    """Text -> int64 codes (-1 for null), and the categorical column that holds their mapping (the mapping
    lives only while such a column does: keep it to code more text alike, ``_same_codes``)."""
    cat = values.cast(pl.Categorical(pl.Categories.random()))
    physical = cat.to_physical()
    if physical.null_count():
        return physical.cast(pl.Int64).fill_null(-1).to_numpy(), cat
    return physical.to_numpy().astype(np.int64), cat


def _names(cat: pl.Series) -> pl.Series:
    """The text of each code of a column from ``_codes``."""
    dtype = cat.dtype
    assert isinstance(dtype, pl.Categorical)
    return dtype.categories.to_series()


def _same_codes(values: pl.Series, like: pl.Series) -> Array:
    """Text -> the codes of the categorical column ``like`` (text it lacks gets new codes)."""
    return values.cast(like.dtype).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()


def _day_numbers(dates: pl.Series | list[date]) -> Array:
    series = dates if isinstance(dates, pl.Series) else pl.Series(dates, dtype=pl.Date)
    return series.to_physical().cast(pl.Int64).to_numpy()


@dataclass(frozen=True)
class _Rows:
    """Every assignment of the history as integer codes (one entry per row of the staff frame)."""

    n_censuses: int
    n_people: int
    key: Array  # k * n_people + person
    k: Array
    person: Array
    person_column: pl.Series  # categorical: codes leaver records alike
    org: Array  # rank of the organisation code in sorted order; -1: none
    org_names: list[str]  # in that order
    spec: Array
    level: Array
    level_names: tuple[str, ...]
    in_group: Array
    fte: Array  # NaN: none
    age: Array  # 0: none (a retirement needs 55 or over)
    age_known: Array


def _code_rows(staff: pl.DataFrame, censuses: list[date]) -> _Rows:
    for col in ("staff_key", "census_date"):
        if staff[col].null_count():
            raise ValueError(f"{col} must be filled on every row to link censuses")
    days = _day_numbers(censuses)
    census_of_day = np.full(int(days[-1] - days[0]) + 1 if len(days) else 0, -1, dtype=np.int64)
    census_of_day[days - days[0] if len(days) else days] = np.arange(len(days))
    k = census_of_day[_day_numbers(staff["census_date"]) - (days[0] if len(days) else 0)]
    person, person_column = _codes(staff["staff_key"])
    n_people = int(person.max()) + 1 if len(person) else 0
    org_code, org_column = _codes(staff["organisation_code"])
    org_names = _names(org_column)
    order = org_names.arg_sort().to_numpy()  # ties on FTE go to the first organisation code in sort order
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # code -1 (none) stays -1
    level, level_column = _codes(staff["career_level"])
    spec, _ = _codes(staff["specialism_id"])
    if "staff_group" in staff.columns:
        g = staff["staff_group"]
        in_group = (g.is_null() | (g.str.to_lowercase() == HCS_STAFF_GROUP)).to_numpy()
    else:
        in_group = np.ones(staff.height, dtype=bool)
    age = staff["age"]
    return _Rows(
        n_censuses=len(censuses),
        n_people=n_people,
        key=k * n_people + person,
        k=k,
        person=person,
        person_column=person_column,
        org=rank[org_code],
        org_names=org_names.gather(pl.Series(order)).to_list(),
        spec=spec,
        level=level,
        level_names=tuple(_names(level_column).to_list()),
        in_group=np.asarray(in_group, dtype=bool),
        fte=staff["fte"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        age=age.fill_null(0).cast(pl.Int64).to_numpy(),
        age_known=age.is_not_null().to_numpy() if age.null_count() else np.ones(len(age), dtype=bool),
    )


# A person's primary assignment at a census, packed into one int64 so that one look-up in the (census x
# person) table answers every question about the next (or the census before): in the group (bit 0), in
# scope (bit 1), level + 1 (16 bits from bit 2), specialism + 1 (20 bits from bit 18), organisation + 1
# (24 bits from bit 38); -1: in no post then.
_IN_GROUP, _IN_SCOPE = 1, 2
_FIELDS = {"level": (2, 16), "spec": (18, 20), "org": (38, 24)}


def _field(packed: Array, name: str) -> Array:
    """One field of packed primary assignments (-1 where packed is -1: in no post)."""
    shift, bits = _FIELDS[name]
    out: Array = np.where(packed >= 0, ((packed >> shift) & ((1 << bits) - 1)) - 1, -1)
    return out


def _pack(rows: _Rows, in_scope: Array) -> Array:
    for name, codes in (("level", rows.level), ("spec", rows.spec), ("org", rows.org)):
        if len(codes) and int(codes.max()) + 2 >= 1 << _FIELDS[name][1]:
            raise ValueError(f"too many distinct values of {name} to link censuses")
    packed: Array = (
        rows.in_group.astype(np.int64)
        | (in_scope.astype(np.int64) << 1)
        | ((rows.level + 1) << _FIELDS["level"][0])
        | ((rows.spec + 1) << _FIELDS["spec"][0])
        | ((rows.org + 1) << _FIELDS["org"][0])
    )
    return packed


@dataclass(frozen=True)
class _Primary:
    """Each person's primary assignment at each census, and their other in-group posts' organisations."""

    table: Array  # (census x person) -> the packed primary assignment; -1: not in post
    is_primary: Array
    others: Array  # sorted keys key * n_orgs + org of in-group rows that are not primary


def _primary_rows(rows: _Rows) -> tuple[Array, Array]:
    """(is primary, rows that are not) per row. The primary assignment: in the group first, then the largest
    FTE, then the first organisation code (then the first row, where posts tie on all three)."""
    n = len(rows.key)
    posts = np.bincount(rows.key, minlength=rows.n_censuses * rows.n_people)
    shared = posts[rows.key] > 1
    is_primary = np.ones(n, dtype=bool)
    if not shared.any():
        return is_primary, np.zeros(0, dtype=np.int64)
    d = np.nonzero(shared)[0]
    fte, org = rows.fte[d], rows.org[d]
    order = np.lexsort(
        (
            d,
            np.where(org < 0, np.iinfo(np.int64).max, org),
            np.where(np.isnan(fte), np.inf, -fte),
            ~rows.in_group[d],
            rows.key[d],  # the last key sorts first
        )
    )
    d = d[order]
    first = np.ones(len(d), dtype=bool)
    first[1:] = rows.key[d[1:]] != rows.key[d[:-1]]
    rest = d[~first]
    is_primary[rest] = False
    return is_primary, rest


def _primary(rows: _Rows, in_scope: Array) -> _Primary:
    is_primary, rest = _primary_rows(rows)
    table = np.full(rows.n_censuses * rows.n_people, -1, dtype=np.int64)
    packed = _pack(rows, in_scope)
    if len(rest):
        table[rows.key[is_primary]] = packed[is_primary]
    else:
        table[rows.key] = packed
    rest = rest[rows.in_group[rest] & (rows.org[rest] >= 0)]
    others = np.sort(rows.key[rest] * max(len(rows.org_names), 1) + rows.org[rest])
    return _Primary(table, is_primary, others)


def _holds_post(
    rows: _Rows, primary: _Primary, key: Array, packed: Array, org: Array, bit: int, org_there: Array
) -> Array:
    """Whether the person of each ``key`` (census x person; ``packed`` its primary assignment then, in
    organisation ``org_there``) holds a post in organisation ``org`` that is in the group (bit _IN_GROUP) or in
    scope (_IN_SCOPE): the primary, or another in-group post there (``org`` is in scope wherever asked)."""
    hit: Array = (org >= 0) & (org_there == org) & ((packed & bit) > 0)  # packed -1: org_there -1
    if len(primary.others):
        other = key * max(len(rows.org_names), 1) + org
        pos = np.minimum(np.searchsorted(primary.others, other), len(primary.others) - 1)
        hit |= (org >= 0) & (primary.others[pos] == other)
    return hit


@dataclass(frozen=True)
class _Exits:
    """Leaver records by (census gap, person): the one whose reason says retirement where there are several
    (else the first)."""

    keys: Array  # sorted gap * n_people + person
    reason: Array  # index into reason_names
    retire: Array
    reason_names: pl.Series
    known: int  # distinct leaver records of people in the history


def _leaver_records(leavers: pl.DataFrame | None, rows: _Rows, censuses: list[date]) -> _Exits:
    none = np.zeros(0, dtype=np.int64)
    if leavers is None or leavers.height == 0:
        return _Exits(none, none, none.astype(bool), pl.Series([], dtype=pl.String), 0)
    # Each census lists its 12 months' leavers: one record appears in up to 12 censuses.
    recs = leavers.select(
        "staff_key", "end_date", pl.col("leaving_reason").fill_null("").alias("reason")
    ).unique(maintain_order=True)
    person = _same_codes(recs["staff_key"], rows.person_column)
    in_staff = np.zeros(max(rows.n_people, int(person.max(initial=0)) + 1), dtype=bool)
    in_staff[rows.person] = True
    known = (person >= 0) & in_staff[np.maximum(person, 0)]
    retire = recs["reason"].str.to_lowercase().str.contains("retire").to_numpy()
    reason_code, reason_column = _codes(recs["reason"])
    ends = recs["end_date"]
    days = ends.to_physical().cast(pl.Int64).fill_null(0).to_numpy()
    gap = np.searchsorted(_day_numbers(censuses), days, side="left") - 1  # end in (census gap, gap + 1]
    ok = known & ends.is_not_null().to_numpy() & (gap >= 0) & (gap < len(censuses) - 1)
    i = np.nonzero(ok)[0]
    keys = gap[i] * rows.n_people + person[i]
    order = np.lexsort((i, ~retire[i], keys))
    i, keys = i[order], keys[order]
    first = np.ones(len(i), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    names = _names(reason_column)
    return _Exits(keys[first], reason_code[i[first]], retire[i[first]], names, int(known.sum()))


def _level_change(rows: _Rows, now: Array | slice, level_next: Array) -> Array:
    """LEVEL_CHANGES index from the level of rows ``now`` (census k) to ``level_next`` (codes at k + 1)."""
    names = rows.level_names
    rank = np.array([LEVEL_RANK.get(n, -1) for n in names] + [-1], dtype=np.int64)  # [-1]: code -1
    trainee = np.array([n in TRAINEE_LEVELS for n in names] + [False])
    a, b = rows.level[now], level_next
    ra, rb = rank[a], rank[b]
    same = (a >= 0) & (a == b)
    progressed = (ra >= 0) & (rb > ra)
    qualified = trainee[a] & (rb >= 0)
    return np.select([same, progressed, qualified], [0, 1, 2], default=3)


def _classify(
    rows: _Rows, primary: _Primary, at: Array | slice, exits: _Exits, definition: str
) -> dict[str, Array]:
    """Exactly one outcome per person and gap, by the leaver definition (docs/calibration.md 1)."""
    key = rows.key[at]  # census k, and gap k
    key_next = key + rows.n_people
    nxt = primary.table[key_next]  # the primary assignment at census k + 1; -1: in no post
    any_next = nxt >= 0
    group_next = any_next & ((nxt & _IN_GROUP) > 0)
    org, org_b = rows.org[at], _field(nxt, "org")
    org_next = _holds_post(rows, primary, key_next, nxt, org, _IN_GROUP, org_b)
    gone = {"organisation": ~org_next, "staff_group": ~group_next, "nhs": ~any_next}[definition]
    reason = np.full(len(key), -1, dtype=np.int64)
    retire = np.zeros(len(key), dtype=bool)
    left_org = np.nonzero(~org_next)[0]  # every exit from the organisation, whatever the definition
    if len(exits.keys) and len(left_org):
        pos = np.minimum(np.searchsorted(exits.keys, key[left_org]), len(exits.keys) - 1)
        found = exits.keys[pos] == key[left_org]
        reason[left_org] = np.where(found, exits.reason[pos], -1)
        retire[left_org] = found & exits.retire[pos]
    retire &= rows.age[at] >= RETIREMENT_AGE_MIN
    outcome = np.where(gone, 1 + retire.astype(np.int64), np.where(group_next, 0, 3))
    stayed = outcome == 0
    spec_a, spec_b = rows.spec[at], _field(nxt, "spec")
    return {
        "outcome": outcome,
        "level_change": np.where(stayed, _level_change(rows, at, _field(nxt, "level")), -1),
        "moved_organisation": stayed & (org >= 0) & (org_b >= 0) & (org != org_b),
        "changed_specialism": stayed & (spec_a >= 0) & (spec_b >= 0) & (spec_a != spec_b),
        "reason": reason,
    }


def _joiners_in(rows: _Rows, primary: _Primary, later: Array, definition: str) -> tuple[Array, Array]:
    """Of people in scope at census k >= 1 (rows ``later``), those who joined (not in scope at k - 1, by the
    definition): (their rows, their route in as JOINER_ROUTES index)."""
    prev_key = rows.key[later] - rows.n_people
    prev = primary.table[prev_key]  # the primary assignment at census k - 1; -1: in no post
    if definition == "organisation":
        was_in = _holds_post(rows, primary, prev_key, prev, rows.org[later], _IN_SCOPE, _field(prev, "org"))
    else:
        was_in = (prev >= 0) & ((prev & _IN_SCOPE) > 0)
    new, prev = later[~was_in], prev[~was_in]
    if len(new) == 0:
        return new, np.zeros(0, dtype=np.int64)
    grouped = ((primary.table >= 0) & ((primary.table & _IN_GROUP) > 0)).reshape(
        rows.n_censuses, rows.n_people
    )
    ever = grouped.any(axis=0)
    first_k = np.where(ever, grouped.argmax(axis=0), rows.n_censuses)  # first census in the group
    trainee = np.array([n in TRAINEE_LEVELS for n in rows.level_names] + [False])
    route = np.select(
        [
            trainee[rows.level[new]],
            (prev >= 0) & ((prev & _IN_GROUP) > 0),
            prev >= 0,
            first_k[rows.person[new]] < rows.k[new],
        ],
        [0, 1, 2, 3],
        default=4,
    )
    return new, route


def _labels(codes: Array, names: Sequence[str] | pl.Series) -> pl.Series:
    """Codes -> their text (-1: null)."""
    text = names if isinstance(names, pl.Series) else pl.Series(list(names), dtype=pl.String)
    text = pl.concat([text, pl.Series([None], dtype=pl.String)]).rechunk()  # -1 -> the last entry: null
    return text.gather(pl.Series(np.where(codes >= 0, codes, len(text) - 1)))


def _rows_of(mask: Array) -> Array | slice:
    """The rows where ``mask`` holds: a slice where they are one run (the usual case: every census but the
    last, in census order), which reads arrays without copying them."""
    rows = np.nonzero(mask)[0]
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _in_scope(rows: _Rows, organisations: set[str] | None) -> Array:
    if organisations is None:
        return rows.in_group
    chosen = np.array([name in organisations for name in rows.org_names] + [False])  # [-1]: none
    scoped: Array = rows.in_group & chosen[rows.org]
    return scoped


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
    rows = _code_rows(staff, censuses)
    in_scope = _in_scope(rows, organisations)
    primary = _primary(rows, in_scope)
    counted = primary.is_primary & in_scope
    at_mask = counted & (rows.k < len(censuses) - 1)
    at = _rows_of(at_mask)
    exits = _leaver_records(leavers, rows, censuses)
    c = _classify(rows, primary, at, exits, definition)
    later = np.nonzero(counted & (rows.k >= 1))[0]
    new, route = _joiners_in(rows, primary, later, definition)
    j_mask = np.zeros(staff.height, dtype=bool)
    j_mask[new] = True
    gap_months = np.asarray(months, dtype=np.float64)

    def at_risk() -> pl.DataFrame:
        return (
            staff.select("staff_key", "organisation_code", "specialism_id", "career_level", "age")
            .filter(pl.Series(at_mask))
            .with_columns(
                pl.Series("k", rows.k[at], dtype=pl.Int32),
                pl.Series("months", gap_months[rows.k[at]], dtype=pl.Float64),
                _labels(c["outcome"], OUTCOMES).alias("outcome"),
                _labels(c["level_change"], LEVEL_CHANGES).alias("level_change"),
                pl.Series("moved_organisation", c["moved_organisation"], dtype=pl.Boolean),
                pl.Series("changed_specialism", c["changed_specialism"], dtype=pl.Boolean),
                _labels(c["reason"], exits.reason_names).alias("reason"),
                pl.Series("person", rows.person[at], dtype=pl.UInt32),
            )
            .select(_AT_RISK_COLUMNS)
        )

    joiners = (
        staff.select("staff_key", "organisation_code", "career_level")
        .filter(pl.Series(j_mask))
        .with_columns(
            pl.Series("k", rows.k[new] - 1, dtype=pl.Int32),
            _labels(route, JOINER_ROUTES).alias("route"),
            pl.Series("person", rows.person[new], dtype=pl.UInt32),
        )
        .select(_JOINER_COLUMNS)
    )
    levels = {lv: i for i, lv in enumerate(LEVELS)}
    to_levels = np.array([levels.get(n, -1) for n in rows.level_names] + [-1], dtype=np.int64)
    codes = TransitionCodes(
        n_gaps=len(months),
        k=rows.k[at],
        person=rows.person[at],
        level=rows.level[at],
        level_names=rows.level_names,
        age=rows.age[at],
        age_known=rows.age_known[at],
        outcome=c["outcome"],
        level_change=c["level_change"],
        moved_organisation=c["moved_organisation"],
        changed_specialism=c["changed_specialism"],
        joiner_k=rows.k[new] - 1,
        joiner_level=to_levels[rows.level[new]],
        joiner_route=route,
    )
    notes = _link_notes(c, exits.known, staff, definition)
    return Transitions(censuses, months, definition, at_risk, joiners, notes, codes)


def _link_notes(c: dict[str, Array], leaver_records: int, staff: pl.DataFrame, definition: str) -> list[str]:
    notes = []
    exits = (c["outcome"] == 1) | (c["outcome"] == 2)
    unexplained = int((exits & (c["reason"] < 0)).sum())
    if exits.any() and unexplained:
        notes.append(
            f"{unexplained:,} of {int(exits.sum()):,} exits have no leaver record ending in their census gap: "
            "counted as leavers (not retirement)"
        )
    if leaver_records == 0:
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


def _transition_codes(tr: Transitions) -> TransitionCodes:
    """The codes linking made, while they describe tr's own frames; else the frames coded again."""
    if tr.codes is not None:
        return tr.codes
    a, j = tr.at_risk, tr.joiners
    # "person": the code linking gave each staff_key
    person = a["person"].cast(pl.Int64).to_numpy() if "person" in a.columns else _codes(a["staff_key"])[0]
    level, level_column = _codes(a["career_level"].cast(pl.String))

    def index(col: pl.Series, names: Sequence[str]) -> Array:
        mapping = {n: i for i, n in enumerate(names)}
        return col.replace_strict(mapping, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()

    return TransitionCodes(
        n_gaps=len(tr.months),
        k=a["k"].cast(pl.Int64).to_numpy(),
        person=person,
        level=level,
        level_names=tuple(_names(level_column).to_list()),
        age=a["age"].fill_null(0).cast(pl.Int64).to_numpy(),
        age_known=a["age"].is_not_null().to_numpy(),
        outcome=index(a["outcome"], OUTCOMES),
        level_change=index(a["level_change"], LEVEL_CHANGES),
        moved_organisation=a["moved_organisation"].fill_null(False).to_numpy(),
        changed_specialism=a["changed_specialism"].fill_null(False).to_numpy(),
        joiner_k=j["k"].cast(pl.Int64).to_numpy(),
        joiner_level=index(j["career_level"], LEVELS),
        joiner_route=index(j["route"], JOINER_ROUTES),
    )


def _distinct_people(group: Array, person: Array, n_groups: int, n_people: int) -> Array:
    """The number of distinct people in each group (group codes 0 .. n_groups - 1; -1: not counted)."""
    size = n_groups * n_people
    pair = np.where(group >= 0, group * n_people + person, size)  # size: the slot of the rows not counted
    if size <= 2**26:  # a presence table of at most 64 MB: no sorting
        seen = np.zeros(size + 1, dtype=bool)
        seen[pair] = True
        counts: Array = seen[:size].reshape(n_groups, n_people).sum(axis=1)
        return counts
    pairs = np.unique(pair)
    return np.bincount(pairs[pairs < size] // n_people, minlength=n_groups)


@dataclass(frozen=True)
class _Family:
    """A binomial rate family: its groups (``group_of_cell``: each level x age cell's index into ``keys``,
    -1 not counted), the events (EVENTS) that are trials and those that are events, and the name of the
    grouping its distinct people are counted by (``_people_by_family``)."""

    family: str
    by: list[str]
    keys: list[tuple[Any, ...]]
    group_of_cell: Array
    trials: tuple[str, ...]
    events: tuple[str, ...]
    people: str


# Age code -> index into AGE_BANDS; -1: none (130 stands for older; 131, not known, has no band)
_BAND_OF_AGE_CODE = np.full(_AGE_CODES, -1, dtype=np.int64)
for _i, (_lo, _hi, _) in enumerate(AGE_BANDS):
    _BAND_OF_AGE_CODE[_lo : min(_hi, 130) + 1] = _i


def _families(level_names: tuple[str, ...]) -> list[_Family]:
    names: list[str | None] = [None, *level_names]  # level code + 1; 0: no level
    n_levels, bands = len(names), len(AGE_BANDS)
    level = np.repeat(np.arange(n_levels), _AGE_CODES)  # per cell
    age = np.tile(np.arange(_AGE_CODES), n_levels)
    band = _BAND_OF_AGE_CODE[age]
    labels = [b[2] for b in AGE_BANDS]
    old = (age >= RETIREMENT_AGE_MIN) & (age < 131)
    movers = np.array([n in QUALIFIED_LEVELS[:-1] for n in names])[level]
    trainees = np.array([n in TRAINEE_LEVELS for n in names])[level]
    everyone = EVENTS
    stayers = tuple(e for e in EVENTS if e.startswith("stayed"))
    by_level = [(n,) for n in names]
    return [
        _Family("leaver_rate", ["career_level"], by_level, level, everyone, ("left",), "level"),
        _Family("leaver_rate", ["age_band"], [(b,) for b in labels], band, everyone, ("left",), "band"),
        _Family(
            "leaver_rate",
            ["career_level", "age_band"],
            [(n, b) for n in names for b in labels],
            np.where(band >= 0, level * bands + band, -1),
            everyone,
            ("left",),
            "level_band",
        ),
        _Family(
            "retirement_probability",
            ["age"],
            [(a,) for a in range(RETIREMENT_AGE_MIN, RETIREMENT_AGE_MAX + 1)],
            np.where(old, np.minimum(age, RETIREMENT_AGE_MAX) - RETIREMENT_AGE_MIN, -1),
            everyone,
            ("retired",),
            "old_age",
        ),
        _Family(
            "progression_rate",
            ["career_level"],
            by_level,
            np.where(movers, level, -1),
            stayers,
            ("stayed_progressed",),
            "stayer_level",
        ),
        _Family(
            "trainee_qualified",
            ["career_level"],
            by_level,
            np.where(trainees, level, -1),
            stayers,
            ("stayed_qualified",),
            "stayer_level",
        ),
    ]


def _family_people(c: TransitionCodes, f: _Family) -> Array:
    """Distinct people per group of one family, counted on its own."""
    group = f.group_of_cell[c.cell]
    trial_events = np.array([e in f.trials for e in EVENTS])
    if not trial_events.all():
        group = np.where(trial_events[c.event], group, -1)
    return _distinct_people(group, c.person, len(f.keys), c.n_people)


def _people_by_family(c: TransitionCodes, families: list[_Family]) -> dict[str, Array]:
    """Distinct people per group of each grouping: level, band and level x band of everyone, level of
    stayers from one presence table of (level, band or none, stayed, person); single ages 55+ on their own."""
    n_levels, n_bands = len(c.level_names) + 1, len(AGE_BANDS)
    size = n_levels * (n_bands + 1) * 2 * c.n_people
    old = next(f for f in families if f.people == "old_age")
    out = {"old_age": _family_people(c, old)}
    if size > 2**27:  # more than 128 MB: each family on its own
        out.update({f.people: _family_people(c, f) for f in families if f.people != "old_age"})
        return out
    band = _BAND_OF_AGE_CODE[c.age_code]
    stayed = c.event >= EVENTS.index("stayed_same")
    flat = (((c.level + 1) * (n_bands + 1) + np.where(band >= 0, band, n_bands)) * 2 + stayed) * c.n_people
    seen = np.zeros(size, dtype=bool)
    seen[flat + c.person] = True
    table: Array = seen.reshape(n_levels, n_bands + 1, 2, c.n_people)
    any_stay: Array = np.any(table, axis=2)  # (level, band or none, person)
    out["level"] = any_stay.any(axis=1).sum(axis=-1)
    out["band"] = any_stay[:, :n_bands].any(axis=0).sum(axis=-1)
    out["level_band"] = any_stay[:, :n_bands].sum(axis=-1).ravel()  # level * bands + band
    out["stayer_level"] = table[:, :, 1].any(axis=1).sum(axis=-1)
    return out


def _binomial_rates(
    c: TransitionCodes, f: _Family, people_all: Array, months: Array, level: float, suppress_below: int
) -> list[RateEstimate]:
    """Events / person-intervals per group, annualised, with a Jeffreys interval."""
    n_groups = len(f.keys)
    counted = f.group_of_cell >= 0
    trial_events = np.array([e in f.trials for e in EVENTS])
    event_events = np.array([e in f.events for e in EVENTS])
    by_group = np.zeros((n_groups, len(EVENTS), c.n_gaps), dtype=np.int64)  # (group, event, gap)
    np.add.at(by_group, f.group_of_cell[counted], c.counts[counted])
    per_gap = by_group[:, trial_events].sum(axis=1)
    trials_all = per_gap.sum(axis=1)
    present = np.nonzero(trials_all)[0]
    if len(present) == 0:
        return []
    events_all = by_group[:, event_events].sum(axis=(1, 2))
    months_all = (per_gap * months).sum(axis=1)  # person-months: each gap's people times its length
    # in polars' order of the groups (the key columns sorted, nulls first): ties in the final sort keep it
    present = np.array(
        sorted(present, key=lambda i: tuple((v is not None, v) for v in f.keys[i])), dtype=np.int64
    )
    d = events_all[present].astype(np.float64)
    n = trials_all[present].astype(np.float64)
    person_months = months_all[present]
    mean_months = person_months / np.maximum(n, 1.0)  # exposure-weighted mean gap
    lo, hi = jeffreys_interval(d, n, level)
    rate = annualise(d / np.maximum(n, 1.0), mean_months)
    lo_y, hi_y = annualise(lo, mean_months), annualise(hi, mean_months)
    method = f"events / person-intervals, annualised at a constant hazard; Jeffreys {level:.0%} interval"
    return [
        RateEstimate(
            family=f.family,
            key=dict(zip(f.by, f.keys[g], strict=True)),
            events=int(events_all[g]),
            trials=int(trials_all[g]),
            at_risk_people=int(people_all[g]),
            exposure_person_years=float(person_months[i]) / 12.0,
            rate_per_year=float(rate[i]),
            lower=float(lo_y[i]),
            upper=float(hi_y[i]),
            method=method,
            suppressed=0 < int(events_all[g]) < suppress_below,
        )
        for i, g in enumerate(present)
    ]


def _joiner_groups() -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(family, key, routes counted): each route alone, and the routes each recruitment source measures."""
    groups: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
        ("joiner_rate", {"route": r}, (r,)) for r in JOINER_ROUTES
    ]
    for source in dict.fromkeys(ROUTE_SOURCE.values()):
        routes = tuple(r for r, s in ROUTE_SOURCE.items() if s == source)
        groups.append(("recruitment_rate", {"source": source}, routes))
    return groups


def _stock_by_level(c: TransitionCodes) -> tuple[Array, Array]:
    """(people at risk by LEVELS index and gap, distinct people at risk by LEVELS index)."""
    levels = {lv: i for i, lv in enumerate(LEVELS)}
    to_levels = np.array([levels.get(n, -1) for n in c.level_names] + [-1], dtype=np.int64)
    per_level = c.counts.reshape(len(c.level_names) + 1, _AGE_CODES, len(EVENTS), c.n_gaps).sum(axis=(1, 2))
    stock = np.zeros((len(LEVELS), c.n_gaps), dtype=np.int64)
    for i, name in enumerate(c.level_names):
        if name in levels:
            stock[levels[name]] += per_level[i + 1]  # code + 1: 0 is no level
    return stock, _distinct_people(to_levels[c.level], c.person, len(LEVELS), c.n_people)


def _joiner_rates(
    tr: Transitions, c: TransitionCodes, level: float, suppress_below: int, draws: int, seed: int
) -> list[RateEstimate]:
    """Joiners a year per person-year of stock, by level and route (and by the recruitment source the routes
    measure), with a percentile bootstrap over census gaps (resampled with replacement)."""
    n_gaps = len(tr.months)
    if n_gaps == 0:
        return []
    months = np.asarray(tr.months)
    stock, people = _stock_by_level(c)
    n_routes = len(JOINER_ROUTES)
    ok = c.joiner_level >= 0
    joined = np.bincount(
        (c.joiner_level[ok] * n_routes + c.joiner_route[ok]) * n_gaps + c.joiner_k[ok],
        minlength=len(LEVELS) * n_routes * n_gaps,
    ).reshape(len(LEVELS), n_routes, n_gaps)
    pick = np.random.default_rng(seed).integers(0, n_gaps, size=(draws, n_gaps))
    weight = np.zeros((draws, n_gaps))
    np.add.at(weight, (np.repeat(np.arange(draws), n_gaps), pick.ravel()), 1.0)
    tail = (1.0 - level) / 2.0
    method = (
        f"joiners / person-years of stock; {level:.0%} interval: the wider of a bootstrap over {n_gaps} "
        f"census gaps ({draws:,} draws, percentile) and the Poisson Jeffreys interval"
    )
    out = []
    for li, lv in enumerate(LEVELS):
        exposure = stock[li] * months / 12.0
        for family, key, routes in _joiner_groups():
            counts = joined[li, [JOINER_ROUTES.index(r) for r in routes]].sum(axis=0).astype(np.float64)
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
                    trials=int(stock[li].sum()),
                    at_risk_people=int(people[li]),
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
    c = _transition_codes(tr)
    months = np.asarray(tr.months, dtype=np.float64)
    out = []
    if len(c.k):
        families = _families(c.level_names)
        people = _people_by_family(c, families)
        for f in families:
            out += _binomial_rates(c, f, people[f.people], months, level, suppress_below)
    out += _joiner_rates(tr, c, level, suppress_below, bootstrap_draws, seed)
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
    c = _transition_codes(tr)
    n = c.n_gaps
    by_event = c.counts.sum(axis=0)  # (event, gap)
    ev = {e: by_event[i] for i, e in enumerate(EVENTS)}
    stayed = sum(by_event[i] for i, e in enumerate(EVENTS) if e.startswith("stayed"))
    columns = {
        "at_risk": by_event.sum(axis=0),
        "stayed": stayed,
        "left": ev["left"],
        "retired": ev["retired"],
        "moved_staff_group": ev["moved_staff_group"],
        "progressed": ev["stayed_progressed"],
        "trainees_qualified": ev["stayed_qualified"],
        "moved_organisation": np.bincount(c.k[c.moved_organisation], minlength=n),
        "changed_specialism": np.bincount(c.k[c.changed_specialism], minlength=n),
        **{
            f"joined_{r}": np.bincount(c.joiner_k[c.joiner_route == i], minlength=n)
            for i, r in enumerate(JOINER_ROUTES)
        },
    }
    return [  # gaps with nobody at risk are not listed
        {"from": tr.censuses[k], "to": tr.censuses[k + 1], **{name: int(v[k]) for name, v in columns.items()}}
        for k in np.nonzero(columns["at_risk"])[0]
    ]


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


def _pooled_retirements(tr: Transitions, ages: list[int]) -> tuple[float, float]:
    """(retirements, people at risk) over these ages (the last age stands for itself and older)."""
    c = _transition_codes(tr)
    cells = c.counts.reshape(len(c.level_names) + 1, _AGE_CODES, len(EVENTS), c.n_gaps)
    age = np.arange(_AGE_CODES)
    chosen = np.isin(np.minimum(age, RETIREMENT_AGE_MAX), ages) & (age < _AGE_CODES - 1)
    return float(cells[:, chosen, EVENTS.index("retired")].sum()), float(cells[:, chosen].sum())


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
        d, n = _pooled_retirements(tr, measured_ages)
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
