"""Long runs on a huey queue, with a row in the jobs table per run (status, progress, result hash).

huey keeps the queue: a SQLite file in the data directory by default, Redis when HCS_QUEUE_URL is a redis://
URL, so that `hcs worker` processes on other machines can share the load. The jobs table (in the application
database) is what pages and the API read, so they never need to reach the queue's storage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import insert, select, update

from hcsworkforce.errors import UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.settings import Settings
from hcsworkforce.store import Store, open_store
from hcsworkforce.store.tables_web import jobs

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Runner = Callable[[Store, dict[str, Any], Scope, Progress], dict[str, Any]]

# kind -> runner(store, params, scope, progress) -> JSON-able result. Runners raise UserInputError for the
# user's mistakes; those become a "failed" job whose result lists the problems.
RUNNERS: dict[str, Runner] = {}


def runner(kind: str) -> Callable[[Runner], Runner]:
    def wrap(fn: Runner) -> Runner:
        RUNNERS[kind] = fn
        return fn

    return wrap


def canonical_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def make_queue(settings: Settings) -> Huey:
    url = settings.queue_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("hcsworkforce", url=url)
    if url and not url.startswith("sqlite"):
        raise ValueError(
            f"HCS_QUEUE_URL {url!r} is not a queue we support (expected redis://... or sqlite:///FILE)"
        )
    path = url.split("sqlite:///", 1)[1] if url else str(settings.data_dir / "queue.db")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("hcsworkforce", filename=path)


def register_tasks(queue: Huey) -> Any:
    """Register the one task that runs every kind of job; returns it (huey tasks are bound to an instance)."""

    def run_job(database_url: str, job_id: str) -> None:
        store = open_store(database_url)
        try:
            execute_job(store, job_id)
        finally:
            store.engine.dispose()

    return queue.task(name="hcsworkforce.run_job")(run_job)


def create_job(
    store: Store, kind: str, params: dict[str, Any], scope: Scope, actor: str | None
) -> tuple[str, bool]:
    """A new queued job, or the id of a finished one with the same kind, parameters and scope (reused: True)."""
    if kind not in RUNNERS:
        raise UserInputError(f"{kind!r} is not a kind of run (expected one of {', '.join(sorted(RUNNERS))})")
    phash = canonical_hash({"kind": kind, "params": params, "scope": [scope.kind, scope.code]})
    with store.engine.begin() as conn:
        if kind != "import":  # imports change the data, so each upload runs; runs of engines are re-served
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
        result = RUNNERS[row["kind"]](store, params, scope, progress)
        status, message = "done", "Finished"
    except UserInputError as e:
        result = {"problems": [p.to_dict() for p in e.problems], "total_problems": e.total}
        what = "nothing was loaded" if row["kind"] == "import" else "nothing was run"
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
    params.pop("path", None)
    params.pop("establishment_path", None)
    out["params"] = params
    if with_result:
        out["result"] = json.loads(job["result"]) if job.get("result") else None
    return out


class InProcessWorker:
    """Runs queued tasks on threads inside the server process (`hcs serve` on one machine).

    huey's own Consumer installs signal handlers, which only the main thread may do and which would take
    SIGINT/SIGTERM away from uvicorn, so we drive huey's public dequeue/execute ourselves.
    """

    def __init__(self, queue: Huey, threads: int = 1) -> None:
        self.queue = queue
        self.stop_flag = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, name=f"hcs-worker-{i}", daemon=True) for i in range(threads)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=10)

    def _loop(self) -> None:
        delay = 0.05
        while not self.stop_flag.is_set():
            try:
                task = self.queue.dequeue()
            except Exception:
                log.exception("could not read the job queue")
                task = None
            if task is None:
                self.stop_flag.wait(delay)
                delay = min(delay * 1.5, 0.5)
                continue
            delay = 0.05
            try:
                self.queue.execute(task)
            except Exception:  # execute_job records failures itself; this is huey's own bookkeeping
                log.exception("job task raised")
