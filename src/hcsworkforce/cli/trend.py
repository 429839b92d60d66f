"""`hcs trend METRIC --by DIMS`: each group's metric over the loaded censuses as Making Data Count SPC charts,
and `hcs import-history MANIFEST`: load a monthly history (from `hcs synth --months`) in one go.

The work is in hcsworkforce.services.trends; this module reads options and renders. Rules: docs/trends.md.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import typer

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
from hcsworkforce.services.trends import METRICS, RATE_METRICS, CensusRows, build_trend, check_metric

__all__ = ["METRICS", "RATE_METRICS", "CensusRows", "build_trend", "check_metric", "parse_dates", "register"]


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
        metric: str = typer.Argument(..., help="Metric: " + ", ".join(METRICS) + " (leaver_rate for short)"),
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
            None, "--suppress-below", help="Suppress points from fewer people (default: the setting, 5)"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Change over time with SPC (Making Data Count): special causes, variation and assurance per group."""
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.cli.profile import _scope
        from hcsworkforce.services.trends import run_trend
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        m = check_metric(metric, list(METRICS))
        dims = parse_by(by, PROFILE_DIMENSIONS)
        if improvement is not None and improvement.lower() not in ("increase", "decrease", "neutral"):
            raise UserInputError(f"--improvement {improvement!r} is not one of increase, decrease, neutral")
        scope = _scope(organisation, region)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        if not scope.crosses_organisations() and suppress_below is None:
            threshold = 0  # an organisation's view of itself leaves nothing out
        rebase_at = parse_dates("--rebase", rebase)
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        result = run_trend(
            store,
            m,
            dims,
            scope=scope,
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            improvement=improvement,
            target=target,
            fix_after=fix_after,
            rebase_at=rebase_at,
            screen=not no_screen,
            suppress_below=threshold,
        )
        where = "England" if scope.kind == "national" else f"{scope.kind} {scope.code}"
        title = (
            f"{m} by {', '.join(dims) or 'total'}, {where}, "
            f"{result.start.isoformat()} to {result.end.isoformat()}"
        )
        notes = [
            f"{len(result.censuses)} censuses; improvement direction: {result.improvement_direction}. "
            "Rules: docs/trends.md.",
            *result.notes,
        ]
        if threshold:
            notes.append(f"Points from groups of fewer than {threshold} people are suppressed.")
        sections: list[tuple[str, Any]] = (
            [("Points", result.point_rows())]
            if fmt == "csv"
            else [("Series", result.summary_rows())]
            if fmt == "table"
            else [("Series", result.summary_rows()), ("Points", result.point_rows())]
        )
        emit(fmt, out, title=title, sections=sections, json_payload=result.to_dict(), notes=notes)

    @app.command("import-history")
    def import_history_cmd(
        manifest: Path = typer.Argument(
            ..., help="manifest.json written by `hcs synth --months` (or the folder holding it)"
        ),
        db: str | None = DbOption,
    ) -> None:
        """Load every monthly census of a history (extract, establishment, absence) in one process."""
        from hcsworkforce.services.trends import import_history, read_manifest
        from hcsworkforce.store import open_store

        entries, shifts = read_manifest(manifest)
        store = open_store(db)
        t0 = time.perf_counter()

        def progress(e: Any, res: Any, absent: Any) -> None:
            extra = f", {absent.episodes:,} absence episodes" if absent else ""
            err_console.print(
                f"Loaded census {e.census_date.isoformat()}: {res.people_in_post:,} people in post, "
                f"{res.leaver_rows:,} leaver rows{extra}",
                highlight=False,
            )

        import_history(store, entries, progress=progress)
        err_console.print(f"Loaded {len(entries)} censuses in {time.perf_counter() - t0:.1f} s.")
        for s in shifts:
            err_console.print(
                f"  planted in this synthetic history: {s.get('kind')} at {s.get('organisation')} "
                f"from {s.get('start')}",
                highlight=False,
            )
