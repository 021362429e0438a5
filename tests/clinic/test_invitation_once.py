"""One invitation, one account: an invitation opens one sign-up, is dead once withdrawn or
expired, and its code cannot be guessed at speed (20 wrong codes an hour per address and per
account). The races are real concurrent HTTP requests against the live server (SQLite, and
PostgreSQL with DATABASE_URL set)."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import invites
from backease.clinic.models import CareLink, Invitation
from tests.clinic.conftest import PASSWORD, make_user, signed_in

SIGNUP = {"password1": PASSWORD, "password2": PASSWORD}


def _sign_up(browser: Client, email: str) -> int:
    return browser.post("/accounts/signup/", {"email": email, **SIGNUP}).status_code


def _opened(code: str) -> Client:
    browser = Client()
    assert browser.get(f"/invite/{code}/").status_code == 200
    return browser


@pytest.mark.django_db
def test_a_second_browser_cannot_sign_up_with_an_invitation_already_used_to_sign_up(therapist: User) -> None:
    invitation = invites.create_invitation(therapist)
    first, second = _opened(invitation.code), _opened(invitation.code)
    assert _sign_up(first, "first@example.org") == 302
    response = second.post("/accounts/signup/", {"email": "second@example.org", **SIGNUP})
    assert response.status_code in (200, 410)
    assert not User.objects.filter(email="second@example.org").exists()
    assert "used already" in second.get(f"/invite/{invitation.code}/").content.decode()
    invitation.refresh_from_db()
    assert invitation.claimed_by == User.objects.get(email="first@example.org")


@pytest.mark.django_db
def test_an_invitation_withdrawn_after_it_was_opened_opens_no_sign_up(therapist: User) -> None:
    invitation = invites.create_invitation(therapist)
    browser = _opened(invitation.code)
    invites.withdraw(therapist, invitation.pk)
    assert "Ask your therapist" in browser.get("/accounts/signup/").content.decode()
    browser.post("/accounts/signup/", {"email": "late@example.org", **SIGNUP})
    assert not User.objects.filter(email="late@example.org").exists()


@pytest.mark.django_db
def test_an_invitation_that_expired_after_it_was_opened_opens_no_sign_up(therapist: User) -> None:
    invitation = invites.create_invitation(therapist)
    browser = _opened(invitation.code)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    browser.post("/accounts/signup/", {"email": "late@example.org", **SIGNUP})
    assert not User.objects.filter(email="late@example.org").exists()


@pytest.mark.django_db
def test_only_the_account_that_signed_up_with_it_may_accept_it(therapist: User, client_a: User) -> None:
    invitation = invites.create_invitation(therapist)
    assert _sign_up(_opened(invitation.code), "new@example.org") == 302
    other = signed_in(client_a)
    assert other.get(f"/invite/{invitation.code}/").status_code == 410
    response = other.post(f"/invite/{invitation.code}/", {"share": "full"})
    assert response.status_code == 410
    assert not CareLink.objects.exists()
    newcomer = User.objects.get(email="new@example.org")
    assert signed_in(newcomer).post(f"/invite/{invitation.code}/", {"share": "full"}).status_code == 302
    assert CareLink.objects.get().client == person_for(newcomer)


@pytest.mark.django_db
def test_the_therapist_sees_who_signed_up_and_may_still_withdraw_it(therapist: User) -> None:
    invitation = invites.create_invitation(therapist)
    _sign_up(_opened(invitation.code), "new@example.org")
    page = signed_in(therapist).get("/clinic/invitations/").content.decode()
    assert "Signed up, not accepted yet: new@example.org" in page
    invites.withdraw(therapist, invitation.pk)
    newcomer = User.objects.get(email="new@example.org")
    assert signed_in(newcomer).post(f"/invite/{invitation.code}/", {"share": "full"}).status_code == 410


# --- guessing codes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_twenty_wrong_codes_an_hour_then_even_a_right_one_is_refused(therapist: User) -> None:
    invitation = invites.create_invitation(therapist)
    guesser = Client()
    statuses = {guesser.get(f"/invite/ZZZZ{n:04d}/".replace("0", "Z")).status_code for n in range(20)}
    assert statuses == {404}
    response = guesser.get(f"/invite/{invitation.code}/")
    assert response.status_code == 429 and "Too many invitation codes" in response.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.get(f"/invite/{invitation.code}/").status_code == 200  # another address is not held


@pytest.mark.django_db
def test_the_sharing_page_counts_wrong_codes_per_account_too(therapist: User, client_a: User) -> None:
    invitation = invites.create_invitation(therapist)
    for n in range(20):
        address = f"198.51.100.{n + 1}"  # the account counts whatever address it comes from
        response = signed_in(client_a).post("/me/sharing/", {"code": "WRONGCODE"}, REMOTE_ADDR=address)
        assert response.status_code == 400
    response = signed_in(client_a).post("/me/sharing/", {"code": invitation.code}, REMOTE_ADDR="203.0.113.1")
    assert response.status_code == 429


# --- real concurrent requests -----------------------------------------------------------------


class Browser:
    """Cookies and the CSRF token against the live server, one per thread."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> int:
        payload = None
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            payload = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token or ""}).encode()
        try:
            with self.opener.open(self.base + path, data=payload, timeout=60) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def _at_once(actions: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.django_db(transaction=True)
def test_four_sign_ups_at_once_with_one_invitation_make_one_account(live_server: Any) -> None:
    cache.clear()
    therapist = make_user("race-t@example.org", role="therapist")
    invitation = invites.create_invitation(therapist)
    browsers = [Browser(live_server.url) for _ in range(4)]
    for browser in browsers:
        assert browser.request(f"/invite/{invitation.code}/") == 200
        assert browser.request("/accounts/signup/") == 200
    _at_once(
        [
            lambda b=browser, i=i: b.request(
                "/accounts/signup/", {"email": f"racer{i}@example.org", **SIGNUP}
            )
            for i, browser in enumerate(browsers)
        ]
    )
    made = User.objects.filter(email__startswith="racer")
    assert made.count() == 1, list(made.values_list("email", flat=True))
    invitation.refresh_from_db()
    assert invitation.claimed_by == made.get()


@pytest.mark.django_db(transaction=True)
def test_two_accounts_accepting_one_invitation_at_once_make_one_link(live_server: Any) -> None:
    cache.clear()
    therapist = make_user("race-t@example.org", role="therapist")
    invitation = invites.create_invitation(therapist)
    browsers = []
    for n in range(3):
        make_user(f"acceptor{n}@example.org")
        browser = Browser(live_server.url)
        browser.request("/accounts/login/")
        assert browser.request(
            "/accounts/login/", {"login": f"acceptor{n}@example.org", "password": PASSWORD}
        )
        assert browser.request(f"/invite/{invitation.code}/") == 200
        browsers.append(browser)
    statuses = _at_once(
        [
            lambda b=browser: b.request(f"/invite/{invitation.code}/", {"share": "full"})
            for browser in browsers
        ]
    )
    assert sorted(statuses) == [302, 400, 400], statuses
    assert CareLink.objects.count() == 1
