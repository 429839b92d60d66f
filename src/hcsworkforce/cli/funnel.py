"""`hcs funnel METRIC --peers nation|region|LIST`: each organisation's rate on a funnel plot against its peers
(`hcs benchmark METRIC` is the same command under its older name).

Options become a FunnelQuery; the work is in services/funnel.py (Spiegelhalter 2005, with overdispersion).
Formulas and JSON shape: docs/trends.md.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit_result
from hcsworkforce.model.labels import RATE_METRICS

# The columns the terminal table shows (the CSV, JSON and XLSX have them all).
TABLE_COLUMNS = {
    "Organisations": [
        "organisation",
        "peer_group",
        "numerator",
        "denominator",
        "rate",
        "lower_998",
        "upper_998",
        "outside_95",
        "flag",
        "rank",
        "quartile",
        "suppressed",
    ],
    "Funnels": [
        "peer_group",
        "organisations",
        "pooled_rate",
        "phi",
        "overdispersion_applied",
        "flagged_high",
        "flagged_low",
    ],
}
METRIC_HELP = "Rate: " + ", ".join(RATE_METRICS)
PEERS_HELP = "nation, region (a funnel per region), or a comma list of ODS codes"
ORGANISATION_HELP = "Show this organisation first (its peers stay in the funnel)"
SUPPRESS_HELP = "Suppress organisations with counts below this (default: setting, 5)"


def run_funnel(
    metric: str,
    peers: str,
    region: str | None,
    census: str | None,
    organisation: str | None,
    suppress_below: int | None,
    fmt: str,
    out: Path | None,
    db: str | None,
) -> None:
    """Options -> FunnelQuery -> services.funnel -> output: `hcs funnel` and `hcs benchmark` both."""
    from hcsworkforce.cli.importing import parse_date_option  # start-up time: this command's own
    from hcsworkforce.services import funnel
    from hcsworkforce.settings import get_settings
    from hcsworkforce.store import open_store

    check_format(fmt, out)
    query = funnel.FunnelQuery(
        metric=metric,
        peers=peers,
        region=region,
        census_date=parse_date_option("--census", census),
        highlight=organisation,
        suppress_below=get_settings().suppress_below if suppress_below is None else suppress_below,
    )
    result = funnel.run(open_store(db), query)
    emit_result(fmt, out, result, TABLE_COLUMNS)


def register(app: typer.Typer) -> None:
    @app.command("funnel")
    def funnel_cmd(
        metric: str = typer.Argument(..., help=METRIC_HELP),
        peers: str = typer.Option("nation", "--peers", help=PEERS_HELP),
        region: str | None = typer.Option(
            None, "--region", help="With --peers region: only this region (code)"
        ),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        organisation: str | None = typer.Option(None, "--organisation", help=ORGANISATION_HELP),
        suppress_below: int | None = typer.Option(None, "--suppress-below", help=SUPPRESS_HELP),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Compare organisations' rates on a funnel plot (95% and 99.8% limits, overdispersion adjusted)."""
        run_funnel(metric, peers, region, census, organisation, suppress_below, fmt, out, db)
