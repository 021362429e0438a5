"""A model of a player speaking a plan's script, to test what a person hears.

`SpeechSynthesis` behaves like the browser's `window.speechSynthesis`: `speak` queues an
utterance (said at once when nothing is being said), `cancel` stops the one being said
(the rest of it is never heard) and drops every queued one. An utterance takes its words
divided by the rate in words a second.

`play` runs a plan through it. With `player="rules"` it follows the players' rules of
INTERFACES.md (the speech schedule): each line at its `at`; a must-hear line is never
cancelled (a must-hear line due while one is being said waits its turn); a line that is not
must-hear is dropped when something is being said or when it would still be going when the
next must-hear line is due or its phase ends; the hold timer starts only once every
must-hear get-ready line has been said. With `player="old"` it plays what the web player did
before the schedule (main before issue 16 item 3): at each step it cancelled and queued the
whole first-time monologue (how-to steps, breathing, every stop-if line), said "Go." only if
nothing else was being said, queued "10 seconds left", and started the timer when the
countdown ran out, whatever was still being said.

`problems` lists what a person would miss: must-hear lines cut or late, a hold without
"Go", a first appearance whose stop line was not heard, a change of position not
announced first and in time, and (at the default rate) a get-ready that ran over its
budget, so the session outlasts the minutes asked for.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from backease.core.errors import InputError
from backease.core.flow import on_floor
from backease.core.library import Library
from backease.core.planner import PainArea, Plan, PlanStep, Profile, plan_session
from backease.core.screening import RuleSet, screen
from backease.core.script import ScriptLine, speak_seconds
from backease.core.sides import as_side, render_technique
from backease.core.vocab import CAUSES, REGIONS, TOOLS

TOLERANCE = 0.01
"""Seconds of rounding allowed when comparing times."""


@dataclass(slots=True)
class Said:
    """One utterance as the person heard it."""

    step: int
    line: ScriptLine
    start: float
    end: float
    complete: bool = True
    dropped: bool = False
    """Never started: dropped by the player, or cancelled while still queued."""


@dataclass(slots=True)
class SpeechSynthesis:
    """The browser's speech queue at a rate of `wps` words a second."""

    wps: float
    current: Said | None = None
    queue: list[Said] = field(default_factory=list)
    said: list[Said] = field(default_factory=list)

    def _duration(self, item: Said) -> float:
        return speak_seconds(item.line.text, self.wps)

    def run_until(self, t: float) -> None:
        """Let time run to `t`: utterances finish and queued ones start, in order."""
        while self.current is not None and self.current.end <= t + 1e-9:
            done = self.current
            self.said.append(done)
            self.current = None
            if self.queue:
                item = self.queue.pop(0)
                item.start, item.end = done.end, done.end + self._duration(item)
                self.current = item

    def speak(self, item: Said, t: float) -> None:
        self.run_until(t)
        if self.current is None:
            item.start, item.end = t, t + self._duration(item)
            self.current = item
        else:
            self.queue.append(item)

    def cancel(self, t: float) -> None:
        self.run_until(t)
        if self.current is not None:
            self.current.end, self.current.complete = t, False
            self.said.append(self.current)
            self.current = None
        for item in self.queue:
            item.start = item.end = t
            item.complete, item.dropped = False, True
            self.said.append(item)
        self.queue = []

    def speaking(self) -> bool:
        return self.current is not None

    def must_pending(self) -> bool:
        return any(item.line.must_hear for item in ([self.current] if self.current else []) + self.queue)

    def free_at(self, t: float) -> float:
        """When everything being said or queued now will have been said."""
        self.run_until(t)
        if self.current is None:
            return t
        return self.current.end + sum(self._duration(item) for item in self.queue)


@dataclass(frozen=True, slots=True)
class StepTimes:
    start: float
    """When the step's get-ready began."""
    hold_start: float
    hold_end: float
    budget: int
    """The step's prepare_seconds."""


@dataclass(slots=True)
class Playback:
    wps: float
    steps: list[StepTimes]
    said: list[Said]
    total: float

    def heard_seconds(self) -> float:
        return sum(item.end - item.start for item in self.said if not item.dropped)

    def share(self) -> float:
        """The part of the session's time the voice was speaking."""
        return self.heard_seconds() / self.total if self.total else 0.0


Player = Literal["rules", "old"]


def play(steps: Sequence[PlanStep], wps: float, player: Player = "rules") -> Playback:
    """Play the steps' scripts at `wps` words a second, as `player` does (module docstring)."""
    synth = SpeechSynthesis(wps)
    times: list[StepTimes] = []
    t = 0.0
    for index, step in enumerate(steps):
        start = t
        prepare = [line for line in step.script if line.phase == "prepare"]
        hold = [line for line in step.script if line.phase == "hold"]
        nominal = start + step.prepare_seconds
        if player == "old":
            synth.cancel(start)  # a new step interrupts whatever is being said
            for line in prepare:
                synth.speak(Said(index, line, start, start), start + line.at)
            hold_start = nominal
        else:
            _say_all(synth, index, prepare, start, nominal, next_must=None)
            # The hold's timer waits for the last must-hear get-ready line.
            hold_start = max(nominal, synth.free_at(nominal) if synth.must_pending() else nominal)
        hold_end = hold_start + step.seconds
        if player == "old":
            for line in hold:
                at = hold_start + line.at
                synth.run_until(at)
                if line.must_hear or not synth.speaking():  # "Go." and "Halfway." only when quiet
                    synth.speak(Said(index, line, at, at), at)
                else:
                    synth.said.append(Said(index, line, at, at, complete=False, dropped=True))
        else:
            following = steps[index + 1].script if index + 1 < len(steps) else ()
            first_next = next((line for line in following if line.must_hear), None)
            next_must = hold_end + first_next.at if first_next is not None else None
            _say_all(synth, index, hold, hold_start, hold_end, next_must)
        times.append(StepTimes(start, hold_start, hold_end, step.prepare_seconds))
        t = hold_end
    synth.run_until(t)
    synth.cancel(t)  # the last step's end: "Well done" interrupts
    return Playback(wps, times, synth.said, t)


def _say_all(
    synth: SpeechSynthesis,
    index: int,
    lines: Sequence[ScriptLine],
    phase_start: float,
    phase_end: float,
    next_must: float | None,
) -> None:
    """Say a phase's lines by the players' rules."""
    for n, line in enumerate(lines):
        at = phase_start + line.at
        synth.run_until(at)
        item = Said(index, line, at, at)
        if line.must_hear:
            if not synth.must_pending():
                synth.cancel(at)  # forced: whatever is being said (never must-hear) stops
            synth.speak(item, at)
            continue
        later = [phase_start + other.at for other in lines[n + 1 :] if other.must_hear]
        due = min([*later, *([next_must] if next_must is not None else [])], default=None)
        ends = at + speak_seconds(line.text, synth.wps)
        if synth.speaking() or (due is not None and ends > due) or ends > phase_end:
            item.complete, item.dropped = False, True
            synth.said.append(item)
        else:
            synth.speak(item, at)


def problems(steps: Sequence[PlanStep], playback: Playback, budget: bool) -> list[str]:
    """What the person missed (module docstring). `budget`: the get-ready must also fit
    its countdown (at the default rate); at a slower rate it may wait."""
    out: list[str] = []
    by_step: dict[int, list[Said]] = {}
    for item in playback.said:
        by_step.setdefault(item.step, []).append(item)
    seen: set[str] = set()
    previous: str | None = None
    for index, (step, times) in enumerate(zip(steps, playback.steps, strict=True)):
        heard = by_step.get(index, [])
        where = f"step {index + 1} ({step.technique}, {step.side})"
        for item in heard:
            if not item.line.must_hear:
                continue
            if not item.complete:
                out.append(f"{where}: must-hear {item.line.kind} cut: {item.line.text!r}")
            end = times.hold_start if item.line.phase == "prepare" else times.hold_end
            if item.complete and item.end > end + TOLERANCE:
                out.append(f"{where}: must-hear {item.line.kind} ran past its phase")
        go = [i for i in heard if i.line.kind == "go" and i.complete]
        if not go or abs(go[0].start - times.hold_start) > 0.5:
            out.append(f"{where}: no 'Go' heard as the hold started")
        elif not go[0].line.text.startswith("Go"):
            out.append(f"{where}: the hold starts with {go[0].line.text!r}, not 'Go'")
        if step.technique not in seen:
            stop = [i for i in heard if i.line.kind == "stop_if" and i.line.phase == "prepare"]
            if not stop or not all(i.complete and i.end <= times.hold_start + TOLERANCE for i in stop):
                out.append(f"{where}: the stop line of its first appearance was not heard")
        seen.add(step.technique)
        moved = (previous is None and on_floor(step.position)) or (
            previous is not None and previous != step.position
        )
        if moved:
            started = [i for i in heard if not i.dropped]
            first = started[0] if started else None
            if (
                first is None
                or first.line.kind != "next"
                or not first.complete
                or first.end > times.hold_start + TOLERANCE
            ):
                out.append(f"{where}: the move to {step.position} was not announced first, before the timer")
        if budget and times.hold_start > times.start + times.budget + TOLERANCE:
            out.append(
                f"{where}: the get-ready ran {times.hold_start - times.start - times.budget:.1f} s over"
            )
        previous = step.position
    return out


# --- the old player's words ------------------------------------------------------------------------


def old_script(plan: Plan, library: Library) -> list[PlanStep]:
    """The plan's steps with what the web player said before the schedule (player.js on main
    before issue 16 item 3): the first time a technique came up, its name, side, duration,
    cue, every how-to step, the breathing and every stop-if line, queued at the step's
    start; later appearances the name and the cue; "Go." when the countdown ran out (only
    if quiet), "Halfway." (only if quiet), "10 seconds left." and what comes next. The
    lines the person needed (set-up, stop-if, "Go", the countdown) are marked must-hear.
    Relaxation's breathing pacer (also only when quiet) is left out: it adds speech."""
    out = []
    seen: set[str] = set()
    for index, step in enumerate(plan.steps):
        tech = library.technique(step.technique)
        shown = render_technique(tech, as_side(step.side)) if tech is not None else None
        side = f" {library.label('side', step.side)}." if step.side in ("left", "right") else ""
        lines: list[ScriptLine] = []

        def add(
            phase: Any, at: float, kind: Any, text: str, must: bool, lines: list[ScriptLine] = lines
        ) -> None:
            lines.append(ScriptLine(phase, at, kind, text, must, speak_seconds(text)))

        head = f"Next: {step.name}.{side} {step.seconds} seconds."
        add("prepare", 0.0, "setup", head, True)
        add("prepare", 0.0, "setup", step.cue, True)
        if step.technique not in seen and shown is not None:
            for n, how in enumerate(shown.steps):
                add("prepare", 0.0, "setup", f"Step {n + 1}. {how}", True)
            add("prepare", 0.0, "breathing", f"Breathing. {shown.breathing_cue}", False)
            add("prepare", 0.0, "stop_if", "Stop if you feel any of these:", True)
            for stop in shown.stop_if:
                add("prepare", 0.0, "stop_if", stop, True)
        seen.add(step.technique)
        add("hold", 0.0, "go", "Go.", False)
        if step.seconds >= 30:
            add("hold", step.seconds / 2, "cue", "Halfway.", False)
        if step.seconds >= 25:
            after = plan.steps[index + 1].name if index + 1 < len(plan.steps) else "rate how you feel"
            add("hold", step.seconds - 10.0, "countdown", f"10 seconds left. Next: {after}.", True)
        out.append(PlanStep(**{**_fields(step), "script": tuple(lines)}))
    return out


def _fields(step: PlanStep) -> dict[str, Any]:
    return {name: getattr(step, name) for name in PlanStep.__dataclass_fields__}


# --- varied plans ----------------------------------------------------------------------------------

PRECAUTION_ANSWERS: tuple[dict[str, Any], ...] = (
    {},
    {},
    {},
    {"anticoagulants": True},
    {"osteoporosis": True},
    {"pregnancy_weeks": 24},
    {"age": 78},
    {"reduced_sensation": True},
    {"arm_pain_or_tingling": True},
    {"long_term_steroids": True},
    {"acute_injury_regions": ["upper_trapezius_left"]},
    {"skin_problem_regions": ["between_shoulder_blades_right"]},
)
"""Screening answers that bring precautions (positions, pressure, regions) into the plans."""


def varied_plans(count: int, library: Library, rules: RuleSet, seed: int = 0) -> Iterator[Plan]:
    """`count` plans of seeded, varied profiles: areas, causes, tools, 5-30 minutes, the
    floor or not, stress, and precautions. Profiles nothing can be planned for (or that
    the screening refuses) are replaced by the next."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        areas = tuple(
            PainArea(region, rng.randint(1, 10), rng.random() < 0.3)
            for region in rng.sample(REGIONS, rng.randint(0, 4))
        )
        profile = Profile(
            areas=areas,
            causes=tuple(rng.sample(CAUSES, rng.randint(0, 2))),
            tools=tuple(rng.sample(TOOLS, rng.randint(0, 7))),
            minutes=rng.randint(5, 30),
            no_floor=rng.random() < 0.15,
            stress=rng.randint(0, 10),
        )
        result = screen(rng.choice(PRECAUTION_ANSWERS), rules)
        try:
            plan = plan_session(profile, result, library, seed=rng.randint(0, 10_000))
        except InputError:
            continue
        if not plan.steps:
            continue
        made += 1
        yield plan
