"""Brute-force lockout (django-axes), allauth's rate limits, and the second factor
(TOTP; required for therapists when THERAPIST_MFA is on)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.test import Client

from backease.accounts.models import User
from tests.clinic.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def _sign_in(browser: Client, email: str, password: str = PASSWORD) -> int:
    return browser.post("/accounts/login/", {"login": email, "password": password}).status_code


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client_a: User) -> None:
    browser = Client()
    statuses = [_sign_in(browser, "a@example.org", "not the password") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks at once
    response = browser.post("/accounts/login/", {"login": "a@example.org", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page and "Try again after" in page and "30 minutes" in page
    assert 'class="site-header"' in page
    assert "_auth_user_id" not in browser.session
    assert browser.get("/today/").status_code == 302


def test_the_lockout_counts_the_address_in_any_case_and_spares_other_addresses(
    client_a: User, client_b: User
) -> None:
    browser = Client()
    for email in ("a@example.org", "A@example.org", "a@EXAMPLE.org", "a@example.org", "A@Example.org"):
        _sign_in(browser, email, "not the password")
    assert _sign_in(browser, "a@example.org") == 429
    assert _sign_in(Client(), "b@example.org") == 302


def test_four_wrong_passwords_then_the_right_one_signs_in(client_a: User) -> None:
    browser = Client()
    for _ in range(4):
        _sign_in(browser, "a@example.org", "not the password")
    assert _sign_in(browser, "a@example.org") == 302


def test_password_reset_emails_are_rate_limited_per_address(client_a: User) -> None:
    browser = Client()
    statuses = [
        browser.post("/accounts/password/reset/", {"email": "a@example.org"}).status_code for _ in range(4)
    ]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3] in (200, 429)  # refused: the form again, or allauth's "too many requests"
    assert len(mail.outbox) == 3


def test_a_strangers_reset_requests_do_not_use_up_the_owners_reset_emails(client_a: User) -> None:
    """After 4 requests by a stranger the owner's own request got 429 and no email."""
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [
        stranger.post("/accounts/password/reset/", {"email": "a@example.org"}).status_code for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert owner.post("/accounts/password/reset/", {"email": "A@example.org"}).status_code == 302
    assert len(mail.outbox) == 4 and mail.outbox[-1].to == ["a@example.org"]


def test_one_requester_is_limited_across_addresses_too(client_a: User) -> None:
    stranger = Client(REMOTE_ADDR="203.0.113.67")
    statuses = [
        stranger.post("/accounts/password/reset/", {"email": f"n{i}@example.org"}).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [302] * 20 and statuses[20] == 429


def test_sign_up_is_rate_limited_per_address(settings: object) -> None:
    settings.OPEN_SIGNUP = True  # type: ignore[attr-defined]
    browser = Client()
    statuses = [
        browser.post(
            "/accounts/signup/",
            {"email": f"new{i}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
    assert User.objects.count() == 20


# --- second factor ----------------------------------------------------------------------


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_a_therapist_without_a_second_factor_is_sent_to_set_one_up(settings: object, therapist: User) -> None:
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    browser = signed_in(therapist)
    for path in ("/today/", "/me/account/", "/clinic/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/"
    page = browser.get("/accounts/2fa/").content.decode()
    assert "asks therapists and admins to sign in with a second factor" in page
    assert browser.get("/api/profile").status_code == 403


def test_clients_are_not_asked_for_a_second_factor(settings: object, client_a: User) -> None:
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    assert signed_in(client_a).get("/me/account/").status_code == 200


def test_without_the_setting_a_therapist_may_go_without(therapist: User) -> None:
    assert signed_in(therapist).get("/me/account/").status_code == 200


def test_with_an_authenticator_app_sign_in_asks_for_the_code(settings: object, therapist: User) -> None:
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    secret = generate_totp_secret()
    TOTP.activate(therapist, secret)
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "t@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in browser.session
    page = browser.get("/accounts/2fa/authenticate/").content.decode()
    assert 'class="site-header"' in page and 'name="code"' in page
    assert browser.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    response = browser.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(therapist.pk)
    assert browser.get("/me/account/").status_code == 200  # the requirement is met


def test_a_security_key_also_counts_as_a_second_factor(settings: object, therapist: User) -> None:
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    Authenticator.objects.create(user=therapist, type=Authenticator.Type.WEBAUTHN, data={})
    assert signed_in(therapist).get("/me/account/").status_code == 200


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up_before_the_admin(
    settings: object, admin_user: User
) -> None:
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    browser = signed_in(admin_user)
    for path in ("/admin/", "/admin/clinic/flag/", "/admin/clinic/invitation/", "/me/account/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/", path
    Authenticator.objects.create(user=admin_user, type=Authenticator.Type.WEBAUTHN, data={})
    assert browser.get("/admin/clinic/flag/").status_code == 200


def test_a_token_made_before_the_second_factor_was_required_is_refused_until_one_is_set_up(
    settings: object, therapist: User, client_a: User
) -> None:
    from backease.accounts.tokens import create_token

    _, therapist_token = create_token(therapist, "script", ["read", "write"])
    _, client_token = create_token(client_a, "script", ["read"])
    settings.THERAPIST_MFA = True  # type: ignore[attr-defined]
    response = Client().get("/api/profile", HTTP_AUTHORIZATION=f"Bearer {therapist_token}")
    assert response.status_code == 403 and "second factor" in response.json()["detail"]
    response = Client().post(
        "/api/pain",
        {"pain": 3},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {therapist_token}",
    )
    assert response.status_code == 403
    assert Client().get("/api/profile", HTTP_AUTHORIZATION=f"Bearer {client_token}").status_code in (200, 404)
    TOTP.activate(therapist, generate_totp_secret())
    assert Client().get("/api/sessions", HTTP_AUTHORIZATION=f"Bearer {therapist_token}").status_code == 200


def _from(address: str, browser: Client | None = None) -> Client:
    browser = browser or Client()
    browser.defaults["REMOTE_ADDR"] = address
    return browser


def test_someone_behind_the_same_address_cannot_lock_the_owner_out_of_a_known_browser(
    client_a: User, client_b: User
) -> None:
    """An office NAT: the attacker's five wrong passwords locked the owner, at the same
    address, out for 30 minutes. A browser that signed in before is a device of its own."""
    nat = "203.0.113.80"
    owner = _from(nat)
    assert _sign_in(owner, "a@example.org") == 302
    owner.post("/accounts/logout/")
    attacker = _from(nat)
    assert [_sign_in(attacker, "a@example.org", "guess") for _ in range(5)][-1] == 429
    assert _sign_in(_from(nat), "a@example.org") == 429  # a browser the account never used: locked
    assert _sign_in(owner, "a@example.org") == 302  # the owner's own browser: not locked
    assert _sign_in(_from(nat), "b@example.org") == 302  # and other accounts never were


def test_a_known_browser_is_still_locked_by_its_own_wrong_passwords(client_a: User) -> None:
    owner = _from("198.51.100.81")
    assert _sign_in(owner, "a@example.org") == 302
    owner.post("/accounts/logout/")
    assert [_sign_in(owner, "a@example.org", "wrong") for _ in range(5)][-1] == 429
    assert _sign_in(owner, "a@example.org") == 429


def test_a_forged_device_cookie_counts_for_nothing(client_a: User) -> None:
    from backease.accounts.lockout import DEVICE_COOKIE

    nat = "203.0.113.82"
    attacker = _from(nat)
    for _ in range(5):
        _sign_in(attacker, "a@example.org", "guess")
    forger = _from(nat)
    forger.cookies[DEVICE_COOKIE] = "eyJlIjoiYUBleGFtcGxlLm9yZyIsIm4iOiJ4In0:forged:signature"
    assert _sign_in(forger, "a@example.org") == 429
