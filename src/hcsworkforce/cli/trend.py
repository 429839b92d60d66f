"""`hcs trend METRIC --by DIMS`: each group's metric over the loaded censuses as Making Data Count SPC charts,
and `hcs import-history MANIFEST`: load a monthly history (from `hcs synth --months`) in one go.

Options become a TrendQuery (or HistoryQuery); the work is in services/trend.py and services/history.py.
Rules: docs/trends.md.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import typer

from hcsworkforce import reference
from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit,
    err_console,
    parse_by,
)
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.frames import PROFILE_DIMENSIONS
from hcsworkforce.model.labels import TREND_METRICS
from hcsworkforce.model.scope import NATIONAL, Scope

# The columns of the terminal's Series table (CSV, JSON, XLSX and HTML have every column).
SERIES_COLUMNS = [
    "latest",
    "mean",
    "lower_limit",
    "upper_limit",
    "variation",
    "assurance",
    "special_cause_points",
]


def scope_of(organisation: str | None, region: str | None) -> Scope:
    """--organisation / --region: the view of that organisation or region, as its own users see it (one
    organisation's view of itself suppresses nothing); neither: the nation."""
    if organisation and region:
        raise UserInputError("give --organisation or --region, not both")
    if organisation:
        return Scope("organisation", organisation.strip().upper())
    if not region:
        return NATIONAL
    regions = reference.regions()
    code = (
        region.strip().upper()
        if region.strip().upper() in regions
        else next((c for c, n in regions.items() if n.lower() == region.strip().lower()), None)
    )
    if code is None:
        raise UserInputError(
            f"--region {region!r} is not an NHS England region (expected one of "
            + ", ".join(f"{c} {n}" for c, n in regions.items())
            + ")"
        )
    return Scope("region", code)


def parse_dates(name: str, value: str | None) -> list[date]:
    if not value:
        return []
    out = []
    for part in value.split(","):
        try:
            out.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise UserInputError(f"{name} {part.strip()!r} is not a date (expected YYYY-MM-DD)") from None
    return out


def register(app: typer.Typer) -> None:
    @app.command("trend")
    def trend_cmd(
        metric: str = typer.Argument(
            ..., help="Metric: " + ", ".join(TREND_METRICS) + " (leaver_rate for short)"
        ),
        by: str | None = typer.Option(None, "--by", help="Group by: " + ", ".join(PROFILE_DIMENSIONS)),
        start: str | None = typer.Option(None, "--from", help="First census date (YYYY-MM-DD)"),
        end: str | None = typer.Option(None, "--to", help="Last census date (YYYY-MM-DD)"),
        organisation: str | None = typer.Option(None, "--organisation", help="Only this organisation (ODS)"),
        region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
        improvement: str | None = typer.Option(
            None, "--improvement", help="increase, decrease or neutral (default: the metric's own)"
        ),
        target: float | None = typer.Option(None, "--target", help="Target, for the assurance summary"),
        fix_after: int | None = typer.Option(None, "--fix-after", help="Fix the limits after N points"),
        rebase: str | None = typer.Option(
            None, "--rebase", help="Rebase the limits at these dates (comma list)"
        ),
        no_screen: bool = typer.Option(False, "--no-screen", help="Keep moving ranges above 3.267 x mean"),
        suppress_below: int | None = typer.Option(
            None,
            "--suppress-below",
            help="Suppress points from fewer people (default: the setting, 5; none for one organisation's view)",
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Change over time with SPC (Making Data Count): special causes, variation and assurance per group."""
        from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
        from hcsworkforce.services import trend
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        if improvement is not None and improvement.lower() not in trend.DIRECTIONS:
            raise UserInputError(f"--improvement {improvement!r} is not one of increase, decrease, neutral")
        query = trend.TrendQuery(
            metric=metric,
            by=tuple(parse_by(by, PROFILE_DIMENSIONS)),
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            improvement=improvement,
            target=target,
            fix_after=fix_after,
            rebase_at=tuple(parse_dates("--rebase", rebase)),
            screen=not no_screen,
            suppress_below=get_settings().suppress_below if suppress_below is None else suppress_below,
        )
        result = trend.run(open_store(db), query, scope_of(organisation, region))
        sections: list[tuple[str, Any]] = (
            [("Points", result.records())]
            if fmt == "csv"
            else result.tables()[:1]
            if fmt == "table"
            else result.tables()
        )
        emit(
            fmt,
            out,
            title=result.title,
            sections=sections,
            json_payload=result.to_json(),
            notes=result.notes,
            # The terminal's table; files have every column.
            table_columns={"Series": [*result.keys.columns, *SERIES_COLUMNS]},
        )

    @app.command("import-history")
    def import_history_cmd(
        manifest: Path = typer.Argument(
            ..., help="manifest.json written by `hcs synth --months` (or the folder holding it)"
        ),
        db: str | None = DbOption,
    ) -> None:
        """Load every monthly census of a history (extract, establishment, absence) in one process."""
        from hcsworkforce.services import history  # start-up time: this command's own
        from hcsworkforce.store import open_store

        t0 = time.perf_counter()

        def progress(e: Any, res: Any, absent: Any) -> None:
            extra = f", {absent.episodes:,} absence episodes" if absent else ""
            err_console.print(
                f"Loaded census {e.census_date.isoformat()}: {res.people_in_post:,} people in post, "
                f"{res.leaver_rows:,} leaver rows{extra}",
                highlight=False,
            )

        result = history.run(open_store(db), history.HistoryQuery(manifest), progress=progress)
        err_console.print(f"Loaded {len(result.censuses)} censuses in {time.perf_counter() - t0:.1f} s.")
        for note in result.notes:
            err_console.print(f"  {note}", highlight=False)
