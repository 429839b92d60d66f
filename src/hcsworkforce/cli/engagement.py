"""`hcs engagement`: staff survey indicators for healthcare science, with intervals and trends."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.settings import get_settings
from hcsworkforce.store import open_store


def register(app: typer.Typer) -> None:
    @app.command("engagement")
    def engagement(
        organisation: str | None = typer.Option(None, "--organisation", help="Only this ODS code"),
        region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
        year: int | None = typer.Option(
            None, "--year", help="Indicators for this year (default: the latest)"
        ),
        group: str = typer.Option(
            "healthcare_scientists", "--group", help="Group: healthcare_scientists or a specialism"
        ),
        suppress_below: int = typer.Option(
            11, "--suppress-below", help="Suppress groups with fewer respondents"
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the flags"),
        db: str | None = DbOption,
        fmt: str = FormatOption,
        out: Path | None = OutOption,
    ) -> None:
        """Engagement for healthcare science against the rest of the organisation and the national average."""
        check_format(fmt, out)
        query = engagement_service.EngagementQuery(
            region=region,
            organisation=organisation,
            year=year,
            group=group,
            suppress_below=suppress_below,
            # Never publish below the installation's own threshold, whatever is asked for.
            installation_suppress_below=get_settings().suppress_below,
            alpha=alpha,
        )
        result = engagement_service.run(open_store(db, migrate=True), query)
        emit(
            fmt,
            out,
            title=result.title,
            sections=result.tables(),
            json_payload=result.to_json(),
            notes=result.notes,
            table_columns={
                "Indicators": engagement_service.INDICATOR_COLUMNS,
                "Trends": engagement_service.TREND_COLUMNS,
            },
        )
