"""The pathways job: career routes between two levels with their total time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError


@dataclass
class PathwaysView:
    from_level: str
    to_level: str
    specialism: str | None
    total: int
    pathways: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def level_options() -> list[tuple[str, str]]:
    from hcsworkforce.analytics import pathways as pw

    names = {lv.id: lv.name for lv in reference.career_levels().values()}
    names[pw.NEW_ENTRANT] = "New entrant (not yet in the workforce)"
    return [(lv, names.get(lv, lv.replace("_", " "))) for lv in pw.levels()]


def pathways(from_level: str, to_level: str, specialism: str | None, limit: int = 20) -> PathwaysView:
    """Routes between two career levels, shortest total time first (`hcs pathways`)."""
    from hcsworkforce.analytics import pathways as pw

    allowed = [k for k, _ in level_options()]
    for col, v in (("from_level", from_level), ("to_level", to_level)):
        if v not in allowed:
            raise UserInputError(
                Problem("is not a career level", column=col, value=v[:40], expected=", ".join(allowed))
            )
    if specialism and specialism not in reference.specialisms():
        raise UserInputError(Problem("is not a specialism", column="specialism", value=specialism[:80]))
    found = pw.enumerate_pathways(from_level, to_level, specialism_id=specialism or None)
    shown = found[:limit]
    records = [{"rank": i, **p.to_record()} for i, p in enumerate(shown, start=1)]
    used = {r.id: r for p in shown for r in p.routes}
    routes = [
        {
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
        for r in used.values()
    ]
    notes = [
        f"{len(found)} pathways"
        + (f"; the {len(shown)} shortest shown" if len(shown) < len(found) else "")
        + ".",
        "Total years = training years + experience years: the equivalence routes need years of work at the "
        "level before one may apply.",
        "Rows marked unverified or partial rest on assumptions named in reference/data/career_routes.csv.",
    ]
    if not found:
        notes.insert(0, "No pathway: routes only go up the career framework.")
    return PathwaysView(from_level, to_level, specialism or None, len(found), records, routes, notes)
