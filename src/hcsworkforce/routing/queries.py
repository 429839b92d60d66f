"""Query parameters that a page and its API twin parse the same way."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from hcsworkforce.services import views as services


async def profile_query(
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
) -> services.ProfileQuery:
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
    dims = [d.strip().lower() for d in (by or "").split(",") if d.strip()]
    return services.ProfileQuery(by=dims, filters=filters, census_date=census_date)


# A region or ODS organisation code in a query string.
Code = Annotated[str | None, Query(max_length=8)]
