"""Training commissions that close the gap, as a queued run (`hcs commission`'s twin); the finished run's
tables download from /api/v1/jobs/{id}/tables/{table} like a projection's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.routing.submit import RunSource, queued_job, submit_run
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


class CommissionRequest(RunSource):
    """A shipped example or a scenario's YAML text, and the options of `hcs commission`."""

    percentile: float | None = Field(
        default=None,
        gt=0,
        lt=100,
        description="Percentile of the gap to close (default the scenario's, else 50)",
    )
    target_year: int | None = Field(
        default=None, ge=2000, le=2200, description="Close the gap by this year (default the scenario's)"
    )
    allocation: Literal["fair", "efficient"] | None = Field(
        default=None, description="How scarce places are shared (default the scenario's)"
    )


@router.post(
    "/commissions",
    summary="Training places per programme, specialism and year that close the gap at least cost, over the "
    "user's scope; queued, returns the job",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_commission(
    request: Request, user: Annotated[User, Depends(current_user)], body: CommissionRequest
) -> dict[str, Any]:
    return queued_job(request, submit_run(request, user, "commission", body.model_dump()))
