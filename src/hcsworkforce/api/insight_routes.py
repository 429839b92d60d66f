"""/api/v1 twins of the trend, funnel, board pack, WISN, key people, engagement and pathway pages.

Each route calls the same function in api/insight.py as its page, so a figure on screen and in a download
cannot differ; CSV and XLSX downloads go to the audit log (routes.tabular_response).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hcsworkforce.api.routes import Format, suppression_note, tabular_response
from hcsworkforce.routing.deps import client_ip, ctx, current_user, verify_csrf
from hcsworkforce.services import accounts, insight
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1", tags=["api"])

Code = Annotated[str | None, Query(max_length=8)]


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
class WisnRequest(BaseModel):
    """A shipped example by name, or a WISN YAML file's text: exactly one of the two."""

    example: str | None = Field(
        default=None, max_length=80, description="A shipped example (GET /wisn/examples)"
    )
    wisn_yaml: str | None = Field(default=None, max_length=200_000, description="A WISN YAML file's text")


def _wisn_response(request: Request, user: User, view: insight.WisnView, fmt: str) -> Response:
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
            {"id": e.id, "name": e.name, "description": e.description} for e in insight.wisn_examples()
        ]
    }


@router.get("/wisn", summary="Staffing need per cadre (WHO WISN) for a shipped example (WISN page)")
def wisn_example(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Query(max_length=80)] = "cardiac_physiology_department",
    format: Format = "json",
) -> Response:
    return _wisn_response(request, user, insight.run_wisn(example, None), format)


@router.post(
    "/wisn",
    summary="Staffing need per cadre (WHO WISN) for an example or a WISN YAML's text; errors as 422 problems",
    dependencies=[Depends(verify_csrf)],
)
def wisn_post(
    request: Request, user: Annotated[User, Depends(current_user)], body: WisnRequest, format: Format = "json"
) -> Response:
    return _wisn_response(request, user, insight.run_wisn(body.example, body.wisn_yaml), format)


# -- key people, engagement, pathways ----------------------------------------------------------------------
@router.get("/people/gaps", summary="Key posts vacant or ending, within the user's scope (key people page)")
def people_gaps(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    as_of: date | None = None,
    ending_within: Annotated[int, Query(ge=0, le=3650)] = 90,
    include_filled: bool = False,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = insight.people_gaps(
        c.store,
        user.scope,
        region=region,
        organisation=organisation,
        as_of=as_of,
        ending_within_days=ending_within,
        include_filled=include_filled,
    )
    return tabular_response(
        request,
        user,
        format,
        name="people-gaps",
        title="Key people gaps",
        payload=view.to_json(),
        records=view.posts,
        notes=view.notes,
    )


@router.get(
    "/engagement",
    summary="Staff survey engagement of healthcare science vs the rest of the organisation and England",
)
def engagement(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    group: Annotated[str | None, Query(max_length=80)] = None,
    table: Literal["indicators", "trends"] = "indicators",
    format: Format = "json",
) -> Response:
    c = ctx(request)
    view = insight.engagement(
        c.store,
        user.scope,
        region=region,
        organisation=organisation,
        year=year,
        group=group,
        suppress_below=c.settings.suppress_below,
    )
    return tabular_response(
        request,
        user,
        format,
        name=f"engagement-{table}",
        title=f"Engagement {table}",
        payload=view.to_json(),
        records=view.indicators if table == "indicators" else view.trends,
        notes=view.notes,
    )


@router.get("/pathways", summary="Career pathways between two levels with total time (pathways page)")
def pathways(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    from_level: Annotated[str, Query(max_length=40)] = "new_entrant",
    to_level: Annotated[str, Query(max_length=40)] = "clinical_scientist",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "json",
) -> Response:
    view = insight.pathways(from_level, to_level, specialism)
    return tabular_response(
        request,
        user,
        format,
        name="pathways",
        title="Career pathways",
        payload=view.to_json(),
        records=view.pathways,
        notes=view.notes,
    )
