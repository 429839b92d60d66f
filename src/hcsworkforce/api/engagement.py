"""Staff survey results for healthcare scientists (the engagement page's twin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/engagement",
    summary="Staff survey engagement of healthcare science vs the rest of the organisation and England",
)
def engagement(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    group: Annotated[str | None, Query(max_length=80)] = None,
    table: Literal["indicators", "trends"] = "indicators",
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = engagement_service.engagement(
        c.store,
        user.scope,
        region=region,
        organisation=organisation,
        year=year,
        group=group,
        suppress_below=c.settings.suppress_below,
    )
    return tabular_response(
        request,
        user,
        format,
        name=f"engagement-{table}",
        title=f"Engagement {table}",
        payload=view.to_json(),
        records=view.indicators if table == "indicators" else view.trends,
        notes=view.notes,
    )
