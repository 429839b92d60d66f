"""Benchmark: `hcs calibrate` over 36 monthly censuses of 60,000 staff (DESIGN 5: under 5 s).

Setup (not timed against the target): tests/calibrate/planted.py's planted-rates history scaled to 60,000
people and 36 month-end censuses, written into a SQLite store census by census with Store.replace_census (as an
import writes it, snapshots included). Timed: the whole command in-process, `hcs calibrate --format yaml --out
FILE`: reading 36 censuses of staff and leavers from the store, linking 2 million rows by pseudonym, every rate
with its interval (bootstrap included) and the YAML block. benchmarks/run.py calls `run()`.

Run alone, `.venv/bin/python benchmarks/calibrate_bench.py [--db FILE]`, it builds the store once into FILE
(default /tmp/hcs_calibrate_bench/calibrate.db; kept, and reused while it exists) and times, with the load
average before and after: the command in a cold process (`hcs calibrate --db ... --format json`), the same
process start with nothing to do (`hcs --help`: importing the CLI), and the engine alone (the store's read, then
linking, estimating and the block on the frames it returns).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the planted-history generator lives with the tests that use it

from tests.calibrate.planted import ORGS, planted_history  # noqa: E402

from hcsworkforce.cli import app  # noqa: E402
from hcsworkforce.cli._common import run_app  # noqa: E402
from hcsworkforce.settings import get_settings  # noqa: E402
from hcsworkforce.store import CensusLoad, open_store  # noqa: E402

STAFF = 60_000
MONTHS = 36
TARGET_SECONDS = 5.0


def _build_store(tmp: Path, name: str = "calibrate.db") -> tuple[str, int, int, float]:
    t0 = time.perf_counter()
    staff, leavers = planted_history(n_people=STAFF, censuses=MONTHS, seed=36)
    url = f"sqlite:///{tmp / name}"
    store = open_store(url, migrate=True)
    orgs = pl.DataFrame(
        {
            "code": list(ORGS),
            "name": list(ORGS),
            "region_code": ["Y61"] * len(ORGS),
            "known": [True] * len(ORGS),
        }
    )
    for census in sorted(staff["census_date"].unique().to_list()):
        s = staff.filter(pl.col("census_date") == census)
        lv = leavers.filter(pl.col("census_date") == census)
        store.replace_census(
            CensusLoad(
                census_date=census,
                staff=s,
                leavers=lv,
                establishment=None,
                organisations=orgs,
                source_file=f"planted_{census.isoformat()}.csv",
                file_sha256="0" * 64,
                establishment_file=None,
                has_leaver_data=True,
                data_quality={},
            )
        )
    return url, staff.height, leavers.height, time.perf_counter() - t0


def run() -> dict[str, Any]:
    """One measured run (not best of several: the command is timed as a user meets it)."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ["HCS_DATA_DIR"] = str(tmp / "data")
        get_settings.cache_clear()
        url, staff_rows, leaver_rows, setup_s = _build_store(tmp)
        out = tmp / "calibrated.yaml"
        old = sys.argv
        sys.argv = ["hcs", "calibrate", "--format", "yaml", "--out", str(out), "--db", url]
        t0 = time.perf_counter()
        try:
            code = run_app(app)
        finally:
            sys.argv = old
        seconds = time.perf_counter() - t0
        measured = out.read_text().count("# measured")
    return {
        "name": f"calibrate: `hcs calibrate` over {MONTHS} monthly censuses of {STAFF:,} (SQLite)",
        "seconds": round(seconds, 3),
        "target_seconds": TARGET_SECONDS,
        "notes": f"exit {code}; {staff_rows:,} staff rows and {leaver_rows:,} leaver rows read, linked and "
        f"estimated, YAML written ({measured} measured rates); setup (synthesise + write the store) "
        f"{setup_s:.1f} s, not timed",
    }


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _cold(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one `hcs` process, start to exit."""
    hcs = Path(sys.executable).with_name("hcs")
    t0 = time.perf_counter()
    subprocess.run(
        [str(hcs), *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - t0


def _engine(url: str) -> dict[str, float]:
    """Seconds of the store's read and of each engine step, in this (warm) process."""
    from hcsworkforce.analytics.calibrate import (
        estimate_rates,
        link_censuses,
        scenario_block,
        transition_counts,
    )
    from hcsworkforce.services.calibrate import LEAVER_COLUMNS, STAFF_COLUMNS

    store = open_store(url)
    dates = sorted(store.census_dates())
    t0 = time.perf_counter()
    staff = store.staff_history(dates, columns=STAFF_COLUMNS)
    leavers = store.leavers_history(dates, columns=LEAVER_COLUMNS)
    t1 = time.perf_counter()
    tr = link_censuses(staff, leavers)
    t2 = time.perf_counter()
    estimates = estimate_rates(tr, suppress_below=5)
    t3 = time.perf_counter()
    scenario_block(tr, estimates)
    transition_counts(tr)
    t4 = time.perf_counter()
    return {"store_read": t1 - t0, "link": t2 - t1, "estimate": t3 - t2, "block_and_table": t4 - t3}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/hcs_calibrate_bench/calibrate.db"))
    db = parser.parse_args(argv).db
    db.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HCS_DATA_DIR": str(db.parent / "data")}
    os.environ["HCS_DATA_DIR"] = env["HCS_DATA_DIR"]
    get_settings.cache_clear()
    url = f"sqlite:///{db}"
    if not db.exists():
        _, staff_rows, leaver_rows, setup_s = _build_store(db.parent, db.name)
        print(f"built {db}: {staff_rows:,} staff rows, {leaver_rows:,} leaver rows in {setup_s:.1f} s")
    print(f"before: {_load()}")
    out = db.parent / "calibrated.json"
    command = _cold(["calibrate", "--db", url, "--format", "json", "--out", str(out)], env)
    start = _cold(["--help"], env)
    print(f"cold process, hcs calibrate --format json: {command:.2f} s (target {TARGET_SECONDS:.0f} s)")
    print(f"cold process, hcs --help (importing the CLI): {start:.2f} s")
    steps = _engine(url)
    print("in process: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
    print(f"after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
