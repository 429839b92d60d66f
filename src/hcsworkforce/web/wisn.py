"""The WISN page: staffing need per cadre from a shipped example or an uploaded WISN file."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.services import wisn
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import problem_rows, render, upload_text

router = APIRouter(include_in_schema=False)


def _wisn_page(
    request: Request,
    query: wisn.WisnQuery | None,
    example: str | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> Response:
    """The page with the results of the query (none: the form only), or the problems with nothing calculated."""
    context: dict[str, Any] = {"examples": wisn.wisn_examples(), "view": None, "problems": problems or []}
    if query is not None and not problems:
        try:
            result = wisn.run(None, query)
        except UserInputError as e:
            return _wisn_page(request, None, problems=problem_rows(e))
        rows = result.records()
        context |= {
            "view": result,
            "example": example,
            "rows": rows,
            "activities": result.activity_tables(),
            "svg": charts.diverging_bar_chart(
                [(r["cadre"], r["wisn_difference"]) for r in rows],
                title="WISN difference (existing minus required staff) by cadre",
                unit="staff",
                chart_id="wisn",
            ),
        }
    return render(request, "wisn.html", context, 422 if problems else 200)


@router.get("/wisn")
def wisn_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    return _wisn_page(request, wisn.WisnQuery(example=example) if example else None, example)


@router.post("/wisn", dependencies=[Depends(verify_csrf)])
async def wisn_upload(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    wisn_file: Annotated[UploadFile | None, File()] = None,
    example: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        text = await upload_text(wisn_file, wisn.MAX_WISN_BYTES, "WISN file")
    except UserInputError as e:
        return _wisn_page(request, None, problems=problem_rows(e))
    return _wisn_page(request, wisn.WisnQuery(example=example or None, text=text), example or None)
