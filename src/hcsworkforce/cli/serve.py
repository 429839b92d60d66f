"""`hcs serve`: the web application and API under uvicorn; `hcs worker`: a queue worker for long runs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from hcsworkforce.cli._common import DbOption, err_console

if TYPE_CHECKING:
    from hcsworkforce.settings import Settings


def _settings(db: str | None) -> Settings:
    from hcsworkforce.settings import get_settings  # lazy: pydantic settings (start-up time of `hcs --help`)

    settings = get_settings()
    return settings.model_copy(update={"database_url": db}) if db else settings


def _uvicorn_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """What every `hcs serve` passes to uvicorn: no `Server:` banner (it names the software and version to
    whoever probes), and the client address and scheme (X-Forwarded-For/-Proto) taken from the reverse proxy
    only when it is one of the trusted addresses."""
    options: dict[str, Any] = {"server_header": False, "proxy_headers": True}
    if forwarded_allow_ips:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    return options


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    db: str | None = DbOption,
    workers: int = typer.Option(1, "--workers", help="uvicorn worker processes"),
    queue_threads: int = typer.Option(
        1,
        "--queue-threads",
        help="Threads in this process running queued jobs (0: leave them to `hcs worker`)",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Addresses of the reverse proxy whose X-Forwarded-For/-Proto headers are trusted (comma-separated, "
        "or *); default $FORWARDED_ALLOW_IPS or 127.0.0.1",
    ),
) -> None:
    """Serve the web application and the JSON API (/api/v1, schema at /openapi.json)."""
    import uvicorn  # lazy: `hcs --help` imports every command module (start-up time)

    from hcsworkforce.server.app import create_app  # lazy: the whole web application (start-up time)

    settings = _settings(db)
    if workers > 1:
        # Several processes need an import string; they read the same settings from the environment.
        if db:
            os.environ["HCS_DATABASE_URL"] = db
        os.environ["HCS_QUEUE_THREADS"] = str(queue_threads)
        err_console.print(f"Serving on http://{host}:{port} with {workers} workers")
        uvicorn.run(
            "hcsworkforce.server.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            **_uvicorn_options(forwarded_allow_ips),
        )
        return
    app = create_app(
        settings, queue_mode="thread" if queue_threads > 0 else "none", worker_threads=max(queue_threads, 1)
    )
    err_console.print(f"Serving on http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="warning", **_uvicorn_options(forwarded_allow_ips))


def worker(
    db: str | None = DbOption,
    threads: int = typer.Option(2, "--threads", help="Worker threads"),
) -> None:
    """Run queued jobs (imports, projections ...) from the queue named by HCS_QUEUE_URL."""
    from hcsworkforce.server.queue import run_worker  # lazy: huey (start-up time of `hcs --help`)

    settings = _settings(db)
    err_console.print(f"Worker on {settings.queue_url or 'the SQLite queue in ' + str(settings.data_dir)}")
    run_worker(settings, threads)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
