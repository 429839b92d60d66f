"""`hcs deploy SURGE`: who can be redeployed or upskilled into surge roles while essential services hold.

JSON: {"scenario", "mode", "assignments", "uncovered", "floors", "totals", "solver", "by_role", "notes", "scope",
"resolved_scenario"}: the same JSON as POST /api/v1/deployments (services.deploy).
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, err_console
from hcsworkforce.cli.importing import parse_date_option
from hcsworkforce.report.deploy_report import table_columns
from hcsworkforce.services import deploy
from hcsworkforce.services.scenarios import Source
from hcsworkforce.store import open_store


def register(app: typer.Typer) -> None:
    @app.command("deploy")
    def deploy_cmd(
        surge: Path = typer.Argument(
            ..., help="Surge (or absence-only) scenario, YAML; see docs/deployment.md"
        ),
        competencies: Path | None = typer.Option(
            None,
            "--competencies",
            help="Individual competencies CSV: staff_id, competency, level, evidence_date",
        ),
        census_date: str | None = typer.Option(
            None, "--census-date", help="Which census (default the latest)"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """An optimal surge redeployment and upskilling plan (or, with no roles, back-up and back-fill)."""
        check_format(fmt, out)
        query = deploy.DeployQuery(
            Source(path=surge),
            competencies=competencies,
            census_date=parse_date_option("--census-date", census_date),
        )
        with err_console.status("Solving the deployment plan ..."):
            result = deploy.run(open_store(db), query)
        # CSV is one table: the assignments, for machines; people read the summary first.
        sections = [("Assignments", result.records())] if fmt == "csv" else result.tables()
        emit(
            fmt,
            out,
            title=f"Surge deployment plan: {result.scenario.name}",
            sections=sections,
            json_payload=result.to_json(),
            notes=result.notes,
            table_columns=table_columns(),
        )
