"""The account pages of server mode in Chromium at 390 px and 1280 px: sign in, the
invitation-only sign-up page, password reset, the lockout page, and a signed-in person's
account, tokens, access log, two-factor, email, password and delete pages. Nothing wider
than the screen, no serious axe-core finding, and signing in works with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from backease.accounts.access_log import log_access
from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.accounts.tokens import create_token
from tests.browser.conftest import check_accessibility, screenshot
from tests.clinic.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN = [
    "/me/account/",
    "/me/tokens/",
    "/me/access-log/",
    "/accounts/2fa/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/me/account/delete/",
]


@pytest.fixture
def people(settings: Any) -> Iterator[dict[str, User]]:
    settings.MODE = "server"
    from django.core.cache import cache

    cache.clear()
    client = make_user("ana@example.org", display_name="Ana Lindqvist-Okafor")
    therapist = make_user("sam@example.org", role="therapist", display_name="Sam Rivera")
    create_token(client, "phone shortcut", ["read", "write"])
    for what in ("insights", "clinician report", "diary"):
        log_access(therapist, person_for(client), "view", what)
    yield {"client": client, "therapist": therapist}


def _sign_in(page: Any, user: User, live_server: Any) -> None:
    browser = Client()
    browser.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def _fits(page: Any) -> None:
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')].filter(e => !e.closest('.table-wrap')"
        " && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url
    assert wide == [], f"{page.url}: wider than the screen: {wide}"


@pytest.mark.parametrize("size", ["phone", "page"])
def test_the_account_pages_fit_and_read_well(
    size: str, request: pytest.FixtureRequest, people: dict[str, User], live_server: Any
) -> None:
    page = request.getfixturevalue(size)
    for path in SIGNED_OUT:
        page.goto(live_server.url + path)
        assert page.locator(".site-header").is_visible()
        _fits(page)
        check_accessibility(page)
    _sign_in(page, people["client"], live_server)
    for path in SIGNED_IN:
        page.goto(live_server.url + path)
        assert page.get_by_role("navigation", name="Account", exact=True).is_visible()
        _fits(page)
        check_accessibility(page)
        name = path.strip("/").replace("/", "-")
        screenshot(page, f"account-{name}-{'phone' if size == 'phone' else 'desktop'}")


def test_signing_in_and_out_with_the_keyboard_alone(
    phone: Any, people: dict[str, User], live_server: Any
) -> None:
    phone.goto(live_server.url + "/accounts/login/")
    phone.locator("input[name=login]").focus()
    phone.keyboard.type("ana@example.org")
    phone.keyboard.press("Tab")
    phone.keyboard.type(PASSWORD)
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.get_by_test_id("signed-in-as").inner_text() == "Ana Lindqvist-Okafor"
    _fits(phone)
    check_accessibility(phone)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Sign out").click()
    assert phone.url.startswith(live_server.url + "/accounts/login/")


def test_the_lockout_page_fits_a_phone(phone: Any, people: dict[str, User], live_server: Any) -> None:
    for _ in range(5):
        phone.goto(live_server.url + "/accounts/login/")
        phone.fill("input[name=login]", "ana@example.org")
        phone.fill("input[name=password]", "not the password at all")
        with phone.expect_navigation():
            phone.get_by_role("button", name="Sign in").click()
    assert phone.get_by_test_id("locked-out").is_visible()
    assert "Try again after" in phone.get_by_test_id("locked-out").inner_text()
    _fits(phone)
    check_accessibility(phone)
    screenshot(phone, "account-locked-out-phone")
