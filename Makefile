# Community Asset Map. `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/assetmap

.PHONY: run test test-fast install system db demo serve bench clean

run: install system db demo serve

install: $(BIN)/.installed

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

serve: install
	$(BIN)/assetmap serve

test: install
	@scripts/ensure-system.sh chromium
	$(BIN)/pytest

test-fast: install
	@scripts/ensure-system.sh
	$(BIN)/pytest -m "not browser and not slow"

bench: install system
	$(BIN)/python bench/nearby.py

clean:
	rm -rf $(VENV) .pytest_cache
