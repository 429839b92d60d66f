"""The upload page: a census's ESR reports, checked, staged and queued as an import job."""

from __future__ import annotations

import re
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.esr import parse_one_date
from hcsworkforce.routing.deps import ctx, current_user, verify_csrf
from hcsworkforce.routing.submit import can_upload, submit_upload
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/upload")
def upload_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "upload.html", _upload_context(request, user, [], {}))


def _upload_context(
    request: Request, user: User, errors: list[tuple[str, str]], form: dict[str, Any]
) -> dict[str, Any]:
    """What the upload page shows: for a trust user, the censuses that exist (theirs to add to), latest first."""
    store = ctx(request).store
    censuses = sorted(store.census_dates(), reverse=True) if store.is_initialised() else []
    return {
        "errors": errors,
        "can_upload": can_upload(user),
        "organisation": user.scope.code if user.role == "organisation" else None,
        "censuses": censuses,
        "form": form,
    }


def _parse_census_field(text: str, errors: list[tuple[str, str]]) -> date | None:
    """The date as people type it (31/03/2025, 2025-03-31, 31 Mar 2025); blank is None."""
    if not text.strip():
        return None
    d = parse_one_date(text)
    if d is None:
        errors.append(
            ("census_date", f"Enter the census date as a date, for example 31/03/2025 (not {text!r})")
        )
    return d


# Files chosen on a form that came back with an error are kept (for an hour) so the user need not choose
# them again; a browser cannot refill a file input. Each is named by its owner's id and a random token.
STAGED_MAX_AGE_SECONDS = 3600

UPLOAD_FIELDS = ("extract", "leavers", "establishment")


def _staged_path(folder: Path, user: User, token: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    path = folder / f"staged-{user.id}-{token}"
    return path if path.is_file() else None


async def _stage(upload: UploadFile, user: User, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = time.time()
    for old in folder.glob("staged-*"):
        if now - old.stat().st_mtime > STAGED_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with open(folder / f"staged-{user.id}-{token}", "wb") as fh:
        while chunk := await upload.read(1024 * 1024):
            fh.write(chunk)
    return {"token": token, "name": upload.filename or "upload.csv"}


@router.post("/upload", dependencies=[Depends(verify_csrf)])
async def upload_post(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    extract: Annotated[UploadFile | None, File()] = None,
    leavers: Annotated[UploadFile | None, File()] = None,
    establishment: Annotated[UploadFile | None, File()] = None,
    census_date: Annotated[str, Form(max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    form_data = await request.form()
    folder = ctx(request).settings.data_dir / "uploads"
    chosen: dict[str, UploadFile] = {}
    staged_src: dict[str, Path] = {}
    for name, upload in (("extract", extract), ("leavers", leavers), ("establishment", establishment)):
        if upload is not None and upload.filename:
            chosen[name] = upload
            continue
        staged = _staged_path(folder, user, str(form_data.get(f"staged_{name}", "")))
        if staged is not None:
            label = str(form_data.get(f"staged_{name}_name", "")) or staged.name
            chosen[name] = UploadFile(file=staged.open("rb"), filename=label[:200])
            staged_src[name] = staged
    errors = _upload_form_errors(request, user, census_date, "extract" in chosen)
    cdate = _parse_census_field(census_date, errors)
    if not errors:
        try:
            job_id = await submit_upload(
                request,
                user,
                chosen["extract"],
                chosen.get("establishment"),
                cdate,
                chosen.get("leavers"),
                confirm == "yes",
            )
        except UserInputError as e:
            errors.append(("extract", e.summary()))
        else:
            _drop_staged(chosen, staged_src)
            return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    staged_files = {}
    for name, upload in chosen.items():
        await upload.seek(0)
        staged_files[name] = await _stage(upload, user, folder)
    _drop_staged(chosen, staged_src)
    form = {"census_date": census_date, "confirm": confirm == "yes", "staged": staged_files}
    return render(request, "upload.html", _upload_context(request, user, errors, form), 422)


def _drop_staged(chosen: dict[str, UploadFile], staged_src: dict[str, Path]) -> None:
    for name, upload in chosen.items():
        if name in staged_src:
            upload.file.close()
            staged_src[name].unlink(missing_ok=True)


def _upload_form_errors(
    request: Request, user: User, census_date: str, have_extract: bool
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    store = ctx(request).store
    existing = store.census_dates() if store.is_initialised() else []
    if user.role == "organisation":
        if not existing:
            errors.append(
                ("census_date", "There is no census to add your rows to yet: a national user creates it")
            )
        elif census_date.strip():
            d = parse_one_date(census_date)
            if d is not None and d not in existing:
                errors.append(("census_date", "Choose one of the censuses that exist"))
    if not have_extract:
        errors.append(("extract", "Choose the staff-in-post report to upload"))
    return errors
