"""Queueing work for the signed-in user: uploads saved for an import job, and projection or deployment runs."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile
from pydantic import BaseModel, Field

from hcsworkforce.errors import UserInputError
from hcsworkforce.routing.deps import Forbidden, client_ip, ctx
from hcsworkforce.services import accounts, jobs
from hcsworkforce.services.accounts import User

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


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


def queued_job(request: Request, job_id: str) -> dict[str, Any]:
    job = jobs.get_job(ctx(request).store, job_id)
    assert job is not None
    return jobs.public_job(job)


class RunSource(BaseModel):
    """A shipped example by name, or a scenario's YAML text: exactly one of the two."""

    example: str | None = Field(default=None, max_length=80, description="A shipped example (see /examples)")
    scenario_yaml: str | None = Field(default=None, max_length=200_000, description="A scenario file's text")
    runs: int | None = Field(default=None, ge=1, le=2000, description="Monte Carlo runs (projections only)")
