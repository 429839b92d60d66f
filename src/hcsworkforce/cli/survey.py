"""`hcs survey import`: validate staff survey results completely, then load them in one transaction."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, err_console

survey_app = typer.Typer(help="Staff survey results: import them for `hcs engagement`.")


@survey_app.command("import")
def import_survey(
    file: Path = typer.Argument(..., help="Survey results: CSV or XLSX (see docs/people.md for the columns)"),
    db: str | None = DbOption,
) -> None:
    """Load survey results. On any error nothing is loaded and every problem is listed."""
    from hcsworkforce.ingest.survey import read_survey, to_store_rows
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import replace_survey_results

    parsed = read_survey(file)  # raises before the database is touched
    store = open_store(db, migrate=True)
    new, replaced = replace_survey_results(store, to_store_rows(parsed.results), parsed.file)
    orgs = len({r.organisation_code for r in parsed.results})
    years = sorted({r.year for r in parsed.results})
    err_console.print(
        f"Loaded {len(parsed.results):,} survey results ({new:,} new, {replaced:,} replaced) for {orgs:,} "
        f"organisations, years {years[0]}-{years[-1]}."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
