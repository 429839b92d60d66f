"""The engagement page: staff survey results for healthcare scientists against their organisation and England."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.services import access
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render

router = APIRouter(include_in_schema=False)


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
            lambda: engagement_service.engagement(
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
            qs=encode_query(region=region, organisation=organisation, year=view.year, group=view.group),
            year_options=[(str(y), str(y)) for y in reversed(view.years)],
        )
    return render(request, "engagement.html", context)
