"""/api/v1/pack: the board pack of an organisation the caller may see, as self-contained HTML, XLSX or its
tables as JSON (the pack page's downloads); parse -> PackQuery -> services.pack -> report.pack."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.report import tabular
from hcsworkforce.report.pack import file_stem, render_html, write_xlsx_pack
from hcsworkforce.routing.deps import client_ip, ctx, current_user
from hcsworkforce.routing.queries import Code, pack_query
from hcsworkforce.services import pack as packs
from hcsworkforce.services.accounts import User
from hcsworkforce.services.audit import audit

router = APIRouter(prefix="/api/v1", tags=["api"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    c = ctx(request)
    p = packs.run(c.store, pack_query(request, organisation, census_date), user.scope)
    if format == "json":
        return Response(tabular.to_json(p.to_json()), media_type="application/json")
    audit(
        c.store,
        user.username,
        "download",
        ip=client_ip(request),
        what="board-pack",
        format=format,
        query=str(request.url.query),
        organisation=p.organisation,
    )
    if format == "html":
        # An attachment: the page carries its own inline print stylesheet, which this site's CSP would block
        # if it were shown here; saved, it opens and prints anywhere.
        return Response(
            render_html(p),
            media_type="text/html; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{file_stem(p)}.html"'},
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.xlsx"
        write_xlsx_pack(p, path)
        body = path.read_bytes()
    return Response(
        body, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{file_stem(p)}.xlsx"'}
    )
