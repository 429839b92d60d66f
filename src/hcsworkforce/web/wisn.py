"""The WISN page: staffing need per cadre from a shipped example or an uploaded WISN file."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.services import wisn as wisn_service
from hcsworkforce.services.accounts import User
from hcsworkforce.web import charts
from hcsworkforce.web.pages import problem_rows, render

router = APIRouter(include_in_schema=False)


def _wisn_context(
    view: wisn_service.WisnView | None, problems: list[dict[str, Any]], example: str | None
) -> dict[str, Any]:
    from hcsworkforce.cli.wisn import pressure_note

    ctx_: dict[str, Any] = {
        "examples": wisn_service.wisn_examples(),
        "view": view,
        "problems": problems,
        "example": example,
        "pressure_note": pressure_note(),
    }
    if view is not None:
        rows = view.rows()
        ctx_["rows"] = rows
        ctx_["svg"] = charts.diverging_bar_chart(
            [(r["cadre"], r["wisn_difference"]) for r in rows],
            title="WISN difference (existing minus required staff) by cadre",
            unit="staff",
            chart_id="wisn",
        )
        ctx_["activities"] = [
            ("Health service activities", view.activity_rows("health_service_activities")),
            ("Support activities (category allowances)", view.activity_rows("support_activities")),
            ("Additional activities (individual allowances)", view.activity_rows("additional_activities")),
        ]
    return ctx_


@router.get("/wisn")
def wisn_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    if not example:
        return render(request, "wisn.html", _wisn_context(None, [], None))
    try:
        view = wisn_service.run_wisn(example, None)
    except UserInputError as e:
        return render(request, "wisn.html", _wisn_context(None, problem_rows(e), None), 422)
    return render(request, "wisn.html", _wisn_context(view, [], example))


@router.post("/wisn", dependencies=[Depends(verify_csrf)])
async def wisn_upload(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    wisn_file: Annotated[UploadFile | None, File()] = None,
    example: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        text = None
        if wisn_file is not None and wisn_file.filename:
            data = await wisn_file.read(wisn_service.MAX_WISN_BYTES + 1)
            if len(data) > wisn_service.MAX_WISN_BYTES:
                raise UserInputError(f"the WISN file is larger than {wisn_service.MAX_WISN_BYTES // 1000} kB")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UserInputError("the WISN file is not text saved as UTF-8") from None
        view = wisn_service.run_wisn(example or None, text)
    except UserInputError as e:
        return render(request, "wisn.html", _wisn_context(None, problem_rows(e), None), 422)
    return render(request, "wisn.html", _wisn_context(view, [], example or None))
