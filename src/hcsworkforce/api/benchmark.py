"""/api/v1/benchmark: organisations side by side on one metric, with national quartiles (the benchmark page's
twin; `hcs benchmark METRIC --quartiles` in the terminal)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import benchmark as service
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/benchmark", summary="Organisations compared on one metric, with national quartiles (benchmarking)"
)
def benchmark(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "vacancy_rate",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    query = service.BenchmarkQuery(metric, specialism or None, census_date, c.settings.suppress_below)
    res = service.run(c.store, query, user.scope)
    return tabular_response(
        request,
        user,
        format,
        name="benchmark",
        title="Benchmarking",
        payload=res.to_json(),
        records=res.records(),
        notes=res.notes,
    )
