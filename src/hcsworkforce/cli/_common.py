"""What every CLI job shares: options, error handling, and writing results in the chosen format."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import typer
from rich.console import Console
from rich.table import Table

from hcsworkforce.errors import UserInputError
from hcsworkforce.report import tabular

try:  # typer 0.2x carries its own copy of click; its exceptions are not click's
    from typer._click import exceptions as _typer_click
except ImportError:  # pragma: no cover - older typer uses click itself
    _typer_click = None  # type: ignore[assignment]

_CLICK_ERRORS: tuple[type[Exception], ...] = (click.ClickException,) + (
    (_typer_click.ClickException,) if _typer_click else ()
)

err_console = Console(stderr=True)
# Piped output (make demo, CI logs) has no terminal width: give tables room rather than 80 columns.
out_console = Console() if sys.stdout.isatty() else Console(width=160)

DbOption = typer.Option(
    None, "--db", help="Database URL (default: HCS_DATABASE_URL or a SQLite file in the data dir)"
)
FormatOption = typer.Option("table", "--format", "-f", help="Output format: table, json, csv, xlsx or html")
OutOption = typer.Option(None, "--out", "-o", help="Write the output to this file instead of the terminal")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a message for the user on stderr and return the Exit to raise."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def check_format(fmt: str, out: Path | None) -> None:
    if fmt not in tabular.FORMATS:
        raise UserInputError(
            f"--format {fmt!r} is not a format (expected one of {', '.join(tabular.FORMATS)})"
        )
    if fmt == "xlsx" and out is None:
        raise UserInputError("--format xlsx needs --out FILE.xlsx")


def parse_by(by: str | None, allowed: Sequence[str]) -> list[str]:
    if not by:
        return []
    dims = [d.strip().lower().replace("-", "_") for d in by.split(",") if d.strip()]
    bad = [d for d in dims if d not in allowed]
    if bad:
        raise UserInputError(
            f"--by {', '.join(bad)} is not a dimension (expected any of {', '.join(allowed)})"
        )
    return dims


def render_table(title: str, records: Sequence[dict[str, Any]], columns: list[str] | None = None) -> Table:
    cols = columns or tabular.columns_of(records)
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in cols:
        sample = next((r.get(c) for r in records if r.get(c) is not None), None)
        numeric = isinstance(sample, int | float) and not isinstance(sample, bool)
        table.add_column(c, justify="right" if numeric else "left")
    for r in records:
        table.add_row(*(tabular.fmt_cell(r.get(c), c) for c in cols))
    return table


def emit_result(
    fmt: str, out: Path | None, result: Any, table_columns: dict[str, list[str]] | None = None
) -> None:
    """Write a service's result (title, tables(), to_json(), notes) in the chosen format."""
    emit(
        fmt,
        out,
        title=result.title,
        sections=result.tables(),
        json_payload=result.to_json(),
        notes=result.notes,
        table_columns=table_columns,
    )


def emit(
    fmt: str,
    out: Path | None,
    *,
    title: str,
    sections: Sequence[tuple[str, Sequence[dict[str, Any]]]],
    json_payload: Any,
    notes: list[str] | None = None,
    table_columns: dict[str, list[str]] | None = None,
) -> None:
    """Write one result in the chosen format. JSON on stdout is the machine contract: nothing else goes there."""
    notes = notes or []
    if fmt == "json":
        text = tabular.to_json(json_payload)
    elif fmt == "csv":
        text = tabular.to_csv(sections[0][1]) if sections else ""
    elif fmt == "html":
        text = tabular.to_html(list(sections), title, notes)
    elif fmt == "xlsx":
        assert out is not None
        tabular.write_xlsx(out, list(sections), title, notes)
        err_console.print(f"Wrote {out}")
        return
    else:
        console = Console(file=open(out, "w", encoding="utf-8"), width=200) if out else out_console  # noqa: SIM115
        for name, records in sections:
            cols = (table_columns or {}).get(name)
            console.print(render_table(name, records, cols))
        for n in notes:
            console.print(n, highlight=False)
        if out:
            console.file.close()
            err_console.print(f"Wrote {out}")
        return
    if out:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        err_console.print(f"Wrote {out}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def run_app(app: typer.Typer) -> int:
    """Run the Typer app; a user's mistake prints a clear message and exits 2, never a traceback. A database
    that is unreachable, missing, read-only or locked, or a file that cannot be written, is one line and exit 1.
    """
    try:
        code = app(standalone_mode=False)
    except UserInputError as e:
        err_console.print("[bold red]Error:[/] " + e.summary(), highlight=False, soft_wrap=True)
        return 2
    except click.exceptions.Abort:
        err_console.print("Aborted.")
        return 1
    except _CLICK_ERRORS as e:
        e.show()  # type: ignore[attr-defined]
        code = int(getattr(e, "exit_code", 2))
        return 2 if code == 2 else code
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except click.exceptions.Exit as e:
        return int(e.exit_code or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        message = _fault_message(e)
        if message is None:
            raise
        err_console.print("[bold red]Error:[/] " + message, highlight=False, soft_wrap=True)
        return 1
    # typer.Exit(n) raised in a command comes back as the return value when not in standalone mode.
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


def _fault_message(e: BaseException) -> str | None:
    """One line for the faults of the machine rather than of the input: the database's (store.fault_message),
    and a file that cannot be read or written (read-only file system, permissions, a full disk)."""
    if "hcsworkforce.store" in sys.modules:
        # Only once a command has opened the store: importing SQLAlchemy costs `hcs --help` its start-up time.
        from hcsworkforce.store import fault_message

        message = fault_message(e)
        if message is not None:
            return message
    if isinstance(e, OSError) and e.filename and e.strerror:
        return f"cannot use {e.filename}: {e.strerror}"
    return None
