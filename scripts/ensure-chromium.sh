#!/usr/bin/env bash
# Prints the path of a Chromium for the browser test (test/runner/browser.test.ts), installing
# Debian's chromium package first when /usr/bin/chromium is missing.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "ensure-chromium: installing Debian's chromium for the browser test" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
fi
echo /usr/bin/chromium
