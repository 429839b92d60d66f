"""The job queue's wiring: huey storage from settings, the one task that runs a job by id, and its workers.

huey keeps the queue: a SQLite file in the data directory by default, Redis when HCS_QUEUE_URL is a redis://
URL, so that `hcs worker` processes on other machines can share the load. A task carries the database URL and
the job's id only; the job's parameters, status and result live in the jobs table (services/jobs.py), which is
what pages and the API read, so they never need to reach the queue's storage.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from hcsworkforce.services import jobs
from hcsworkforce.settings import Settings
from hcsworkforce.store import open_store

log = logging.getLogger(__name__)

Enqueue = Callable[[str], None]


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
            jobs.execute_job(store, job_id)
        finally:
            store.engine.dispose()

    return queue.task(name="hcsworkforce.run_job")(run_job)


def enqueuer(queue: Huey, database_url: str) -> Enqueue:
    """What a route calls to have a job run: the job's id goes on the queue with the database it is in."""
    task = register_tasks(queue)

    def enqueue(job_id: str) -> None:
        task(database_url, job_id)

    return enqueue


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


def run_worker(settings: Settings, threads: int) -> None:
    """`hcs worker`: run queued jobs until stopped (Ctrl-C stops it cleanly)."""
    queue = make_queue(settings)
    register_tasks(queue)
    # The main thread of its own process, so huey's consumer may own the signals.
    queue.create_consumer(workers=threads, worker_type="thread", periodic=False).run()
