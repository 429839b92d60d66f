"""What every route depends on: the application context, the signed-in user and their scope, signing in and
out, CSRF checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from hcsworkforce.routing.sessions import CSRF_FIELD, CSRF_HEADER, Session
from hcsworkforce.services import accounts, credentials
from hcsworkforce.services.accounts import User, session_user
from hcsworkforce.services.audit import audit
from hcsworkforce.settings import Settings
from hcsworkforce.store import Store


@dataclass
class AppContext:
    """What routes need of the application: its settings, its store, and a way to have a job run."""

    settings: Settings
    store: Store
    enqueue: Callable[[str], None]  # puts a job (by id, from the jobs table) on the queue


class NotSignedIn(Exception):
    """No valid session: pages redirect to the sign-in page, the API answers 401."""


class SignInFailed(Exception):
    """A wrong name or password (401), or too many failures for the account lately (429)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token: 403."""


def ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def session(request: Request) -> Session:
    return request.scope["state"]["session"]  # type: ignore[no-any-return]


def optional_user(request: Request) -> User | None:
    cached = request.scope["state"].get("user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    sess = session(request)
    user = None
    if sess.user_id is not None:
        user = session_user(ctx(request).store, int(sess.user_id))
        # A disabled account, or one whose sessions were ended, is signed out at its next request.
        if user is None or user.disabled or user.session_epoch != sess.epoch:
            sess.sign_out()
            user = None
    request.scope["state"]["user"] = user
    return user


async def current_user(request: Request) -> User:
    # async so that FastAPI runs it on the event loop rather than sending it to a thread: it is nearly always
    # answered from the memo above, and a thread hop per request costs more than the look-up.
    user = optional_user(request)
    if user is None:
        raise NotSignedIn
    return user


async def verify_csrf(request: Request) -> None:
    """Every POST carries the session's token, in a form field or (htmx, API clients) a header."""
    sess = session(request)
    token = request.headers.get(CSRF_HEADER)
    if not token:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if sess.tampered or not sess.csrf_ok(token):
        raise CsrfFailed


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


# How each refusal of a sign-in is answered: too many failures 429; a second factor required but not enrolled,
# or unreadable by this server, 403; a code needed or wrong, 401 like a wrong password.
_REFUSAL_STATUS = {"throttled": 429, "totp_required": 403, "totp_unreadable": 403}


def sign_in_limits(request: Request) -> accounts.SignInLimits:
    """The sign-in limits of this application's settings (per account, per address, the roles needing TOTP)."""
    return accounts.SignInLimits.from_settings(ctx(request).settings)


def sign_in(request: Request, username: str, password: str, totp: str | None = None) -> User:
    """Check the name, password and (where enrolled) TOTP code, every try audited and counted against the
    limits, and start the user's session; SignInFailed if not."""
    settings = ctx(request).settings
    try:
        user = accounts.authenticate(
            ctx(request).store,
            username,
            password,
            ip=client_ip(request),
            totp=totp,
            limits=sign_in_limits(request),
            secret=credentials.installation_secret(settings),
        )
    except accounts.SignInRefused as e:
        raise SignInFailed(_REFUSAL_STATUS.get(e.reason, 401), e.message) from None
    if user is None:
        raise SignInFailed(401, accounts.WRONG_PASSWORD_MESSAGE)
    start_session(request, user)
    return user


def start_session(request: Request, user: User) -> None:
    """A new session for the user (after sign-in, or after they changed their password: the new epoch)."""
    session(request).sign_in(user.id, user.session_epoch)
    request.scope["state"]["user"] = user


def sign_out(request: Request) -> None:
    """End the session (audited when someone was signed in)."""
    user = optional_user(request)
    if user is not None:
        audit(ctx(request).store, user.username, "sign_out", ip=client_ip(request))
    session(request).sign_out()
