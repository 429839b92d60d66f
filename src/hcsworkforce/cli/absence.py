"""`hcs import-absence FILE --census-date D` and `hcs absence --by DIMS`: load a sickness absence extract
against a census, and report the monthly absence rate (FTE days lost / FTE days available).

Loading and checks: hcsworkforce.ingest.absence_file; the rate: hcsworkforce.services.trends (over
analytics.absence). Definitions: docs/trends.md, section 3.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit,
    err_console,
    parse_by,
)
from hcsworkforce.errors import UserInputError
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
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.ingest.absence_file import import_absences
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
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.cli.profile import _scope
        from hcsworkforce.services.trends import absence_history, absence_records
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        dims = parse_by(by, PROFILE_DIMENSIONS)
        scope = _scope(organisation, region)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        if not scope.crosses_organisations() and suppress_below is None:
            threshold = 0  # an organisation's view of itself leaves nothing out
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        rows = absence_history(
            store,
            dims,
            scope=scope,
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
        )
        if rows.height == 0:
            raise UserInputError(
                "no sickness absence loaded for the period and scope asked for: "
                "run `hcs import-absence FILE --census-date DATE` first"
            )
        records = absence_records(rows, dims, suppress_below=threshold)
        where = "England" if scope.kind == "national" else f"{scope.kind} {scope.code}"
        first, last = records[0]["month"], records[-1]["month"]
        title = (
            f"Sickness absence rate by {', '.join(dims) or 'month'}, {where}, {first:%B %Y} to {last:%B %Y}"
        )
        notes = [
            "Absence rate = FTE days lost / FTE days available in the month, calendar days, as NHS Digital's "
            "NHS Sickness Absence Rates count them (docs/trends.md).",
            "census_date: the census whose absence extract reports the month.",
        ]
        if threshold:
            notes.append(f"Groups with fewer than {threshold} people absent or in post are suppressed.")
        emit(
            fmt,
            out,
            title=title,
            sections=[("Absence", records)],
            json_payload={"by": dims, "suppress_below": threshold, "months": records},
            notes=notes,
        )
