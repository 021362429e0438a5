"""The job runner's scan sending a reminder by Web Push for real (pywebpush, VAPID,
aes128gcm) to a push service this test runs on 127.0.0.1 (tests/test_webpush.py's), which
the browser's own key decrypts; and falling back to email when the push service says the
device is gone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail

from backease.accounts.models import User
from backease.reminders import jobs, webpush
from backease.reminders.models import PushSubscription, Reminder
from backease.store.models import Person, Profile
from tests import test_webpush
from tests.test_webpush import Browser, PushService, b64url

# tests/test_webpush.py's push service, browser and VAPID key (a data folder per test).
push_service = test_webpush.push_service
browser = test_webpush.browser
vapid_in = test_webpush.vapid_in

pytestmark = pytest.mark.django_db

# Wednesday 9 December 2026, 18:00 in Paris (CET, UTC+1).
PARIS_18 = datetime(2026, 12, 9, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def server_mode(settings: Any) -> None:
    settings.MODE = "server"
    settings.PUBLIC_ORIGIN = "https://backease.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def subscribed(push_service: PushService, browser: Browser) -> PushSubscription:
    someone = Person.objects.create(
        user=User.objects.create_user("alex@example.org"), time_zone="Europe/Paris"
    )
    Profile.objects.create(person=someone, session_days=["wed"], session_time="18:00", minutes=15)
    return PushSubscription.objects.create(
        person=someone,
        endpoint=f"{push_service.url}/push/alex-phone",
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
        device="Firefox on Android",
        created_at=PARIS_18,
    )


def test_the_scan_pushes_the_reminder_and_only_the_browser_can_read_it(
    push_service: PushService, browser: Browser
) -> None:
    subscription = subscribed(push_service, browser)
    result = jobs.run_scan(PARIS_18)
    assert (result.sent, result.channels) == (1, {"push": 1})
    [message] = push_service.received
    assert message.path == "/push/alex-phone"
    assert browser.decrypt(message.body) == webpush.reminder_payload(PARIS_18, minutes=15)
    assert mail.outbox == []
    row = Reminder.objects.get(person=subscription.person)
    assert (row.channel, row.state, row.detail) == ("push", "sent", "push reached 1 of 1 device(s)")
    assert jobs.run_scan(PARIS_18.replace(minute=5)).sent == 0
    assert len(push_service.received) == 1


def test_a_device_the_push_service_calls_gone_is_forgotten_and_the_email_goes(
    push_service: PushService, browser: Browser
) -> None:
    push_service.status = 410
    subscription = subscribed(push_service, browser)
    result = jobs.run_scan(PARIS_18)
    assert result.channels == {"email": 1}
    assert [m.to for m in mail.outbox] == [["alex@example.org"]]
    assert "18:00" in mail.outbox[0].subject
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
