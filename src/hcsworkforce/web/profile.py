"""The home page, the profile page (drill-down, filters, charts) and the about-the-data page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcsworkforce.model import labels
from hcsworkforce.model.frames import AGE_BANDS
from hcsworkforce.report import charts
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.queries import profile_query
from hcsworkforce.services import access, reference
from hcsworkforce.services import profile as service
from hcsworkforce.services.accounts import User
from hcsworkforce.services.profile import ProfileQuery, ProfileResult
from hcsworkforce.web.pages import cached_page, query_string, render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    c = ctx(request)

    def make() -> dict[str, Any]:
        query = ProfileQuery(service.HEADLINE_BY, {}, None, c.settings.suppress_below)
        return {"res": service.run(c.store, query, user.scope), "scope_label": user.describe_scope()}

    return await cached_page(request, user, "home.html", (), make)


@router.get("/profile")
async def profile_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[ProfileQuery, Depends(profile_query)],
) -> Response:
    name = "_profile_results.html" if request.headers.get("hx-request") == "true" else "profile.html"
    return await cached_page(request, user, name, query.key(), lambda: _profile_context(request, user, query))


def _pyramid(pyr: ProfileResult) -> dict[str, Any]:
    """The age pyramid: women on the left, men on the right (or the first and last genders recorded)."""
    band_labels = [b[2] for b in AGE_BANDS]
    genders = sorted({str(r["gender"]) for r in pyr.rows if r["gender"] is not None})
    left_g = next((g for g in genders if g.lower().startswith("f")), genders[0] if genders else "Female")
    right_g = next((g for g in genders if g.lower().startswith("m")), genders[-1] if genders else "Male")
    left = {r["age_band"]: r["headcount"] for r in pyr.rows if r["gender"] == left_g}
    right = {r["age_band"]: r["headcount"] for r in pyr.rows if r["gender"] == right_g}
    svg = charts.pyramid(
        band_labels,
        left,
        right,
        left_label=left_g,
        right_label=right_g,
        title="Headcount by age band and gender",
        chart_id="pyramid",
    )
    rows = [{"age_band": b, "left": left.get(b), "right": right.get(b)} for b in band_labels]
    return {"pyramid_svg": svg, "pyramid_rows": rows, "pyramid_labels": (left_g, right_g)}


def _crumbs(user: User, filters: dict[str, str]) -> list[tuple[str, str]]:
    crumbs = [("England", "/profile")] if user.scope.kind == "national" else []
    if "region" in filters and user.scope.kind == "national":
        crumbs.append(
            (
                labels.label("region", filters["region"]),
                "/profile?" + urlencode({"region": filters["region"]}),
            )
        )
    if "organisation" in filters and user.scope.kind != "organisation":
        crumbs.append(
            (
                labels.label("organisation", filters["organisation"]),
                "/profile?"
                + urlencode({k: v for k, v in filters.items() if k in ("region", "organisation")}),
            )
        )
    return crumbs


def _profile_context(request: Request, user: User, query: ProfileQuery) -> dict[str, Any]:
    store = ctx(request).store
    res = service.run(store, query, user.scope)
    bands = service.run(store, query.grouped(service.BAND_MIX_BY), user.scope)
    band_svg = charts.bar_chart(
        [(f"Band {r['afc_band']}", r["fte"]) for r in bands.rows],
        title="FTE by Agenda for Change band",
        unit="FTE",
        chart_id="bands",
    )
    main_svg = (
        charts.bar_chart(
            [(str(r[f"{res.by[0]}_label"]), r["fte"]) for r in res.rows][:40],
            title=f"FTE by {res.by[0].replace('_', ' ')}",
            unit="FTE",
            chart_id="main",
        )
        if res.by
        else None
    )
    qs = query_string(
        query.filters,
        by=",".join(query.by) or None,
        census_date=query.census_date.isoformat() if query.census_date else None,
    )
    return {
        "res": res,
        "query": query,
        "qs": qs,
        "options": access.dimension_options(user.scope),
        "censuses": service.census_dates(store),
        **_pyramid(service.run(store, query.grouped(service.PYRAMID_BY), user.scope)),
        "band_svg": band_svg,
        "bands": bands,
        "main_svg": main_svg,
        "drill_link": lambda value: (
            "/profile?" + query_string({**query.filters, res.next_drill or "": value})
        ),
        "crumbs": _crumbs(user, query.filters),
    }


@router.get("/about-data")
def about_data(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "about.html", {"tables": reference.sources().rows})
