"""`hcs people`: the key-people directory (import, add, list) and the key roles that are vacant."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, err_console
from hcsworkforce.errors import Problem, UserInputError

people_app = typer.Typer(
    help="Key people: trust HCS leads, board members, regional MSC leads, network leads."
)


def _date_option(name: str, value: str | None) -> date | None:
    from hcsworkforce.ingest.directory import parse_date

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
    from hcsworkforce.ingest.directory import read_directory, to_store_rows
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import write_key_people

    parsed = read_directory(file)  # raises before the database is touched
    store = open_store(db, migrate=True)
    new, replaced = write_key_people(store, to_store_rows(parsed.entries), parsed.file, replace_all=replace)
    verb = "replacing the directory's" if replace else "updating"
    err_console.print(f"Loaded {len(parsed.entries):,} directory entries ({new:,} new, {verb} {replaced:,}).")


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
    import tempfile

    from hcsworkforce.ingest.directory import read_directory, to_store_rows
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import write_key_people

    _date_option("--from", start)
    _date_option("--to", end)
    # One validator for files and the command line: write a one-row file and read it back.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "entry.csv"
        import csv

        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["role", "organisation_code", "region_code", "network", "name", "email", "from", "to"])
            w.writerow(
                [
                    role,
                    organisation or "",
                    region or "",
                    network or "",
                    name,
                    email or "",
                    start or "",
                    end or "",
                ]
            )
        parsed = read_directory(path, display_name="the command line")
    store = open_store(db, migrate=True)
    write_key_people(store, to_store_rows(parsed.entries), None)
    e = parsed.entries[0]
    err_console.print(f"Recorded {e.name} as {e.role} for {e.scope_code}.")


def _directory(db: str | None) -> tuple[Any, list[Any]]:
    from hcsworkforce.ingest.directory import from_store_rows
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_engagement import read_key_people

    store = open_store(db, migrate=True)
    return store, from_store_rows(read_key_people(store))


@people_app.command("list")
def list_people(
    db: str | None = DbOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Everyone in the directory, past and present."""
    check_format(fmt, out)
    _, entries = _directory(db)
    rows = [
        {
            "role": e.role,
            "scope_code": e.scope_code,
            "name": e.name,
            "email": e.email,
            "from": e.valid_from,
            "to": e.valid_to,
        }
        for e in entries
    ]
    emit(
        fmt, out, title="Key people directory", sections=[("Directory", rows)], json_payload={"people": rows}
    )


@people_app.command("gaps")
def gaps(
    as_of: str | None = typer.Option(None, "--as-of", help="Date to check (default today)"),
    region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
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
    from hcsworkforce import reference
    from hcsworkforce.analytics import people as pp
    from hcsworkforce.ingest.directory import resolve_region

    check_format(fmt, out)
    day = _date_option("--as-of", as_of) or date.today()
    region_code = None
    if region:
        region_code = resolve_region(region)
        if region_code is None:
            raise UserInputError(
                Problem(
                    "--region: not an NHS England region", value=region, expected="Y56-Y63 or a region name"
                )
            )
    if ending_within < 0:
        raise UserInputError(f"--ending-within {ending_within} must be 0 or more")
    store, entries = _directory(db)
    trusts = reference.trusts()
    orgs: dict[str, str | None]
    choice = organisations.strip().lower()
    if choice == "all":
        orgs = {c: t.region_code for c, t in trusts.items() if not t.closed}
    elif choice == "employing":
        staff = store.staff()
        if staff.height == 0:
            raise UserInputError(
                "no census loaded, so no way to tell which organisations employ healthcare scientists: "
                "run `hcs import FILE`, or pass --organisations all (or a list of ODS codes)"
            )
        pairs = staff.select("organisation_code", "region_code").unique().iter_rows()
        orgs = {c: r or (trusts[c].region_code if c in trusts else None) for c, r in pairs}
    else:
        codes = [c.strip().upper() for c in organisations.split(",") if c.strip()]
        bad = [c for c in codes if not reference.ODS_CODE_RE.match(c)]
        if bad:
            raise UserInputError(
                Problem(
                    "--organisations: not ODS codes",
                    value=", ".join(bad),
                    expected="employing, all, or codes such as RGT,R0A",
                )
            )
        orgs = {c: trusts[c].region_code if c in trusts else None for c in codes}
    required = pp.required_posts(orgs)
    if region_code:
        required = [p for p in required if p.region_code == region_code]
    found = pp.people_gaps(
        entries, required, as_of=day, ending_within_days=ending_within, include_filled=include_filled
    )
    summary = pp.gaps_by_region(found)
    vacant = sum(1 for g in found if g["status"] == "vacant")
    ending = sum(1 for g in found if g["status"] == "ending")
    notes = [
        f"On {day.isoformat()}: {vacant} of {len(required)} required key posts vacant, {ending} ending within "
        f"{ending_within} days with no successor recorded.",
        "Required: a trust healthcare science lead and a board member for healthcare science in every "
        "organisation employing healthcare scientists; a regional MSC lead per region; a lead per network "
        "(reference/data/key_roles.csv; the network list is illustrative until a region loads its own).",
    ]
    emit(
        fmt,
        out,
        title="Key people: vacant and ending posts",
        sections=[("Posts", found), ("By region", summary)],
        json_payload={
            "as_of": day,
            "required": len(required),
            "vacant": vacant,
            "ending": ending,
            "posts": found,
            "by_region": summary,
            "notes": notes,
        },
        notes=notes,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
