"""The subscribable calendar link on the settings page (docs/reminders.md), on a phone: made
with one button, shown whole, serving the calendar with its alarm, replaced and turned off;
the page passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from backease.store import services
from backease.store.zones import save_time_zone
from tests.browser.conftest import MOBILE, check_accessibility, close_context, new_context, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = new_context(browser, viewport=MOBILE, locale="en-GB", timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    close_context(context)


def test_a_calendar_link_is_made_subscribed_to_replaced_and_turned_off(phone: Any, live_server: Any) -> None:
    person = services.local_owner()
    save_time_zone(person, "America/New_York")
    services.save_schedule(person, ["mon", "wed", "fri"], "19:00", quiet="22:00-07:00")
    phone.goto(f"{live_server.url}/settings/#calendar")
    expect(phone.locator("#reminder-schedule")).to_contain_text("Quiet hours: 22:00-07:00.")
    phone.get_by_role("button", name="Make a calendar link").click()
    expect(phone.locator("#calendar-saved")).to_contain_text("a new link")
    link = phone.locator("#calendar-url")
    first = link.input_value()
    assert first.startswith(f"{live_server.url}/calendar/") and first.endswith(".ics")
    box = link.bounding_box()
    assert box is not None and box["width"] > MOBILE["width"] * 0.8  # the whole line, to copy
    check_accessibility(phone)
    screenshot(phone, "settings-calendar-link")

    feed = phone.request.get(first)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(alarm["action"]) for alarm in event.walk("VALARM")] == ["DISPLAY"]

    phone.get_by_role("button", name="Make a new link (the old one stops working)").click()
    second = phone.locator("#calendar-url").input_value()
    assert second != first
    assert phone.request.get(first).status == 404
    phone.get_by_role("button", name="Turn the link off").click()
    expect(phone.locator("#calendar-saved")).to_contain_text("The calendar link is off")
    expect(phone.get_by_role("button", name="Make a calendar link")).to_be_visible()
    assert phone.request.get(second).status == 404
