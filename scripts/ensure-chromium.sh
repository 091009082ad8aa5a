#!/usr/bin/env bash
# Installs Debian's `chromium` package when /usr/bin/chromium is missing, so the browser tests
# (test/browser/, driven by playwright-core) run on a fresh machine. Playwright's own browser
# download is never used: the tests launch this binary by path.
#
# Runs as root (CI does) or through sudo when it is available; apt-get update comes first
# because a fresh machine's package lists may be empty or stale.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium package for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed" >&2
