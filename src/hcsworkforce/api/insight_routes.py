"""/api/v1 twins of the trend, funnel, board pack, WISN, key people, engagement and pathway pages.

Each route calls the same function in api/insight.py as its page, so a figure on screen and in a download
cannot differ; CSV and XLSX downloads go to the audit log (routes.tabular_response).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.routing.deps import client_ip, ctx, current_user
from hcsworkforce.routing.queries import Code
from hcsworkforce.routing.responses import Format, suppression_note, tabular_response
from hcsworkforce.services import accounts, insight
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/trends", summary="A metric over every census as XmR (SPC) charts, per group (trends page)")
def trends(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    by: Annotated[str | None, Query(max_length=40, description="One grouping, or none")] = None,
    region: Code = None,
    organisation: Code = None,
    show: Annotated[str | None, Query(max_length=80, description="Only the group with this key")] = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = insight.trend(
        c.store,
        user.scope,
        metric=metric,
        by=by,
        region=region,
        organisation=organisation,
        show=show,
        suppress_below=c.settings.suppress_below,
    )
    return tabular_response(
        request,
        user,
        format,
        name=f"trend-{view.metric}",
        title=f"Trend {view.metric}",
        payload=view.to_json(),
        records=view.point_rows(),
        notes=[*suppression_note(view.suppress_below), *view.result.notes],
    )


@router.get("/trends/summary", summary="Variation and assurance of each group's trend (trends page table)")
def trends_summary(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    by: Annotated[str | None, Query(max_length=40)] = None,
    region: Code = None,
    organisation: Code = None,
    show: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = insight.trend(
        c.store,
        user.scope,
        metric=metric,
        by=by,
        region=region,
        organisation=organisation,
        show=show,
        suppress_below=c.settings.suppress_below,
    )
    rows = view.summary_rows()
    return tabular_response(
        request,
        user,
        format,
        name=f"trend-summary-{view.metric}",
        title=f"Trend summary {view.metric}",
        payload={"metric": view.metric, "by": view.by, "scope_label": view.scope_label, "records": rows},
        records=rows,
        notes=suppression_note(view.suppress_below),
    )


@router.get(
    "/funnel",
    summary="Organisations' rates on a funnel plot against their peers, within the user's scope (funnel page)",
)
def funnel(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "leaver_rate_12m",
    peers: Annotated[str, Query(max_length=10, description="nation or region")] = "nation",
    region: Code = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = insight.funnel(
        c.store,
        user.scope,
        metric=metric,
        peers=peers,
        region=region,
        census_date=census_date,
        suppress_below=c.settings.suppress_below,
    )
    return tabular_response(
        request,
        user,
        format,
        name=f"funnel-{view.metric}",
        title=f"Funnel {view.metric}",
        payload=view.to_json(),
        records=view.table_rows(),
        notes=view.notes,
    )


@router.get(
    "/pack",
    summary="Board pack of an organisation the user may see: self-contained HTML, XLSX, or its tables as JSON",
)
def pack(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    organisation: Code = None,
    census_date: date | None = None,
    format: Literal["html", "xlsx", "json"] = "json",
) -> Response:
    from hcsworkforce.report import tabular
    from hcsworkforce.report.pack import render_html

    c = ctx(request)
    p = insight.board_pack(c.store, user.scope, organisation, census_date, c.settings.suppress_below)
    sheets = insight.pack_sheets(p)
    if format == "json":
        payload = {
            "organisation": p.organisation,
            "organisation_name": p.organisation_name,
            "census_date": p.census_date,
            "censuses": p.censuses,
            "sheets": {name: list(rows) for name, rows in sheets},
            "notes": p.notes,
        }
        return Response(tabular.to_json(payload), media_type="application/json")
    accounts.audit(
        c.store,
        user.username,
        "download",
        ip=client_ip(request),
        what="board-pack",
        format=format,
        query=str(request.url.query),
        organisation=p.organisation,
    )
    stem = f"board_pack_{p.organisation}_{p.census_date.isoformat()}"
    if format == "html":
        # An attachment: the page carries its own inline print stylesheet, which this site's CSP would block
        # if it were shown here; saved, it opens and prints anywhere.
        return Response(
            render_html(p),
            media_type="text/html; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{stem}.html"'},
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.xlsx"
        title = f"Healthcare science workforce board pack: {p.organisation_name} ({p.organisation})"
        tabular.write_xlsx(path, [(n, list(r)) for n, r in sheets], title, p.notes)
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{stem}.xlsx"'},
    )


# -- WISN --------------------------------------------------------------------------------------------------


# -- key people, engagement, pathways ----------------------------------------------------------------------
