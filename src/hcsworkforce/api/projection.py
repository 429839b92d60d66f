"""Projections and comparisons as queued runs, the shipped examples, and the tables of a finished run (of any
planning or deployment job: projection, compare, commission, deployment)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel

from hcsworkforce.routing.deps import ctx, current_user, verify_csrf
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.routing.submit import RunSource, queued_job, submit_run
from hcsworkforce.services import commission, deploy, jobs, projection, scenarios
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])

# The tables of a finished run, by kind of job: each service makes them from the run's stored JSON.
RESULT_TABLES: dict[str, Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]]]] = {
    "projection": projection.tables_of,
    "compare": projection.compare_tables_of,
    "commission": commission.tables_of,
    "deployment": deploy.tables_of,
}


class CompareRequest(BaseModel):
    a: RunSource
    b: RunSource


@router.get("/examples/{kind}", summary="Shipped example scenarios: projection (scenario) or surge")
def list_examples(
    request: Request, user: Annotated[User, Depends(current_user)], kind: Literal["scenario", "surge"]
) -> dict[str, Any]:
    return {
        "examples": [
            {"id": e.id, "name": e.name, "description": e.description} for e in scenarios.examples(kind)
        ]
    }


@router.post(
    "/projections",
    summary="Project supply, demand and the gap for a scenario over the user's scope; queued, returns the job",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_projection(
    request: Request, user: Annotated[User, Depends(current_user)], body: RunSource
) -> dict[str, Any]:
    return queued_job(request, submit_run(request, user, "projection", body.model_dump()))


@router.post(
    "/comparisons",
    summary="Project two scenarios on the same data and scope; differences are B - A; queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_comparison(
    request: Request, user: Annotated[User, Depends(current_user)], body: CompareRequest
) -> dict[str, Any]:
    params = {
        **{f"a_{k}": v for k, v in body.a.model_dump().items()},
        **{f"b_{k}": v for k, v in body.b.model_dump().items()},
    }
    return queued_job(request, submit_run(request, user, "compare", params))


def finished_run_tables(request: Request, user: User, job_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished run the user may see, and its tables; 404 otherwise (another scope's run is not there)."""
    job = jobs.job_for(ctx(request).store, job_id, user.scope)
    if job is None or job["kind"] not in RESULT_TABLES:
        raise HTTPException(404, "No such run")
    if job["status"] != "done" or not job["result"]:
        raise HTTPException(404, "That run has no results (yet)")
    return job, RESULT_TABLES[job["kind"]](job["result"])


@router.get(
    "/jobs/{job_id}/tables/{table}",
    summary="One table of a finished projection, comparison, commissioning or deployment plan",
)
def run_table(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    job_id: Annotated[str, PathParam(max_length=40)],
    table: Annotated[str, PathParam(max_length=40)],
    format: Format = "json",
) -> Response:
    public, tables = finished_run_tables(request, user, job_id)
    if table not in tables:
        raise HTTPException(404, f"No table {table!r} (expected one of {', '.join(tables)})")
    records = tables[table]
    return tabular_response(
        request,
        user,
        format,
        name=f"{public['kind']}-{table}",
        title=f"{public['kind'].title()} {table.replace('-', ' ')}",
        payload={"job": job_id, "kind": public["kind"], "table": table, "records": records},
        records=records,
        notes=[f"Run {job_id}; parameters hash {public['params_hash']}; result hash {public['result_hash']}"],
    )
