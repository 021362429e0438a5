"""The terminal session player: one step at a time, a live countdown, single-key controls.

The player knows nothing about storage: it reports progress to a `Recorder` (the
`session` command passes one that calls `backease.store.services`). Time comes from
an injected `Clock` and key presses from a `KeySource`, so tests drive a whole session
with `FakeClock` and `ScriptedKeys` and never sleep.

Keys: p (or space) pause/resume, s skip, b back, t too much, x sharp pain (stop), q quit.

Each step shows its set-up, stop line and cues from the step's `script` (the speech
schedule `core.script` computes for every player) and a `Voice` says the script's lines at
their times; the hold's timer starts only once the step's must-hear get-ready lines have
been said (a slower voice makes the get-ready wait, showing "Get ready").
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.prompt import Confirm, Prompt
from rich.table import Table
from rich.text import Text

from backease.cli.voice import TTS_FAILED, VOICE_WPS, Line, Silent, Speaker, Voice
from backease.core.script import record_countdowns, record_scripts
from backease.core.vocab import INTENSITIES

SAVE_EVERY = 5.0
"""Progress is saved at least this often (clock seconds) and at every step change."""
TICK = 0.25
"""How often the display updates and keys are read (clock seconds)."""
SWITCH_BANNER = 5.0
"""How long "switch sides" stays on screen at the start of the second side."""
MESSAGE_SECONDS = 6.0
DRAIN_SECONDS = 30.0
"""At the end of a session, wait at most this long (clock seconds) for the last line to be said."""
WAITING = -1e-6
"""`PlayerState.elapsed` while the get-ready waits for its last must-hear line: just before 0."""

KEY_HELP = "p pause · s skip · b back · t too much · x sharp pain: stop · q quit"

SHARP_PAIN_ADVICE = (
    "You stopped because of sharp pain, and that was the right thing to do.",
    "Stop pressing or stretching and rest in a position that feels easy. Breathe slowly.",
    "Call your emergency number now if the pain is severe or comes with chest pain, shortness of breath, "
    "a cold sweat, feeling faint or sick, or new weakness or numbness.",
    "If it settles within a few minutes, leave self-massage for today. If it is still there tomorrow, "
    "or it happens again, see a GP or physiotherapist before your next session.",
    'Next time you run `backease session`, say yes to "anything new?" to answer the safety questions again.',
)


# --- time ---------------------------------------------------------------------------------


class Clock(Protocol):
    """Session time in seconds. `now()` only has to be monotonic."""

    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The wall clock, optionally running `speed` times faster (for demos)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds / self.speed)


class FakeClock:
    """A clock that only moves when slept on: a whole session runs in milliseconds."""

    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


# --- steps and state ----------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """A step as the player shows it (from the stored plan)."""

    technique: str
    name: str
    kind: str
    seconds: int
    side: str
    intensity: str
    cue: str = ""
    prepare: int = 0
    """Get-ready seconds counted down before the step's timer (`core.flow.prepare_seconds`)."""
    script: list[dict[str, Any]] = field(default_factory=list)
    """The step's speech schedule (`core.script`), as the plan JSON carries it."""

    def lines(self, *kinds: str) -> list[str]:
        """The texts of the script's lines of these kinds, in order."""
        return [str(line["text"]) for line in self.script if line["kind"] in kinds]

    @classmethod
    def from_plan(cls, data: dict[str, Any], prepare: int = 0) -> Step:
        return cls(
            technique=data["technique"],
            name=data.get("name", data["technique"]),
            kind=data.get("kind", ""),
            seconds=int(data["seconds"]),
            side=data.get("side", "none"),
            intensity=data.get("intensity", "moderate"),
            cue=data.get("cue", ""),
            prepare=int(data.get("prepare_seconds", prepare)),
            script=list(data.get("script", [])),
        )


def steps_from_plan(steps: Sequence[dict[str, Any]]) -> list[Step]:
    """A stored plan's steps for the player, each with its get-ready countdown and its speech
    script (`core.script`): the stored ones, the same the web player plays; a plan stored
    before them gets the ones the planner gives now."""
    from backease.content.loader import load_content

    library = load_content().library
    scripts = record_scripts(library, steps)
    countdowns = record_countdowns(library, steps)
    return [
        Step.from_plan({**step, "script": script}, prepare)
        for step, script, prepare in zip(steps, scripts, countdowns, strict=True)
    ]


@dataclass(slots=True)
class PlayerState:
    """Where the player is: what scripted keys and the display look at."""

    index: int = 0
    elapsed: float = 0.0
    """Seconds run in the current visit to the current step; negative during the
    get-ready countdown before it."""
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["completed", "stopped"]
    stop_reason: str = ""


class Recorder(Protocol):
    """Where progress goes: `step(index, seconds_done=..., intensity=..., feedback=..., skipped=...)`.

    `feedback="sharp_pain"` must also end the stored session (the store does this).
    """

    def step(self, index: int, **fields: Any) -> None: ...


# --- keys ---------------------------------------------------------------------------------


class KeySource(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def poll(self, state: PlayerState) -> str | None:
        """A key pressed since the last call, or None. Never blocks."""
        ...


KEY_ALIASES = {" ": "p"}


def _key(text: str) -> str | None:
    """The command for a typed key or line: its first letter in lower case; a space pauses."""
    char = text.strip().lower()[:1] or (" " if " " in text else "")
    char = KEY_ALIASES.get(char, char)
    return char if char and char in "psbtxq" else None


class TerminalKeys:
    """Single key presses from a terminal (cbreak mode: no Enter, no echo, Ctrl-C still works)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self._saved: Any = None

    def start(self) -> None:
        import termios
        import tty

        fd = self.stream.fileno()
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

    def stop(self) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def poll(self, state: PlayerState) -> str | None:
        fd = self.stream.fileno()
        while select.select([fd], [], [], 0)[0]:
            key = _key(os.read(fd, 1).decode("utf-8", "ignore"))
            if key:
                return key
        return None


class LineKeys:
    """Keys typed as lines (a letter, then Enter) when stdin is not a terminal, e.g. a pipe.

    Reads the file descriptor directly, so it never blocks the countdown. Lines that
    an earlier prompt already buffered are not seen (prompts come before and after the
    steps, keys only during them).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self.closed = False
        self._pending = b""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def _fill(self) -> None:
        try:
            fd = self.stream.fileno()
            while not self.closed and select.select([fd], [], [], 0)[0]:
                chunk = os.read(fd, 1024)
                if not chunk:
                    self.closed = True
                self._pending += chunk
        except (OSError, ValueError, io.UnsupportedOperation):
            self.closed = True  # no readable stdin: the timer alone runs the session

    def poll(self, state: PlayerState) -> str | None:
        self._fill()
        while b"\n" in self._pending or (self.closed and self._pending):
            line, _, self._pending = self._pending.partition(b"\n")
            key = _key(line.decode("utf-8", "ignore"))
            if key:
                return key
        return None


@dataclass
class ScriptedKeys:
    """Keys for tests and demos: each event is (step index, seconds into the step, key).

    Events fire in order, when the player reaches that step and time; an optional fourth
    item waits that many more clock seconds after the previous key (to hold a pause).
    """

    events: list[tuple[Any, ...]]
    clock: Clock | None = None
    _last: float = 0.0

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def poll(self, state: PlayerState) -> str | None:
        if not self.events:
            return None
        index, at, key, *rest = self.events[0]
        delay = float(rest[0]) if rest else 0.0
        now = self.clock.now() if self.clock else 0.0
        if state.index == index and state.elapsed >= at and now >= self._last + delay:
            self.events.pop(0)
            self._last = now
            return str(key)
        return None


# --- questions before and after -----------------------------------------------------------


class Prompter(Protocol):
    def score(self, question: str) -> int | None:
        """A 0-10 answer, or None when there is no answer (end of input)."""
        ...

    def confirm(self, question: str, default: bool) -> bool: ...


class ConsolePrompter:
    """Questions asked on the terminal; re-asks until the answer is 0-10 or `s` (skip).

    An empty answer is asked again: Enter never stores a score nobody gave.
    """

    def __init__(self, console: Console) -> None:
        self.console = console

    def score(self, question: str) -> int | None:
        while True:
            try:
                raw = Prompt.ask(f"{question} (0-10, or s to skip)", console=self.console).strip().lower()
            except EOFError:
                return None
            if raw in ("s", "skip"):
                return None
            if raw.isdigit() and int(raw) <= 10:
                return int(raw)
            self.console.print("Please type a whole number from 0 to 10, or s to skip.", style="red")

    def confirm(self, question: str, default: bool) -> bool:
        try:
            return Confirm.ask(question, default=default, console=self.console)
        except EOFError:
            return default


@dataclass
class ScriptedPrompter:
    """Answers for tests: scores and yes/no answers, taken in order."""

    scores: list[int | None] = field(default_factory=list)
    confirms: list[bool] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def score(self, question: str) -> int | None:
        self.asked.append(question)
        return self.scores.pop(0) if self.scores else None

    def confirm(self, question: str, default: bool) -> bool:
        self.asked.append(question)
        return self.confirms.pop(0) if self.confirms else default


@dataclass
class Terminal:
    """Everything the `session` command needs from the outside world."""

    clock: Clock
    keys: KeySource
    prompter: Prompter
    console: Console
    interactive: bool = True
    """True when a person can answer questions (stdin is a terminal)."""
    find_speaker: Callable[[float], Speaker | None] = lambda wps: Silent()
    """The text-to-speech that says lines at a words-a-second rate; None when there is none."""


def real_terminal(speed: float, console: Console) -> Terminal:
    """The terminal of a person: single keys on a TTY, line input otherwise."""
    from backease.cli.voice import find_speaker

    tty = sys.stdin.isatty()
    keys: KeySource = TerminalKeys() if tty else LineKeys()
    clock = RealClock(speed)
    return Terminal(
        clock, keys, ConsolePrompter(console), console, tty, lambda wps: find_speaker(wps, clock.now)
    )


# --- the player ---------------------------------------------------------------------------


def mmss(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))  # a countdown shows 0:01 until the last second is over
    return f"{whole // 60}:{whole % 60:02d}"


def lower(intensity: str) -> str:
    """One intensity level gentler (gentle stays gentle)."""
    order: tuple[str, ...] = INTENSITIES
    if intensity not in order:
        return intensity
    return order[max(0, order.index(intensity) - 1)]


def _side_label(side: str) -> str:
    """The side worked, in the content's words ('Left side'); nothing for a step on no one side."""
    if side not in ("left", "right", "both"):
        return ""
    from backease.content.loader import load_content

    return load_content().library.label("side", side)


class Player:
    """Runs the steps of a session against a clock, reading keys and saving as it goes."""

    def __init__(
        self,
        steps: Sequence[Step],
        recorder: Recorder,
        clock: Clock,
        keys: KeySource,
        console: Console,
        cue_for: Callable[[str, str, str], str] | None = None,
        voice: Voice | None = None,
    ) -> None:
        self.steps = list(steps)
        self.voice = voice or Voice(Silent(), VOICE_WPS["normal"])
        self._issued: set[int] = set()
        """The current step's script lines (by index) whose time has come in this visit."""
        self.latest = ""
        """The line of the script said (or due) last: shown as it is said."""
        self.waiting = False
        """The get-ready is over but a must-hear line of it is still being said."""
        self._told_failed = False
        self.captions = not console.is_terminal
        """Not a terminal (a pipe, a file): the live panel shows only at the end, so each step
        and each line of its script is printed as it comes, a transcript of the session."""
        self.recorder = recorder
        self.clock = clock
        self.keys = keys
        self.console = console
        self.cue_for = cue_for
        self.state = PlayerState()
        self.done = [0] * len(self.steps)
        """Seconds done per step, over every visit."""
        self._before_visit = 0
        self._saved: int | None = None
        self._last_save = 0.0
        self.message = ""
        self._message_until = 0.0

    # -- progress

    def _seconds_done(self) -> int:
        return min(3600, self._before_visit + max(0, int(self.state.elapsed)))

    def _save(self, **fields: Any) -> None:
        """Save the current step's seconds done (and any other fields)."""
        seconds = self._seconds_done()
        self.done[self.state.index] = seconds
        if seconds != self._saved or fields:
            self.recorder.step(self.state.index, seconds_done=seconds, **fields)
            self._saved = seconds
        self._last_save = self.clock.now()

    def _enter(self, index: int) -> None:
        self.state.index = index
        self.state.elapsed = 0.0
        if index < len(self.steps):
            # A short countdown to get into position first (budgeted by the planner).
            self.state.elapsed = -float(self.steps[index].prepare)
            self._before_visit = self.done[index]
            self._saved = self._before_visit
        self._issued = set()
        self.latest = ""
        self.waiting = False
        if self.captions and index < len(self.steps):
            step = self.steps[index]
            side = _side_label(step.side)
            heading = f"Step {index + 1} of {len(self.steps)}: {step.name}" + (f", {side}" if side else "")
            self.console.print(heading, style="bold", markup=False)

    def _say(self, text: str) -> None:
        self.message = text
        self._message_until = self.clock.now() + MESSAGE_SECONDS

    # -- the script, said

    def _issue(self, phase: str, until: float) -> None:
        """Offer the voice every line of `phase` due by `until` seconds into the phase."""
        step = self.steps[self.state.index]
        end = float(step.prepare if phase == "prepare" else step.seconds)
        for i, data in enumerate(step.script):
            if i in self._issued or data["phase"] != phase or float(data["at"]) > until:
                continue
            self._issued.add(i)
            line = Line.from_json(self.state.index, data)
            # A line that need not be heard must be over before the next one that must.
            later = [
                float(other["at"])
                for other in step.script[i + 1 :]
                if other["phase"] == phase and other["must_hear"] and float(other["at"]) >= line.at
            ]
            self.voice.offer(line, min([end, *later]))
            self.latest = line.text
            if self.captions:
                self.console.print(f"  {line.text}", markup=False, highlight=False)

    def _speak(self) -> None:
        """Say what is due now; hold the timer at 0 while the get-ready is still being said."""
        if self.voice.failed and not self._told_failed:
            self._told_failed = True
            self._say(TTS_FAILED)
            self.console.print(TTS_FAILED, style="dim", markup=False)
        state = self.state
        step = self.steps[state.index]
        if state.elapsed < 0:
            self._issue("prepare", step.prepare + state.elapsed)
        else:
            self._issue("prepare", float("inf"))  # anything left of the get-ready comes first
            self.voice.pump()
            self.waiting = self.voice.saying_prepare(state.index)
            if self.waiting:
                state.elapsed = WAITING
                return
            self._issue("hold", state.elapsed)
        self.voice.pump()

    def _drain(self) -> None:
        """Let the last lines be said (at most DRAIN_SECONDS) before the questions after."""
        waited = 0.0
        while not self.voice.idle() and waited < DRAIN_SECONDS:
            self.clock.sleep(TICK)
            waited += TICK
            self.voice.pump()

    # -- keys

    def _too_much(self) -> None:
        index = self.state.index
        changed = []
        for i in range(index, len(self.steps)):
            step = self.steps[i]
            gentler = lower(step.intensity)
            if gentler != step.intensity:
                step.intensity = gentler
                if self.cue_for:
                    step.cue = self.cue_for(step.technique, gentler, step.side) or step.cue
                changed.append(i)
        self._save(feedback="too_much", intensity=self.steps[index].intensity)
        for i in changed:
            if i != index:
                self.recorder.step(i, intensity=self.steps[i].intensity)
        if index in changed:
            self._say(f"Lighter now: {self.steps[index].intensity}. Later steps are lighter too.")
        else:
            self._say("This is already the lightest level. Ease off more, or press s to skip this step.")

    def _handle(self, key: str) -> Outcome | None:
        state = self.state
        if key == "p":
            state.paused = not state.paused
            self._save()
        elif key == "s":
            step = self.steps[state.index]
            self._save(skipped=max(0.0, state.elapsed) + self._before_visit < step.seconds)
            state.paused = False
            self.voice.forget(state.index)
            self._enter(state.index + 1)
        elif key == "b":
            self._save()
            state.paused = False
            self.voice.forget(state.index)
            self._enter(max(0, state.index - 1))
            self.recorder.step(state.index, skipped=False)
        elif key == "t":
            self._too_much()
        elif key == "x":
            self._save(feedback="sharp_pain")
            self.voice.stop()
            return Outcome("stopped", "sharp pain")
        elif key == "q":
            self._save()
            self.voice.stop()
            return Outcome("stopped", "quit")
        return None

    # -- display

    def render(self) -> RenderableType:
        state = self.state
        step = self.steps[state.index]
        total = len(self.steps)
        ready = state.elapsed < 0
        left = -state.elapsed if ready else max(0.0, step.seconds - state.elapsed)
        lines: list[RenderableType] = []
        previous = self.steps[state.index - 1] if state.index else None
        if (
            previous is not None
            and previous.technique == step.technique
            and previous.side != step.side
            and state.elapsed < SWITCH_BANNER
        ):
            lines.append(Text(f" Switch sides: now the {step.side} side ", style="bold black on yellow"))
        title = Text(step.name, style="bold")
        side = _side_label(step.side)
        facts = " · ".join(x for x in (side, f"intensity: {step.intensity}") if x)
        lines += [title, Text(facts, style="cyan")]
        if step.script:
            lines += self._script_lines(step, ready)
        elif step.cue:
            lines.append(Text(step.cue))
        bar = Table.grid(padding=(0, 1), expand=True)
        bar.add_column(ratio=1)
        bar.add_column(justify="right", width=6)
        bar.add_row(
            ProgressBar(total=max(step.seconds, 1), completed=min(max(0.0, state.elapsed), step.seconds)),
            Text(mmss(left), style="bold"),
        )
        lines += [Text(""), bar]
        if self.waiting:
            lines.append(Text("Get ready", style="bold cyan"))
        elif ready:
            lines.append(Text(f"Get ready: the timer starts in {mmss(left)}", style="bold cyan"))
        if state.paused:
            lines.append(Text("Paused: press p to go on.", style="bold yellow"))
        if self.message and self.clock.now() < self._message_until:
            lines.append(Text(self.message, style="magenta"))
        if state.index + 1 < total:
            after = self.steps[state.index + 1]
            if after.technique == step.technique and after.side != step.side:
                lines.append(Text(f"Next: switch sides ({after.side}), {mmss(after.seconds)}", style="bold"))
            else:
                extra = f", {after.side}" if after.side in ("left", "right") else ""
                lines.append(Text(f"Next: {after.name}{extra}, {mmss(after.seconds)}", style="dim"))
        else:
            lines.append(Text("Last step", style="dim"))
        lines.append(Text(KEY_HELP, style="dim"))
        kind = step.kind.replace("_", " ")
        return Panel(
            Group(*lines), title=f"Step {state.index + 1} of {total}" + (f" · {kind}" if kind else "")
        )

    def _script_lines(self, step: Step, ready: bool) -> list[RenderableType]:
        """The step's words from its script: a change of position (while getting ready), the
        set-up, the stop line and the cues; the line being said is marked."""
        out: list[RenderableType] = []
        if ready:
            out += [Text(text, style="bold yellow") for text in step.lines("next")]
        out += [Text(text) for text in step.lines("setup")]
        out += [Text(text, style="bold red") for text in step.lines("stop_if")]
        for text in step.lines("cue", "breathing"):
            said = text == self.latest
            out.append(Text(("> " if said else "  ") + text, style="bold" if said else "dim"))
        if self.latest and self.latest not in step.lines("setup", "stop_if", "cue", "breathing"):
            out.append(Text(self.latest, style="bold"))  # "Go. ...", "10 seconds left.", "Next: ..."
        return out

    def _closing(self, outcome: Outcome) -> RenderableType:
        if outcome.status == "completed":
            return Panel(Text("All steps done. Well done.", style="bold green"), title="Session complete")
        if outcome.stop_reason == "sharp pain":
            return Panel(Text("Stopped because of sharp pain.", style="bold red"), title="Session stopped")
        return Panel(Text("Stopped. Your progress is saved.", style="bold"), title="Session stopped")

    # -- the loop

    def run(self) -> Outcome:
        """Play every step; returns how it ended. Progress is saved before any exception leaves."""
        if not self.steps:
            return Outcome("completed")
        self._enter(0)
        self._last_save = self.clock.now()
        self.keys.start()
        try:
            with Live(self.render(), console=self.console, refresh_per_second=4, transient=False) as live:
                outcome = self._loop(live)
                live.update(self._closing(outcome))
        except BaseException:
            # Ctrl-C or a crash: keep the seconds done so far. A failing save must not
            # hide the original error, so its own error is dropped.
            if self.state.index < len(self.steps):
                with contextlib.suppress(Exception):
                    self._save()
            raise
        finally:
            self.keys.stop()
            self.voice.stop()
        return outcome

    def _loop(self, live: Live) -> Outcome:
        state = self.state
        previous = self.clock.now()
        while state.index < len(self.steps):
            key = self.keys.poll(state)
            if key:
                outcome = self._handle(key)
                if outcome is not None:
                    return outcome
                if state.index >= len(self.steps):
                    break
                live.update(self.render())
            self.clock.sleep(TICK)
            now = self.clock.now()
            if not state.paused:
                state.elapsed += now - previous
                self._speak()
            previous = now
            step = self.steps[state.index]
            if state.elapsed >= step.seconds:
                state.elapsed = float(step.seconds)
                self._save()
                self._enter(state.index + 1)
                if state.index >= len(self.steps):
                    break
            elif now - self._last_save >= SAVE_EVERY:
                self._save()
            live.update(self.render())
        self._drain()
        return Outcome("completed")
