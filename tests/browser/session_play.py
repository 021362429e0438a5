"""Playing a whole session in the browser with Playwright's page clock (shared helper).

    session = start_session(Profile(minutes=15, tools=("foam_roller", "hands")))
    open_player(page, live_server.url, session)      # installs the clock, presses Begin
    played = play_to_end(page)                       # seconds on the page clock

The session is planned and started through the store (as the Today page does), so a
test can pick the profile it needs. `play_to_end` moves the page clock one second at a
time (the player ticks every 250 ms and reads performance.now()), calls `each_second`
if given, and returns how many clock seconds passed between Begin and the after screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from backease.core.planner import Profile
from backease.store import services
from backease.store.models import Session


def start_session(profile: Profile, seed: int = 0) -> Session:
    """Plan a session for `profile` (no screening answers: self-care) and start it."""
    person = services.local_owner()
    services.save_profile(person, services.profile_to_data(profile))
    plan = services.make_plan(person, seed=seed, profile=profile)
    return services.start_session(person, plan)


CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def open_player(page: Any, base: str, session: Session) -> None:
    """Open the player with the page clock installed and paused, and press Begin.

    From here on, time moves only with `page.clock.run_for`, so a test measures the
    session's length exactly, however slow the machine is.
    """
    page.clock.install(time=CLOCK_START)
    page.goto(f"{base}/session/{session.id}/")
    page.wait_for_selector('#player[data-ready="true"]')
    page.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    page.get_by_test_id("begin").click()


def play_to_end(
    page: Any, limit_seconds: int = 3 * 3600, each_second: Callable[[int], None] | None = None
) -> int:
    """Run the page clock a second at a time until the after screen shows; the seconds run."""
    after = page.locator("#after-screen")
    for second in range(1, limit_seconds + 1):
        page.clock.run_for(1000)
        if each_second is not None:
            each_second(second)
        if after.is_visible():
            return second
    raise AssertionError(f"the session did not end within {limit_seconds} s")


def step_changes(page: Any) -> Callable[[int], None]:
    """An `each_second` callback noting (second, "Step n of N") whenever the step changes.

    The list is in the callback's `changes` attribute.
    """
    changes: list[tuple[int, str]] = []

    def record(second: int) -> None:
        label = str(page.locator("#step-count").inner_text())
        if not changes or changes[-1][1] != label:
            changes.append((second, label))

    record.changes = changes  # type: ignore[attr-defined]
    return record
