#!/usr/bin/env bash
# make demo, step: synthetic staff survey results and a key-people directory for the demo trusts,
# then engagement for healthcare science and the key roles that are vacant.
set -euo pipefail
OUT=${DEMO_DIR:-out/demo}
HCS=.venv/bin/hcs
echo "== Staff engagement and key people (synthetic survey results and directory written in step 2)"
$HCS survey import "$OUT/staff_survey.csv"
$HCS people import "$OUT/key_people.csv" --replace
ORG=$(head -2 "$OUT/staff_survey.csv" | tail -1 | cut -d, -f1)
echo "== Engagement of healthcare scientists at $ORG against the rest of the trust and England"
$HCS engagement --organisation "$ORG" --out "$OUT/engagement_$ORG.txt"
head -30 "$OUT/engagement_$ORG.txt"
echo "== Key roles vacant or ending soon, by region (trust HCS leads, board members, regional MSC leads, networks)"
$HCS people gaps --as-of 2025-03-31 --format csv --out "$OUT/key_people_gaps.csv"
.venv/bin/python - "$OUT/key_people_gaps.csv" <<'PY'
import csv, collections, sys
rows = list(csv.DictReader(open(sys.argv[1])))
count = collections.Counter((r["role"], r["status"]) for r in rows)
for (role, status), n in sorted(count.items()):
    print(f"  {role:<22} {status:<8} {n:>4}")
print(f"  ({len(rows)} posts listed in {sys.argv[1]})")
PY
