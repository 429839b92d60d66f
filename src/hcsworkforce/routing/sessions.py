"""Session cookies and CSRF tokens.

A signed-in browser's cookie holds only a random 256-bit token; the session itself (user, CSRF token, times)
is a row in the `sessions` table, found by the token's SHA-256 (services/sessions.py). Sign-out deletes the
row, so a copied cookie is refused afterwards. Nothing in the cookie is signed, so sessions need no secret key.

An anonymous visitor gets a cookie too, holding only a random CSRF token (prefixed "a."), so that the sign-in
form carries a token that a cross-site page cannot know (double-submit); it grants nothing and is never looked
up. Signing in replaces it with a new session token and a new CSRF token.

Cookies are HttpOnly and SameSite=Lax; with `secure_cookies` (served over TLS) they are Secure and named with
the __Host- prefix, which a browser accepts only from this host over TLS (no sibling subdomain can plant one).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hcsworkforce.services import sessions
from hcsworkforce.services.sessions import SessionRecord
from hcsworkforce.settings import Settings
from hcsworkforce.store import Store

COOKIE_NAME = "hcs_session"
SECURE_COOKIE_NAME = "__Host-hcs_session"  # with secure_cookies: Secure, Path=/, no Domain
ANONYMOUS_PREFIX = "a."
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE_NAME if settings.secure_cookies else COOKIE_NAME


class SessionBackend:
    """The store and timeouts the sessions of one application use."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.max_age = timedelta(hours=settings.session_max_hours)


class Session:
    """One request's view of its browser session: signed in (a row in the sessions table) or anonymous.

    Nothing is looked up until a route asks (static files cost nothing): the first use of `user_id`, `csrf`
    or `record` reads the cookie's session."""

    def __init__(
        self,
        backend: SessionBackend | None,
        cookie: str | None,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.backend = backend
        self.ip = ip
        self.user_agent = user_agent
        self.dirty = False  # write a Set-Cookie on the way out
        self.clear = False  # delete the cookie on the way out
        self._cookie = cookie
        self._loaded = False
        self._token: str | None = None
        self._record: SessionRecord | None = None
        self._anonymous_csrf = ""
        self._tampered = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        raw = self._cookie
        if raw is None:
            self._become_anonymous()
        elif raw.startswith(ANONYMOUS_PREFIX) and sessions.well_formed(raw[len(ANONYMOUS_PREFIX) :]):
            self._anonymous_csrf = raw[len(ANONYMOUS_PREFIX) :]
        else:
            record = None
            if self.backend is not None and sessions.well_formed(raw):
                record = sessions.find(self.backend.store, raw, idle=self.backend.idle)
            if record is None:
                # Unknown, ended, expired or malformed: no session, and no CSRF token from it either.
                self._tampered = True
                self._become_anonymous()
            else:
                self._token, self._record = raw, record

    def _become_anonymous(self) -> None:
        self._token, self._record = None, None
        self._anonymous_csrf = sessions.new_token()
        self.dirty = True

    @property
    def record(self) -> SessionRecord | None:
        self._load()
        return self._record

    @property
    def user_id(self) -> int | None:
        self._load()
        return None if self._record is None else self._record.user_id

    @property
    def epoch(self) -> int:
        self._load()
        return 0 if self._record is None else self._record.user_epoch

    @property
    def csrf(self) -> str:
        self._load()
        return self._anonymous_csrf if self._record is None else self._record.csrf

    @property
    def tampered(self) -> bool:
        """A cookie was sent but names no live session (forged, ended or expired)."""
        self._load()
        return self._tampered

    def cookie_value(self) -> str:
        self._load()
        return self._token if self._token is not None else ANONYMOUS_PREFIX + self._anonymous_csrf

    def sign_in(self, user_id: int, epoch: int) -> None:
        """A new session (new token, new CSRF token: nothing planted before sign-in survives it)."""
        if self.backend is None:
            raise RuntimeError("sessions need the SessionMiddleware")
        self._load()
        if self._token is not None:
            sessions.end(self.backend.store, self._token)
        token, record = sessions.start(
            self.backend.store,
            user_id,
            epoch,
            max_age=self.backend.max_age,
            idle=self.backend.idle,
            ip=self.ip,
            user_agent=self.user_agent,
        )
        self._token, self._record, self._tampered, self.dirty = token, record, False, True

    def sign_out(self) -> None:
        """End the session on the server (its row deleted) and go back to an anonymous one."""
        self._load()
        if self._token is not None and self.backend is not None:
            sessions.end(self.backend.store, self._token)
        self._become_anonymous()

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


class SessionMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): puts a Session in scope["state"]["session"]
    and writes its cookie back when it changed."""

    def __init__(self, app: ASGIApp, *, store: Store, settings: Settings) -> None:
        self.app = app
        self.backend = SessionBackend(store, settings)
        self.secure = settings.secure_cookies
        self.name = cookie_name(settings)

    def read_cookie(self, scope: Scope) -> str | None:
        raw = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is treated as no cookie at all
                    continue
                if self.name in jar:
                    raw = jar[self.name].value
        return raw

    def set_cookie(self, session: Session, scheme: str) -> bytes:
        attrs = "; Path=/; HttpOnly; SameSite=Lax"
        if self.secure or scheme == "https":
            attrs += "; Secure"
        if session.clear:
            return f"{self.name}=; Max-Age=0{attrs}".encode("latin-1")
        record = session.record
        if record is None:  # anonymous: a browser-session cookie
            return f"{self.name}={session.cookie_value()}{attrs}".encode("latin-1")
        max_age = max(int((record.expires_at - sessions.utcnow()).total_seconds()), 0)
        return f"{self.name}={session.cookie_value()}; Max-Age={max_age}{attrs}".encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user_agent = None
        for name, value in scope.get("headers", []):
            if name == b"user-agent":
                user_agent = value.decode("latin-1")
        client = scope.get("client")
        session = Session(
            self.backend, self.read_cookie(scope), ip=client[0] if client else None, user_agent=user_agent
        )
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and (session.dirty or session.clear):
                cookie = self.set_cookie(session, scope.get("scheme", "http"))
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
