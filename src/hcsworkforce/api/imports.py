"""Uploading ESR reports as an import job."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.routing.submit import queued_job, submit_upload
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.post(
    "/uploads",
    summary="Upload a staff-in-post report (and optionally its leavers report and an establishment); queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
async def upload(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    extract: Annotated[UploadFile, File(description="Staff-in-post report or extract, CSV or XLSX")],
    establishment: Annotated[UploadFile | None, File(description="Establishment (funded posts)")] = None,
    leavers: Annotated[UploadFile | None, File(description="ESR's separate leavers report")] = None,
    census_date: Annotated[
        date | None,
        Form(
            description="Census date. National users: default the file's own report date (refused if it has "
            "none). Organisation users: a census that exists, default the latest"
        ),
    ] = None,
    confirm: Annotated[
        bool, Form(description="An organisation's re-upload that halves its staff or drops its establishment")
    ] = False,
) -> dict[str, Any]:
    job_id = await submit_upload(request, user, extract, establishment, census_date, leavers, confirm)
    return queued_job(request, job_id)
