"""`hcs benchmark METRIC`: the funnel job under its older name (`hcs funnel` is the same command); with
--quartiles, the benchmark job (each organisation beside the national quartiles, as the /benchmark page shows
it); with --against published, one organisation beside NHS England's published figures.

Options become a query; the work is in services/funnel.py, services/benchmark.py and services/published.py.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.funnel import ORGANISATION_HELP, PEERS_HELP, SUPPRESS_HELP, run_funnel
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import RATE_METRICS


def run_quartiles(
    metric: str,
    specialism: str | None,
    census: str | None,
    suppress_below: int,
    fmt: str,
    out: Path | None,
    db: str | None,
) -> None:
    """Options -> BenchmarkQuery -> services.benchmark -> output (the /benchmark page's numbers)."""
    from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
    from hcsworkforce.model.labels import metric_label
    from hcsworkforce.services import benchmark
    from hcsworkforce.store import open_store

    query = benchmark.BenchmarkQuery(
        metric, specialism, parse_date_option("--census", census), suppress_below
    )
    result = benchmark.run(open_store(db), query)
    when = result.census_date.isoformat() if result.census_date else "latest census"
    title = f"{metric_label(result.metric)} by organisation, against the national quartiles, census {when}"
    emit(fmt, out, title=title, sections=result.tables(), json_payload=result.to_json(), notes=result.notes)


def register(app: typer.Typer) -> None:
    @app.command("benchmark")
    def benchmark_cmd(
        metric: str | None = typer.Argument(
            None, help="Rate: " + ", ".join(RATE_METRICS) + " (not needed with --against published)"
        ),
        peers: str = typer.Option("nation", "--peers", help=PEERS_HELP),
        region: str | None = typer.Option(
            None, "--region", help="With --peers region: only this region (code)"
        ),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        organisation: str | None = typer.Option(None, "--organisation", help=ORGANISATION_HELP),
        suppress_below: int | None = typer.Option(None, "--suppress-below", help=SUPPRESS_HELP),
        quartiles: bool = typer.Option(
            False,
            "--quartiles",
            help="Each organisation beside the national quartiles (the benchmark page), not a funnel",
        ),
        specialism: str | None = typer.Option(
            None, "--specialism", help="With --quartiles: one specialism's figures (its id)"
        ),
        against: str | None = typer.Option(
            None, "--against", help="published: the organisation beside NHS England's published figures"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """The same as `hcs funnel` (its older name): organisations' rates on a funnel plot (95% and 99.8%
        limits, overdispersion adjusted). With --quartiles, each organisation beside the national quartiles;
        with --against published, one organisation beside the published organisation, region and England."""
        from hcsworkforce.settings import get_settings  # start-up time: settings load on use

        check_format(fmt, out)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        if against is not None:
            if against.strip().lower() != "published":
                raise UserInputError(f"--against {against!r} is not known (expected published)")
            # start-up time: only --against published needs the published statistics
            from hcsworkforce.cli.published import benchmark_against_published

            benchmark_against_published(organisation, census, threshold, fmt, out, db)
            return
        if metric is None:
            raise UserInputError("give a metric: " + ", ".join(RATE_METRICS))
        if quartiles:
            run_quartiles(metric, specialism, census, threshold, fmt, out, db)
            return
        run_funnel(metric, peers, region, census, organisation, threshold, fmt, out, db)
