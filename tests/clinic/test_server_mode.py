"""The two modes: personal mode has no accounts; server mode signs people in and keeps
each person to their own data."""

from __future__ import annotations

import pytest
from django.test import Client

from backease.accounts.models import User
from backease.accounts.tokens import create_token, revoke_token
from backease.store import services
from backease.store.models import PainEntry, Person
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/clinic/", "/me/account/", "/accounts/login/", "/admin/", "/invite/ABCD/"])
def test_server_pages_do_not_exist_in_personal_mode(settings: object, path: str) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    assert Client().get(path).status_code == 404


def test_personal_mode_still_has_no_sign_in(settings: object) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    assert Client().get("/today/").status_code in (200, 302)
    assert Client().get("/api/plans/latest").status_code in (200, 404)


@pytest.mark.parametrize("path", ["/", "/today/", "/history/", "/diary/", "/export/", "/insights/"])
def test_it_sends_signed_out_visitors_to_sign_in(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_sign_in_page_is_open_to_everyone() -> None:
    assert Client().get("/accounts/login/").status_code == 200


def test_the_api_refuses_signed_out_callers_with_401() -> None:
    response = Client().get("/api/plans/latest")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_each_user_sees_only_their_own_diary(client_a: User, client_b: User) -> None:
    browser_a = signed_in(client_a)
    response = browser_a.post("/diary/", {"pain": "6", "note": "only mine"})
    assert response.status_code in (200, 302)
    person_a = Person.objects.get(user=client_a)
    assert PainEntry.objects.filter(person=person_a).count() == 1
    assert "only mine" in browser_a.get("/history/").content.decode()
    assert "only mine" not in signed_in(client_b).get("/history/").content.decode()
    assert "only mine" not in signed_in(client_b).get("/api/pain").content.decode()
    assert "only mine" in browser_a.get("/api/pain").content.decode()


def test_another_users_ids_are_not_found(client_a: User, client_b: User) -> None:
    person_a = Person.objects.create(user=client_a)
    entry = services.add_pain_entry(person_a, 4, note="a's")
    browser_b = signed_in(client_b)
    assert browser_b.post(f"/diary/{entry.pk}/delete/").status_code == 404
    assert PainEntry.objects.filter(pk=entry.pk).exists()


def test_a_read_token_reads_but_cannot_write(client_a: User) -> None:
    _, secret = create_token(client_a, "phone", ["read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/profile").status_code in (200, 404)
    assert api.post("/api/pain", {"pain": 3}, content_type="application/json").status_code == 401


def test_a_write_token_writes_for_its_user_without_csrf(client_a: User) -> None:
    row, secret = create_token(client_a, "script", ["read", "write"])
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.post("/api/pain", {"pain": 3}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert PainEntry.objects.get().person.user == client_a
    assert revoke_token(client_a, row.pk)
    assert api.get("/api/profile").status_code == 401


def test_tokens_do_nothing_in_personal_mode(settings: object, client_a: User) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    _, secret = create_token(client_a, "phone", ["read", "write"])
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.post("/api/pain", {"pain": 3}, content_type="application/json").status_code == 403


def test_the_privacy_page_describes_the_server_not_this_device(client_a: User) -> None:
    page = signed_in(client_a).get("/privacy/").content.decode()
    assert "stays on this device" not in page and "127.0.0.1" not in page
    assert "access log" in page and "sessionid" in page and "/me/sharing/" in page
    export = signed_in(client_a).get("/export/").content.decode()
    assert "stays on this device" not in export


def test_personal_mode_privacy_page_is_unchanged(settings: object) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    page = Client().get("/privacy/").content.decode()
    assert "stays on this device" in page and "127.0.0.1" in page and "sessionid" not in page
