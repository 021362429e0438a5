"""The player in floor mode on a phone: what a person lying on a roller HEARS.

Speech is a model of the browser's (tests/browser/session_play.py, SPEECH_MODEL): it takes
time to say each utterance at its rate and cancel() cuts it, so these tests see what was
heard to the end, not what was queued. A whole plan is played with the page clock and the
steps' speech schedule (`script`, INTERFACES.md): no must-hear line is cut, "Go" is heard
at every hold, each technique's stop line is heard the first time it comes up, and each
change of position is announced before its hold starts, at the default rate, at the
slowest rate the player offers, and with a voice slower than the schedule assumes.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Any

import pytest

from backease.content.loader import load_content
from backease.core.flow import on_floor
from backease.core.script import DEFAULT_RATE, NORMAL_WPS
from backease.core.sides import as_side, render_technique
from backease.store import services
from backease.store.models import Plan
from tests.browser.conftest import close_context, new_context
from tests.browser.session_play import CLOCK_START, FLOOR_PLAN_PROFILE, speech_model

pytestmark = pytest.mark.django_db(transaction=True)

PORTRAIT = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}


def seconds_to_say(text: str) -> float:
    return round(len(text.split()) / (NORMAL_WPS * DEFAULT_RATE), 2)


def line(phase: str, at: float, kind: str, text: str, must_hear: bool) -> dict[str, Any]:
    return {
        "phase": phase,
        "at": round(at, 2),
        "kind": kind,
        "text": text,
        "must_hear": must_hear,
        "speak_seconds": seconds_to_say(text),
    }


def scripted(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps with a speech schedule in the shape of INTERFACES.md, built here from the
    library's spoken lines: a change of position announced first, the full set-up and the
    stop line the first time a technique comes up (the short set-up later), "Go." at 0 of
    each hold, cues and breathing in the hold, "10 seconds left." near its end. Two lines
    that may be missed are placed to run into must-hear ones (a cue over the go line, the
    breathing line over the countdown): the player must drop them, not cut the others.
    Each get-ready is as long as its must-hear lines at the default rate."""
    library = load_content().library
    seen: set[str] = set()
    previous = None
    out = []
    for step in steps:
        tech = library.technique(step["technique"])
        assert tech is not None
        spoken = render_technique(tech, as_side(step["side"])).spoken
        prepare: list[tuple[str, str]] = []
        if previous is not None and previous != step["position"]:
            words = "down onto the floor, " if on_floor(step["position"]) and not on_floor(previous) else ""
            prepare.append(("next", f"Next: {words}{step['position'].replace('_', ' ')}."))
        first = step["technique"] not in seen
        seen.add(step["technique"])
        prepare.append(("setup", spoken.setup if first or not spoken.setup_short else spoken.setup_short))
        if first:
            prepare.append(("stop_if", spoken.stop))
        lines, at = [], 0.0
        for kind, text in prepare:
            lines.append(line("prepare", at, kind, text, True))
            at += seconds_to_say(text) + 0.5
        seconds = step["seconds"]
        go = f"Go. {spoken.go}"
        lines.append(line("hold", 0, "go", go, True))
        lines.append(line("hold", seconds_to_say(go) / 2, "cue", spoken.cues[0], False))  # overlaps "Go."
        for n, cue in enumerate(spoken.cues[1:], start=2):
            lines.append(line("hold", seconds * n / 4, "cue", cue, False))
        if seconds >= 30:
            lines.append(line("hold", seconds - 11, "breathing", spoken.breathing, False))  # overlaps
            lines.append(line("hold", seconds - 10, "countdown", "10 seconds left.", True))
        out.append({**step, "script": lines, "prepare_seconds": math.ceil(at + 0.5)})
        previous = step["position"]
    return out


def overlaps(script: list[dict[str, Any]]) -> set[str]:
    """The lines that may be missed which would run into a must-hear line at the default rate."""
    must = [ln for ln in script if ln["must_hear"]]
    return {
        ln["text"]
        for ln in script
        if not ln["must_hear"]
        and any(
            m["phase"] == ln["phase"]
            and ln["at"] < m["at"] + m["speak_seconds"]
            and m["at"] < ln["at"] + ln["speak_seconds"]
            for m in must
        )
    }


def make_plan() -> Plan:
    person = services.local_owner()
    services.save_profile(person, FLOOR_PLAN_PROFILE)
    services.record_screening(person, {})
    return services.make_plan(person, seed=3)


def with_scripts(route: Any) -> None:
    """Serve the player page with the schedule above in its steps' data."""
    response = route.fetch()
    html = response.text()
    found = re.search(r'(<script id="session-data" type="application/json">)(.*?)(</script>)', html, re.S)
    assert found, "the player page carries its data"
    data = json.loads(found.group(2))
    data["steps"] = scripted(data["steps"])
    text = json.dumps(data).replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    route.fulfill(response=response, body=html[: found.start(2)] + text + html[found.end(2) :])


def open_player(
    browser: Any,
    live_server: Any,
    viewport: dict[str, int],
    wps: float = NORMAL_WPS,
    rate: float | None = None,
    script: bool = True,
) -> Any:
    # Service workers blocked: the page comes from the server, through `with_scripts`.
    context = new_context(
        browser, viewport=viewport, reduced_motion="reduce", locale="en-GB", service_workers="block"
    )
    context.add_init_script(speech_model(wps))
    if rate is not None:
        context.add_init_script(f"window.localStorage.setItem('backease.rate', '{rate}')")
    page = context.new_page()
    if script:
        page.route(re.compile(r"/session/\d+/$"), with_scripts)
    page.set_default_timeout(10_000)
    page.clock.install(time=CLOCK_START)
    page.goto(f"{live_server.url}/today/")
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    if script:
        page.goto(page.url)  # Start's redirect is not routed; the page itself is
        page.wait_for_selector('#player[data-ready="true"]')
    # From here on time moves only with run_for, however slow the machine is.
    page.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    return page


def player_steps(page: Any) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = page.evaluate(
        "JSON.parse(document.getElementById('session-data').textContent).steps"
    )
    return steps


def speech_log(page: Any) -> dict[str, list[dict[str, Any]]]:
    log: dict[str, list[dict[str, Any]]] = page.evaluate("window.__speech")
    return log


def started(page: Any) -> list[str]:
    return [str(item["text"]) for item in speech_log(page)["started"]]


def play_to_end(page: Any) -> list[tuple[float, str]]:
    """Play the whole plan; the page-clock times at which each hold's timer started."""
    holds: list[tuple[float, str]] = []
    ready = page.get_by_test_id("get-ready")
    was_ready = True
    for _ in range(10_000):
        if page.locator("#after-screen").is_visible():
            return holds
        page.clock.run_for(250)
        now_ready = ready.is_visible()
        if was_ready and not now_ready:
            holds.append((page.evaluate("performance.now()"), page.locator("#step-count").inner_text()))
        was_ready = now_ready
    raise AssertionError("the session did not end")


@pytest.mark.parametrize(
    ("wps", "rate"),
    [(NORMAL_WPS, None), (NORMAL_WPS, 0.5), (NORMAL_WPS * 0.8, None)],
    ids=["default-rate", "slowest-rate", "voice-slower-than-assumed"],
)
def test_a_whole_plan_is_heard_no_must_hear_line_cut_go_at_every_hold_stop_lines_and_moves_announced(
    browser: Any, live_server: Any, wps: float, rate: float | None
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT, wps=wps, rate=rate)
    steps = player_steps(page)
    page.get_by_test_id("begin").click()
    holds = play_to_end(page)
    log = speech_log(page)
    heard = [item["text"] for item in log["heard"]]
    must = {ln["text"] for s in steps for ln in s["script"] if ln["must_hear"]}

    # Nothing that must be heard was cut part-way or dropped unsaid.
    assert [c["text"] for c in log["cut"] if c["text"] in must] == []
    assert [d["text"] for d in log["dropped"] if d["text"] in must] == []
    # Every must-hear line of every step was heard to the end, each as often as it comes.
    for text in must:
        wanted = sum(1 for s in steps for ln in s["script"] if ln["must_hear"] and ln["text"] == text)
        assert heard.count(text) >= wanted, text
    # The lines placed to run into must-hear ones were dropped, never said (nor delayed
    # the must-hear ones: see the countdown's time below).
    overlapping = {text for s in steps for text in overlaps(s["script"])}
    assert overlapping, "the schedule has lines that would run into must-hear ones"
    assert not overlapping & {item["text"] for item in log["started"]}

    assert len(holds) == len(steps)
    for number, (step, (hold_at, label)) in enumerate(zip(steps, holds, strict=True), start=1):
        assert label == f"Step {number} of {len(steps)}"
        go = next(ln["text"] for ln in step["script"] if ln["kind"] == "go")
        ready = [ln["text"] for ln in step["script"] if ln["phase"] == "prepare" and ln["must_hear"]]
        # "Go" is heard at the start of every hold...
        go_said = [item for item in log["heard"] if item["text"] == go and item["start"] >= hold_at - 1]
        assert go_said and go_said[0]["start"] <= hold_at + 1000, (label, go)
        # ... and its timer started only once the get-ready's must-hear lines were said:
        # the set-up, the stop line on a first appearance, a change of position first.
        for text in ready:
            ends = [
                item["end"] for item in log["heard"] if item["text"] == text and item["end"] <= hold_at + 1
            ]
            assert ends, f"{label}: {text!r} was not heard before the hold started"
        # At the default rate the countdown is said on time: nothing said before it ran on.
        countdown = [ln for ln in step["script"] if ln["kind"] == "countdown"]
        if countdown and rate is None and wps == NORMAL_WPS:
            due = hold_at + countdown[0]["at"] * 1000
            said_at = [item["start"] for item in log["heard"] if item["text"] == countdown[0]["text"]]
            assert any(due - 1 <= t <= due + 300 for t in said_at), (label, due, said_at)
    stops = [ln for s in steps for ln in s["script"] if ln["kind"] == "stop_if"]
    moves = [ln for s in steps for ln in s["script"] if ln["kind"] == "next"]
    assert stops and moves, "the plan has stop lines and a change of position to check"
    close_context(page.context)


def test_a_slower_rate_makes_the_get_ready_wait_showing_get_ready(browser: Any, live_server: Any) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT, rate=0.5)
    first = player_steps(page)[0]
    ready_s = sum(
        ln["speak_seconds"] for ln in first["script"] if ln["phase"] == "prepare" and ln["must_hear"]
    )
    page.get_by_test_id("begin").click()
    # At half the default rate the set-up and stop line take about twice as long: past the
    # planned get-ready, it still says "Get ready" and the hold's timer has not started.
    page.clock.run_for((first["prepare_seconds"] + 1) * 1000)
    assert page.get_by_test_id("get-ready").is_visible()
    page.clock.run_for(int(ready_s * 1000 * (DEFAULT_RATE / 0.5 - 1)) + 2000)
    assert not page.get_by_test_id("get-ready").is_visible()
    assert any(text.startswith("Go.") for text in started(page))
    close_context(page.context)


def test_the_plans_own_script_says_the_set_up_then_the_stop_line_then_go(
    browser: Any, live_server: Any
) -> None:
    plan = make_plan()
    page = open_player(browser, live_server, PORTRAIT, script=False)
    page.get_by_test_id("begin").click()
    page.clock.run_for(40_000)
    heard = [item["text"] for item in speech_log(page)["heard"]]
    library = load_content().library
    first = plan.data["steps"][0]
    tech = library.technique(first["technique"])
    assert tech is not None
    spoken = render_technique(tech, as_side(first["side"])).spoken
    # The schedule of the plan as made (core.script), not one built by this test.
    assert heard[:3] == [spoken.setup, spoken.stop, f"Go. {spoken.go}"]
    assert speech_log(page)["cut"] == []
    close_context(page.context)


def test_say_again_says_the_set_up_and_the_current_cue_by_button_and_by_key(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    step = player_steps(page)[0]
    page.get_by_test_id("begin").click()
    page.clock.run_for((step["prepare_seconds"] + 20) * 1000)
    before = len(started(page))
    page.get_by_test_id("repeat").click()
    page.clock.run_for(30_000)
    after_button = started(page)[before:]
    setup = next(ln["text"] for ln in step["script"] if ln["kind"] == "setup")
    assert after_button[0].startswith(step["name"])
    assert setup in after_button
    before = len(started(page))
    page.locator("#step-name").focus()
    page.keyboard.press("r")
    page.clock.run_for(8_000)
    by_key = started(page)[before:]
    assert by_key and by_key[0].startswith(step["name"])
    close_context(page.context)


def test_voice_rate_and_volume_settings_are_used_and_kept_after_a_reload(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    page.get_by_test_id("begin").click()
    page.get_by_test_id("settings-open").click()
    assert page.get_by_test_id("settings").is_visible()
    voices = page.locator("#voice option").all_inner_texts()
    assert "Test voice (en-GB)" in voices and "Other voice (en-US)" in voices
    page.locator("#voice").select_option("other-voice")
    page.locator("#rate").fill("1.2")
    page.locator("#volume").fill("0.5")
    page.get_by_test_id("voice-test").click()
    page.clock.run_for(30_000)
    last = next(
        x for x in speech_log(page)["started"] if x["text"] == "This is how the spoken cues will sound."
    )
    assert last["rate"] == pytest.approx(1.2) and last["volume"] == pytest.approx(0.5)
    page.get_by_test_id("settings-close").click()
    assert not page.get_by_test_id("settings").is_visible()

    page.reload()
    page.wait_for_selector('#player[data-ready="true"]')
    assert page.locator("#voice").input_value() == "other-voice"
    assert float(page.locator("#rate").input_value()) == pytest.approx(1.2)
    assert float(page.locator("#volume").input_value()) == pytest.approx(0.5)
    page.get_by_test_id("begin").click()
    page.clock.run_for(500)
    first = speech_log(page)["started"][0]
    assert first["rate"] == pytest.approx(1.2) and first["volume"] == pytest.approx(0.5)
    close_context(page.context)


def test_spoken_cues_off_says_nothing_but_still_shows_what_would_be_said(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    page.evaluate("window.localStorage.setItem('backease.speech', 'off')")
    page.reload()
    page.wait_for_selector('#player[data-ready="true"]')
    page.get_by_test_id("begin").click()
    page.clock.run_for(500)
    setup = next(ln["text"] for ln in player_steps(page)[0]["script"] if ln["kind"] == "setup")
    # In the get-ready what would be said shows as the cue, a piece at a time.
    assert page.get_by_test_id("cue").inner_text() in setup
    page.get_by_test_id("repeat").click()
    page.clock.run_for(20_000)
    assert started(page) == []
    close_context(page.context)


def test_a_relaxation_step_shows_and_speaks_a_breathing_pace_under_reduced_motion(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    steps = player_steps(page)
    relax = next((i for i, s in enumerate(steps) if s["kind"] == "relaxation"), None)
    if relax is None:
        pytest.fail("the 15-minute plan has no relaxation step to pace")
    page.get_by_test_id("begin").click()
    for _ in range(2000):
        if page.locator("#step-count").inner_text() == f"Step {relax + 1} of {len(steps)}":
            break
        page.clock.run_for(2_000)
    for _ in range(200):
        if not page.get_by_test_id("get-ready").is_visible():
            break
        page.clock.run_for(500)
    page.clock.run_for(8_000)  # past "Go." and its line
    pacer = page.get_by_test_id("pacer")
    assert pacer.is_visible()
    first = pacer.inner_text()
    page.clock.run_for(4_000)
    second = pacer.inner_text()
    assert {first.split(" · ")[0], second.split(" · ")[0]} == {"Breathe in", "Breathe out"}
    page.clock.run_for(20_000)
    heard = [item["text"] for item in speech_log(page)["heard"]]
    assert "Breathe in" in heard or "Breathe out" in heard
    close_context(page.context)


def test_too_much_says_what_changed_and_the_note_clears(browser: Any, live_server: Any) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    steps = player_steps(page)
    page.get_by_test_id("begin").click()
    page.clock.run_for(3_000)
    later = sum(1 for s in steps[1:] if s["intensity"] != "gentle")
    page.get_by_test_id("too-much").click()
    note = page.get_by_test_id("too-much-note")
    text = note.inner_text()
    if steps[0]["intensity"] == "gentle":
        assert text.startswith("Already the lightest.")
    else:
        assert text.startswith(f"Eased from {steps[0]['intensity']} to ")
    # It says how many later steps were eased, and they were.
    assert f"{later} later step" in text
    assert page.get_by_test_id("intensity").inner_text() == "Intensity: gentle"
    page.clock.run_for(13_000)
    assert not note.is_visible(), "the note clears"
    assert page.get_by_test_id("intensity").inner_text() == "Intensity: gentle"
    page.clock.run_for(20_000)
    assert any("lightest setting" in t or "Ease off" in t for t in started(page))
    close_context(page.context)


def test_pause_by_button_and_space_is_spoken_and_shown_and_a_cut_line_is_said_again(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, LANDSCAPE)
    setup = next(ln["text"] for ln in player_steps(page)[0]["script"] if ln["kind"] == "setup")
    page.get_by_test_id("begin").click()
    page.clock.run_for(1_000)  # the set-up is being said
    page.get_by_test_id("pause").click()
    assert page.locator("#paused-label").is_visible()
    page.clock.run_for(2_000)
    assert started(page)[-1] == "Paused."
    before = page.get_by_test_id("time-left").inner_text()
    page.clock.run_for(5_000)
    assert page.get_by_test_id("time-left").inner_text() == before, "the timer stands still"
    page.locator("#step-name").focus()
    page.keyboard.press(" ")
    assert not page.locator("#paused-label").is_visible()
    page.clock.run_for(20_000)
    said = started(page)
    assert "Going again." in said
    # The set-up cut by the pause is said again, whole.
    assert setup in [item["text"] for item in speech_log(page)["heard"]]
    close_context(page.context)


def test_end_session_is_on_the_floor_screen_and_ends_with_the_after_screen(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    page.get_by_test_id("begin").click()
    page.clock.run_for(5_000)
    end = page.get_by_test_id("end")
    assert end.is_visible() and end.inner_text().split() == ["End", "session"]
    end.click()
    assert page.locator("#after-screen").is_visible()
    assert page.get_by_test_id("carry-on").is_visible()
    close_context(page.context)


def test_how_to_is_one_tap_away(browser: Any, live_server: Any) -> None:
    make_plan()
    page = open_player(browser, live_server, LANDSCAPE)
    step = page.evaluate("JSON.parse(document.getElementById('session-data').textContent).steps[0]")
    page.get_by_test_id("begin").click()
    page.get_by_test_id("how-open").click()
    dialog = page.get_by_test_id("how-to")
    assert dialog.is_visible()
    assert page.locator("#how-list li").all_inner_texts() == step["how"]
    assert page.locator("#stop-if li").all_inner_texts() == step["stop_if"]
    assert page.locator("#how-intensity").inner_text() == f"At gentle intensity: {step['variants']['gentle']}"
    page.get_by_test_id("how-close").click()
    assert not dialog.is_visible()
    close_context(page.context)


def test_floor_mode_passes_axe_and_every_control_is_reachable_with_tab(
    browser: Any, live_server: Any
) -> None:
    from tests.browser.conftest import check_accessibility

    make_plan()
    page = open_player(browser, live_server, LANDSCAPE)
    page.get_by_test_id("begin").click()
    page.get_by_test_id("skip").click()  # on step 2, Back can be used too
    page.clock.run_for(10_000)
    page.clock.resume()  # axe-core waits on timers of its own
    check_accessibility(page)
    page.locator("#step-name").focus()
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    for control in (
        "end",
        "settings-open",
        "back",
        "pause",
        "skip",
        "repeat",
        "how-open",
        "too-much",
        "sharp-pain",
    ):
        assert control in reached, control
    page.get_by_test_id("settings-open").click()
    check_accessibility(page)
    close_context(page.context)
