"""Signed session cookies and CSRF tokens.

The cookie holds only a user id, the user's session epoch and a CSRF token, signed (not encrypted) with the
installation's secret key. Every request re-reads the user, so disabling an account ends its sessions at once.
An anonymous visitor also gets a session, so that the sign-in form itself carries a CSRF token.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hcsworkforce.settings import Settings

COOKIE_NAME = "hcs_session"
MAX_AGE_SECONDS = 8 * 3600  # one working day
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept (owner-only) in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass
class Session:
    user_id: int | None = None
    epoch: int = 0
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    dirty: bool = False  # write a Set-Cookie on the way out
    clear: bool = False  # delete the cookie on the way out
    tampered: bool = False  # a cookie was sent but its signature or age was wrong

    def sign_in(self, user_id: int, epoch: int) -> None:
        # A fresh CSRF token at sign-in stops a token planted before sign-in from being reused after it.
        self.user_id, self.epoch, self.csrf, self.dirty = user_id, epoch, secrets.token_urlsafe(32), True

    def sign_out(self) -> None:
        self.user_id, self.epoch, self.csrf, self.dirty = None, 0, secrets.token_urlsafe(32), True

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


class SessionMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): reads the cookie into scope["state"]["session"]
    and writes it back when changed."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool = False) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="hcs-session")
        self.secure = secure

    def load(self, raw: str | None) -> Session:
        if not raw:
            return Session(dirty=True)
        try:
            data: dict[str, Any] = self.serializer.loads(raw, max_age=MAX_AGE_SECONDS)
            return Session(user_id=data.get("u"), epoch=int(data.get("e", 0)), csrf=str(data["c"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return Session(dirty=True, tampered=True)

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(
            {"u": session.user_id, "e": session.epoch, "c": session.csrf, "t": int(time.time())}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is treated as no cookie at all
                    continue
                if COOKIE_NAME in jar:
                    raw = jar[COOKIE_NAME].value
        session = self.load(raw)
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and (session.dirty or session.clear):
                attrs = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                if session.clear:
                    cookie = f"{COOKIE_NAME}=; Max-Age=0{attrs}"
                else:
                    cookie = f"{COOKIE_NAME}={self.dump(session)}; Max-Age={MAX_AGE_SECONDS}{attrs}"
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
