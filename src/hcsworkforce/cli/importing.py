"""`hcs import`: validate an extract completely, then load it as one census."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, OutOption, check_format, emit, err_console
from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest import esr
from hcsworkforce.ingest.extract import EsrOptions
from hcsworkforce.report.tabular import finding_example
from hcsworkforce.services import imports
from hcsworkforce.store import open_store


def parse_date_option(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserInputError(f"{name} {value!r} is not a date (expected YYYY-MM-DD)") from None


# Findings worth a line after every import, warnings or not: what was loaded apart and what was not loaded.
_ALWAYS_SHOWN = (
    "healthcare_scientists_found",
    "other_staff_groups",
    "leavers_report_other_staff_groups",
    "bank_assignments",
    "honorary_assignments",
    "in_post_not_available",
)


def esr_options(vpd_map: Path | None, hcs_rules: Path | None, area_map: Path | None) -> EsrOptions:
    """The local files a trust adds to the shipped ESR rules (docs/esr-extracts.md)."""
    return EsrOptions(
        rules=esr.read_rules(hcs_rules),
        vpd_map=esr.read_vpd_map(vpd_map),
        area_map=esr.read_area_map(area_map),
    )


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Path = typer.Argument(
            ...,
            help="Staff-in-post report or extract: CSV (any common encoding/delimiter) or XLSX; every staff "
            "group may be in it (docs/esr-extracts.md)",
        ),
        leavers: Path | None = typer.Option(
            None, "--leavers", help="ESR's separate leavers report for the period to the census date"
        ),
        establishment: Path | None = typer.Option(
            None, "--establishment", help="Funded posts file (CSV or XLSX)"
        ),
        census_date: str | None = typer.Option(
            None,
            "--census-date",
            help="Date of the census (YYYY-MM-DD). Default: the file's own report date; an import with "
            "neither is refused",
        ),
        organisation: str | None = typer.Option(
            None,
            "--organisation",
            help="Replace only this organisation's rows of the census (a trust loading into a shared "
            "database); also the organisation of rows whose ESR hierarchy names none",
        ),
        vpd_map: Path | None = typer.Option(
            None, "--vpd-map", help="CSV vpd_code,organisation_code: ESR VPD numbers of your employers"
        ),
        hcs_rules: Path | None = typer.Option(
            None,
            "--hcs-rules",
            help="CSV field,value,decision: local rules for who is a healthcare scientist (first match wins)",
        ),
        area_map: Path | None = typer.Option(
            None,
            "--area-map",
            help="CSV area_of_work,specialism: your Area of Work values mapped to specialisms",
        ),
        db: str | None = DbOption,
        fmt: str = typer.Option(
            "table",
            "--format",
            "-f",
            help="table: a summary on stderr; json, csv, xlsx or html: what was loaded and the findings",
        ),
        out: Path | None = OutOption,
    ) -> None:
        """Validate and load a staff-in-post report (and its leavers report). On any error nothing is loaded
        and every problem is listed."""
        check_format(fmt, out)
        query = imports.ImportQuery(
            path=file,
            census_date=parse_date_option("--census-date", census_date),
            leavers=leavers,
            establishment=establishment,
            organisation=organisation.strip().upper() if organisation else None,
            options=esr_options(vpd_map, hcs_rules, area_map),
        )
        # Upgrade to every head: a database made by an older version gains the tables this one writes.
        store = open_store(db, migrate=True)
        with err_console.status(f"Validating {file.name} ..."):
            result = imports.run(store, query)
        if fmt != "table":
            emit(fmt, out, title="Import", sections=result.tables(), json_payload=result.to_json())
            return
        _summary(result)


def _summary(result: imports.ImportResult) -> None:
    """What was loaded, in a sentence, and the findings worth a look."""
    verb = "Replaced" if result.replaced else "Loaded"
    dated = "" if result.census_date_from == "given" else f" (dated from {result.census_date_from})"
    err_console.print(
        f"{verb} census {result.census_date.isoformat()}{dated}: {result.assignments_in_post:,} "
        f"assignments held by {result.people_in_post:,} healthcare scientists in "
        f"{result.organisations:,} organisations; {result.leaver_rows:,} leaver rows; "
        f"{result.establishment_rows:,} establishment lines.",
        highlight=False,
    )
    for f in result.findings:
        if f["check"] in _ALWAYS_SHOWN:
            err_console.print(f"  {f['detail']}.", highlight=False)
    warnings = [f for f in result.findings if f["severity"] == "warning"]
    if warnings:
        err_console.print("Data-quality findings (loaded, worth a look; `hcs quality` lists them all):")
        for f in warnings:
            # Likely healthcare scientists carry long evidence: two examples here, all in `hcs likely-hcs`.
            n = 2 if f["check"] == "likely_hcs_in_other_staff_group" else 5
            ex = f", e.g. {'; '.join(finding_example(e) for e in f['examples'][:n])}" if f["examples"] else ""
            err_console.print(f"  - {f['count']:,} {f['detail']}{ex}", highlight=False)
