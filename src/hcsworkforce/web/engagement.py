"""The engagement page: staff survey results for healthcare scientists against their organisation and England."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import engagement_query
from hcsworkforce.services import access
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render, run_service

router = APIRouter(include_in_schema=False)


@router.get("/engagement")
async def engagement_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[engagement_service.EngagementQuery, Depends(engagement_query)],
) -> Response:
    store = ctx(request).store
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "region": query.region,
        "organisation": query.organisation,
        "group": query.group,
        "error": None,
        "view": None,
    }
    result = await run_service(context, engagement_service.run, store, query, user.scope)
    if result is not None:
        context.update(
            qs=encode_query(
                region=query.region, organisation=query.organisation, year=result.year, group=result.group
            ),
            year_options=[(str(y), str(y)) for y in reversed(result.years)],
        )
    return render(request, "engagement.html", context)
