"""Query parameters that a page and its API twin parse the same way, into the service's Query."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request

from hcsworkforce.routing.deps import ctx
from hcsworkforce.services.engagement import EngagementQuery
from hcsworkforce.services.funnel import FunnelQuery
from hcsworkforce.services.pack import PackQuery
from hcsworkforce.services.pathways import PathwaysQuery
from hcsworkforce.services.people import MAX_ENDING_WITHIN_DAYS, PeopleQuery, parse_organisations
from hcsworkforce.services.profile import ProfileQuery
from hcsworkforce.services.published import PublishedProfileQuery
from hcsworkforce.services.trend import TrendQuery, check_grouping


async def profile_query(
    request: Request,
    by: Annotated[
        str | None, Query(description="Comma-separated dimensions; default follows the drill-down")
    ] = None,
    region: Annotated[str | None, Query(max_length=8)] = None,
    organisation: Annotated[str | None, Query(max_length=8)] = None,
    division: Annotated[str | None, Query(max_length=80)] = None,
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    career_level: Annotated[str | None, Query(max_length=40)] = None,
    afc_band: Annotated[str | None, Query(max_length=3)] = None,
    census_date: Annotated[date | None, Query()] = None,
) -> ProfileQuery:
    filters = {
        k: v
        for k, v in {
            "region": region,
            "organisation": organisation,
            "division": division,
            "specialism": specialism,
            "career_level": career_level,
            "afc_band": afc_band,
        }.items()
        if v
    }
    dims = tuple(d.strip().lower() for d in (by or "").split(",") if d.strip())
    return ProfileQuery(dims, filters, census_date, ctx(request).settings.suppress_below)


async def published_query(
    region: Annotated[str | None, Query(max_length=40)] = None,
    organisation: Annotated[str | None, Query(max_length=40)] = None,
    by: Annotated[str, Query(max_length=20, description="none, organisation or region")] = "none",
    staff_group: Annotated[
        str, Query(max_length=100, description="all, hcs or a published staff group")
    ] = "all",
    period: Annotated[str | None, Query(max_length=20)] = None,
) -> PublishedProfileQuery:
    return PublishedProfileQuery(
        region=region or None,
        organisation=organisation or None,
        by=(by or "none").strip().lower(),
        staff_group=staff_group or "all",
        period=period or None,
    )


# A region or ODS organisation code in a query string.
Code = Annotated[str | None, Query(max_length=8)]


async def pathways_query(
    from_level: Annotated[str, Query(max_length=40)] = "new_entrant",
    to_level: Annotated[str, Query(max_length=40)] = "clinical_scientist",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="Pathways shown, shortest first (0: all)")] = 20,
) -> PathwaysQuery:
    return PathwaysQuery(from_level, to_level, specialism or None, limit)


async def engagement_query(
    request: Request,
    region: Code = None,
    organisation: Code = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    group: Annotated[str | None, Query(max_length=80)] = None,
) -> EngagementQuery:
    return EngagementQuery(
        region=region or None,
        organisation=organisation or None,
        year=year,
        group=group or "healthcare_scientists",
        installation_suppress_below=ctx(request).settings.suppress_below,
    )


async def people_query(
    region: Code = None,
    organisation: Code = None,
    organisations: Annotated[
        str,
        Query(
            max_length=400,
            description="Which organisations need leads: employing (in the latest census), all, or ODS codes",
        ),
    ] = "employing",
    as_of: date | None = None,
    ending_within: Annotated[int, Query(ge=0, le=MAX_ENDING_WITHIN_DAYS)] = 90,
    include_filled: bool = False,
) -> PeopleQuery:
    return PeopleQuery(
        region=region or None,
        organisation=organisation or None,
        organisations=parse_organisations(organisations),
        as_of=as_of,
        ending_within_days=ending_within,
        include_filled=include_filled,
    )


def trend_query(
    request: Request,
    metric: str,
    by: str | None,
    region: str | None,
    organisation: str | None,
    show: str | None,
) -> TrendQuery:
    """The trend of /trends and /api/v1/trends: one grouping at most, the installation's threshold."""
    return TrendQuery(
        metric=metric,
        by=check_grouping(by),
        region=region or None,
        organisation=organisation or None,
        show=show or None,
        suppress_below=ctx(request).settings.suppress_below,
    )


def funnel_query(
    request: Request, metric: str, peers: str, region: str | None, census_date: date | None = None
) -> FunnelQuery:
    """The funnel of /benchmark/funnel and /api/v1/funnel, at the installation's threshold."""
    return FunnelQuery(
        metric=metric,
        peers=peers,
        region=region or None,
        census_date=census_date,
        suppress_below=ctx(request).settings.suppress_below,
    )


def pack_query(request: Request, organisation: str | None, census_date: date | None = None) -> PackQuery:
    """The board pack of /pack and /api/v1/pack, at the installation's threshold."""
    return PackQuery(organisation or None, census_date, ctx(request).settings.suppress_below)
