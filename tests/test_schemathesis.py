"""Schemathesis runs every one of its checks against the API on the live server: server
errors, status codes, content types, response schemas and headers, schema-valid data
accepted and schema-violating data refused, missing CSRF refused, unsupported methods,
use after delete... Bounded (tests/schemathesis.toml: 10 examples an operation, a fixed
seed) to stay near half a minute."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_concurrency import Api

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_the_api_passes_every_schemathesis_check(live_server: Any, tmp_path: Path) -> None:
    api = Api(live_server.url)
    token = api.cookie.split("=", 1)[1]
    config = tmp_path / "schemathesis.toml"
    auth = (
        f'\n[auth.openapi.csrfCookie]\napi_key = "{token}"\n[auth.openapi.csrfHeader]\napi_key = "{token}"\n'
    )
    config.write_text(CONFIG.read_text(encoding="utf-8") + auth, encoding="utf-8")
    exe = Path(sys.executable).with_name("schemathesis")
    done = subprocess.run(
        [
            str(exe),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/openapi.json",
            "--checks",
            "all",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
