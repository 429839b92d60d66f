"""Server-rendered pages. Each calls the same service function as its JSON twin under /api/v1."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from hcsworkforce import __version__
from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import ctx, session
from hcsworkforce.routing.sessions import CSRF_FIELD
from hcsworkforce.routing.submit import submit_run
from hcsworkforce.services import cache, scenarios
from hcsworkforce.services.accounts import User

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


def safe_next(target: str | None) -> str:
    # Only a path on this site: "//host" or a scheme would send the user elsewhere after sign-in.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- forms and queries --------------------------------------------------------------------------------------
def query_string(filters: dict[str, str], **extra: str | None) -> str:
    params = {**filters, **{k: v for k, v in extra.items() if v}}
    return urlencode(params)


def encode_query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def problem_rows(e: UserInputError) -> list[dict[str, Any]]:
    """A UserInputError as rows of key / value / expected / problem, for the table on a form."""
    return [
        {
            "key": p.column or p.file or "",
            "value": p.value or "",
            "expected": p.expected or "",
            "problem": p.message,
        }
        for p in e.problems
    ]


async def upload_text(
    upload: UploadFile | None, max_bytes: int = scenarios.MAX_YAML_BYTES, what: str = "scenario file"
) -> str | None:
    """The text of an uploaded YAML file (a scenario, a WISN file), or None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UserInputError(f"the {what} is larger than {max_bytes // 1000} kB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError(f"the {what} is not text saved as UTF-8") from None


def problem_lines(e: UserInputError) -> list[tuple[str, str]]:
    out = []
    for p in e.problems:
        where = ", ".join(x for x in (p.column, f"value {p.value!r}" if p.value else None) if x)
        text = (
            p.message + (f" ({where})" if where else "") + (f"; expected {p.expected}" if p.expected else "")
        )
        out.append(("runs" if p.column == "runs" else "scenario_file", text))
    return out or [("scenario_file", e.summary())]


async def submit(request: Request, user: User, kind: str, params: dict[str, Any]) -> str:
    return await run_in_threadpool(submit_run, request, user, kind, params)


async def run_service(context: dict[str, Any], run: Callable[..., Any], *args: Any) -> Any:
    """Run a service off the event loop and put its result in the page's context as `view`; a UserInputError
    goes there as `error` instead (and None comes back), for the page to show beside its form."""
    try:
        result = await run_in_threadpool(run, *args)
    except UserInputError as e:
        context["error"] = e.summary()
        return None
    context["view"] = result
    return result
