"""`hcs audit verify/list`: check the audit log's hash chain, and read its latest entries."""

from __future__ import annotations

import re

import typer

from hcsworkforce.cli._common import DbOption, emit, err_console, out_console
from hcsworkforce.errors import UserInputError

audit_app = typer.Typer(help="The audit log: verify its hash chain, list its entries.", no_args_is_help=True)


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*", value)
    if not m:
        raise UserInputError(
            f"--anchor {value!r} is not a recorded head (expected ID:HASH, as `hcs audit verify` prints it)"
        )
    return int(m.group(1)), m.group(2).lower()


@audit_app.command("verify")
def verify(
    anchor: str | None = typer.Option(
        None,
        "--anchor",
        help="ID:HASH of a head printed by an earlier verify: that row must still be there, unchanged "
        "(finds rows removed from the end, or a chain rewritten whole)",
    ),
    db: str | None = DbOption,
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Walk the audit log's hash chain; exit 1 naming the first row that was edited, deleted or inserted."""
    from hcsworkforce.services import audit  # lazy: SQLAlchemy (start-up time of `hcs --help`)
    from hcsworkforce.store import open_store

    found = audit.verify(open_store(db, migrate=True), _anchor(anchor))
    if fmt == "json":
        emit("json", None, title="Audit log", sections=[], json_payload=found.to_json())
    elif found.intact:
        head = f"; head {found.head_id}:{found.head_hash}" if found.head_id is not None else ""
        out_console.print(
            f"The audit log is intact: {found.rows:,} rows{head}", highlight=False, soft_wrap=True
        )
    if not found.intact:
        err_console.print(
            f"[bold red]The audit log does not hold:[/] {found.reason} ({found.rows:,} rows before it hold)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


@audit_app.command("list")
def list_(
    event: str | None = typer.Option(
        None, "--event", help="Only this event (sign_in, forbidden, import ...)"
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="How many of the latest entries"),
    db: str | None = DbOption,
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv"),
) -> None:
    """The latest entries of the audit log, newest first."""
    from hcsworkforce.model.scope import NATIONAL  # lazy: start-up time of `hcs --help`
    from hcsworkforce.services import audit
    from hcsworkforce.store import open_store

    rows = audit.entries(open_store(db, migrate=True), NATIONAL, limit, event)
    shown = [{k: v for k, v in r.items() if k not in ("prev_hash", "hash")} for r in rows]
    emit(
        fmt,
        None,
        title="Audit log",
        sections=[("Audit log", shown if fmt == "table" else rows)],
        json_payload={"entries": rows},
    )


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
