"""On the phone, offline: the app installs, and a session started online finishes offline
and is stored once when the connection comes back."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from backease.core.planner import Profile
from backease.store.models import Session, StepLog, WriteKey
from tests.browser.session_play import open_player, start_session

pytestmark = pytest.mark.django_db(transaction=True)


def eventually(check: Any, seconds: float = 15) -> Any:
    """Wait for the service worker or a background request (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_a_session_started_online_finishes_offline_and_each_write_is_stored_once(
    page: Any, live_server: Any
) -> None:
    session = start_session(Profile(minutes=5))
    planned = session.plan.data["steps"]
    writes: list[tuple[str, str, str]] = []

    def watch(request: Any) -> None:
        if request.method in ("PUT", "PATCH", "POST") and "/api/sessions/" in request.url:
            writes.append((request.method, request.url, request.headers.get("idempotency-key", "")))

    page.on("request", watch)
    open_player(page, live_server.url, session)
    # The service worker installs and keeps this session's page for offline use.
    path = f"/session/{session.id}/"
    eventually(lambda: page.evaluate(f"async () => Boolean(await caches.match({json.dumps(path)}))"))
    manifest = page.evaluate("() => document.querySelector('link[rel=manifest]').href")
    assert manifest.endswith("/manifest.webmanifest")

    page.clock.run_for(20_000)  # the first save goes while online
    page.context.set_offline(True)
    # Run every step offline: the timer, cues and controls keep working.
    total = sum(s["prepare_seconds"] + s["seconds"] for s in planned)
    for _ in range(total):
        page.clock.run_for(1000)
        if page.locator("#after-screen").is_visible():
            break
    assert page.locator("#after-screen").is_visible()
    assert "No connection" in page.locator("#save-status").inner_text()
    assert page.evaluate(f"() => JSON.parse(localStorage.getItem('backease.outbox.{session.id}')).length") > 0
    page.locator('input[name="pain_after"][value="2"]').check()
    page.get_by_test_id("finish").click()
    assert "No connection" in page.locator("#after-error").inner_text()
    assert Session.objects.get(pk=session.pk).status == "running"

    page.context.set_offline(False)
    page.clock.run_for(6_000)  # the outbox also retries every 5 s
    page.wait_for_url("**/done/**")

    session.refresh_from_db()
    assert session.status == "completed" and session.pain_after == 2
    logs = list(StepLog.objects.filter(session=session).order_by("index"))
    assert [log.index for log in logs] == list(range(len(planned)))
    assert [log.seconds_done for log in logs] == [s["seconds"] for s in planned]
    # Every write carried a key, and each key was applied once.
    keys = [key for _, _, key in writes]
    assert writes and all(keys)
    assert WriteKey.objects.count() == len(set(keys))
    # The page empties its outbox once the answer arrives, just after the server saved it.
    eventually(lambda: page.evaluate(f"() => localStorage.getItem('backease.outbox.{session.id}')") is None)


def test_progress_kept_offline_survives_reloading_the_page_and_is_sent_once_back_online(
    page: Any, live_server: Any
) -> None:
    session = start_session(Profile(minutes=5))
    open_player(page, live_server.url, session)
    path = f"/session/{session.id}/"
    eventually(lambda: page.evaluate(f"async () => Boolean(await caches.match({json.dumps(path)}))"))
    page.context.set_offline(True)
    first = session.plan.data["steps"][0]
    page.clock.run_for((first["prepare_seconds"] + 12) * 1000)  # saves at 5 and 10 s into the step
    outbox = f"() => JSON.parse(localStorage.getItem('backease.outbox.{session.id}') || '[]')"
    kept = page.evaluate(outbox)
    assert kept and all(job["key"] for job in kept)
    # Reloaded with no connection, the page comes from the service worker's copy.
    page.reload()
    page.wait_for_selector('#player[data-ready="true"]')
    assert page.get_by_test_id("begin").is_visible()
    # The writes waiting on this device are still there, first, with the same keys (the
    # reopened page adds its own save of the progress it found after them).
    restored = [job["key"] for job in page.evaluate(outbox)]
    assert restored[: len(kept)] == [job["key"] for job in kept]
    page.context.set_offline(False)
    page.clock.run_for(6_000)
    eventually(lambda: StepLog.objects.get(session=session, index=0).seconds_done >= 10)
    eventually(lambda: page.evaluate(outbox) == [])
    assert WriteKey.objects.count() == len(set(restored))


def test_sharp_pain_pressed_offline_shows_the_guidance_at_once_and_is_saved_back_online(
    page: Any, live_server: Any
) -> None:
    session = start_session(Profile(minutes=5))
    open_player(page, live_server.url, session)
    guidance = f"/session/{session.id}/done/?sharp=1"
    eventually(lambda: page.evaluate(f"async () => Boolean(await caches.match({json.dumps(guidance)}))"))
    page.context.set_offline(True)
    page.clock.run_for((session.plan.data["steps"][0]["prepare_seconds"] + 3) * 1000)
    page.get_by_test_id("sharp-pain").click()
    page.locator("#sharp-confirm").click()
    # The guidance shows at once, from the copy kept on this device.
    page.wait_for_url("**/done/?sharp=1")
    text = page.locator("main").inner_text().lower()
    assert "sharp" in text and "emergency" in text
    assert Session.objects.get(pk=session.pk).status == "running"
    # Back online, the page sends the saves left waiting: the session is stopped.
    page.context.set_offline(False)
    eventually(lambda: Session.objects.get(pk=session.pk).status == "stopped")
    session.refresh_from_db()
    assert session.stop_reason == "sharp pain"
    assert StepLog.objects.get(session=session, index=0).feedback == "sharp_pain"
    # The page empties its outbox once the answer arrives, just after the server saved it.
    eventually(lambda: page.evaluate(f"() => localStorage.getItem('backease.outbox.{session.id}')") is None)
