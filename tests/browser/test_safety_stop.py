"""The web player stops at once when the safety check becomes an emergency while it runs
(issue 14 item 7): the reviewer's case, with the emergency answered in another tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backease.core.planner import Profile
from backease.store.models import Session
from tests.browser.conftest import MOBILE, close_context, new_context
from tests.browser.session_play import CLOCK_START, open_player, start_session

pytestmark = pytest.mark.django_db(transaction=True)

EMERGENCY_TITLE = "Call your local emergency number now"


def answer_chest_pain(page: Any, base: str) -> None:
    """The safety check, answered as a person would: chest pain, then send it."""
    page.goto(f"{base}/check/")
    page.locator("#q-chest_pain").check()
    page.get_by_test_id("see-result").click()
    page.get_by_test_id("emergency").wait_for()


@pytest.mark.parametrize("viewport", [MOBILE], ids=["phone"])
def test_the_player_stops_when_an_emergency_answer_arrives_in_another_tab(
    browser: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    session = start_session(Profile(minutes=6))
    context = new_context(browser, viewport=viewport, reduced_motion="reduce", locale="en-GB")
    try:
        player = context.new_page()
        open_player(player, live_server.url, session)
        player.clock.run_for(20_000)  # playing: the first saves went through
        assert player.locator("#step-screen").is_visible()

        answer_chest_pain(context.new_page(), live_server.url)

        player.clock.run_for(6_000)  # the next save, at most 5 s later, is refused
        player.wait_for_url(f"**/session/{session.id}/done/")
        stop = player.get_by_test_id("safety-stop")
        assert stop.is_visible() and EMERGENCY_TITLE in stop.inner_text()
        assert player.get_by_role("heading", name="Session stopped: your safety check changed").is_visible()
        player.screenshot(path=str(live_server_shot("safety-stop-phone.png")), full_page=True)
        stored = Session.objects.get(pk=session.id)
        assert (stored.status, stored.stop_reason) == ("stopped", "safety")
        # Opening the player again shows the summary, never "Welcome back".
        player.goto(f"{live_server.url}/session/{session.id}/")
        assert player.url.endswith(f"/session/{session.id}/done/")
    finally:
        close_context(context)


def test_begin_on_a_player_opened_before_the_emergency_answer_stops_at_once(
    browser: Any, live_server: Any
) -> None:
    session = start_session(Profile(minutes=6))
    context = new_context(browser, viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        player = context.new_page()
        player.clock.install(time=CLOCK_START)
        player.goto(f"{live_server.url}/session/{session.id}/")
        player.wait_for_selector('#player[data-ready="true"]')
        player.clock.pause_at(CLOCK_START + timedelta(minutes=1))  # no tick, no timed save from here
        answer_chest_pain(context.new_page(), live_server.url)
        player.bring_to_front()
        player.get_by_test_id("begin").click()  # Begin itself asks whether the session may go on
        player.wait_for_url(f"**/session/{session.id}/done/")
        assert EMERGENCY_TITLE in player.get_by_test_id("safety-stop").inner_text()
        player.screenshot(path=str(live_server_shot("safety-stop-desktop.png")), full_page=True)
    finally:
        close_context(context)


def live_server_shot(name: str) -> Any:
    """Screenshots for a reviewer to look at (not committed): under .test-data."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / ".test-data" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
