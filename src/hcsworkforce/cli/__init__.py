"""The `hcs` command. Each job lives in its own module here and registers itself with `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

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


# Which module registers which command, so that `hcs calibrate` imports the calibrate module alone rather
# than every job's (start-up time: a whole-CLI import costs about a second). tests/foundation/test_cli.py
# checks this table against what the modules register.
COMMAND_MODULES: dict[str, str] = {
    "import-absence": "absence",
    "absence": "absence",
    "audit": "audit",
    "benchmark": "benchmark",
    "calibrate": "calibrate",
    "commission": "commission",
    "compare": "compare",
    "deploy": "deploy",
    "engagement": "engagement",
    "funnel": "funnel",
    "import": "importing",
    "init": "init",
    "jobs": "jobs",
    "leadership": "leadership",
    "likely-hcs": "leadership",
    "pack": "pack",
    "pathways": "pathways",
    "people": "people",
    "profile": "profile",
    "quality": "profile",
    "project": "project",
    "import-published": "published",
    "published": "published",
    "reference": "reference",
    "roles": "roles",
    "serve": "serve",
    "worker": "serve",
    "survey": "survey",
    "synth": "synth",
    "trend": "trend",
    "import-history": "trend",
    "user": "user",
    "wisn": "wisn",
}


def command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def _load_commands(argv: list[str] | None = None) -> None:
    """Register the command asked for (its module only), or every command for help and anything unknown.

    Only the `hcs` console script narrows it: anything else that imports this package gets every command."""
    if argv is None:
        argv = sys.argv[1:] if Path(sys.argv[0]).name == "hcs" else []
    args = [a for a in argv if not a.startswith("-")]
    only = COMMAND_MODULES.get(args[0]) if args else None
    for name in [only] if only else command_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_load_commands()


def main() -> None:
    from hcsworkforce.cli._common import run_app  # after the commands: _common is theirs to load first

    sys.exit(run_app(app))
