"""The trends page (/trends): a metric over every census as an XmR chart per group, drawn from the same
services.trend result as /api/v1/trends. It reads every census, so it goes through the rendered-page cache,
keyed also by the absence extracts loaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import TREND_METRICS, metric_label, metric_labels
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code, trend_query
from hcsworkforce.services import access, cache, trend
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import cached_page, encode_query

router = APIRouter(include_in_schema=False)


@router.get("/trends")
async def trends_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    by: Annotated[str, Query(max_length=40)] = "",
    region: Code = None,
    organisation: Code = None,
    show: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    # A page falls back to its defaults rather than refuse a hand-edited address (the API refuses: 422).
    if metric not in TREND_METRICS:
        metric = "leaver_rate_12m"
    if by not in trend.TREND_GROUPINGS:
        by = ""
    # Scope is checked before the cache is consulted, so a refused filter is refused every time (403).
    await run_in_threadpool(access.view_scope, ctx(request).store, user.scope, region, organisation)
    key = (metric, by, region, organisation, show, cache.absence_version(ctx(request).store))
    return await cached_page(
        request,
        user,
        "trends.html",
        key,
        lambda: _context(request, user, metric, by, region, organisation, show),
    )


def _context(
    request: Request,
    user: User,
    metric: str,
    by: str,
    region: str | None,
    organisation: str | None,
    show: str | None,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "metrics": metric_labels(TREND_METRICS),
        "groupings": trend.TREND_GROUPINGS,
        "options": access.dimension_options(user.scope),
        "metric": metric,
        "by": by,
        "region": region,
        "organisation": organisation,
        "error": None,
        "view": None,
    }
    try:
        view = trend.run(
            ctx(request).store, trend_query(request, metric, by, region, organisation, show), user.scope
        )
    except UserInputError as e:
        return {**base, "error": e.summary()}
    selected = view.selected()
    chosen = view.key_of(selected) if selected is not None else None
    return {
        **base,
        "view": view,
        "selected": selected,
        "selected_label": view.label_of(selected) if selected is not None else None,
        "svg": None
        if selected is None
        else charts.spc_chart(
            selected["points"],
            title=f"{metric_label(metric)}, {view.label_of(selected)}",
            is_rate=view.is_rate,
            chart_id="spc",
        ),
        "points": [] if selected is None else selected["points"],
        "summary": view.summary_rows(),
        "qs": encode_query(metric=metric, by=by, region=region, organisation=organisation),
        "qs_selected": encode_query(
            metric=metric, by=by, region=region, organisation=organisation, show=chosen
        ),
        "show_link": lambda key: (
            "/trends?"
            + encode_query(metric=metric, by=by, region=region, organisation=organisation, show=key)
        ),
    }
