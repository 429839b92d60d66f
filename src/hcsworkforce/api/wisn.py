"""Staffing need per cadre by the WHO WISN method (the WISN page's twin, and `hcs wisn`'s)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import wisn
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


class WisnRequest(BaseModel):
    """A shipped example by name, or a WISN YAML file's text: exactly one of the two."""

    example: str | None = Field(
        default=None, max_length=80, description="A shipped example (GET /wisn/examples)"
    )
    wisn_yaml: str | None = Field(
        default=None, max_length=wisn.MAX_WISN_BYTES, description="A WISN YAML file's text"
    )


def _wisn_response(request: Request, user: User, query: wisn.WisnQuery, fmt: str) -> Response:
    result = wisn.run(None, query, user.scope)
    return tabular_response(
        request,
        user,
        fmt,
        name="wisn",
        title="WISN results",
        payload=result.to_json(),
        records=result.records(),
        notes=result.notes,
    )


@router.get("/wisn/examples", summary="Shipped WISN example files")
def wisn_examples(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {
        "examples": [{"id": e.id, "name": e.name, "description": e.description} for e in wisn.wisn_examples()]
    }


@router.get("/wisn", summary="Staffing need per cadre (WHO WISN) for a shipped example (WISN page)")
def wisn_example(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Query(max_length=80)] = "cardiac_physiology_department",
    format: Format = "json",
) -> Response:
    return _wisn_response(request, user, wisn.WisnQuery(example=example), format)


@router.post(
    "/wisn",
    summary="Staffing need per cadre (WHO WISN) for an example or a WISN YAML's text; errors as 422 problems",
    dependencies=[Depends(verify_csrf)],
)
def wisn_post(
    request: Request, user: Annotated[User, Depends(current_user)], body: WisnRequest, format: Format = "json"
) -> Response:
    query = wisn.WisnQuery(example=body.example or None, text=body.wisn_yaml or None)
    return _wisn_response(request, user, query, format)
