"""The first run, measured: taps and words from opening the app to the first step of a
session, on a 390x844 touch phone.

A self-care answer set (no warning sign) and one sore area is at most 6 taps (the issue asked
for 8) and about 2 minutes of reading (see MAX_READING_SECONDS); a returning person starts
today's plan in 1 tap. Words are what the page shows in its main part (the site menu and
footer are not read to get through; visually hidden text for screen readers is not seen),
and each screen is counted once, at its fullest: an answer that opens more on the same
screen adds those words. Reading time is at 238 words a minute, the mean silent reading rate of
adults for non-fiction (Brysbaert 2019). The welcome page's promise is checked against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backease.store import services
from tests.browser.conftest import (
    MOBILE,
    check_accessibility,
    close_context,
    new_context,
    screenshot,
)

pytestmark = pytest.mark.django_db(transaction=True)

WORDS_PER_MINUTE = 238
MAX_TAPS = 6
MAX_READING_SECONDS = 140
"""Measured 135 s (537 words: welcome 36, check 354, where it hurts 79, before you start 68).
It was 3,564 words (15 minutes) before the check became one page, then 1,026, then 841, then
711 with a stop at Today (106 words) that a first plan no longer makes, then 605, 555. The 44 safety
questions in short form are 320 words of it (81 s), and none is dropped; so are the section
headings, the safety result and the "stop at once" line."""
MAX_RETURNING_TAPS = 1

SCREEN_JS = """() => {
  // Words a sighted person sees: text in rendered, not visually hidden, elements of the main
  // part (and the safety banner), that has a letter in it (a 0-10 scale is not read).
  const shown = (el) => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const box = e.getBoundingClientRect();
      if (box.width <= 1 && box.height <= 1) return false;  // the visually-hidden pattern
    }
    return true;
  };
  const words = [];
  for (const root of document.querySelectorAll('main, [data-testid=safety-banner]')) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      if (!node.parentElement || !shown(node.parentElement)) continue;
      words.push(...node.textContent.split(/\\s+/).filter(w => /\\p{L}/u.test(w)));
    }
  }
  const heading = document.querySelector('#wizard-title') || document.querySelector('#result-title')
    || document.querySelector('main h1');
  return [location.pathname + ' ' + (heading ? heading.innerText.trim() : ''), words.length];
}"""


@dataclass
class Reader:
    """Taps a phone the way a person does and counts what they had to read."""

    page: Any
    taps: int = 0
    promise: str = ""
    screens: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def look(self) -> None:
        for _ in range(50):  # a tap may still be loading the next page
            try:
                self.page.wait_for_load_state("networkidle")
                # A tap's new page may be mid-way: measured once its scripts have run.
                self.page.wait_for_function("document.readyState === 'complete'")
                self.page.wait_for_timeout(200)  # an htmx swap settles
                key, words = self.page.evaluate(SCREEN_JS)
                break
            except PlaywrightError:
                self.page.wait_for_timeout(100)
        self.screens[key] = max(self.screens.get(key, 0), words)

    def tap(self, locator: Any, what: str, *, last: bool = False) -> None:
        """Tap, and read what it shows (not after the last tap: that shows the goal)."""
        self.look()
        locator.tap()
        self.taps += 1
        self.log.append(what)
        if not last:
            self.look()

    @property
    def words(self) -> int:
        return sum(self.screens.values())

    @property
    def reading_seconds(self) -> float:
        return self.words / WORDS_PER_MINUTE * 60


@pytest.fixture
def touch_phone(browser: Any) -> Iterator[Any]:
    context = new_context(browser, viewport=MOBILE, has_touch=True, is_mobile=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    close_context(context)


def first_run(page: Any, base: str) -> Reader:
    """Open the app and go, with no warning sign, to the first step of a session."""
    reader = Reader(page)
    page.goto(f"{base}/")
    reader.promise = page.get_by_test_id("first-run-time").inner_text()
    reader.tap(page.get_by_role("link", name=re.compile("^Start")).first, "Start")
    page.wait_for_url("**/check/")
    # Every question is on the screen; the defaults are "no". Go on until the check is done.
    while page.locator("form.wizard-form").count():
        button = page.locator("form.wizard-form button[value=next]")
        reader.tap(button, button.inner_text())
        page.wait_for_load_state()
    continue_link = page.get_by_test_id("continue")
    if continue_link.count():
        reader.tap(continue_link, "Continue")
    page.wait_for_url("**/setup/")
    reader.tap(page.locator('[data-region="between_shoulder_blades_left"]').first, "an area on the body map")
    reader.tap(page.locator('label[for="pain-between_shoulder_blades_left-6"]'), "its pain: 6")
    reader.tap(page.get_by_role("button", name="Make my plan"), "Make my plan")
    # A first plan does not stop at Today: it opens the player's "before you start".
    page.wait_for_url("**/session/*/")
    page.wait_for_selector('#player[data-ready="true"]')
    reader.tap(page.get_by_test_id("begin"), "Begin", last=True)
    expect(page.get_by_test_id("floor")).to_be_visible()
    return reader


def test_a_first_run_with_no_warning_sign_reaches_the_first_step_in_6_taps_and_2_minutes(
    touch_phone: Any, live_server: Any
) -> None:
    reader = first_run(touch_phone, live_server.url)
    report = f"{reader.taps} taps ({', '.join(reader.log)}), {reader.words} words {reader.screens}"
    print(f"\nfirst run: {report}, {reader.reading_seconds:.0f} s of reading")
    assert reader.taps <= MAX_TAPS, report
    assert reader.reading_seconds <= MAX_READING_SECONDS, report
    # The welcome page promises what was measured, in whole minutes.
    minutes = max(1, round(reader.reading_seconds / 60))
    assert f"About {minutes} minutes" in reader.promise, reader.promise


def test_a_returning_person_starts_todays_plan_in_1_tap(touch_phone: Any, live_server: Any) -> None:
    first_run(touch_phone, live_server.url)
    person = services.local_owner()
    services.close_session(services.sessions(person)[0], "completed")
    # From the welcome page, and from Today (where the installed app opens).
    for path, button in (("/", "start-today"), ("/today/", "start")):
        reader = Reader(touch_phone)
        touch_phone.goto(f"{live_server.url}{path}")
        reader.tap(touch_phone.get_by_test_id(button), "Start today's session", last=True)
        touch_phone.wait_for_url("**/session/*/")
        touch_phone.wait_for_selector('#player[data-ready="true"]')
        print(f"\nreturning to {path}: {reader.taps} tap, {reader.words} words {reader.screens}")
        assert reader.taps <= MAX_RETURNING_TAPS
        new_session = services.sessions(person)[0]
        assert new_session.status == "running" and touch_phone.url.endswith(f"/session/{new_session.id}/")
        services.close_session(new_session, "completed")
    assert len(services.sessions(person)) == 3


def test_the_one_page_check_opens_explanations_and_follow_ups_and_passes_axe(
    touch_phone: Any, live_server: Any
) -> None:
    page = touch_phone
    page.goto(f"{live_server.url}/check/")
    check_accessibility(page)
    screenshot(page, "check-phone")
    # A region question is a yes/no row; yes opens the areas, no closes them again.
    areas = page.locator("#q-acute_injury_regions-areas")
    expect(areas).to_be_hidden()
    page.get_by_role("checkbox", name="An area hurt in the last 3 days, or swollen or hot").tap()
    expect(areas).to_be_visible()
    areas.get_by_label("Side of the back under the armpit (left)").tap()
    # The full question and why it is asked, one tap away.
    page.get_by_role("group", name="Signs that need help right now").locator("summary").first.tap()
    expect(page.get_by_text("This can be a sign of a heart attack")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("checkbox", name="Chest pain, pressure or tightness").tap()
    expect(page.get_by_test_id("emergency-now")).to_be_visible()
    page.get_by_role("checkbox", name="Chest pain, pressure or tightness").scroll_into_view_if_needed()
    screenshot(page, "check-emergency-phone", full_page=False)
    page.get_by_test_id("see-result").tap()
    expect(page.get_by_test_id("emergency")).to_be_visible()
    screenshot(page, "check-emergency-result-phone", full_page=False)


def test_the_map_chooses_and_the_list_shows_only_the_chosen_areas_until_opened(
    touch_phone: Any, live_server: Any
) -> None:
    page = touch_phone
    services.record_screening(services.local_owner(), {})
    page.goto(f"{live_server.url}/setup/")
    toggle = page.get_by_role("button", name="Choose from a list instead")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Shoulder blade (left)", exact=True)).to_be_hidden()
    page.locator('[data-region="between_shoulder_blades_left"]').first.tap()
    # The chosen area shows, with its 0-10 question, and nothing else of the list.
    chosen = page.get_by_label("Between the shoulder blades (left)", exact=True)
    expect(chosen).to_be_visible()
    expect(chosen).to_be_checked()
    expect(page.locator("#pain-between_shoulder_blades_left")).to_be_visible()
    assert page.locator("#area-lists .area-check:visible").count() == 1
    screenshot(page, "setup-phone")
    check_accessibility(page)
    # The button opens the whole list and moves the focus to its first area.
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    every = page.locator("#area-lists .area-check").count()
    assert every >= 15 and page.locator("#area-lists .area-check:visible").count() == every
    assert page.evaluate("document.activeElement.id") == "region-neck_base"
    check_accessibility(page)


def test_the_keyboard_reaches_the_list_through_the_button_before_the_map(
    touch_phone: Any, live_server: Any
) -> None:
    page = touch_phone
    services.record_screening(services.local_owner(), {})
    page.goto(f"{live_server.url}/setup/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.areaToggle !== undefined"):
            break
    else:
        raise AssertionError("the list's button is not reached by the keyboard")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")  # the focus is on the first area: tick it
    assert page.is_checked("#region-neck_base")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # closed again: the ticked area stays in view
    expect(page.get_by_label("Base of the neck", exact=True)).to_be_visible()
    expect(page.get_by_label("Shoulder blade (left)", exact=True)).to_be_hidden()
