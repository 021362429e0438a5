"""Hygiene: private data files, a CSP without inline scripts, an API that accepts what its
schema declares, and JSON for every error under /api/."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from backease.store import services
from backease.web.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

JSON = "application/json"
TEMPLATES = Path(__file__).resolve().parents[1] / "backease" / "front" / "templates"
PROFILE = {"areas": [{"region": "lats_left", "pain": 5}], "tools": ["hands", "wall"], "minutes": 8}


def send(client: Client, method: str, url: str, data: Any) -> Any:
    return getattr(client, method)(url, json.dumps(data), content_type=JSON)


@pytest.fixture
def session_url(client: Client) -> str:
    assert send(client, "put", "/api/profile", PROFILE).status_code == 200
    plan = send(client, "post", "/api/plans", {"seed": 1}).json()
    session = send(client, "post", "/api/sessions", {"plan_id": plan["id"]}).json()
    return f"/api/sessions/{session['id']}"


# --- data files -------------------------------------------------------------------------------


def test_a_new_data_folder_is_0700_and_its_files_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    exe = Path(sys.executable).with_name("backease")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BACKEASE_SECRET_KEY")}
    env["BACKEASE_DATA_DIR"] = str(data)
    done = subprocess.run([str(exe), "log", "5"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.iterdir() if p.is_file()]
    assert {"backease.sqlite3", "secret_key"} <= {p.name for p in files}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_an_existing_world_readable_data_folder_and_database_are_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "backease.sqlite3").touch(mode=0o644)
    data.chmod(0o755)
    (data / "backease.sqlite3").chmod(0o644)
    exe = Path(sys.executable).with_name("backease")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BACKEASE_SECRET_KEY")}
    env["BACKEASE_DATA_DIR"] = str(data)
    done = subprocess.run([str(exe), "log", "5"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "backease.sqlite3").stat().st_mode) == 0o600


# --- CSP ----------------------------------------------------------------------------------------


def test_the_csp_allows_no_inline_script() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";") if d.strip())
    assert directives["script-src"] == "'self'"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", text), path.name
        assert "javascript:" not in text, path.name


def test_no_template_comment_in_braces_spans_lines() -> None:
    # Django's {# #} comment ends at the line's end: a longer one shows on the page as text.
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert line.count("{#") == line.count("#}"), f"{path.name}:{number}: use {{% comment %}}"


def test_every_page_is_served_with_the_strict_csp(client: Client) -> None:
    services.local_owner()
    for url in ("/", "/history/", "/check/", "/api/docs"):
        response = client.get(url)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src", 1)[1]


# --- the API accepts what its schema declares ---------------------------------------------------


def test_fields_the_schema_marks_nullable_accept_null(client: Client, session_url: str) -> None:
    assert send(client, "put", "/api/profile", {**PROFILE, "pressure": None}).status_code == 200
    assert send(client, "post", "/api/plans", {"seed": None}).status_code == 200
    response = send(client, "patch", session_url, {"pain_before": None, "stress_after": None})
    assert response.status_code == 200, response.content
    response = send(client, "post", "/api/pain", {"pain": 3, "stress": None, "at": None})
    assert response.status_code == 201, response.content
    response = send(client, "post", f"{session_url}/finish", {"status": "completed", "pain_after": None})
    assert response.status_code == 200, response.content


def nullable(schema: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return {
        name
        for name, prop in schema.get("properties", {}).items()
        if prop.get("type") == "null" or any(option.get("type") == "null" for option in prop.get("anyOf", []))
    }


def test_a_field_that_refuses_null_is_not_marked_nullable(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    body = spec["paths"]["/api/sessions/{session_id}"]["patch"]["requestBody"]["content"][JSON]["schema"]
    assert nullable(body, spec) == {"pain_before", "pain_after", "stress_before", "stress_after"}
    step = spec["paths"]["/api/sessions/{session_id}/steps/{index}"]["put"]["requestBody"]["content"][JSON]
    assert nullable(step["schema"], spec) == set()


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("", {"notes": None}, "notes"),
        ("", {"status": None}, "status"),
        ("/steps/0", {"seconds_done": None}, "seconds_done"),
        ("/steps/0", {"feedback": None}, "feedback"),
    ],
)
def test_null_for_a_field_that_is_not_nullable_is_a_422_naming_it(
    client: Client, session_url: str, url: str, data: dict[str, Any], field: str
) -> None:
    method = "put" if url else "patch"
    response = send(client, method, session_url + url, data)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_a_whole_number_written_as_59_point_0_is_accepted(client: Client, session_url: str) -> None:
    response = send(client, "put", f"{session_url}/steps/0", {"seconds_done": 59.0})
    assert response.status_code == 200 and response.json()["seconds_done"] == 59
    response = send(client, "patch", session_url, {"pain_before": 5.0})
    assert response.status_code == 200 and response.json()["pain_before"] == 5
    assert send(client, "post", "/api/plans", {"seed": 3.0}).json()["seed"] == 3
    response = send(client, "patch", session_url, {"pain_before": 5.5})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "pain_before"


def test_a_huge_id_is_a_422_not_a_server_error(client: Client) -> None:
    services.local_owner()
    response = send(client, "post", "/api/sessions", {"plan_id": 10**30})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "plan_id"


# --- every error under /api/ is JSON ------------------------------------------------------------


def test_a_multipart_request_without_a_boundary_gets_a_json_error(client: Client) -> None:
    services.local_owner()
    response = client.post("/api/pain", b"pain=3", content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith(JSON) and "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/api/no-such-thing", 404), ("delete", "/api/profile", 405), ("get", "/api/sessions/x", 422)],
)
def test_unknown_paths_and_methods_under_api_get_json(
    client: Client, method: str, url: str, status: int
) -> None:
    services.local_owner()
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith(JSON) and "detail" in response.json()
    assert "Content-Security-Policy" in response


def test_a_server_error_under_api_is_json(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(raise_request_exception=False)
    services.local_owner()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "pain_entries", broken)
    response = client.get("/api/pain")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


def test_pages_outside_the_api_keep_their_html_errors(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
