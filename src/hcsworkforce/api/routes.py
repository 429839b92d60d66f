"""JSON API under /api/v1: the data twin of every page (JSON, CSV, XLSX), uploads and runs."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hcsworkforce.errors import UserInputError
from hcsworkforce.report import tabular
from hcsworkforce.routing.deps import Forbidden, client_ip, ctx, current_user, session, verify_csrf
from hcsworkforce.services import accounts, jobs
from hcsworkforce.services import views as services
from hcsworkforce.services.accounts import Throttled, User

router = APIRouter(prefix="/api/v1", tags=["api"])

Format = Literal["json", "csv", "xlsx"]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


# -- output ------------------------------------------------------------------------------------------------
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
    accounts.audit(
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


# -- session -----------------------------------------------------------------------------------------------
class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class SessionOut(BaseModel):
    username: str | None
    role: str | None
    scope_code: str | None
    csrf_token: str


def _session_out(request: Request, user: User | None) -> SessionOut:
    sess = session(request)
    return SessionOut(
        username=user.username if user else None,
        role=user.role if user else None,
        scope_code=user.scope_code if user else None,
        csrf_token=sess.csrf,
    )


@router.get(
    "/session", summary="Who is signed in, and the CSRF token to send on POSTs", response_model=SessionOut
)
def get_session(request: Request) -> SessionOut:
    from hcsworkforce.routing.deps import optional_user

    return _session_out(request, optional_user(request))


@router.post(
    "/session",
    summary="Sign in (JSON body)",
    response_model=SessionOut,
    responses={
        401: {"description": "Wrong name or password"},
        429: {"description": "Too many failed sign-ins"},
    },
)
def post_session(request: Request, body: SignIn) -> Response | SessionOut:
    # A cross-site page cannot send a JSON body without a CORS preflight, which this app never grants, so the
    # JSON sign-in needs no CSRF token of its own (forms on our pages carry one).
    store = ctx(request).store
    try:
        user = accounts.authenticate(store, body.username, body.password, ip=client_ip(request))
    except Throttled:
        return JSONResponse({"detail": "Too many failed sign-ins. Try again in 15 minutes."}, status_code=429)
    if user is None:
        return JSONResponse({"detail": "The user name or password is wrong."}, status_code=401)
    session(request).sign_in(user.id, user.session_epoch)
    request.scope["state"]["user"] = user
    return _session_out(request, user)


@router.post("/session/end", summary="Sign out", dependencies=[Depends(verify_csrf)], status_code=204)
def end_session(request: Request) -> Response:
    from hcsworkforce.routing.deps import optional_user

    user = optional_user(request)
    if user is not None:
        accounts.audit(ctx(request).store, user.username, "sign_out", ip=client_ip(request))
    session(request).sign_out()
    return Response(status_code=204)


# -- data --------------------------------------------------------------------------------------------------
async def profile_query(
    by: Annotated[
        str | None, Query(description="Comma-separated dimensions; default follows the drill-down")
    ] = None,
    region: Annotated[str | None, Query(max_length=8)] = None,
    organisation: Annotated[str | None, Query(max_length=8)] = None,
    division: Annotated[str | None, Query(max_length=80)] = None,
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    career_level: Annotated[str | None, Query(max_length=40)] = None,
    afc_band: Annotated[str | None, Query(max_length=3)] = None,
    census_date: Annotated[date | None, Query()] = None,
) -> services.ProfileQuery:
    filters = {
        k: v
        for k, v in {
            "region": region,
            "organisation": organisation,
            "division": division,
            "specialism": specialism,
            "career_level": career_level,
            "afc_band": afc_band,
        }.items()
        if v
    }
    dims = [d.strip().lower() for d in (by or "").split(",") if d.strip()]
    return services.ProfileQuery(by=dims, filters=filters, census_date=census_date)


@router.get("/censuses", summary="Census dates loaded")
def censuses(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, list[date]]:
    return {"census_dates": services.census_list(ctx(request).store)}


@router.get("/headline", summary="Headline figures for the user's scope (home page)")
def headline(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.headline(c.store, user.scope, c.settings.suppress_below, census_date)
    return tabular_response(
        request,
        user,
        format,
        name="headline",
        title="Headline figures",
        payload=res.to_json(),
        records=[res.totals] if res.totals else [],
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile", summary="Workforce profile grouped by any dimensions, with filters (profile page)")
def profile(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.profile(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="profile",
        title="Workforce profile",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile/age-pyramid", summary="Headcount by age band and gender (profile page chart)")
def age_pyramid(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.age_pyramid(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="age-pyramid",
        title="Age pyramid",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get("/profile/band-mix", summary="FTE and headcount by Agenda for Change band (profile page chart)")
def band_mix(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.band_mix(c.store, user.scope, query, c.settings.suppress_below)
    return tabular_response(
        request,
        user,
        format,
        name="band-mix",
        title="Band mix",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(res.suppress_below),
    )


@router.get(
    "/benchmark", summary="Organisations compared on one metric, with national quartiles (benchmarking)"
)
def benchmark(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: Annotated[str, Query(max_length=40)] = "vacancy_rate",
    specialism: Annotated[str | None, Query(max_length=80)] = None,
    census_date: date | None = None,
    format: Format = "json",
) -> Response:
    c = ctx(request)
    res = services.benchmark(c.store, user.scope, metric, c.settings.suppress_below, specialism, census_date)
    return tabular_response(
        request,
        user,
        format,
        name="benchmark",
        title="Benchmarking",
        payload=res.to_json(),
        records=res.records,
        notes=suppression_note(c.settings.suppress_below),
    )


@router.get(
    "/reference", summary="Reference tables with their sources, dates and verification (about the data)"
)
def reference_sources(
    request: Request, user: Annotated[User, Depends(current_user)], format: Format = "json"
) -> Response:
    rows = services.reference_sources()
    flat = [
        {
            **r,
            "verified": "; ".join(f"{k}: {v}" for k, v in r["verified"].items()),
            "sources": " | ".join(r["sources"]),
        }
        for r in rows
    ]
    return tabular_response(
        request,
        user,
        format,
        name="reference-sources",
        title="Reference data sources",
        payload={"tables": rows},
        records=flat,
    )


# -- uploads and runs --------------------------------------------------------------------------------------
def can_upload(user: User) -> bool:
    """National users load whole censuses; an organisation user loads their own organisation's rows of a
    census (Store.replace_organisation), and any row of another organisation is refused with its row number.
    A region user's extract would hold several trusts: each trust loads its own, or a national user loads all.
    """
    return user.role in ("national", "organisation")


def require_upload_rights(user: User) -> None:
    if not can_upload(user):
        raise Forbidden(
            "Region users cannot load extracts: each trust loads its own, or a national user loads a whole census."
        )


async def save_upload(upload: UploadFile, data_dir: Path) -> Path:
    """Keep the upload in a private folder for the queued job; refuse very large files early."""
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    suffix = Path(upload.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise UserInputError(f"{upload.filename!r} is not a CSV or XLSX file (expected .csv or .xlsx)")
    fd, name = tempfile.mkstemp(dir=folder, suffix=suffix)
    size = 0
    with open(fd, "wb") as fh:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                fh.close()
                Path(name).unlink(missing_ok=True)
                raise UserInputError(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
            fh.write(chunk)
    if size == 0:
        Path(name).unlink(missing_ok=True)
        raise UserInputError(f"{upload.filename!r} is empty")
    return Path(name)


async def submit_upload(
    request: Request,
    user: User,
    extract: UploadFile,
    establishment: UploadFile | None,
    census_date: date | None,
    leavers: UploadFile | None = None,
    confirm: bool = False,
) -> str:
    require_upload_rights(user)
    c = ctx(request)
    path = await save_upload(extract, c.settings.data_dir)
    est_path = leavers_path = None
    if establishment is not None and establishment.filename:
        est_path = await save_upload(establishment, c.settings.data_dir)
    if leavers is not None and leavers.filename:
        leavers_path = await save_upload(leavers, c.settings.data_dir)
    params = {
        "path": str(path),
        "file_name": extract.filename,
        "establishment_path": str(est_path) if est_path else None,
        "establishment_file_name": establishment.filename
        if establishment and establishment.filename
        else None,
        "leavers_path": str(leavers_path) if leavers_path else None,
        "leavers_file_name": leavers.filename if leavers and leavers.filename else None,
        "census_date": census_date.isoformat() if census_date else None,
        "confirm": confirm,
        "actor": user.username,
    }
    job_id, _ = jobs.create_job(c.store, "import", params, user.scope, user.username)
    accounts.audit(c.store, user.username, "import", ip=client_ip(request), job=job_id, file=extract.filename)
    c.run_job(c.settings.resolved_database_url(), job_id)
    return job_id


@router.post(
    "/uploads",
    summary="Upload a staff-in-post report (and optionally its leavers report and an establishment); queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
async def upload(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    extract: Annotated[UploadFile, File(description="Staff-in-post report or extract, CSV or XLSX")],
    establishment: Annotated[UploadFile | None, File(description="Establishment (funded posts)")] = None,
    leavers: Annotated[UploadFile | None, File(description="ESR's separate leavers report")] = None,
    census_date: Annotated[
        date | None,
        Form(
            description="Census date. National users: default the file's own report date (refused if it has "
            "none). Organisation users: a census that exists, default the latest"
        ),
    ] = None,
    confirm: Annotated[
        bool, Form(description="An organisation's re-upload that halves its staff or drops its establishment")
    ] = False,
) -> dict[str, Any]:
    job_id = await submit_upload(request, user, extract, establishment, census_date, leavers, confirm)
    job = jobs.get_job(ctx(request).store, job_id)
    assert job is not None
    return jobs.public_job(job)


@router.get("/jobs", summary="Runs and imports in the user's scope")
def list_jobs(request: Request, user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    rows = jobs.list_jobs(ctx(request).store, user.scope)
    return {"jobs": [jobs.public_job(j, with_result=False) for j in rows]}


@router.get("/jobs/{job_id}", summary="One run: status, progress, and its result when finished")
def get_job(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> dict[str, Any]:
    job = jobs.get_job(ctx(request).store, job_id)
    if job is None or not jobs.visible_to(job, user.scope):
        from fastapi import HTTPException

        raise HTTPException(404, "No such job")
    return jobs.public_job(job)


@router.get("/audit", summary="The audit log (national users only)")
def audit_log(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    event: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    if user.role != "national":
        raise Forbidden("Only national users can read the audit log.")
    return {"entries": accounts.audit_entries(ctx(request).store, limit, event)}


# -- projections, comparisons and deployment plans ---------------------------------------------------------
class RunSource(BaseModel):
    """A shipped example by name, or a scenario's YAML text: exactly one of the two."""

    example: str | None = Field(default=None, max_length=80, description="A shipped example (see /examples)")
    scenario_yaml: str | None = Field(default=None, max_length=200_000, description="A scenario file's text")
    runs: int | None = Field(default=None, ge=1, le=2000, description="Monte Carlo runs (projections only)")


class CompareRequest(BaseModel):
    a: RunSource
    b: RunSource


def submit_run(request: Request, user: User, kind: str, params: dict[str, Any]) -> str:
    """Check the scenario now (so its mistakes are shown at once), queue the run, audit it; a run identical to
    a finished one (same kind, scenario and scope) is served again rather than recomputed."""
    from hcsworkforce.services import engines

    if kind == "projection":
        engines.load_scenario(params)
    elif kind == "compare":
        engines.load_scenario(params, "a_")
        engines.load_scenario(params, "b_")
    else:
        engines.load_surge(params)
    c = ctx(request)
    job_id, reused = jobs.create_job(c.store, kind, params, user.scope, user.username)
    accounts.audit(c.store, user.username, "run", ip=client_ip(request), job=job_id, kind=kind, reused=reused)
    if not reused:
        c.run_job(c.settings.resolved_database_url(), job_id)
    return job_id


def _queued(request: Request, job_id: str) -> dict[str, Any]:
    job = jobs.get_job(ctx(request).store, job_id)
    assert job is not None
    return jobs.public_job(job)


@router.get("/examples/{kind}", summary="Shipped example scenarios: projection (scenario) or surge")
def list_examples(
    request: Request, user: Annotated[User, Depends(current_user)], kind: Literal["scenario", "surge"]
) -> dict[str, Any]:
    from hcsworkforce.services import engines

    return {
        "examples": [
            {"id": e.id, "name": e.name, "description": e.description} for e in engines.examples(kind)
        ]
    }


@router.post(
    "/projections",
    summary="Project supply, demand and the gap for a scenario over the user's scope; queued, returns the job",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_projection(
    request: Request, user: Annotated[User, Depends(current_user)], body: RunSource
) -> dict[str, Any]:
    return _queued(request, submit_run(request, user, "projection", body.model_dump()))


@router.post(
    "/comparisons",
    summary="Project two scenarios on the same data and scope; differences are B - A; queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_comparison(
    request: Request, user: Annotated[User, Depends(current_user)], body: CompareRequest
) -> dict[str, Any]:
    params = {
        **{f"a_{k}": v for k, v in body.a.model_dump().items()},
        **{f"b_{k}": v for k, v in body.b.model_dump().items()},
    }
    return _queued(request, submit_run(request, user, "compare", params))


@router.post(
    "/deployments",
    summary="Plan a surge deployment over the user's scope's staff (an organisation: its own staff); queued",
    status_code=202,
    dependencies=[Depends(verify_csrf)],
)
def post_deployment(
    request: Request, user: Annotated[User, Depends(current_user)], body: RunSource
) -> dict[str, Any]:
    params = body.model_dump(exclude={"runs"})
    return _queued(request, submit_run(request, user, "deployment", params))


def finished_run_tables(request: Request, user: User, job_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished run the user may see, and its tables; 404 otherwise (another scope's run is not there)."""
    from fastapi import HTTPException

    from hcsworkforce.services import engines

    job = jobs.get_job(ctx(request).store, job_id)
    if job is None or not jobs.visible_to(job, user.scope) or job["kind"] not in engines.RESULT_KINDS:
        raise HTTPException(404, "No such run")
    public = jobs.public_job(job)
    if public["status"] != "done" or not public["result"]:
        raise HTTPException(404, "That run has no results (yet)")
    return public, engines.result_tables(job["kind"], public["result"])


@router.get(
    "/jobs/{job_id}/tables/{table}",
    summary="One table of a finished projection, comparison or deployment plan (the run page's charts)",
)
def run_table(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    job_id: Annotated[str, PathParam(max_length=40)],
    table: Annotated[str, PathParam(max_length=40)],
    format: Format = "json",
) -> Response:
    from fastapi import HTTPException

    public, tables = finished_run_tables(request, user, job_id)
    if table not in tables:
        raise HTTPException(404, f"No table {table!r} (expected one of {', '.join(tables)})")
    records = tables[table]
    return tabular_response(
        request,
        user,
        format,
        name=f"{public['kind']}-{table}",
        title=f"{public['kind'].title()} {table.replace('-', ' ')}",
        payload={"job": job_id, "kind": public["kind"], "table": table, "records": records},
        records=records,
        notes=[f"Run {job_id}; parameters hash {public['params_hash']}; result hash {public['result_hash']}"],
    )
