"""Server-mode fixtures: users of each role, signed-in clients, and a link between a
client and their therapist. Everything runs with `settings.MODE = "server"`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic.models import CareLink
from backease.store.models import Person
from tests.users import PASSWORD, make_user


@pytest.fixture(autouse=True)
def server_mode(settings: object) -> Iterator[None]:
    settings.MODE = "server"  # type: ignore[attr-defined]
    yield


@pytest.fixture
def client_a(db: None) -> User:
    return make_user("a@example.org")


@pytest.fixture
def client_b(db: None) -> User:
    return make_user("b@example.org")


@pytest.fixture
def therapist(db: None) -> User:
    return make_user("t@example.org", role="therapist", display_name="Sam Rivera")


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("other-t@example.org", role="therapist")


@pytest.fixture
def admin_user(db: None) -> User:
    user = User.objects.create_superuser("admin@example.org", PASSWORD)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def person_a(client_a: User) -> Person:
    return person_for(client_a)


@pytest.fixture
def link(therapist: User, person_a: Person) -> CareLink:
    return CareLink.objects.create(therapist=therapist, client=person_a, share=CareLink.Share.FULL)


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return browser


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """allauth counts attempts in the cache (per process): each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
