"""The notices page: unread first, mark one or all read; emails once per notice, never to
someone who turned them off."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from backease.accounts.models import User
from backease.clinic.models import Notice
from backease.clinic.notices import notify
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_it_lists_unread_first_and_marks_one_read(client_a: User) -> None:
    old = notify(client_a, kind="x", key="old", text="An older notice")
    Notice.objects.filter(pk=old.pk).update(read_at=old.created_at)
    first = notify(client_a, kind="x", key="a", text="First new notice", url="/me/outcomes/")
    notify(client_a, kind="x", key="b", text="Second new notice")
    browser = signed_in(client_a)
    page = browser.get("/me/notices/").content.decode()
    assert page.index("Second new notice") < page.index("An older notice")
    assert page.index("First new notice") < page.index('id="read"')
    assert browser.post("/me/notices/read/", {"notice": first.pk}).status_code == 302
    assert list(Notice.objects.filter(read_at__isnull=True).values_list("key", flat=True)) == ["b"]


def test_it_marks_all_read(client_a: User, client_b: User) -> None:
    for key in "abc":
        notify(client_a, kind="x", key=key, text=key)
    theirs = notify(client_b, kind="x", key="z", text="not yours")
    signed_in(client_a).post("/me/notices/read/", {"all": "1"})
    assert not Notice.objects.filter(recipient=client_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_nobody_marks_someone_elses_notice_read(client_a: User, client_b: User) -> None:
    theirs = notify(client_b, kind="x", key="z", text="not yours")
    signed_in(client_a).post("/me/notices/read/", {"notice": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "not yours" not in signed_in(client_a).get("/me/notices/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/me/notices/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_therapist_has_notices_too(therapist: User) -> None:
    notify(therapist, kind="flag", key="flags:1", text="New flag for Ann")
    assert "New flag for Ann" in signed_in(therapist).get("/me/notices/").content.decode()


def test_a_notice_is_emailed_once_and_never_with_notices_off(
    client_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(client_a, kind="programme", key="programme:1", text="Your programme changed")
        notify(client_a, kind="programme", key="programme:1", text="Your programme changed again")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [client_a.email]
    client_a.email_notices = False
    client_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(client_a, kind="programme", key="programme:2", text="Another change")
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(recipient=client_a).count() == 2


def test_marking_read_needs_post_and_csrf(client_a: User) -> None:
    assert signed_in(client_a).get("/me/notices/read/").status_code == 405
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a, backend="allauth.account.auth_backends.AuthenticationBackend")
    assert browser.post("/me/notices/read/", {"all": "1"}).status_code == 403
