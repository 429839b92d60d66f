"""The benchmark page: organisations side by side on one metric, against national quartiles."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce import reference
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.services import access
from hcsworkforce.services import views as services
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.pages import cached_page

router = APIRouter(include_in_schema=False)


@router.get("/benchmark")
async def benchmark_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: str = "vacancy_rate",
    specialism: str | None = None,
) -> Response:
    if metric not in services.BENCHMARK_METRICS:
        metric = "vacancy_rate"
    if specialism and specialism not in reference.specialisms():
        specialism = None
    return await cached_page(
        request,
        user,
        "benchmark.html",
        (metric, specialism),
        lambda: _benchmark_context(request, user, metric, specialism),
    )


def _benchmark_context(request: Request, user: User, metric: str, specialism: str | None) -> dict[str, Any]:
    c = ctx(request)
    res = services.benchmark(c.store, user.scope, metric, c.settings.suppress_below, specialism)
    is_rate = metric in ("vacancy_rate", "leaver_rate_12m", "stability_index", "share_55_plus")
    scale = 100.0 if is_rate else 1.0
    svg = charts.bar_chart(
        [(r["organisation_label"], None if r[metric] is None else r[metric] * scale) for r in res.records][
            :40
        ],
        title=services.BENCHMARK_METRICS[metric],
        unit="per cent" if is_rate else "",
        chart_id="bench",
    )
    qs = urlencode({k: v for k, v in {"metric": metric, "specialism": specialism}.items() if v})
    return {
        "res": res,
        "svg": svg,
        "metrics": services.BENCHMARK_METRICS,
        "is_rate": is_rate,
        "qs": qs,
        "specialisms": access.dimension_options(user.scope)["specialism"],
    }
