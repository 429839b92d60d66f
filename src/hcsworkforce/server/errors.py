"""How errors leave the app: a JSON body under /api, a page elsewhere; 401, 403 and 422 in one shape each.
Every 403 (a role not permitted, a scope exceeded, a failed CSRF check) is written to the audit log."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import CsrfFailed, NotSignedIn, client_ip, ctx, optional_user
from hcsworkforce.services import access
from hcsworkforce.services.audit import audit
from hcsworkforce.web.pages import render_error

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _audit_refusal(request: Request, event: str, reason: str | None = None) -> None:
    """A refused request in the audit log: who, from which address, the method and path (never its query or
    body, which may carry the values asked for)."""
    try:
        user = optional_user(request)
        detail = {"method": request.method, "path": request.url.path[:300]}
        if reason:
            detail["reason"] = reason
        audit(ctx(request).store, user.username if user else None, event, ip=client_ip(request), **detail)
    except Exception:  # the refusal stands even when its line cannot be written; the server log says why
        log.exception("could not write a refused request to the audit log")


def add_error_handlers(app: FastAPI) -> None:
    """Register the app's error handlers."""

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Sign in first."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(access.NotPermitted)
    async def _not_permitted(request: Request, exc: access.NotPermitted) -> Response:
        await run_in_threadpool(_audit_refusal, request, "forbidden", "not_permitted")
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        return render_error(request, 403, "You do not have access to this page", exc.message)

    @app.exception_handler(access.OutOfScope)
    async def _out_of_scope(request: Request, _exc: access.OutOfScope) -> Response:
        await run_in_threadpool(_audit_refusal, request, "forbidden", "out_of_scope")
        message = "That region or organisation is outside the area your account covers."
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=403)
        return render_error(request, 403, "You do not have access to this page", message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        await run_in_threadpool(_audit_refusal, request, "csrf_failed")
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
        if exc.status_code == 403:
            await run_in_threadpool(_audit_refusal, request, "forbidden", "http_403")
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
