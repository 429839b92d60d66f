"""`hcs user add/list/disable/enable/passwd/reset/totp`: accounts of the web application, each with one role and
scope. A password is never taken on the command line (where the process list shows it): it is prompted for,
hidden and twice, on a terminal, or read as one line from standard input with --password-stdin."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from hcsworkforce.cli._common import DbOption, emit, out_console
from hcsworkforce.errors import UserInputError

if TYPE_CHECKING:
    from hcsworkforce.store import Store

user_app = typer.Typer(
    help="Accounts of the web application: add, list, disable, enable, passwd, reset, totp.",
    no_args_is_help=True,
)

PasswordStdin = typer.Option(
    False,
    "--password-stdin",
    help="Read the password as one line from standard input (for scripts) instead of prompting for it",
)
# Kept only to refuse it with a message that says what to do instead: a password in the arguments shows in
# the process list (ps) and the shell's history.
PasswordRefused = typer.Option(None, "--password", hidden=True)
PASSWORD_ON_COMMAND_LINE = (
    "--password is not accepted: a password on the command line shows in the process list and the shell history. "
    "Leave it out to be asked for it, or pipe it in with --password-stdin"
)


def _store(db: str | None) -> Store:
    from hcsworkforce.store import open_store  # lazy: SQLAlchemy (start-up time of `hcs --help`)

    return open_store(db, migrate=True)


def read_password(from_stdin: bool, refused: str | None, prompt: str = "Password") -> str:
    """The new password: one line of standard input, or asked for twice (hidden) on a terminal."""
    if refused is not None:
        raise UserInputError(PASSWORD_ON_COMMAND_LINE)
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise UserInputError(
                "--password-stdin: standard input has no password (expected it on the first line)"
            )
        return password
    if not sys.stdin.isatty():
        raise UserInputError(
            "no terminal to ask for the password on: pipe it in with --password-stdin (one line)"
        )
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Sign-in name"),
    role: str = typer.Option(..., "--role", help="national, region or organisation"),
    scope: str | None = typer.Option(
        None, "--scope", help="Region code (Y56) or ODS code (RGT) for that role"
    ),
    name: str | None = typer.Option(None, "--name", help="Display name"),
    allow_unknown: bool = typer.Option(
        False,
        "--allow-unknown",
        help="Accept an ODS code that is neither in the trusts list nor loaded (written to the audit log)",
    ),
    password_stdin: bool = PasswordStdin,
    password: str | None = PasswordRefused,
    db: str | None = DbOption,
) -> None:
    """Add a user who can see England (national), one region, or one organisation. The password (asked for, or
    --password-stdin) needs at least 12 characters, must not be a common one, and must be hard to guess."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    store = _store(db)
    # The role and scope are checked before the password is asked for, so a wrong code costs no typing.
    accounts.validate_role(role, scope, store, allow_unknown=allow_unknown)
    secret = read_password(password_stdin, password)
    user = accounts.add_user(
        store, username, secret, role, scope, name, allow_unknown=allow_unknown, actor=accounts.cli_actor()
    )
    out_console.print(
        f"Added {user.username} ({user.role}{' ' + user.scope_code if user.scope_code else ''})"
    )


@user_app.command("list")
def list_(
    db: str | None = DbOption, fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv")
) -> None:
    """List users, their roles and scopes, and whether they have a second factor."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    rows = accounts.list_users(_store(db))
    emit(fmt, None, title="Users", sections=[("Users", rows)], json_payload={"users": rows})


@user_app.command("disable")
def disable(username: str = typer.Argument(...), db: str | None = DbOption) -> None:
    """Disable a user; their open sessions end at once."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    accounts.set_disabled(_store(db), username, True, actor=accounts.cli_actor())
    out_console.print(f"Disabled {username}")


@user_app.command("enable")
def enable(username: str = typer.Argument(...), db: str | None = DbOption) -> None:
    """Enable a disabled user again; this also lifts a lock after too many failed sign-ins to the account."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    accounts.set_disabled(_store(db), username, False, actor=accounts.cli_actor())
    out_console.print(f"Enabled {username}")


@user_app.command("passwd")
def passwd(
    username: str = typer.Argument(...),
    password_stdin: bool = PasswordStdin,
    password: str | None = PasswordRefused,
    db: str | None = DbOption,
) -> None:
    """Give a user a new password (asked for, or --password-stdin); every session they have ends."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    store = _store(db)
    if accounts.get_user_by_name(store, username) is None:
        raise UserInputError(f"there is no user called {username.strip().lower()!r}")
    secret = read_password(password_stdin, password, "New password")
    user = accounts.set_password(store, username, secret, actor=accounts.cli_actor())
    out_console.print(f"Changed the password of {user.username}; their sessions have ended")


@user_app.command("reset")
def reset(username: str = typer.Argument(...), db: str | None = DbOption) -> None:
    """Print a one-time reset token for the user: with it they set a new password at /reset-password (or
    POST /api/v1/session/reset) within an hour. Only its hash is kept; an earlier unused token stops working."""
    from hcsworkforce.services import accounts  # lazy: start-up time of `hcs --help`

    token = accounts.create_reset_token(_store(db), username, actor=accounts.cli_actor())
    hours = int(accounts.RESET_TOKEN_LIFETIME.total_seconds() // 3600)
    out_console.print(
        f"Reset token for {username.strip().lower()} (works once, for {hours} hour; give it to them privately):"
    )
    typer.echo(token)


@user_app.command("totp")
def totp(
    username: str = typer.Argument(...),
    remove: bool = typer.Option(False, "--remove", help="Remove the user's second factor instead"),
    db: str | None = DbOption,
) -> None:
    """Enrol a TOTP second factor (an authenticator app) for the user, replacing any earlier one: prints the
    otpauth:// address (for a QR code) and the secret, once. From then on signing in needs the 6-digit code."""
    from hcsworkforce.services import accounts, credentials  # lazy: start-up time of `hcs --help`
    from hcsworkforce.settings import get_settings  # lazy: pydantic settings (start-up time of `hcs --help`)

    store = _store(db)
    if remove:
        accounts.remove_totp(store, username, actor=accounts.cli_actor())
        out_console.print(f"Removed the second factor of {username.strip().lower()}")
        return
    secret = credentials.installation_secret(get_settings(), create=True)
    assert secret is not None  # create=True makes one when there is none
    totp_secret, uri = accounts.enrol_totp(store, username, secret, actor=accounts.cli_actor())
    out_console.print(
        f"Enrolled a second factor for {username.strip().lower()}. Add it to their authenticator app (shown once):"
    )
    typer.echo(f"otpauth URI: {uri}")
    typer.echo(f"secret:      {totp_secret}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
