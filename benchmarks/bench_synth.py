"""`hcs synth --layout esr` at the size of the NHS: 60,000 healthcare scientists and 25 other staff for each
(about 1.8 million assignments in the staff-in-post and leavers reports), generated and written to CSV.

No target in DESIGN 5; issue 12 asks for "a few seconds". The files are also what the ESR import benchmark
can read (`whole_nhs_reports`).
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any


def whole_nhs_reports(folder: Path, staff: int = 60_000, ratio: float = 25.0) -> tuple[Path, Path, int]:
    """Write a whole-NHS staff-in-post and leavers report; returns their paths and the assignments written."""
    from hcsworkforce.synth.esr import esr_reports, write_reports

    reports = esr_reports(staff=staff, seed=2025, report_date=date(2025, 3, 31), other_staff_ratio=ratio)
    sip, leavers = folder / "staff_in_post.csv", folder / "leavers.csv"
    n_sip, n_lv = write_reports(reports, "esr", sip, leavers)
    return sip, leavers, n_sip + n_lv


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _, _, rows = whole_nhs_reports(Path(tmp))
        seconds = time.perf_counter() - start
    return [
        {
            "name": f"hcs synth --layout esr: {rows:,} assignments of every staff group generated and written",
            "seconds": seconds,
            "target_seconds": None,
            "notes": "60,000 healthcare scientists, --other-staff-ratio 25, staff in post + 12 months of leavers",
        }
    ]
