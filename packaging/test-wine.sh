#!/usr/bin/env bash
# npm run test:package:wine: builds the Windows executable and runs it under Debian's wine
# (test/package/windows-wine.test.ts). Installs wine and mingw (for one stub DLL) when missing.
# Separate from npm run test:package and CI: installing wine alone took 58 s here, mingw 27 s more.
#
# Wine 8 (Debian 12) gaps, worked around here for the test only, never in what ships:
# - it has no bcryptprimitives.dll, whose ProcessPrng libvips (sharp) imports on Windows 10+:
#   packaging/wine/bcryptprimitives.c is built into the prefix's system32.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[[ -x /usr/lib/wine/wine64 ]] || missing+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64-win32)
if ((${#missing[@]} > 0)); then
  echo "test:package:wine: installing ${missing[*]}"
  start=$SECONDS
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "test:package:wine: installed in $((SECONDS - start)) s"
fi

export WINEPREFIX="$PWD/.tmp/wine-prefix" WINEDEBUG=-all
if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
  echo "test:package:wine: creating the wine prefix (Windows 10)"
  /usr/lib/wine/wine64 winecfg -v win10 >/dev/null 2>&1
fi
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  packaging/wine/bcryptprimitives.c packaging/wine/bcryptprimitives.def -ladvapi32
status=0
node scripts/test.mjs test/package/windows-wine.test.ts || status=$?
/usr/lib/wine/wineserver -k 2>/dev/null || true
exit $status
