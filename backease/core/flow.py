"""How a session flows from one position to the next: the one definition of the
get-ready countdown (long enough to move and to hear the step's set-up, see
`core.script`), and the order of positions (standing, seated, then the floor).

The planner budgets `prepare_seconds` inside the minutes asked for, the plan JSON
carries it per step, and both players (the web player and `backease session`) count it
down before each step, so a 15-minute session ends at 15:00 on the wall clock.
"""

from __future__ import annotations

import itertools
import math
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


PREPARE_QUANTUM = 5
"""Countdowns are whole multiples of this, so the steps keep whole 5-second durations."""


def prepare_seconds(previous: str | None, position: str, speech: float = 0.0) -> int:
    """The get-ready countdown before a step in `position`, after a step in `previous`.

    `previous` is None for the first step. `speech` is how long the step's must-hear
    get-ready lines take to say (`core.script.prepare_need`): the countdown is long enough
    to move and to hear them, rounded up to a multiple of PREPARE_QUANTUM seconds.
    """
    if previous is None:
        move = PREPARE_FLOOR if on_floor(position) else PREPARE_FIRST
    elif previous == position:
        move = PREPARE_SAME
    elif on_floor(previous) != on_floor(position):
        move = PREPARE_FLOOR
    else:
        move = PREPARE_CHANGE
    said = PREPARE_QUANTUM * math.ceil(round(speech, 6) / PREPARE_QUANTUM) if speech > 0 else 0
    return max(move, said)


def prepare_all(positions: Iterable[str], speech: Iterable[float] | None = None) -> list[int]:
    """The countdown before each step of a sequence of positions, each long enough for the
    speech of the same index in `speech` (`core.script.countdowns` gives it; without it,
    the time to move only, as for plans stored before the speech schedule)."""
    items = list(positions)
    needs = list(speech) if speech is not None else [0.0] * len(items)
    out = []
    previous: str | None = None
    for position, need in zip(items, needs, strict=True):
        out.append(prepare_seconds(previous, position, need))
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
