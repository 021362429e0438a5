"""A whole 15-minute session in the browser ends at 15:00, with one trip to the floor."""

from __future__ import annotations

from typing import Any

import pytest

from backease.core.flow import floor_trips
from backease.core.planner import PainArea, Profile
from tests.browser.session_play import open_player, play_to_end, start_session, step_changes

pytestmark = pytest.mark.django_db(transaction=True)

# Pain beside the mid-back spine and at the top of a shoulder, sitting at a desk and
# stressed, with a foam roller and balls: standing and seated work, then down to the floor
# once for the roller and to relax. (With a knot between the shoulder blades the planner now
# prefers a ball against the wall, and the posture cause's extension is the seated chest
# lift, so that plan stays up: the test would no longer have gone to the floor.)
FLOOR_PROFILE = Profile(
    areas=(PainArea("thoracic_spine_left", 6), PainArea("upper_trapezius_right", 5)),
    causes=("posture", "stress"),
    tools=("foam_roller", "massage_ball", "tennis_ball", "wall", "hands", "chair", "doorway"),
    minutes=15,
    stress=6,
)


def test_a_15_minute_session_ends_at_15_00_on_the_page_clock_with_one_trip_to_the_floor(
    page: Any, live_server: Any
) -> None:
    session = start_session(FLOOR_PROFILE)
    steps = session.plan.data["steps"]
    positions = [s["position"] for s in steps]
    # The plan goes down to the floor (so the check below means something), once.
    assert floor_trips(positions) == 1
    assert sum(s["seconds"] + s["prepare_seconds"] for s in steps) == 15 * 60
    open_player(page, live_server.url, session)
    seen = step_changes(page)
    played = play_to_end(page, limit_seconds=20 * 60, each_second=seen)
    # The clock moves a second at a time: the after screen shows in the 900th second.
    assert played == 15 * 60
    # Every step was played, in the plan's order, each after its own get-ready countdown.
    labels = [label for _, label in seen.changes]  # type: ignore[attr-defined]
    assert labels == [f"Step {i + 1} of {len(steps)}" for i in range(len(steps))]
    starts = [second for second, _ in seen.changes]  # type: ignore[attr-defined]
    expected, at = [], 0
    for step in steps:
        expected.append(at)
        at += step["prepare_seconds"] + step["seconds"]
    # Step n shows in the second the previous one ends (step 1 at once).
    assert starts[0] == 1 and starts[1:] == expected[1:]
