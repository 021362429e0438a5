"""`backease session` talks: each step shows and says its script (the speech schedule the
web player plays too), by the players' rules: must-hear lines are never cut off, the hold's
timer starts only once the get-ready's must-hear lines have been said, and a line that need
not be heard gives way. With no text-to-speech it says so once and goes on silently.

Most sessions run on a fake clock with a voice that speaks in that clock's time (so no test
waits); one runs a fake `espeak-ng` on PATH that records what it was asked to say, at what
rate, and when each line began and ended.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.console import Console

from backease.cli import store_commands
from backease.cli.player import (
    TICK,
    Clock,
    FakeClock,
    Player,
    PlayerState,
    RealClock,
    Terminal,
    steps_from_plan,
)
from backease.cli.voice import NO_TTS, TTS_FAILED, VOICE_WPS, Line, Silent, Voice, espeak_wpm, find_speaker
from backease.store import services
from backease.store.models import Plan, Session
from tests.test_cli_store import Fake, cli, flat, owner_plan  # noqa: F401 - owner_plan is a fixture

pytestmark = pytest.mark.django_db


# --- the plan's script -------------------------------------------------------------------------


def scripted(plan: Plan) -> list[dict[str, Any]]:
    """The plan's steps, each with its `script` (the speech schedule the plan JSON carries)."""
    steps = list(plan.data["steps"])
    assert all(step["script"] for step in steps)
    return steps


def must_hear(steps: list[dict[str, Any]]) -> list[str]:
    return [line["text"] for step in steps for line in step["script"] if line["must_hear"]]


def check_heard(
    log: list[tuple[float, float, str]], steps: list[dict[str, Any]], slack: float = 0.0, speed: float = 1.0
) -> None:
    """`log` (start, end, text) has every must-hear line of `steps` in order, one line at a
    time; each step's "Go" begins after its get-ready lines have ended, and the step's whole
    hold runs after it (the timer started with "Go", not while the get-ready was said).
    `speed`: session seconds per second of the log's time."""
    expected = [(i, line) for i, step in enumerate(steps) for line in step["script"] if line["must_hear"]]
    texts = {line["text"] for _, line in expected}
    heard = [entry for entry in log if entry[2] in texts]
    assert [text for _, _, text in heard] == [line["text"] for _, line in expected]
    for before, after in itertools.pairwise(log):
        assert after[0] >= before[1] - slack, (before, after)
    for i in range(len(steps)):
        mine = [(entry, line) for entry, (step, line) in zip(heard, expected, strict=True) if step == i]
        go = next(entry for entry, line in mine if line["kind"] == "go")
        for entry, line in mine:
            if line["phase"] == "prepare":
                assert entry[1] <= go[0] + slack, (line["text"], go[2])
        after = [entry for entry, (step, _) in zip(heard, expected, strict=True) if step == i + 1]
        if after:  # the next step's first line comes when this hold has run its whole time
            assert after[0][0] - go[0] >= (steps[i]["seconds"] - TICK) / speed - slack, (go[2], after[0][2])


# --- a voice in the clock's time --------------------------------------------------------------


class ClockSpeaker:
    """Says each line in `words / wps` seconds of `clock` time, and logs (start, end, text);
    `cut` is every line stopped before its end."""

    failed = False

    def __init__(self, clock: Clock, wps: float) -> None:
        self.clock, self.wps = clock, wps
        self.log: list[tuple[float, float, str]] = []
        self.cut: list[str] = []

    def start(self, text: str) -> None:
        now = self.clock.now()
        assert not self.busy(), f"{text!r} began while {self.log[-1][2]!r} was being said"
        self.log.append((now, now + len(text.split()) / self.wps, text))

    def busy(self) -> bool:
        return bool(self.log) and self.clock.now() < self.log[-1][1]

    def stop(self) -> None:
        if self.busy():
            start, _, text = self.log[-1]
            self.cut.append(text)
            self.log[-1] = (start, self.clock.now(), text)


class VoicedFake(Fake):
    def __init__(
        self, *args: Any, speaker: Callable[[Clock, float], Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.speaker_for = speaker
        self.speakers: list[Any] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> VoicedFake:
        def hook(speed: float, console: Console) -> Terminal:
            console = Console(file=self.screen, width=120)

            def find(wps: float) -> Any:
                made = self.speaker_for(self.clock, wps) if self.speaker_for else None
                if made is not None:
                    self.speakers.append(made)
                return made

            return Terminal(self.clock, self.keys, self.prompter, console, self.interactive, find)

        monkeypatch.setattr(store_commands, "terminal_hook", hook)
        return self


def test_each_step_shows_its_set_up_stop_line_and_cues_from_its_script(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    steps = scripted(owner_plan)
    fake = VoicedFake(speaker=lambda clock, wps: Silent()).install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 0, err
    shown = flat(fake.output)
    for step in steps:
        for line in step["script"]:
            if line["kind"] in ("setup", "stop_if", "cue", "breathing"):
                assert flat(line["text"]) in shown, line


@pytest.mark.parametrize("rate", ["normal", "slow"])
def test_the_voice_says_every_must_hear_line_in_order_and_go_only_after_the_get_ready(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
    rate: str,
) -> None:
    steps = scripted(owner_plan)
    fake = VoicedFake(speaker=ClockSpeaker).install(monkeypatch)
    code, _, err = cli(capsys, "session", "--voice-rate", rate)
    assert code == 0, err
    (speaker,) = fake.speakers
    # Every must-hear line of the schedule, in its order, one at a time, none cut off; each
    # "Go" begins after the last get-ready line of its step has ended: the timer waited.
    check_heard(speaker.log, steps)
    assert speaker.cut == []
    session = Session.objects.get()
    assert session.status == "completed"
    assert services.facts_of(session).seconds_done == sum(step["seconds"] for step in steps)


def test_at_the_slow_rate_the_get_ready_waits_for_the_set_up_and_shows_get_ready(
    owner_plan: Plan,  # noqa: F811
) -> None:
    steps = scripted(owner_plan)
    first = steps[0]
    ready_words = sum(len(line["text"].split()) for line in first["script"] if line["phase"] == "prepare")
    slow = ready_words / VOICE_WPS["slow"]
    assert slow > first["prepare_seconds"], "this get-ready is said in time even slowly: no wait to see"
    clock = FakeClock()
    speaker = ClockSpeaker(clock, VOICE_WPS["slow"])

    class Watch:
        """Keys that press nothing and look at the panel while the get-ready waits."""

        panels: ClassVar[list[str]] = []

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def poll(self, state: PlayerState) -> str | None:
            if player.waiting and state.index == 0:
                screen = Console(record=True, width=100, file=io.StringIO())
                screen.print(player.render())
                self.panels.append(screen.export_text())
            return None

    player = Player(
        steps_from_plan(steps),
        Recorder(),
        clock,
        Watch(),
        Console(file=io.StringIO()),
        voice=Voice(speaker, VOICE_WPS["slow"]),
    )
    assert player.run().status == "completed"
    go_start = next(start for start, _, text in speaker.log if text.startswith("Go."))
    assert go_start >= slow > first["prepare_seconds"]
    assert Watch.panels and all(
        "Get ready" in panel and "timer starts" not in panel for panel in Watch.panels
    )
    assert all(first["script"][0]["text"] in flat(panel) for panel in Watch.panels)  # the set-up shows


class Recorder:
    def step(self, index: int, **fields: Any) -> None: ...


def test_with_no_text_to_speech_it_says_so_once_and_plays_on(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    scripted(owner_plan)
    fake = VoicedFake(speaker=lambda clock, wps: None).install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 0, err
    assert flat(fake.output).count(NO_TTS) == 1
    assert Session.objects.get().status == "completed"


def test_quiet_speaks_nothing_and_says_nothing_about_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    scripted(owner_plan)
    fake = VoicedFake(speaker=ClockSpeaker).install(monkeypatch)
    for flag in ("--quiet", "--no-voice"):
        code, _, err = cli(capsys, "session", flag)
        assert code == 0, err
    assert fake.speakers == [] and NO_TTS not in fake.output


def test_an_unknown_voice_rate_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    code, out, err = cli(capsys, "session", "--voice-rate", "fast")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "voice-rate" in err
    assert Session.objects.count() == 0


def test_quitting_stops_the_voice_and_skipping_forgets_the_skipped_steps_lines(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    steps = scripted(owner_plan)
    # Skip step 0 at once (its stop line not yet begun), then quit during step 1's hold.
    fake = VoicedFake([(0, -1e9, "s"), (1, 1, "q")], speaker=ClockSpeaker).install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 0, err
    (speaker,) = fake.speakers
    said = [text for _, _, text in speaker.log]
    stop_0 = [line["text"] for line in steps[0]["script"] if line["kind"] == "stop_if"]
    assert not set(stop_0) & set(said)
    assert said[-1].startswith("Go.") and speaker.cut == [said[-1]]  # quitting ends the talk


def test_a_text_to_speech_that_makes_no_sound_is_told_once_and_the_session_goes_on(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    owner_plan: Plan,  # noqa: F811
) -> None:
    """espeak-ng with no sound device ends at once, and exits 0."""
    scripted(owner_plan)
    script = tmp_path / "espeak-ng"
    script.write_text(f'#!/bin/sh\necho "$3" >> {tmp_path}/asked\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    fake = VoicedFake(speaker=lambda clock, wps: find_speaker(wps, clock.now)).install(monkeypatch)
    fake.clock = RealClock(speed=50)
    code, _, err = cli(capsys, "session", "--yes")
    assert code == 0, err
    assert flat(fake.output).count(TTS_FAILED) == 1
    assert len((tmp_path / "asked").read_text().splitlines()) == 1  # then silence: no process a line
    assert Session.objects.get().status == "completed"


# --- the rules, one line at a time --------------------------------------------------------------


def line(step: int, phase: str, at: float, text: str, must: bool) -> Line:
    return Line(step, phase, at, "cue", text, must)


def test_a_line_that_need_not_be_heard_gives_way_and_a_must_hear_one_waits() -> None:
    clock = FakeClock()
    speaker = ClockSpeaker(clock, wps=1.0)
    voice = Voice(speaker, wps=1.0)
    voice.offer(line(0, "hold", 0, "one two three", True), clear_until=60)
    voice.offer(line(0, "hold", 1, "a cue", False), clear_until=60)  # talking: dropped
    voice.offer(line(0, "hold", 2, "must hear", True), clear_until=60)  # waits its turn
    clock.sleep(3)
    voice.pump()
    voice.offer(line(0, "hold", 4, "too long for the gap", False), clear_until=6)  # would overlap
    assert [text for _, _, text in speaker.log] == ["one two three", "must hear"]
    assert [dropped.text for dropped in voice.dropped] == ["a cue", "too long for the gap"]
    assert speaker.log[1][0] == 3  # began when the first had ended, not at its own time


# --- the system's text-to-speech, faked on PATH --------------------------------------------------

FAKE_ESPEAK = """\
#!/bin/sh
# A fake espeak-ng (called as: espeak-ng -s RATE TEXT): it takes as long as the words take at
# that rate, sped up as the session's clock is, and logs the rate, when it began and ended,
# and the text. A shell script, so that it begins within milliseconds, as espeak-ng does.
start=$(date +%s.%N)
words=$(printf '%s' "$3" | wc -w)
seconds=$(awk -v w="$words" -v r="$2" -v k="$FAKE_TTS_SPEEDUP" \\
  'BEGIN {{ print w / ({wps} * r / {wpm}) / k }}')
sleep "$seconds"
printf '%s\\t%s\\t%s\\t%s\\n' "$2" "$start" "$(date +%s.%N)" "$3" >> "$FAKE_TTS_LOG"
"""


def fake_espeak(directory: Path) -> None:
    from backease.cli import voice

    script = directory / "espeak-ng"
    script.write_text(FAKE_ESPEAK.format(wps=voice.ESPEAK_WPS_AT_DEFAULT, wpm=voice.ESPEAK_DEFAULT_WPM))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_espeak_ng_on_path_says_the_script_slowly_and_the_timer_waits_for_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(
        person, {"areas": [{"region": "upper_trapezius_left", "pain": 4, "knot": False}], "minutes": 2}
    )
    steps = scripted(services.make_plan(person))
    fake_espeak(tmp_path)
    speedup = 20.0
    log = tmp_path / "said.jsonl"
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TTS_SPEEDUP", str(speedup))
    monkeypatch.setenv("FAKE_TTS_LOG", str(log))
    fake = VoicedFake(speaker=lambda clock, wps: find_speaker(wps, clock.now)).install(monkeypatch)
    fake.clock = RealClock(speed=speedup)  # speech takes real time: the clock is real too
    code, _, err = cli(capsys, "session", "--yes", "--voice-rate", "slow")
    assert code == 0, err
    said = [row.split("\t") for row in log.read_text().splitlines()]
    assert {int(rate) for rate, *_ in said} == {espeak_wpm(VOICE_WPS["slow"])}
    # Slowly, the get-ready lines take longer than the countdown: the timer must wait for them
    # (each hold would be seconds short otherwise). The times are two processes' on a busy
    # machine: 0.1 s of slack (2 session seconds).
    heard = [(float(start), float(end), text) for _, start, end, text in said]
    check_heard(heard, steps, slack=0.1, speed=speedup)
    assert Session.objects.get().status == "completed"


# --- the same script as the plan JSON and the web player -------------------------------------


def test_the_session_says_the_script_backease_plan_json_printed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    code, out, err = cli(capsys, "plan", "--json")
    assert code == 0, err
    printed = json.loads(out)["steps"]
    assert all(step["script"] for step in printed)
    fake = VoicedFake(speaker=ClockSpeaker).install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 0, err
    (speaker,) = fake.speakers
    check_heard(speaker.log, printed)
    shown = flat(fake.output)
    assert all(flat(line["text"]) in shown for step in printed for line in step["script"])


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "plan-stored-before-scripts"])
def test_the_terminal_and_the_web_player_play_the_same_script(owner_plan: Plan, stored: bool) -> None:  # noqa: F811
    from backease.front.player_views import _player_steps

    if not stored:
        owner_plan.data = {
            **owner_plan.data,
            "steps": [{k: v for k, v in step.items() if k != "script"} for step in owner_plan.data["steps"]],
        }
        owner_plan.save(update_fields=["data"])
    session = services.start_session(services.local_owner(), owner_plan)
    web = _player_steps(session)
    terminal = steps_from_plan(owner_plan.data["steps"])
    assert [step["script"] for step in web] == [step.script for step in terminal]
    assert all(step.script for step in terminal)
    assert [step["prepare_seconds"] for step in web] == [step.prepare for step in terminal]
