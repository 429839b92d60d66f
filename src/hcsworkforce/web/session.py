"""Sign-in and sign-out pages; a signed-in user's own account page (change password); setting a new password
with a one-time reset token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import (
    SignInFailed,
    client_ip,
    ctx,
    current_user,
    optional_user,
    sign_in,
    sign_in_limits,
    sign_out,
    start_session,
    verify_csrf,
)
from hcsworkforce.services import accounts
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import render, safe_next

router = APIRouter(include_in_schema=False)

Secret = Annotated[str, Form(max_length=1000)]


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/sign-in", dependencies=[Depends(verify_csrf)])
def sign_in_form(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Secret = "",
    totp: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        sign_in(request, username, password, totp or None)
    except SignInFailed as e:
        code_problem = e.message in (accounts.CODE_NEEDED_MESSAGE, accounts.WRONG_CODE_MESSAGE)
        context = {
            "next": safe_next(next),
            "username": username,
            "error": e.message,
            "error_field": "totp" if code_problem else "username",
        }
        return render(request, "sign_in.html", context, status_code=e.status_code)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(verify_csrf)])
def sign_out_form(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/account")
def account_page(request: Request, user: User = Depends(current_user)) -> Response:
    return render(request, "account.html", {"errors": [], "notice": None})


@router.post("/account", dependencies=[Depends(verify_csrf)])
def change_password_form(
    request: Request,
    current_password: Secret = "",
    new_password: Secret = "",
    confirm_password: Secret = "",
    user: User = Depends(current_user),
) -> Response:
    errors: list[tuple[str, str]] = []
    if not current_password:
        errors.append(("current_password", "Enter your current password"))
    if new_password != confirm_password:
        errors.append(("confirm_password", "The two new passwords are not the same"))
    if not errors:
        try:
            changed = accounts.change_own_password(
                ctx(request).store,
                user,
                current_password,
                new_password,
                ip=client_ip(request),
                limits=sign_in_limits(request),
            )
        except accounts.Throttled as e:
            return render(request, "account.html", {"errors": [("current_password", e.message)]}, 429)
        except UserInputError as e:
            field = "current_password" if "current password" in e.summary() else "new_password"
            errors.append((field, _capitalised(e.summary())))
        else:
            start_session(request, changed)  # this browser stays signed in; every other one is signed out
            notice = "Your password has been changed. Your other browsers have been signed out."
            return render(request, "account.html", {"errors": [], "notice": notice})
    return render(request, "account.html", {"errors": errors, "notice": None}, status_code=422)


@router.get("/reset-password")
def reset_page(request: Request) -> Response:
    return render(request, "reset_password.html", {"errors": []})


@router.post("/reset-password", dependencies=[Depends(verify_csrf)])
def reset_form(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    new_password: Secret = "",
    confirm_password: Secret = "",
) -> Response:
    errors: list[tuple[str, str]] = []
    if not token.strip():
        errors.append(("token", "Enter the reset token you were given"))
    if new_password != confirm_password:
        errors.append(("confirm_password", "The two new passwords are not the same"))
    if not errors:
        try:
            user = accounts.reset_password(
                ctx(request).store, token, new_password, ip=client_ip(request), limits=sign_in_limits(request)
            )
        except accounts.Throttled as e:
            return render(request, "reset_password.html", {"errors": [("token", e.message)]}, 429)
        except UserInputError as e:
            field = "token" if e.summary() == accounts.BAD_RESET_TOKEN_MESSAGE else "new_password"
            errors.append((field, _capitalised(e.summary())))
        else:
            sign_out(request)  # whoever was signed in here, the new password's owner signs in afresh
            context = {
                "next": "/",
                "error": None,
                "username": user.username,
                "notice": "Your password has been set. Sign in with it.",
            }
            return render(request, "sign_in.html", context)
    return render(request, "reset_password.html", {"errors": errors}, status_code=422)
