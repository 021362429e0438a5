"""How a session flows from one position to the next: the one definition of the
get-ready countdown, and the order of positions (standing, seated, then the floor).

The planner budgets `prepare_seconds` inside the minutes asked for, the plan JSON
carries it per step, and both players (the web player and `backease session`) count it
down before each step, so a 15-minute session ends at 15:00 on the wall clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from backease.core.vocab import NO_FLOOR_POSITIONS, Position

POSITION_ORDER: dict[str, int] = {
    "standing": 0,
    "seated": 1,
    "all_fours": 2,
    "side_lying": 3,
    "prone": 4,
    "supine": 5,
}
"""Standing, then seated, then down on the floor: on hands and knees first, then lying
on the side, face down, and on the back last (where relaxation ends the session)."""

PREPARE_FIRST = 5
"""Seconds to get ready for the first step when it is standing or seated."""
PREPARE_SAME = 5
"""Same position as the step before (including switching sides)."""
PREPARE_CHANGE = 10
"""From standing to seated (or back), or from one floor position to another."""
PREPARE_FLOOR = 15
"""Getting down to the floor (with a roller or ball in place) or back up."""


def on_floor(position: str) -> bool:
    """Whether a position is down on the floor (not standing or seated)."""
    return position not in NO_FLOOR_POSITIONS


def prepare_seconds(previous: str | None, position: str) -> int:
    """The get-ready countdown before a step in `position`, after a step in `previous`.

    `previous` is None for the first step. Always a multiple of 5 seconds, so the steps
    themselves keep whole 5-second durations.
    """
    if previous is None:
        return PREPARE_FLOOR if on_floor(position) else PREPARE_FIRST
    if previous == position:
        return PREPARE_SAME
    if on_floor(previous) != on_floor(position):
        return PREPARE_FLOOR
    return PREPARE_CHANGE


def prepare_all(positions: Iterable[str]) -> list[int]:
    """The countdown before each step of a sequence of positions."""
    out = []
    previous: str | None = None
    for position in positions:
        out.append(prepare_seconds(previous, position))
        previous = position
    return out


def floor_trips(positions: Iterable[Position | str]) -> int:
    """How many times a sequence of positions goes down to the floor."""
    trips = 0
    down = False
    for position in positions:
        now = on_floor(position)
        if now and not down:
            trips += 1
        down = now
    return trips


def position_changes(positions: Iterable[str]) -> int:
    """How many times a sequence of positions changes from one step to the next."""
    items = list(positions)
    return sum(1 for a, b in itertools.pairwise(items) if a != b)
