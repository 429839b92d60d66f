"""JSON API under /api/v1: the data twin of every page (JSON, CSV, XLSX), uploads and runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import profile_query
from hcsworkforce.routing.responses import Format, suppression_note, tabular_response
from hcsworkforce.services import views as services
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


# -- output ------------------------------------------------------------------------------------------------


# -- session -----------------------------------------------------------------------------------------------


# -- data --------------------------------------------------------------------------------------------------


@router.get("/censuses", summary="Census dates loaded")
def censuses(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, list[date]]:
    return {"census_dates": services.census_list(ctx(request).store)}


@router.get("/headline", summary="Headline figures for the user's scope (home page)")
def headline(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.headline(c.store, user.scope, c.settings.suppress_below, census_date)
    return tabular_response(
        request,
        user,
        format,
        name="headline",
        title="Headline figures",
        payload=res.to_json(),
        records=[res.totals] if res.totals else [],
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile", summary="Workforce profile grouped by any dimensions, with filters (profile page)")
def profile(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.profile(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="profile",
        title="Workforce profile",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile/age-pyramid", summary="Headcount by age band and gender (profile page chart)")
def age_pyramid(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.age_pyramid(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="age-pyramid",
        title="Age pyramid",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile/band-mix", summary="FTE and headcount by Agenda for Change band (profile page chart)")
def band_mix(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.band_mix(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="band-mix",
        title="Band mix",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get(
    "/reference", summary="Reference tables with their sources, dates and verification (about the data)"
)
def reference_sources(
    request: Request, user: Annotated[User, Depends(current_user)], format: Format = "json"
) -> Response:
    rows = services.reference_sources()
    flat = [
        {
            **r,
            "verified": "; ".join(f"{k}: {v}" for k, v in r["verified"].items()),
            "sources": " | ".join(r["sources"]),
        }
        for r in rows
    ]
    return tabular_response(
        request,
        user,
        format,
        name="reference-sources",
        title="Reference data sources",
        payload={"tables": rows},
        records=flat,
    )


# -- uploads and runs --------------------------------------------------------------------------------------


# -- projections, comparisons and deployment plans ---------------------------------------------------------
