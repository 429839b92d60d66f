"""The runs pages: every job in the user's scope, and one job's progress and result."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.services import jobs
from hcsworkforce.services.accounts import User
from hcsworkforce.web import run_views
from hcsworkforce.web.pages import render, render_error

router = APIRouter(include_in_schema=False)


def _job_or_404(request: Request, user: User, job_id: str) -> dict[str, Any] | None:
    job = jobs.get_job(ctx(request).store, job_id)
    if job is None or not jobs.visible_to(job, user.scope):
        return None
    return jobs.public_job(job)


@router.get("/jobs")
def jobs_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    rows = [jobs.public_job(j, with_result=False) for j in jobs.list_jobs(ctx(request).store, user.scope)]
    return render(request, "jobs.html", {"jobs": rows})


@router.get("/jobs/{job_id}")
def job_page(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> Response:
    job = _job_or_404(request, user, job_id)
    if job is None:
        return render_error(
            request, 404, "Run not found", "There is no run with that reference in your area."
        )
    name = "_job_status.html" if request.headers.get("hx-request") == "true" else "job.html"
    view = run_views.view_for(job["kind"], job.get("result")) if job["status"] == "done" else None
    return render(
        request,
        name,
        {"job": job, "view": view, "result_json": json.dumps(job.get("result"), default=str)},
    )
