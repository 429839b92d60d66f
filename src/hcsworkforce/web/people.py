"""The key people page: key posts vacant or ending within the user's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.services import access
from hcsworkforce.services import people as people_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.pages import encode_query, render

router = APIRouter(include_in_schema=False)


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
            lambda: people_service.people_gaps(
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
            qs=encode_query(
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
