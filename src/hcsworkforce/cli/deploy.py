"""`hcs deploy SURGE`: who can be redeployed or upskilled into surge roles while essential services hold."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, err_console
from hcsworkforce.errors import UserInputError
from hcsworkforce.services.deploy import unavailable_staff_keys


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
        from hcsworkforce.analytics.deploy import plan_deployment
        from hcsworkforce.analytics.skills import reference_framework, with_scenario
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
        from hcsworkforce.ingest.surge_file import read_absent_staff, read_competencies_csv, read_surge_file
        from hcsworkforce.report import deploy_report
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        loaded = read_surge_file(surge)
        framework = with_scenario(reference_framework(), loaded.scenario)
        comp_frame = (
            read_competencies_csv(competencies, set(framework.competencies)) if competencies else None
        )
        absent_path = loaded.absent_staff_path()
        absent_raw = read_absent_staff(absent_path) if absent_path else []
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        staff = store.staff(census_date=parse_date_option("--census-date", census_date))
        if staff.height == 0:
            raise UserInputError("no staff in post in the database for that census: import an extract first")
        # Files carry raw staff_ids; the store holds keyed hashes of them, so hash with the same key to match.
        key = load_key() if (comp_frame is not None or absent_raw) else b""
        if comp_frame is not None:
            import polars as pl

            hashed = pseudonymise(comp_frame["staff_id"].to_list(), key)
            comp_frame = comp_frame.with_columns(pl.Series("staff_key", hashed))
            unmatched = comp_frame.filter(~pl.col("staff_key").is_in(staff["staff_key"].implode())).height
            if unmatched:
                err_console.print(
                    f"{unmatched:,} competency record(s) name staff not in post; they are ignored."
                )
        absent_keys = pseudonymise(absent_raw, key) if absent_raw else []
        # In post but away (maternity, career break, secondment, suspension in ESR): not available.
        away = unavailable_staff_keys(store, staff, parse_date_option("--census-date", census_date))
        if away:
            err_console.print(f"{len(away):,} people in post are away (ESR status) and not available.")
        absent_keys = sorted({*absent_keys, *away})
        with err_console.status("Solving the deployment plan ..."):
            plan = plan_deployment(
                staff, loaded.scenario, framework, competencies=comp_frame, absent_staff_keys=absent_keys
            )
        title = f"Surge deployment plan: {loaded.scenario.name}"
        emit(
            fmt,
            out,
            title=title,
            sections=deploy_report.sections(plan, summary_first=fmt != "csv"),
            json_payload=deploy_report.json_payload(plan, loaded.scenario.name),
            notes=deploy_report.notes(plan),
            table_columns=deploy_report.table_columns(),
        )
