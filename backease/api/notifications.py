"""The API of reminders on a device (docs/notifications.md): Web Push subscriptions (the
settings page's "Reminders on this device"), the VAPID public key they are made with, and
the claim an open page makes before it shows a reminder itself, so two open tabs (or the
app on two devices) show each reminder once.

Every operation acts for `request.auth`, like the rest of the API (backease.api.routes).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator, Field

from backease.accounts.mode import is_server
from backease.api import api
from backease.api.routes import INVALID, NOT_FOUND, _person
from backease.api.schemas import Input
from backease.core.errors import InputError
from backease.reminders import services as reminders
from backease.reminders import webpush
from backease.reminders.models import PushSubscription, Reminder
from backease.store.models import Person

MAX_DEVICES = 10
"""Subscriptions kept per person: a new one beyond this replaces the oldest (a browser
that was reset or thrown away never says it has gone)."""
MAX_ENDPOINT = 1000
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class KeyOut(Schema):
    public_key: str = Field(
        description="the VAPID public key (base64url, an uncompressed P-256 point): the "
        "`applicationServerKey` of `pushManager.subscribe`"
    )
    push: bool = Field(
        description="whether this server sends Web Push (server mode, with its job runner); in "
        "personal mode the open app shows reminders itself"
    )


class SubscriptionKeys(Input):
    p256dh: str = Field(
        min_length=80,
        max_length=100,
        pattern=B64URL,
        description="the browser's P-256 public key (base64url)",
    )
    auth: str = Field(
        min_length=16,
        max_length=50,
        pattern=B64URL,
        description="the browser's 16-byte auth secret (base64url)",
    )


class SubscriptionIn(Input):
    """What `PushSubscription.toJSON()` gives in the browser, and a label for the device."""

    endpoint: str = Field(
        max_length=MAX_ENDPOINT,
        pattern=r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?(/\S*)?$",
        description="the push service's URL for this browser (https)",
    )
    expirationTime: int | None = Field(
        None, description="as the browser gives it (not used: the push service says when it ends)"
    )
    keys: SubscriptionKeys
    device: str = Field("", max_length=100, description="a label such as 'Firefox on Android'")


class SubscriptionOut(Schema):
    id: int
    endpoint: str
    device: str
    created_at: datetime
    last_ok_at: datetime | None = Field(description="when a push last reached the push service")


def _text(value: object) -> object:
    """A date and time comes as ISO 8601 text (a number would be read as seconds since 1970)."""
    if not isinstance(value, str):
        raise ValueError("must be a date and time like 2025-01-31T08:30:00+00:00")
    return value


class ClaimIn(Input):
    due_at: Annotated[datetime, BeforeValidator(_text)] = Field(
        strict=False, description="the planned instant of the reminder (`at` from GET /api/reminders/due)"
    )


class NotificationOut(Schema):
    title: str
    body: str
    url: str = Field(description="the page a tap opens")
    tag: str = Field(
        description="one per planned session: a push and the page's notification replace each other"
    )


class ClaimOut(Schema):
    show: bool = Field(description="true for the one page that should show this reminder now")
    notification: NotificationOut | None = Field(description="what to show (null when `show` is false)")


router = Router(tags=["notifications"])


def _decoded(text: str, field: str, size: int) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise InputError(field, "must be base64url") from None
    if len(raw) != size:
        raise InputError(field, f"must be {size} bytes (base64url)")
    return raw


def _checked(payload: SubscriptionIn) -> None:
    """What the schema cannot say: the keys are a real P-256 point and a 16-byte secret, and
    the endpoint names a push service on the internet (never this server or its network:
    the server POSTs to it)."""
    host = (urlsplit(payload.endpoint).hostname or "").lower()
    if (
        not host
        or "." not in host
        or host.endswith((".local", ".localhost", ".internal"))
        or _is_address(host)
    ):
        raise InputError("endpoint", "must be a push service's https address")
    point = _decoded(payload.keys.p256dh, "keys.p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise InputError("keys.p256dh", "must be a P-256 public key") from None
    _decoded(payload.keys.auth, "keys.auth", 16)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.replace(".", "").isdigit()  # 2130706433-style and dotted numbers alike
    return True


def _out(row: PushSubscription) -> dict[str, Any]:
    return {
        "id": row.pk,
        "endpoint": row.endpoint,
        "device": row.device,
        "created_at": row.created_at,
        "last_ok_at": row.last_ok_at,
    }


@router.get("/key", response=KeyOut)
def push_key(request: HttpRequest) -> Any:
    """The VAPID public key to subscribe with, and whether this server sends pushes."""
    return {"public_key": webpush.public_key(), "push": is_server()}


@router.get("/subscriptions", response=list[SubscriptionOut])
def list_subscriptions(request: HttpRequest) -> Any:
    """The person's subscribed browsers, oldest first."""
    return [_out(row) for row in PushSubscription.objects.filter(person=_person(request))]


@router.post("/subscriptions", response={200: SubscriptionOut, 201: SubscriptionOut, **INVALID})
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Any:
    """Keep a browser's push subscription (201; 200 when it was known, with its keys
    updated). A subscription made in this browser for another account moves to this one:
    the browser reminds whoever uses it now."""
    _checked(payload)
    person = _person(request)
    values = {
        "person": person,
        "p256dh": payload.keys.p256dh,
        "auth": payload.keys.auth,
        "device": payload.device.strip(),
        "failures": 0,
    }
    try:
        with transaction.atomic():
            row, made = PushSubscription.objects.update_or_create(
                endpoint=payload.endpoint,
                defaults=values,
                create_defaults={**values, "created_at": timezone.now()},
            )
    except IntegrityError:  # the same browser subscribing twice at once: the other one won
        row, made = PushSubscription.objects.get(endpoint=payload.endpoint), False
    _keep_newest(person)
    return Status(201 if made else 200, _out(row))


def _keep_newest(person: Person) -> None:
    kept = PushSubscription.objects.filter(person=person).order_by("-created_at", "-id")
    old = list(kept.values_list("id", flat=True)[MAX_DEVICES:])
    if old:
        PushSubscription.objects.filter(id__in=old).delete()


@router.delete("/subscriptions/{subscription_id}", response={204: None, **NOT_FOUND, **INVALID})
def unsubscribe(request: HttpRequest, subscription_id: int) -> Any:
    """Forget a subscribed browser: no more pushes to it."""
    deleted, _ = PushSubscription.objects.filter(person=_person(request), id=subscription_id).delete()
    if not deleted:
        raise HttpError(404, "no such subscription")
    return Status(204, None)


def _same_instant(planned: datetime, given: datetime) -> bool:
    """Whether the page asks about the planned instant (a time without an offset reads as
    UTC; one at the ends of the calendar is no planned instant)."""
    try:
        given = given if given.tzinfo is not None else given.replace(tzinfo=UTC)
        return planned == given.astimezone(UTC)
    except (OverflowError, ValueError):
        return False


@router.post("/claim", response={200: ClaimOut, **INVALID})
def claim(request: HttpRequest, payload: ClaimIn) -> Any:
    """An open page asks before showing a due reminder itself: `show` is true for the first
    page that asks about that planned instant while it is due, false for any other (another
    tab, the same tab again, or an instant that is not due now)."""
    person = _person(request)
    now = timezone.now()
    due = reminders.due(person, now)
    if not due.due or due.at is None or not _same_instant(due.at, payload.due_at):
        return {"show": False, "notification": None}
    taken = reminders.claim(person, due.at, Reminder.Channel.WEB, now)
    if taken is None:
        return {"show": False, "notification": None}
    reminders.mark_sent(taken, now)
    return {"show": True, "notification": webpush.reminder_for(person, due.at)}


api.add_router("/notifications", router)
