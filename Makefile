# The two commands a newcomer needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

## Install, migrate, load the demo data and serve at http://127.0.0.1:8000
run: install
	$(BIN)/vigil db upgrade
	$(BIN)/vigil demo
	$(BIN)/vigil serve

## Install the dev dependencies and run every test (SQLite; PostgreSQL via .ci/run)
test: install-dev
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
