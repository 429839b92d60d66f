"""`hcs people`: the key-people directory (import, add, list) and the key roles that are vacant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from hcsworkforce.cli._common import (
    DbOption,
    FormatOption,
    OutOption,
    check_format,
    emit,
    emit_result,
    err_console,
)
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.directory import parse_date, read_directory
from hcsworkforce.services import people as people_service
from hcsworkforce.store import open_store

people_app = typer.Typer(
    help="Key people: trust HCS leads, board members, regional MSC leads, network leads."
)


def _date_option(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    d = parse_date(value)
    if d is None:
        raise UserInputError(Problem(f"{name}: not a date", value=value, expected="YYYY-MM-DD or DD/MM/YYYY"))
    return d


@people_app.command("import")
def import_directory(
    file: Path = typer.Argument(
        ..., help="Directory: CSV or XLSX with role, organisation/region/network, name..."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace the whole directory (default: add and update)"
    ),
    db: str | None = DbOption,
) -> None:
    """Load a directory of key people. On any error nothing is loaded and every problem is listed."""
    parsed = read_directory(file)  # raises before the database is touched
    loaded = people_service.load_directory(open_store(db, migrate=True), parsed, replace_all=replace)
    err_console.print(loaded.summary())


@people_app.command("add")
def add(
    role: str = typer.Option(
        ..., "--role", help="trust_hcs_lead, board_hcs_member, regional_msc_lead, network_lead"
    ),
    organisation: str | None = typer.Option(None, "--organisation", help="ODS code (organisation roles)"),
    region: str | None = typer.Option(None, "--region", help="Region code or name (regional roles)"),
    network: str | None = typer.Option(None, "--network", help="Network id (network leads)"),
    name: str = typer.Option(..., "--name", help="Name of the person"),
    email: str | None = typer.Option(None, "--email"),
    start: str | None = typer.Option(None, "--from", help="First day in the role"),
    end: str | None = typer.Option(None, "--to", help="Last day in the role (to record a leaver)"),
    db: str | None = DbOption,
) -> None:
    """Add or update one person in a key role (the same role, place, name and --from updates the entry)."""
    _date_option("--from", start)
    _date_option("--to", end)
    fields = {
        "role": role,
        "organisation_code": organisation,
        "region_code": region,
        "network": network,
        "name": name,
        "email": email,
        "from": start,
        "to": end,
    }
    e = people_service.add_entry(open_store(db, migrate=True), fields)
    err_console.print(f"Recorded {e.name} as {e.role} for {e.scope_code}.")


@people_app.command("list")
def list_people(
    db: str | None = DbOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Everyone in the directory, past and present."""
    check_format(fmt, out)
    result = people_service.directory(open_store(db, migrate=True))
    emit(fmt, out, title=result.title, sections=result.tables(), json_payload=result.to_json())


@people_app.command("gaps")
def gaps(
    as_of: str | None = typer.Option(None, "--as-of", help="Date to check (default the latest census date)"),
    region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
    organisation: str | None = typer.Option(
        None, "--organisation", help="Only this organisation's posts and its region's lead (ODS code)"
    ),
    organisations: str = typer.Option(
        "employing",
        "--organisations",
        help="Which organisations need leads: employing (staff in the latest "
        "census), all (every open NHS trust), or a comma-separated list of ODS codes",
    ),
    ending_within: int = typer.Option(90, "--ending-within", help="Days ahead to warn of terms ending"),
    include_filled: bool = typer.Option(False, "--all", help="List filled posts too"),
    db: str | None = DbOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Organisations, regions and networks where a key role is vacant, or its holder's term ends soon."""
    check_format(fmt, out)
    query = people_service.PeopleQuery(
        region=region,
        organisation=organisation,
        organisations=people_service.parse_organisations(organisations),
        as_of=_date_option("--as-of", as_of),
        ending_within_days=ending_within,
        include_filled=include_filled,
    )
    result = people_service.run(open_store(db, migrate=True), query)
    emit_result(fmt, out, result)


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
