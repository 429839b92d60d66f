"""Career pathways between two levels (the pathways page's twin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import current_user
from hcsworkforce.routing.queries import pathways_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import pathways as pathways_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/pathways", summary="Career pathways between two levels with total time (pathways page)")
def pathways(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[pathways_service.PathwaysQuery, Depends(pathways_query)],
    format: Format = "json",
) -> Response:
    result = pathways_service.run(None, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name="pathways",
        title="Career pathways",
        payload=result.to_json(),
        records=result.records(),
        notes=result.notes,
    )
