"""/api/v1 profile routes: the censuses loaded, the headline figures, the profile with its age pyramid and
band mix (JSON, CSV, XLSX), and the reference sources (the twins of the home, profile and about pages)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import profile_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import profile as service
from hcsworkforce.services import reference
from hcsworkforce.services.accounts import User
from hcsworkforce.services.profile import ProfileQuery

router = APIRouter(prefix="/api/v1", tags=["api"])

User_ = Annotated[User, Depends(current_user)]
Query_ = Annotated[ProfileQuery, Depends(profile_query)]


def _profile(request: Request, user: User, query: ProfileQuery, fmt: str, name: str, title: str) -> Response:
    res = service.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        fmt,
        name=name,
        title=title,
        payload=res.to_json(),
        records=res.records(),
        notes=res.notes,
    )


@router.get("/censuses", summary="Census dates loaded")
def censuses(request: Request, user: User_) -> dict[str, list[date]]:
    return {"census_dates": service.census_dates(ctx(request).store)}


@router.get("/headline", summary="Headline figures for the user's scope (home page)")
def headline(
    request: Request, user: User_, census_date: date | None = None, format: Format = "json"
) -> Response:
    c = ctx(request)
    query = ProfileQuery(service.HEADLINE_BY, {}, census_date, c.settings.suppress_below)
    res = service.run(c.store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name="headline",
        title="Headline figures",
        payload=res.to_json(),
        records=[res.totals] if res.totals else [],
        notes=res.notes,
    )


@router.get("/profile", summary="Workforce profile grouped by any dimensions, with filters (profile page)")
def profile(request: Request, user: User_, query: Query_, format: Format = "json") -> Response:
    return _profile(request, user, query, format, "profile", "Workforce profile")


@router.get("/profile/age-pyramid", summary="Headcount by age band and gender (profile page chart)")
def age_pyramid(request: Request, user: User_, query: Query_, format: Format = "json") -> Response:
    return _profile(request, user, query.grouped(service.PYRAMID_BY), format, "age-pyramid", "Age pyramid")


@router.get("/profile/band-mix", summary="FTE and headcount by Agenda for Change band (profile page chart)")
def band_mix(request: Request, user: User_, query: Query_, format: Format = "json") -> Response:
    return _profile(request, user, query.grouped(service.BAND_MIX_BY), format, "band-mix", "Band mix")


@router.get(
    "/reference", summary="Reference tables with their sources, dates and verification (about the data)"
)
def reference_sources(request: Request, user: User_, format: Format = "json") -> Response:
    res = reference.sources()
    return tabular_response(
        request,
        user,
        format,
        name="reference-sources",
        title="Reference data sources",
        payload=res.to_json(),
        records=res.records(),
        notes=res.notes,
    )
