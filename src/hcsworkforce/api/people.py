"""Key posts vacant or ending within the user's scope (the key people page's twin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import people_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import people as people_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/people/gaps", summary="Key posts vacant or ending, within the user's scope (key people page)")
def people_gaps(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[people_service.PeopleQuery, Depends(people_query)],
    format: Format = "json",
) -> Response:
    result = people_service.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name="people-gaps",
        title="Key people gaps",
        payload=result.to_json(),
        records=result.records(),
        notes=result.notes,
    )
