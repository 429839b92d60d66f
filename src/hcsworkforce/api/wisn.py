"""Staffing need per cadre by the WHO WISN method (the WISN page's twin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import wisn as wisn_service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


class WisnRequest(BaseModel):
    """A shipped example by name, or a WISN YAML file's text: exactly one of the two."""

    example: str | None = Field(
        default=None, max_length=80, description="A shipped example (GET /wisn/examples)"
    )
    wisn_yaml: str | None = Field(default=None, max_length=200_000, description="A WISN YAML file's text")


def _wisn_response(request: Request, user: User, view: wisn_service.WisnView, fmt: str) -> Response:
    from hcsworkforce.cli.wisn import pressure_note

    return tabular_response(
        request,
        user,
        fmt,
        name="wisn",
        title="WISN results",
        payload=view.to_json(),
        records=view.rows(),
        notes=[f"Source: {view.source}", pressure_note()],
    )


@router.get("/wisn/examples", summary="Shipped WISN example files")
def wisn_examples(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {
        "examples": [
            {"id": e.id, "name": e.name, "description": e.description} for e in wisn_service.wisn_examples()
        ]
    }


@router.get("/wisn", summary="Staffing need per cadre (WHO WISN) for a shipped example (WISN page)")
def wisn_example(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Query(max_length=80)] = "cardiac_physiology_department",
    format: Format = "json",
) -> Response:
    return _wisn_response(request, user, wisn_service.run_wisn(example, None), format)


@router.post(
    "/wisn",
    summary="Staffing need per cadre (WHO WISN) for an example or a WISN YAML's text; errors as 422 problems",
    dependencies=[Depends(verify_csrf)],
)
def wisn_post(
    request: Request, user: Annotated[User, Depends(current_user)], body: WisnRequest, format: Format = "json"
) -> Response:
    return _wisn_response(request, user, wisn_service.run_wisn(body.example, body.wisn_yaml), format)
