"""What a person hears of a plan's spoken script (issue 16 item 3), played by a model of
the browser's speech queue that cancels as speechSynthesis does (tests/speech_model.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from backease.content.loader import parse_content
from backease.core.flow import on_floor, prepare_seconds
from backease.core.planner import PainArea, Profile, plan_session
from backease.core.screening import screen
from backease.core.script import (
    DEFAULT_WPS,
    READY_GAP,
    SLOWEST_WPS,
    plan_countdowns,
    prepare_need,
    speak_seconds,
)
from backease.core.sides import render_spoken
from tests.speech_model import old_script, play, problems, varied_plans

CONTENT = parse_content()
LIBRARY = CONTENT.library
RULES = CONTENT.rules
PLANS = list(varied_plans(1000, LIBRARY, RULES, seed=16))


@pytest.mark.parametrize("wps", [DEFAULT_WPS, SLOWEST_WPS], ids=["default rate", "slowest rate"])
def test_a_thousand_plans_are_heard_in_full_at_the_default_and_the_slowest_rate(wps: float) -> None:
    found: list[str] = []
    moves = firsts = 0
    for plan in PLANS:
        playback = play(plan.steps, wps)
        # At the default rate the get-ready fits its countdown (the session ends on time);
        # at the slowest the timer waits for the last must-hear get-ready line.
        found += problems(plan.steps, playback, budget=wps == DEFAULT_WPS)
        positions = [s.position for s in plan.steps]
        moves += sum(
            1 for a, b in zip([None, *positions], positions, strict=False) if a != b and (a or on_floor(b))
        )
        firsts += len({s.technique for s in plan.steps})
    assert found == [], f"{len(found)} problems, first: {found[:5]}"
    # The plans do change position and introduce techniques, so the checks above mean something.
    assert moves > 1000 and firsts > 5000


def test_the_plans_vary_in_minutes_positions_and_precautions() -> None:
    minutes = {p.minutes for p in PLANS}
    assert minutes == set(range(5, 31))
    assert sum(1 for p in PLANS if any(on_floor(s.position) for s in p.steps)) > 200
    assert sum(1 for p in PLANS if p.precautions) > 200


def test_the_old_player_and_its_monologue_lose_go_and_the_stop_lines() -> None:
    # The player before the schedule, with the same plans: the observations.
    found: list[str] = []
    for plan in PLANS[:100]:
        steps = old_script(plan, LIBRARY)
        found += problems(steps, play(steps, DEFAULT_WPS, player="old"), budget=True)
    assert any("no 'Go' heard" in p for p in found)
    assert any("stop line of its first appearance was not heard" in p for p in found)
    # The monologue runs on over the timer: the set-up and stop lines are still being said.
    assert any("must-hear stop_if ran past its phase" in p for p in found)


def test_a_schedule_without_its_get_ready_budget_is_caught() -> None:
    # The old countdowns (5-15 s, by position only) with the new lines: the timer has to
    # wait for the set-up and stop line, so a session outlasts its minutes.
    found: list[str] = []
    for plan in PLANS[:50]:
        steps = [replace(s, prepare_seconds=5) for s in plan.steps]
        found += problems(steps, play(steps, DEFAULT_WPS), budget=True)
    assert any("the get-ready ran" in p for p in found)


def test_a_schedule_with_must_hear_cues_in_the_hold_cuts_or_delays_them() -> None:
    # Mid-hold cues forced as must-hear, too close together: something is heard late or cut.
    found: list[str] = []
    for plan in PLANS[:50]:
        steps = [
            replace(
                s,
                script=tuple(
                    replace(line, must_hear=True, at=max(0.0, s.seconds - 3.0))
                    if line.kind == "cue"
                    else line
                    for line in s.script
                ),
            )
            for s in plan.steps
        ]
        found += problems(steps, play(steps, SLOWEST_WPS), budget=False)
    assert any("ran past its phase" in p or "cut" in p for p in found)


def test_every_step_of_every_plan_keeps_the_schedule_rules() -> None:
    for plan in PLANS:
        assert sum(s.seconds + s.prepare_seconds for s in plan.steps) == plan.minutes * 60
        assert [s.prepare_seconds for s in plan.steps] == plan_countdowns(LIBRARY, plan.steps)
        for step in plan.steps:
            for phase, length in (("prepare", step.prepare_seconds - READY_GAP), ("hold", step.seconds)):
                lines = [line for line in step.script if line.phase == phase]
                assert [line.at for line in lines] == sorted(line.at for line in lines)
                must = [line for line in lines if line.must_hear]
                # No two must-hear lines overlap, and none runs past its phase.
                for a, b in itertools.pairwise(must):
                    assert a.ends() <= b.at + 1e-9
                for line in lines:
                    assert line.ends() <= length + 1e-9, (step.technique, line)
                    assert line.speak_seconds == speak_seconds(line.text)
            assert next(line.kind for line in step.script if line.phase == "hold") == "go"


def test_a_first_appearance_says_the_set_up_and_stop_line_and_a_later_one_the_short_set_up() -> None:
    profile = Profile(
        areas=(PainArea("upper_trapezius_left", 6), PainArea("upper_trapezius_right", 6)), minutes=15
    )
    plan = plan_session(profile, screen({}, RULES), LIBRARY)
    twice = next(s.technique for s in plan.steps if sum(t.technique == s.technique for t in plan.steps) == 2)
    first, later = [s for s in plan.steps if s.technique == twice]
    tech = LIBRARY.technique(twice)
    assert tech is not None and tech.per_side and (first.side, later.side) == ("left", "right")
    left = render_spoken(tech.spoken, "left")
    right = render_spoken(tech.spoken, "right")
    said_first = [
        (line.kind, line.text) for line in first.script if line.phase == "prepare" and line.kind != "next"
    ]
    said_later = [
        (line.kind, line.text) for line in later.script if line.phase == "prepare" and line.kind != "next"
    ]
    assert said_first == [("setup", left.setup), ("stop_if", left.stop)]
    assert said_later == [("setup", right.setup_short)]
    # The words are for the side worked, placeholders filled in.
    assert "{" not in " ".join(line.text for line in first.script + later.script)
    go = [line for line in later.script if line.kind == "go"]
    assert go[0].text == f"{LIBRARY.label('voice', 'go')} {right.go}"


def test_getting_down_to_the_floor_is_announced_first_in_the_get_ready() -> None:
    down = 0
    for plan in PLANS[:200]:
        for before, step in zip(plan.steps, plan.steps[1:], strict=False):
            if not on_floor(before.position) and on_floor(step.position):
                first = step.script[0]
                assert first.phase == "prepare" and first.at == 0 and first.kind == "next"
                assert first.text == LIBRARY.label("move_floor", step.position)
                assert first.must_hear
                down += 1
    assert down > 20


def test_a_chest_stretch_keeps_its_emergency_line_in_the_get_ready() -> None:
    chest = [t for t in LIBRARY.techniques if any("emergency services" in s.lower() for s in t.stop_if)]
    assert chest
    for tech in chest:
        need = prepare_need(LIBRARY, tech, "left", True, None, tech.position)
        assert need >= speak_seconds(tech.spoken.stop)
    heard = 0
    for plan in PLANS:
        for step in plan.steps:
            if step.technique in {t.id for t in chest} and any(
                line.kind == "stop_if" for line in step.script
            ):
                assert any(
                    "emergency services" in line.text for line in step.script if line.kind == "stop_if"
                )
                heard += 1
    assert heard > 0


def test_speech_is_at_most_a_quarter_of_the_session_at_the_default_rate() -> None:
    heard = sum(play(plan.steps, DEFAULT_WPS).heard_seconds() for plan in PLANS)
    total = sum(plan.total_seconds for plan in PLANS)
    assert heard / total <= 0.25
    old = [old_script(plan, LIBRARY) for plan in PLANS[:200]]
    old_share = sum(play(steps, DEFAULT_WPS, "old").heard_seconds() for steps in old) / sum(
        p.total_seconds for p in PLANS[:200]
    )
    assert old_share > 0.5 > heard / total


def test_the_countdown_is_what_moving_or_the_must_hear_lines_need_rounded_up_to_5_seconds() -> None:
    for plan in PLANS[:200]:
        previous = None
        for step in plan.steps:
            assert step.prepare_seconds % 5 == 0
            need = max((line.ends() for line in step.script if line.phase == "prepare"), default=0.0)
            need = need + READY_GAP if need else 0.0
            assert step.prepare_seconds >= need
            assert step.prepare_seconds < need + 5 or step.prepare_seconds == prepare_seconds(
                previous, step.position
            )
            previous = step.position
