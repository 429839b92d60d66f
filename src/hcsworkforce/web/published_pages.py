"""The published statistics page: England, a region or an organisation from NHS England's published tables,
and an organisation's own census beside its published region and England figures. It calls the same functions
as its /api/v1/published twins (api/published_routes.py), so a figure on screen and in a download agree."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.api import published_routes as twin
from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import current_user
from hcsworkforce.services import access
from hcsworkforce.services import published as svc
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import render

router = APIRouter(include_in_schema=False)

Code = Annotated[str | None, Query(max_length=40)]
STAFF_GROUPS = [("all", "All staff groups"), ("hcs", "Healthcare science only")]
BY = [("none", "The area itself"), ("organisation", "By organisation"), ("region", "By region")]


def encode_query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@router.get("/published")
async def published_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    by: Annotated[str, Query(max_length=20)] = "none",
    staff_group: Annotated[str, Query(max_length=100)] = "all",
) -> Response:
    by = by if by in dict(BY) else "none"
    staff_group = staff_group if staff_group in dict(STAFF_GROUPS) else "all"
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "by_options": BY,
        "group_options": STAFF_GROUPS,
        "region": region,
        "organisation": organisation,
        "by": by,
        "staff_group": staff_group,
        "error": None,
        "view": None,
        "bench": None,
        "bench_error": None,
    }
    try:
        view = await run_in_threadpool(
            twin.profile_view, request, user, region, organisation, by, staff_group, None
        )
    except UserInputError as e:
        context["error"] = e.summary()
        return render(request, "published.html", context)
    qs = encode_query(region=region, organisation=organisation, by=by, staff_group=staff_group)
    context.update(view=view, qs=qs, columns=svc.COLUMNS, import_columns=svc.IMPORT_COLUMNS)
    bench_org = organisation or (user.scope.code if user.scope.kind == "organisation" else None)
    if bench_org:
        try:
            context["bench"] = await run_in_threadpool(twin.benchmark_view, request, user, bench_org, None)
            context["bench_qs"] = encode_query(organisation=bench_org)
        except UserInputError as e:
            context["bench_error"] = e.summary()
    return render(request, "published.html", context)
