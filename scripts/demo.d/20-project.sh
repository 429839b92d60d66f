#!/usr/bin/env bash
# make demo, step: a 10-year supply, demand and gap projection with Monte Carlo bands.
set -euo pipefail
OUT=${DEMO_DIR:-out/demo}
echo "== 10-year projection: examples/scenarios/national_baseline.yaml (P10/P50/P90 over Monte Carlo runs)"
.venv/bin/hcs project examples/scenarios/national_baseline.yaml --format html --out "$OUT/projection.html"
.venv/bin/hcs project examples/scenarios/national_baseline.yaml --format table | sed -n '1,/^Assumptions/p' | head -n -1
echo "== The report with fan charts, the gap by specialism and every assumption is $OUT/projection.html"
