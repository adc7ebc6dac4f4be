#!/usr/bin/env bash
# Prepare a fresh machine: system packages (when root), virtualenv, Python packages.
# Usage: scripts/bootstrap.sh [runtime|dev]    (dev adds test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

KIND="${1:-runtime}"
PY="${PYTHON:-python3}"
# fonts-noto-cjk: Chinese glyphs in PDFs; pango: WeasyPrint; poppler-utils: PDF
# checks in tests; chromium: Playwright browser tests; gettext: compilemessages.
SYSTEM_PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext"
[ "$KIND" = "dev" ] && SYSTEM_PACKAGES="$SYSTEM_PACKAGES chromium"

missing=""
for pkg in $SYSTEM_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "==> missing system packages:$missing"
    echo "    run as root:  apt-get install$missing"
    [ "$KIND" = "dev" ] && exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
REQ=requirements.txt
[ "$KIND" = "dev" ] && REQ=requirements-dev.txt
# Reinstall only when the requirement files changed since the last install.
STAMP=".venv/.installed-$KIND-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "==> installing $REQ"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQ"
  touch "$STAMP"
fi

# Node packages: Bootstrap (the staff design system, served by Django from
# node_modules/bootstrap/dist) for every kind; dev adds axe-core for tests/e2e.
# npm by command, not by dpkg: NodeSource's nodejs package ships its own npm.
if ! command -v npm >/dev/null && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "==> installing nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
command -v npm >/dev/null || { echo "==> npm is missing (Bootstrap for the staff pages): install nodejs and npm"; exit 1; }
NPM_ARGS="--no-audit --no-fund --loglevel=error"
[ "$KIND" = "dev" ] || NPM_ARGS="$NPM_ARGS --omit=dev"
LOCK_SUM="$(sha256sum package-lock.json | cut -c1-16)"
NPM_STAMP="node_modules/.installed-$KIND-$LOCK_SUM"
# A dev install holds everything runtime needs: do not strip axe-core for `make demo`.
if [ ! -f "$NPM_STAMP" ] && [ ! -f "node_modules/.installed-dev-$LOCK_SUM" ]; then
  echo "==> installing node packages (package-lock.json, $KIND)"
  # shellcheck disable=SC2086
  npm ci $NPM_ARGS
  touch "$NPM_STAMP"
fi
