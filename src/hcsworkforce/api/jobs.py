"""Runs and imports in the user's scope, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from hcsworkforce.routing.deps import Forbidden, ctx, current_user
from hcsworkforce.services import accounts, jobs
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/jobs", summary="Runs and imports in the user's scope")
def list_jobs(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    rows = jobs.list_jobs(ctx(request).store, user.scope)
    return {"jobs": [jobs.public_job(j, with_result=False) for j in rows]}


@router.get("/jobs/{job_id}", summary="One run: status, progress, and its result when finished")
def get_job(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> dict[str, Any]:
    job = jobs.get_job(ctx(request).store, job_id)
    if job is None or not jobs.visible_to(job, user.scope):
        from fastapi import HTTPException

        raise HTTPException(404, "No such job")
    return jobs.public_job(job)


@router.get("/audit", summary="The audit log (national users only)")
def audit_log(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    event: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    if user.role != "national":
        raise Forbidden("Only national users can read the audit log.")
    return {"entries": accounts.audit_entries(ctx(request).store, limit, event)}
