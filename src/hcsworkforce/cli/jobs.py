"""`hcs jobs purge`: clear the results and parameters of runs older than the retention period."""

from __future__ import annotations

import typer

from hcsworkforce.cli._common import DbOption, out_console

jobs_app = typer.Typer(
    help="The web application's runs (imports, projections ...): retention.", no_args_is_help=True
)


@jobs_app.command("purge")
def purge(
    days: int | None = typer.Option(
        None,
        "--days",
        min=1,
        help="Keep this many days of results (default: the job_result_days setting, 30)",
    ),
    db: str | None = DbOption,
) -> None:
    """Clear the result and parameters of every run that finished more than DAYS days ago (its status stays)."""
    from hcsworkforce.services import jobs  # lazy: SQLAlchemy (start-up time of `hcs --help`)
    from hcsworkforce.settings import get_settings
    from hcsworkforce.store import open_store

    keep = days or get_settings().job_result_days
    cleared = jobs.purge_results(open_store(db, migrate=True), keep)
    out_console.print(
        f"Cleared the results of {cleared:,} run{'s' if cleared != 1 else ''} that finished more than {keep} days ago"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
