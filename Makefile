# fraudops — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
FRAUDOPS := $(BIN)/fraudops
STAMP := $(VENV)/.installed
# Full MLflow (for its UI) in a venv of its own: it pins pyarrow<26, the app has mlflow-skinny and pyarrow 26.
MLFLOW_VENV ?= var/mlflow-ui
NPM ?= npm
FRONTEND := frontend
FRONTEND_DEPS := $(FRONTEND)/node_modules/.package-lock.json
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(FRONTEND)/index.html \
	$(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig.json $(FRONTEND)/package-lock.json

.PHONY: run install prepare serve test lint bench clean frontend client frontend-test train notebook mlflow

## run: install, migrate, prepare data and a first model if none exists, then serve on http://$(HOST):$(PORT)
run: install frontend
	$(FRAUDOPS) migrate
	$(FRAUDOPS) prepare
	$(FRAUDOPS) serve --host $(HOST) --port $(PORT)

## install: a virtual environment with the pinned backend (serving, training and test tools)
install: $(STAMP)

$(STAMP): backend/pyproject.toml backend/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/pip install --quiet --disable-pip-version-check -c backend/constraints.txt -e "backend[train,dev]"
	touch $@

## test: lint, then every test (PostgreSQL tests use their own database on 127.0.0.1:5432; the MLflow UI's
## own venv is built first so its test runs)
test: install lint $(MLFLOW_VENV)/.installed
	cd backend && ../$(BIN)/python -m pytest
	$(MAKE) frontend-test

lint: install
	cd backend && ../$(BIN)/ruff check . && ../$(BIN)/ruff format --check . && ../$(BIN)/mypy fraudops

## bench: upload of a 284,807-row file and /api/predict latency, against a real server on loopback; the log's flush cost;
## the review queue right after an upload
bench: install
	$(FRAUDOPS) prepare
	cd backend && ../$(BIN)/python -m benchmarks.bench
	cd backend && ../$(BIN)/python -m benchmarks.log_flush
	cd backend && ../$(BIN)/python -m benchmarks.review_queue

## train: every candidate on the database's labeled rows, logged to MLflow, gated promotion (ARGS="--quick --dry-run …")
train: install
	$(FRAUDOPS) migrate
	$(FRAUDOPS) train $(ARGS)

## mlflow: MLflow's own UI on the training store (MLFLOW_TRACKING_URI, else var/mlflow/mlflow.db) at http://$(HOST):$(MLFLOW_PORT);
## full mlflow lives in its own venv (var/mlflow-ui): it pins pyarrow<26, the app's venv has mlflow-skinny and pyarrow 26
MLFLOW_PORT ?= 5000
mlflow: $(MLFLOW_VENV)/.installed
	$(MLFLOW_VENV)/bin/mlflow server --host $(HOST) --port $(MLFLOW_PORT) --workers 1 \
		--backend-store-uri "$${MLFLOW_TRACKING_URI:-sqlite:///$(CURDIR)/var/mlflow/mlflow.db}"

$(MLFLOW_VENV)/.installed: backend/mlflow-ui-constraints.txt
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install --quiet --disable-pip-version-check -c backend/mlflow-ui-constraints.txt mlflow==3.17.2
	touch $@

## notebook: run notebooks/ top to bottom, saving the outputs in place
notebook: install
	$(BIN)/python notebooks/run.py

## frontend: the page's pinned packages (npm ci) and its build in frontend/dist, redone only when they changed
frontend: $(FRONTEND)/dist/index.html

$(FRONTEND_DEPS): $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund
	touch $@

$(FRONTEND)/dist/index.html: $(FRONTEND_DEPS) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && $(NPM) run build

## client: regenerate the page's typed API client from the backend's OpenAPI schema (no server started)
client: install $(FRONTEND_DEPS)
	$(BIN)/python $(FRONTEND)/scripts/openapi.py $(FRONTEND)/src/client/openapi.json
	cd $(FRONTEND) && $(NPM) run --silent client

## frontend-test: the client matches the API, lint, component tests (Vitest), browser tests (Playwright, Debian's Chromium)
frontend-test: install $(FRONTEND)/dist/index.html
	@$(BIN)/python $(FRONTEND)/scripts/openapi.py | cmp -s - $(FRONTEND)/src/client/openapi.json \
		|| { echo "the API changed since the page's client was generated: run 'make client' and commit frontend/src/client"; exit 1; }
	cd $(FRONTEND) && $(NPM) run --silent lint
	cd $(FRONTEND) && $(NPM) test
	cd $(FRONTEND) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) run e2e

clean:
	rm -rf $(VENV) var $(FRONTEND)/node_modules $(FRONTEND)/dist
