#!/usr/bin/env bash
# Make a PostgreSQL server answer on 127.0.0.1:5432 for the tests, and print its URL.
# Order: one that already answers; this machine's cluster if it is stopped; else Debian's
# postgresql package, installed and started here (trust auth on loopback, database "test").
set -euo pipefail
URL="postgres://postgres@127.0.0.1:5432/test"
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing Debian's postgresql package" >&2
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  conf=/etc/postgresql/$version/main
  # Loopback connections without a password, as the tests connect.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
  ready || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qc 'CREATE DATABASE test' >&2
fi
echo "$URL"
