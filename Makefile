# fraudops — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
FRAUDOPS := $(BIN)/fraudops
STAMP := $(VENV)/.installed

.PHONY: run install prepare serve test lint bench clean

## run: install, migrate, prepare data and a first model if none exists, then serve on http://$(HOST):$(PORT)
run: install
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

## test: lint, then every test (PostgreSQL tests use their own database on 127.0.0.1:5432)
test: install lint
	cd backend && ../$(BIN)/python -m pytest

lint: install
	cd backend && ../$(BIN)/ruff check . && ../$(BIN)/ruff format --check . && ../$(BIN)/mypy fraudops

## bench: upload of a 284,807-row file and /api/predict latency, against a real server on loopback
bench: install
	$(FRAUDOPS) prepare
	$(BIN)/python backend/benchmarks/bench.py

clean:
	rm -rf $(VENV) var
