#!/bin/sh
# Makes sure Debian's Chromium is at /usr/bin/chromium for the web app's end-to-end tests and
# screenshots, with a CJK font so the Simplified Chinese pages render as text, not boxes.
# Debian's packages only: never a browser build downloaded by a test tool.
# Runs as root (CI and the dev machines do); `apt-get update` only when the install fails, since
# the package lists are usually fresh enough and updating them costs most of the time.
set -eu
CHROMIUM=/usr/bin/chromium
FONT_DIR=/usr/share/fonts/truetype/wqy
[ -x "$CHROMIUM" ] && [ -d "$FONT_DIR" ] && exit 0
# Test files run two at a time and each may get here first on a fresh machine: one installs,
# the other waits for it (and for any other apt-get holding dpkg's lock) and then finds it done.
if command -v flock >/dev/null 2>&1; then
  exec 9>/tmp/comfyui-automa-ensure-chromium.lock
  flock 9
fi
[ -x "$CHROMIUM" ] && [ -d "$FONT_DIR" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends chromium fonts-wqy-microhei >&2; }
if ! install; then
  apt-get update >&2
  install
fi
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after apt-get install" >&2; exit 1; }
