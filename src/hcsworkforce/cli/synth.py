"""`hcs synth`: a synthetic national extract, deterministic by seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from hcsworkforce.cli._common import err_console
from hcsworkforce.errors import UserInputError


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: Path = typer.Option(..., "--out", "-o", help="Extract to write (.csv or .xlsx)"),
        staff: int = typer.Option(60_000, "--staff", help="People in post"),
        seed: int = typer.Option(2025, "--seed", help="Random seed: the same seed gives the same file"),
        establishment: Path | None = typer.Option(
            None, "--establishment", help="Also write an establishment CSV"
        ),
        census_date: str = typer.Option("2025-03-31", "--census-date", help="Census date of the extract"),
        organisations: int = typer.Option(
            200, "--organisations", help="How many NHS trusts employ the staff"
        ),
        survey: Path | None = typer.Option(
            None, "--survey", help="Also write synthetic staff survey results (CSV)"
        ),
        directory: Path | None = typer.Option(
            None, "--directory", help="Also write a synthetic key-people directory"
        ),
    ) -> None:
        """Write a synthetic national ESR-style extract calibrated to published totals (the rest invented)."""
        from hcsworkforce.synth.workforce import synthesise, write

        if staff < 1:
            raise UserInputError(f"--staff {staff} must be at least 1")
        if not 1 <= organisations <= 200:
            raise UserInputError(f"--organisations {organisations} must be between 1 and 200")
        try:
            cdate = date.fromisoformat(census_date)
        except ValueError:
            raise UserInputError(
                f"--census-date {census_date!r} is not a date (expected YYYY-MM-DD)"
            ) from None
        result = synthesise(staff=staff, seed=seed, census_date=cdate, orgs=organisations)
        write(result, out, establishment)
        err_console.print(
            f"Wrote {out}: {result.extract.height:,} rows ({staff:,} people in post and "
            f"{result.extract['Termination Date'].is_not_null().sum():,} leavers of the last 12 months), "
            f"census date {cdate.isoformat()}, seed {seed}. Synthetic data: not real people."
        )
        if establishment:
            err_console.print(f"Wrote {establishment}: {result.establishment.height:,} establishment lines")
        orgs = sorted(set(result.extract["Organisation"].to_list()))
        if survey:
            from hcsworkforce.synth.engagement import synth_survey, write_survey_csv

            rows = synth_survey(seed, orgs)
            write_survey_csv(rows, survey)
            err_console.print(f"Wrote {survey}: {len(rows):,} staff survey results (synthetic)")
        if directory:
            from hcsworkforce.synth.engagement import synth_directory, write_directory_csv

            entries = synth_directory(seed, orgs, cdate)
            write_directory_csv(entries, directory)
            err_console.print(f"Wrote {directory}: {len(entries):,} key-people entries (synthetic names)")
