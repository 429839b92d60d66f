"""Sign in and out through the JSON API; change one's own password; set a new one with a reset token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hcsworkforce.routing.deps import (
    SignInFailed,
    client_ip,
    ctx,
    current_user,
    optional_user,
    session,
    sign_in,
    sign_in_limits,
    sign_out,
    start_session,
    verify_csrf,
)
from hcsworkforce.services import accounts
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    totp: str | None = Field(
        default=None, max_length=20, description="The 6-digit code of an account with a second factor"
    )


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(
        min_length=1,
        max_length=1000,
        description="At least 12 characters, not a common password, hard to guess",
    )


class PasswordReset(BaseModel):
    token: str = Field(
        min_length=1, max_length=200, description="The one-time token from `hcs user reset NAME`"
    )
    new_password: str = Field(
        min_length=1,
        max_length=1000,
        description="At least 12 characters, not a common password, hard to guess",
    )


class SessionOut(BaseModel):
    username: str | None
    role: str | None
    scope_code: str | None
    csrf_token: str


def _session_out(request: Request, user: User | None) -> SessionOut:
    return SessionOut(
        username=user.username if user else None,
        role=user.role if user else None,
        scope_code=user.scope_code if user else None,
        csrf_token=session(request).csrf,
    )


@router.get(
    "/session", summary="Who is signed in, and the CSRF token to send on POSTs", response_model=SessionOut
)
def get_session(request: Request) -> SessionOut:
    return _session_out(request, optional_user(request))


@router.post(
    "/session",
    summary="Sign in (JSON body)",
    response_model=SessionOut,
    responses={
        401: {"description": "Wrong name or password, or the 6-digit code is needed or wrong"},
        403: {"description": "The role must have a second factor and this account has none"},
        429: {"description": "Too many failed sign-ins to the account or from the address"},
    },
)
def post_session(request: Request, body: SignIn) -> Response | SessionOut:
    # A cross-site page cannot send a JSON body without a CORS preflight, which this app never grants, so the
    # JSON sign-in needs no CSRF token of its own (forms on our pages carry one).
    try:
        user = sign_in(request, body.username, body.password, body.totp)
    except SignInFailed as e:
        return JSONResponse({"detail": e.message}, status_code=e.status_code)
    return _session_out(request, user)


@router.post("/session/end", summary="Sign out", dependencies=[Depends(verify_csrf)], status_code=204)
def end_session(request: Request) -> Response:
    sign_out(request)
    return Response(status_code=204)


@router.post(
    "/session/password",
    summary="Change the signed-in user's password (their other sessions end)",
    response_model=SessionOut,
    dependencies=[Depends(verify_csrf)],
    responses={
        422: {
            "description": "The current password is wrong, or the new one is too weak (the message says why)"
        },
        429: {"description": "Too many failed attempts"},
    },
)
def change_password(
    request: Request, body: PasswordChange, user: User = Depends(current_user)
) -> Response | SessionOut:
    try:
        changed = accounts.change_own_password(
            ctx(request).store,
            user,
            body.current_password,
            body.new_password,
            ip=client_ip(request),
            limits=sign_in_limits(request),
        )
    except accounts.Throttled as e:
        return JSONResponse({"detail": e.message}, status_code=429)
    start_session(request, changed)  # this browser stays signed in, with the new epoch; every other one ends
    return _session_out(request, changed)


@router.post(
    "/session/reset",
    summary="Set a new password with a one-time reset token (from `hcs user reset NAME`); send the CSRF token "
    "of GET /api/v1/session",
    status_code=204,
    dependencies=[Depends(verify_csrf)],
    responses={
        422: {
            "description": "The token is not valid (mistyped, expired or used), or the password is too weak"
        },
        429: {"description": "Too many failed attempts from this address"},
    },
)
def reset_password(request: Request, body: PasswordReset) -> Response:
    try:
        accounts.reset_password(
            ctx(request).store,
            body.token,
            body.new_password,
            ip=client_ip(request),
            limits=sign_in_limits(request),
        )
    except accounts.Throttled as e:
        return JSONResponse({"detail": e.message}, status_code=429)
    return Response(status_code=204)
