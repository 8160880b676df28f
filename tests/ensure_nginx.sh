#!/usr/bin/env bash
# The replica test (tests/test_replicas_browser.py) runs Debian's nginx as this user. Find it, install it
# where this user may (root, or sudo without a password), or say in one line how to get it.
set -euo pipefail
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "error: the replica test needs nginx: run 'sudo apt-get install nginx'" >&2
  exit 1
fi
echo "Installing Debian's nginx for the replica test…" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q nginx >/dev/null 2>&1 \
  || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q nginx >/dev/null; }
[ -x /usr/sbin/nginx ] || { echo "error: apt-get did not install /usr/sbin/nginx" >&2; exit 1; }
