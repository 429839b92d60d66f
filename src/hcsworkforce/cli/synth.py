"""`hcs synth`: a synthetic national extract (or, with --months, a monthly history), deterministic by seed.

`--layout esr` writes what a trust's ESR writes (whole-trust staff in post of every staff group and a separate
leavers report, docs/esr-extracts.md); `--layout warehouse` NHS England's column names; `--layout canonical`
our own columns, healthcare scientists only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import err_console
from hcsworkforce.errors import UserInputError
from hcsworkforce.synth.engagement import synth_directory, synth_survey, write_directory_csv, write_survey_csv
from hcsworkforce.synth.esr import (
    default_leavers_path,
    esr_absences,
    esr_reports,
    expected_counts,
    write_history,
    write_reports,
    write_truth,
)
from hcsworkforce.synth.history import one_census_absences, synthesise_months, write_months
from hcsworkforce.synth.workforce import synthesise, write

# The layout `hcs synth` writes when none is asked for: what a trust's ESR writes, so that the demo and the
# tests walk the road a real file takes (docs/esr-extracts.md).
DEFAULT_LAYOUT = "esr"
LAYOUTS = ("esr", "warehouse", "canonical")  # as synth.esr.LAYOUTS (not imported: it loads numpy and polars)
MAX_ROWS = 10_000_000  # assignments in one report: beyond this the machine runs out of memory, not the user


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
        layout: str = typer.Option(
            DEFAULT_LAYOUT,
            "--layout",
            help="esr: whole-trust ESR staff-in-post and leavers reports of every staff group; warehouse: "
            "the same with NHS England's column names; canonical: our own columns, healthcare scientists only",
        ),
        leavers: Path | None = typer.Option(
            None,
            "--leavers",
            help="Where the leavers report goes (esr/warehouse; default <stem>_leavers.csv next to --out; "
            "with --months a folder or a name with {date} in it)",
        ),
        truth: Path | None = typer.Option(
            None,
            "--truth",
            help="Also write the answer key (JSON): per organisation the HCS headcount, FTE, leavers, other "
            "staff by staff group, bank and honorary, forgotten-group rows, as the generator made them",
        ),
        other_staff_ratio: float | None = typer.Option(
            None,
            "--other-staff-ratio",
            help="Other staff per healthcare scientist in the whole-trust reports (esr/warehouse; default 25)",
        ),
    ) -> None:
        """Write a synthetic national ESR-style extract calibrated to published totals (the rest invented)."""

        ratio = _check_layout(layout, leavers, truth, other_staff_ratio, staff)
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
        if months is not None and layout != "canonical":
            orgs = _write_esr_history(
                months,
                staff,
                seed,
                cdate,
                organisations,
                layout,
                out,
                leavers,
                ratio,
                establishment,
                absence,
                truth,
            )
        elif months is not None:
            orgs = _write_history(months, staff, seed, cdate, organisations, out, establishment, absence)
        elif layout != "canonical":
            orgs = _write_esr(
                staff, seed, cdate, organisations, layout, out, leavers, ratio, establishment, absence, truth
            )
        else:
            result = synthesise(staff=staff, seed=seed, census_date=cdate, orgs=organisations)
            write(result, out, establishment)
            orgs = _report_one(result, out, establishment, absence, staff, seed, cdate)

        if survey:
            rows = synth_survey(seed, orgs)
            write_survey_csv(rows, survey)
            err_console.print(f"Wrote {survey}: {len(rows):,} staff survey results (synthetic)")
        if directory:
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


def _check_layout(
    layout: str, leavers: Path | None, truth: Path | None, ratio: float | None, staff: int
) -> float:
    """Refuse options that do not fit the layout; returns the other-staff ratio to use."""
    if layout not in LAYOUTS:
        raise UserInputError(f"--layout {layout!r} is not a layout (expected one of {', '.join(LAYOUTS)})")
    if layout == "canonical":
        given = [
            o for o, v in (("--leavers", leavers), ("--truth", truth), ("--other-staff-ratio", ratio)) if v
        ]
        if given:
            raise UserInputError(
                f"{', '.join(given)} only go with --layout esr or warehouse (the canonical layout holds "
                "healthcare scientists only, leavers in the same file)"
            )
        return 0.0
    if ratio is None:
        ratio = 25.0
    if not 0 <= ratio <= 100:
        raise UserInputError(f"--other-staff-ratio {ratio:g} must be between 0 and 100")
    rows = staff * (1 + ratio) * 1.1
    if rows > MAX_ROWS:
        raise UserInputError(
            f"--staff {staff:,} with --other-staff-ratio {ratio:g} makes about {rows:,.0f} assignments, more "
            f"than {MAX_ROWS:,} in one report; ask for fewer staff or a lower ratio"
        )
    return ratio


def _write_esr(
    staff: int,
    seed: int,
    cdate: date,
    organisations: int,
    layout: str,
    out: Path,
    leavers: Path | None,
    ratio: float,
    establishment: Path | None,
    absence: Path | None,
    truth: Path | None,
) -> list[str]:
    """One report date in the ESR or warehouse layout: staff in post, leavers, and what else was asked for."""

    leavers_out = leavers or default_leavers_path(out)
    if leavers_out.resolve() == out.resolve():
        raise UserInputError(f"--leavers {leavers_out} is the same file as --out")
    result = synthesise(staff=staff, seed=seed, census_date=cdate, orgs=organisations)
    with err_console.status("Writing the staff-in-post and leavers reports ..."):
        reports = esr_reports(staff, seed, cdate, organisations, ratio, hcs=result)
        n_sip, n_lv = write_reports(reports, layout, out, leavers_out)
    hcs = reports.staff_in_post.filter(reports.staff_in_post["staff_group"] == "Healthcare Scientists").height
    err_console.print(
        f"Wrote {out}: staff in post on {cdate.isoformat()}, {n_sip:,} assignments of every staff group "
        f"({hcs:,} of healthcare scientists, {staff:,} of them in post substantively), {layout} layout; and "
        f"{leavers_out}: {n_lv:,} leavers' assignments of the 12 months to it. Seed {seed}. "
        "Synthetic data: not real people."
    )
    if establishment:
        establishment.parent.mkdir(parents=True, exist_ok=True)
        result.establishment.write_csv(establishment)
        err_console.print(f"Wrote {establishment}: {result.establishment.height:,} establishment lines")
    if absence:
        episodes = esr_absences(one_census_absences(result.extract, cdate, seed))
        absence.parent.mkdir(parents=True, exist_ok=True)
        episodes.write_csv(absence)
        err_console.print(f"Wrote {absence}: {episodes.height:,} sickness absence episodes (synthetic)")
    if truth:
        write_truth(expected_counts(reports), truth)
        err_console.print(f"Wrote {truth}: the answer key (what an importer should count in these reports)")
    return sorted(reports.vpd)


def _write_esr_history(
    months: int,
    staff: int,
    seed: int,
    end: date,
    organisations: int,
    layout: str,
    out: Path,
    leavers: Path | None,
    ratio: float,
    establishment: Path | None,
    absence: Path | None,
    truth: Path | None,
) -> list[str]:
    """A monthly history in the ESR or warehouse layout: per month end a staff-in-post report and the
    month's leavers report, with establishments (and absences) and a manifest.json."""

    if not 1 <= months <= 120:
        raise UserInputError(f"--months {months} must be between 1 and 120")
    for option, target in (("--out", out), ("--leavers", leavers)):
        if target and target.suffix.lower() in (".csv", ".xlsx") and "{date}" not in str(target):
            raise UserInputError(
                f"{option} {target}: with --months, {option} is a folder (or a file name with {{date}} in it), "
                "since one report is written per month"
            )
    leavers_out = leavers or (default_leavers_path(out) if "{date}" in str(out) else out)
    history = synthesise_months(staff, seed, months, end, organisations, absences=absence is not None)
    with err_console.status(f"Writing {months} months of staff-in-post and leavers reports ..."):
        manifest = write_history(history, layout, out, leavers_out, ratio, establishment, absence, truth)
    first, last = history.census_dates[0], history.census_dates[-1]
    err_console.print(
        f"Wrote {months} monthly staff-in-post reports of every staff group ({layout} layout; about {staff:,} "
        f"healthcare scientists and {ratio:g} other staff for each), month ends {first.isoformat()} to "
        f"{last.isoformat()}, each with the month's leavers report and establishment"
        + (" and sickness absence" if absence else "")
        + f"; listed in {manifest}"
        + (f"; the answer key in {truth}" if truth else "")
        + f". Seed {seed}. Synthetic data: not real people."
    )
    return sorted(history.org_names)
