"""scripts/demo.d/90-serve.sh: demo sign-ins created once (a second run does not fail), logins printed, and
with HCS_DEMO_SERVE=0 the command to serve instead of serving."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_demo_serve_step_is_idempotent_and_prints_the_sign_ins(data_dir: Path, client: Any) -> None:
    env = {
        **os.environ,
        "HCS_DATA_DIR": str(data_dir),
        "HCS_DATABASE_URL": f"sqlite:///{data_dir / 'hcs.db'}",
        "HCS_DEMO_SERVE": "0",
        "HCS_DEMO_PORT": "8123",
    }
    for attempt in range(2):
        run = subprocess.run(
            ["bash", "scripts/demo.d/90-serve.sh"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert "http://127.0.0.1:8123/" in run.stdout
        assert "demo-national / demo-national-heron-2025" in run.stdout and "demo-trust / " in run.stdout
        assert "hcs serve --host 127.0.0.1 --port 8123" in run.stdout
        assert ("exists already" in run.stdout) == (attempt == 1)
    r = client.post("/api/v1/session", json={"username": "demo-trust", "password": "demo-trust-kestrel-2025"})
    assert r.status_code == 200 and r.json()["role"] == "organisation"
