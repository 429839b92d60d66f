"""/api/v1/published/...: the JSON (CSV, XLSX) twins of the published statistics page, scoped by the user's role.

The published figures are public statistics, but the views follow the same scope rules as every other page: a
region user profiles their region (or an organisation in it), an organisation user their own organisation; the
benchmark view sets an organisation's census beside its published region and England figures for any user
who may see that organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.routing.deps import ctx, current_user
from hcsworkforce.routing.responses import Format, tabular_response
from hcsworkforce.services import access
from hcsworkforce.services import published as svc
from hcsworkforce.services.accounts import User

router = APIRouter(prefix="/api/v1/published", tags=["api"])

Code = Annotated[str | None, Query(max_length=40)]
T = TypeVar("T")
TABLE_NAMES = ("workforce", "turnover", "sickness", "imports")


def scoped(fn: Callable[[], T]) -> T:
    """Run a service call, turning its out-of-scope refusal into the app's 403."""
    try:
        return fn()
    except svc.OutOfScope:
        raise access.OutOfScope from None


def profile_view(
    request: Request,
    user: User,
    region: str | None,
    organisation: str | None,
    by: str,
    staff_group: str,
    period: str | None,
) -> svc.PublishedProfileResult:
    c = ctx(request)
    query = svc.PublishedProfileQuery(
        region=region or None,
        organisation=organisation or None,
        by=by or "none",
        staff_group=staff_group or "all",
        period=period or None,
    )
    return scoped(lambda: svc.run_profile(c.store, query, user.scope))


def benchmark_organisation(request: Request, user: User, organisation: str | None) -> str:
    """The organisation a benchmark view is of: the user's own for an organisation user, else the one asked for,
    which must be within the user's scope."""
    if user.scope.kind == "organisation":
        if organisation and organisation.strip().upper() != user.scope.code:
            raise access.OutOfScope
        return str(user.scope.code)
    if not organisation:
        raise UserInputError(
            Problem("no organisation chosen", column="organisation", expected="an ODS code such as RGT")
        )
    org = organisation.strip().upper()
    if user.scope.kind == "region":
        from hcsworkforce.store.published import effective_trusts

        t = effective_trusts(ctx(request).store).get(org)
        if t is None or t.region_code != user.scope.code:
            raise access.OutOfScope
    return org


def benchmark_view(
    request: Request, user: User, organisation: str | None, census_date: date | None
) -> svc.PublishedBenchmarkResult:
    c = ctx(request)
    org = benchmark_organisation(request, user, organisation)
    return svc.run_against_published(
        c.store,
        org,
        census_date=census_date,
        suppress_below=access.suppression_for(user.scope, c.settings.suppress_below),
    )


@router.get(
    "/imports", summary="The published statistics loaded: publication, layout, period, rows, suppressed cells"
)
def imports(
    request: Request, user: Annotated[User, Depends(current_user)], format: Format = "json"
) -> Response:
    from hcsworkforce.store.published import list_imports

    rows = [{k: r.get(k) for k in svc.IMPORT_COLUMNS} for r in list_imports(ctx(request).store)]
    return tabular_response(
        request,
        user,
        format,
        name="published-imports",
        title="Published statistics loaded",
        payload={"imports": rows},
        records=rows,
    )


@router.get(
    "/profile",
    summary="England, a region or an organisation from the published tables alone (published statistics page)",
)
def profile(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    region: Code = None,
    organisation: Code = None,
    by: Annotated[str, Query(max_length=20, description="none, organisation or region")] = "none",
    staff_group: Annotated[
        str, Query(max_length=100, description="all, hcs or a published staff group")
    ] = "all",
    period: Annotated[str | None, Query(max_length=20)] = None,
    table: Annotated[
        str, Query(max_length=20, description="For CSV/XLSX: workforce, turnover, sickness, imports")
    ] = "workforce",
    format: Format = "json",
) -> Response:
    if table not in TABLE_NAMES:
        raise UserInputError(
            Problem("is not a table", column="table", value=table, expected=", ".join(TABLE_NAMES))
        )
    view = profile_view(request, user, region, organisation, by, staff_group, period)
    records: list[dict[str, Any]] = view.imports if table == "imports" else view.tables[table]
    return tabular_response(
        request,
        user,
        format,
        name=f"published-{table}",
        title=f"Published {table}, {view.scope_label}",
        payload=view.to_dict(),
        records=records,
        notes=view.notes,
    )


@router.get(
    "/benchmark",
    summary="An organisation's healthcare scientists (census) beside the published organisation, region and England",
)
def benchmark(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    organisation: Code = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    view = benchmark_view(request, user, organisation, census_date)
    return tabular_response(
        request,
        user,
        format,
        name=f"published-benchmark-{view.organisation}",
        title=f"{view.organisation} against published",
        payload=view.to_dict(),
        records=view.rows,
        notes=view.notes,
    )
