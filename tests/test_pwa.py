"""The installable web app: manifest, icons, service worker, offline page, write keys."""

from __future__ import annotations

import json
import re
import struct

import pytest
from django.test import Client

from backease.store import services
from backease.store.models import Session, StepLog

pytestmark = pytest.mark.django_db

PAGES = ["/", "/check/", "/library/", "/anatomy/", "/massage-types/", "/tips/", "/privacy/", "/history/"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_names_the_app_its_icons_colour_start_page_and_standalone_display(
    client: Client,
) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] and data["short_name"] == "backease"
    assert data["display"] == "standalone" and data["start_url"] == "/today/" and data["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"])
    sizes = {(icon["sizes"], icon["type"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert {("192x192", "image/png", "any"), ("512x512", "image/png", "any")} <= sizes
    assert ("512x512", "image/png", "maskable") in sizes
    assert ("any", "image/svg+xml", "any") in sizes


def test_every_icon_in_the_manifest_is_served_at_its_stated_size(client: Client) -> None:
    data = json.loads(client.get("/manifest.webmanifest").content)
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if icon["type"] == "image/png":
            size = tuple(int(n) for n in icon["sizes"].split("x"))
            assert png_size(body) == size, icon["src"]
        else:
            assert body.lstrip().startswith(b"<svg")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_the_manifest_the_theme_colour_and_the_worker_script(
    client: Client, path: str
) -> None:
    html = client.get(path).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color"' in html
    assert re.search(r'<script src="/static/front/offline\.js" defer></script>', html)


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    version = re.search(r'^const VERSION = "([0-9a-f]{16})";$', script, re.M)
    shell = re.search(r"^const SHELL = (\[.*\]);$", script, re.M)
    assert version and shell
    files = json.loads(shell.group(1))
    assert "/static/front/player.js" in files and "/static/front/app.css" in files
    for url in files:
        assert client.get(url).status_code == 200, url
    assert 'const OFFLINE_URL = "/offline/";' in script


def test_the_offline_page_says_what_still_works_and_why_a_phone_cannot_reach_this_computer(
    client: Client,
) -> None:
    html = client.get("/offline/").content.decode()
    assert "offline" in html.lower()
    assert "127.0.0.1" in client.get("/privacy/").content.decode()


# --- writes sent twice are stored once ------------------------------------------------------------


@pytest.fixture
def running() -> Session:
    person = services.local_owner()
    services.save_profile(person, {"minutes": 10})
    return services.start_session(person, services.make_plan(person, seed=1))


def put(client: Client, path: str, body: dict[str, object], key: str | None) -> object:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.put(path, json.dumps(body), content_type="application/json", **headers)


def test_a_step_save_sent_twice_with_the_same_key_is_applied_once(client: Client, running: Session) -> None:
    path = f"/api/sessions/{running.id}/steps/0"
    first = put(client, path, {"feedback": "too_much", "intensity": "gentle", "seconds_done": 10}, "k-1")
    assert first.status_code == 200  # type: ignore[attr-defined]
    # Between the two copies, a later write changes the step again.
    put(client, path, {"feedback": "helped"}, "k-2")
    again = put(client, path, {"feedback": "too_much", "seconds_done": 10}, "k-1")
    assert again.status_code == 200  # type: ignore[attr-defined]
    log = StepLog.objects.get(session=running, index=0)
    assert log.feedback == "helped"
    assert json.loads(again.content)["feedback"] == "helped"  # type: ignore[attr-defined]


def test_a_finish_sent_twice_with_the_same_key_is_accepted_once(client: Client, running: Session) -> None:
    path = f"/api/sessions/{running.id}/finish"
    body = json.dumps({"status": "completed", "pain_after": 2})
    headers = {"HTTP_IDEMPOTENCY_KEY": "finish-1"}
    assert client.post(path, body, content_type="application/json", **headers).status_code == 200
    assert client.post(path, body, content_type="application/json", **headers).status_code == 200
    running.refresh_from_db()
    assert running.status == "completed" and running.pain_after == 2


def test_a_write_refused_for_bad_input_does_not_use_up_its_key(client: Client, running: Session) -> None:
    path = f"/api/sessions/{running.id}/steps/0"
    assert put(client, path, {"intensity": "brutal"}, "k-9").status_code == 422  # type: ignore[attr-defined]
    assert put(client, path, {"intensity": "gentle"}, "k-9").status_code == 200  # type: ignore[attr-defined]
    assert StepLog.objects.get(session=running, index=0).intensity == "gentle"


def test_an_overlong_key_is_refused_naming_the_header(client: Client, running: Session) -> None:
    response = put(client, f"/api/sessions/{running.id}/steps/0", {"seconds_done": 5}, "x" * 300)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Idempotency-Key" in response.content.decode()  # type: ignore[attr-defined]
