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
echo "== The 12-month leaver rate at $SPIKE, where the synthetic history planted a leaver spike."
echo "   Limits are fixed on the 9 months before it; SPC (Making Data Count rules) finds the special cause."
$HCS trend leaver_rate --by organisation --organisation "$SPIKE" --fix-after 9 --format json --out "$OUT/trend_$SPIKE.json"
.venv/bin/python - "$OUT/trend_$SPIKE.json" <<'PY'
import json, sys
series = json.load(open(sys.argv[1]))["series"][0]
print(f"{'month':<12}{'rate %':>8}{'mean %':>8}{'limits %':>16}  variation (rules)")
for p in series["points"]:
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}"
    rules = ", ".join(p["rules"])
    print(f"{p['period']:<12}{pct(p['value']):>8}{pct(p['mean']):>8}{pct(p['lower_limit']) + '-' + pct(p['upper_limit']):>16}"
          f"  {p['variation']}{' (' + rules + ')' if rules else ''}")
print(f"Series: {series['summary']['variation']}")
PY
echo "== Leaver rates of every organisation on a funnel plot against England (small counts suppressed)"
$HCS benchmark leaver_rate --organisation "$SPIKE" --out "$OUT/funnel_leaver_rate.txt"
head -14 "$OUT/funnel_leaver_rate.txt"
$HCS benchmark leaver_rate --format json --out "$OUT/funnel_leaver_rate.json"
echo "== Sickness absence by region, month by month (FTE days lost / FTE days available)"
$HCS absence --by region --from 2025-01-01 --out "$OUT/absence_by_region.txt"
head -12 "$OUT/absence_by_region.txt"
echo "== Board pack for $SPIKE"
$HCS pack --organisation "$SPIKE" --out "$OUT/pack"
