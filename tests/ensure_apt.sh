#!/usr/bin/env bash
# ensure_apt.sh PACKAGE "WHO NEEDS IT" PROGRAM...: exit 0 when one PROGRAM (a name on PATH, or a path/glob)
# is there; else install Debian's PACKAGE where this user may (root, or sudo without a password), or say in
# one line how to get it. `make test` calls it for Chromium, nginx and PostgreSQL.
set -euo pipefail
package="$1"; who="$2"; shift 2
found() {
  local p f
  for p in "$@"; do
    if [[ "$p" != */* ]]; then command -v "$p" >/dev/null 2>&1 && return 0; continue; fi
    for f in $p; do [ -x "$f" ] && return 0; done  # unquoted: a glob such as /usr/lib/postgresql/*/bin/initdb
  done
  return 1
}
found "$@" && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "error: $who needs $package: run 'sudo apt-get install $package'" >&2
  exit 1
fi
echo "Installing Debian's $package for $who…" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q "$package" >/dev/null 2>&1 \
  || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$package" >/dev/null; }
found "$@" || { echo "error: apt-get installed $package but not $*" >&2; exit 1; }
