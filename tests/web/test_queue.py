"""Queued runs over real queue storage: the SQLite file by default and Redis when HCS_QUEUE_URL names it,
each drained by the in-process worker threads, as `hcs serve` runs them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import make_settings, sign_in

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _wait_done(client: Any, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish")


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_upload_runs_on_the_queue(queue: str, data_dir: Path, demo_files: dict[str, Path]) -> None:
    from fastapi.testclient import TestClient

    from hcsworkforce.server.app import create_app
    from hcsworkforce.services import cache

    extra: dict[str, Any] = {}
    if queue == "redis":
        if not _redis_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379 (make services starts it)")
        extra["queue_url"] = REDIS_URL
    cache.clear_caches()
    app = create_app(make_settings(data_dir, **extra), queue_mode="thread")
    if queue == "redis":
        # A stale task left by another run names another database's job: execute_job finds no such job and
        # does nothing, so sharing the queue with earlier runs is harmless.
        assert type(app.state.queue.storage).__name__ == "RedisStorage"
    with TestClient(app) as client:
        token = sign_in(client, "nat")
        # The report without its title lines carries no date of its own: the date given is the census's.
        lines = demo_files["extract"].read_text().splitlines()
        at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
        r = client.post(
            "/api/v1/uploads",
            files={"extract": ("extract.csv", ("\n".join(lines[at:]) + "\n").encode(), "text/csv")},
            data={"census_date": "2025-09-30"},
            headers={"x-csrf-token": token},
        )
        assert r.status_code == 202
        assert r.json()["status"] in ("queued", "running", "done")
        job = _wait_done(client, r.json()["id"])
        assert job["status"] == "done", job
        assert client.get("/api/v1/headline").json()["census_date"] == "2025-09-30"
        page = client.get(f"/jobs/{job['id']}").text
        assert "rows loaded" in page and "hx-trigger" not in page, "a finished job's page stops polling"
