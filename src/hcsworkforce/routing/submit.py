"""Queueing work for the signed-in user: uploads kept for an import job, and projection or deployment runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.reader import check_workbook
from hcsworkforce.routing.deps import client_ip, ctx
from hcsworkforce.services import access, imports, jobs
from hcsworkforce.services.accounts import User
from hcsworkforce.settings import Settings


async def copy_upload(upload: UploadFile, path: Path, limit: int | None = None) -> int:
    """Write an uploaded file to path a megabyte at a time, stopping once past `limit` bytes; its size read."""
    size = 0
    with open(path, "wb") as fh:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if limit is not None and size > limit:
                break
            fh.write(chunk)
    return size


async def save_upload(upload: UploadFile, settings: Settings) -> Path:
    """Keep the upload in a private folder for the queued job; refuse an empty file, one over the upload limit
    (max_upload_mb), and a workbook that would expand past max_xlsx_inflated_mb, before the job is queued."""
    path = imports.new_upload_path(settings.data_dir, upload.filename)
    limit = settings.max_upload_mb * 1024 * 1024
    size = await copy_upload(upload, path, limit)
    try:
        if size > limit:
            raise UserInputError(
                f"{upload.filename!r} is larger than this server's limit of {settings.max_upload_mb:,} MB "
                "(HCS_MAX_UPLOAD_MB)"
            )
        if size == 0:
            raise UserInputError(f"{upload.filename!r} is empty")
        if _is_zip(path):
            # Only the workbook's table of parts is read here (milliseconds); the import job inflates and
            # counts every part before reading it.
            await run_in_threadpool(
                check_workbook, path, upload.filename, settings.max_xlsx_inflated_mb, verify=False
            )
    except UserInputError:
        path.unlink(missing_ok=True)
        raise
    return path


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


async def submit_upload(
    request: Request,
    user: User,
    extract: UploadFile,
    establishment: UploadFile | None,
    census_date: date | None,
    leavers: UploadFile | None = None,
    confirm: bool = False,
) -> str:
    """Keep the chosen files and queue their import in the user's scope (audited); returns the job's id."""
    access.check_upload(user.scope)
    c = ctx(request)
    files = {"extract": extract, "establishment": establishment, "leavers": leavers}
    kept: dict[str, Path] = {}
    try:
        for name, upload in files.items():
            if upload is not None and (upload.filename or name == "extract"):
                kept[name] = await save_upload(upload, c.settings)
    except UserInputError:
        for path in kept.values():
            path.unlink(missing_ok=True)
        raise
    query = imports.ImportQuery(
        path=kept["extract"],
        census_date=census_date,
        leavers=kept.get("leavers"),
        establishment=kept.get("establishment"),
        confirm=confirm,
        actor=user.username,
        file_name=extract.filename,
        leavers_file_name=leavers.filename if "leavers" in kept and leavers else None,
        establishment_file_name=establishment.filename if "establishment" in kept and establishment else None,
    )
    job_id, _ = jobs.submit(
        c.store,
        "import",
        query.to_params(),
        user.scope,
        user.username,
        ip=client_ip(request),
        file=extract.filename,
    )
    c.enqueue(job_id)
    return job_id


def submit_run(request: Request, user: User, kind: str, params: dict[str, Any]) -> str:
    """Check the run's input now (so its mistakes are shown at once), queue the run, audit it; a run identical
    to a finished one (same kind, parameters and scope) is served again rather than recomputed."""
    c = ctx(request)
    job_id, reused = jobs.submit(c.store, kind, params, user.scope, user.username, ip=client_ip(request))
    if not reused:
        c.enqueue(job_id)
    return job_id


def queued_job(request: Request, job_id: str) -> dict[str, Any]:
    """A job just submitted, as the API returns it (its result too, when it ran at once or was reused)."""
    job = jobs.get_job(ctx(request).store, job_id)
    assert job is not None
    return jobs.public_job(job)


class RunSource(BaseModel):
    """A shipped example by name, or a scenario's YAML text: exactly one of the two."""

    example: str | None = Field(default=None, max_length=80, description="A shipped example (see /examples)")
    scenario_yaml: str | None = Field(default=None, max_length=200_000, description="A scenario file's text")
    runs: int | None = Field(default=None, ge=1, le=2000, description="Monte Carlo runs (projections only)")
