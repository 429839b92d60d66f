"""The scenarios page: run a projection or compare two, from a shipped example or an uploaded scenario."""

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


def _scenarios_context(user: User, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "examples": scenarios.examples("scenario"),
        "errors": errors,
        "max_runs": scenarios.MAX_RUNS,
        "scope_label": user.describe_scope(),
    }


@router.get("/scenarios")
def scenarios_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "scenarios.html", _scenarios_context(user, []))


@router.post("/scenarios/run", dependencies=[Depends(verify_csrf)])
async def scenarios_run(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Form(max_length=80)] = "",
    runs: Annotated[str, Form(max_length=10)] = "",
    scenario_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        text = await upload_text(scenario_file)
        params = {"example": example or None, "scenario_yaml": text, "runs": runs.strip() or None}
        job_id = await submit(request, user, "projection", params)
    except UserInputError as e:
        return render(request, "scenarios.html", _scenarios_context(user, problem_lines(e)), 422)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/scenarios/compare", dependencies=[Depends(verify_csrf)])
async def scenarios_compare(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    a_example: Annotated[str, Form(max_length=80)] = "",
    b_example: Annotated[str, Form(max_length=80)] = "",
    runs: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    params = {
        "a_example": a_example or None,
        "a_scenario_yaml": None,
        "a_runs": runs.strip() or None,
        "b_example": b_example or None,
        "b_scenario_yaml": None,
        "b_runs": runs.strip() or None,
    }
    try:
        job_id = await submit(request, user, "compare", params)
    except UserInputError as e:
        return render(request, "scenarios.html", _scenarios_context(user, problem_lines(e)), 422)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
