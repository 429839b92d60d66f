"""The `hcs` command. Each job lives in its own module here and registers itself with `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from hcsworkforce import __version__

app = typer.Typer(
    name="hcs",
    help="Workforce intelligence for the NHS healthcare science workforce: profile, plan, deploy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hcsworkforce {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Workforce intelligence for the NHS healthcare science workforce."""


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_load_commands()


def main() -> None:
    from hcsworkforce.cli._common import run_app

    sys.exit(run_app(app))
