"""Playing a whole session in the browser with Playwright's page clock (shared helper).

    session = start_session(Profile(minutes=15, tools=("foam_roller", "hands")))
    open_player(page, live_server.url, session)      # installs the clock, presses Begin
    played = play_to_end(page)                       # seconds on the page clock

The session is planned and started through the store (as the Today page does), so a
test can pick the profile it needs. `play_to_end` moves the page clock one second at a
time (the player ticks every 250 ms and reads performance.now()), calls `each_second`
if given, and returns how many clock seconds passed between Begin and the after screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from backease.core.planner import Profile
from backease.store import services
from backease.store.models import Session


def start_session(profile: Profile, seed: int = 0) -> Session:
    """Plan a session for `profile` (no screening answers: self-care) and start it."""
    person = services.local_owner()
    services.save_profile(person, services.profile_to_data(profile))
    plan = services.make_plan(person, seed=seed, profile=profile)
    return services.start_session(person, plan)


CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# A 15-minute plan with floor, wall and seated work, both sides, the floor-mode tests play.
FLOOR_PLAN_PROFILE = {
    "areas": [
        {"region": "between_shoulder_blades_left", "pain": 6, "knot": True},
        {"region": "upper_trapezius_right", "pain": 4, "knot": False},
    ],
    "tools": ["foam_roller", "massage_ball", "tennis_ball", "wall", "hands", "chair", "doorway"],
    "causes": ["posture", "stress"],
    "minutes": 15,
    "stress": 6,
}


def open_player(page: Any, base: str, session: Session) -> None:
    """Open the player with the page clock installed and paused, and press Begin.

    From here on, time moves only with `page.clock.run_for`, so a test measures the
    session's length exactly, however slow the machine is.
    """
    page.clock.install(time=CLOCK_START)
    page.goto(f"{base}/session/{session.id}/")
    page.wait_for_selector('#player[data-ready="true"]')
    page.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    page.get_by_test_id("begin").click()


def play_to_end(
    page: Any, limit_seconds: int = 3 * 3600, each_second: Callable[[int], None] | None = None
) -> int:
    """Run the page clock a second at a time until the after screen shows; the seconds run."""
    after = page.locator("#after-screen")
    for second in range(1, limit_seconds + 1):
        page.clock.run_for(1000)
        if each_second is not None:
            each_second(second)
        if after.is_visible():
            return second
    raise AssertionError(f"the session did not end within {limit_seconds} s")


def step_changes(page: Any) -> Callable[[int], None]:
    """An `each_second` callback noting (second, "Step n of N") whenever the step changes.

    The list is in the callback's `changes` attribute.
    """
    changes: list[tuple[int, str]] = []

    def record(second: int) -> None:
        label = str(page.locator("#step-count").inner_text())
        if not changes or changes[-1][1] != label:
            changes.append((second, label))

    record.changes = changes  # type: ignore[attr-defined]
    return record


# A model of the browser's speech for tests (window.speechSynthesis): like a real voice it
# says one utterance at a time, taking time to say it (NORMAL_WPS words a second at rate
# 1.0, so `rate` slows or speeds it, driven by the page clock), fires "start" and "end",
# and cancel() cuts the utterance being said (an "error" event, "interrupted") and drops
# the waiting ones, as speechSynthesis.cancel() does. It records what was HEARD to the end
# (window.__speech.heard), what was cut part-way and what was dropped unsaid, each with
# the page-clock time it started and ended.
SPEECH_MODEL = """
(() => {
  const NORMAL_WPS = %(wps)s;
  const log = { heard: [], cut: [], dropped: [], started: [] };
  window.__speech = log;
  let current = null;
  let timer = null;
  const queue = [];
  const words = (text) => String(text).split(/\\s+/).filter(Boolean).length;
  const synth = {
    get speaking() { return current !== null; },
    get pending() { return queue.length > 0; },
    paused: false,
    getVoices() {
      return [
        { name: "Test voice", lang: "en-GB", voiceURI: "test-voice", default: true, localService: true },
        { name: "Other voice", lang: "en-US", voiceURI: "other-voice", default: false, localService: true },
      ];
    },
    speak(utterance) {
      queue.push(utterance);
      if (current === null) startNext();
    },
    cancel() {
      const cut = current;
      const dropped = queue.splice(0);
      current = null;
      window.clearTimeout(timer);
      if (cut) {
        log.cut.push({ text: cut.text, start: cut.__start, at: performance.now() });
        window.setTimeout(() => cut.dispatchEvent(new Event("error")), 0);
      }
      for (const u of dropped) log.dropped.push({ text: u.text, at: performance.now() });
    },
    pause() {},
    resume() {},
    addEventListener() {},
    removeEventListener() {},
  };
  function startNext() {
    const utterance = queue.shift();
    if (!utterance) return;
    current = utterance;
    utterance.__start = performance.now();
    log.started.push({ text: utterance.text, rate: utterance.rate, volume: utterance.volume,
                       at: utterance.__start });
    utterance.dispatchEvent(new Event("start"));
    const ms = (1000 * words(utterance.text)) / (NORMAL_WPS * (utterance.rate || 1));
    timer = window.setTimeout(() => {
      current = null;
      log.heard.push({ text: utterance.text, start: utterance.__start, end: performance.now() });
      utterance.dispatchEvent(new Event("end"));
      startNext();
    }, ms);
  }
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
})();
"""


def speech_model(wps: float = 3.2) -> str:
    """The speech model's script for `context.add_init_script`, speaking `wps` words a second
    at rate 1.0."""
    return SPEECH_MODEL % {"wps": wps}


def heard(page: Any) -> list[str]:
    """What the speech model said to the end, in order."""
    return [str(item["text"]) for item in page.evaluate("window.__speech.heard")]
