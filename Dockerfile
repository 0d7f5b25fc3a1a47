# Community Asset Map, for deployment. The database is PostGIS (see docker-compose.yml).
# Stage 1: pinned front-end packages (Leaflet and plugins) copied into static files: no CDN at run time.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/ ./
RUN npm ci --no-audit --no-fund && node copy-vendor.mjs ../app/static/vendor

# Stage 2: the app.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 WORKERS=4 \
    DB_POOL_SIZE=10 DB_MAX_OVERFLOW=5 DB_STATEMENT_TIMEOUT_MS=5000
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
