"""How a result leaves as JSON, CSV or XLSX (downloads audited), with its suppression note."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response

from hcsworkforce.report import tabular
from hcsworkforce.routing.deps import client_ip, ctx
from hcsworkforce.services.accounts import User
from hcsworkforce.services.audit import audit

Format = Literal["json", "csv", "xlsx"]


def tabular_response(
    request: Request,
    user: User,
    fmt: str,
    *,
    name: str,
    title: str,
    payload: Any,
    records: Sequence[dict[str, Any]],
    notes: list[str] | None = None,
) -> Response:
    """One result as JSON, CSV or XLSX. Downloads (CSV, XLSX) are written to the audit log."""
    if fmt == "json":
        return Response(tabular.to_json(payload), media_type="application/json")
    audit(
        ctx(request).store,
        user.username,
        "download",
        ip=client_ip(request),
        what=name,
        format=fmt,
        query=str(request.url.query),
        rows=len(records),
    )
    stamp = date.today().isoformat()
    if fmt == "csv":
        return Response(
            tabular.to_csv(records),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="hcs-{name}-{stamp}.csv"'},
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.xlsx"
        tabular.write_xlsx(path, [(title[:31], records)], title, notes or [])
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="hcs-{name}-{stamp}.xlsx"'},
    )


def suppression_note(threshold: int) -> list[str]:
    if not threshold:
        return ["Figures for one organisation; no suppression applied."]
    return [
        f"Counts below {threshold} are suppressed (blank) because this output covers more than one organisation."
    ]
