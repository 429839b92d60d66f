"""`hcs import`: validate an extract completely, then load it as one census."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, err_console
from hcsworkforce.errors import UserInputError


def parse_date_option(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserInputError(f"{name} {value!r} is not a date (expected YYYY-MM-DD)") from None


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Path = typer.Argument(
            ..., help="Workforce extract: CSV (any common encoding/delimiter) or XLSX"
        ),
        establishment: Path | None = typer.Option(
            None, "--establishment", help="Funded posts file (CSV or XLSX)"
        ),
        census_date: str | None = typer.Option(
            None, "--census-date", help="Date of the census (default today)"
        ),
        organisation: str | None = typer.Option(
            None,
            "--organisation",
            help="Replace only this organisation's rows of the census (a trust loading into a shared database)",
        ),
        db: str | None = DbOption,
    ) -> None:
        """Validate and load an extract. On any error nothing is loaded and every problem is listed."""
        from hcsworkforce.ingest import import_extract
        from hcsworkforce.store import open_store

        cdate = parse_date_option("--census-date", census_date)
        if cdate is None:
            cdate = date.today()
            err_console.print(f"No --census-date given: using today, {cdate.isoformat()}.")
        store = open_store(db)
        if not store.is_initialised():
            store.migrate()
        with err_console.status(f"Validating {file.name} ..."):
            result = import_extract(
                file,
                store,
                census_date=cdate,
                establishment=establishment,
                organisation=organisation.strip().upper() if organisation else None,
            )
        verb = "Replaced" if result.replaced else "Loaded"
        err_console.print(
            f"{verb} census {result.census_date.isoformat()}: {result.assignments_in_post:,} assignments held by "
            f"{result.people_in_post:,} people in {result.organisations:,} organisations; "
            f"{result.leaver_rows:,} leaver rows; {result.establishment_rows:,} establishment lines."
        )
        warnings = [f for f in result.findings if f["severity"] == "warning"]
        if warnings:
            err_console.print("Data-quality findings (loaded, worth a look; `hcs quality` lists them all):")
            for f in warnings:
                ex = f", e.g. {', '.join(map(str, f['examples'][:5]))}" if f["examples"] else ""
                err_console.print(f"  - {f['count']:,} {f['detail']}{ex}", highlight=False)
