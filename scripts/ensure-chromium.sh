#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (no browser download).
# Installs it with apt when missing and we are root; otherwise says how, and those tests skip.
set -u
CHROMIUM=${PITLANE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Chromium for the browser tests (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q chromium && exit 0
fi
echo "warning: no Chromium at $CHROMIUM: the browser tests will be skipped." >&2
echo "         install it with: sudo apt-get install chromium (or set PITLANE_CHROMIUM)" >&2
exit 0
