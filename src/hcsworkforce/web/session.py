"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.routing.deps import SignInFailed, optional_user, sign_in, sign_out, verify_csrf
from hcsworkforce.web.pages import render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/sign-in", dependencies=[Depends(verify_csrf)])
def sign_in_form(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        sign_in(request, username, password)
    except SignInFailed as e:
        context = {"next": safe_next(next), "username": username, "error": e.message}
        return render(request, "sign_in.html", context, status_code=e.status_code)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(verify_csrf)])
def sign_out_form(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)
