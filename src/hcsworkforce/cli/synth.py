"""`hcs synth`: a synthetic national extract (or, with --months, a monthly history), deterministic by seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import err_console
from hcsworkforce.errors import UserInputError


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: Path = typer.Option(
            ...,
            "--out",
            "-o",
            help="Extract to write (.csv or .xlsx); with --months a folder, or a name with {date} in it",
        ),
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
        months: int | None = typer.Option(
            None,
            "--months",
            help="Write N monthly extracts (month-end censuses ending in --census-date's month), "
            "with establishments and a manifest.json for `hcs import-history`",
        ),
        absence: Path | None = typer.Option(
            None,
            "--absence",
            help="Also write synthetic sickness absence (with --months: a folder, one extract a month)",
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
        if months is not None:
            orgs = _write_history(months, staff, seed, cdate, organisations, out, establishment, absence)
        else:
            result = synthesise(staff=staff, seed=seed, census_date=cdate, orgs=organisations)
            write(result, out, establishment)
            orgs = _report_one(result, out, establishment, absence, staff, seed, cdate)

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


def _report_one(
    result: Any,
    out: Path,
    establishment: Path | None,
    absence: Path | None,
    staff: int,
    seed: int,
    cdate: date,
) -> list[str]:
    err_console.print(
        f"Wrote {out}: {result.extract.height:,} rows ({staff:,} people in post and "
        f"{result.extract['Termination Date'].is_not_null().sum():,} leavers of the last 12 months), "
        f"census date {cdate.isoformat()}, seed {seed}. Synthetic data: not real people."
    )
    if establishment:
        err_console.print(f"Wrote {establishment}: {result.establishment.height:,} establishment lines")
    if absence:
        from hcsworkforce.synth.history import one_census_absences

        episodes = one_census_absences(result.extract, cdate, seed)
        absence.parent.mkdir(parents=True, exist_ok=True)
        episodes.write_csv(absence)
        err_console.print(
            f"Wrote {absence}: {episodes.height:,} sickness absence episodes of the 12 months to "
            f"{cdate.isoformat()} (synthetic); load it with `hcs import-absence {absence} --census-date "
            f"{cdate.isoformat()}`"
        )
    return sorted(set(result.extract["Organisation"].to_list()))


def _write_history(
    months: int,
    staff: int,
    seed: int,
    end: date,
    organisations: int,
    out: Path,
    establishment: Path | None,
    absence: Path | None,
) -> list[str]:
    """Write the monthly history; returns the organisations employing staff (for --survey / --directory)."""
    from hcsworkforce.synth.history import synthesise_months, write_months

    if not 1 <= months <= 120:
        raise UserInputError(f"--months {months} must be between 1 and 120")
    if out.suffix.lower() in (".csv", ".xlsx") and "{date}" not in str(out):
        raise UserInputError(
            f"--out {out}: with --months, --out is a folder (or a file name with {{date}} in it), "
            "since one extract is written per month"
        )
    history = synthesise_months(staff, seed, months, end, organisations, absences=absence is not None)
    with err_console.status(f"Writing {months} monthly extracts ..."):
        manifest = write_months(history, out, establishment, absence)
    first, last = history.census_dates[0], history.census_dates[-1]
    err_console.print(
        f"Wrote {months} monthly extracts of about {staff:,} people in post, censuses {first.isoformat()} to "
        f"{last.isoformat()} (month ends), each with its establishment"
        + (" and sickness absence" if absence else "")
        + f"; listed in {manifest}. Seed {seed}. Synthetic data: not real people."
    )
    for s in history.shifts:
        until = f" to {s.end.isoformat()}" if s.end else " onwards"
        err_console.print(
            f"  planted: {s.kind} at {s.organisation} ({history.org_names.get(s.organisation)}) from "
            f"{s.start.isoformat()}{until}: {s.detail}",
            highlight=False,
        )
    err_console.print(f"Load them all with `hcs import-history {manifest}`.")
    return sorted(history.org_names)
