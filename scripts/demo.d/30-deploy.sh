#!/usr/bin/env bash
# make demo, step: a national surge plan for a COVID-19-like scenario over the demo census.
set -euo pipefail
OUT=${DEMO_DIR:-out/demo}
echo "== Surge deployment: examples/surge/covid19_like.yaml over the national demo census"
.venv/bin/hcs deploy examples/surge/covid19_like.yaml --format xlsx --out "$OUT/surge_plan.xlsx"
# The summary tables come first; the named assignments follow (cut here to keep the demo readable).
.venv/bin/hcs deploy examples/surge/covid19_like.yaml --format table | sed -n '1,/^Essential-service floors/p' | head -n -1
echo "== The whole plan (named assignments, uncovered posts, floors) is in $OUT/surge_plan.xlsx"
