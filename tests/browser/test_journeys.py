"""A new user in a real browser: screen -> body map -> plan -> guided session -> history."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.content.loader import load_content
from backease.store.models import Plan, Session, StepLog
from tests.browser.conftest import check_accessibility, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

MAIN_PAGES = ["/", "/check/", "/library/", "/anatomy/", "/massage-types/", "/tips/", "/privacy/", "/history/"]


def eventually(condition: Any, seconds: float = 10, message: Any = lambda: "") -> None:
    """Wait for background requests to land (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time: {message()}")
        time.sleep(0.1)


def answer_no_to_every_sign(page: Any, base: str) -> None:
    """Send the one-page safety check with no signs at all: it goes on to the setup page."""
    page.goto(f"{base}/check/")
    page.get_by_role("button", name="See the result").click()
    page.wait_for_url("**/setup/")


def set_minutes(page: Any, minutes: int) -> None:
    """The time is with the other choices, one tap away under the body map."""
    if not page.locator("#minutes").is_visible():
        page.get_by_test_id("more-choices").locator("summary").click()
    page.locator("#minutes").fill(str(minutes))


def make_plan(page: Any, minutes: int = 5) -> None:
    """On the setup page: mark the left side between the shoulder blades, 6/10, and plan.
    A first plan opens its player at "before you start" (tests/browser/test_first_run.py);
    these tests go on from Today, where its session carries on."""
    page.locator('[data-region="between_shoulder_blades_left"]').first.click()
    page.locator("#pain-between_shoulder_blades_left-6").check()
    set_minutes(page, minutes)
    page.get_by_role("button", name="Make my plan").click()
    page.wait_for_url("**/session/*/")
    page.goto(page.url.split("/session/")[0] + "/today/")


def test_an_emergency_answer_shows_the_emergency_message_and_no_plan(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/check/")
    page.get_by_role("checkbox", name="Chest pain, pressure or tightness").check()
    # The emergency message shows at once, before the page is sent, above the questions.
    notice = page.get_by_test_id("emergency-now")
    expect(notice).to_be_visible()
    assert (
        notice.bounding_box()["y"]
        < page.get_by_role("checkbox", name="Chest pain, pressure or tightness").bounding_box()["y"]
    )
    page.get_by_role("checkbox", name="Blood thinners or a bleeding disorder").check()
    page.get_by_role("button", name="See the result").click()
    # The server's answer: no way on, the emergency message first.
    expect(page.get_by_role("button", name="See the result")).to_have_count(0)
    alert = page.get_by_role("alert").first
    assert "emergency" in alert.inner_text().lower()
    check_accessibility(page)
    screenshot(page, "emergency")
    assert Plan.objects.count() == 0
    page.goto(f"{live_server.url}/setup/")
    assert page.locator("form.setup-form").count() == 0


def test_a_new_user_goes_from_screen_to_plan_to_a_full_session_to_history(
    page: Any, live_server: Any
) -> None:
    base = live_server.url
    answer_no_to_every_sign(page, base)
    page.wait_for_url("**/setup/")
    screenshot(page, "setup")
    make_plan(page, minutes=5)
    steps = page.locator(".step-card, [data-step]")
    assert steps.count() > 0
    screenshot(page, "today")
    plan = Plan.objects.get()
    assert plan.total_seconds == 300

    page.clock.install()
    page.get_by_test_id("start").click()
    page.wait_for_url("**/session/*/")
    page.wait_for_selector('#player[data-ready="true"]')
    page.locator('label[for$="pain_before-6"], input[name="pain_before"][value="6"]').first.check()
    page.locator('input[name="stress_before"][value="4"]').check()
    screenshot(page, "session-before")
    page.get_by_test_id("begin").click()
    first_name = page.get_by_test_id("step-name").inner_text()
    assert first_name == plan.data["steps"][0]["name"]
    screenshot(page, "session-step")

    # "Too much" lowers this step and the later ones; the log keeps it.
    page.get_by_test_id("too-much").click()
    # Run the clock through every step (each tick finishes at most one step).
    for _ in range(len(plan.data["steps"]) + 2):
        page.clock.run_for(plan.total_seconds * 1000)
        if page.locator("#after-screen").is_visible():
            break
    assert page.locator("#after-screen").is_visible()
    page.locator('input[name="pain_after"][value="3"]').check()
    page.locator('input[name="stress_after"][value="2"]').check()
    page.get_by_test_id("finish").click()
    page.wait_for_url("**/done/**")
    screenshot(page, "session-done")

    session = Session.objects.get()
    assert session.status == "completed"
    assert (session.pain_before, session.pain_after) == (6, 3)
    logs = StepLog.objects.filter(session=session)
    assert logs.filter(feedback="too_much").count() == 1
    assert sum(log.seconds_done for log in logs) >= sum(log.seconds_planned for log in logs) - 10

    page.goto(f"{base}/history/")
    assert "6" in page.locator(".session-item").first.inner_text()
    screenshot(page, "history")


def test_sharp_pain_ends_the_session_and_shows_what_to_do(page: Any, live_server: Any) -> None:
    base = live_server.url
    answer_no_to_every_sign(page, base)
    make_plan(page, minutes=8)
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    page.get_by_test_id("begin").click()
    page.get_by_test_id("sharp-pain").click()
    page.locator("#sharp-confirm").click()
    page.wait_for_url("**/done/**")
    text = page.locator("main").inner_text().lower()
    assert "sharp" in text and "stop" in text
    check_accessibility(page)
    session = Session.objects.get()
    assert session.status == "stopped" and session.stop_reason == "sharp pain"
    assert StepLog.objects.filter(session=session, feedback="sharp_pain").count() == 1


def test_the_player_saves_as_it_goes_and_resumes_after_the_tab_is_closed(page: Any, live_server: Any) -> None:
    base = live_server.url
    answer_no_to_every_sign(page, base)
    make_plan(page, minutes=10)
    page.clock.install()
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    url = page.url
    page.get_by_test_id("begin").click()
    first, second = Plan.objects.get().data["steps"][:2]
    # The get-ready of the first step, the step, the second's get-ready, then some of it.
    page.clock.run_for((first["prepare_seconds"] + first["seconds"] + second["prepare_seconds"] + 10) * 1000)
    page.goto(f"{base}/privacy/")  # leave mid-session
    session = Session.objects.get()

    logs: dict[int, int] = {}

    def saved() -> bool:
        logs.update(
            {log.index: log.seconds_done for log in StepLog.objects.filter(session=session, index__lt=2)}
        )
        return logs[0] == first["seconds"] and logs[1] > 0

    # The last saves travel as keep-alive requests while the page unloads.
    eventually(saved, message=lambda: f"saved {logs}, first step {first['seconds']} s")
    page.goto(url)
    page.wait_for_selector('#player[data-ready="true"]')
    assert page.locator("#resume-note").is_visible()


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_every_main_page_passes_axe_at_phone_width(phone: Any, live_server: Any, path: str) -> None:
    phone.goto(f"{live_server.url}{path}")
    check_accessibility(phone)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "sideways scrolling"
    )


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_every_main_page_passes_axe_at_desktop_width(page: Any, live_server: Any, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    check_accessibility(page)
    name = path.strip("/") or "welcome"
    screenshot(page, f"{name}-desktop")


def test_the_plan_and_session_pages_pass_axe_on_a_phone(phone: Any, live_server: Any) -> None:
    answer_no_to_every_sign(phone, live_server.url)
    check_accessibility(phone)
    make_plan(phone, minutes=12)
    check_accessibility(phone)
    screenshot(phone, "today-phone")
    phone.get_by_test_id("start").click()
    phone.wait_for_selector('#player[data-ready="true"]')
    check_accessibility(phone)
    phone.get_by_test_id("begin").click()
    check_accessibility(phone)
    screenshot(phone, "session-phone")


def test_onboarding_works_with_the_keyboard_alone(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/check/")

    def press_until_focused(name: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            label = page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.innerText || e.value || e.getAttribute('aria-label') || e.id || '').trim(); }"
            )
            if label.startswith(name):
                return
        raise AssertionError(f"could not reach {name!r} with Tab")

    # Every question is reached by Tab, in order, before the button that sends them.
    order: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.name || document.activeElement.id || ''")
        order.append(focused)
        if page.evaluate("() => document.activeElement.dataset.testid") == "see-result":
            break
    asked = [q.id for q in load_content().rules.questions if q.type == "bool"]
    reached = [name for name in order if name in asked]
    assert reached == asked, "every yes/no question, most serious first, by Tab"
    page.keyboard.press("Enter")
    page.wait_for_url("**/setup/")
    # The list of every area opens from the button before the map (the map is for pointers).
    press_until_focused("Choose from a list instead")
    page.keyboard.press("Enter")
    # Select an area with the keyboard: focus its checkbox and press Space.
    page.focus("#region-upper_trapezius_right")
    page.keyboard.press("Space")
    assert page.is_checked("#region-upper_trapezius_right")
    page.focus("#pain-upper_trapezius_right-0")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.is_checked("#pain-upper_trapezius_right-3")
    press_until_focused("Make my plan", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url("**/session/*/")
    plan = Plan.objects.get()
    assert {"region": "upper_trapezius_right", "pain": 3, "knot": False} in plan.profile["areas"]


def test_each_step_starts_with_a_short_get_ready_countdown(page: Any, live_server: Any) -> None:
    answer_no_to_every_sign(page, live_server.url)
    make_plan(page, minutes=6)
    page.clock.install()
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    page.get_by_test_id("begin").click()
    ready = page.get_by_test_id("get-ready")
    assert ready.is_visible()
    # As long as its set-up and stop line take to say (core.script), counted down.
    first = Plan.objects.get().data["steps"][0]
    assert page.get_by_test_id("time-left").inner_text() == f"0:{first['prepare_seconds']:02d}"
    page.clock.run_for((first["prepare_seconds"] + 1) * 1000)
    assert not ready.is_visible()
    remaining = page.get_by_test_id("time-left").inner_text()
    minutes, seconds = (int(part) for part in remaining.split(":"))
    assert first["seconds"] - 2 <= minutes * 60 + seconds < first["seconds"]
