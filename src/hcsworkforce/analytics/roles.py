"""Role redesign: a job role is a set of competencies at levels; training programmes' outcomes map onto the
same competencies, so we can rank the programmes and routes that best cover a role, and find the roles no one
in post can fill now together with the shortest way to upskill the nearest staff.

Competencies share the 0-4 scale of the competency framework (``competencies.csv``, used for surge
deployment) and add the career-framework domains of ``career_competencies.csv``. ``specialist_practice`` is
specific to one specialism: it is held as ``specialism:<id>``, so audiology practice never covers a cardiac
science role.

Coverage of a role by a profile is the share of required competency-levels met:
``sum(min(have_c, need_c)) / sum(need_c)`` over the role's competencies. A role needing specialist practice 3
and leadership 2 (5 level-steps) is 80% covered by a profile with specialist practice 3 and leadership 1.
A person can fill a role now when coverage is 1 (every competency at or above its level).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics import pathways as pw
from hcsworkforce.model.roles import Role as Role  # the role record, named here too

SPECIALIST = "specialist_practice"
SPECIALISM_PREFIX = "specialism:"
MAX_LEVEL = 4

Profile = Mapping[str, int]
# (specialism_id, career_level) -> extra competency levels, e.g. the skills engine's surge profile.
ProfileFn = Callable[[str, str], Profile]
# (requirements, profile) -> how far the profile is from the role; smaller is nearer.
DistanceFn = Callable[[Profile, Profile], float]

# A trainee's competencies are those of the level they are training from.
TRAINEE_BASE = {
    "trainee_practitioner": "associate",
    "trainee_clinical_scientist": "practitioner",
    "trainee_consultant": "clinical_scientist",
}


@dataclass(frozen=True)
class Coverage:
    coverage: float  # share of required competency-levels met, 0-1
    met: int  # competencies at or above the required level
    required: int  # competencies required
    uncovered: tuple[tuple[str, int, int], ...] = field(default=())  # (competency, have, need)

    @property
    def complete(self) -> bool:
        return self.met == self.required

    def uncovered_text(self) -> str:
        return ", ".join(f"{c} {have}/{need}" for c, have, need in self.uncovered)


# -- competencies and profiles --------------------------------------------------------------------------


@cache
def competency_ids() -> frozenset[str]:
    """Competencies a role may name: the career-framework domains and, where shipped, the skills framework."""
    ids = {r["id"] for r in reference.read_table("career_competencies")}
    if "competencies" in reference.table_names():
        ids |= {r["id"] for r in reference.read_table("competencies")}
    return frozenset(ids)


def resolve_competency(competency: str, specialism_id: str | None) -> str:
    """``specialist_practice`` becomes ``specialism:<id>`` for the given specialism; others pass through."""
    if competency == SPECIALIST and specialism_id:
        return SPECIALISM_PREFIX + specialism_id
    return competency


def _resolve(levels: Mapping[str, int], specialism_id: str | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for c, lv in levels.items():
        key = resolve_competency(c, specialism_id)
        out[key] = max(out.get(key, 0), lv)
    return out


@cache
def _career_defaults() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in reference.read_table("career_competency_levels"):
        out.setdefault(r["career_level"], {})[r["competency"]] = int(r["level"])
    return out


def career_profile(career_level: str) -> dict[str, int]:
    """The career-framework competencies a person at this level holds by default (trainees: their base)."""
    level = TRAINEE_BASE.get(career_level, career_level)
    return dict(_career_defaults().get(level, {}))


def default_profile(specialism_id: str, career_level: str, extra: ProfileFn | None = None) -> dict[str, int]:
    """A person's default profile: career defaults for the level, specialist practice in their specialism,
    and, where given, ``extra`` (the skills engine's specialism profile), taking the higher level of each."""
    profile = _resolve(career_profile(career_level), specialism_id)
    if extra is not None:
        for c, lv in extra(specialism_id, career_level).items():
            profile[c] = max(profile.get(c, 0), lv)
    return profile


def role_for_level(
    specialism_id: str, career_level: str, extra: ProfileFn | None = None, name: str | None = None
) -> Role:
    """The default role of a level in a specialism: what someone at that level is expected to hold."""
    reqs = {c: lv for c, lv in default_profile(specialism_id, career_level, extra).items() if lv > 0}
    label = name or f"{reference.career_levels()[career_level].name}, {_specialism_name(specialism_id)}"
    return Role(label, reqs, specialism_id, career_level)


def _specialism_name(specialism_id: str) -> str:
    spec = reference.specialisms().get(specialism_id)
    return spec.name if spec else specialism_id


@cache
def _route_outcomes_raw() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in reference.read_table("programme_outcomes"):
        out.setdefault(r["route"], {})[r["competency"]] = int(r["level"])
    return out


def route_outcomes(route_id: str, specialism_id: str | None) -> dict[str, int]:
    """What completing a route gives, with specialist practice in the specialism it is taken in."""
    return _resolve(_route_outcomes_raw().get(route_id, {}), specialism_id)


# -- coverage -------------------------------------------------------------------------------------------


def coverage(requirements: Profile, profile: Profile) -> Coverage:
    need_total = sum(lv for lv in requirements.values() if lv > 0)
    if need_total == 0:
        return Coverage(1.0, 0, 0)
    got = 0
    met = 0
    uncovered = []
    for c, need in sorted(requirements.items()):
        if need <= 0:
            continue
        have = profile.get(c, 0)
        got += min(have, need)
        if have >= need:
            met += 1
        else:
            uncovered.append((c, have, need))
    required = sum(1 for lv in requirements.values() if lv > 0)
    return Coverage(got / need_total, met, required, tuple(uncovered))


def level_gap(requirements: Profile, profile: Profile) -> float:
    """Level-steps missing: sum of (need - have) where short. The fallback upskilling distance until the
    skills engine's training-hours distance is passed in as ``distance``."""
    return float(sum(max(0, need - profile.get(c, 0)) for c, need in requirements.items()))


def _merge(*profiles: Profile) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in profiles:
        for c, lv in p.items():
            out[c] = max(out.get(c, 0), lv)
    return out


# -- matching programmes and routes to a role ------------------------------------------------------------


def match_programmes(role: Role, routes: Iterable[pw.CareerRoute] | None = None) -> list[dict[str, Any]]:
    """Each route open to the role's specialism, ranked by how much of the role its outcomes alone cover
    (then quicker first, counting the experience an equivalence route needs), with what is left uncovered."""
    out: list[dict[str, Any]] = []
    for r in pw.career_routes() if routes is None else routes:
        if not r.open_to(role.specialism_id):
            continue
        cov = coverage(role.requirements, route_outcomes(r.id, role.specialism_id))
        out.append(
            {
                "route": r.id,
                "name": r.name,
                "to_level": r.to_level,
                "duration_years": r.duration_years,
                "experience_years_required": r.experience_years_required,
                "coverage": round(cov.coverage, 4),
                "met": cov.met,
                "required": cov.required,
                "uncovered": cov.uncovered_text(),
                "verified": r.verified,
            }
        )
    out.sort(key=lambda x: (-x["coverage"], x["duration_years"] + x["experience_years_required"], x["route"]))
    return out


@cache
def _pathway_options(from_level: str, specialism_id: str | None) -> tuple[pw.Pathway | None, ...]:
    """Every pathway from a level up to any higher level, plus None (no training) and within-level routes."""
    order = pw.levels()
    start = order.index(from_level) if from_level in order else 0
    options: list[pw.Pathway | None] = [None]
    for target in order[start:]:
        options.extend(pw.enumerate_pathways(from_level, target, specialism_id=specialism_id))
    return tuple(options)


def _years(p: pw.Pathway | None, experience_credit_years: float = 0.0) -> float:
    """Total time of a pathway, crediting years already worked against the first step's experience rule."""
    if p is None:
        return 0.0
    first = p.routes[0].experience_years_required
    return p.total_years - min(first, max(0.0, experience_credit_years))


def _pathway_profile(p: pw.Pathway | None, specialism_id: str | None) -> dict[str, int]:
    if p is None:
        return {}
    return _merge(*(route_outcomes(r.id, specialism_id) for r in p.routes))


def match_pathways(
    role: Role, from_level: str = pw.NEW_ENTRANT, limit: int | None = 10
) -> list[dict[str, Any]]:
    """Pathways from ``from_level`` ranked by coverage of the role (start-level defaults plus every route's
    outcomes), then by total time: the best way to grow someone into the role."""
    start = {} if from_level == pw.NEW_ENTRANT else _resolve(career_profile(from_level), role.specialism_id)
    out: list[dict[str, Any]] = []
    for p in _pathway_options(from_level, role.specialism_id):
        if p is None:
            continue
        cov = coverage(role.requirements, _merge(start, _pathway_profile(p, role.specialism_id)))
        out.append(
            {
                **p.to_record(),
                "coverage": round(cov.coverage, 4),
                "met": cov.met,
                "required": cov.required,
                "uncovered": cov.uncovered_text(),
            }
        )
    out.sort(key=lambda x: (-x["coverage"], x["total_years"], x["steps"], x["route"]))
    return out[:limit] if limit else out


@dataclass(frozen=True)
class Upskilling:
    pathway: pw.Pathway | None  # None: no programme needed (or none helps)
    years: float
    coverage: Coverage


def shortest_upskilling(
    role: Role, profile: Profile, career_level: str, own_specialism: str, experience_credit_years: float = 0.0
) -> Upskilling:
    """The quickest pathway from a person's level whose outcomes, added to their profile, cover the role;
    where none covers it fully, the one that covers most (then quickest). The rest is for local training."""
    base = TRAINEE_BASE.get(career_level, career_level)
    specialism = role.specialism_id or own_specialism
    best: Upskilling | None = None
    for p in _pathway_options(base, specialism):
        cov = coverage(role.requirements, _merge(profile, _pathway_profile(p, specialism)))
        cand = Upskilling(p, _years(p, experience_credit_years), cov)
        if best is None or (-cand.coverage.coverage, cand.years) < (-best.coverage.coverage, best.years):
            best = cand
    assert best is not None  # the no-training option is always there
    return best


# -- roles no one in post can fill ------------------------------------------------------------------------


def role_gaps(
    staff: pl.DataFrame,
    roles: Sequence[Role],
    *,
    extra_profile: ProfileFn | None = None,
    distance: DistanceFn = level_gap,
    nearest: int = 3,
    census_date: date | None = None,
    residual: Callable[[Role, Profile], dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For each role: how many staff in ``staff`` (STAFF_SCHEMA frame, one organisation) can fill it now,
    and where none can, the ``nearest`` staff with each one's shortest upskilling route.

    Nearest means quickest to make able: staff whose shortest route covers the role fully come first, by
    that route's years, then by ``distance`` (level-steps missing, or the skills engine's training hours
    when passed in). Ranking by distance alone would put a clinical scientist of another specialism ahead of
    a practitioner of the role's own, though only the practitioner has a route (the STP) into the role.

    ``residual(role, profile_after_route)`` may add fields to each nearest-staff record: the CLI passes the
    skills engine's training plan (courses and hours) for what the route leaves uncovered.

    Returns (summary: one record per role, nearest: one record per role and nearby person). Profiles come
    from specialism and career level defaults (plus ``extra_profile``); experience for the equivalence
    routes is credited from each person's years since start_date, a lower bound on their experience.
    """
    people = staff.select("staff_key", "specialism_id", "career_level", "start_date", "census_date").unique(
        subset=["staff_key", "specialism_id", "career_level"], keep="first", maintain_order=True
    )
    profiles: dict[tuple[str, str], dict[str, int]] = {}
    for spec, lvl in people.select("specialism_id", "career_level").unique().iter_rows():
        profiles[(spec, lvl)] = default_profile(spec, lvl, extra_profile)
    rows: list[tuple[str, str, str, float]] = []
    for key, spec, lvl, start, cdate in people.iter_rows():
        ref_day = census_date or cdate
        credit = (ref_day - start).days / 365.25 if start is not None and ref_day is not None else 0.0
        # Whole half-years are enough for the experience rules (3 and 5 years) and keep the cache small.
        rows.append((key, spec, lvl, min(10.0, int(max(0.0, credit) * 2) / 2)))

    summary: list[dict[str, Any]] = []
    detail: list[dict[str, Any]] = []
    for role in roles:
        covs = {k: coverage(role.requirements, p) for k, p in profiles.items()}
        can_fill = sum(1 for _, spec, lvl, _ in rows if covs[(spec, lvl)].complete)
        rec: dict[str, Any] = {
            "role": role.name,
            "specialism": role.specialism_id,
            "career_level": role.career_level,
            "staff_considered": len(rows),
            "can_fill_now": can_fill,
            "nearest_staff_key": None,
            "nearest_distance": None,
            "nearest_missing": None,
            "route": None,
            "route_years": None,
            "uncovered_after_route": None,
        }
        if can_fill == 0 and rows:
            nearby = nearest_staff(role, rows, profiles, covs, distance, nearest, residual)
            detail.extend(nearby)
            if nearby:
                first = nearby[0]
                rec.update(
                    nearest_staff_key=first["staff_key"],
                    nearest_distance=first["distance"],
                    nearest_missing=first["missing_now"],
                    route=first["route"],
                    route_years=first["route_years"],
                    uncovered_after_route=first["uncovered_after_route"],
                )
        summary.append(rec)
    return summary, detail


def nearest_staff(
    role: Role,
    rows: list[tuple[str, str, str, float]],
    profiles: dict[tuple[str, str], dict[str, int]],
    covs: dict[tuple[str, str], Coverage],
    distance: DistanceFn,
    nearest: int,
    residual: Callable[[Role, Profile], dict[str, Any]] | None,
) -> list[dict[str, Any]]:
    """The `nearest` people (key, specialism, level, experience credit in `rows`) quickest to make able to
    fill `role`, each with their shortest upskilling route; ranked 1, 2, ..."""
    ups: dict[tuple[str, str, float], Upskilling] = {}
    ranked = []
    for key, spec, lvl, credit in rows:
        up = ups.get((spec, lvl, credit))
        if up is None:
            up = shortest_upskilling(role, profiles[(spec, lvl)], lvl, spec, credit)
            ups[(spec, lvl, credit)] = up
        dist = distance(role.requirements, profiles[(spec, lvl)])
        order = (not up.coverage.complete, -up.coverage.coverage, up.years, dist, key)
        ranked.append((order, key, spec, lvl, dist, up))
    ranked.sort(key=lambda x: x[0])
    out: list[dict[str, Any]] = []
    for rank, (_o, key, spec, lvl, dist, up) in enumerate(ranked[:nearest], start=1):
        cov = covs[(spec, lvl)]
        row = {
            "role": role.name,
            "rank": rank,
            "staff_key": key,
            "specialism": spec,
            "career_level": lvl,
            "distance": dist,
            "coverage_now": round(cov.coverage, 4),
            "missing_now": cov.uncovered_text(),
            "route": " -> ".join(r.id for r in up.pathway.routes) if up.pathway else "none",
            "route_years": round(up.years, 2),
            "coverage_after_route": round(up.coverage.coverage, 4),
            "uncovered_after_route": up.coverage.uncovered_text(),
        }
        if residual is not None:
            after = _merge(profiles[(spec, lvl)], _pathway_profile(up.pathway, role.specialism_id or spec))
            row.update(residual(role, after))
        out.append(row)
    return out


def default_roles_for(staff: pl.DataFrame, extra: ProfileFn | None = None) -> list[Role]:
    """Without a role file: the practitioner, clinical scientist and consultant role of every specialism the
    organisation employs, so a gap shows a level no one holds (no consultant in a specialism, say)."""
    specs = sorted(s for s in staff["specialism_id"].unique().to_list() if s)
    levels = ("practitioner", "clinical_scientist", "consultant")
    return [role_for_level(s, lv, extra) for s in specs for lv in levels]
