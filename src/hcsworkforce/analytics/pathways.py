"""Career pathways: the routes between career levels and the multi-step paths they make, with total time.

The routes live in ``reference/data/career_routes.csv``; a route's duration is read from its training
programme (``training_programmes.csv``) unless the route sets its own, so the projection engine and this
module agree on one number. ``programme_transition`` is the function the projection engine calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from hcsworkforce import reference

# Someone not yet in the healthcare science workforce: a school leaver or a graduate. Not a career level
# of the framework, but routes such as PTP and STP direct entry start here.
NEW_ENTRANT = "new_entrant"

# Worst first: a pathway is only as well sourced as its least-sourced step.
_VERIFIED_RANK = {"illustrative": 0, "unverified": 1, "partial": 2, "verified": 3}


@dataclass(frozen=True)
class CareerRoute:
    """One way from one career level to another (or within a level), with its time and entry requirements."""

    id: str
    name: str
    programme: str  # id in training_programmes.csv
    from_level: str
    to_level: str
    mode: str  # apprenticeship, higher_education, direct_entry, in_service, equivalence, appointment, ...
    duration_years: float  # full-time length of training or assessment
    duration_max_years: float | None  # longest allowed (part time), where known
    experience_years_required: float  # years of work at the level needed before applying (equivalence)
    trainee_level: str | None  # career_level held while on the route, where employed as a trainee
    band_while_training: str
    band_on_exit: str
    entry_requirements: str
    specialisms: tuple[str, ...]  # empty: open to every specialism
    divisions: tuple[str, ...]  # empty: open to every division
    source: str
    verified: str

    def open_to(self, specialism_id: str | None) -> bool:
        """Whether someone in this specialism can take the route (None: any specialism will do)."""
        if specialism_id is None or (not self.specialisms and not self.divisions):
            return True
        if specialism_id in self.specialisms:
            return True
        spec = reference.specialisms().get(specialism_id)
        return spec is not None and spec.division_id in self.divisions

    @property
    def changes_level(self) -> bool:
        return self.from_level != self.to_level


@dataclass(frozen=True)
class Pathway:
    """A sequence of routes, each starting at the level the previous one ends at."""

    routes: tuple[CareerRoute, ...]

    @property
    def from_level(self) -> str:
        return self.routes[0].from_level

    @property
    def to_level(self) -> str:
        return self.routes[-1].to_level

    @property
    def steps(self) -> int:
        return len(self.routes)

    @property
    def training_years(self) -> float:
        return sum(r.duration_years for r in self.routes)

    @property
    def experience_years(self) -> float:
        """Years of work equivalence routes demand before one may apply: time that must pass all the same."""
        return sum(r.experience_years_required for r in self.routes)

    @property
    def total_years(self) -> float:
        """Shortest time from starting the first route to finishing the last: training plus experience."""
        return self.training_years + self.experience_years

    @property
    def total_max_years(self) -> float:
        """Longest allowed time, where a route may be taken part time (STP in service: up to 5 years)."""
        return sum(r.duration_max_years or r.duration_years for r in self.routes) + self.experience_years

    @property
    def verified(self) -> str:
        return min((r.verified for r in self.routes), key=lambda v: _VERIFIED_RANK.get(v, 0))

    def to_record(self) -> dict[str, object]:
        return {
            "from_level": self.from_level,
            "to_level": self.to_level,
            "route": " -> ".join(r.id for r in self.routes),
            "steps": self.steps,
            "training_years": round(self.training_years, 2),
            "experience_years": round(self.experience_years, 2),
            "total_years": round(self.total_years, 2),
            "total_max_years": round(self.total_max_years, 2),
            "band_on_exit": self.routes[-1].band_on_exit,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class ProgrammeTransition:
    """What the projection engine needs about a training programme: where trainees go, and when."""

    programme: str
    entry_level: str  # NEW_ENTRANT where the programme recruits from outside the workforce
    exit_level: str
    duration_years: float
    trainee_level: str | None


def levels() -> list[str]:
    """Career levels a pathway can start or end at, lowest first: new_entrant, then the framework's levels."""
    ranked = sorted(
        (lv for lv in reference.career_levels().values() if not lv.trainee), key=lambda lv: lv.order
    )
    return [NEW_ENTRANT, *(lv.id for lv in ranked)]


def _float_or_none(text: str) -> float | None:
    return float(text) if text.strip() else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split("|") if t.strip())


@cache
def career_routes() -> tuple[CareerRoute, ...]:
    """Every route in the reference data; a route without a duration takes its programme's."""
    programmes = reference.training_programmes()
    out = []
    for r in reference.read_table("career_routes"):
        prog = programmes[r["programme"]]  # KeyError here is a broken reference file, caught by the tests
        duration = _float_or_none(r["duration_years"])
        if duration is None:
            duration = prog.duration_years
        if duration is None:
            raise ValueError(
                f"career route {r['id']} has no duration and programme {prog.id} has none either"
            )
        out.append(
            CareerRoute(
                id=r["id"],
                name=r["name"],
                programme=r["programme"],
                from_level=r["from_level"],
                to_level=r["to_level"],
                mode=r["mode"],
                duration_years=duration,
                duration_max_years=_float_or_none(r["duration_max_years"]),
                experience_years_required=_float_or_none(r["experience_years_required"]) or 0.0,
                trainee_level=r["trainee_level"] or None,
                band_while_training=r["band_while_training"],
                band_on_exit=r["band_on_exit"],
                entry_requirements=r["entry_requirements"],
                specialisms=_split(r["specialisms"]),
                divisions=_split(r["divisions"]),
                source=r["source"],
                verified=r["verified"],
            )
        )
    return tuple(out)


def route_by_id(route_id: str) -> CareerRoute:
    for r in career_routes():
        if r.id == route_id:
            return r
    raise KeyError(route_id)


def enumerate_pathways(
    from_level: str,
    to_level: str,
    *,
    specialism_id: str | None = None,
    routes: Iterable[CareerRoute] | None = None,
    max_steps: int = 6,
) -> list[Pathway]:
    """Every way from one level to another, shortest total time first (then fewest steps, then route ids).

    A pathway moves up one route at a time; routes that stay within a level (ETP, the L3 apprenticeship) are
    offered only when from_level == to_level, since they never bring anyone closer to a higher level.
    Routes closed to ``specialism_id`` are left out.
    """
    pool = [r for r in (career_routes() if routes is None else routes) if r.open_to(specialism_id)]
    if from_level == to_level:
        found = [Pathway((r,)) for r in pool if r.from_level == from_level and not r.changes_level]
        return sorted(found, key=_pathway_key)

    order = {lv: i for i, lv in enumerate(levels())}
    upward = [r for r in pool if r.changes_level]
    found = []

    def walk(level: str, taken: tuple[CareerRoute, ...]) -> None:
        if level == to_level:
            found.append(Pathway(taken))
            return
        if len(taken) >= max_steps:
            return
        for r in upward:
            # Only climb: the framework's routes all go up, and this also rules out cycles in user data.
            if r.from_level == level and order.get(r.to_level, -1) > order.get(level, -1):
                walk(r.to_level, (*taken, r))

    walk(from_level, ())
    return sorted(found, key=_pathway_key)


def _pathway_key(p: Pathway) -> tuple[float, int, tuple[str, ...]]:
    return (round(p.total_years, 6), p.steps, tuple(r.id for r in p.routes))


def shortest_pathway(
    from_level: str,
    to_level: str,
    *,
    specialism_id: str | None = None,
    routes: Sequence[CareerRoute] | None = None,
) -> Pathway | None:
    found = enumerate_pathways(from_level, to_level, specialism_id=specialism_id, routes=routes)
    return found[0] if found else None


def programme_transition(programme_id: str, current_level: str | None = None) -> ProgrammeTransition:
    """Where a programme's trainees end up and after how long: the contract with the projection engine.

    ``programme_id`` is an id of training_programmes.csv (as in the staff frame's training_programme column).
    Duration and exit level come from the programme itself; for a programme with routes from several levels
    (``equivalence``: PTPE, STPE, HSSE; ``stp``: direct entry or in service) ``current_level`` picks the
    route: a person's career level, or their trainee level (trainee_clinical_scientist -> the STP). Without
    it, the route from the lowest level is used. KeyError: an unknown programme, or one no route uses.
    """
    reference.training_programmes()[programme_id]  # an unknown programme is a KeyError, as documented
    candidates = [r for r in career_routes() if r.programme == programme_id]
    if not candidates:
        raise KeyError(f"no career route uses programme {programme_id!r}")
    order = {lv: i for i, lv in enumerate(levels())}
    candidates.sort(key=lambda r: (order.get(r.from_level, 99), r.id))
    chosen = candidates[0]
    if current_level is not None:
        for r in candidates:
            if current_level in (r.from_level, r.trainee_level):
                chosen = r
                break
    # The route's duration is the programme's unless the reference data says the route differs.
    return ProgrammeTransition(
        programme=programme_id,
        entry_level=chosen.from_level,
        exit_level=chosen.to_level,
        duration_years=chosen.duration_years,
        trainee_level=chosen.trainee_level,
    )
