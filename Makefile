# Community Asset Map. `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The database: DATABASE_URL from the environment, or the one `assetmap init-db` provisions and writes to .env.

.PHONY: run test test-fast install frontend system db demo serve messages bench bench-full clean

run: install frontend system db demo serve

install: $(BIN)/.installed

# Pinned Leaflet, its marker-cluster plugin and Swagger UI, served from app/static/vendor/ (scripts/build-frontend.sh);
# re-installed only when the lock file changes.
VENDOR_STAMP := app/static/vendor/.stamp
frontend: $(VENDOR_STAMP)

$(VENDOR_STAMP): frontend/package-lock.json
	@scripts/ensure-system.sh
	scripts/build-frontend.sh
	touch $@

$(BIN)/.installed: pyproject.toml
	@scripts/ensure-system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

system:
	@scripts/ensure-system.sh

db: install system
	$(BIN)/assetmap init-db
	$(BIN)/assetmap migrate

demo: db
	$(BIN)/assetmap load-demo

serve: install frontend
	$(BIN)/assetmap serve

# The suite runs in parallel processes (pytest-xdist), one per core and at most four, each with a database of its own
# (tests/conftest.py). `.venv/bin/pytest PATH` alone runs in one process.
PYTEST_PARALLEL := -n auto --maxprocesses 4

test: install frontend
	@scripts/ensure-system.sh chromium
	$(BIN)/assetmap init-db
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-fast: install frontend
	@scripts/ensure-system.sh
	$(BIN)/assetmap init-db
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser and not slow"

# The interface text: extract every marked message (babel.cfg) and add the new ones to each language's catalogue,
# to be translated there (docs/cymraeg.md). tests/i18n fails while any message lacks a translation.
messages: install
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o app/i18n/messages.pot .
	$(BIN)/pybabel --quiet update -i app/i18n/messages.pot -d app/i18n/locales -D messages --no-fuzzy-matching --ignore-obsolete

# Benchmarks (docs/benchmarks.md): wrk and pgbench from Debian, matplotlib for the growth plot; tipg installs itself
# into bench/.venv-tipg. They use their own database, assetmap_bench, on DATABASE_URL's server.
BENCH_INSTALLED := $(BIN)/.bench-installed
$(BENCH_INSTALLED): pyproject.toml $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench: db $(BENCH_INSTALLED)
	@scripts/ensure-system.sh bench
	$(BIN)/python -m bench.nearby --assets 100000

# Everything in docs/benchmarks.md, at 1M assets (about 25 minutes on 2 cores).
bench-full: db $(BENCH_INSTALLED)
	@scripts/ensure-system.sh bench
	$(BIN)/python -m bench.nearby --assets 1000000
	$(BIN)/python -m bench.layers --assets 1000000
	$(BIN)/python -m bench.search_parts
	$(BIN)/python -m bench.growth
	$(BIN)/python -m bench.imports

clean:
	rm -rf $(VENV) .pytest_cache frontend/node_modules app/static/vendor
