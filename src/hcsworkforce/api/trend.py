"""/api/v1/trends: a metric over every census as XmR (SPC) charts per group, the trends page's twin; parse ->
TrendQuery -> services.trend -> JSON, CSV or XLSX (downloads audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code, trend_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import trend
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


async def _query(
    request: Request,
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    by: Annotated[str | None, Query(max_length=40, description="One grouping, or none")] = None,
    region: Code = None,
    organisation: Code = None,
    show: Annotated[str | None, Query(max_length=80, description="Only the group with this key")] = None,
) -> trend.TrendQuery:
    return trend_query(request, metric, by, region, organisation, show)


Params = Annotated[trend.TrendQuery, Depends(_query)]


@router.get("/trends", summary="A metric over every census as XmR (SPC) charts, per group (trends page)")
def trends(
    request: Request, user: Annotated[User, Depends(current_user)], query: Params, format: Format = "json"
) -> Response:
    result = trend.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name=f"trend-{result.metric}",
        title=f"Trend {result.metric}",
        payload=result.to_json(),
        records=result.records(),
        notes=result.notes,
    )


@router.get("/trends/summary", summary="Variation and assurance of each group's trend (trends page table)")
def trends_summary(
    request: Request, user: Annotated[User, Depends(current_user)], query: Params, format: Format = "json"
) -> Response:
    result = trend.run(ctx(request).store, query, user.scope)
    rows = result.summary_rows()
    return tabular_response(
        request,
        user,
        format,
        name=f"trend-summary-{result.metric}",
        title=f"Trend summary {result.metric}",
        payload={
            "metric": result.metric,
            "by": result.by,
            "scope_label": result.scope_label,
            "records": rows,
        },
        records=rows,
        notes=result.notes,
    )
