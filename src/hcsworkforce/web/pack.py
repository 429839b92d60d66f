"""The board pack page (/pack): an organisation's headlines with links to the HTML pack and its XLSX
(/api/v1/pack), from the same services.pack result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import Code, pack_query
from hcsworkforce.services import access
from hcsworkforce.services import pack as packs
from hcsworkforce.services.accounts import User
from hcsworkforce.web.pages import encode_query, render

router = APIRouter(include_in_schema=False)


@router.get("/pack")
async def pack_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    organisation: Code = None,
) -> Response:
    org = organisation or (user.scope.code if user.scope.kind == "organisation" else None)
    context: dict[str, Any] = {
        "organisations": access.dimension_options(user.scope)["organisation"],
        "organisation": org,
        "pack": None,
        "error": None,
    }
    if org:
        try:
            pack = await run_in_threadpool(
                packs.run, ctx(request).store, pack_query(request, org), user.scope
            )
        except UserInputError as e:
            context["error"] = e.summary()
        else:
            context.update(pack=pack, qs=encode_query(organisation=pack.organisation))
    return render(request, "pack.html", context)
