"""Signing in, signing up by invitation, verifying the address, resetting and changing the
password, changing the email address and signing out: allauth's pages in the product's look."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from backease.accounts.models import User
from backease.clinic.adapter import INVITATION_SESSION_KEY
from tests.clinic.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long password 77"


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/\S+)", str(message.body))
    assert found, message.body
    return found.group(1)


def _with_invitation() -> Client:
    """A visitor who opened a therapist's (still open) invitation: the code is in the session."""
    from backease.clinic import invites

    therapist = User.objects.create_user("inviter@example.org", PASSWORD, role="therapist")
    browser = Client()
    session = browser.session
    session[INVITATION_SESSION_KEY] = invites.create_invitation(therapist).code
    session.save()
    return browser


def test_the_sign_in_page_looks_like_the_product() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert 'class="site-header"' in page
    assert "accounts/accounts.css" in page
    assert "front/app.css" in page
    assert 'name="login"' in page and 'name="password"' in page
    assert 'aria-label="Main"' not in page  # no menu of pages a visitor cannot open yet
    assert "Forgot your password?" in page
    assert "nothing leaves this device" not in page


def test_it_signs_a_client_in_and_shows_who_is_signed_in(client_a: User) -> None:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "a@example.org", "password": PASSWORD})
    assert response.status_code == 302
    page = browser.get("/today/").content.decode()
    assert 'data-testid="signed-in-as">a@example.org<' in page
    assert 'href="/me/sharing/"' in page and 'href="/me/notices/"' in page
    assert 'href="/me/account/"' in page
    assert 'href="/clinic/"' not in page


def test_a_therapist_lands_on_the_clinic_and_gets_its_link(therapist: User) -> None:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "T@example.org", "password": PASSWORD})
    assert response["Location"] == "/clinic/"
    page = browser.get("/today/").content.decode()
    assert 'href="/clinic/"' in page and "Sam Rivera" in page
    assert 'href="/me/sharing/"' not in page


def test_a_wrong_password_shows_the_form_again_with_a_message(client_a: User) -> None:
    response = Client().post("/accounts/login/", {"login": "a@example.org", "password": "wrong password"})
    assert response.status_code == 200
    assert 'class="error" role="alert"' in response.content.decode()


def test_sign_out_is_a_post_form_in_the_menu(client_a: User) -> None:
    browser = signed_in(client_a)
    page = browser.get("/today/").content.decode()
    assert re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken"',
        page,
    )
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/today/").status_code == 302


def test_a_visitor_without_an_invitation_is_told_to_ask_their_therapist() -> None:
    response = Client().get("/accounts/signup/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ask your therapist for an invitation" in page
    assert 'class="site-header"' in page
    response = Client().post(
        "/accounts/signup/", {"email": "x@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(email="x@example.org").exists()


def test_sign_up_with_an_invitation_needs_the_address_verified(settings: object) -> None:
    browser = _with_invitation()
    page = browser.get("/accounts/signup/").content.decode()
    assert "Create your account" in page and 'name="password1"' in page
    response = browser.post(
        "/accounts/signup/", {"email": "New@Example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.role == "client"
    assert user.password.startswith("argon2")
    assert len(mail.outbox) == 1
    # Mandatory verification: signing in before confirming sends the link again, no session.
    other = Client()
    response = other.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert other.get("/today/").status_code == 302
    confirm = _link(mail.outbox[-1])
    page = other.get(confirm).content.decode()
    assert "Confirm" in page and 'class="site-header"' in page
    assert other.post(confirm).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    other.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert other.get("/today/").status_code in (200, 302)
    assert "_auth_user_id" in other.session


def test_open_sign_up_lets_anyone_in(settings: object) -> None:
    settings.OPEN_SIGNUP = True  # type: ignore[attr-defined]
    response = Client().post(
        "/accounts/signup/", {"email": "open@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.filter(email="open@example.org").exists()


def test_a_forgotten_password_is_reset_by_email(client_a: User) -> None:
    browser = Client()
    page = browser.get("/accounts/password/reset/").content.decode()
    assert 'class="site-header"' in page
    assert browser.post("/accounts/password/reset/", {"email": "a@example.org"}).status_code == 302
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    response = browser.get(link)
    assert response.status_code == 302  # allauth hides the key in the session, then shows the form
    form_url = response["Location"]
    assert 'name="password1"' in browser.get(form_url).content.decode()
    response = browser.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.check_password(NEW_PASSWORD)


def test_a_signed_in_user_changes_their_password(client_a: User) -> None:
    browser = signed_in(client_a)
    page = browser.get("/accounts/password/change/").content.decode()
    assert 'aria-label="Account settings"' in page
    response = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.check_password(NEW_PASSWORD)


def test_a_signed_in_user_adds_and_verifies_a_new_address(client_a: User) -> None:
    browser = signed_in(client_a)
    page = browser.get("/accounts/email/").content.decode()
    assert "a@example.org" in page and 'class="site-header"' in page
    response = browser.post("/accounts/email/", {"action_add": "", "email": "a-new@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    browser.post(_link(mail.outbox[0]))
    assert EmailAddress.objects.get(email="a-new@example.org").verified


def test_the_two_factor_page_looks_like_the_product(client_a: User) -> None:
    browser = Client()
    browser.post("/accounts/login/", {"login": "a@example.org", "password": PASSWORD})
    page = browser.get("/accounts/2fa/").content.decode()
    assert 'class="site-header"' in page and 'aria-label="Account settings"' in page
    assert "/accounts/2fa/totp/activate/" in page
    # Turning a second factor on asks for the password again first (allauth).
    response = browser.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert 'class="site-header"' in browser.get(response["Location"]).content.decode()
    browser.post(response["Location"], {"password": PASSWORD})
    page = browser.get("/accounts/2fa/totp/activate/").content.decode()
    assert 'class="totp-qr"' in page


def test_one_users_today_page_is_never_served_to_another(client_a: User, client_b: User) -> None:
    assert "a@example.org" in signed_in(client_a).get("/today/").content.decode()
    page = signed_in(client_b).get("/today/").content.decode()
    assert "b@example.org" in page and "a@example.org" not in page


@pytest.mark.parametrize(
    "path",
    ["/accounts/signup/", "/accounts/password/reset/", "/accounts/2fa/", "/me/tokens/", "/me/access-log/"],
)
def test_account_pages_do_not_exist_in_personal_mode(settings: object, path: str) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    assert Client().get(path).status_code == 404


def test_personal_mode_pages_show_no_account_menu(settings: object) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    page = Client().get("/privacy/").content.decode()
    assert 'aria-label="Account"' not in page
    assert "nothing leaves this device" in page


def test_the_menu_counts_unread_notices(client_a: User, therapist: User) -> None:
    from backease.clinic.notices import mark_read, notify

    browser = signed_in(client_a)
    assert 'data-testid="unread-notices"' not in browser.get("/today/").content.decode()
    notify(client_a, kind="programme", key="p1", text="Your programme changed", url="/today/")
    notify(client_a, kind="programme", key="p2", text="Another change", url="/today/")
    page = browser.get("/today/").content.decode()
    assert 'data-testid="unread-notices">2<' in page
    assert 'data-testid="unread-notices"' not in signed_in(therapist).get("/today/").content.decode()
    mark_read(client_a)
    assert 'data-testid="unread-notices"' not in browser.get("/today/").content.decode()


def test_signed_out_pages_in_server_mode_make_no_personal_mode_promises() -> None:
    page = Client().get("/privacy/").content.decode()
    assert 'aria-label="Main"' not in page
    assert "nothing leaves this device." not in page
