"""`hcs pathways`: the routes from one career level to another, shortest total time first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import Problem, UserInputError

_NEW_ENTRANT_WORDS = {"new_entrant", "new entrant", "graduate", "school leaver", "none", "entry", "external"}


def resolve_level_option(option: str, text: str) -> str:
    from hcsworkforce import reference
    from hcsworkforce.analytics import pathways as pw

    if text.strip().lower().replace("-", " ") in _NEW_ENTRANT_WORDS | {"new_entrant"}:
        return pw.NEW_ENTRANT
    level = reference.resolve_career_level(text)
    if level is None or level not in pw.levels():
        raise UserInputError(
            Problem(f"{option}: not a career level", value=text, expected=", ".join(pw.levels()))
        )
    return level


def resolve_specialism_option(text: str | None) -> str | None:
    from hcsworkforce import reference

    if text is None:
        return None
    sid, candidates = reference.resolve_specialism(text)
    if sid is None:
        expected = (
            f"one of {', '.join(candidates[:8])}" if candidates else "a specialism (see `hcs reference`)"
        )
        raise UserInputError(Problem("--specialism: not a specialism", value=text, expected=expected))
    return sid


def register(app: typer.Typer) -> None:
    @app.command("pathways")
    def pathways(
        from_level: str = typer.Option(..., "--from", help="Start: a career level, or new_entrant"),
        to_level: str = typer.Option(..., "--to", help="Goal: a career level"),
        specialism: str | None = typer.Option(
            None, "--specialism", help="Only routes open to this specialism"
        ),
        limit: int = typer.Option(20, "--limit", help="Show at most this many pathways (0: all)"),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
    ) -> None:
        """Career pathways between levels (apprenticeships, PTP, STP, HSST, equivalence), with total time."""
        from hcsworkforce.analytics import pathways as pw

        check_format(fmt, out)
        start = resolve_level_option("--from", from_level)
        goal = resolve_level_option("--to", to_level)
        spec = resolve_specialism_option(specialism)
        if limit < 0:
            raise UserInputError(f"--limit {limit} must be 0 or more")
        found = pw.enumerate_pathways(start, goal, specialism_id=spec)
        shown = found[:limit] if limit else found
        records = [{"rank": i, **p.to_record()} for i, p in enumerate(shown, start=1)]
        used = {r.id: r for p in shown for r in p.routes}
        routes: list[dict[str, Any]] = [
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
        emit(
            fmt,
            out,
            title=f"Career pathways: {start} to {goal}",
            sections=[("Pathways", records), ("Routes", routes)],
            json_payload={
                "from_level": start,
                "to_level": goal,
                "specialism": spec,
                "total": len(found),
                "pathways": records,
                "routes": routes,
                "notes": notes,
            },
            notes=notes,
            table_columns={
                "Routes": [
                    "route",
                    "name",
                    "duration_years",
                    "experience_years_required",
                    "band_on_exit",
                    "entry_requirements",
                    "verified",
                ]
            },
        )
