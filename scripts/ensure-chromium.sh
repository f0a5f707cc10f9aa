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
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y --no-install-recommends chromium fonts-wqy-microhei >&2; }
if ! install; then
  apt-get update >&2
  install
fi
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after apt-get install" >&2; exit 1; }
