"""The deployment page: run a surge or absence plan over the user's own staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import current_user, verify_csrf
from hcsworkforce.services import scenarios
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import problem_lines, render, submit, upload_text

router = APIRouter(include_in_schema=False)


def _deployment_context(user: User, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {"examples": scenarios.examples("surge"), "errors": errors, "scope_label": user.describe_scope()}


@router.get("/deployment")
def deployment_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "deployment.html", _deployment_context(user, []))


@router.post("/deployment/run", dependencies=[Depends(verify_csrf)])
async def deployment_run(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Form(max_length=80)] = "",
    scenario_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        text = await upload_text(scenario_file)
        params = {"example": example or None, "scenario_yaml": text}
        job_id = await submit(request, user, "deployment", params)
    except UserInputError as e:
        return render(request, "deployment.html", _deployment_context(user, problem_lines(e)), 422)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
