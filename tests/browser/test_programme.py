"""The programme in the browser (issue 18 items 3 and 5): start one from the web, do a
session, check in, and see the week and session on Today and the timeline on the programme
page, at 390 px and 1280 px, keyboard and screen-reader friendly (axe), nothing wider than
the phone. Screenshots: BACKEASE_SCREENSHOTS=1 writes docs/screenshots/programme-*.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backease.store import programmes, services
from backease.store.models import CheckIn, Person, ProgrammeRun, Session
from backease.store.zones import local_time
from tests.browser.conftest import MOBILE, check_accessibility, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball", "wall"],
    "minutes": 10,
}


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    services.make_plan(person, seed=1)
    return person


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_start_a_programme_do_a_session_check_in_and_see_it_on_today(
    page: Any, phone: Any, live_server: Any, owner: Person
) -> None:
    base = live_server.url
    page.goto(f"{base}/today/")
    page.get_by_role("link", name="Follow a programme over weeks").click()
    expect(page.locator("#start-zone")).to_contain_text("In your time zone")
    page.get_by_label("Time", exact=True).fill("19:00")
    page.get_by_role("button", name="Start the programme").click()
    expect(page.locator("#programme-done")).to_contain_text("Started")
    expect(page.locator("#programme-headline")).to_have_text("Week 1 of 6 · session 1 of 3 this week")
    assert ProgrammeRun.objects.get().status == "active"

    # Today: the week and session, and this week's check-in (the starting point) is due.
    page.get_by_role("link", name="Today's session").click()
    expect(page.locator("#programme-headline")).to_have_text("Week 1 of 6 · session 1 of 3 this week")
    expect(page.locator("#checkin-prompt")).to_be_visible()

    # A whole session on the page clock.
    page.clock.install()
    page.get_by_test_id("start").click()
    page.wait_for_url("**/session/*/")
    page.wait_for_selector('#player[data-ready="true"]')
    page.get_by_test_id("begin").click()
    session = Session.objects.get()
    for _ in range(40):
        page.clock.run_for(10 * 60 * 1000)
        if page.locator("#after-screen").is_visible():
            break
    page.locator('input[name="pain_after"][value="3"]').check()
    page.get_by_test_id("finish").click()
    page.wait_for_url("**/done/**")
    session.refresh_from_db()
    assert session.status == "completed"

    page.goto(f"{base}/today/")
    expect(page.locator("#programme-headline")).to_have_text("Week 1 of 6 · session 2 of 3 this week")
    screenshot(page, "programme-today")

    # The check-in, reached from Today: a bad one says what is wrong and stores nothing.
    page.get_by_role("link", name="Check in for this week").click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#diary-error")).to_contain_text("Pain:")
    assert not CheckIn.objects.exists()
    check_accessibility(page)
    # By keyboard: the 0-10 answers are radio buttons (arrow keys move along them).
    page.locator("#pain-0").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#pain-5")).to_be_checked()
    page.get_by_label("One activity your back makes hard").fill("sitting at my desk for an hour")
    page.locator('label[for="score-4"]').click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#programme-done")).to_contain_text("Check-in saved")
    row = CheckIn.objects.get()
    assert (row.week, row.pain, row.activity_score) == (1, 5, 4)
    assert row.activity == "sitting at my desk for an hour"

    # The programme page: week 1 is this week, with today's session done.
    week = page.locator("#week-1")
    expect(week).to_have_attribute("aria-current", "step")
    expect(week.locator(".prog-day-done")).to_have_count(1)
    expect(page.locator("#pain-trend")).to_be_visible()
    check_accessibility(page)
    fits(page)

    page.goto(f"{base}/today/")
    expect(page.locator("#checkin-prompt")).to_have_count(0)

    # The same at 390 px: the check-in form and Today.
    phone.goto(f"{base}/programme/check-in/")
    expect(phone.locator('input[name="activity"]')).to_have_value("sitting at my desk for an hour")
    check_accessibility(phone)
    fits(phone)
    screenshot(phone, "programme-checkin-phone")
    phone.goto(f"{base}/today/")
    expect(phone.locator("#programme-headline")).to_have_text("Week 1 of 6 · session 2 of 3 this week")
    fits(phone)


def test_three_weeks_in_the_timeline_reads_well_at_390_and_1280_px(
    page: Any, phone: Any, live_server: Any, owner: Person
) -> None:
    """A programme started 16 days ago: week 1 all done, week 2 one missed, week 3 now."""
    now = timezone.now()
    start = now - timedelta(days=16)
    programmes.start_programme(owner, weeks=6, days=["mon", "wed", "fri"], time="18:00", now=start)
    view = programmes.programme_view(owner, start)
    assert view is not None
    plan = services.latest_plan(owner)
    assert plan is not None
    zone = local_time(owner).zone
    days = [*view.timeline[0].planned, *view.timeline[1].planned[:2]]
    for day in days:
        row = services.start_session(owner, plan, now=datetime.combine(day, time(12), tzinfo=zone))
        services.log_step(row, 0, seconds_done=60)
        services.log_step(row, 1, seconds_done=60)
        services.close_session(row, "completed", pain_before=5, pain_after=4)
    programmes.record_checkin(owner, pain=6, activity="carrying shopping", activity_score=3, now=start)
    programmes.record_checkin(
        owner, pain=5, activity="", activity_score=5, pgic=3, now=start + timedelta(days=8)
    )

    for viewer, name in ((page, "programme"), (phone, "programme-phone")):
        viewer.goto(f"{live_server.url}/programme/")
        expect(viewer.locator("#programme-headline")).to_contain_text("Week 3 of 6")
        expect(viewer.locator("#week-1")).to_contain_text("3 of 3 done")
        expect(viewer.locator("#week-2")).to_contain_text("Stepped up")
        expect(viewer.locator('[aria-current="step"]')).to_have_id("week-3")
        check_accessibility(viewer)
        fits(viewer)
        screenshot(viewer, name)
    assert phone.viewport_size == MOBILE
    # Dark mode: the same contrast rules (axe), the timeline in view.
    phone.emulate_media(color_scheme="dark")
    phone.locator("#timeline").scroll_into_view_if_needed()
    check_accessibility(phone)
    screenshot(phone, "programme-phone-dark", full_page=False)
