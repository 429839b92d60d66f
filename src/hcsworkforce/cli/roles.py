"""`hcs roles match` and `hcs roles gaps`: role redesign against training programme outcomes.

A role file is YAML (one role, or ``roles:`` a list) or a CSV/XLSX with columns competency and level (and
role, specialism to hold several roles); ingest/roles_file.py reads it and reports every problem at once.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit_result
from hcsworkforce.services import roles as roles_service
from hcsworkforce.store import open_store

roles_app = typer.Typer(help="Role redesign: match roles to training programmes; find roles no one can fill.")


@roles_app.command("match")
def match(
    role_file: Path | None = typer.Argument(None, help="Role file: YAML, CSV or XLSX (competency, level)"),
    specialism: str | None = typer.Option(None, "--specialism", help="Without a file: a specialism's role"),
    level: str | None = typer.Option(None, "--level", help="Without a file: the career level of that role"),
    from_level: str = typer.Option("new_entrant", "--from", help="Rank pathways from this level too"),
    limit: int = typer.Option(10, "--limit", help="Pathways shown (0: all)"),
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Rank training programmes and pathways by how much of a role their outcomes cover."""
    check_format(fmt, out)
    query = roles_service.RolesMatchQuery(
        role_files=(role_file,) if role_file else (),
        specialism=specialism,
        level=level,
        from_level=from_level,
        limit=limit,
    )
    result = roles_service.run_match(query)
    emit_result(fmt, out, result)


@roles_app.command("gaps")
def gaps(
    organisation: str = typer.Option(..., "--organisation", help="ODS code of the organisation"),
    role: list[Path] | None = typer.Option(
        None, "--role", help="Role file(s); default: each specialism's roles"
    ),
    nearest: int = typer.Option(3, "--nearest", help="Nearest staff listed per unfilled role"),
    all_roles: bool = typer.Option(False, "--all", help="List roles that can be filled too"),
    db: str | None = DbOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Roles no one in post can fill now, with the quickest upskilling route for the nearest staff."""
    check_format(fmt, out)
    query = roles_service.RolesGapsQuery(
        organisation=organisation,
        role_files=tuple(role or ()),
        nearest=nearest,
        include_fillable=all_roles,
    )
    result = roles_service.run_gaps(open_store(db), query)
    emit_result(fmt, out, result)


def register(app: typer.Typer) -> None:
    app.add_typer(roles_app, name="roles")
