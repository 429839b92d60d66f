"""`hcs pathways`: the routes from one career level to another, shortest total time first."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import FormatOption, OutOption, check_format, emit_result
from hcsworkforce.services import pathways as pathways_service


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
        check_format(fmt, out)
        query = pathways_service.PathwaysQuery(from_level, to_level, specialism, limit)
        result = pathways_service.run(None, query)
        emit_result(fmt, out, result, {"Routes": pathways_service.ROUTE_COLUMNS})
