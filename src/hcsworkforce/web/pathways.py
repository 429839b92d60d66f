"""The pathways page: career routes between two levels with their total time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce import reference
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import current_user
from hcsworkforce.routing.queries import pathways_query
from hcsworkforce.services import pathways as pathways_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render, run_service

router = APIRouter(include_in_schema=False)


def _chart(result: pathways_service.PathwaysResult) -> str | None:
    if not result.pathways:
        return None
    return charts.bar_chart(
        [(f"{r['rank']}. {r['route']}", r["total_years"]) for r in result.pathways][:15],
        title="Total years of each pathway (training and required experience)",
        unit="years",
        chart_id="pathways",
    )


@router.get("/pathways")
async def pathways_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[pathways_service.PathwaysQuery, Depends(pathways_query)],
) -> Response:
    context: dict[str, Any] = {
        "levels": pathways_service.level_options(),
        "specialisms": sorted(
            ((s.id, s.name) for s in reference.specialisms().values()), key=lambda kv: kv[1]
        ),
        "from_level": query.from_level,
        "to_level": query.to_level,
        "specialism": query.specialism,
        "error": None,
        "view": None,
    }
    result = await run_service(context, pathways_service.run, None, query, user.scope)
    if result is not None:
        context.update(
            qs=encode_query(
                from_level=result.from_level, to_level=result.to_level, specialism=result.specialism
            ),
            columns=pathways_service.PATHWAY_COLUMNS,
            route_columns=pathways_service.ROUTE_COLUMNS,
            svg=_chart(result),
        )
    return render(request, "pathways.html", context)
