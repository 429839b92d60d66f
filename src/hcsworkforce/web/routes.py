"""Server-rendered pages. Each calls the same service function as its JSON twin under /api/v1."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from hcsworkforce import __version__, reference
from hcsworkforce.api.routes import can_upload, profile_query, submit_run, submit_upload
from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.esr import parse_one_date
from hcsworkforce.model import labels
from hcsworkforce.model.frames import AGE_BANDS
from hcsworkforce.routing.deps import client_ip, ctx, current_user, optional_user, session, verify_csrf
from hcsworkforce.routing.sessions import CSRF_FIELD
from hcsworkforce.services import access, accounts, cache, engines, jobs
from hcsworkforce.services import views as services
from hcsworkforce.services.accounts import Throttled, User
from hcsworkforce.web import charts, run_views

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(str(Path(__file__).parent / "templates")), PackageLoader("nhsuk_frontend_jinja")]
    ),
    # The NHS.UK macros read optional parameters in chains (params.a.b); ChainableUndefined lets them.
    undefined=ChainableUndefined,
    autoescape=True,
)


def _num(v: Any, digits: int = 0) -> str:
    if v is None:
        return "[c]"  # the Analysis Function's marker for a confidential (suppressed) figure
    if isinstance(v, int | float):
        return f"{v:,.{digits}f}"
    return str(v)


def _pct(v: Any, digits: int = 1) -> str:
    if v is None:
        return "[c]"
    return f"{100 * float(v):.{digits}f}%"


_env.filters["num"] = _num
_env.filters["pct"] = _pct
_env.globals.update(
    version=__version__,
    nhsuk_version="10.6.1",
    htmx_version="2.0.8",
    csrf_field=CSRF_FIELD,
    dimension_names={
        "region": "Region",
        "organisation": "Organisation",
        "division": "Division",
        "specialism": "Specialism",
        "career_level": "Career level",
        "afc_band": "Band",
        "age_band": "Age band",
        "gender": "Gender",
    },
)
templates = Jinja2Templates(env=_env)

NAV = [
    ("/", "Home"),
    ("/profile", "Profile"),
    ("/trends", "Trends"),
    ("/benchmark", "Benchmarking"),
    ("/benchmark/funnel", "Funnels"),
    ("/published", "Published statistics"),
    ("/pack", "Board pack"),
    ("/scenarios", "Scenarios"),
    ("/deployment", "Surge deployment"),
    ("/wisn", "WISN"),
    ("/people", "Key people"),
    ("/engagement", "Engagement"),
    ("/pathways", "Pathways"),
    ("/upload", "Upload"),
    ("/jobs", "Runs"),
    ("/about-data", "About the data"),
]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    user = request.scope["state"].get("user") or None
    base = {
        "user": user,
        "nav": NAV,
        "path": request.url.path,
        "csrf_token": session(request).csrf,
        "csp_nonce": request.scope["state"].get("csp_nonce", ""),
        "htmx": request.headers.get("hx-request") == "true",
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


# -- rendered pages, cached ---------------------------------------------------------------------------------
# A page's HTML depends on the data version, the user's scope and the query; only the CSRF token, the CSP nonce
# and the user's name differ between two users of one scope. Pages are rendered once with marks in those three
# places and the marks replaced per request, so a repeat view costs a dictionary look-up and three string
# replacements instead of a template render of up to 200 KB of HTML.
CSRF_MARK = "hcs-mark-csrf-5f1c0b"
NONCE_MARK = "hcs-mark-nonce-5f1c0b"
NAME_MARK = "hcs-mark-name-5f1c0b"
_pages = cache.Cache(size=2048)
cache.on_clear(_pages.clear)


async def cached_page(
    request: Request,
    user: User,
    name: str,
    key: tuple[Any, ...],
    make_context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    c = ctx(request)
    htmx = request.headers.get("hx-request") == "true"
    full_key = (
        name,
        request.url.path,
        key,
        user.scope,
        htmx,
        c.settings.suppress_below,
        cache.store_version(c.store),
    )
    body: str | None = _pages.peek(full_key)
    if body is None:

        def make() -> str:
            context = make_context()
            base = {
                "user": dataclasses.replace(user, display_name=NAME_MARK),
                "nav": NAV,
                "path": request.url.path,
                "csrf_token": CSRF_MARK,
                "csp_nonce": NONCE_MARK,
                "htmx": htmx,
            }
            return _env.get_template(name).render({**base, **context})

        # A miss computes in a thread (reading the census can take a second); hits never leave the event loop.
        body = await run_in_threadpool(_pages.get, full_key, make)
    nonce = request.scope["state"].get("csp_nonce", "")
    out = (
        body.replace(CSRF_MARK, session(request).csrf)
        .replace(NONCE_MARK, nonce)
        .replace(NAME_MARK, str(escape(user.display_name or user.username)))
    )
    return HTMLResponse(out)


def render_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//host" or a scheme would send the user elsewhere after sign-in.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- sign in -----------------------------------------------------------------------------------------------
@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": _safe_next(next), "error": None, "username": ""})


@router.post("/sign-in", dependencies=[Depends(verify_csrf)])
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    store = ctx(request).store
    try:
        user = accounts.authenticate(store, username, password, ip=client_ip(request))
    except Throttled:
        return render(
            request,
            "sign_in.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": "There have been too many failed attempts to sign in to this account. Try again in 15 minutes.",
            },
            status_code=429,
        )
    if user is None:
        return render(
            request,
            "sign_in.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": "The user name or password is not right.",
            },
            status_code=401,
        )
    session(request).sign_in(user.id, user.session_epoch)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(verify_csrf)])
def sign_out(request: Request) -> Response:
    user = optional_user(request)
    if user is not None:
        accounts.audit(ctx(request).store, user.username, "sign_out", ip=client_ip(request))
    session(request).sign_out()
    return RedirectResponse("/sign-in", status_code=303)


# -- home --------------------------------------------------------------------------------------------------
@router.get("/")
async def home(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    c = ctx(request)

    def make() -> dict[str, Any]:
        res = services.headline(c.store, user.scope, c.settings.suppress_below)
        return {"res": res, "scope_label": user.describe_scope()}

    return await cached_page(request, user, "home.html", (), make)


# -- profile -----------------------------------------------------------------------------------------------
def _query_string(filters: dict[str, str], **extra: str | None) -> str:
    params = {**filters, **{k: v for k, v in extra.items() if v}}
    return urlencode(params)


@router.get("/profile")
async def profile_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    query: Annotated[services.ProfileQuery, Depends(profile_query)],
) -> Response:
    name = "_profile_results.html" if request.headers.get("hx-request") == "true" else "profile.html"
    return await cached_page(request, user, name, query.key(), lambda: _profile_context(request, user, query))


def _profile_context(request: Request, user: User, query: services.ProfileQuery) -> dict[str, Any]:
    c = ctx(request)
    res = services.profile(c.store, user.scope, query, c.settings.suppress_below)
    pyr = services.age_pyramid(c.store, user.scope, query, c.settings.suppress_below)
    bands = services.band_mix(c.store, user.scope, query, c.settings.suppress_below)
    band_labels = [b[2] for b in AGE_BANDS]
    genders = sorted({str(r["gender"]) for r in pyr.records if r["gender"] is not None})
    left_g = next((g for g in genders if g.lower().startswith("f")), genders[0] if genders else "Female")
    right_g = next((g for g in genders if g.lower().startswith("m")), genders[-1] if genders else "Male")
    left = {r["age_band"]: r["headcount"] for r in pyr.records if r["gender"] == left_g}
    right = {r["age_band"]: r["headcount"] for r in pyr.records if r["gender"] == right_g}
    pyramid_rows = [{"age_band": b, "left": left.get(b), "right": right.get(b)} for b in band_labels]
    pyramid_svg = charts.pyramid(
        band_labels,
        left,
        right,
        left_label=left_g,
        right_label=right_g,
        title="Headcount by age band and gender",
        chart_id="pyramid",
    )
    band_svg = charts.bar_chart(
        [(f"Band {r['afc_band']}", r["fte"]) for r in bands.records],
        title="FTE by Agenda for Change band",
        unit="FTE",
        chart_id="bands",
    )
    main_svg = (
        charts.bar_chart(
            [(str(r[f"{res.by[0]}_label"]), r["fte"]) for r in res.records][:40],
            title=f"FTE by {res.by[0].replace('_', ' ')}",
            unit="FTE",
            chart_id="main",
        )
        if res.by
        else None
    )
    qs = _query_string(
        query.filters,
        by=",".join(query.by) or None,
        census_date=query.census_date.isoformat() if query.census_date else None,
    )
    crumbs = [("England", "/profile")] if user.scope.kind == "national" else []
    f = query.filters
    if "region" in f and user.scope.kind == "national":
        crumbs.append((labels.label("region", f["region"]), "/profile?" + urlencode({"region": f["region"]})))
    if "organisation" in f and user.scope.kind != "organisation":
        crumbs.append(
            (
                labels.label("organisation", f["organisation"]),
                "/profile?" + urlencode({k: v for k, v in f.items() if k in ("region", "organisation")}),
            )
        )
    context = {
        "res": res,
        "query": query,
        "qs": qs,
        "options": access.dimension_options(user.scope),
        "censuses": services.census_list(c.store),
        "pyramid_svg": pyramid_svg,
        "pyramid_rows": pyramid_rows,
        "pyramid_labels": (left_g, right_g),
        "band_svg": band_svg,
        "bands": bands,
        "main_svg": main_svg,
        "drill_link": lambda value: (
            "/profile?" + _query_string({**query.filters, res.next_drill or "": value})
        ),
        "crumbs": crumbs,
    }
    return context


# -- benchmarking ------------------------------------------------------------------------------------------
@router.get("/benchmark")
async def benchmark_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    metric: str = "vacancy_rate",
    specialism: str | None = None,
) -> Response:
    if metric not in services.BENCHMARK_METRICS:
        metric = "vacancy_rate"
    if specialism and specialism not in reference.specialisms():
        specialism = None
    return await cached_page(
        request,
        user,
        "benchmark.html",
        (metric, specialism),
        lambda: _benchmark_context(request, user, metric, specialism),
    )


def _benchmark_context(request: Request, user: User, metric: str, specialism: str | None) -> dict[str, Any]:
    c = ctx(request)
    res = services.benchmark(c.store, user.scope, metric, c.settings.suppress_below, specialism)
    is_rate = metric in ("vacancy_rate", "leaver_rate_12m", "stability_index", "share_55_plus")
    scale = 100.0 if is_rate else 1.0
    svg = charts.bar_chart(
        [(r["organisation_label"], None if r[metric] is None else r[metric] * scale) for r in res.records][
            :40
        ],
        title=services.BENCHMARK_METRICS[metric],
        unit="per cent" if is_rate else "",
        chart_id="bench",
    )
    qs = urlencode({k: v for k, v in {"metric": metric, "specialism": specialism}.items() if v})
    return {
        "res": res,
        "svg": svg,
        "metrics": services.BENCHMARK_METRICS,
        "is_rate": is_rate,
        "qs": qs,
        "specialisms": access.dimension_options(user.scope)["specialism"],
    }


# -- upload and runs ---------------------------------------------------------------------------------------
@router.get("/upload")
def upload_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "upload.html", _upload_context(request, user, [], {}))


def _upload_context(
    request: Request, user: User, errors: list[tuple[str, str]], form: dict[str, Any]
) -> dict[str, Any]:
    """What the upload page shows: for a trust user, the censuses that exist (theirs to add to), latest first."""
    store = ctx(request).store
    censuses = sorted(store.census_dates(), reverse=True) if store.is_initialised() else []
    return {
        "errors": errors,
        "can_upload": can_upload(user),
        "organisation": user.scope.code if user.role == "organisation" else None,
        "censuses": censuses,
        "form": form,
    }


def _parse_census_field(text: str, errors: list[tuple[str, str]]) -> date | None:
    """The date as people type it (31/03/2025, 2025-03-31, 31 Mar 2025); blank is None."""
    if not text.strip():
        return None
    d = parse_one_date(text)
    if d is None:
        errors.append(
            ("census_date", f"Enter the census date as a date, for example 31/03/2025 (not {text!r})")
        )
    return d


# Files chosen on a form that came back with an error are kept (for an hour) so the user need not choose
# them again; a browser cannot refill a file input. Each is named by its owner's id and a random token.
STAGED_MAX_AGE_SECONDS = 3600
UPLOAD_FIELDS = ("extract", "leavers", "establishment")


def _staged_path(folder: Path, user: User, token: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    path = folder / f"staged-{user.id}-{token}"
    return path if path.is_file() else None


async def _stage(upload: UploadFile, user: User, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = time.time()
    for old in folder.glob("staged-*"):
        if now - old.stat().st_mtime > STAGED_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with open(folder / f"staged-{user.id}-{token}", "wb") as fh:
        while chunk := await upload.read(1024 * 1024):
            fh.write(chunk)
    return {"token": token, "name": upload.filename or "upload.csv"}


@router.post("/upload", dependencies=[Depends(verify_csrf)])
async def upload_post(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    extract: Annotated[UploadFile | None, File()] = None,
    leavers: Annotated[UploadFile | None, File()] = None,
    establishment: Annotated[UploadFile | None, File()] = None,
    census_date: Annotated[str, Form(max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    form_data = await request.form()
    folder = ctx(request).settings.data_dir / "uploads"
    chosen: dict[str, UploadFile] = {}
    staged_src: dict[str, Path] = {}
    for name, upload in (("extract", extract), ("leavers", leavers), ("establishment", establishment)):
        if upload is not None and upload.filename:
            chosen[name] = upload
            continue
        staged = _staged_path(folder, user, str(form_data.get(f"staged_{name}", "")))
        if staged is not None:
            label = str(form_data.get(f"staged_{name}_name", "")) or staged.name
            chosen[name] = UploadFile(file=staged.open("rb"), filename=label[:200])
            staged_src[name] = staged
    errors = _upload_form_errors(request, user, census_date, "extract" in chosen)
    cdate = _parse_census_field(census_date, errors)
    if not errors:
        try:
            job_id = await submit_upload(
                request,
                user,
                chosen["extract"],
                chosen.get("establishment"),
                cdate,
                chosen.get("leavers"),
                confirm == "yes",
            )
        except UserInputError as e:
            errors.append(("extract", e.summary()))
        else:
            _drop_staged(chosen, staged_src)
            return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    staged_files = {}
    for name, upload in chosen.items():
        await upload.seek(0)
        staged_files[name] = await _stage(upload, user, folder)
    _drop_staged(chosen, staged_src)
    form = {"census_date": census_date, "confirm": confirm == "yes", "staged": staged_files}
    return render(request, "upload.html", _upload_context(request, user, errors, form), 422)


def _drop_staged(chosen: dict[str, UploadFile], staged_src: dict[str, Path]) -> None:
    for name, upload in chosen.items():
        if name in staged_src:
            upload.file.close()
            staged_src[name].unlink(missing_ok=True)


def _upload_form_errors(
    request: Request, user: User, census_date: str, have_extract: bool
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    store = ctx(request).store
    existing = store.census_dates() if store.is_initialised() else []
    if user.role == "organisation":
        if not existing:
            errors.append(
                ("census_date", "There is no census to add your rows to yet: a national user creates it")
            )
        elif census_date.strip():
            d = parse_one_date(census_date)
            if d is not None and d not in existing:
                errors.append(("census_date", "Choose one of the censuses that exist"))
    if not have_extract:
        errors.append(("extract", "Choose the staff-in-post report to upload"))
    return errors


def _job_or_404(request: Request, user: User, job_id: str) -> dict[str, Any] | None:
    job = jobs.get_job(ctx(request).store, job_id)
    if job is None or not jobs.visible_to(job, user.scope):
        return None
    return jobs.public_job(job)


@router.get("/jobs")
def jobs_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    rows = [jobs.public_job(j, with_result=False) for j in jobs.list_jobs(ctx(request).store, user.scope)]
    return render(request, "jobs.html", {"jobs": rows})


@router.get("/jobs/{job_id}")
def job_page(request: Request, user: Annotated[User, Depends(current_user)], job_id: str) -> Response:
    job = _job_or_404(request, user, job_id)
    if job is None:
        return render_error(
            request, 404, "Run not found", "There is no run with that reference in your area."
        )
    name = "_job_status.html" if request.headers.get("hx-request") == "true" else "job.html"
    view = run_views.view_for(job["kind"], job.get("result")) if job["status"] == "done" else None
    return render(
        request,
        name,
        {"job": job, "view": view, "result_json": json.dumps(job.get("result"), default=str)},
    )


# -- scenarios and surge deployment -------------------------------------------------------------------------
async def _scenario_text(upload: UploadFile | None) -> str | None:
    """The text of an uploaded scenario file, or None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = await upload.read(engines.MAX_YAML_BYTES + 1)
    if len(data) > engines.MAX_YAML_BYTES:
        raise UserInputError(f"the scenario file is larger than {engines.MAX_YAML_BYTES // 1000} kB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError("the scenario file is not text saved as UTF-8") from None


def _problem_lines(e: UserInputError) -> list[tuple[str, str]]:
    out = []
    for p in e.problems:
        where = ", ".join(x for x in (p.column, f"value {p.value!r}" if p.value else None) if x)
        text = (
            p.message + (f" ({where})" if where else "") + (f"; expected {p.expected}" if p.expected else "")
        )
        out.append(("runs" if p.column == "runs" else "scenario_file", text))
    return out or [("scenario_file", e.summary())]


def _scenarios_context(user: User, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "examples": engines.examples("scenario"),
        "errors": errors,
        "max_runs": engines.MAX_RUNS,
        "scope_label": user.describe_scope(),
    }


@router.get("/scenarios")
def scenarios_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "scenarios.html", _scenarios_context(user, []))


async def _submit(request: Request, user: User, kind: str, params: dict[str, Any]) -> str:
    return await run_in_threadpool(submit_run, request, user, kind, params)


@router.post("/scenarios/run", dependencies=[Depends(verify_csrf)])
async def scenarios_run(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    example: Annotated[str, Form(max_length=80)] = "",
    runs: Annotated[str, Form(max_length=10)] = "",
    scenario_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        text = await _scenario_text(scenario_file)
        params = {"example": example or None, "scenario_yaml": text, "runs": runs.strip() or None}
        job_id = await _submit(request, user, "projection", params)
    except UserInputError as e:
        return render(request, "scenarios.html", _scenarios_context(user, _problem_lines(e)), 422)
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
        job_id = await _submit(request, user, "compare", params)
    except UserInputError as e:
        return render(request, "scenarios.html", _scenarios_context(user, _problem_lines(e)), 422)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _deployment_context(user: User, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {"examples": engines.examples("surge"), "errors": errors, "scope_label": user.describe_scope()}


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
        text = await _scenario_text(scenario_file)
        params = {"example": example or None, "scenario_yaml": text}
        job_id = await _submit(request, user, "deployment", params)
    except UserInputError as e:
        return render(request, "deployment.html", _deployment_context(user, _problem_lines(e)), 422)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


# -- about the data ----------------------------------------------------------------------------------------
@router.get("/about-data")
def about_data(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    return render(request, "about.html", {"tables": services.reference_sources()})
