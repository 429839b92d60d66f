"""Synthetic ESR reports made once per test session through `hcs synth`, as a user would make them."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STAFF, SEED, ORGS, RATIO = 600, 7, 6, 5.0


def hcs(*args: str) -> int:
    """`hcs ARGS` in-process, the way the console script runs it (no capsys: usable in session fixtures)."""
    from hcsworkforce.cli import app
    from hcsworkforce.cli._common import run_app

    old = sys.argv
    sys.argv = ["hcs", *args]
    try:
        return run_app(app)
    finally:
        sys.argv = old


@dataclass
class Made:
    sip: Path
    leavers: Path
    truth: dict[str, Any]


def _make(folder: Path, layout: str, seed: int = SEED) -> Made:
    sip = folder / f"{layout}_sip.csv"
    truth = folder / f"{layout}_truth.json"
    common = ["--staff", str(STAFF), "--seed", str(seed), "--organisations", str(ORGS)]
    code = hcs("synth", "--layout", layout, *common, "--other-staff-ratio", str(RATIO), "--out", str(sip),
               "--truth", str(truth))  # fmt: skip
    assert code == 0
    return Made(sip, folder / f"{layout}_sip_leavers.csv", json.loads(truth.read_text()))


@pytest.fixture(scope="session")
def esr_files(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return _make(tmp_path_factory.mktemp("esr"), "esr")


@pytest.fixture(scope="session")
def warehouse_files(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return _make(tmp_path_factory.mktemp("warehouse"), "warehouse")


@pytest.fixture(scope="session")
def esr_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("months")
    code = hcs("synth", "--layout", "esr", "--months", "3", "--staff", "400", "--seed", "11", "--organisations",
               "4", "--other-staff-ratio", "3", "--out", str(folder), "--truth", str(folder / "truth.json"),
               "--absence", str(folder))  # fmt: skip
    assert code == 0
    return folder
