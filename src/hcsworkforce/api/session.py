"""Sign in and out through the JSON API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hcsworkforce.routing.deps import (
    SignInFailed,
    optional_user,
    session,
    sign_in,
    sign_out,
    verify_csrf,
)
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


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
        401: {"description": "Wrong name or password"},
        429: {"description": "Too many failed sign-ins"},
    },
)
def post_session(request: Request, body: SignIn) -> Response | SessionOut:
    # A cross-site page cannot send a JSON body without a CORS preflight, which this app never grants, so the
    # JSON sign-in needs no CSRF token of its own (forms on our pages carry one).
    try:
        user = sign_in(request, body.username, body.password)
    except SignInFailed as e:
        return JSONResponse({"detail": e.message}, status_code=e.status_code)
    return _session_out(request, user)


@router.post("/session/end", summary="Sign out", dependencies=[Depends(verify_csrf)], status_code=204)
def end_session(request: Request) -> Response:
    sign_out(request)
    return Response(status_code=204)
