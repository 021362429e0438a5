"""Sending one due reminder to a person: Web Push to each of their devices, email when no
push reached any (server mode, to their account's address), and a record of which went.

`deliver(person, due_at, now)` is what the job runner's scan (`backease.reminders.jobs`)
calls for each reminder it has claimed. The record is `Reminder` rows (see
`backease.reminders.claims`): the "push" row is the reminder itself and its lock (only its
holder sends, by push or by email); when the email goes instead, an "email" row records
that send, written in the same transaction that closes the push row as failed with the
reason ("no device subscribed to push; sent by email"), never to be tried again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from backease.accounts.mode import is_server
from backease.reminders import claims
from backease.reminders.models import PushSubscription, Reminder
from backease.store.models import Person
from backease.store.zones import person_zone

log = logging.getLogger(__name__)

TODAY_PATH = "/today/"
SETTINGS_PATH = "/settings/"


@dataclass(frozen=True)
class Delivery:
    """How one reminder went: the channel that reached the person ("push", "email"; ""
    when none did), whether it was sent, and the words recorded with it."""

    channel: str
    sent: bool
    detail: str


class Transport(Protocol):
    """What actually leaves the machine: one push to one subscription, one email.
    The default sends for real (`webpush.send_push`, Django's email backend); tests count."""

    def push(self, subscription: Any, payload: dict[str, Any]) -> tuple[bool, str]:
        """(the push service took it, what went wrong in words). A subscription the push
        service calls gone is deleted by the transport."""

    def email(self, message: EmailMessage) -> None:
        """Send it, or raise (OSError and the like) when the mail server refused."""


class RealTransport:
    """Web Push through `backease.reminders.webpush.send_push`, email through Django."""

    def push(self, subscription: Any, payload: dict[str, Any]) -> tuple[bool, str]:
        from backease.reminders.webpush import send_push

        result = send_push(subscription, payload)
        return result.ok, result.detail or f"push service answered {result.status}"

    def email(self, message: EmailMessage) -> None:
        message.send()


def subscriptions_of(person_ids: list[int]) -> dict[int, list[Any]]:
    """Each person's push subscriptions (one query for them all)."""
    found: dict[int, list[Any]] = {}
    for row in PushSubscription.objects.filter(person_id__in=person_ids).order_by("pk"):
        found.setdefault(row.person_id, []).append(row)
    return found


def payload_for(person: Person, due_at: datetime) -> dict[str, Any]:
    """What the push says (Web Push's own wording, `webpush.reminder_for`: the length of that
    day's session, nothing about the person's health), the same on every device."""
    from backease.reminders.webpush import reminder_for

    return reminder_for(person, due_at)


def email_for(person: Person, due_at: datetime, to: str) -> EmailMessage:
    """The fallback email: the planned time in the person's zone, a link to Today, and how
    to stop these emails."""
    local = due_at.astimezone(person_zone(person))
    origin = str(getattr(settings, "PUBLIC_ORIGIN", "") or "").rstrip("/")
    body = (
        f"Your self-massage session was planned for {local:%H:%M} today ({local:%A}).\n\n"
        f"Start it when you are ready: {origin}{TODAY_PATH}\n\n"
        "If your back hurts more than usual, or something new worries you, skip it and "
        "answer the safety questions first.\n\n"
        "You get this email because reminders are on and none of your devices took a "
        f"notification. Change the days, the time, quiet hours or turn reminders off: "
        f"{origin}{SETTINGS_PATH}"
    )
    return EmailMessage(f"backease: your session at {local:%H:%M}", body, None, [to])


def email_address(person: Person) -> str:
    """Where the fallback email goes: the person's account address, in server mode only
    (personal mode has no account and sends no email)."""
    if not is_server():
        return ""
    user = person.user
    if user is None or not user.is_active or not user.email:
        return ""
    return str(user.email)


def deliver(
    person: Person,
    due_at: datetime,
    now: datetime,
    *,
    claim: Reminder | None = None,
    subscriptions: list[Any] | None = None,
    transport: Transport | None = None,
) -> Delivery:
    """Send the reminder planned for `due_at` to `person`: a push to each subscription,
    else the email. `claim` is the "push" row the caller holds (the scan claims a batch at
    once); without it the row is claimed here, and nothing is sent when someone else holds
    it or it was sent already. Records the outcome and returns it."""
    transport = transport or RealTransport()
    row = claim or claims.claim_one(person.pk, due_at, "push", now)
    if row is None:
        return Delivery("", False, "already sent or being sent")
    if subscriptions is None:
        subscriptions = subscriptions_of([person.pk]).get(person.pk, [])

    payload = payload_for(person, due_at) if subscriptions else {}
    reached, problems = 0, []
    for subscription in subscriptions:
        try:
            ok, words = transport.push(subscription, payload)
        except Exception as exc:  # one device's failure must not stop the others or the email
            log.exception("push to subscription %s failed", getattr(subscription, "pk", "?"))
            ok, words = False, type(exc).__name__
        if ok:
            reached += 1
        else:
            problems.append(words or "refused")
    if reached:
        detail = f"push reached {reached} of {len(subscriptions)} device(s)"
        claims.finish(row, "sent", detail, now)
        return Delivery("push", True, detail)

    why = (
        f"push reached none of {len(subscriptions)} device(s) ({'; '.join(problems)[:200]})"
        if subscriptions
        else "no device subscribed to push"
    )
    to = email_address(person)
    if not to:
        # Nothing else to try: a device that failed for a while may take the push later.
        final = not subscriptions
        claims.finish(row, "failed", why + "; no email address to fall back on", now, final=final)
        return Delivery("", False, why)

    if (
        row.attempts > 1
        and Reminder.objects.filter(person=person, due_at=due_at, channel="email", state="sent").exists()
    ):  # an earlier attempt emailed it (and was stopped before closing this row)
        claims.finish(row, "failed", why + "; sent by email", now, final=True)
        return Delivery("email", True, "sent by email before")
    try:
        transport.email(email_for(person, due_at, to))
    except Exception as exc:  # the mail server is down: tried again after RETRY_AFTER
        log.exception("reminder email to user %s failed", person.user_id)
        failed = f"email failed: {type(exc).__name__}"
        claims.finish(row, "failed", f"{why}; {failed}", now, record=("email", "failed", failed))
        return Delivery("", False, failed)
    sent = why + "; sent by email"
    claims.finish(row, "failed", sent, now, final=True, record=("email", "sent", sent))
    return Delivery("email", True, sent)
