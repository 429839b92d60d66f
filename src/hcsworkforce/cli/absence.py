"""`hcs import-absence FILE --census-date D` and `hcs absence --by DIMS`: load a sickness absence extract
against a census, and report the monthly absence rate (FTE days lost / FTE days available).

Options become an AbsenceQuery (or an import); the work is in services/absence.py (reading and checks in
ingest/absence_file.py, the rate in analytics/absence.py). Definitions: docs/trends.md, section 3.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit_result,
    err_console,
    parse_by,
)
from hcsworkforce.model.frames import PROFILE_DIMENSIONS


def register(app: typer.Typer) -> None:
    @app.command("import-absence")
    def import_absence(
        file: Path = typer.Argument(
            ..., help="Sickness absence extract (CSV or XLSX): staff_id, assignment_id, absence_start, ..."
        ),
        census_date: str = typer.Option(
            ..., "--census-date", help="The loaded census the absences belong to (YYYY-MM-DD)"
        ),
        db: str | None = DbOption,
    ) -> None:
        """Validate an absence extract against a loaded census, then load it. On any error nothing is loaded."""
        from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
        from hcsworkforce.services.absence import import_absences
        from hcsworkforce.store import open_store

        cdate = parse_date_option("--census-date", census_date)
        assert cdate is not None
        store = open_store(db)
        with err_console.status(f"Validating {file.name} ..."):
            result = import_absences(file, store, census_date=cdate)
        verb = "Replaced" if result.replaced else "Loaded"
        err_console.print(
            f"{verb} the sickness absence of census {cdate.isoformat()}: {result.episodes:,} episodes of "
            f"{result.staff_absent:,} people."
        )

    @app.command("absence")
    def absence_cmd(
        by: str | None = typer.Option(None, "--by", help="Group by: " + ", ".join(PROFILE_DIMENSIONS)),
        start: str | None = typer.Option(None, "--from", help="First month (any date in it)"),
        end: str | None = typer.Option(None, "--to", help="Last month (any date in it)"),
        organisation: str | None = typer.Option(None, "--organisation", help="Only this organisation (ODS)"),
        region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
        suppress_below: int | None = typer.Option(
            None, "--suppress-below", help="Suppress groups of fewer people (default: the setting, 5)"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Sickness absence rate per calendar month: FTE days lost / FTE days available, by any dimension."""
        from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
        from hcsworkforce.cli.trend import scope_of
        from hcsworkforce.services import absence
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        query = absence.AbsenceQuery(
            by=tuple(parse_by(by, PROFILE_DIMENSIONS)),
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            suppress_below=get_settings().suppress_below if suppress_below is None else suppress_below,
        )
        result = absence.run(open_store(db), query, scope_of(organisation, region))
        emit_result(fmt, out, result)
