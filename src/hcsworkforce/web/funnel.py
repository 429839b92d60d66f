"""The funnel page (/benchmark/funnel): each organisation's rate against its peers, drawn from the same
services.funnel result as /api/v1/funnel, so the disclosure rule is the service's. It reads the census with
absence, so it goes through the rendered-page cache, keyed also by the absence extracts loaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import RATE_METRICS, metric_label, metric_labels
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code, funnel_query
from hcsworkforce.services import access, cache
from hcsworkforce.services import funnel as funnels
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import cached_page, encode_query

router = APIRouter(include_in_schema=False)


@router.get("/benchmark/funnel")
async def funnel_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    peers: Annotated[str, Query(max_length=10)] = "nation",
    region: Code = None,
) -> Response:
    # A page falls back to its defaults rather than refuse a hand-edited address (the API refuses: 422).
    if metric not in RATE_METRICS:
        metric = "leaver_rate_12m"
    if peers not in ("nation", "region"):
        peers = "nation"
    await run_in_threadpool(access.view_scope, ctx(request).store, user.scope, region, None)
    key = (metric, peers, region, cache.absence_version(ctx(request).store))
    return await cached_page(
        request, user, "funnel.html", key, lambda: _context(request, user, metric, peers, region)
    )


def _context(request: Request, user: User, metric: str, peers: str, region: str | None) -> dict[str, Any]:
    base: dict[str, Any] = {
        "metrics": metric_labels(RATE_METRICS),
        "metric": metric,
        "peers": peers,
        "region": region,
        "regions": access.dimension_options(user.scope)["region"],
        "error": None,
        "view": None,
        "min_peers": access.MIN_PEERS,
    }
    try:
        view = funnels.run(ctx(request).store, funnel_query(request, metric, peers, region), user.scope)
    except UserInputError as e:
        return {**base, "error": e.summary()}
    # One funnel drawn: the region asked for, else (every region's, for a national user) the first region's.
    f = next((f for f in view.funnels if f["region"]), view.funnels[0])
    own = user.scope.code if user.scope.kind == "organisation" else None
    rows = [{k: r.get(k) for k in funnels.ROW_COLUMNS} for r in view.rows_of(f)]
    return {
        **base,
        "view": view,
        "funnel": None if f["withheld"] else f,
        "peer_label": f["peer_group"],
        "own": own,
        "rows": rows,
        "svg": charts.funnel_chart(
            f["curve"],
            rows,
            pooled_rate=f.get("pooled_rate"),
            quartile_cuts=(f.get("quartile_cuts") or []) if own else [],
            highlight=own,
            title=f"{metric_label(metric)} against {f['peer_group']}",
            chart_id="funnel",
        ),
        "qs": encode_query(metric=metric, peers=peers, region=f["region"] if peers == "region" else None),
    }
