"""Staff survey results for healthcare scientists (the engagement page's twin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import engagement_query
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
    query: Annotated[engagement_service.EngagementQuery, Depends(engagement_query)],
    table: Literal["indicators", "trends"] = "indicators",
    format: Format = "json",
) -> Response:
    result = engagement_service.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name=f"engagement-{table}",
        title=f"Engagement {table}",
        payload=result.to_json(),
        records=dict(result.tables())["Indicators" if table == "indicators" else "Trends"],
        notes=result.notes,
    )
