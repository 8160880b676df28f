#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download one here). Find it, install it
# where this user may (root, or sudo without a password), or say in one line how to get it.
set -euo pipefail
browser="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ -n "${CHROMIUM:-}" ]; then
  echo "error: CHROMIUM=$CHROMIUM is not an executable file" >&2; exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "error: the browser tests need Chromium: run 'sudo apt-get install chromium' (or set CHROMIUM to its path)" >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests…" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium >/dev/null 2>&1 \
  || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
[ -x /usr/bin/chromium ] || { echo "error: apt-get did not install /usr/bin/chromium" >&2; exit 1; }
