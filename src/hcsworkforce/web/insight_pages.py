"""Pages for trends (SPC), funnel benchmarking, board packs, WISN, key people, engagement and pathways.

Each page calls the same function in api/insight.py as its /api/v1 twin. Trends and funnels read every census,
so they go through the rendered-page cache (web/routes.cached_page), keyed also by the absence extracts loaded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.services import access, cache, insight
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.pages import cached_page, encode_query, render

router = APIRouter(include_in_schema=False)


# -- trends ------------------------------------------------------------------------------------------------
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
    c = ctx(request)
    if metric not in insight.TREND_METRICS:
        metric = "leaver_rate_12m"
    if by not in insight.TREND_GROUPINGS:
        by = ""
    # Scope is checked before the cache is consulted, so a refused filter is refused every time (403).
    await run_in_threadpool(access.view_scope, c.store, user.scope, region, organisation)
    key = (metric, by, region, organisation, show, cache.absence_version(c.store))
    return await cached_page(
        request,
        user,
        "trends.html",
        key,
        lambda: _trends_context(request, user, metric, by, region, organisation, show),
    )


def _trends_context(
    request: Request,
    user: User,
    metric: str,
    by: str,
    region: str | None,
    organisation: str | None,
    show: str | None,
) -> dict[str, Any]:
    c = ctx(request)
    base: dict[str, Any] = {
        "metrics": insight.TREND_METRICS,
        "groupings": insight.TREND_GROUPINGS,
        "options": access.dimension_options(user.scope),
        "metric": metric,
        "by": by,
        "region": region,
        "organisation": organisation,
        "error": None,
        "view": None,
    }
    try:
        view = insight.trend(
            c.store,
            user.scope,
            metric=metric,
            by=by,
            region=region,
            organisation=organisation,
            show=show,
            suppress_below=c.settings.suppress_below,
        )
    except UserInputError as e:
        return {**base, "error": e.summary()}
    selected = view.selected()
    svg = None
    points: list[dict[str, Any]] = []
    if selected is not None:
        name = insight.TREND_METRICS[metric]
        svg = charts.spc_chart(
            selected["points"],
            title=f"{name}, {view.label_of(selected)}",
            is_rate=view.is_rate,
            chart_id="spc",
        )
        points = view.point_rows([selected])
    qs = encode_query(metric=metric, by=by, region=region, organisation=organisation)
    chosen_key = view.key_of(selected) if selected is not None else None
    return {
        **base,
        "view": view,
        "selected": selected,
        "selected_label": view.label_of(selected) if selected is not None else None,
        "svg": svg,
        "points": points,
        "summary": view.summary_rows(),
        "qs": qs,
        "qs_selected": encode_query(
            metric=metric, by=by, region=region, organisation=organisation, show=chosen_key
        ),
        "show_link": lambda key: (
            "/trends?"
            + encode_query(metric=metric, by=by, region=region, organisation=organisation, show=key)
        ),
    }


# -- funnels -----------------------------------------------------------------------------------------------
@router.get("/benchmark/funnel")
async def funnel_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    peers: Annotated[str, Query(max_length=10)] = "nation",
    region: Code = None,
) -> Response:
    c = ctx(request)
    if metric not in insight.FUNNEL_METRICS:
        metric = "leaver_rate_12m"
    if peers not in ("nation", "region"):
        peers = "nation"
    await run_in_threadpool(access.view_scope, c.store, user.scope, region, None)
    key = (metric, peers, region, cache.absence_version(c.store))
    return await cached_page(
        request, user, "funnel.html", key, lambda: _funnel_context(request, user, metric, peers, region)
    )


def _funnel_context(
    request: Request, user: User, metric: str, peers: str, region: str | None
) -> dict[str, Any]:
    c = ctx(request)
    base: dict[str, Any] = {
        "metrics": insight.FUNNEL_METRICS,
        "metric": metric,
        "peers": peers,
        "region": region,
        "regions": access.dimension_options(user.scope)["region"],
        "error": None,
        "view": None,
        "min_peers": access.MIN_PEERS,
    }
    try:
        view = insight.funnel(
            c.store,
            user.scope,
            metric=metric,
            peers=peers,
            region=region,
            census_date=None,
            suppress_below=c.settings.suppress_below,
        )
    except UserInputError as e:
        return {**base, "error": e.summary()}
    f = view.funnel or {}
    svg = charts.funnel_chart(
        view.curve,
        view.rows,
        pooled_rate=f.get("pooled_rate"),
        quartile_cuts=(f.get("quartile_cuts") or []) if view.own else [],
        highlight=view.own,
        title=f"{insight.FUNNEL_METRICS[metric]} against {view.peer_label}",
        chart_id="funnel",
    )
    return {
        **base,
        "view": view,
        "svg": svg,
        "rows": view.table_rows(),
        "qs": encode_query(
            metric=metric, peers=peers, region=view.peer_region if peers == "region" else None
        ),
    }


# -- board pack --------------------------------------------------------------------------------------------
@router.get("/pack")
async def pack_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    organisation: Code = None,
) -> Response:
    c = ctx(request)
    org = organisation or (user.scope.code if user.scope.kind == "organisation" else None)
    context: dict[str, Any] = {
        "organisations": access.dimension_options(user.scope)["organisation"],
        "organisation": org,
        "pack": None,
        "error": None,
    }
    if org:
        try:
            pack = await run_in_threadpool(
                insight.board_pack, c.store, user.scope, org, None, c.settings.suppress_below
            )
        except UserInputError as e:
            context["error"] = e.summary()
        else:
            context.update(pack=pack, qs=encode_query(organisation=pack.organisation))
    return render(request, "pack.html", context)


# -- WISN --------------------------------------------------------------------------------------------------


# -- key people, engagement, pathways ----------------------------------------------------------------------
