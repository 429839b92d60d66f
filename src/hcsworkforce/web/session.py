"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.routing.deps import client_ip, ctx, optional_user, session, verify_csrf
from hcsworkforce.services import accounts
from hcsworkforce.services.accounts import Throttled
from hcsworkforce.web.pages import render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/sign-in", dependencies=[Depends(verify_csrf)])
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    store = ctx(request).store
    try:
        user = accounts.authenticate(store, username, password, ip=client_ip(request))
    except Throttled:
        return render(
            request,
            "sign_in.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": "There have been too many failed attempts to sign in to this account. Try again in 15 minutes.",
            },
            status_code=429,
        )
    if user is None:
        return render(
            request,
            "sign_in.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": "The user name or password is not right.",
            },
            status_code=401,
        )
    session(request).sign_in(user.id, user.session_epoch)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(verify_csrf)])
def sign_out(request: Request) -> Response:
    user = optional_user(request)
    if user is not None:
        accounts.audit(ctx(request).store, user.username, "sign_out", ip=client_ip(request))
    session(request).sign_out()
    return RedirectResponse("/sign-in", status_code=303)
