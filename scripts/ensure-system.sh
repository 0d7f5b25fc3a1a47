#!/usr/bin/env bash
# Installs the system packages the project needs, only when they are missing: PostGIS for the local
# PostgreSQL 15, npm for the pinned front-end libraries and, with `chromium`, Debian's Chromium for the
# browser tests; with `bench`, wrk and pgbench for the benchmarks. Needs root (or sudo).
set -euo pipefail

want_chromium=false
want_bench=false
[[ "${1:-}" == "chromium" ]] && want_chromium=true
[[ "${1:-}" == "bench" ]] && want_bench=true

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)

missing=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
if $want_chromium; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
fi
if $want_bench; then
  command -v wrk >/dev/null || missing+=(wrk)
  command -v pgbench >/dev/null || missing+=(postgresql-15)  # pgbench ships with the server package
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
fi

# PostgreSQL runs on a normal machine; start the local cluster if it is down (a rebooted dev box).
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "Starting the local PostgreSQL cluster"
    "${sudo_cmd[@]}" pg_ctlcluster --skip-systemctl-redirect 15 main start || true
  fi
fi
