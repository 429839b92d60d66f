"""Pages for trends (SPC), funnel benchmarking, board packs, WISN, key people, engagement and pathways.

Each page calls the same function in api/insight.py as its /api/v1 twin. Trends and funnels read every census,
so they go through the rendered-page cache (web/routes.cached_page), keyed also by the absence extracts loaded.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user, verify_csrf
from hcsworkforce.services import access, cache, insight
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.routes import cached_page, render

router = APIRouter(include_in_schema=False)

Code = Annotated[str | None, Query(max_length=8)]


def _qs(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def problem_rows(e: UserInputError) -> list[dict[str, Any]]:
    """A UserInputError as rows of key / value / expected / problem, for the table on a form."""
    return [
        {
            "key": p.column or p.file or "",
            "value": p.value or "",
            "expected": p.expected or "",
            "problem": p.message,
        }
        for p in e.problems
    ]


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
    qs = _qs(metric=metric, by=by, region=region, organisation=organisation)
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
        "qs_selected": _qs(metric=metric, by=by, region=region, organisation=organisation, show=chosen_key),
        "show_link": lambda key: (
            "/trends?" + _qs(metric=metric, by=by, region=region, organisation=organisation, show=key)
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
        "qs": _qs(metric=metric, peers=peers, region=view.peer_region if peers == "region" else None),
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
            context.update(pack=pack, qs=_qs(organisation=pack.organisation))
    return render(request, "pack.html", context)


# -- WISN --------------------------------------------------------------------------------------------------
def _wisn_context(
    view: insight.WisnView | None, problems: list[dict[str, Any]], example: str | None
) -> dict[str, Any]:
    from hcsworkforce.cli.wisn import pressure_note

    ctx_: dict[str, Any] = {
        "examples": insight.wisn_examples(),
        "view": view,
        "problems": problems,
        "example": example,
        "pressure_note": pressure_note(),
    }
    if view is not None:
        rows = view.rows()
        ctx_["rows"] = rows
        ctx_["svg"] = charts.diverging_bar_chart(
            [(r["cadre"], r["wisn_difference"]) for r in rows],
            title="WISN difference (existing minus required staff) by cadre",
            unit="staff",
            chart_id="wisn",
        )
        ctx_["activities"] = [
            ("Health service activities", view.activity_rows("health_service_activities")),
            ("Support activities (category allowances)", view.activity_rows("support_activities")),
            ("Additional activities (individual allowances)", view.activity_rows("additional_activities")),
        ]
    return ctx_


@router.get("/wisn")
def wisn_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    if not example:
        return render(request, "wisn.html", _wisn_context(None, [], None))
    try:
        view = insight.run_wisn(example, None)
    except UserInputError as e:
        return render(request, "wisn.html", _wisn_context(None, problem_rows(e), None), 422)
    return render(request, "wisn.html", _wisn_context(view, [], example))


@router.post("/wisn", dependencies=[Depends(verify_csrf)])
async def wisn_upload(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    wisn_file: Annotated[UploadFile | None, File()] = None,
    example: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        text = None
        if wisn_file is not None and wisn_file.filename:
            data = await wisn_file.read(insight.MAX_WISN_BYTES + 1)
            if len(data) > insight.MAX_WISN_BYTES:
                raise UserInputError(f"the WISN file is larger than {insight.MAX_WISN_BYTES // 1000} kB")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UserInputError("the WISN file is not text saved as UTF-8") from None
        view = insight.run_wisn(example or None, text)
    except UserInputError as e:
        return render(request, "wisn.html", _wisn_context(None, problem_rows(e), None), 422)
    return render(request, "wisn.html", _wisn_context(view, [], example or None))


# -- key people, engagement, pathways ----------------------------------------------------------------------
@router.get("/people")
async def people_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    include_filled: bool = False,
) -> Response:
    c = ctx(request)
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "region": region,
        "organisation": organisation,
        "include_filled": include_filled,
        "error": None,
        "view": None,
    }
    try:
        view = await run_in_threadpool(
            lambda: insight.people_gaps(
                c.store,
                user.scope,
                region=region,
                organisation=organisation,
                as_of=None,
                ending_within_days=90,
                include_filled=include_filled,
            )
        )
    except UserInputError as e:
        context["error"] = e.summary()
    else:
        context.update(
            view=view,
            qs=_qs(
                region=region, organisation=organisation, include_filled="true" if include_filled else None
            ),
            svg=charts.stacked_bar_chart(
                [
                    (
                        str(r["region_name"] or r["region_code"]) + ": " + str(r["role"]).replace("_", " "),
                        r["vacant"],
                        r["ending"],
                    )
                    for r in view.by_region
                ][:30],
                names=("Vacant", "Ending within 90 days"),
                title="Key posts vacant or ending, by region and role",
                chart_id="people",
            )
            if view.by_region
            else None,
        )
    return render(request, "people.html", context)


@router.get("/engagement")
async def engagement_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    group: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    c = ctx(request)
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "region": region,
        "organisation": organisation,
        "group": group or "healthcare_scientists",
        "error": None,
        "view": None,
    }
    try:
        view = await run_in_threadpool(
            lambda: insight.engagement(
                c.store,
                user.scope,
                region=region,
                organisation=organisation,
                year=year,
                group=group,
                suppress_below=c.settings.suppress_below,
            )
        )
    except UserInputError as e:
        context["error"] = e.summary()
    else:
        context.update(
            view=view,
            qs=_qs(region=region, organisation=organisation, year=view.year, group=view.group),
            year_options=[(str(y), str(y)) for y in reversed(view.years)],
        )
    return render(request, "engagement.html", context)


@router.get("/pathways")
def pathways_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    from_level: Annotated[str, Query(max_length=40)] = "new_entrant",
    to_level: Annotated[str, Query(max_length=40)] = "clinical_scientist",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    context: dict[str, Any] = {
        "levels": insight.level_options(),
        "specialisms": sorted(
            ((s.id, s.name) for s in reference.specialisms().values()), key=lambda kv: kv[1]
        ),
        "from_level": from_level,
        "to_level": to_level,
        "specialism": specialism,
        "error": None,
        "view": None,
    }
    try:
        view = insight.pathways(from_level, to_level, specialism)
    except UserInputError as e:
        context["error"] = e.summary()
    else:
        context.update(
            view=view,
            qs=_qs(from_level=from_level, to_level=to_level, specialism=specialism),
            svg=charts.bar_chart(
                [(f"{r['rank']}. {r['route']}", r["total_years"]) for r in view.pathways][:15],
                title="Total years of each pathway (training and required experience)",
                unit="years",
                chart_id="pathways",
            )
            if view.pathways
            else None,
        )
    return render(request, "pathways.html", context)
