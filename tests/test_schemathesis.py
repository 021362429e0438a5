"""Schemathesis runs every one of its checks, in every phase (examples, coverage, fuzzing,
stateful), against the API on the live server, authenticated: in personal mode with the
CSRF cookie and header, and in server mode with a bearer token. Server errors, status
codes, content types, response schemas and headers, schema-valid data accepted and
schema-violating data refused, missing authentication or CSRF refused, unsupported
methods, use after delete... (issue 14 API part; issue 15 "The API schema in server mode").

Bounded by tests/schemathesis.toml (a fixed seed, 10 examples an operation when fuzzing;
the coverage phase makes every case the schema defines, the stateful phase follows the
links); with `-s` the test prints how long each run took and what it covered.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from backease.accounts.tokens import create_token
from tests.test_concurrency import Api
from tests.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = ("Examples", "Coverage", "Fuzzing", "Stateful")


def run_schemathesis(url: str, tmp_path: Path, auth: dict[str, dict[str, str]]) -> str:
    """Run `schemathesis run` with every check against `url`; its output (asserts it passed
    and that every phase ran)."""
    config = tmp_path / "schemathesis.toml"
    sections = "".join(
        f"\n[auth.openapi.{scheme}]\n" + "".join(f'{key} = "{value}"\n' for key, value in fields.items())
        for scheme, fields in auth.items()
    )
    config.write_text(CONFIG.read_text(encoding="utf-8") + sections, encoding="utf-8")
    exe = Path(sys.executable).with_name("schemathesis")
    started = time.monotonic()
    done = subprocess.run(
        [
            str(exe),
            "--config-file",
            str(config),
            "run",
            f"{url}/api/openapi.json",
            "--checks",
            "all",
            "--phases",
            ",".join(p.lower() for p in PHASES),
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, done.stdout[-10000:] + done.stderr[-2000:]
    for phase in PHASES:
        # The summary marks each phase that ran and passed with a tick (a skipped one is not).
        assert re.search(rf"✅\s+{phase}\b", output), f"{phase} did not run:\n{output[-6000:]}"
    print(f"schemathesis: {time.monotonic() - started:.0f} s\n{output[-2500:]}")
    return output


def test_the_api_keeps_its_schema_in_personal_mode(live_server: Any, tmp_path: Path) -> None:
    token = Api(live_server.url).cookie.split("=", 1)[1]
    run_schemathesis(
        live_server.url,
        tmp_path,
        {"csrfCookie": {"api_key": token}, "csrfHeader": {"api_key": token}},
    )


def test_the_api_keeps_its_schema_in_server_mode_with_a_bearer_token(
    live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MODE = "server"
    user = make_user("fuzz@example.org")
    _, secret = create_token(user, "schemathesis", ["read", "write"])
    run_schemathesis(live_server.url, tmp_path, {"bearerToken": {"bearer": secret}})
