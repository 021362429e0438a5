"""Shared fixtures: the real content library and screening rules, parsed once."""

from __future__ import annotations

import pytest

from backease.content.loader import Content, parse_content
from backease.core.library import Library
from backease.core.screening import RuleSet


@pytest.fixture(scope="session")
def content() -> Content:
    return parse_content()


@pytest.fixture(scope="session")
def library(content: Content) -> Library:
    return content.library


@pytest.fixture(scope="session")
def rules(content: Content) -> RuleSet:
    return content.rules
