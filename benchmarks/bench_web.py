"""Web benchmark: 50 concurrent signed-in users on the home and profile pages, national demo data (60,000 staff),
p95 latency against the 0.3 s target, on SQLite and on PostgreSQL. Runnable alone: python benchmarks/bench_web.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

USERS = 50
SECONDS = 15.0
TARGET = 0.3
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_DB = "hcs_bench_web"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
    except Exception:
        return None


def _prepare(folder: Path, url: str) -> None:
    from hcsworkforce.api import accounts
    from hcsworkforce.ingest import import_extract
    from hcsworkforce.store import open_store
    from hcsworkforce.synth.workforce import synthesise, write

    extract = folder / "extract.csv"
    if not extract.exists():
        result = synthesise(staff=60_000, seed=2025)
        write(result, extract, folder / "establishment.csv")
    store = open_store(url, migrate=True)
    import_extract(extract, store, census_date=None, establishment=folder / "establishment.csv")
    if accounts.get_user_by_name(store, "bench") is None:
        accounts.add_user(store, "bench", "bench-password-1", "national")
    store.engine.dispose()


async def _user(base: str, until: float, latencies: list[float], errors: list[str]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/api/v1/session", json={"username": "bench", "password": "bench-password-1"})
        if r.status_code != 200:
            errors.append(f"sign-in {r.status_code}")
            return
        paths = ["/", "/profile", "/profile?by=specialism", "/profile?by=organisation"]
        i = 0
        while time.monotonic() < until:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            r = await client.get(path)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(f"{path} {r.status_code}")


async def _load(base: str) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    import httpx

    async with httpx.AsyncClient(base_url=base) as warm:  # fill the caches the way a first visitor would
        await warm.post("/api/v1/session", json={"username": "bench", "password": "bench-password-1"})
        for p in ("/", "/profile", "/profile?by=specialism", "/profile?by=organisation"):
            await warm.get(p)
    until = time.monotonic() + SECONDS
    await asyncio.gather(*(_user(base, until, latencies, errors) for _ in range(USERS)))
    return latencies, errors


def _serve(folder: Path, url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "HCS_DATA_DIR": str(folder),
        "HCS_DATABASE_URL": url,
        "HCS_SECRET_KEY": "bench",
        "HCS_QUEUE_THREADS": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hcsworkforce.api.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    import httpx

    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _one(name: str, folder: Path, url: str, workers: int) -> dict[str, Any]:
    _prepare(folder, url)
    proc, base = _serve(folder, url, workers)
    try:
        latencies, errors = asyncio.run(_load(base))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    return {
        "name": name,
        "seconds": round(p95, 4),
        "target_seconds": TARGET,
        "notes": (
            f"p95 of {len(latencies):,} requests (home, profile by region/specialism/organisation) from {USERS} "
            f"concurrent users with no think time for {SECONDS:.0f} s; median {statistics.median(latencies):.3f} s; "
            f"{len(latencies) / SECONDS:.0f} req/s; uvicorn --workers {workers}; {len(errors)} errors"
        ),
    }


def run() -> list[dict[str, Any]]:
    workers = max(1, min(2, os.cpu_count() or 1))
    results = []
    with tempfile.TemporaryDirectory(prefix="hcs-bench-web-") as tmp:
        folder = Path(tmp)
        results.append(_one("web p95, 50 users, SQLite", folder, f"sqlite:///{folder / 'hcs.db'}", workers))
        pg = _postgres_url()
        if pg:
            results.append(_one("web p95, 50 users, PostgreSQL", folder, pg, workers))
        else:
            results.append(
                {
                    "name": "web p95, 50 users, PostgreSQL",
                    "seconds": None,
                    "target_seconds": TARGET,
                    "notes": "skipped: no PostgreSQL at 127.0.0.1:5432",
                }
            )
    return results


if __name__ == "__main__":
    for r in run():
        print(r)
