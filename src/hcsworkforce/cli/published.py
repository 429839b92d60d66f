"""`hcs import-published FILE` and `hcs published`: the public NHS statistics, imported as published, and
England / a region / an organisation profiled from them alone. Also what `hcs reference update-trusts FILE`
and `hcs benchmark --against published` run (cli/reference.py and cli/benchmark.py call in here).

The work is in hcsworkforce.services.published; this module reads options and renders. docs/published-statistics.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, err_console
from hcsworkforce.cli.importing import parse_date_option
from hcsworkforce.errors import UserInputError
from hcsworkforce.services.published import (
    BENCHMARK_COLUMNS,
    COLUMNS,
    IMPORT_COLUMNS,
    PublishedBenchmarkQuery,
    PublishedProfileQuery,
    import_published,
    run,
    run_benchmark,
)
from hcsworkforce.services.published import (
    update_trusts as refresh_trusts,
)
from hcsworkforce.store import open_store

PUBLISHED_TABLES = ("all", "workforce", "turnover", "sickness", "imports")


def register(app: typer.Typer) -> None:
    @app.command("import-published")
    def import_published_cmd(
        file: Path = typer.Argument(..., help="A published CSV or XLSX file, as downloaded"),
        kind: str | None = typer.Option(
            None, "--kind", help="workforce, turnover, sickness or survey (default: told from the headers)"
        ),
        period: str | None = typer.Option(
            None,
            "--period",
            help="The month (2025-03) or survey year (2024) the file reports, where the file does not say",
        ),
        publication: str | None = typer.Option(
            None,
            "--publication",
            help="The release's name, as the download page gives it (default: the series)",
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Validate and load one published NHS statistics file (workforce statistics, staff turnover, sickness
        absence rates, Staff Survey detailed spreadsheets), replacing the same publication and period."""

        check_format(fmt, out)
        result = import_published(
            open_store(db, migrate=True), file, kind=kind, period=period, publication=publication
        )
        title = f"{result.publication} ({result.layout}) from {result.source_file}"
        notes = [
            f"{result.rows:,} rows, {result.suppressed_cells:,} suppressed cells (kept as suppressed, never 0); "
            f"period from the {result.period_source}.",
            *result.notes,
        ]
        if result.kind == "survey":
            notes.append(f"{result.survey_results:,} rows written to the survey table (`hcs engagement`).")
        emit(
            fmt,
            out,
            title=title,
            sections=[("Loaded", result.periods)],
            json_payload=result.to_json(),
            notes=notes,
        )

    @app.command("published")
    def published_cmd(
        region: str | None = typer.Option(None, "--region", help="Profile one region (Y56 ... or its name)"),
        organisation: str | None = typer.Option(
            None, "--organisation", help="Profile one organisation (ODS code)"
        ),
        by: str = typer.Option("none", "--by", help="none, organisation or region"),
        staff_group: str = typer.Option(
            "all",
            "--staff-group",
            help="all, hcs (healthcare science only), or a published staff group's name",
        ),
        period: str | None = typer.Option(
            None, "--period", help="The latest period up to this month (default: the latest)"
        ),
        table: str = typer.Option(
            "all", "--table", help="Which table (CSV writes one): all, workforce, turnover, sickness, imports"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """What published statistics are loaded, and England / a region / an organisation profiled from them
        alone: FTE, headcount, turnover and sickness absence, by organisation, region and staff group."""

        check_format(fmt, out)
        if table not in PUBLISHED_TABLES:
            raise UserInputError(
                f"--table {table!r} is not a table (expected one of {', '.join(PUBLISHED_TABLES)})"
            )
        query = PublishedProfileQuery(region, organisation, by.strip().lower(), staff_group, period)
        result = run(open_store(db, migrate=True), query)
        sections: list[tuple[str, Sequence[dict[str, Any]]]] = list(result.tables(first=table))
        if table != "all" and fmt != "json":
            sections = sections[:1]
        emit(
            fmt,
            out,
            title=f"Published statistics: {result.scope_label}"
            + (f", by {result.by}" if result.by != "none" else "")
            + (f", staff group {result.staff_group}" if result.staff_group != "all" else ""),
            sections=sections,
            json_payload=result.to_json(),
            notes=result.notes,
            table_columns={
                "Workforce": COLUMNS["workforce"],
                "Turnover": COLUMNS["turnover"],
                "Sickness absence": COLUMNS["sickness"],
                "Loaded publications": IMPORT_COLUMNS,
            },
        )


def update_trusts(file: Path, fmt: str, out: Path | None, db: str | None) -> None:
    """`hcs reference update-trusts FILE`: refresh the trusts list from ODS etr.csv."""

    check_format(fmt, out)
    result = refresh_trusts(open_store(db, migrate=True), file)
    rows = [
        {
            "change": k,
            "count": len(result[k]),
            "codes": ", ".join(result[k][:20]) + (" ..." if len(result[k]) > 20 else ""),
        }
        for k in ("added", "removed", "renamed", "newly_closed", "region_changed")
    ]
    notes = [
        f"{result['trusts']:,} trusts in England now in effect (from {result['file']}); "
        f"{result['outside_england']:,} rows outside NHS England's regions kept out of the list.",
        "Closed trusts stay in the list so that older extracts still resolve.",
    ]
    emit(
        fmt,
        out,
        title="Trusts list refreshed from etr.csv",
        sections=[("Changes", rows)],
        json_payload=result,
        notes=notes,
    )


def benchmark_against_published(
    organisation: str | None,
    census: str | None,
    suppress_below: int,
    fmt: str,
    out: Path | None,
    db: str | None,
) -> None:
    """`hcs benchmark --against published --organisation CODE`."""

    if not organisation:
        raise UserInputError(
            "--against published needs --organisation CODE (the trust to set beside the published figures)"
        )
    query = PublishedBenchmarkQuery(organisation, parse_date_option("--census", census), suppress_below)
    result = run_benchmark(open_store(db, migrate=True), query)
    title = (
        f"{result.organisation_name} ({result.organisation}) healthcare scientists, census "
        f"{result.census_date.isoformat()}, beside published {result.region_name or 'region'} and England figures"
    )
    emit(
        fmt,
        out,
        title=title,
        sections=result.tables(),
        json_payload=result.to_json(),
        notes=result.notes,
        table_columns={"Against published": BENCHMARK_COLUMNS},
    )
    if fmt == "table" and out is None:
        err_console.print("Rates are proportions (0.05 = 5%).", highlight=False)
