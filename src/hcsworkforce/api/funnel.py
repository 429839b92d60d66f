"""/api/v1/funnel: organisations' rates on a funnel plot against their peers, within the caller's scope (the
funnel page's twin); parse -> FunnelQuery -> services.funnel -> JSON, CSV or XLSX (downloads audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code, funnel_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import funnel as funnels
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/funnel",
    summary="Organisations' rates on a funnel plot against their peers, within the user's scope (funnel page)",
)
def funnel(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    peers: Annotated[str, Query(max_length=10, description="nation or region")] = "nation",
    region: Code = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    query = funnel_query(request, metric, peers, region, census_date)
    result = funnels.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name=f"funnel-{result.metric}",
        title=f"Funnel {result.metric}",
        payload=result.to_json(),
        records=result.records(),
        notes=result.notes,
    )
