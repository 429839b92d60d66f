"""The pathways page: career routes between two levels with their total time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import current_user
from hcsworkforce.services import pathways as pathways_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.pages import encode_query, render

router = APIRouter(include_in_schema=False)


@router.get("/pathways")
def pathways_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    from_level: Annotated[str, Query(max_length=40)] = "new_entrant",
    to_level: Annotated[str, Query(max_length=40)] = "clinical_scientist",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    context: dict[str, Any] = {
        "levels": pathways_service.level_options(),
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
        view = pathways_service.pathways(from_level, to_level, specialism)
    except UserInputError as e:
        context["error"] = e.summary()
    else:
        context.update(
            view=view,
            qs=encode_query(from_level=from_level, to_level=to_level, specialism=specialism),
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
