"""`hcs pack --organisation ODS --out DIR`: a trust's board pack, as a self-contained HTML page that prints to
A4 and an XLSX in the Analysis Function style. Options become a PackQuery; the figures come from
services/pack.py, the drawing from report/pack.py."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, err_console
from hcsworkforce.errors import UserInputError


def register(app: typer.Typer) -> None:
    @app.command("pack")
    def pack_cmd(
        organisation: str = typer.Option(..., "--organisation", help="ODS code of the organisation"),
        out: Path = typer.Option(..., "--out", "-o", help="Folder to write the HTML and XLSX into"),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        suppress_below: int | None = typer.Option(
            None, "--suppress-below", help="Suppress other organisations' small counts (default: setting, 5)"
        ),
        db: str | None = DbOption,
    ) -> None:
        """A board pack: headline figures with variation, SPC charts, funnels, age, trainees, key people."""
        from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
        from hcsworkforce.report.pack import write_pack
        from hcsworkforce.services import pack as packs
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        if out.exists() and not out.is_dir():
            raise UserInputError(f"--out {out} is a file; give a folder for the pack")
        query = packs.PackQuery(
            organisation=organisation,
            census_date=parse_date_option("--census", census),
            suppress_below=get_settings().suppress_below if suppress_below is None else suppress_below,
        )
        store = open_store(db)
        with err_console.status(f"Building the board pack for {organisation.upper()} ..."):
            pack = packs.run(store, query)
            page, book = write_pack(pack, out)
        err_console.print(
            f"Wrote {page} (prints to A4) and {book}: {pack.organisation_name}, census "
            f"{pack.census_date.isoformat()}, {len(pack.censuses)} censuses, {len(pack.trends)} SPC charts, "
            f"{len(pack.funnels)} funnels."
        )
