"""`make bench`: run every benchmarks/bench_*.py and write docs/benchmarks.md with the machine and date.

Each module exposes run() -> list of {name, seconds, target_seconds, notes}. Run one with
`python benchmarks/run.py import` (names after bench_).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


def fmt(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    wanted = set(argv)
    names = [*sorted(p.stem for p in HERE.glob("bench_*.py")), "calibrate_bench"]  # its run() gives one dict
    if wanted:
        names = [n for n in names if n.removeprefix("bench_").removesuffix("_bench") in wanted]
    sections: list[str] = []
    failed = False
    for name in names:
        print(f"== {name}", flush=True)
        try:
            results = importlib.import_module(f"benchmarks.{name}").run()
            results = [results] if isinstance(results, dict) else results
        except Exception:
            failed = True
            traceback.print_exc()
            sections.append(f"## {name}\n\nFailed to run:\n\n```\n{traceback.format_exc()[-1500:]}\n```\n")
            continue
        lines = [
            f"## {name.removeprefix('bench_').removesuffix('_bench')}",
            "",
            "| measurement | seconds | target (s) | met | notes |",
            "|---|---|---|---|---|",
        ]
        for r in results:
            met = (
                ""
                if r.get("target_seconds") is None or r.get("seconds") is None
                else ("yes" if r["seconds"] <= r["target_seconds"] else "**no**")
            )
            lines.append(
                f"| {r['name']} | {fmt(r.get('seconds'))} | {fmt(r.get('target_seconds'))} | {met} | "
                f"{r.get('notes', '')} |"
            )
            print(
                f"   {r['name']}: {fmt(r.get('seconds'))} s (target {fmt(r.get('target_seconds'))}) {r.get('notes', '')}"
            )
        sections.append("\n".join(lines) + "\n")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Benchmarks\n\nMeasured by `make bench` (benchmarks/run.py) on {stamp}.\n\nMachine: {machine()}.\n\n"
        "Figures are wall-clock seconds of one run each; targets from DESIGN.md section 5 and the issues. "
        "They are measured on demand, never asserted in the test suite.\n\n"
    )
    if wanted and DOC.exists():
        # Partial run: replace only the sections measured now.
        text = DOC.read_text()
        for sec in sections:
            title = sec.splitlines()[0]
            start = text.find(title + "\n")
            if start >= 0:
                end = text.find("\n## ", start + 1)
                text = text[:start] + sec + (text[end + 1 :] if end >= 0 else "")
            else:
                text += "\n" + sec
        DOC.write_text(text)
    else:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(header + "\n".join(sections))
    print(f"Wrote {DOC}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
