"""Reminders in the open web app (issue 18 item 4): with notifications allowed, a reminder
that falls due is shown as a notification, once, however many tabs are open; the settings
page's "Reminders on this device" asks the browser and says what it did, at phone and
desktop sizes.

The browser's notifications are watched by an init script that records each one shown,
through the service worker (`ServiceWorkerRegistration.showNotification`) or the page
(`new Notification`), before passing it on."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.reminders import webpush
from backease.reminders.models import PushSubscription, Reminder
from backease.store import services
from tests.browser.conftest import (
    DESKTOP,
    MOBILE,
    check_accessibility,
    close_context,
    new_context,
    screenshot,
)
from tests.browser.test_account_pages import _sign_in
from tests.test_webpush_api import browser_subscription, due_now
from tests.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

RECORD = """
(() => {
  window.__shown = [];
  const Registration = window.ServiceWorkerRegistration;
  if (Registration) {
    const original = Registration.prototype.showNotification;
    Registration.prototype.showNotification = function (title, options) {
      const { body, tag } = options || {};
      window.__shown.push({ title, body, tag, via: "worker" });
      return original.call(this, title, options).catch(() => undefined);
    };
  }
  const Original = window.Notification;
  if (Original) {
    const Recorded = function (title, options) {
      const { body, tag } = options || {};
      window.__shown.push({ title, body, tag, via: "page" });
      return new Original(title, options);
    };
    Recorded.prototype = Original.prototype;
    Object.defineProperty(Recorded, "permission", { get: () => Original.permission });
    Recorded.requestPermission = (...args) => Original.requestPermission(...args);
    window.Notification = Recorded;
  }
})();
"""


@pytest.fixture
def allowed(browser: Any, live_server: Any) -> Iterator[Any]:
    """A desktop browser context where backease may show notifications."""
    context = new_context(browser, viewport=DESKTOP, locale="en-GB")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(RECORD)
    yield context
    close_context(context)


def shown(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__shown"))


def settled(tabs: list[Any], expected: bool = True) -> list[dict[str, Any]]:
    """The notifications the tabs showed, once they have finished asking (when one is
    `expected`, at least one shown within 10 s; then nothing in flight for a while)."""
    waited = 0
    while expected and not sum(len(shown(tab)) for tab in tabs) and waited < 10_000:
        tabs[0].wait_for_timeout(100)
        waited += 100
    for tab in tabs:
        tab.wait_for_load_state("networkidle")
    tabs[0].wait_for_timeout(300)
    return [note for tab in tabs for note in shown(tab)]


def ask_now(page: Any) -> None:
    """What the page does every minute and when it comes to the front: ask the server."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_a_due_reminder_is_shown_once_across_two_open_tabs(allowed: Any, live_server: Any) -> None:
    person = services.local_owner()
    services.save_schedule(person, ["mon"], "18:00")
    tabs = [allowed.new_page(), allowed.new_page()]
    for tab in tabs:
        tab.set_default_timeout(10_000)
        with tab.expect_response("**/api/reminders/due"):
            tab.goto(f"{live_server.url}/privacy/")
    assert [shown(tab) for tab in tabs] == [[], []], "nothing is due yet"

    at = due_now(person)
    with tabs[0].expect_response("**/api/reminders/due"), tabs[1].expect_response("**/api/reminders/due"):
        for tab in tabs:
            ask_now(tab)
    every = settled(tabs)
    assert len(every) == 1, every
    assert every[0]["title"] == "backease"
    assert every[0]["body"].startswith("Time for your upper back session")
    assert every[0]["tag"] == f"reminder-{at:%Y-%m-%dT%H:%MZ}"
    assert Reminder.objects.get().state == "sent"

    # Asked again (the next minute), neither tab shows it a second time.
    for tab in tabs:
        with tab.expect_response("**/api/reminders/due"):
            ask_now(tab)
    assert len(settled(tabs)) == 1


def test_nothing_is_shown_when_no_reminder_is_due(allowed: Any, live_server: Any) -> None:
    services.save_schedule(services.local_owner(), ["mon"], "18:00")
    due_now(services.local_owner())
    services.save_schedule(services.local_owner(), ["mon"], "18:00", reminders=False)
    page = allowed.new_page()
    with page.expect_response("**/api/reminders/due") as answer:
        page.goto(f"{live_server.url}/privacy/")
    assert answer.value.json()["due"] is False
    assert settled([page], expected=False) == []


@pytest.mark.parametrize(("name", "size"), [("phone", MOBILE), ("desktop", DESKTOP)])
def test_the_settings_control_asks_the_browser_and_says_it_is_on(
    browser: Any, live_server: Any, name: str, size: dict[str, int]
) -> None:
    context = new_context(browser, viewport=size, locale="en-GB")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script("localStorage.setItem('backease-reminders-off', '1')")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/settings/")
        section = page.locator("#device-reminders")
        expect(section.get_by_role("heading", name="Reminders on this device")).to_be_visible()
        expect(section).to_contain_text("add backease to the Home Screen")
        expect(page.locator("#device-reminders-status")).to_have_text("Off on this device.")
        page.get_by_role("button", name="Turn on reminders on this device").click()
        expect(page.locator("#device-reminders-status")).to_contain_text("On.")
        expect(page.get_by_role("button", name="Turn off reminders on this device")).to_be_visible()
        section.scroll_into_view_if_needed()
        screenshot(page, f"settings-reminders-{name}", full_page=False)
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        page.get_by_role("button", name="Turn off reminders on this device").click()
        expect(page.locator("#device-reminders-status")).to_have_text("Off on this device.")
    finally:
        close_context(context)


FAKE_PUSH = """
(() => {
  // The browser's push service cannot be reached from here: this stands in for it, keeping
  // the key the page subscribes with and handing back a subscription the test made.
  window.__push = { key: null, subscription: null, unsubscribed: 0 };
  const made = %s;
  const subscription = {
    endpoint: made.endpoint,
    toJSON: () => made,
    unsubscribe: () => {
      window.__push.subscription = null;
      window.__push.unsubscribed += 1;
      return Promise.resolve(true);
    },
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(window.__push.subscription); };
  PushManager.prototype.subscribe = function (options) {
    window.__push.key = Array.from(new Uint8Array(options.applicationServerKey));
    window.__push.subscription = subscription;
    return Promise.resolve(subscription);
  };
})();
"""


def test_in_server_mode_turning_reminders_on_subscribes_this_browser_to_web_push(
    browser: Any, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MODE = "server"
    settings.DATA_DIR = tmp_path
    webpush._vapid.cache_clear()
    user = make_user("ana@example.org")
    made = browser_subscription("https://push.example.net/wpush/v2/ana-phone")
    made.pop("device")
    context = new_context(browser, viewport=MOBILE, locale="en-GB")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(FAKE_PUSH % json.dumps(made))
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, user, live_server)
        page.goto(f"{live_server.url}/settings/")
        expect(page.locator("#device-reminders")).to_contain_text("push service of your browser's maker")
        status = page.locator("#device-reminders-status")
        # Allowed already (the test's browser), but no push subscription yet.
        expect(status).to_contain_text("not yet with backease closed")

        page.get_by_role("button", name="Turn on reminders on this device").click()

        expect(status).to_have_text("On. Reminders arrive on this device even when backease is closed.")
        row = PushSubscription.objects.get()
        assert (row.person, row.endpoint, row.p256dh) == (
            person_for(user),
            made["endpoint"],
            made["keys"]["p256dh"],
        )
        assert row.device.startswith("Chrome on ")
        # It subscribed with this server's VAPID key, as the push service will check.
        key = bytes(page.evaluate("window.__push.key"))
        assert key == base64.urlsafe_b64decode(webpush.public_key() + "=")

        page.get_by_role("button", name="Turn off reminders on this device").click()

        expect(status).to_have_text("Off on this device.")
        assert not PushSubscription.objects.exists()
        assert page.evaluate("window.__push.unsubscribed") == 1
    finally:
        close_context(context)
        webpush._vapid.cache_clear()


def test_a_push_is_shown_by_the_service_worker(allowed: Any, live_server: Any) -> None:
    """What the push service hands the browser (decrypted: tests/test_webpush.py covers the
    encryption) reaches the service worker's `push` handler, delivered here through
    Chromium's DevTools protocol, and is shown as sent; a push without content still shows
    a reminder."""
    page = allowed.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/privacy/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    devtools = allowed.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"])
    )
    devtools.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    [registration] = [r for r in registrations if not r["isDeleted"]]
    payload = webpush.reminder_payload(datetime(2026, 12, 8, 18, 0, tzinfo=UTC), minutes=20)

    def push(data: str) -> None:
        devtools.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": f"{live_server.url}/", "registrationId": registration["registrationId"], "data": data},
        )

    def notifications() -> list[list[Any]]:
        return list(
            page.evaluate(
                "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                ".then((all) => all.map((n) => [n.title, n.body, n.tag, n.data && n.data.url]))"
            )
        )

    def shown_after_push(count: int) -> list[list[Any]]:
        for _ in range(100):
            found = notifications()
            if len(found) >= count:
                return found
            page.wait_for_timeout(100)
        return notifications()

    push(json.dumps(payload))
    assert shown_after_push(1) == [
        ["backease", "Time for your upper back session (20 min)", "reminder-2026-12-08T18:00Z", "/today/"]
    ]
    icons = page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => n.icon))"
    )
    assert "/icon-192" in icons[0] and icons[0].endswith(".png"), icons  # the app's own icon
    push("")
    assert [
        "backease",
        "Time for your upper back session",
        "backease-reminder",
        "/today/",
    ] in shown_after_push(2)


def test_notifications_blocked_in_the_browser_are_explained(browser: Any, live_server: Any) -> None:
    context = new_context(browser, viewport=MOBILE, locale="en-GB")
    context.add_init_script("Object.defineProperty(Notification, 'permission', { get: () => 'denied' })")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/settings/")
        expect(page.locator("#device-reminders-status")).to_contain_text(
            "Notifications are blocked for backease in this browser"
        )
        expect(page.get_by_role("button", name="Turn on reminders on this device")).to_be_hidden()
        expect(page.get_by_role("button", name="Turn off reminders on this device")).to_be_hidden()
    finally:
        close_context(context)
