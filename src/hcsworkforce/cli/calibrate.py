"""`hcs calibrate`: planning rates measured from the loaded censuses, written as a scenario block.

Options become a CalibrateQuery; the work is in hcsworkforce.services.calibrate and the YAML in
report/calibration.py. YAML (the default) is a scenario that `hcs project` accepts, with a comment on every rate;
JSON: {"censuses", "definition", "scope", "interval_level", "min_people", "suppress_below", "transitions",
"estimates", "rates", "scenario", "notes"}. Rules: docs/calibration.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, OutOption, check_format, emit, err_console
from hcsworkforce.errors import UserInputError

FORMATS = ("yaml", "json", "table", "csv", "xlsx", "html")
# The columns the terminal table shows (the CSV, JSON and XLSX have them all).
TABLE_COLUMNS = {
    "Scenario rates": ["parameter", "value", "sd", "provenance", "lower", "upper", "at_risk_people"],
}


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
        # Imported here, each line says so: `hcs --help` imports every command's module (start-up time).
        from hcsworkforce.cli.importing import parse_date_option  # start-up time
        from hcsworkforce.cli.profile import _scope  # start-up time
        from hcsworkforce.report import calibration  # start-up time
        from hcsworkforce.services.calibrate import PUBLISHED_MISSING, CalibrateQuery, run  # start-up time
        from hcsworkforce.store import open_store  # start-up time

        if fmt not in FORMATS:
            raise UserInputError(f"--format {fmt!r} is not a format (expected one of {', '.join(FORMATS)})")
        if fmt != "yaml":
            check_format(fmt, out)
        scope = _scope(organisation, region)
        query = CalibrateQuery(
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            definition=definition.strip().lower().replace("-", "_"),
            min_people=min_people,
            suppress_below=suppress_below,
            published=published,
        )
        result = run(open_store(db), query, scope)
        if result.published_missing:
            err_console.print(PUBLISHED_MISSING)
        if fmt == "yaml":
            _write(calibration.calibrated_yaml(result), out)
            return
        estimates = result.records()
        emit(
            fmt,
            out,
            title=result.title,
            sections=[("Estimates", estimates)] if fmt == "csv" else result.tables(),
            json_payload=result.to_json(),
            notes=calibration.notes(result),
            table_columns={
                **TABLE_COLUMNS,
                "Estimates": [c for c in (estimates or [{}])[0] if c != "method"],
            },
        )
