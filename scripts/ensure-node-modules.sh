#!/usr/bin/env bash
# Installs npm packages with `npm ci` when node_modules is missing or was installed from
# another package-lock.json; otherwise does nothing, so repeated runs cost nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.dagspec-lock-sha256 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "npm: installing packages from package-lock.json" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.dagspec-lock-sha256
fi
