# Quick start: `make run` serves the API on an embedded PostgreSQL; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint schema emulator clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/campaigns serve

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest

schema: $(INSTALLED)
	$(BIN)/python -m gql.export

emulator: $(INSTALLED)
	$(BIN)/campaigns emulator

clean:
	rm -rf $(VENV) .campaigns .mypy_cache .ruff_cache .pytest_cache
