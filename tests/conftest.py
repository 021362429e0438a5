"""Shared fixtures: the real content library and screening rules, parsed once.

Under pytest-xdist (`make test` runs `pytest -n auto`) each worker process gets a data
folder of its own (see `pytest_xdist_setupnodes`); pytest-django gives each worker its own
test database (test-backease.sqlite3_gw0, test_NAME_gw0 on PostgreSQL), and the live
server of the browser, race and schemathesis tests listens on a free port of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backease.content.loader import Content, parse_content
from backease.core.library import Library
from backease.core.screening import RuleSet


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: list[Any]) -> None:
    """Give each xdist worker its own BACKEASE_DATA_DIR (a folder per worker, gw0, gw1...,
    inside the one configured), set in the worker's environment before it starts, so before
    Django reads its settings there: its secret key, static folder and SQLite test database,
    and what the CLI and server subprocesses that its tests start inherit, are its own."""
    from django.conf import settings

    base = Path(settings.DATA_DIR)
    for spec in specs:
        spec.env.setdefault("BACKEASE_DATA_DIR", str(base / spec.id))


LONGEST_FIRST = (
    "tests/test_without_clinic.py::test_the_personal_app_passes_its_tests_with_clinic_mode_left_out",
    "tests/browser/test_floor_mode.py::test_a_whole_plan_is_heard_",
    "tests/test_schemathesis.py::",
)
"""The tests that take minutes each (`pytest --durations=20`), longest first: run first, so
that under xdist each starts on a worker of its own while the short tests fill the other
workers around them, rather than one of them starting last and running on alone."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=rank)  # stable: otherwise the order they were collected in


@pytest.fixture(scope="session")
def content() -> Content:
    return parse_content()


@pytest.fixture(scope="session")
def library(content: Content) -> Library:
    return content.library


@pytest.fixture(scope="session")
def rules(content: Content) -> RuleSet:
    return content.rules
