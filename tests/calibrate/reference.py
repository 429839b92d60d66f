"""A plain reference implementation of linking and counting (docs/calibration.md 1-2), person by person in
Python dictionaries, for test_reference.py to hold the vectorised engine (analytics/calibrate.py) to.

It is slow and simple on purpose: every rule is written the way the docs state it. Frames are in the store's
own contract (model/frames.py STAFF_SCHEMA and LEAVER_SCHEMA, what Store.staff_history / leavers_history
return; docs/esr-extracts.md gives the file layout they come from), with an optional `staff_group` column.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce.analytics.calibrate import (
    HCS_STAFF_GROUP,
    JOINER_ROUTES,
    LEVELS,
    MONTH_DAYS,
    RETIREMENT_AGE_MAX,
    RETIREMENT_AGE_MIN,
    ROUTE_SOURCE,
)
from hcsworkforce.model.frames import AGE_BANDS
from hcsworkforce.model.scenario import QUALIFIED_LEVELS, TRAINEE_LEVELS

RANK = {lv: i for i, lv in enumerate(QUALIFIED_LEVELS)}


@dataclass
class Linked:
    censuses: list[date]
    months: list[float]
    at_risk: dict[tuple[int, str], dict[str, Any]]  # (gap, staff_key) -> what happened
    joiners: dict[tuple[int, str], dict[str, Any]]  # (gap, staff_key) -> level, organisation, route


def _in_group(row: dict[str, Any]) -> bool:
    group = row.get("staff_group")
    return group is None or group.lower() == HCS_STAFF_GROUP


def _primary(posts: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """In the group first, then the largest FTE (none last), then the first organisation code (none last),
    then the first row."""

    def rank(item: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        i, r = item
        fte, org = r["fte"], r["organisation_code"]
        return (
            not _in_group(r),
            fte is None,
            -(fte or 0.0),
            org is None,
            org or "",
            i,
        )

    return min(posts, key=rank)[1]


def _level_change(now: str | None, nxt: str | None) -> str:
    if now is not None and now == nxt:
        return "same"
    if now in RANK and nxt in RANK and RANK[nxt] > RANK[now]:
        return "progressed"
    if now in TRAINEE_LEVELS and nxt in RANK:
        return "qualified"
    return "other"


def _reason(
    leavers: pl.DataFrame | None, key: str, lo: date, hi: date
) -> tuple[str | None, bool]:  # (reason, says retirement)
    if leavers is None:
        return None, False
    found: list[str] = []
    for r in leavers.iter_rows(named=True):
        end = r["end_date"]
        if r["staff_key"] == key and end is not None and lo < end <= hi:
            found.append(r["leaving_reason"] or "")
    if not found:
        return None, False
    retiring = [f for f in found if "retire" in f.lower()]
    chosen = (retiring or found)[0]
    return chosen, bool(retiring)


def link(
    staff: pl.DataFrame,
    leavers: pl.DataFrame | None,
    definition: str,
    organisations: set[str] | None = None,
) -> Linked:
    censuses = sorted(set(staff["census_date"].to_list()))
    months = [(b - a).days / MONTH_DAYS for a, b in itertools.pairwise(censuses)]
    k_of = {d: k for k, d in enumerate(censuses)}
    posts: dict[tuple[int, str], list[tuple[int, dict[str, Any]]]] = {}
    for i, r in enumerate(staff.iter_rows(named=True)):
        posts.setdefault((k_of[r["census_date"]], r["staff_key"]), []).append((i, r))
    primary = {kp: _primary(p) for kp, p in posts.items()}

    def in_scope(r: dict[str, Any]) -> bool:
        return _in_group(r) and (organisations is None or r["organisation_code"] in organisations)

    def holds(k: int, key: str, org: str | None, test: Any) -> bool:
        return org is not None and any(
            test(r) and r["organisation_code"] == org for _, r in posts.get((k, key), [])
        )

    at_risk: dict[tuple[int, str], dict[str, Any]] = {}
    joiners: dict[tuple[int, str], dict[str, Any]] = {}
    for (k, key), r in primary.items():
        if not in_scope(r):
            continue
        if k < len(censuses) - 1:
            at_risk[(k, key)] = _follow(k, key, r, primary, holds, leavers, censuses, months, definition)
        if k >= 1:
            prev = primary.get((k - 1, key))
            if definition == "organisation":
                was_in = holds(k - 1, key, r["organisation_code"], in_scope)
            else:
                was_in = prev is not None and in_scope(prev)
            if was_in:
                continue
            if r["career_level"] in TRAINEE_LEVELS:
                route = "trainee"
            elif prev is not None and _in_group(prev):
                route = "other_organisation"
            elif prev is not None:
                route = "other_staff_group"
            elif any(_in_group(p) for (j, s), p in primary.items() if s == key and j < k):
                route = "returner"
            else:
                route = "new"
            joiners[(k - 1, key)] = {
                "organisation_code": r["organisation_code"],
                "career_level": r["career_level"],
                "route": route,
            }
    return Linked(censuses, months, at_risk, joiners)


def _follow(
    k: int,
    key: str,
    r: dict[str, Any],
    primary: dict[tuple[int, str], dict[str, Any]],
    holds: Any,
    leavers: pl.DataFrame | None,
    censuses: list[date],
    months: list[float],
    definition: str,
) -> dict[str, Any]:
    """What happened to one person at risk in gap k."""
    nxt = primary.get((k + 1, key))
    any_next = nxt is not None
    group_next = nxt is not None and _in_group(nxt)
    org_next = holds(k + 1, key, r["organisation_code"], _in_group)
    gone = {"organisation": not org_next, "staff_group": not group_next, "nhs": not any_next}[definition]
    reason, retiring = (None, False) if org_next else _reason(leavers, key, censuses[k], censuses[k + 1])
    retire = retiring and (r["age"] or 0) >= RETIREMENT_AGE_MIN
    stays = "stayed" if group_next else "moved_staff_group"
    outcome = ("retired" if retire else "left") if gone else stays
    stayed = outcome == "stayed"
    assert not stayed or nxt is not None

    def changed(col: str) -> bool:
        return stayed and nxt is not None and None not in (r[col], nxt[col]) and r[col] != nxt[col]

    return {
        "months": months[k],
        "organisation_code": r["organisation_code"],
        "specialism_id": r["specialism_id"],
        "career_level": r["career_level"],
        "age": r["age"],
        "outcome": outcome,
        "level_change": _level_change(r["career_level"], nxt["career_level"])
        if stayed and nxt is not None
        else None,
        "moved_organisation": changed("organisation_code"),
        "changed_specialism": changed("specialism_id"),
        "reason": reason,
    }


def _band(age: int | None) -> str | None:
    for lo, hi, label in AGE_BANDS:
        if age is not None and lo <= age <= hi:
            return label
    return None


def binomial_counts(linked: Linked) -> dict[tuple[str, tuple[Any, ...]], dict[str, Any]]:
    """(family, key values) -> events, trials, distinct people and person-months, by docs/calibration.md 2."""
    out: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}

    def add(family: str, key: tuple[Any, ...], person: str, months: float, event: bool) -> None:
        cell = out.setdefault((family, key), {"events": 0, "trials": 0, "people": set(), "months": 0.0})
        cell["events"] += int(event)
        cell["trials"] += 1
        cell["people"].add(person)
        cell["months"] += months

    for (_, person), a in linked.at_risk.items():
        level, age, m = a["career_level"], a["age"], a["months"]
        left = a["outcome"] == "left"
        add("leaver_rate", (level,), person, m, left)
        if _band(age) is not None:
            add("leaver_rate", (_band(age),), person, m, left)
            add("leaver_rate", (level, _band(age)), person, m, left)
        if age is not None and age >= RETIREMENT_AGE_MIN:
            add(
                "retirement_probability",
                (min(age, RETIREMENT_AGE_MAX),),
                person,
                m,
                a["outcome"] == "retired",
            )
        if a["outcome"] == "stayed" and level in QUALIFIED_LEVELS[:-1]:
            add("progression_rate", (level,), person, m, a["level_change"] == "progressed")
        if a["outcome"] == "stayed" and level in TRAINEE_LEVELS:
            add("trainee_qualified", (level,), person, m, a["level_change"] == "qualified")
    for cell in out.values():
        cell["people"] = len(cell["people"])
    return out


def joiner_counts(linked: Linked) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(family, level, route or source) -> joiners, trials, people and person-years of stock."""
    groups = [("joiner_rate", r, (r,)) for r in JOINER_ROUTES] + [
        ("recruitment_rate", s, tuple(r for r, src in ROUTE_SOURCE.items() if src == s))
        for s in dict.fromkeys(ROUTE_SOURCE.values())
    ]
    out = {}
    for lv in LEVELS:
        stock = [(p, a["months"]) for (_, p), a in linked.at_risk.items() if a["career_level"] == lv]
        years = sum(m for _, m in stock) / 12.0
        if years <= 0:
            continue
        for family, name, routes in groups:
            events = sum(
                1 for j in linked.joiners.values() if j["career_level"] == lv and j["route"] in routes
            )
            out[(family, lv, name)] = {
                "events": events,
                "trials": len(stock),
                "people": len({p for p, _ in stock}),
                "years": years,
            }
    return out
