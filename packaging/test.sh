#!/usr/bin/env bash
# npm run test:package: builds the release executables and runs them (test/package/). Installs the
# Debian packages the desktop test needs when they are missing (Xvfb, the tray's appindicator
# library, a Chromium for the app window).
# The Windows test runs separately (npm run test:package:wine), see packaging/test-wine.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xwd >/dev/null || missing+=(x11-apps)
command -v chromium >/dev/null || missing+=(chromium)
command -v dbus-run-session >/dev/null || missing+=(dbus)
ldconfig -p | grep -q libayatana-appindicator3.so.1 || missing+=(libayatana-appindicator3-1)
if ((${#missing[@]} > 0)); then
  echo "test:package: installing ${missing[*]}"
  start=$SECONDS
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "test:package: installed in $((SECONDS - start)) s"
fi
exec node scripts/test.mjs test/package/linux-executable.test.ts test/package/desktop.test.ts
