"""The player in floor mode on a phone, portrait and landscape: a whole plan played with the
page clock, speech recorded by a stand-in for window.speechSynthesis."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backease.core.flow import floor_trips
from backease.store import services
from backease.store.models import Plan
from tests.browser.conftest import close_context, new_context, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PORTRAIT = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}

PROFILE = {
    "areas": [
        {"region": "between_shoulder_blades_left", "pain": 6, "knot": True},
        {"region": "upper_trapezius_right", "pain": 4, "knot": False},
    ],
    "tools": ["foam_roller", "massage_ball", "tennis_ball", "wall", "hands", "chair", "doorway"],
    "causes": ["posture", "stress"],
    "minutes": 15,
    "stress": 6,
}

# A stand-in for the browser's speech: records every utterance (text, rate, volume) and
# says it has started and ended at once, so the player's queue moves on.
FAKE_SPEECH = """
window.__spoken = [];
const fakeSpeech = {
  speaking: false,
  pending: false,
  paused: false,
  getVoices() {
    return [
      { name: "Test voice", lang: "en-GB", voiceURI: "test-voice", default: true, localService: true },
      { name: "Other voice", lang: "en-US", voiceURI: "other-voice", default: false, localService: true },
    ];
  },
  speak(utterance) {
    window.__spoken.push({ text: utterance.text, rate: utterance.rate, volume: utterance.volume });
    utterance.dispatchEvent(new Event("start"));
    utterance.dispatchEvent(new Event("end"));
  },
  cancel() {},
  pause() {},
  resume() {},
  addEventListener() {},
  removeEventListener() {},
};
Object.defineProperty(window, "speechSynthesis", { value: fakeSpeech, configurable: true });
"""

# Every visible control against every visible piece of text of the step screen. Text in
# the scrolling box counts only where it can be seen (clipped to the box).
OVERLAPS = """
() => {
  const screen = document.getElementById("step-screen");
  const scroller = document.getElementById("floor-scroll");
  const visible = (el) => el.checkVisibility() && el.getClientRects().length > 0;
  const clip = (el) => {
    let r = el.getBoundingClientRect();
    r = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    if (scroller.contains(el)) {
      const b = scroller.getBoundingClientRect();
      r = { left: Math.max(r.left, b.left), top: Math.max(r.top, b.top),
            right: Math.min(r.right, b.right), bottom: Math.min(r.bottom, b.bottom) };
    }
    return r;
  };
  const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
  const name = (el) => el.id || el.className || el.tagName;
  const textSelector = ".step-progress, #step-name, #step-side, #intensity, #switch-banner, #cue, "
    + "#too-much-note, #how-list li, #breathing, #reason, #stop-if-wrap h2, #stop-if li, #caption, "
    + "#save-status, #next-preview, #time-left, #ready-label, #paused-label, #pacer";
  const texts = [...screen.querySelectorAll(textSelector)].filter(visible)
    .map((el) => ({ name: name(el), rect: clip(el) })).filter((t) => area(t.rect) > 0);
  const controls = [...screen.querySelectorAll("button, summary, a")].filter(visible)
    .map((el) => ({ name: name(el), rect: clip(el) })).filter((c) => area(c.rect) > 0);
  const problems = [];
  for (const c of controls) {
    for (const t of texts) {
      const r = { left: Math.max(c.rect.left, t.rect.left), top: Math.max(c.rect.top, t.rect.top),
                  right: Math.min(c.rect.right, t.rect.right),
                  bottom: Math.min(c.rect.bottom, t.rect.bottom) };
      if (area(r) > 1) problems.push(`${c.name} covers ${t.name}`);
    }
  }
  const inView = (id) => {
    const el = document.getElementById(id);
    const r = clip(el);
    return visible(el) && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 1
      && r.right <= innerWidth + 1 && area(r) > 0;
  };
  for (const id of ["time-left", "step-name", "cue", "next-preview"]) {
    if (!inView(id)) problems.push(`${id} is not on screen`);
  }
  // The step's figure: on screen whole without scrolling, big enough to see, and clear
  // of every control and every piece of text.
  const figures = [...screen.querySelectorAll("[data-step-figure] svg")].filter(visible);
  if (figures.length !== 1) problems.push(`${figures.length} figures show`);
  for (const figure of figures) {
    const f = figure.getBoundingClientRect();
    if (f.top < 0 || f.left < 0 || f.bottom > innerHeight + 1 || f.right > innerWidth + 1) {
      problems.push(`the figure is not all on screen: ${JSON.stringify(f)}`);
    }
    if (f.width < 120 || f.height < 80) problems.push(`the figure is ${f.width}x${f.height}`);
    for (const other of [...controls, ...texts]) {
      const r = { left: Math.max(f.left, other.rect.left), top: Math.max(f.top, other.rect.top),
                  right: Math.min(f.right, other.rect.right), bottom: Math.min(f.bottom, other.rect.bottom) };
      if (area(r) > 1) problems.push(`the figure covers ${other.name}`);
    }
  }
  // At least two lines of the cue (or all of it) can be read without scrolling.
  const cue = document.getElementById("cue");
  const shown = clip(cue).bottom - clip(cue).top;
  const lineHeight = parseFloat(getComputedStyle(cue).lineHeight);
  const wanted = Math.min(cue.getBoundingClientRect().height, 2 * lineHeight);
  if (shown < wanted - 1) problems.push(`only ${shown} px of the cue shows, want ${wanted}`);
  const size = (id) => parseFloat(getComputedStyle(document.getElementById(id)).fontSize);
  if (size("cue") < 24) problems.push(`the cue is ${size("cue")} px`);
  if (size("time-left") < 48) problems.push(`the timer is ${size("time-left")} px`);
  for (const c of [...screen.querySelectorAll("button")].filter(visible)) {
    const r = c.getBoundingClientRect();
    if (r.width < 44 || r.height < 44) problems.push(`${name(c)} is ${r.width}x${r.height}`);
  }
  return problems;
}
"""


def make_plan() -> Plan:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    return services.make_plan(person, seed=3)


def open_player(browser: Any, live_server: Any, viewport: dict[str, int]) -> Any:
    context = new_context(browser, viewport=viewport, reduced_motion="reduce", locale="en-GB")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.clock.install(time=CLOCK_START)
    page.goto(f"{live_server.url}/today/")
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    # From here on time moves only with run_for, however slow the machine is.
    page.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    return page


def spoken(page: Any) -> list[str]:
    return [str(item["text"]) for item in page.evaluate("window.__spoken")]


def session_steps(page: Any) -> list[dict[str, Any]]:
    data: dict[str, Any] = page.evaluate("JSON.parse(document.getElementById('session-data').textContent)")
    return list(data["steps"])


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_whole_plan_plays_in_floor_mode_with_no_control_over_any_text_and_every_instruction_spoken(
    browser: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    plan = make_plan()
    page = open_player(browser, live_server, viewport)
    steps = session_steps(page)
    page.get_by_test_id("begin").click()
    assert page.evaluate("document.documentElement.classList.contains('floor-mode')")
    assert not page.locator(".site-header").is_visible(), "no site menu in floor mode"
    page.clock.run_for(12_000)
    orientation = "portrait" if viewport is PORTRAIT else "landscape"
    screenshot(page, f"player-floor-{orientation}")

    played_ms = 12_000
    seen: list[str] = []
    problems: list[str] = []
    for _ in range(2000):
        if page.locator("#after-screen").is_visible():
            break
        label = page.locator("#step-count").inner_text()
        if label not in seen:
            seen.append(label)
            found = [f"{viewport['width']} {label}: {p}" for p in page.evaluate(OVERLAPS)]
            if found and os.environ.get("BACKEASE_DEBUG_SHOTS"):
                page.screenshot(path=f"/tmp/pl/problem-{viewport['width']}-{len(seen)}.png")
            problems += found
            if len(seen) == 2:
                # Mid-step, with the "too much" note showing, nothing is covered either.
                page.clock.run_for(9_000)
                played_ms += 9_000
                page.get_by_test_id("too-much").click()
                problems += [f"{label} (too much): {p}" for p in page.evaluate(OVERLAPS)]
                if os.environ.get("BACKEASE_DEBUG_SHOTS"):
                    page.screenshot(path=f"/tmp/pl/too-much-{viewport['width']}.png")
        page.clock.run_for(5_000)
        played_ms += 5_000
    assert page.locator("#after-screen").is_visible(), f"the session did not end; steps seen: {seen}"
    # The plan's minutes include every get-ready countdown: it ends at 15:00 (to the 5 s
    # this loop moves the clock by), with one trip down to the floor at most.
    assert 15 * 60_000 <= played_ms < 15 * 60_000 + 5_000, played_ms
    assert floor_trips([s["position"] for s in plan.data["steps"]]) <= 1
    assert len(seen) == len(plan.data["steps"])
    assert problems == [], "\n".join(problems)
    assert not page.locator("#carry-on").is_visible(), "nothing to carry on after the last step"
    assert page.locator(".site-header").is_visible(), "floor mode ends with the steps"

    said = spoken(page)
    for step in steps:
        for line in [*step["how"], *step["stop_if"]]:
            assert any(line in text for text in said), f"{step['name']}: not spoken: {line!r}"
        if step["breathing"]:
            assert any(step["breathing"] in text for text in said), step["name"]
    # The full instructions come once per technique; later sides and sets get a short cue.
    # (Two techniques can start with the same line, so count techniques per first line.)
    first_lines: dict[str, set[str]] = {}
    for s in steps:
        if s["how"]:
            first_lines.setdefault(s["how"][0], set()).add(s["technique"])
    for line, techniques in first_lines.items():
        assert sum(1 for t in said if t == f"Step 1. {line}") == len(techniques), line
    close_context(page.context)


def test_repeat_says_the_current_instruction_again_by_button_and_by_key(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    step = session_steps(page)[0]
    page.get_by_test_id("begin").click()
    page.clock.run_for(20_000)
    page.evaluate("window.__spoken = []")
    page.get_by_test_id("repeat").click()
    after_button = spoken(page)
    assert after_button[0].startswith(step["name"])
    assert f"Step 1. {step['how'][0]}" in after_button
    assert any(step["stop_if"][0] in t for t in after_button)
    assert page.locator("#caption").inner_text().strip() != ""
    page.evaluate("window.__spoken = []")
    page.locator("#step-name").focus()
    page.keyboard.press("r")
    by_key = spoken(page)
    assert by_key[0].startswith(step["name"]) and by_key[1:] == after_button[1:]
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
    last = page.evaluate("window.__spoken.at(-1)")
    assert last["text"] == "This is how the spoken cues will sound."
    assert last["rate"] == pytest.approx(1.2) and last["volume"] == pytest.approx(0.5)
    page.get_by_test_id("settings-close").click()
    assert not page.get_by_test_id("settings").is_visible()

    page.reload()
    page.wait_for_selector('#player[data-ready="true"]')
    assert page.locator("#voice").input_value() == "other-voice"
    assert float(page.locator("#rate").input_value()) == pytest.approx(1.2)
    assert float(page.locator("#volume").input_value()) == pytest.approx(0.5)
    page.evaluate("window.__spoken = []")
    page.get_by_test_id("begin").click()
    first = page.evaluate("window.__spoken[0]")
    assert first["rate"] == pytest.approx(1.2) and first["volume"] == pytest.approx(0.5)
    close_context(page.context)


def test_spoken_cues_off_says_nothing_but_still_shows_every_cue(browser: Any, live_server: Any) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    page.get_by_test_id("begin").click()
    page.get_by_test_id("settings-open").click()
    page.get_by_test_id("speech-toggle").click()
    page.get_by_test_id("settings-close").click()
    page.evaluate("window.__spoken = []")
    page.get_by_test_id("repeat").click()
    assert spoken(page) == []
    assert page.locator("#caption").is_visible()
    close_context(page.context)


def test_a_relaxation_step_shows_and_speaks_a_breathing_pace_under_reduced_motion(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    steps = session_steps(page)
    relax = next((i for i, s in enumerate(steps) if s["kind"] == "relaxation"), None)
    if relax is None:
        pytest.fail("the 15-minute plan has no relaxation step to pace")
    page.get_by_test_id("begin").click()
    for _ in range(2000):
        if page.locator("#step-count").inner_text() == f"Step {relax + 1} of {len(steps)}":
            break
        page.clock.run_for(2_000)
    page.clock.run_for((steps[relax]["prepare_seconds"] + 1) * 1000)  # past the get-ready countdown
    pacer = page.get_by_test_id("pacer")
    assert pacer.is_visible()
    first = pacer.inner_text()
    page.clock.run_for(4_000)
    second = pacer.inner_text()
    assert {first.split(" · ")[0], second.split(" · ")[0]} == {"Breathe in", "Breathe out"}
    said = spoken(page)
    assert "Breathe in" in said or "Breathe out" in said
    close_context(page.context)


def test_too_much_on_a_gentle_step_says_it_is_already_at_the_lightest_setting(
    browser: Any, live_server: Any
) -> None:
    make_plan()
    page = open_player(browser, live_server, PORTRAIT)
    page.get_by_test_id("begin").click()
    for _ in range(3):
        page.get_by_test_id("too-much").click()
    note = page.get_by_test_id("too-much-note")
    assert "already at the lightest setting" in note.inner_text().lower()
    assert "lighter touch" in note.inner_text() and "Skip" in note.inner_text()
    assert page.get_by_test_id("intensity").inner_text() == "Intensity: gentle"
    assert any("already at the lightest setting" in t for t in spoken(page))
    close_context(page.context)


def test_pause_by_button_and_space_is_spoken_and_shown(browser: Any, live_server: Any) -> None:
    make_plan()
    page = open_player(browser, live_server, LANDSCAPE)
    page.get_by_test_id("begin").click()
    page.clock.run_for(10_000)
    page.get_by_test_id("pause").click()
    assert page.locator("#paused-label").is_visible()
    assert spoken(page)[-1] == "Paused."
    assert page.get_by_test_id("caption").inner_text() == "Paused."
    before = page.get_by_test_id("time-left").inner_text()
    page.clock.run_for(5_000)
    assert page.get_by_test_id("time-left").inner_text() == before, "the timer stands still"
    page.locator("#step-name").focus()
    page.keyboard.press(" ")
    assert not page.locator("#paused-label").is_visible()
    assert spoken(page)[-1] == "Going again."
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
        "fullscreen",
        "settings-open",
        "back",
        "pause",
        "skip",
        "repeat",
        "too-much",
        "sharp-pain",
    ):
        assert control in reached, control
    page.get_by_test_id("settings-open").click()
    check_accessibility(page)
    close_context(page.context)
