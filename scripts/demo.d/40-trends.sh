#!/usr/bin/env bash
# make demo, step: a monthly history in its own database, a trend with a special cause, a funnel, a board pack.
# 18 monthly censuses of 20,000 staff keep this step to about 30 seconds; the national census stays untouched.
set -euo pipefail
HCS=.venv/bin/hcs
OUT=${DEMO_DIR:-out/demo}
HISTORY="$OUT/history"
export HCS_DATABASE_URL="sqlite:///$PWD/$OUT/history.db"
rm -f "$OUT/history.db" "$OUT/history.db-wal" "$OUT/history.db-shm"
echo "== Trends: 18 monthly extracts of 20,000 staff with sickness absence (synthetic), into $OUT/history.db"
$HCS init >/dev/null
$HCS synth --staff 20000 --seed 2025 --months 18 --census-date 2025-03-31 --out "$HISTORY" --absence "$HISTORY"
$HCS import-history "$HISTORY/manifest.json"
SPIKE=$(.venv/bin/python -c "import json,sys; m=json.load(open(sys.argv[1])); print(next(s['organisation'] for s in m['shifts'] if s['kind']=='leaver_spike'))" "$HISTORY/manifest.json")
echo "== The leaver rate at $SPIKE, where the synthetic history planted a leaver spike: SPC finds the special cause"
$HCS trend leaver_rate --by organisation --organisation "$SPIKE" --format csv | cut -d, -f1-9
$HCS trend leaver_rate --by organisation --organisation "$SPIKE"
echo "== Leaver rates of every organisation on a funnel plot against England (small counts suppressed)"
$HCS benchmark leaver_rate --organisation "$SPIKE" --out "$OUT/funnel_leaver_rate.txt"
head -14 "$OUT/funnel_leaver_rate.txt"
$HCS benchmark leaver_rate --format json --out "$OUT/funnel_leaver_rate.json"
echo "== Sickness absence by region, month by month (FTE days lost / FTE days available)"
$HCS absence --by region --from 2025-01-01 --out "$OUT/absence_by_region.txt"
head -12 "$OUT/absence_by_region.txt"
echo "== Board pack for $SPIKE"
$HCS pack --organisation "$SPIKE" --out "$OUT/pack"
