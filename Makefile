# backease: `make run` starts the app, `make test` runs every check, `make check-all` adds the
# server-mode smoke run (PostgreSQL, two app processes, nginx with HTTPS; docs/deploy.md).
# Both bootstrap a virtual environment in .venv from nothing, and are quick when it exists.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest browser bench clean lock check-all smoke nginx

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
CHROMIUM ?= $(or $(BACKEASE_CHROMIUM),/usr/bin/chromium)
APT_GET ?= apt-get
# The smoke run puts Debian's nginx in front of the app processes.
NGINX ?= $(or $(BACKEASE_NGINX),/usr/sbin/nginx)

# requirements.lock pins every dependency (dev tools included) with its hashes: pip
# refuses any file whose hash differs. `make lock` regenerates it after pyproject changes.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip-tools
	.lock-venv/bin/pip-compile --quiet --generate-hashes --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	rm -rf .lock-venv

run: $(STAMP)
	$(BIN)/backease serve

test: lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check backease tests bench scripts
	$(BIN)/ruff format --check backease tests bench scripts

types: $(STAMP)
	$(BIN)/mypy backease
	$(BIN)/mypy --strict backease/core

# The tests run in parallel, one pytest-xdist worker per CPU core (`-n auto`), each with its
# own data folder under .test-data and its own test database (tests/conftest.py). Tests are
# handed out two at a time, the few that take minutes first (tests/conftest.py,
# LONGEST_FIRST), so they start on different workers. PYTEST_WORKERS=0 runs every test in
# this one process (e.g. with a debugger), PYTEST_WORKERS=4 in four.
PYTEST_WORKERS ?= auto

pytest: $(STAMP) browser
	$(BIN)/backease content check
	BACKEASE_DATA_DIR=$(CURDIR)/.test-data BACKEASE_CHROMIUM=$(CHROMIUM) BACKEASE_REQUIRE_BROWSER=1 \
		$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 2

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

# Every check, then server mode end to end: a fresh PostgreSQL database, `backease migrate`,
# two gunicorn app processes behind nginx with a self-signed certificate, and the therapist's
# and client's journey through HTTPS (scripts/smoke_server.py; PostgreSQL on 127.0.0.1:5432,
# or SMOKE_POSTGRES_URL).
check-all: test smoke

smoke: $(STAMP) nginx
	$(BIN)/python scripts/smoke_server.py --nginx $(NGINX)

# nginx for the smoke run: installed with apt-get when this runs as root (as .ci/run does);
# otherwise stop here and say what is missing, rather than skip the smoke run.
nginx:
	@if [ ! -x "$(NGINX)" ] && [ "$$(id -u)" = 0 ] && command -v $(APT_GET) >/dev/null 2>&1; then \
		echo "Installing Debian's nginx for the smoke run ($(APT_GET) install nginx)"; \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) update -qq && \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq nginx openssl >/dev/null; \
	fi; \
	if [ ! -x "$(NGINX)" ]; then \
		echo "make check-all: nginx is missing at $(NGINX); the server smoke run needs it." >&2; \
		echo "Install it as root with 'apt-get install nginx' (Debian/Ubuntu), or set" >&2; \
		echo "BACKEASE_NGINX to the path of an nginx binary." >&2; \
		exit 1; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/plan_latency.py
	$(BIN)/python bench/web_latency.py
	$(BIN)/python bench/insights_scaling.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
