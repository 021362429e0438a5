# backease: `make run` starts the app, `make test` runs every check.
# Both bootstrap a virtual environment in .venv from nothing, and are quick when it exists.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/backease serve

test: lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check backease tests bench
	$(BIN)/ruff format --check backease tests bench

types: $(STAMP)
	$(BIN)/mypy backease
	$(BIN)/mypy --strict backease/core

pytest: $(STAMP)
	$(BIN)/backease content check
	BACKEASE_DATA_DIR=$(CURDIR)/.test-data $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/plan_latency.py
	$(BIN)/python bench/web_latency.py
	$(BIN)/python bench/insights_scaling.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
