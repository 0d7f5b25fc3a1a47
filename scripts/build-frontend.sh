#!/usr/bin/env bash
# Installs the pinned browser libraries (frontend/package-lock.json: Leaflet, its marker-cluster plugin, and
# Swagger UI for /docs) and copies the files the pages load into
# app/static/vendor/, so no page ever loads a script or stylesheet from a CDN. `make frontend` runs this only when
# the lock file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix frontend --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error

modules=frontend/node_modules
vendor=app/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/leaflet" "$vendor/leaflet.markercluster" "$vendor/swagger-ui"

cp "$modules/leaflet/dist/leaflet.js" "$modules/leaflet/dist/leaflet.css" "$modules/leaflet/LICENSE" "$vendor/leaflet/"
cp -r "$modules/leaflet/dist/images" "$vendor/leaflet/"
cp "$modules/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$modules/leaflet.markercluster/dist/MarkerCluster.css" \
   "$modules/leaflet.markercluster/dist/MarkerCluster.Default.css" \
   "$modules/leaflet.markercluster/MIT-LICENCE.txt" "$vendor/leaflet.markercluster/"
cp "$modules/swagger-ui-dist/swagger-ui-bundle.js" "$modules/swagger-ui-dist/swagger-ui.css" \
   "$modules/swagger-ui-dist/favicon-32x32.png" "$modules/swagger-ui-dist/LICENSE" "$vendor/swagger-ui/"
