# backease: `make run` starts the app, `make test` runs every check.
# Both bootstrap a virtual environment in .venv from nothing, and are quick when it exists.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest browser bench clean

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
CHROMIUM ?= $(or $(BACKEASE_CHROMIUM),/usr/bin/chromium)
APT_GET ?= apt-get

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

pytest: $(STAMP) browser
	$(BIN)/backease content check
	BACKEASE_DATA_DIR=$(CURDIR)/.test-data BACKEASE_CHROMIUM=$(CHROMIUM) BACKEASE_REQUIRE_BROWSER=1 $(BIN)/pytest

# Chromium for the browser tests: installed with apt-get when this runs as root (as .ci/run
# does); otherwise stop here and say what is missing, rather than skip those tests.
browser:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ] && command -v $(APT_GET) >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests ($(APT_GET) install chromium)"; \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) update -qq && \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi; \
	if [ ! -x "$(CHROMIUM)" ]; then \
		echo "make test: Chromium is missing at $(CHROMIUM); the browser tests need it." >&2; \
		echo "Install it as root with 'apt-get install chromium' (Debian/Ubuntu), or set" >&2; \
		echo "BACKEASE_CHROMIUM to the path of a Chromium binary." >&2; \
		exit 1; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/plan_latency.py
	$(BIN)/python bench/web_latency.py
	$(BIN)/python bench/insights_scaling.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
