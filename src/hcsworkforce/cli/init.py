"""`hcs init`: create or migrate the database, and the installation's pseudonymisation key."""

from __future__ import annotations

import typer

from hcsworkforce.cli._common import DbOption, err_console


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(db: str | None = DbOption) -> None:
        """Create or migrate the database and create the pseudonymisation key (kept outside the database)."""
        from hcsworkforce.ingest.pseudonymise import create_key  # lazy: start-up time of `hcs --help`
        from hcsworkforce.store import open_store  # lazy: SQLAlchemy (start-up time of `hcs --help`)

        store = open_store(db, migrate=True, create=True)  # the one command that makes a new folder for it
        key = create_key()
        err_console.print(f"Database ready: {store.engine.url.render_as_string(hide_password=True)}")
        err_console.print(f"Pseudonymisation key: {key} (keep it safe; it is not in the database)")
