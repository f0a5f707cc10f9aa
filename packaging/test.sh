#!/usr/bin/env bash
# npm run test:package: builds both release executables once, fresh from the checkout, and runs
# them (test/package/): the Linux one end to end and in desktop mode under Xvfb, the Windows one
# under Debian's wine. Installs the Debian packages those need when they are missing (Xvfb, the
# tray's appindicator library, a Chromium for the app window; wine64, and mingw for one stub DLL).
#
# Independent steps run side by side: the apt install and the wine prefix in the background while
# packaging runs (mostly one CPU rewriting node.exe), then the three test files two at a time.
#
# Wine 8 (Debian 12) gaps, worked around here for the test only, never in what ships:
# - it has no bcryptprimitives.dll, whose ProcessPrng libvips (sharp) imports on Windows 10+:
#   packaging/wine/bcryptprimitives.c is built into the prefix's system32.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "test:package: $((SECONDS - started)) s  $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/automa-test-package-XXXXXX")
prepare=
cleanup() {
  # An apt install is let finish rather than stopped half way.
  [[ -n $prepare ]] && wait "$prepare" 2>/dev/null || true
  [[ -x /usr/lib/wine/wineserver ]] && WINEPREFIX="$PWD/.tmp/wine-prefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Only wine64 (with libwine): the `wine` package adds the /usr/bin/wine launcher, which the test
# does not use (it runs /usr/lib/wine/wine64), and wine32 is not needed for a 64-bit exe.
missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xwd >/dev/null || missing+=(x11-apps)
command -v chromium >/dev/null || missing+=(chromium)
command -v dbus-run-session >/dev/null || missing+=(dbus)
# Asked of dpkg, not ldconfig: CI's PATH has no /sbin, and a missing ldconfig made every run
# update apt's lists and reinstall the package.
[[ "$(dpkg-query -W -f='${Status}' libayatana-appindicator3-1 2>/dev/null)" == *"ok installed"* ]] || missing+=(libayatana-appindicator3-1)
[[ -x /usr/lib/wine/wine64 ]] || missing+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64-win32)

export WINEPREFIX="$PWD/.tmp/wine-prefix" WINEDEBUG=-all

# What the tests need from the system: the packages, then a Windows 10 wine prefix with the stub.
prepare_system() {
  if ((${#missing[@]} > 0)); then
    say "installing ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
    # Retries: one dropped connection to the mirror should not fail CI.
    $sudo apt-get update -qq -o Acquire::Retries=3
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o Acquire::Retries=3 -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
    say "installed"
  fi
  if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
    /usr/lib/wine/wine64 winecfg -v win10 >/dev/null 2>&1
    say "wine prefix created (Windows 10)"
  fi
  x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    packaging/wine/bcryptprimitives.c packaging/wine/bcryptprimitives.def -ladvapi32
}
prepare_system > "$work/prepare.log" 2>&1 &
prepare=$!

say "packaging linux-x64 and win-x64"
node packaging/package.mjs --out "$work/release" --dist "$work/dist" > "$work/package.log" 2>&1 || {
  cat "$work/package.log"
  exit 1
}
grep '^package:' "$work/package.log"
status=0
wait "$prepare" || status=$?
prepare=
cat "$work/prepare.log"
if ((status != 0)); then
  echo "test:package: preparing the system failed ($status)" >&2
  exit "$status"
fi

say "running the tests"
# test/package/helpers.ts takes the executables from here instead of packaging them again.
export RELEASE_UNDER_TEST="$work/release"
# Not exec: the EXIT trap removes $work and stops wine's server. It prints nothing, so the test
# runner's summary stays the last thing printed.
status=0
node scripts/test.mjs test/package/linux-executable.test.ts test/package/desktop.test.ts test/package/windows-wine.test.ts || status=$?
exit "$status"
