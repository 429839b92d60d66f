"""`hcs survey import`: validate staff survey results completely, then load them in one transaction."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, err_console
from hcsworkforce.ingest.survey import read_survey
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.store import open_store

survey_app = typer.Typer(help="Staff survey results: import them for `hcs engagement`.")


@survey_app.command("import")
def import_survey(
    file: Path = typer.Argument(..., help="Survey results: CSV or XLSX (see docs/people.md for the columns)"),
    db: str | None = DbOption,
) -> None:
    """Load survey results. On any error nothing is loaded and every problem is listed."""
    parsed = read_survey(file)  # raises before the database is touched
    loaded = engagement_service.load_survey(open_store(db, migrate=True), parsed)
    err_console.print(loaded.summary())


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
