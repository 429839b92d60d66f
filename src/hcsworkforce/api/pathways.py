"""Career pathways between two levels (the pathways page's twin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import current_user
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import pathways as pathways_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/pathways", summary="Career pathways between two levels with total time (pathways page)")
def pathways(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    from_level: Annotated[str, Query(max_length=40)] = "new_entrant",
    to_level: Annotated[str, Query(max_length=40)] = "clinical_scientist",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "json",
) -> Response:
    view = pathways_service.pathways(from_level, to_level, specialism)
    return tabular_response(
        request,
        user,
        format,
        name="pathways",
        title="Career pathways",
        payload=view.to_json(),
        records=view.pathways,
        notes=view.notes,
    )
