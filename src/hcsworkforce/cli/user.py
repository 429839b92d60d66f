"""`hcs user add/list/disable`: accounts of the web application, each with one role and scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hcsworkforce.cli._common import DbOption, emit, out_console

if TYPE_CHECKING:
    from hcsworkforce.store import Store

user_app = typer.Typer(help="Accounts of the web application: add, list, disable.", no_args_is_help=True)


def _store(db: str | None) -> Store:
    from hcsworkforce.store import open_store  # lazy: SQLAlchemy (start-up time of `hcs --help`)

    return open_store(db, migrate=True)


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Sign-in name"),
    role: str = typer.Option(..., "--role", help="national, region or organisation"),
    scope: str | None = typer.Option(
        None, "--scope", help="Region code (Y56) or ODS code (RGT) for that role"
    ),
    name: str | None = typer.Option(None, "--name", help="Display name"),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="HCS_NEW_USER_PASSWORD",
        help="At least 10 characters (prompted when not given)",
    ),
    db: str | None = DbOption,
) -> None:
    """Add a user who can see England (national), one region, or one organisation."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    user = accounts.add_user(_store(db), username, password, role, scope, name)
    out_console.print(
        f"Added {user.username} ({user.role}{' ' + user.scope_code if user.scope_code else ''})"
    )


@user_app.command("list")
def list_(
    db: str | None = DbOption, fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv")
) -> None:
    """List users, their roles and scopes."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    rows = accounts.list_users(_store(db))
    emit(fmt, None, title="Users", sections=[("Users", rows)], json_payload={"users": rows})


@user_app.command("disable")
def disable(username: str = typer.Argument(...), db: str | None = DbOption) -> None:
    """Disable a user; their open sessions end at their next request."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    accounts.set_disabled(_store(db), username, True)
    out_console.print(f"Disabled {username}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
