"""`hcs leadership` and `hcs likely-hcs`: senior healthcare science posts against headcount, beside nursing
and AHPs, and the people in other staff groups who look like healthcare scientists (docs/discovery.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.importing import parse_date_option
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.discovery import LEADERSHIP_TITLE, DiscoveryQuery, LeadershipQuery, run, run_likely
from hcsworkforce.settings import get_settings
from hcsworkforce.store import open_store

# What the terminal table shows (the CSV, XLSX and JSON carry every column).
TABLE_COLUMNS = (
    "level",
    "organisation_code",
    "region_name",
    "hcs_headcount",
    "hcs_senior_headcount",
    "hcs_consultant_headcount",
    "hcs_senior_per_100_headcount",
    "has_hcs_lead",
    "nursing_senior_per_100_headcount",
    "ahp_senior_per_100_headcount",
)


def _scope(organisation: str | None, region: str | None) -> Scope:
    if organisation and region:
        raise UserInputError("give --organisation or --region, not both")
    if organisation:
        return Scope("organisation", organisation.strip().upper())
    if region:
        return Scope("region", region.strip().upper())
    return Scope()


def register(app: typer.Typer) -> None:
    @app.command("leadership")
    def leadership_cmd(
        organisation: str | None = typer.Option(None, "--organisation", help="Only this ODS code"),
        region: str | None = typer.Option(None, "--region", help="Only this NHS England region (code, Y56)"),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        suppress_below: int | None = typer.Option(
            None,
            "--suppress-below",
            help="Blank counts under this across organisations (default: setting, 5)",
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Senior HCS posts (band 8c+, consultant clinical scientists, an HCS lead) per organisation, region
        and England, against HCS headcount, beside nursing and AHPs where the extract carries them."""
        check_format(fmt, out)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        query = LeadershipQuery(threshold, census_date=parse_date_option("--census", census))
        result = run(open_store(db, migrate=True), query, _scope(organisation, region))
        emit(
            fmt,
            out,
            title="Healthcare science leadership",
            sections=result.tables(),
            json_payload=result.to_json(),
            notes=result.notes,
            table_columns={LEADERSHIP_TITLE: list(TABLE_COLUMNS)},
        )

    @app.command("likely-hcs")
    def likely_cmd(
        organisation: str | None = typer.Option(None, "--organisation", help="Only this ODS code"),
        region: str | None = typer.Option(None, "--region", help="Only this NHS England region (code, Y56)"),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Rows of other staff groups that look like healthcare scientists, with the evidence, for the trust
        to recode in ESR (listed for one organisation; counted across organisations)."""
        check_format(fmt, out)
        query = DiscoveryQuery(
            get_settings().suppress_below, census_date=parse_date_option("--census", census)
        )
        result = run_likely(open_store(db, migrate=True), query, _scope(organisation, region))
        emit(
            fmt,
            out,
            title="Likely healthcare scientists in other staff groups",
            sections=result.tables(),
            json_payload=result.to_json(),
            notes=result.notes,
        )
