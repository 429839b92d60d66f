#!/usr/bin/env bash
# The main job end to end on the embedded SQLite default: synthesise a national extract, import it, profile it.
set -euo pipefail
cd "$(dirname "$0")/.."
HCS=.venv/bin/hcs
OUT=${DEMO_DIR:-out/demo}
mkdir -p "$OUT"
export HCS_DATA_DIR=${HCS_DATA_DIR:-$PWD/out/data}
export HCS_DATABASE_URL=${HCS_DATABASE_URL:-sqlite:///$PWD/$OUT/demo.db}
echo "== 1. Database: $HCS_DATABASE_URL"
$HCS init
echo "== 2. Synthetic ESR reports as a trust's ESR writes them: staff in post of every staff group (60,000"
echo "   healthcare scientists among 300,000 staff) and a separate leavers report. Synthetic, not real people."
$HCS synth --staff 60000 --seed 2025 --census-date 2025-03-31 --other-staff-ratio 4 \
  --out "$OUT/staff_in_post.csv" --leavers "$OUT/leavers.csv" \
  --establishment "$OUT/national_establishment.csv" \
  --survey "$OUT/staff_survey.csv" --directory "$OUT/key_people.csv"
echo "== 3. Import them (validated in full first; nothing is loaded on any error; dated from the report)"
$HCS import "$OUT/staff_in_post.csv" --leavers "$OUT/leavers.csv" --establishment "$OUT/national_establishment.csv"
echo "== 4. The national profile by region"
$HCS profile --by region
$HCS profile --by region,specialism --format xlsx --out "$OUT/national_profile.xlsx"
echo "== The profile by region and specialism is in $OUT/national_profile.xlsx"
for extra in scripts/demo.d/*.sh; do
  [ -e "$extra" ] || continue
  bash "$extra"
done
