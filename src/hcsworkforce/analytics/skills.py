"""Competency profiles and upskilling distance: what a person lacks for a surge role, and the cheapest training.

A person's profile is the default for their specialism and career level, overridden by their own records.
Training is exact weighted set cover: a course may lift several competencies, so the cheapest set of courses
is found by dynamic programming over the subsets of missing competencies (at most a dozen per role), not by
picking the cheapest course per competency, which can cost more when one course covers two gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from hcsworkforce import reference
from hcsworkforce.model.surge import SurgeScenario

MAX_LEVEL = 4
# A career level missing from competency_level_caps (or null in the extract) is capped here: a cautious guess.
UNKNOWN_LEVEL_CAP = 2
# Hours are compared in whole hundredths so that equal plans tie exactly, whatever the float rounding.
CENTI = 100


@dataclass(frozen=True)
class Competency:
    id: str
    name: str
    domain: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class TrainingResource:
    id: str
    title: str
    provider: str
    hours: float
    lifts: tuple[tuple[str, int], ...]  # (competency, level the course brings a person to)

    @property
    def centi_hours(self) -> int:
        return round(self.hours * CENTI)


@dataclass(frozen=True)
class SurgeRole:
    id: str
    name: str
    requires: tuple[tuple[str, int], ...]  # (competency, level), sorted by competency


@dataclass(frozen=True)
class Framework:
    """Competencies, default profiles, level caps, surge roles and training resources, merged and checked."""

    competencies: dict[str, Competency]
    # (specialism_id, career_level or '*') -> competency -> level
    profiles: dict[tuple[str, str], dict[str, int]]
    level_caps: dict[str, int]
    roles: dict[str, SurgeRole]
    resources: dict[str, TrainingResource]
    _plan_cache: dict[tuple[tuple[tuple[str, int], ...], str], TrainingPlan] = field(
        default_factory=dict, compare=False, repr=False
    )

    def default_profile(self, specialism_id: str, career_level: str | None) -> dict[str, int]:
        """The '*' row levels capped for the career level, then exact (specialism, level) rows on top."""
        cap = self.level_caps.get(career_level or "", UNKNOWN_LEVEL_CAP)
        out = {c: min(lv, cap) for c, lv in self.profiles.get((specialism_id, "*"), {}).items()}
        if career_level:
            out.update(self.profiles.get((specialism_id, career_level), {}))
        return {c: lv for c, lv in out.items() if lv > 0}


@dataclass(frozen=True)
class Gap:
    competency: str
    have: int
    need: int


@dataclass(frozen=True)
class TrainingPlan:
    """What a person with a given profile needs for a role, and the cheapest courses that close it."""

    role_id: str
    gaps: tuple[Gap, ...]
    resources: tuple[str, ...]
    centi_hours: int
    feasible: bool  # False when some gap has no course that reaches the level

    @property
    def hours(self) -> float:
        return self.centi_hours / CENTI

    def within(self, budget_hours: float) -> bool:
        return self.feasible and self.centi_hours <= round(budget_hours * CENTI)


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError as e:  # a reference file is ours: a bad cell is a bug, not the user's mistake
        raise ValueError(f"reference {what}: {text!r} is not a whole number") from e


@cache
def reference_framework() -> Framework:
    """The framework shipped in reference/data (illustrative defaults; see docs/deployment.md)."""
    comps = {
        r["id"]: Competency(
            r["id"], r["name"], r["domain"], tuple(r[f"level_{i}"] for i in range(MAX_LEVEL + 1))
        )
        for r in reference.read_table("competencies")
    }
    profiles: dict[tuple[str, str], dict[str, int]] = {}
    for r in reference.read_table("competency_profiles"):
        profiles.setdefault((r["specialism_id"], r["career_level"]), {})[r["competency"]] = _int(
            r["level"], "level"
        )
    profiles.update(_not_known_profiles(profiles))
    caps = {
        r["career_level"]: _int(r["max_level"], "max_level")
        for r in reference.read_table("competency_level_caps")
    }
    role_rows = reference.read_table("surge_roles")
    reqs: dict[str, dict[str, int]] = {}
    for r in reference.read_table("surge_role_requirements"):
        reqs.setdefault(r["role_id"], {})[r["competency"]] = _int(r["level"], "level")
    roles = {
        r["id"]: SurgeRole(r["id"], r["name"], tuple(sorted(reqs.get(r["id"], {}).items())))
        for r in role_rows
    }
    lifts: dict[str, dict[str, int]] = {}
    first: dict[str, dict[str, str]] = {}
    for r in reference.read_table("training_resources"):
        lifts.setdefault(r["id"], {})[r["competency"]] = _int(r["to_level"], "to_level")
        first.setdefault(r["id"], r)
    resources = {
        rid: TrainingResource(
            rid, r["title"], r["provider"], float(r["hours"]), tuple(sorted(lifts[rid].items()))
        )
        for rid, r in first.items()
    }
    return Framework(comps, profiles, caps, roles, resources)


def _not_known_profiles(
    profiles: dict[tuple[str, str], dict[str, int]],
) -> dict[tuple[str, str], dict[str, int]]:
    """Someone whose specialism is not known (only its theme or division) is credited with what every
    specialism of that theme (or division) has at least: the competency-wise minimum of their '*' profiles."""
    specs = reference.specialisms()
    out: dict[tuple[str, str], dict[str, int]] = {}
    for s in specs.values():
        if s.status != "not_known" or (s.id, "*") in profiles:
            continue
        by_theme = s.theme != "(not known)"
        peers = [
            p
            for p in specs.values()
            if p.status != "not_known"
            and (p.theme == s.theme if by_theme else p.division_id == s.division_id)
            and (p.id, "*") in profiles
        ]
        shared = set.intersection(*(set(profiles[(p.id, "*")]) for p in peers)) if peers else set()
        out[(s.id, "*")] = {c: min(profiles[(p.id, "*")][c] for p in peers) for c in sorted(shared)}
    return out


def with_scenario(base: Framework, scenario: SurgeScenario) -> Framework:
    """The base framework with the scenario's inline competencies, courses, profiles and roles laid over it.

    A scenario entry replaces the base entry of the same id (a profile row replaces the same specialism,
    career level and competency). Floors' and profiles' specialisms must already be resolved to ids.
    """
    comps = dict(base.competencies)
    for c in scenario.competencies:
        levels = (
            tuple(c.levels) if c.levels else comps[c.id].levels if c.id in comps else ("",) * (MAX_LEVEL + 1)
        )
        comps[c.id] = Competency(c.id, c.name, c.domain, levels)
    resources = dict(base.resources)
    for t in scenario.training_resources:
        resources[t.id] = TrainingResource(
            t.id, t.title, t.provider, t.hours, tuple(sorted(t.lifts().items()))
        )
    profiles = {k: dict(v) for k, v in base.profiles.items()}
    for p in scenario.profiles:
        profiles.setdefault((p.specialism, p.career_level), {})[p.competency] = p.level
    roles = dict(base.roles)
    for r in scenario.roles:
        if r.requires is not None:
            roles[r.id] = SurgeRole(r.id, r.name or r.id, tuple(sorted(r.requires.items())))
        elif r.name and r.id in roles:
            roles[r.id] = replace(roles[r.id], name=r.name)
    return Framework(comps, profiles, dict(base.level_caps), roles, resources)


def effective_profile(default: Mapping[str, int], overrides: Mapping[str, int] | None) -> dict[str, int]:
    """A person's levels: their specialism/level default with their own records replacing it (even lower)."""
    if not overrides:
        return dict(default)
    out = dict(default)
    out.update(overrides)
    return out


def gaps_for(profile: Mapping[str, int], role: SurgeRole) -> tuple[Gap, ...]:
    return tuple(Gap(c, profile.get(c, 0), need) for c, need in role.requires if profile.get(c, 0) < need)


def training_plan(profile: Mapping[str, int], role: SurgeRole, framework: Framework) -> TrainingPlan:
    """The cheapest set of courses that lifts every missing competency to the role's level.

    A course with to_level L lifts any lower level to L, so for a gap only courses reaching the needed level
    help, and one such course closes it. Exact weighted set cover over the gaps by dynamic programming over
    subsets; ties go to fewer courses, then to the alphabetically first ids, so plans are reproducible.
    """
    gaps = gaps_for(profile, role)
    key = (tuple((g.competency, g.have * 10 + g.need) for g in gaps), role.id)
    cached = framework._plan_cache.get(key)
    if cached is not None:
        return cached
    plan = _cover(gaps, role.id, framework.resources.values())
    framework._plan_cache[key] = plan
    return plan


def _cover(gaps: tuple[Gap, ...], role_id: str, resources: Iterable[TrainingResource]) -> TrainingPlan:
    if not gaps:
        return TrainingPlan(role_id, (), (), 0, True)
    index = {g.competency: i for i, g in enumerate(gaps)}
    options: list[tuple[int, str, int]] = []  # (coverage mask, id, centi-hours)
    for res in sorted(resources, key=lambda r: r.id):
        mask = 0
        for comp, to_level in res.lifts:
            i = index.get(comp)
            if i is not None and to_level >= gaps[i].need:
                mask |= 1 << i
        if mask:
            options.append((mask, res.id, res.centi_hours))
    full = (1 << len(gaps)) - 1
    reachable = 0
    for mask, _, _ in options:
        reachable |= mask
    if reachable != full:
        return TrainingPlan(role_id, gaps, (), 0, False)
    # best[mask] = (centi-hours, number of courses, course ids) of the cheapest way to close exactly `mask`
    # or more; states grow monotonically, so one pass in increasing mask order settles every state.
    best: dict[int, tuple[int, int, tuple[str, ...]]] = {0: (0, 0, ())}
    for state in range(full + 1):
        cur = best.get(state)
        if cur is None:
            continue
        for mask, rid, ch in options:
            nxt = state | mask
            if nxt == state:
                continue
            cand = (cur[0] + ch, cur[1] + 1, tuple(sorted((*cur[2], rid))))
            old = best.get(nxt)
            if old is None or cand < old:
                best[nxt] = cand
    hours, _, ids = best[full]
    return TrainingPlan(role_id, gaps, ids, hours, True)


def upskilling_distance(
    profile: Mapping[str, int], role_id: str, framework: Framework, budget_hours: float | None = None
) -> dict[str, object]:
    """A plain record of a person's distance to a role: gaps, courses, hours, and eligibility within budget."""
    plan = training_plan(profile, framework.roles[role_id], framework)
    return {
        "role": role_id,
        "missing": [{"competency": g.competency, "have": g.have, "need": g.need} for g in plan.gaps],
        "training_resources": list(plan.resources),
        "training_hours": plan.hours if plan.feasible else None,
        "feasible": plan.feasible,
        "eligible": plan.within(budget_hours) if budget_hours is not None else plan.feasible,
    }
