#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download one here): $CHROMIUM if set (it must
# exist), else /usr/bin/chromium, installed by tests/ensure_apt.sh where this user may.
set -euo pipefail
if [ -n "${CHROMIUM:-}" ]; then
  [ -x "$CHROMIUM" ] && exit 0
  echo "error: CHROMIUM=$CHROMIUM is not an executable file" >&2; exit 1
fi
exec bash "$(dirname "$0")/ensure_apt.sh" chromium "the browser tests" /usr/bin/chromium
