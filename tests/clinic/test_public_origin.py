"""Every link the app emails is on the public origin (BACKEASE_PUBLIC_ORIGIN), whatever Host
header a request carried: a request that reaches an app process with another Host (say
`Host: localhost`, straight to port 8001) is refused before anything is built from it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import invites
from backease.clinic.models import CareLink
from backease.clinic.notices import notify
from tests.clinic.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

ORIGIN = "https://backease.example.org"
HOST = "backease.example.org"
STRANGE_HOSTS = ("localhost", "127.0.0.1:8001", "evil.example.com", "backease.example.org:8443")


@pytest.fixture(autouse=True)
def public_origin(settings: object) -> Iterator[None]:
    settings.PUBLIC_ORIGIN = ORIGIN  # type: ignore[attr-defined]
    settings.PUBLIC_HOST = HOST  # type: ignore[attr-defined]
    settings.PUBLIC_HOST_ALIASES = (f"{HOST}:443",)  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", HOST, "evil.example.com"]  # type: ignore[attr-defined]
    yield


def links(message: mail.EmailMessage) -> list[str]:
    return re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"'<>]+", str(message.body))


@pytest.mark.parametrize("host", STRANGE_HOSTS)
def test_a_reset_asked_with_another_host_is_refused_and_emails_nothing(client_a: User, host: str) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "a@example.org"}, HTTP_HOST=host)
    assert response.status_code == 400
    assert ORIGIN in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("host", STRANGE_HOSTS)
def test_no_page_answers_to_another_host_but_the_health_check_does(client_a: User, host: str) -> None:
    assert signed_in(client_a).get("/today/", HTTP_HOST=host).status_code == 400
    assert Client().get("/accounts/login/", HTTP_HOST=host).status_code == 400
    assert Client().get("/healthz", HTTP_HOST=host).status_code == 200


def test_the_public_host_with_or_without_its_default_port_is_answered(client_a: User) -> None:
    for host in (HOST, f"{HOST}:443", "BACKEASE.example.org"):
        assert Client().get("/accounts/login/", HTTP_HOST=host).status_code == 200, host


def test_every_email_the_app_sends_links_to_the_public_origin_only(
    therapist: User, client_a: User, settings: object
) -> None:
    """Verification, the "you already have an account" email, password reset, a new address
    to confirm, an invitation and a notice: every link in every one is on ORIGIN."""
    visitor = Client(HTTP_HOST=HOST)
    invitation = invites.create_invitation(therapist, "new@example.org")
    visitor.get(f"/invite/{invitation.code}/")
    visitor.post(
        "/accounts/signup/", {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    settings.OPEN_SIGNUP = True  # type: ignore[attr-defined]
    Client(HTTP_HOST=HOST).post(
        "/accounts/signup/", {"email": "a@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    Client(HTTP_HOST=HOST).post("/accounts/password/reset/", {"email": "a@example.org"})
    browser = signed_in(client_a)
    browser.defaults["HTTP_HOST"] = HOST
    browser.post("/accounts/email/", {"action_add": "", "email": "a2@example.org"})
    clinic = signed_in(therapist)
    clinic.defaults["HTTP_HOST"] = HOST
    clinic.post("/clinic/invitations/", {"email": "c@example.org", "note": ""})
    CareLink.objects.create(therapist=therapist, client=person_for(client_a), share="full")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
        notify(therapist, kind="flag", key="k", text="A new flag", url="/clinic/")

    subjects = [m.subject for m in mail.outbox]
    kinds = ("Confirm", "Account Already Exists", "Password Reset", "Confirm", "invitation", "A new flag")
    assert all(any(kind.lower() in s.lower() for s in subjects) for kind in kinds), subjects
    assert len(mail.outbox) >= 6
    for message in mail.outbox:
        found = links(message)
        assert found, (message.subject, message.body)
        for link in found:
            assert link.startswith(ORIGIN + "/"), (message.subject, link)
