"""Accounts in server mode, as the personal app has them with or without clinic mode: sign
up and in, the account page and its menu, API tokens and a bearer request, the access log,
deleting the account. `make test` also runs this file with clinic mode left out of the
installed apps (tests/settings_without_clinic.py); each test holds in both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from backease.accounts.models import ApiToken, User
from backease.accounts.tokens import create_token
from backease.store.models import PainEntry

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password 42"
CLINIC = apps.is_installed("backease.clinic")


@pytest.fixture(autouse=True)
def server_mode(settings: Any) -> Iterator[None]:
    settings.MODE = "server"
    from django.core.cache import cache

    cache.clear()  # allauth's rate limits count in the cache
    yield


@pytest.fixture
def person_user(db: None) -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.create_user("a@example.org", PASSWORD, display_name="Alex")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return browser


def test_sign_up_is_closed_unless_it_is_open(settings: Any) -> None:
    closed = Client().post(
        "/accounts/signup/", {"email": "x@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(email="x@example.org").exists() and closed.status_code in (200, 403)
    settings.OPEN_SIGNUP = True
    response = Client().post(
        "/accounts/signup/", {"email": "open@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and User.objects.filter(email="open@example.org").exists()


def test_a_person_signs_in_and_sees_today_and_their_account(person_user: User) -> None:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "a@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/today/").status_code in (200, 302)
    page = browser.get("/me/account/").content.decode()
    assert 'data-testid="signed-in-as">Alex<' in page
    assert ("My therapists" in page) is CLINIC and ("/me/notices/" in page) is CLINIC


def test_a_token_is_made_used_for_the_api_and_revoked(person_user: User) -> None:
    browser = signed_in(person_user)
    page = browser.post("/me/tokens/", {"name": "script", "scopes": ["read", "write"], "days": "30"})
    assert page.status_code == 200
    row = ApiToken.objects.get(user=person_user)
    _, secret = create_token(person_user, "phone", ["read", "write"])
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.post("/api/pain", {"pain": 3}, content_type="application/json").status_code == 201
    assert PainEntry.objects.get().person.user == person_user
    assert browser.post(f"/me/tokens/{row.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None


def test_the_access_log_page_and_deleting_the_account(person_user: User) -> None:
    browser = signed_in(person_user)
    assert browser.get("/me/access-log/").status_code == 200
    page = browser.get("/me/account/delete/").content.decode()
    assert "your access log" in page and ("what you share with" in page) is CLINIC
    from allauth.account.models import EmailAddress

    other = User.objects.create_user("b@example.org", PASSWORD)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    signed_in(other).post("/api/pain", {"pain": 2}, content_type="application/json")  # not theirs
    assert browser.post("/me/account/delete/", {"password": PASSWORD}).status_code == 200
    assert not User.objects.filter(pk=person_user.pk).exists()
    assert PainEntry.objects.count() == 1


def test_the_clinic_pages_are_there_only_with_clinic_mode(person_user: User) -> None:
    browser = signed_in(person_user)
    assert (browser.get("/me/sharing/").status_code == 200) is CLINIC
    assert (browser.get("/me/notices/").status_code == 200) is CLINIC
