"""The published statistics page: England, a region or an organisation from NHS England's published tables,
and an organisation's own census beside its published region and England figures. It calls the same service
as its /api/v1/published twins (services/published.py), so a figure on screen and in a download agree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import published_query
from hcsworkforce.services import access
from hcsworkforce.services import published as service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render

router = APIRouter(include_in_schema=False)

STAFF_GROUPS = [("all", "All staff groups"), ("hcs", "Healthcare science only")]
BY = [("none", "The area itself"), ("organisation", "By organisation"), ("region", "By region")]


@router.get("/published")
async def published_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[service.PublishedProfileQuery, Depends(published_query)],
) -> Response:
    c = ctx(request)
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "by_options": BY,
        "group_options": STAFF_GROUPS,
        "region": query.region,
        "organisation": query.organisation,
        "by": query.by,
        "staff_group": query.staff_group,
        "error": None,
        "view": None,
        "bench": None,
        "bench_error": None,
    }
    try:
        view = await run_in_threadpool(service.run, c.store, query, user.scope)
    except UserInputError as e:
        context["error"] = e.summary()
        return render(request, "published.html", context)
    qs = encode_query(
        region=query.region, organisation=query.organisation, by=query.by, staff_group=query.staff_group
    )
    context.update(view=view, qs=qs, columns=service.COLUMNS, import_columns=service.IMPORT_COLUMNS)
    bench_org = query.organisation or (user.scope.code if user.scope.kind == "organisation" else None)
    if bench_org:
        bench = service.PublishedBenchmarkQuery(bench_org, None, c.settings.suppress_below)
        try:
            context["bench"] = await run_in_threadpool(service.run_benchmark, c.store, bench, user.scope)
            context["bench_qs"] = encode_query(organisation=bench_org)
        except UserInputError as e:
            context["bench_error"] = e.summary()
    return render(request, "published.html", context)
