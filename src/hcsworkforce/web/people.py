"""The key people page: key posts vacant or ending within the user's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.report import charts
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import people_query
from hcsworkforce.services import access
from hcsworkforce.services import people as people_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render, run_service

router = APIRouter(include_in_schema=False)


def _chart(result: people_service.PeopleResult) -> str | None:
    if not result.by_region:
        return None
    return charts.stacked_bar_chart(
        [
            (
                str(r["region_name"] or r["region_code"]) + ": " + str(r["role"]).replace("_", " "),
                r["vacant"],
                r["ending"],
            )
            for r in result.by_region
        ][:30],
        names=("Vacant", f"Ending within {result.ending_within_days} days"),
        title="Key posts vacant or ending, by region and role",
        chart_id="people",
    )


@router.get("/people")
async def people_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[people_service.PeopleQuery, Depends(people_query)],
) -> Response:
    store = ctx(request).store
    context: dict[str, Any] = {
        "options": access.dimension_options(user.scope),
        "region": query.region,
        "organisation": query.organisation,
        "include_filled": query.include_filled,
        "error": None,
        "view": None,
    }
    result = await run_service(context, people_service.run, store, query, user.scope)
    if result is not None:
        context.update(
            qs=encode_query(
                region=query.region,
                organisation=query.organisation,
                include_filled="true" if query.include_filled else None,
            ),
            svg=_chart(result),
        )
    return render(request, "people.html", context)
