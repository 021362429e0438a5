"""`make test` runs the browser tests: it installs Chromium when it can, and otherwise
stops naming what is missing (it never skips them silently)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def run_browser_target(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "browser", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_browser_fails_naming_chromium_when_it_is_missing_and_cannot_be_installed(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-chromium"
    result = run_browser_target(f"CHROMIUM={missing}", "APT_GET=no-such-apt-get")
    assert result.returncode != 0
    assert f"Chromium is missing at {missing}" in result.stderr
    assert "apt-get install chromium" in result.stderr


def test_make_browser_passes_quietly_when_chromium_is_there(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    result = run_browser_target(f"CHROMIUM={fake}", "APT_GET=no-such-apt-get")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_make_pytest_requires_the_browser_tests_and_make_run_does_not_need_chromium() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    pytest_rule = next(line for line in text.splitlines() if line.startswith("pytest:"))
    run_rule = next(line for line in text.splitlines() if line.startswith("run:"))
    assert "browser" in pytest_rule
    assert "browser" not in run_rule
    assert "BACKEASE_REQUIRE_BROWSER=1" in text
