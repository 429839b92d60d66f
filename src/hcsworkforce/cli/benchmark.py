"""`hcs benchmark METRIC --peers region|nation|LIST`: each organisation's rate on a funnel plot against its peers.

The work is in hcsworkforce.services.trends (Spiegelhalter 2005, with overdispersion); this module reads
options and renders. Formulas and JSON shape: docs/trends.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import UserInputError
from hcsworkforce.services.trends import (
    BENCHMARK_COLUMNS,
    FUNNEL_COLUMNS,
    RATE_METRICS,
    build_benchmark,
    check_metric,
    counts_for,
)

__all__ = ["build_benchmark", "counts_for", "register"]


def register(app: typer.Typer) -> None:
    @app.command("benchmark")
    def benchmark_cmd(
        metric: str | None = typer.Argument(
            None, help="Rate: " + ", ".join(RATE_METRICS) + " (not needed with --against published)"
        ),
        peers: str = typer.Option(
            "nation", "--peers", help="nation, region (a funnel per region), or a comma list of ODS codes"
        ),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        organisation: str | None = typer.Option(
            None, "--organisation", help="Show this organisation first (its peers stay in the funnel)"
        ),
        suppress_below: int | None = typer.Option(
            None,
            "--suppress-below",
            help="Suppress organisations with counts below this (default: setting, 5)",
        ),
        against: str | None = typer.Option(
            None, "--against", help="published: the organisation beside NHS England's published figures"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Compare organisations' rates on a funnel plot (95% and 99.8% limits, overdispersion adjusted);
        with --against published, one organisation beside the published organisation, region and England."""
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.services.trends import run_benchmark
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        if against is not None:
            if against.strip().lower() != "published":
                raise UserInputError(f"--against {against!r} is not known (expected published)")
            from hcsworkforce.cli.published import benchmark_against_published

            benchmark_against_published(organisation, census, threshold, fmt, out, db)
            return
        if metric is None:
            raise UserInputError("give a metric: " + ", ".join(RATE_METRICS))
        m = check_metric(metric, list(RATE_METRICS))
        result = run_benchmark(
            open_store(db),
            m,
            peers=peers,
            census_date=parse_date_option("--census", census),
            suppress_below=threshold,
            highlight=organisation,
        )
        title = f"{m}: organisations against {peers} peers, census {result.census_date.isoformat()}"
        sections: list[tuple[str, Any]] = [("Organisations", result.organisations)]
        if fmt != "csv":
            sections.append(("Funnels", result.funnel_rows()))
        emit(
            fmt,
            out,
            title=title,
            sections=sections,
            json_payload=result.to_dict(),
            notes=result.notes,
            table_columns={"Organisations": BENCHMARK_COLUMNS, "Funnels": FUNNEL_COLUMNS},
        )
