"""Key posts vacant or ending within the user's scope (the key people page's twin)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import people as people_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/people/gaps", summary="Key posts vacant or ending, within the user's scope (key people page)")
def people_gaps(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    as_of: date | None = None,
    ending_within: Annotated[int, Query(ge=0, le=3650)] = 90,
    include_filled: bool = False,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = people_service.people_gaps(
        c.store,
        user.scope,
        region=region,
        organisation=organisation,
        as_of=as_of,
        ending_within_days=ending_within,
        include_filled=include_filled,
    )
    return tabular_response(
        request,
        user,
        format,
        name="people-gaps",
        title="Key people gaps",
        payload=view.to_json(),
        records=view.posts,
        notes=view.notes,
    )
