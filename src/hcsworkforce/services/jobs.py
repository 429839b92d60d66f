"""The jobs table: one row per long run (an import, a projection, a comparison, a deployment or commissioning
plan) with its status, progress, parameters and result, and the kinds of job by name.

Pages and the API read this table, never the queue. The queue (huey) that runs a job by its id is wired in
server/queue.py; a worker calls execute_job, which finds the kind's run function by name in KINDS, so a job's
own service module need not import this one to be registered.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.audit import audit
from hcsworkforce.store import Store
from hcsworkforce.store.tables_web import jobs

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
# run(store, params, scope, progress) -> the JSON-able result. It raises UserInputError for the user's
# mistakes; those end the job as "failed" with the problems as its result.
RunFunction = Callable[[Store, dict[str, Any], Scope, Progress], dict[str, Any]]
# check(params) raises UserInputError for a mistake in the input, so that it is shown before the run queues.
CheckFunction = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Kind:
    """A kind of job: the service module and the names of its run and check functions."""

    module: str
    run: str
    check: str | None = None
    reusable: bool = True  # a finished run with the same kind, parameters and scope is served again
    audit_event: str = "run"
    nothing_done: str = "nothing was run"  # what a failed job's message says was left undone
    # The name of the module's function that turns a failed job's problems into what may be stored (a file
    # of personal data: values of personal columns withheld); None keeps them as raised.
    stored_problems: str | None = None


KINDS: dict[str, Kind] = {
    # Imports change the data, so each upload runs.
    "import": Kind(
        "hcsworkforce.services.imports",
        "run_job",
        reusable=False,
        audit_event="import",
        nothing_done="nothing was loaded",
        stored_problems="stored_problems",
    ),
    "projection": Kind("hcsworkforce.services.projection", "run_job", "check_job"),
    "compare": Kind("hcsworkforce.services.projection", "run_compare_job", "check_compare_job"),
    "deployment": Kind("hcsworkforce.services.deploy", "run_job", "check_job"),
    "commission": Kind("hcsworkforce.services.commission", "run_job", "check_job"),
}


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise UserInputError(f"{name!r} is not a kind of run (expected one of {', '.join(sorted(KINDS))})")
    return KINDS[name]


def run_function(name: str) -> RunFunction:
    kind = kind_of(name)
    # Found by name, so that a job's service module need not import this one to register itself.
    return getattr(importlib.import_module(kind.module), kind.run)  # type: ignore[no-any-return]


def check(name: str, params: dict[str, Any]) -> None:
    """Check a run's input now, so that its mistakes are shown at once rather than in a failed job."""
    kind = kind_of(name)
    if kind.check is not None:
        check_input: CheckFunction = getattr(importlib.import_module(kind.module), kind.check)
        check_input(params)


def canonical_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def submit(
    store: Store,
    name: str,
    params: dict[str, Any],
    scope: Scope,
    actor: str | None,
    *,
    ip: str | None = None,
    **audit_detail: Any,
) -> tuple[str, bool]:
    """Check a run, add it to the jobs table (or find the finished one it repeats: reused True) and audit it.

    The caller then hands a new job's id to the queue."""
    check(name, params)
    job_id, reused = create_job(store, name, params, scope, actor)
    event = kind_of(name).audit_event
    extra = {"kind": name, "reused": reused} if event == "run" else {}
    audit(store, actor, event, ip=ip, job=job_id, **extra, **audit_detail)
    return job_id, reused


def create_job(
    store: Store, kind: str, params: dict[str, Any], scope: Scope, actor: str | None
) -> tuple[str, bool]:
    """A new queued job, or the id of a finished one with the same kind, parameters and scope (reused: True)."""
    reusable = kind_of(kind).reusable
    phash = canonical_hash({"kind": kind, "params": params, "scope": [scope.kind, scope.code]})
    with store.engine.begin() as conn:
        if reusable:
            done = conn.execute(
                select(jobs.c.id)
                .where(jobs.c.kind == kind, jobs.c.params_hash == phash, jobs.c.status == "done")
                .order_by(jobs.c.finished_at.desc())
                .limit(1)
            ).first()
            if done is not None:
                return str(done[0]), True
        job_id = str(uuid.uuid4())
        conn.execute(
            insert(jobs),
            {
                "id": job_id,
                "kind": kind,
                "status": "queued",
                "progress": 0.0,
                "message": "Waiting to start",
                "params": json.dumps(params, sort_keys=True, default=str),
                "params_hash": phash,
                "scope_kind": scope.kind,
                "scope_code": scope.code,
                "created_by": actor,
                "created_at": datetime.now(),
            },
        )
    return job_id, False


def _set(store: Store, job_id: str, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


def execute_job(store: Store, job_id: str) -> None:
    row = get_job(store, job_id)
    if row is None or row["status"] not in ("queued", "running"):
        return
    scope = Scope(row["scope_kind"], row["scope_code"])
    params = json.loads(row["params"] or "{}")
    _set(store, job_id, status="running", started_at=datetime.now(), message="Running", progress=0.0)

    def progress(fraction: float, message: str) -> None:
        _set(store, job_id, progress=max(0.0, min(1.0, float(fraction))), message=message[:500])

    try:
        result = run_function(row["kind"])(store, params, scope, progress)
        status, message = "done", "Finished"
    except UserInputError as e:
        result = {"problems": [p.to_dict() for p in _storable(row["kind"], e)], "total_problems": e.total}
        what = KINDS[row["kind"]].nothing_done if row["kind"] in KINDS else "nothing was run"
        status, message = "failed", f"{e.total:,} problem{'s' if e.total != 1 else ''} in the input; {what}"
    except Exception as e:  # a crash must still end the job, or its page would poll for ever
        log.exception("job %s failed", job_id)
        result = {"error": type(e).__name__}
        status, message = "failed", "The run failed unexpectedly; the error is in the server log"
    text = json.dumps(result, sort_keys=True, default=str)
    _set(
        store,
        job_id,
        status=status,
        message=message,
        progress=1.0,
        result=text,
        result_hash=hashlib.sha256(text.encode()).hexdigest(),
        finished_at=datetime.now(),
    )


def _storable(kind: str, error: UserInputError) -> list[Problem]:
    """A failed job's problems as its result may keep them (Kind.stored_problems)."""
    k = KINDS.get(kind)
    if k is None or k.stored_problems is None:
        return list(error.problems)
    redact: Callable[[list[Problem]], list[Problem]] = getattr(
        importlib.import_module(k.module), k.stored_problems
    )
    return redact(list(error.problems))


# -- retention ---------------------------------------------------------------------------------------------
PURGED_MESSAGE = "The result was removed {days} days after the run (the job_result_days setting)"


def purge_results(store: Store, days: int, now: datetime | None = None) -> int:
    """Clear the result and parameters of every job that finished more than `days` days ago (its kind,
    status, times and who ran it stay); returns how many were cleared. A cleared run is never served again as
    a finished one (its parameter hash goes too). `hcs serve` runs this at start, `hcs jobs purge` on demand."""
    if not store.is_initialised():
        return 0
    cutoff = (now or datetime.now()) - timedelta(days=days)
    with store.engine.begin() as conn:
        if not store.engine.dialect.has_table(conn, "jobs"):
            return 0
        done = conn.execute(
            update(jobs)
            .where(
                jobs.c.finished_at < cutoff,
                (jobs.c.result.is_not(None)) | (jobs.c.params.is_not(None)),
            )
            .values(
                result=None,
                result_hash=None,
                params=None,
                params_hash=None,
                message=PURGED_MESSAGE.format(days=days),
            )
        )
    return int(done.rowcount or 0)


def get_job(store: Store, job_id: str) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    return None if row is None else dict(row)


def visible_to(job: dict[str, Any], scope: Scope) -> bool:
    """A job is visible to users of the scope it ran in; national users see every job."""
    if scope.kind == "national":
        return True
    return bool(job["scope_kind"] == scope.kind and job["scope_code"] == scope.code)


def list_jobs(store: Store, scope: Scope, limit: int = 50) -> list[dict[str, Any]]:
    q = select(jobs).order_by(jobs.c.created_at.desc()).limit(limit)
    if scope.kind != "national":
        q = q.where(jobs.c.scope_kind == scope.kind, jobs.c.scope_code == scope.code)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def public_job(job: dict[str, Any], with_result: bool = True) -> dict[str, Any]:
    out = {
        k: job.get(k)
        for k in (
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "params_hash",
            "result_hash",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        )
    }
    params: dict[str, Any] = json.loads(job.get("params") or "{}")
    # Where an upload was kept on the server, its path is ours, not the user's business.
    for key in ("path", "establishment_path", "leavers_path"):
        params.pop(key, None)
    out["params"] = params
    if with_result:
        out["result"] = json.loads(job["result"]) if job.get("result") else None
    return out


def job_for(store: Store, job_id: str, scope: Scope) -> dict[str, Any] | None:
    """One job as its page and the API show it, or None where there is none in the user's scope."""
    job = get_job(store, job_id)
    if job is None or not visible_to(job, scope):
        return None
    return public_job(job)


def jobs_for(store: Store, scope: Scope, limit: int = 50) -> list[dict[str, Any]]:
    """The latest jobs in the user's scope, newest first, without their results."""
    return [public_job(j, with_result=False) for j in list_jobs(store, scope, limit)]
