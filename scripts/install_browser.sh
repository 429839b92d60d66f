#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/web/test_browser.py). Playwright's own browser
# download cannot work on our machines (closed network), so the tests drive /usr/bin/chromium instead.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
/usr/bin/chromium --version
