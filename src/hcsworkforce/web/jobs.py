"""The runs pages: every job in the user's scope, and one job's progress and result."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.services import jobs
from hcsworkforce.services.accounts import User
from hcsworkforce.web import run_views
from hcsworkforce.web.pages import render, render_error

router = APIRouter(include_in_schema=False)


@router.get("/jobs")
def jobs_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "jobs.html", {"jobs": jobs.jobs_for(ctx(request).store, user.scope)})


@router.get("/jobs/{job_id}")
def job_page(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> Response:
    job = jobs.job_for(ctx(request).store, job_id, user.scope)
    if job is None:
        return render_error(
            request, 404, "Run not found", "There is no run with that reference in your area."
        )
    # htmx polls for the status fragment while the job runs; a full load gets the whole page.
    name = "_job_status.html" if request.headers.get("hx-request") == "true" else "job.html"
    view = run_views.view_for(job["kind"], job.get("result")) if job["status"] == "done" else None
    return render(
        request,
        name,
        {"job": job, "view": view, "result_json": json.dumps(job.get("result"), default=str)},
    )
