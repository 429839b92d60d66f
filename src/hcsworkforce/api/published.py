"""/api/v1/published/...: the JSON (CSV, XLSX) twins of the published statistics page, scoped by the user's role.

The published figures are public statistics, but the views follow the same scope rules as every other page: a
region user profiles their region (or an organisation in it), an organisation user their own organisation; the
benchmark view sets an organisation's census beside its published region and England figures for any user
who may see that organisation.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import published_query
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import published as service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1/published", tags=["api"])


@router.get(
    "/imports", summary="The published statistics loaded: publication, layout, period, rows, suppressed cells"
)
def imports(
    request: Request, user: Annotated[User, Depends(current_user)], format: Format = "json"
) -> Response:
    rows = service.imports(ctx(request).store)
    return tabular_response(
        request,
        user,
        format,
        name="published-imports",
        title="Published statistics loaded",
        payload={"imports": rows},
        records=rows,
    )


@router.get(
    "/profile",
    summary="England, a region or an organisation from the published tables alone (published statistics page)",
)
def profile(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[service.PublishedProfileQuery, Depends(published_query)],
    table: Annotated[
        str, Query(max_length=20, description="For CSV/XLSX: workforce, turnover, sickness, imports")
    ] = "workforce",
    format: Format = "json",
) -> Response:
    view = service.run(ctx(request).store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name=f"published-{table}",
        title=f"Published {table}, {view.scope_label}",
        payload=view.to_json(),
        records=view.table(table),
        notes=view.notes,
    )


@router.get(
    "/benchmark",
    summary="An organisation's healthcare scientists (census) beside the published organisation, region and England",
)
def benchmark(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    organisation: Annotated[str | None, Query(max_length=40)] = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    query = service.PublishedBenchmarkQuery(organisation, census_date, c.settings.suppress_below)
    view = service.run_benchmark(c.store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name=f"published-benchmark-{view.organisation}",
        title=f"{view.organisation} against published",
        payload=view.to_json(),
        records=view.records(),
        notes=view.notes,
    )
