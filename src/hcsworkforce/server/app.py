"""The FastAPI application: JSON API under /api/v1, server-rendered pages, vendored static assets, and the
job queue's workers; the composition root that builds them from settings."""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from hcsworkforce import __version__, api, web
from hcsworkforce.routing.deps import AppContext
from hcsworkforce.routing.sessions import SessionMiddleware
from hcsworkforce.server.errors import add_error_handlers
from hcsworkforce.server.headers import SecurityHeaders
from hcsworkforce.server.limits import BodyLimits
from hcsworkforce.server.queue import InProcessWorker, enqueuer, make_queue
from hcsworkforce.services import jobs
from hcsworkforce.settings import Settings, get_settings
from hcsworkforce.store import open_store

QueueMode = Literal["thread", "immediate", "none"]

STATIC_DIR = Path(str(resources.files("hcsworkforce.web").joinpath("static")))
NHSUK_VERSION = "10.6.1"
HTMX_VERSION = "2.0.8"
ASSETS_DIR = STATIC_DIR / "vendor" / f"nhsuk-frontend-{NHSUK_VERSION}" / "assets"


def routers() -> list[APIRouter]:
    """Every job's routes: each module of api/ (JSON under /api/v1) and web/ (pages) that has a `router`.

    A job adds its page and its API twin as a module each; nothing here changes when one is added."""
    found = []
    for package in (api, web):
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            router = getattr(module, "router", None)
            if isinstance(router, APIRouter):
                found.append(router)
    return found


def create_app(
    settings: Settings | None = None, *, queue_mode: QueueMode = "thread", worker_threads: int = 1
) -> FastAPI:
    """Build the application. ``queue_mode``: "thread" runs queued jobs on threads in this process (`hcs serve`
    on one machine), "none" leaves them to `hcs worker` processes, "immediate" runs them inline (tests)."""
    settings = settings or get_settings()
    store = open_store(settings.resolved_database_url(), migrate=True)
    jobs.purge_results(store, settings.job_result_days)  # retention: old runs' results and parameters go
    queue = make_queue(settings)
    if queue_mode == "immediate":
        queue.immediate = True
    enqueue = enqueuer(queue, settings.resolved_database_url())
    worker = InProcessWorker(queue, threads=worker_threads) if queue_mode == "thread" else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            store.engine.dispose()

    app = FastAPI(
        title="hcsworkforce",
        version=__version__,
        description=(
            "Workforce intelligence for the NHS healthcare science workforce. Every page has a data twin here, "
            "scoped to the signed-in user's role. Sign in with POST /api/v1/session (JSON); send the returned "
            "csrf_token in an X-CSRF-Token header on every other POST."
        ),
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.ctx = AppContext(settings=settings, store=store, enqueue=enqueue)
    app.state.queue = queue

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/assets", StaticFiles(directory=ASSETS_DIR), name="assets")

    for router in routers():
        app.include_router(router)

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        with store.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    add_error_handlers(app)

    # Outermost first: security headers wrap everything, the session wraps the app.
    app.add_middleware(BodyLimits, max_upload_mb=settings.max_upload_mb)  # inside the session
    app.add_middleware(SessionMiddleware, store=store, settings=settings)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    return app


def app_from_env() -> FastAPI:
    """Factory for `hcs serve --workers N`: each uvicorn process builds its app from the environment."""
    threads = int(os.environ.get("HCS_QUEUE_THREADS", "1"))
    return create_app(queue_mode="thread" if threads > 0 else "none", worker_threads=max(threads, 1))
