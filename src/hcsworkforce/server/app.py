"""The FastAPI application: JSON API under /api/v1, server-rendered pages, vendored static assets, and the
job queue's workers; the composition root that builds them from settings."""

from __future__ import annotations

import importlib
import os
import pkgutil
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hcsworkforce import __version__, api, web
from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import AppContext, CsrfFailed, NotSignedIn
from hcsworkforce.routing.sessions import SessionMiddleware, secret_key
from hcsworkforce.server.queue import InProcessWorker, enqueuer, make_queue
from hcsworkforce.services import access
from hcsworkforce.settings import Settings, get_settings
from hcsworkforce.store import open_store
from hcsworkforce.web.pages import render_error

QueueMode = Literal["thread", "immediate", "none"]

STATIC_DIR = Path(str(resources.files("hcsworkforce.web").joinpath("static")))
NHSUK_VERSION = "10.6.1"
HTMX_VERSION = "2.0.8"
ASSETS_DIR = STATIC_DIR / "vendor" / f"nhsuk-frontend-{NHSUK_VERSION}" / "assets"

# Nothing is loaded from another host; inline scripts need the per-response nonce (the NHS.UK template's own
# one-line script included), and no page is framed by another site.
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no per-request task switching)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.format(nonce=nonce).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not scope["path"].startswith(("/static/", "/assets/")):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapped)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


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

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Sign in first."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(access.NotPermitted)
    async def _not_permitted(request: Request, exc: access.NotPermitted) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        return render_error(request, 403, "You do not have access to this page", exc.message)

    @app.exception_handler(access.OutOfScope)
    async def _out_of_scope(request: Request, _exc: access.OutOfScope) -> Response:
        message = "That region or organisation is outside the area your account covers."
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=403)
        return render_error(request, 403, "You do not have access to this page", message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        message = (
            "The form had expired or did not come from this site. Go back, reload the page and try again."
        )
        if _wants_json(request):
            return JSONResponse({"detail": "Missing or invalid CSRF token."}, status_code=403)
        return render_error(request, 403, "Your form could not be sent", message)

    @app.exception_handler(UserInputError)
    async def _user_input(request: Request, exc: UserInputError) -> Response:
        return JSONResponse(
            {
                "detail": exc.summary(),
                "problems": [p.to_dict() for p in exc.problems],
                "total_problems": exc.total,
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render_error(
            request, exc.status_code, "Page not found", "Check the address, or go back to the home page."
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "message": e.get("msg", "invalid"),
                "column": ".".join(str(x) for x in e.get("loc", ())),
                "value": None,
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "The request is not valid.", "problems": problems}, status_code=422)

    # Outermost first: security headers wrap everything, the session wraps the app.
    app.add_middleware(SessionMiddleware, secret=secret_key(settings))
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """Factory for `hcs serve --workers N`: each uvicorn process builds its app from the environment."""
    threads = int(os.environ.get("HCS_QUEUE_THREADS", "1"))
    return create_app(queue_mode="thread" if threads > 0 else "none", worker_threads=max(threads, 1))
