"""`hcs calibrate`: planning rates measured from the loaded censuses, written as a scenario block.

The work is in hcsworkforce.services.calibrate; this module reads options and renders. YAML (the default) is
a scenario that `hcs project` accepts, with a comment on every rate; JSON: {"censuses", "definition", "scope",
"interval_level", "min_people", "suppress_below", "transitions", "estimates", "rates", "scenario", "notes"}.
Rules: docs/calibration.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, OutOption, check_format, emit, err_console
from hcsworkforce.errors import UserInputError

FORMATS = ("yaml", "json", "table", "csv", "xlsx", "html")


def _write(text: str, out: Path | None) -> None:
    if out:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"Wrote {out}")
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    @app.command("calibrate")
    def calibrate_cmd(
        start: str | None = typer.Option(None, "--from", help="First census date (YYYY-MM-DD)"),
        end: str | None = typer.Option(None, "--to", help="Last census date (YYYY-MM-DD)"),
        definition: str = typer.Option(
            "staff_group", "--definition", help="Who is a leaver: organisation, nhs or staff_group"
        ),
        organisation: str | None = typer.Option(
            None, "--organisation", help="Count only this organisation (ODS)"
        ),
        region: str | None = typer.Option(None, "--region", help="Count only this region (code or name)"),
        min_people: int = typer.Option(
            30,
            "--min-people",
            help="Fewer people at risk than this: the rate falls back (published, default)",
        ),
        suppress_below: int | None = typer.Option(
            None, "--suppress-below", help="Suppress counts of fewer events (default: the setting, 5)"
        ),
        published: bool = typer.Option(
            False,
            "--published",
            help="Fall back on the loaded NHS staff turnover tables (hcs import-published) before the "
            "illustrative defaults where an estimate rests on too few people",
        ),
        fmt: str = typer.Option("yaml", "--format", "-f", help="Output format: " + ", ".join(FORMATS)),
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Measure leaver, retirement, progression and joiner rates from the censuses, with intervals."""
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.cli.profile import _scope
        from hcsworkforce.report.calibration import header_lines, render_yaml
        from hcsworkforce.services.calibrate import CalibrateQuery, published_turnover, run
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        if fmt not in FORMATS:
            raise UserInputError(f"--format {fmt!r} is not a format (expected one of {', '.join(FORMATS)})")
        if fmt != "yaml":
            check_format(fmt, out)
        scope = _scope(organisation, region)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if not scope.crosses_organisations() and suppress_below is None:
            threshold = 0  # an organisation's view of itself leaves nothing out
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError(
                "the database is empty: run `hcs import FILE` for two or more censuses first"
            )
        query = CalibrateQuery(
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            definition=definition.strip().lower().replace("-", "_"),
            min_people=min_people,
            suppress_below=threshold,
            published_turnover=published_turnover(store, scope) if published else None,
        )
        if published and query.published_turnover is None:
            err_console.print(
                "No published turnover of healthcare scientists is loaded (hcs import-published FILE): the "
                "fallback is the illustrative defaults."
            )
        result = run(store, query, scope)
        header = header_lines(result.censuses, query.definition, query.interval_level, query.min_people)
        if fmt == "yaml":
            _write(render_yaml(result.block, [*header, *result.notes]), out)
            return
        where = "England" if scope.kind == "national" else f"{scope.kind} {scope.code}"
        sections: list[tuple[str, Any]] = (
            [("Estimates", result.estimate_rows())]
            if fmt == "csv"
            else [
                ("Scenario rates", result.choice_rows()),
                ("Estimates", result.estimate_rows()),
                ("Transitions", result.transitions),
            ]
        )
        emit(
            fmt,
            out,
            title=f"Planning rates measured from {len(result.censuses)} censuses, {where}",
            sections=sections,
            json_payload=result.to_json(),
            notes=[*header, *result.notes],
            table_columns={
                "Estimates": [c for c in (result.estimate_rows() or [{}])[0] if c != "method"],
                "Scenario rates": [
                    "parameter",
                    "value",
                    "sd",
                    "provenance",
                    "lower",
                    "upper",
                    "at_risk_people",
                ],
            },
        )
