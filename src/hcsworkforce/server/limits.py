"""Limits before work: a request body's size, who sent it and its CSRF token, all checked before it is read.

FastAPI reads a multipart form, spooling its files to disk, before any dependency runs, so `current_user` and
`verify_csrf` would see an upload only once all of it had arrived. This pure ASGI middleware sits inside the
session middleware and, for a request with a body:

- refuses a Content-Length over the limit with 413 at once (`max_upload_mb` for a multipart upload, 16 MB for
  any other body), and counts the bytes of a body sent without one (chunked), cutting it off with 413 once
  past the limit;
- refuses an anonymous multipart body, or an anonymous body over 64 KB, as the routes refuse the anonymous
  (401 from the API, a redirect to the sign-in page from a page), without reading any of it; a smaller one
  (signing in) goes on to its route, counted;
- for a signed-in multipart POST, checks the CSRF token from the X-CSRF-Token header or else from the form
  fields before its first file (every page's form puts the token first), reading at most 64 KB, and refuses
  it with the app's own 403 before any file is read.

Each refusal closes the connection (`Connection: close`), so the client stops sending. Who is signed in, and
whether a token is right, are asked of routing/deps, the look-ups the routes themselves use, through
`_signed_in` and `_csrf_ok`; the 401, redirect and 403 are the app's own exception handlers' answers.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hcsworkforce.routing import deps
from hcsworkforce.routing.sessions import CSRF_FIELD, CSRF_HEADER
from hcsworkforce.web.pages import render_error

MB = 1024 * 1024
ANONYMOUS_BODY_LIMIT = 64 * 1024  # signing in, resetting a password: a few hundred bytes
FORM_BODY_LIMIT = 16 * MB  # JSON and form bodies: a scenario's text is at most 200 KB
CSRF_PREFIX_LIMIT = 64 * 1024  # how much of a multipart body may be read to find its token
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BodyTooLarge(HTTPException):
    """A body counted past its limit while the app read it: 413, the connection closed."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail, headers={"Connection": "close"})


# -- the adapter to routing/deps: who is signed in, and is the token theirs ------------------------------
def _signed_in(request: Request) -> bool:
    """Whether the request's session belongs to a signed-in user (routing/deps' own look-up, memoised for the
    route that follows)."""
    return deps.optional_user(request) is not None


async def _csrf_ok(scope: Scope, token: str | None) -> bool:
    """Whether `token` is the session's CSRF token, as routing/deps' verify_csrf decides for a header."""
    if not token:
        return False
    headers = [(k, v) for k, v in scope.get("headers", []) if k != CSRF_HEADER.encode()]
    probe = Request({**scope, "headers": [*headers, (CSRF_HEADER.encode(), token.encode("latin-1"))]})
    try:
        await deps.verify_csrf(probe)
    except deps.CsrfFailed:
        return False
    return True


async def _app_answer(request: Request, exc: Exception) -> Response:
    """The app's own answer to `exc` (its registered handler: the 401 or redirect, the audited 403)."""
    handlers: dict[Any, Callable[..., Any]] = getattr(request.scope.get("app"), "exception_handlers", {})
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            answer = handler(request, exc)
            response: Response = await answer if isinstance(answer, Awaitable) else answer
            return response
    status = 401 if isinstance(exc, deps.NotSignedIn) else 403
    return PlainTextResponse("Sign in first." if status == 401 else "Forbidden", status_code=status)


def _wants_json(request: Request) -> bool:
    # The rule of server/errors.py: the API and clients asking for JSON get JSON, browsers a page.
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _limit_message(limit: int, upload: bool, size: int | None = None) -> str:
    said = f"The request is {size / MB:,.1f} MB" if size is not None else "The request is larger"
    if upload:
        return (
            f"{said}; this server takes at most {limit / MB:,.0f} MB for an upload, all its files together "
            "(HCS_MAX_UPLOAD_MB). Split the file, or ask the administrator to raise the limit."
        )
    return f"{said}; this server takes at most {limit / MB:,.0f} MB for a request that is not a file upload."


def _too_large(request: Request, size: int, limit: int, upload: bool) -> Response:
    message = _limit_message(limit, upload, size)
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=413)
    return render_error(request, 413, "The file is too large to upload", message)


def _content_length(headers: Headers) -> int | None:
    raw = headers.get("content-length")
    if raw is None:
        return None
    try:
        return max(int(raw), 0)
    except ValueError:
        return None  # the server refuses a malformed length before the app sees it; count the body instead


# -- reading the body, counted ------------------------------------------------------------------------------
class _Body:
    """The request's receive channel, counted against a limit, with any bytes already read put back first."""

    def __init__(self, receive: Receive, limit: int, message: str) -> None:
        self._receive = receive
        self.limit = limit
        self.message = message
        self.count = 0
        self._pending: list[Message] = []

    async def read_more(self) -> Message:
        """The next message from the client, counted (used to find the CSRF token; kept to be replayed)."""
        message = await self._next()
        self._pending.append(message)
        return message

    async def _next(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.count += len(message.get("body", b""))
            if self.count > self.limit:
                raise BodyTooLarge(self.message)
        return message

    async def receive(self) -> Message:
        if self._pending:
            return self._pending.pop(0)
        return await self._next()

    def peeked(self) -> tuple[bytes, bool]:
        """The bytes read so far, and whether more of the body is to come."""
        body = b"".join(m.get("body", b"") for m in self._pending if m["type"] == "http.request")
        last = self._pending[-1] if self._pending else {"type": "http.request", "more_body": True}
        return body, last["type"] == "http.request" and bool(last.get("more_body", False))


_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
_DISPOSITION_NAME = re.compile(rb'[;\s]name="([^"]*)"', re.IGNORECASE)
_DISPOSITION_FILE = re.compile(rb"[;\s]filename\*?=", re.IGNORECASE)


def _token_before_files(body: bytes, boundary: bytes, finished: bool) -> tuple[bool, str | None]:
    """Look through the fields at the start of a multipart body for the CSRF token: (decided, token).

    Decided with a token when the csrf_token field is complete; decided without one when a file part, or the
    end of the form, comes first; undecided while the fields so far are incomplete."""
    delimiter = b"--" + boundary
    at = body.find(delimiter)
    while at >= 0:
        start = at + len(delimiter)
        if body[start : start + 2] == b"--":
            return True, None  # the end of the form
        head_end = body.find(b"\r\n\r\n", start)
        if head_end < 0:
            break
        head = body[start:head_end]
        if _DISPOSITION_FILE.search(head):
            return True, None  # a file before the token
        name = _DISPOSITION_NAME.search(head)
        end = body.find(b"\r\n" + delimiter, head_end + 4)
        if end < 0:
            break
        if name and name.group(1).decode("latin-1") == CSRF_FIELD:
            return True, body[head_end + 4 : end].decode("latin-1")
        at = end + 2
    return (finished or len(body) > CSRF_PREFIX_LIMIT), None


class BodyLimits:
    """Pure ASGI middleware, inside the session middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, *, max_upload_mb: int) -> None:
        self.app = app
        self.max_upload = max_upload_mb * MB

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = _content_length(headers)
        if not length and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body
            return
        request = Request(scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.max_upload if multipart else FORM_BODY_LIMIT
        if length is not None and length > limit:
            await self._refuse(_too_large(request, length, limit, multipart), scope, receive, send)
            return
        body = _Body(receive, limit, _limit_message(limit, multipart))
        if scope["method"] not in SAFE_METHODS:
            try:
                refusal = await self._refusal(request, headers, length, multipart, body)
            except BodyTooLarge as e:  # the start of a form read for its token was already too much
                refusal = JSONResponse({"detail": e.detail}, status_code=413)
            if refusal is not None:
                await self._refuse(refusal, scope, receive, send)
                return
        await self._run(scope, body, send)

    async def _refusal(
        self, request: Request, headers: Headers, length: int | None, multipart: bool, body: _Body
    ) -> Response | None:
        """The answer to a request refused for its sender or its CSRF token; None to let it through."""
        if not await run_in_threadpool(_signed_in, request):
            if multipart or (length or 0) > ANONYMOUS_BODY_LIMIT:
                return await _app_answer(request, deps.NotSignedIn())
            body.limit = min(body.limit, ANONYMOUS_BODY_LIMIT)
            body.message = "Sign in first: a request without a session may carry at most 64 KB."
        elif multipart and not await self._csrf_before_files(request.scope, headers, body):
            return await _app_answer(request, deps.CsrfFailed())
        return None

    async def _csrf_before_files(self, scope: Scope, headers: Headers, body: _Body) -> bool:
        token = headers.get(CSRF_HEADER)
        if token is None:
            match = _BOUNDARY.search(headers.get("content-type", ""))
            if match is None:
                return False
            boundary = match.group(1).encode("latin-1")
            while True:
                message = await body.read_more()
                if message["type"] != "http.request":
                    return False  # the client went away
                prefix, more = body.peeked()
                decided, token = _token_before_files(prefix, boundary, finished=not more)
                if decided:
                    break
        return await _csrf_ok(scope, token)

    async def _run(self, scope: Scope, body: _Body, send: Send) -> None:
        started = False

        async def send_started(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, body.receive, send_started)
        except BodyTooLarge as e:
            # Read past the limit outside FastAPI's handlers (which answer it themselves inside them).
            if started:
                raise
            await self._refuse(JSONResponse({"detail": e.detail}, status_code=413), scope, body.receive, send)

    @staticmethod
    async def _refuse(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        response.headers["Connection"] = "close"  # the client stops sending the rest of the body
        await response(scope, receive, send)
