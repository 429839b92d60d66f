"""Runs and imports in the user's scope, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.services import audit, jobs
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/jobs", summary="Runs and imports in the user's scope")
def list_jobs(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {"jobs": jobs.jobs_for(ctx(request).store, user.scope)}


@router.get("/jobs/{job_id}", summary="One run: status, progress, and its result when finished")
def get_job(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> dict[str, Any]:
    job = jobs.job_for(ctx(request).store, job_id, user.scope)
    if job is None:
        raise HTTPException(404, "No such job")
    return job


@router.get("/audit", summary="The audit log (national users only)")
def audit_log(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    event: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    return {"entries": audit.entries(ctx(request).store, user.scope, limit, event)}
