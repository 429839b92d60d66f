"""Surge and absence deployment plans as queued runs (`hcs deploy`'s twin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.routing.submit import RunSource, queued_job, submit_run
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.post(
    "/deployments",
    summary="Plan a surge deployment over the user's scope's staff (an organisation: its own staff); queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_deployment(
    request: Request, user: Annotated[User, Depends(current_user)], body: RunSource
) -> dict[str, Any]:
    params = body.model_dump(exclude={"runs"})
    return queued_job(request, submit_run(request, user, "deployment", params))
