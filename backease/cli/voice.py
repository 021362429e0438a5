"""The terminal player's voice: it speaks a step's script with the system's text-to-speech.

The script (`core.script`, the `script` of each plan step) says what is said in each step
and when; this module only plays it, by the rules every player follows (INTERFACES.md):
each line is said at its `at`; a must-hear line is never cut off (it waits for the line
before it to end); a line that need not be heard is dropped rather than talk over one that
must; and the player starts a hold's timer only once every must-hear get-ready line of the
step has been said at the person's rate (`Voice.saying_prepare`).

The speech itself is a separate program, one process per line (espeak-ng on Debian and
Ubuntu: `apt install espeak-ng`), so the countdown never waits on it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from backease.core.script import DEFAULT_WPS, SLOWEST_WPS, speak_seconds

TTS_COMMANDS = ("espeak-ng", "espeak")
"""Text-to-speech programs looked for on PATH, in this order (espeak's options are the same)."""
ESPEAK_DEFAULT_WPM = 175
"""espeak-ng's default rate (its `-s`, nominal words a minute)."""
ESPEAK_WPS_AT_DEFAULT = 3.2
"""Words a second espeak-ng 1.51 says the library's spoken lines at its default rate, the
silence it leaves around each line included (measured: 2,323 words of 178 lines in 726 s;
bench/spoken_lines.py finds the same)."""
ESPEAK_MIN_WPM = 80
"""espeak-ng refuses a slower `-s`."""
NO_TTS = "No text-to-speech found; continuing silently."
TTS_FAILED = "The text-to-speech made no sound (no sound device?); continuing silently."
TOO_QUICK = 0.25
"""A line said in under this share of the time its words take was not said: espeak-ng with no
sound device ends at once (and still exits 0)."""
VOICE_WPS = {"normal": DEFAULT_WPS, "slow": SLOWEST_WPS}
"""Words a second of `backease session --voice-rate`: the web player's default rate (the
get-ready is budgeted for it) and its slowest."""


class Speaker(Protocol):
    """Something that says one line at a time, without blocking. `failed` turns true when
    it turns out that it cannot speak (the player then goes on silently)."""

    failed: bool

    def start(self, text: str) -> None:
        """Begin saying `text` (the previous line has ended)."""
        ...

    def busy(self) -> bool:
        """Whether the last line is still being said."""
        ...

    def stop(self) -> None:
        """Stop talking now (the session has ended)."""
        ...


class Silent:
    """No voice: every line is "said" at once (the display still shows it)."""

    failed = False

    def start(self, text: str) -> None:
        pass

    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        pass


class CommandSpeaker:
    """Says each line with a text-to-speech program: `argv + [text]`, one process a line."""

    def __init__(self, argv: Sequence[str], wps: float, now: Callable[[], float] = time.monotonic) -> None:
        self.argv = list(argv)
        self.wps = wps
        self.now = now
        """The session's clock (`Clock.now`): how long a line took is measured on it."""
        self.failed = False
        self._process: subprocess.Popen[bytes] | None = None
        self._began = 0.0
        self._takes = 0.0

    def start(self, text: str) -> None:
        self._began, self._takes = self.now(), seconds_to_say(text, self.wps)
        try:
            self._process = subprocess.Popen(
                [*self.argv, text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._process, self.failed = None, True

    def busy(self) -> bool:
        if self._process is None:
            return False
        code = self._process.poll()
        if code is None:
            return True
        # Ended: if it failed, or was far quicker than its words take, nothing was heard.
        if code != 0 or (self._takes >= 1 and self.now() - self._began < TOO_QUICK * self._takes):
            self.failed = True
        self._process = None
        return False

    def stop(self) -> None:
        if self.busy() and self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=2)


def espeak_wpm(wps: float) -> int:
    """espeak's `-s` for speech at `wps` words a second (its default says ESPEAK_WPS_AT_DEFAULT)."""
    return max(ESPEAK_MIN_WPM, round(ESPEAK_DEFAULT_WPM * wps / ESPEAK_WPS_AT_DEFAULT))


def find_speaker(wps: float, now: Callable[[], float] = time.monotonic) -> CommandSpeaker | None:
    """The system's text-to-speech at `wps` words a second, or None when there is none;
    `now` is the session's clock."""
    for name in TTS_COMMANDS:
        found = shutil.which(name)
        if found:
            return CommandSpeaker([found, "-s", str(espeak_wpm(wps))], wps, now)
    return None


# --- the script, played ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A line of a step's script (the plan JSON's shape) and the step it belongs to."""

    step: int
    phase: str
    at: float
    kind: str
    text: str
    must_hear: bool

    @classmethod
    def from_json(cls, step: int, data: Mapping[str, Any]) -> Line:
        return cls(
            step=step,
            phase=str(data["phase"]),
            at=float(data["at"]),
            kind=str(data["kind"]),
            text=str(data["text"]),
            must_hear=bool(data["must_hear"]),
        )


def seconds_to_say(text: str, wps: float) -> float:
    """How long `text` takes at `wps` words a second (`core.script.speak_seconds`)."""
    return speak_seconds(text, wps)


class Voice:
    """Plays script lines through a `Speaker` by the players' rules; `pump()` it every tick.

    `said` and `dropped` record every line in the order it was started or dropped (what a
    person heard, and what they were spared).
    """

    def __init__(self, speaker: Speaker, wps: float) -> None:
        self.speaker = speaker
        self.wps = wps
        self.queue: deque[Line] = deque()
        self.current: Line | None = None
        self.said: list[Line] = []
        self.dropped: list[Line] = []
        self.failed = False
        """The speaker turned out not to speak (TTS_FAILED); from then on the voice is silent."""

    def _talking(self) -> bool:
        if self.current is not None and not self.speaker.busy():
            self.current = None
        if self.speaker.failed and not self.failed:
            self.failed = True
            self.speaker = Silent()  # the rest of the session goes on silently
        return self.current is not None

    def offer(self, line: Line, clear_until: float) -> None:
        """A line whose time has come. A must-hear line waits its turn; any other is said only
        if nothing else is being said or waits, and it ends (at the person's rate) by
        `clear_until`, the start of the next must-hear line or the end of its phase."""
        if line.must_hear:
            self.queue.append(line)
        elif self._talking() or self.queue or line.at + seconds_to_say(line.text, self.wps) > clear_until:
            self.dropped.append(line)
        else:
            self.queue.append(line)
        self.pump()

    def pump(self) -> None:
        """Start the next waiting line once the one being said has ended."""
        if not self._talking() and self.queue:
            line = self.queue.popleft()
            self.current = line
            self.said.append(line)
            self.speaker.start(line.text)

    def saying_prepare(self, step: int) -> bool:
        """Whether a must-hear get-ready line of `step` is still being said or waits to be."""
        waiting = [*self.queue, *([self.current] if self._talking() and self.current else [])]
        return any(line.step == step and line.phase == "prepare" and line.must_hear for line in waiting)

    def idle(self) -> bool:
        return not self._talking() and not self.queue

    def forget(self, step: int) -> None:
        """The person left `step` (skip, back): its lines not yet begun are not said."""
        self.queue = deque(line for line in self.queue if line.step != step)

    def stop(self) -> None:
        """The session has ended: stop talking and forget the rest."""
        self.queue.clear()
        self.current = None
        self.speaker.stop()
