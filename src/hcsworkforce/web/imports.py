"""The upload page: a census's ESR reports, checked, kept and queued as an import job (services/imports.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.esr import parse_one_date
from hcsworkforce.routing.deps import ctx, current_user, verify_csrf
from hcsworkforce.routing.submit import copy_upload, submit_upload
from hcsworkforce.services import access, imports
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import render

router = APIRouter(include_in_schema=False)

UPLOAD_FIELDS = ("extract", "leavers", "establishment")


@router.get("/upload")
def upload_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "upload.html", _upload_context(request, user, [], {}))


def _upload_context(
    request: Request, user: User, errors: list[tuple[str, str]], form: dict[str, Any]
) -> dict[str, Any]:
    """What the upload page shows: for a trust user, the censuses that exist (theirs to add to), latest first."""
    return {
        "errors": errors,
        "can_upload": access.may_upload(user.scope),
        "refusal": access.UPLOAD_REFUSED,
        "organisation": user.scope.code if user.scope.kind == "organisation" else None,
        "censuses": imports.censuses_to_add_to(ctx(request).store),
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
    data_dir = ctx(request).settings.data_dir
    chosen, staged_src = await _chosen_files(request, user, data_dir, (extract, leavers, establishment))
    errors: list[tuple[str, str]] = []
    cdate = _parse_census_field(census_date, errors)
    problem = imports.census_choice_problem(ctx(request).store, user.scope, cdate)
    if problem:
        errors.append(("census_date", problem))
    if "extract" not in chosen:
        errors.append(("extract", "Choose the staff-in-post report to upload"))
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
        token, path = imports.new_staged_path(data_dir, user.id)
        await copy_upload(upload, path)
        staged_files[name] = {"token": token, "name": upload.filename or "upload.csv"}
    _drop_staged(chosen, staged_src)
    form = {"census_date": census_date, "confirm": confirm == "yes", "staged": staged_files}
    return render(request, "upload.html", _upload_context(request, user, errors, form), 422)


async def _chosen_files(
    request: Request, user: User, data_dir: Path, uploads: tuple[UploadFile | None, ...]
) -> tuple[dict[str, UploadFile], dict[str, Path]]:
    """The files chosen now, else those kept from the form's last try (staged_<field> tokens of this user's)."""
    form_data = await request.form()
    chosen: dict[str, UploadFile] = {}
    staged_src: dict[str, Path] = {}
    for name, upload in zip(UPLOAD_FIELDS, uploads, strict=True):
        if upload is not None and upload.filename:
            chosen[name] = upload
            continue
        staged = imports.staged_path(data_dir, user.id, str(form_data.get(f"staged_{name}", "")))
        if staged is not None:
            label = str(form_data.get(f"staged_{name}_name", "")) or staged.name
            chosen[name] = UploadFile(file=staged.open("rb"), filename=label[:200])
            staged_src[name] = staged
    return chosen, staged_src


def _drop_staged(chosen: dict[str, UploadFile], staged_src: dict[str, Path]) -> None:
    for name, upload in chosen.items():
        if name in staged_src:
            upload.file.close()
            staged_src[name].unlink(missing_ok=True)
