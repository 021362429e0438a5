"""The browser's time zone reaches backease (issue 18 item 1): the first page sends it, a
zone chosen in Settings is never overwritten, and the settings page works on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.store import services
from backease.store.models import Person
from backease.store.zones import save_time_zone
from tests.browser.conftest import MOBILE, check_accessibility, close_context, new_context, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def phone_in(browser: Any, zone: str) -> Iterator[Any]:
    context = new_context(browser, viewport=MOBILE, locale="en-GB", timezone_id=zone)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    close_context(context)


@pytest.fixture
def new_york_phone(browser: Any) -> Iterator[Any]:
    yield from phone_in(browser, "America/New_York")


def stored_zone(person: Person) -> str:
    person.refresh_from_db()
    return person.time_zone


def test_the_first_page_sends_the_browsers_zone(new_york_phone: Any, live_server: Any) -> None:
    person = services.local_owner()
    with new_york_phone.expect_response("**/settings/browser-zone/") as sent:
        new_york_phone.goto(f"{live_server.url}/privacy/")
    assert sent.value.ok
    assert stored_zone(person) == "America/New_York"
    new_york_phone.goto(f"{live_server.url}/settings/")
    expect(new_york_phone.locator("#zone-now")).to_contain_text("America/New_York")
    expect(new_york_phone.locator("#zone-device-name")).to_have_text("America/New_York")
    check_accessibility(new_york_phone)
    screenshot(new_york_phone, "settings-phone")


def test_a_chosen_zone_is_kept_and_can_be_changed_on_a_phone(new_york_phone: Any, live_server: Any) -> None:
    person = services.local_owner()
    save_time_zone(person, "Asia/Kolkata")
    with new_york_phone.expect_response("**/settings/browser-zone/") as sent:
        new_york_phone.goto(f"{live_server.url}/settings/")
    assert sent.value.json() == {"time_zone": "Asia/Kolkata", "changed": False}
    expect(new_york_phone.locator("#zone-now")).to_contain_text("Asia/Kolkata")
    # "Use this device's zone" fills in the phone's zone; saving it changes the person's.
    new_york_phone.get_by_role("button", name="Use this device's zone").click()
    expect(new_york_phone.locator("#zone-input")).to_have_value("America/New_York")
    new_york_phone.get_by_role("button", name="Save time zone").click()
    expect(new_york_phone.locator("#zone-saved")).to_be_visible()
    assert stored_zone(person) == "America/New_York"
    # A wrong name is refused on the form, and nothing changes.
    new_york_phone.locator("#zone-input").fill("Mars/Olympus_Mons")
    new_york_phone.get_by_role("button", name="Save time zone").click()
    expect(new_york_phone.locator("#zone-error")).to_contain_text("not a known time zone")
    assert stored_zone(person) == "America/New_York"
    width = new_york_phone.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], "nothing wider than the phone"
