"""The speech schedule of a session: what the voice says in each step, and when.

Players execute, core decides: every plan step carries its `script`, a list of lines in
the order they are spoken, and the web player and the terminal player only play it
(INTERFACES.md, "the speech schedule"). A line belongs to a phase of its step:

- `prepare`, the get-ready before the step's timer: a change of position is announced
  first ("Next: down onto the floor, on your back."), then the set-up. The first time a
  technique comes up in a session its full set-up is said, then its stop line; a later
  appearance (the second side, a second round) says the short set-up only.
- `hold`, while the timer runs: "Go." and the go line at 0, then a few mid-hold lines
  (cues and the breathing line, spread out with quiet between them) and "10 seconds
  left." near the end when the hold is long enough.

Lines the person must hear (`must_hear`: the announcement, set-up, stop line, go line and
countdown) never overlap one another and each ends inside its phase at the default rate;
the get-ready of each step is long enough for its own must-hear lines
(`prepare_need`, budgeted by the planner inside the minutes asked for). A player never
cancels a must-hear line: a mid-hold line that would overlap one is dropped instead, and
at a slower rate the get-ready waits for its last must-hear line before the timer starts.

The words are content: technique lines come from `Technique.spoken` (rendered for the
step's side), the fixed words ("Go.", "10 seconds left.", the announcements of a change of
position) from labels.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol, get_args

from backease.core.flow import on_floor, prepare_all
from backease.core.library import Library, Spoken, Technique
from backease.core.sides import as_side, render_side, render_spoken

ScriptPhase = Literal["prepare", "hold"]
LineKind = Literal["setup", "go", "cue", "breathing", "stop_if", "countdown", "next"]
SCRIPT_PHASES: tuple[ScriptPhase, ...] = get_args(ScriptPhase)
LINE_KINDS: tuple[LineKind, ...] = get_args(LineKind)

NORMAL_WPS = 3.2
"""Words a second of a voice at its normal rate (1.0): espeak-ng at its default 175 words a
minute says the library's spoken lines at 3.2 words a second, pauses included
(bench/spoken_lines.py). Browser voices are close to it; the terminal speaks at it."""
DEFAULT_RATE = 0.95
"""The web player's default speech rate (player.js `prefs.rate`; its settings slider)."""
SLOWEST_RATE = 0.5
"""The slowest rate the web player's settings offer (session.html, the rate slider's min)."""
DEFAULT_WPS = NORMAL_WPS * DEFAULT_RATE
"""Words a second at the default rate (3.04): what the get-ready is budgeted for."""
SLOWEST_WPS = NORMAL_WPS * SLOWEST_RATE
"""Words a second at the slowest rate (1.6): the get-ready waits longer, the hold still fits."""

LINE_GAP = 0.5
"""Seconds of quiet between two get-ready lines."""
READY_GAP = 1.0
"""Seconds of quiet after the last get-ready line, before "Go."."""
COUNTDOWN_SECONDS = 10
"""The "10 seconds left." line is said this long before the hold ends..."""
COUNTDOWN_MIN_HOLD = 30
"""...in a hold at least this long (a shorter one is over soon enough without it)."""
QUIET_AFTER_GO = 4.0
"""Seconds of quiet after the go line before the first mid-hold line: time to settle in."""
QUIET_BEFORE_END = 2.0
"""A mid-hold line ends at least this long before the countdown (or the end of the hold)."""
LINE_EVERY = 25.0
"""At most about one mid-hold line per this many seconds of the hold, so speech stays a
small part of the session (bench/speech_share.py) and a hold is mostly quiet work."""


@lru_cache(maxsize=16384)
def speak_seconds(text: str, wps: float = DEFAULT_WPS) -> float:
    """How long `text` takes to say at `wps` words a second (words counted by spaces)."""
    return round(len(text.split()) / wps, 2)


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One line of a step's script: what is said, in which phase, when, and whether it
    must be heard (a player never cancels it)."""

    phase: ScriptPhase
    at: float
    """Seconds from the start of the phase."""
    kind: LineKind
    text: str
    """Already rendered for the step's side."""
    must_hear: bool
    speak_seconds: float
    """How long it takes to say at DEFAULT_WPS. At another speech rate `r` of a player
    (1.0 the voice's normal rate), about `speak_seconds * DEFAULT_RATE / r`."""

    def ends(self, wps: float = DEFAULT_WPS) -> float:
        """When the line has been said, from the start of its phase, spoken at `wps`."""
        return self.at + speak_seconds(self.text, wps)

    def to_json(self) -> dict[str, object]:
        """The line in the public JSON shape (the plan JSON, the API, the players)."""
        return {
            "phase": self.phase,
            "at": self.at,
            "kind": self.kind,
            "text": self.text,
            "must_hear": self.must_hear,
            "speak_seconds": self.speak_seconds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScriptLine:
        """A line back from its JSON shape (a stored plan)."""
        return cls(
            phase=data["phase"],
            at=float(data["at"]),
            kind=data["kind"],
            text=str(data["text"]),
            must_hear=bool(data["must_hear"]),
            speak_seconds=float(data["speak_seconds"]),
        )


def _line(phase: ScriptPhase, at: float, kind: LineKind, text: str, must_hear: bool) -> ScriptLine:
    return ScriptLine(phase, round(at, 2), kind, text, must_hear, speak_seconds(text))


def announcement(library: Library, previous: str | None, position: str) -> str:
    """What is said first in the get-ready of a step in `position` after one in `previous`
    (None for the first step): empty when the position does not change. Getting down to
    the floor, or back up, has its own words (labels.yaml `move_floor`); the first step
    is announced only when it is on the floor (the person starts up, with the phone)."""
    if previous == position:
        return ""
    if previous is None:
        return library.label("move_floor", position) if on_floor(position) else ""
    if on_floor(previous) != on_floor(position):
        return library.label("move_floor", position)
    return library.label("move", position)


def _spoken(tech: Technique, side: str) -> Spoken:
    return render_spoken(tech.spoken, as_side(side)) if tech.per_side else tech.spoken


def prepare_lines(
    library: Library,
    tech: Technique | None,
    side: str,
    first: bool,
    previous: str | None,
    position: str,
) -> tuple[ScriptLine, ...]:
    """The get-ready lines of a step, all must-hear, one after the other from 0 with a
    short gap: the change of position, the set-up (the short one on a later appearance),
    and on the technique's first appearance its stop line."""
    move = announcement(library, previous, position)
    if tech is None:
        return _prepare_run(move, None, side, first)
    return _prepare_run(move, tech.spoken, side if tech.per_side else "none", first)


@lru_cache(maxsize=8192)
def _prepare_run(move: str, spoken: Spoken | None, side: str, first: bool) -> tuple[ScriptLine, ...]:
    # Cached: the planner asks for the same get-ready many times while it fits a plan.
    texts: list[tuple[LineKind, str]] = []
    if move:
        texts.append(("next", move))
    if spoken is not None:
        if first or not spoken.setup_short:
            texts.append(("setup", render_side(spoken.setup, as_side(side))))
        else:
            texts.append(("setup", render_side(spoken.setup_short, as_side(side))))
        if first:
            texts.append(("stop_if", render_side(spoken.stop, as_side(side))))
    out: list[ScriptLine] = []
    at = 0.0
    for kind, text in texts:
        line = _line("prepare", at, kind, text, True)
        out.append(line)
        at = line.ends() + LINE_GAP
    return tuple(out)


def prepare_need(
    library: Library,
    tech: Technique | None,
    side: str,
    first: bool,
    previous: str | None,
    position: str,
) -> float:
    """Seconds the get-ready of a step needs for its must-hear lines at DEFAULT_WPS, with
    the pause before "Go." (0 when it says nothing)."""
    lines = prepare_lines(library, tech, side, first, previous, position)
    return lines[-1].ends() + READY_GAP if lines else 0.0


def hold_lines(library: Library, tech: Technique | None, side: str, seconds: int) -> tuple[ScriptLine, ...]:
    """The lines said while the timer runs, for a hold of `seconds`.

    "Go." and the go line at 0 (must-hear); "10 seconds left." (must-hear) when the hold is
    at least COUNTDOWN_MIN_HOLD long and the go line has ended well before it, even at the
    slowest rate; between them, with quiet after the go line and before the countdown, up
    to one mid-hold line per LINE_EVERY seconds, in this order of need: the first cue, the
    breathing line, the second cue, spread evenly (not must-hear: a player may drop them).
    """
    spoken = _spoken(tech, side) if tech is not None else None
    go_text = library.label("voice", "go")
    if spoken is not None:
        go_text = f"{go_text} {spoken.go}"
    go = _line("hold", 0.0, "go", go_text, True)
    out = [go]
    countdown_at = float(seconds - COUNTDOWN_SECONDS)
    countdown = seconds >= COUNTDOWN_MIN_HOLD and go.ends(SLOWEST_WPS) + QUIET_BEFORE_END <= countdown_at
    if spoken is not None:
        items: list[tuple[LineKind, str]] = [("cue", spoken.cues[0]), ("breathing", spoken.breathing)]
        items += [("cue", cue) for cue in spoken.cues[1:]]
        start = go.ends() + QUIET_AFTER_GO
        end = (countdown_at if countdown else float(seconds)) - QUIET_BEFORE_END
        window = end - start
        count = min(len(items), math.floor((window + LINE_EVERY / 2) / LINE_EVERY)) if window > 0 else 0
        chosen = items[:count]  # the order of need is also the order in time
        slot = window / count if count else 0.0
        for n, (kind, text) in enumerate(chosen):
            line = _line("hold", start + n * slot, kind, text, False)
            if line.ends() <= end:
                out.append(line)
    if countdown:
        words = library.label("voice", "seconds_left").replace("{seconds}", str(COUNTDOWN_SECONDS))
        out.append(_line("hold", countdown_at, "countdown", words, True))
    return tuple(out)


def step_script(
    library: Library,
    tech: Technique | None,
    side: str,
    first: bool,
    previous: str | None,
    position: str,
    seconds: int,
) -> tuple[ScriptLine, ...]:
    """A step's whole script: its get-ready lines, then its hold lines."""
    return prepare_lines(library, tech, side, first, previous, position) + hold_lines(
        library, tech, side, seconds
    )


class ScriptStep(Protocol):
    """What the schedule needs of a plan step (`core.planner.PlanStep` is one)."""

    @property
    def technique(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def position(self) -> str: ...
    @property
    def seconds(self) -> int: ...


def plan_scripts(library: Library, steps: Sequence[ScriptStep]) -> list[tuple[ScriptLine, ...]]:
    """The script of each step of a plan, in order (first appearances counted along it)."""
    seen: set[str] = set()
    previous: str | None = None
    out = []
    for step in steps:
        tech = library.technique(step.technique)
        first = step.technique not in seen
        seen.add(step.technique)
        out.append(step_script(library, tech, step.side, first, previous, step.position, step.seconds))
        previous = step.position
    return out


def countdowns(library: Library, steps: Sequence[tuple[Technique | None, str, str]]) -> list[int]:
    """The get-ready of each step of a sequence of (technique, side, position): long enough
    to move (`core.flow.prepare_seconds`) and to say its must-hear lines at DEFAULT_WPS.
    The planner budgets these inside the minutes asked for; every player counts them down."""
    seen: set[str] = set()
    needs: list[float] = []
    previous: str | None = None
    for tech, side, position in steps:
        first = tech is not None and tech.id not in seen
        needs.append(prepare_need(library, tech, side, first, previous, position))
        if tech is not None:
            seen.add(tech.id)
        previous = position
    return prepare_all((position for _, _, position in steps), needs)


def plan_countdowns(library: Library, steps: Sequence[ScriptStep]) -> list[int]:
    """`countdowns` of a plan's steps (the technique looked up in the library)."""
    return countdowns(library, [(library.technique(s.technique), s.side, s.position) for s in steps])


@dataclass(frozen=True, slots=True)
class _Stored:
    technique: str
    side: str
    position: str
    seconds: int


def _whole(value: object) -> int:
    """A stored whole number, or 0 for anything else (the API's schema refuses it later)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def record_scripts(library: Library, steps: Sequence[Mapping[str, Any]]) -> list[list[dict[str, object]]]:
    """The script of each step of a stored plan's steps (JSON), as JSON: the stored one
    when the plan has it, else computed now (plans made before scripts were stored)."""
    if all("script" in step for step in steps):
        return [list(step["script"]) for step in steps]
    stored = [
        _Stored(
            technique=str(step.get("technique", "")),
            side=str(step.get("side", "none")),
            position=str(step.get("position", "")),
            seconds=_whole(step.get("seconds")),
        )
        for step in steps
    ]
    return [[line.to_json() for line in lines] for lines in plan_scripts(library, stored)]


def record_countdowns(library: Library, steps: Sequence[Mapping[str, Any]]) -> list[int]:
    """The get-ready of each step of a stored plan as `countdowns` gives it, for a plan
    stored before countdowns were budgeted (a stored `prepare_seconds` wins over it)."""
    return countdowns(
        library,
        [
            (
                library.technique(str(step.get("technique", ""))),
                str(step.get("side", "none")),
                str(step.get("position", "")),
            )
            for step in steps
        ],
    )
