"""The pathways job: career routes from one level to another, shortest total time first (`hcs pathways`, the
pathways page and /api/v1/pathways)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hcsworkforce import reference
from hcsworkforce.analytics import pathways as pw
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope

if TYPE_CHECKING:  # reference data only: no database driver to import for the type
    from hcsworkforce.store import Store

# Words people use for someone not yet in the workforce (a school leaver, a graduate).
NEW_ENTRANT_WORDS = {"new_entrant", "new entrant", "graduate", "school leaver", "none", "entry", "external"}
# The columns of the routes table in a terminal (the JSON and the downloads carry every column).
ROUTE_COLUMNS = [
    "route",
    "name",
    "duration_years",
    "experience_years_required",
    "band_on_exit",
    "entry_requirements",
    "verified",
]
PATHWAY_COLUMNS = [
    "rank",
    "route",
    "steps",
    "training_years",
    "experience_years",
    "total_years",
    "band_on_exit",
    "verified",
]


@dataclass(frozen=True)
class PathwaysQuery:
    """from_level, to_level: a career level id or name, or new_entrant (also "graduate", "school leaver");
    specialism: an id or a spelling of one (None: any); limit: pathways shown, 0 for all."""

    from_level: str = pw.NEW_ENTRANT
    to_level: str = "clinical_scientist"
    specialism: str | None = None
    limit: int = 20


@dataclass
class PathwaysResult:
    from_level: str
    to_level: str
    specialism: str | None
    total: int  # pathways found; `pathways` holds the shortest `limit` of them
    pathways: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Career pathways: {self.from_level} to {self.to_level}"

    def to_json(self) -> dict[str, Any]:
        return {
            "from_level": self.from_level,
            "to_level": self.to_level,
            "specialism": self.specialism,
            "total": self.total,
            "pathways": self.pathways,
            "routes": self.routes,
            "notes": self.notes,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.pathways

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Pathways", self.pathways), ("Routes", self.routes)]


def level_options() -> list[tuple[str, str]]:
    """(id, name) of every level a pathway can start or end at, lowest first."""
    names = {lv.id: lv.name for lv in reference.career_levels().values()}
    names[pw.NEW_ENTRANT] = "New entrant (not yet in the workforce)"
    return [(lv, names.get(lv, lv.replace("_", " "))) for lv in pw.levels()]


def resolve_level(text: str, column: str) -> str:
    """A career level id from an id, a name, or a word for a new entrant; UserInputError otherwise."""
    if text.strip().lower().replace("-", " ") in NEW_ENTRANT_WORDS:
        return pw.NEW_ENTRANT
    level = reference.resolve_career_level(text)
    if level is None or level not in pw.levels():
        raise UserInputError(
            Problem("is not a career level", column=column, value=text[:40], expected=", ".join(pw.levels()))
        )
    return level


def resolve_specialism(text: str | None, column: str = "specialism") -> str | None:
    """A specialism id from an id, a name or an abbreviation of one; None for none; UserInputError otherwise."""
    if text is None or not text.strip():
        return None
    sid, candidates = reference.resolve_specialism(text)
    if sid is None:
        expected = (
            f"one of {', '.join(candidates[:8])}" if candidates else "a specialism (see `hcs reference`)"
        )
        raise UserInputError(
            Problem("is not a specialism", column=column, value=text[:80], expected=expected)
        )
    return sid


def _route_record(r: pw.CareerRoute) -> dict[str, Any]:
    return {
        "route": r.id,
        "name": r.name,
        "programme": r.programme,
        "from_level": r.from_level,
        "to_level": r.to_level,
        "duration_years": r.duration_years,
        "duration_max_years": r.duration_max_years,
        "experience_years_required": r.experience_years_required,
        "band_while_training": r.band_while_training,
        "band_on_exit": r.band_on_exit,
        "entry_requirements": r.entry_requirements,
        "verified": r.verified,
        "source": r.source,
    }


def run(store: Store | None, query: PathwaysQuery, scope: Scope = NATIONAL) -> PathwaysResult:
    """Routes between two career levels, shortest total time first. Reference data only: the same for every
    scope, and no database is read (`store` may be None)."""
    start = resolve_level(query.from_level, "from_level")
    goal = resolve_level(query.to_level, "to_level")
    spec = resolve_specialism(query.specialism)
    if query.limit < 0:
        raise UserInputError(Problem("must be 0 or more", column="limit", value=str(query.limit)))
    found = pw.enumerate_pathways(start, goal, specialism_id=spec)
    shown = found[: query.limit] if query.limit else found
    records = [{"rank": i, **p.to_record()} for i, p in enumerate(shown, start=1)]
    used = {r.id: r for p in shown for r in p.routes}
    notes = [
        f"{len(found)} pathways from {start} to {goal}"
        + (f" open to {spec}" if spec else "")
        + (f"; the {len(shown)} shortest shown" if len(shown) < len(found) else "")
        + ".",
        "total_years = training_years + experience_years: the equivalence routes (PTPE, STPE, HSSE, ACS "
        "Route 2) need years of work at the level before one may apply.",
        "Rows marked unverified or partial rest on assumptions named in reference/data/career_routes.csv.",
    ]
    if not found:
        notes.insert(0, "No pathway: routes only go up the career framework.")
    return PathwaysResult(
        from_level=start,
        to_level=goal,
        specialism=spec,
        total=len(found),
        pathways=records,
        routes=[_route_record(r) for r in used.values()],
        notes=notes,
    )
