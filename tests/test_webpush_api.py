"""The notifications API (docs/notifications.md): a browser subscribes to Web Push and
unsubscribes, reads the VAPID key, and an open page claims a due reminder before showing it,
so two pages show it once. Bad input is a 422 naming the field with nothing stored; one
person never sees or removes another's browsers."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client, override_settings
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.tokens import create_token
from backease.reminders import services as reminders
from backease.reminders import webpush
from backease.reminders.models import PushSubscription, Reminder
from backease.store import services
from backease.store.models import Person
from backease.store.zones import save_time_zone
from tests.test_api import send
from tests.users import make_user

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/api/notifications/subscriptions"


@pytest.fixture(autouse=True)
def vapid_in(tmp_path: Path) -> Iterator[None]:
    webpush._vapid.cache_clear()
    with override_settings(DATA_DIR=tmp_path, VAPID_PRIVATE_KEY=""):
        yield
    webpush._vapid.cache_clear()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(endpoint: str = "https://push.example.net/wpush/v2/abc") -> dict[str, Any]:
    """What `PushSubscription.toJSON()` gives in a browser, with fresh keys."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))},
        "device": "Firefox on Android",
    }


def due_now(person: Person) -> datetime:
    """Plan a session every day two minutes ago, in a zone where that is well inside
    today, so a reminder is due now (for the next half hour). Its instant, UTC."""
    now = timezone.now()
    zone = next(
        z for z in ("UTC", "Asia/Tokyo", "America/New_York") if 1 <= now.astimezone(ZoneInfo(z)).hour < 23
    )
    save_time_zone(person, zone)
    planned = (now - timedelta(minutes=2)).astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    services.save_schedule(
        person, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], planned.strftime("%H:%M")
    )
    return planned.astimezone(UTC)


# --- the key ------------------------------------------------------------------------------


def test_the_key_is_the_servers_vapid_public_key_and_says_whether_it_pushes(
    client: Client, settings: Any
) -> None:
    answer = client.get("/api/notifications/key").json()
    assert answer == {"public_key": webpush.public_key(), "push": False}
    settings.MODE = "server"
    user = make_user("ana@example.org")
    client.force_login(user)
    assert client.get("/api/notifications/key").json()["push"] is True


# --- subscribing ------------------------------------------------------------------------


def test_a_browser_subscribes_once_and_is_listed(client: Client) -> None:
    body = browser_subscription()
    made = send(client, "post", SUBSCRIPTIONS, body)
    assert made.status_code == 201
    assert made.json()["device"] == "Firefox on Android"
    # The same browser again (the page reloaded, new keys): kept once, keys updated.
    again = {**body, "keys": browser_subscription()["keys"]}
    assert send(client, "post", SUBSCRIPTIONS, again).status_code == 200
    row = PushSubscription.objects.get()
    assert (row.person, row.endpoint, row.p256dh) == (
        services.local_owner(),
        body["endpoint"],
        again["keys"]["p256dh"],
    )
    listed = client.get(SUBSCRIPTIONS).json()
    assert [(r["id"], r["endpoint"], r["last_ok_at"]) for r in listed] == [(row.pk, body["endpoint"], None)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.net/x"}, "endpoint"),
        ({"endpoint": "https://127.0.0.1/x"}, "endpoint"),
        ({"endpoint": "https://[::1]/x"}, "endpoint"),
        ({"endpoint": "https://2130706433/x"}, "endpoint"),
        ({"endpoint": "https://localhost/x"}, "endpoint"),
        ({"endpoint": "https://db.internal/x"}, "endpoint"),
        ({"endpoint": "https://push.example.net/" + "x" * 1000}, "endpoint"),
        ({"keys": {"p256dh": b64url(b"\x04" + bytes(64)), "auth": b64url(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"p256dh": b64url(os.urandom(32)) * 3, "auth": b64url(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"p256dh": "not base64 at all!" * 5, "auth": b64url(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"auth": b64url(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": "none"}, "keys"),
        ({"device": "x" * 101}, "device"),
        ({"colour": "red"}, "colour"),
        ({"endpoint": 42}, "endpoint"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field_and_nothing_is_kept(
    client: Client, change: dict[str, Any], field: str
) -> None:
    body = {**browser_subscription(), **change}
    answer = send(client, "post", SUBSCRIPTIONS, body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"][0]["field"] == field
    assert not PushSubscription.objects.exists()


def test_an_auth_secret_of_the_wrong_size_is_refused(client: Client) -> None:
    body = browser_subscription()
    body["keys"]["auth"] = b64url(os.urandom(20))
    answer = send(client, "post", SUBSCRIPTIONS, body)
    assert (answer.status_code, answer.json()["detail"][0]["field"]) == (422, "keys.auth")


def test_subscribing_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    answer = send(client, "post", SUBSCRIPTIONS, browser_subscription())
    assert answer.status_code == 403
    assert not PushSubscription.objects.exists()


def test_a_person_keeps_the_ten_newest_browsers(client: Client) -> None:
    for n in range(11):
        assert (
            send(
                client, "post", SUBSCRIPTIONS, browser_subscription(f"https://push.example.net/{n}")
            ).status_code
            == 201
        )
    kept = sorted(PushSubscription.objects.values_list("endpoint", flat=True))
    assert len(kept) == 10 and "https://push.example.net/0" not in kept


def test_unsubscribing_forgets_the_browser(client: Client) -> None:
    made = send(client, "post", SUBSCRIPTIONS, browser_subscription()).json()
    assert client.delete(f"{SUBSCRIPTIONS}/{made['id']}").status_code == 204
    assert not PushSubscription.objects.exists()
    assert client.delete(f"{SUBSCRIPTIONS}/{made['id']}").status_code == 404


def test_in_server_mode_each_person_sees_and_removes_only_their_own_browsers(
    client: Client, settings: Any
) -> None:
    settings.MODE = "server"
    ana, ben = make_user("ana@example.org"), make_user("ben@example.org")
    person_for(ana), person_for(ben)
    _, ana_token = create_token(ana, "phone", ["read", "write"])
    _, ben_token = create_token(ben, "phone", ["read", "write"])
    as_ana = {"Authorization": f"Bearer {ana_token}"}
    as_ben = {"Authorization": f"Bearer {ben_token}"}
    assert client.get(SUBSCRIPTIONS).status_code == 401
    made = client.post(SUBSCRIPTIONS, browser_subscription(), content_type="application/json", headers=as_ana)
    assert made.status_code == 201
    assert client.get(SUBSCRIPTIONS, headers=as_ben).json() == []
    assert client.delete(f"{SUBSCRIPTIONS}/{made.json()['id']}", headers=as_ben).status_code == 404
    assert PushSubscription.objects.get().person == person_for(ana)
    # The same browser, signed in as Ben now, reminds Ben.
    moved = client.post(
        SUBSCRIPTIONS, browser_subscription(), content_type="application/json", headers=as_ben
    )
    assert moved.status_code == 200
    assert PushSubscription.objects.get().person == person_for(ben)


# --- claiming a reminder for an open page ---------------------------------------------------


def test_the_first_page_to_claim_a_due_reminder_shows_it_and_no_other_does(client: Client) -> None:
    person = services.local_owner()
    at = due_now(person)
    assert reminders.due(person).at == at

    first = send(client, "post", "/api/notifications/claim", {"due_at": at.isoformat()}).json()
    second = send(client, "post", "/api/notifications/claim", {"due_at": at.isoformat()}).json()

    assert first == {
        "show": True,
        "notification": {
            "title": "backease",
            "body": f"Time for your upper back session ({services.get_profile(person).minutes} min)",
            "url": "/today/",
            "tag": webpush.reminder_tag(at),
        },
    }
    assert second == {"show": False, "notification": None}
    row = Reminder.objects.get()
    assert (row.channel, row.state, row.due_at) == ("web", "sent", at)
    # Shown: no longer due for the open pages.
    assert reminders.due(person).due is False


def test_a_claim_for_an_instant_that_is_not_due_shows_nothing(client: Client) -> None:
    at = due_now(services.local_owner())
    for other in (at - timedelta(days=1), at + timedelta(minutes=1)):
        answer = send(client, "post", "/api/notifications/claim", {"due_at": other.isoformat()})
        assert answer.json() == {"show": False, "notification": None}
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"due_at": "tomorrow"}, {"due_at": None}, {"due_at": [2026]}, {"due_at": 0}]
)
def test_a_bad_claim_is_refused_naming_the_field(client: Client, body: dict[str, Any]) -> None:
    answer = send(client, "post", "/api/notifications/claim", body)
    assert (answer.status_code, answer.json()["detail"][0]["field"]) == (422, "due_at")


@pytest.mark.parametrize("given", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_claim_at_the_ends_of_the_calendar_shows_nothing_and_is_no_error(
    client: Client, given: str
) -> None:
    due_now(services.local_owner())
    answer = send(client, "post", "/api/notifications/claim", {"due_at": given})
    assert (answer.status_code, answer.json()["show"]) == (200, False)


def test_a_claim_without_an_offset_reads_as_utc(client: Client) -> None:
    at = due_now(services.local_owner())
    naive = at.replace(tzinfo=None).isoformat()
    assert send(client, "post", "/api/notifications/claim", {"due_at": naive}).json()["show"] is True
