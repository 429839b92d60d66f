#!/usr/bin/env bash
# make demo, last step: demo sign-ins for the web application, then serve the demo database.
# HCS_DEMO_SERVE=0 prints the sign-ins and the command instead of serving (tests and CI).
set -euo pipefail
HCS=.venv/bin/hcs
PORT=${HCS_DEMO_PORT:-8000}
# Demo passwords for a demo database of synthetic people; never use them on real data.
NATIONAL_USER=demo-national
NATIONAL_PASSWORD=demo-national-heron-2025
ORG_USER=demo-trust
ORG_PASSWORD=demo-trust-kestrel-2025
# The organisation account covers the largest organisation in the demo census, so its pages have data.
ORG=$(.venv/bin/python - <<'PY'
from hcsworkforce.settings import get_settings
from hcsworkforce.store import open_store

staff = open_store(get_settings().resolved_database_url()).staff()
print(staff["organisation_code"].value_counts(sort=True)["organisation_code"][0])
PY
)
existing=$($HCS user list --format csv)
add_user() {  # name role scope password: skipped when the account exists, so make demo can run again
  if printf '%s\n' "$existing" | cut -d, -f1 | grep -qx "$1"; then
    echo "   (user $1 exists already)"
  else
    printf '%s\n' "$4" | $HCS user add "$1" --role "$2" ${3:+--scope "$3"} --password-stdin
  fi
}
echo "== Demo sign-ins for the web application"
add_user "$NATIONAL_USER" national "" "$NATIONAL_PASSWORD"
add_user "$ORG_USER" organisation "$ORG" "$ORG_PASSWORD"
echo
echo "   Address:                 http://127.0.0.1:$PORT/"
echo "   National user:           $NATIONAL_USER / $NATIONAL_PASSWORD (all of England)"
echo "   Organisation user ($ORG): $ORG_USER / $ORG_PASSWORD (that organisation's staff only)"
echo
if [ "${HCS_DEMO_SERVE:-1}" = "0" ]; then
  echo "   To serve it: HCS_DATABASE_URL=$HCS_DATABASE_URL $HCS serve --host 127.0.0.1 --port $PORT"
  exit 0
fi
echo "== Serving the demo (Ctrl-C stops it)"
exec $HCS serve --host 127.0.0.1 --port "$PORT"
