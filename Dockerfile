# Community Asset Map, for deployment. The database is PostGIS (see docker-compose.yml).
# Stage 1: the pinned front-end packages (Leaflet, its marker-cluster plugin, Swagger UI) copied into static files by
# the same script as `make frontend`: no CDN at run time.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json frontend/
COPY scripts/build-frontend.sh scripts/
RUN bash scripts/build-frontend.sh

# Stage 2: the app, with the production settings of docs/deployment.md (measured in docs/benchmarks.md).
# WORKERS: one per CPU core the container gets (override with -e WORKERS=…). DB_POOL_SIZE + DB_MAX_OVERFLOW are per
# worker and pool (the nearby search has a pool of its own): keep WORKERS × 2 × (pool + overflow) × replicas under the
# database's max_connections (or use PgBouncer).
# TILE_MAX_AGE_SECONDS / GEOJSON_MAX_AGE_SECONDS set the map layers' Cache-Control (public, max-age=…; with ETags).
# LOG_LEVEL=warning: no access-log line per request (the reverse proxy or CDN keeps those).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 WORKERS=2 LOG_LEVEL=warning \
    DB_POOL_SIZE=8 DB_MAX_OVERFLOW=4 DB_STATEMENT_TIMEOUT_MS=5000 \
    TILE_MAX_AGE_SECONDS=300 GEOJSON_MAX_AGE_SECONDS=60
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app/ app/
COPY migrations/ migrations/
COPY data/ data/
COPY --from=frontend /src/app/static/vendor app/static/vendor
RUN pip install --no-cache-dir . && useradd --system --uid 10001 assetmap
USER assetmap
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Migrations run once per deploy (`assetmap migrate`), not in every replica's start-up.
CMD ["assetmap", "serve"]
