"""`hcs reference`: the facts that ship with the package, with their sources."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import UserInputError


def register(app: typer.Typer) -> None:
    @app.command("reference")
    def reference_cmd(
        table: str | None = typer.Argument(
            None, help="A reference table (omit to list them), or update-trusts"
        ),
        file: Path | None = typer.Argument(None, help="With update-trusts: the ODS etr.csv file"),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """List the reference tables with their sources, or show one (specialisms, career_levels, trusts ...).
        `hcs reference update-trusts etr.csv` refreshes the trusts list from the ODS file."""
        from hcsworkforce.services import reference  # start-up time: this command's own

        if table == "update-trusts":
            from hcsworkforce.cli.published import update_trusts  # start-up time: the published module

            if file is None:
                raise UserInputError(
                    "update-trusts needs the ODS etr.csv file: hcs reference update-trusts etr.csv"
                )
            update_trusts(file, fmt, out, db)
            return
        check_format(fmt, out)
        if table is None:
            res = reference.sources()
            emit(
                fmt,
                out,
                title="Reference tables",
                sections=res.tables(),
                json_payload=res.to_json(),
                notes=res.notes,
                table_columns={"Reference tables": ["table", "rows", "as_of", "verified"]},
            )
            return
        rows = reference.table(table)
        cols = None
        if fmt == "table":
            cols = [c for c in rows[0] if c not in ("source", "notes", "aliases")] if rows else None
        emit(
            fmt,
            out,
            title=table,
            sections=[(table, rows)],
            json_payload=rows,
            table_columns={table: cols} if cols else None,
        )
