"""Benchmark: `hcs calibrate` over 36 monthly censuses of 60,000 staff (DESIGN 5: under 5 s).

Setup (not timed against the target): tests/calibrate/planted.py's planted-rates history scaled to 60,000
people and 36 month-end censuses, written into a SQLite store census by census with Store.replace_census (as an
import writes it, snapshots included). Timed: the whole command in-process, `hcs calibrate --format yaml --out
FILE`: reading 36 censuses of staff and leavers from the store, linking 2 million rows by pseudonym, every rate
with its interval (bootstrap included) and the YAML block. Run alone with
`.venv/bin/python benchmarks/calibrate_bench.py`; benchmarks/run.py calls `run()`.
"""

from __future__ import annotations

import os
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


def _build_store(tmp: Path) -> tuple[str, int, int, float]:
    t0 = time.perf_counter()
    staff, leavers = planted_history(n_people=STAFF, censuses=MONTHS, seed=36)
    url = f"sqlite:///{tmp / 'calibrate.db'}"
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


if __name__ == "__main__":
    print(run())
