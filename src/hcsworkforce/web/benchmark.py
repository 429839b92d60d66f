"""The benchmark page: organisations side by side on one metric, against national quartiles."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce import reference
from hcsworkforce.model.labels import BENCHMARK_METRICS, metric_labels
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.services import access
from hcsworkforce.services import benchmark as service
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import cached_page

router = APIRouter(include_in_schema=False)


@router.get("/benchmark")
async def benchmark_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: str = "vacancy_rate",
    specialism: str | None = None,
) -> Response:
    # A page falls back to its defaults rather than refuse a hand-edited address (the API refuses: 422).
    if metric not in BENCHMARK_METRICS:
        metric = "vacancy_rate"
    if specialism and specialism not in reference.specialisms():
        specialism = None
    query = service.BenchmarkQuery(metric, specialism, None, ctx(request).settings.suppress_below)
    return await cached_page(
        request,
        user,
        "benchmark.html",
        (metric, specialism),
        lambda: _benchmark_context(request, user, query),
    )


def _benchmark_context(request: Request, user: User, query: service.BenchmarkQuery) -> dict[str, Any]:
    res = service.run(ctx(request).store, query, user.scope)
    metrics = metric_labels(BENCHMARK_METRICS)
    scale = 100.0 if res.is_rate else 1.0
    svg = charts.bar_chart(
        [
            (r["organisation_label"], None if r[res.metric] is None else r[res.metric] * scale)
            for r in res.rows
        ][:40],
        title=metrics[res.metric],
        unit="per cent" if res.is_rate else "",
        chart_id="bench",
    )
    qs = urlencode({k: v for k, v in {"metric": res.metric, "specialism": res.specialism}.items() if v})
    return {
        "res": res,
        "svg": svg,
        "metrics": metrics,
        "is_rate": res.is_rate,
        "qs": qs,
        "specialisms": access.dimension_options(user.scope)["specialism"],
    }
