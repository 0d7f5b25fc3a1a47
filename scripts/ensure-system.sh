#!/usr/bin/env bash
# Installs the system packages the project needs, only when they are missing: a local PostgreSQL server (Debian's,
# 15 on bookworm) and its PostGIS package, npm for the pinned front-end libraries and, with `chromium` (`make test`),
# Debian's Chromium for the browser tests and PgBouncer for the connection-pooling test (which runs its own); with
# `bench`, wrk and pgbench for the benchmarks and gdal-bin (ogr2ogr, the peer of the CSV import benchmark), nginx (the caching proxy of bench/cdn.py; only run by the benchmark) and iproute2 (ss, for bench/worker_spread.py). Needs root (or sudo).
# With DATABASE_URL set to a server on another machine, no local server is installed: that database is the operator's.
set -euo pipefail

want_chromium=false
want_bench=false
[[ "${1:-}" == "chromium" ]] && want_chromium=true
[[ "${1:-}" == "bench" ]] && want_bench=true

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)

install() {
  echo "Installing system packages: $*"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "$@"
}

local_server=true
case "${DATABASE_URL:-}" in
  "" | *@localhost[:/]* | *@127.0.0.1[:/]* | *@\[::1\][:/]* | *@/*) ;;
  *) local_server=false ;;
esac
# The newest PostgreSQL server installed here, if any (Debian keeps each major version in /usr/lib/postgresql/N).
server_version() { ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sed -E 's|.*/postgresql/([0-9]+)/.*|\1|' | sort -n | tail -1; }

missing=()
if $local_server; then
  [[ -n "$(server_version)" ]] || install postgresql
  pg_version=$(server_version)
  dpkg -s "postgresql-$pg_version-postgis-3" >/dev/null 2>&1 || missing+=("postgresql-$pg_version-postgis-3")
fi
if $want_chromium; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
  [[ -x /usr/sbin/pgbouncer ]] || missing+=(pgbouncer)
fi
if $want_bench; then
  command -v wrk >/dev/null || missing+=(wrk)
  command -v pgbench >/dev/null || missing+=(postgresql)  # pgbench ships with the server package
  [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)  # bench/cdn.py starts its own; the package's service is not needed
  command -v ss >/dev/null || missing+=(iproute2)  # bench/worker_spread.py counts each worker's connections
  command -v ogr2ogr >/dev/null || missing+=(gdal-bin)
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(npm)

((${#missing[@]})) && install "${missing[@]}"

# Start the local cluster if it is down (a rebooted machine, or a container without systemd after the install).
# PGPORT chooses another local cluster, as for every PostgreSQL tool.
if $local_server && ! pg_isready -q -p "${PGPORT:-5432}" 2>/dev/null && command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header | while read -r version name port _; do
    if [[ "$port" == "${PGPORT:-5432}" ]]; then
      echo "Starting the local PostgreSQL cluster $version/$name"
      "${sudo_cmd[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start || true
    fi
  done
fi
