"""Web Push: a reminder sent to a browser or installed web app that subscribed on the
settings page (docs/notifications.md).

The push travels through the browser maker's push service (Google's for Chrome and
Android, Mozilla's for Firefox, Apple's for Safari and home-screen apps on an iPhone). It
is encrypted for that one browser (RFC 8291, aes128gcm) and signed with this server's VAPID
key (RFC 8292), with pywebpush doing both. What it carries is kept to a minimum: the words
"Time for your upper back session", the length, and the page to open; no pain, no notes,
nothing from the screening.

The VAPID key is `BACKEASE_VAPID_PRIVATE_KEY` when set (the same in every process and on
every machine of a server), else one made on first use and kept in the data folder as
`vapid_private_key.pem` (readable only by its owner). Changing it makes every browser
subscribe again, as the browser checks the key of each push against the one it subscribed
with.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from backease.store.models import Person
from backease.store.programmes import session_minutes

if TYPE_CHECKING:
    from backease.reminders.models import PushSubscription

log = logging.getLogger(__name__)

KEY_FILE = "vapid_private_key.pem"
TIMEOUT_SECONDS = 10
TTL_SECONDS = 4 * 60 * 60
"""How long a push service keeps a reminder for a device that is off: a few hours, so a
phone switched on in the evening still hears about the afternoon's session, but not
tomorrow."""

GONE = (404, 410)
"""The push service's answer for a subscription that expired or was withdrawn (RFC 8030
section 7.3): it will never work again, so it is deleted."""


@dataclass(frozen=True)
class PushResult:
    """What became of one push: `ok` (the push service took it), `status` (its HTTP status;
    None when it could not be reached), `gone` (the subscription no longer exists there and
    was deleted here), `detail` (what went wrong, in words)."""

    ok: bool
    status: int | None
    gone: bool = False
    detail: str = ""


# --- the VAPID key ----------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _from_setting(value: str) -> Vapid:
    """The key from BACKEASE_VAPID_PRIVATE_KEY: PEM, or base64url of the raw 32-byte key or
    of its DER form (what `vapid --gen` and most guides print)."""
    try:
        if "-----BEGIN" in value:
            key = serialization.load_pem_private_key(value.encode(), password=None)
            return Vapid(key)
        return Vapid.from_string(value)
    except Exception as error:  # cryptography says "could not deserialize" in several ways
        raise ImproperlyConfigured(
            "BACKEASE_VAPID_PRIVATE_KEY is not a P-256 private key (PEM, or base64url of the raw "
            f"or DER key): {error}"
        ) from None


def _from_file(path: Path) -> Vapid:
    """The key kept in the data folder, made the first time. Written to a temporary file
    and linked into place, so two processes starting at once agree on one key."""
    if not path.exists():
        vapid = Vapid()
        vapid.generate_keys()
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp makes it 0600
                handle.write(vapid.private_pem())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use that one
        finally:
            os.unlink(temporary)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return Vapid(key)


@lru_cache(maxsize=4)
def _vapid(configured: str, path: str) -> Vapid:
    return _from_setting(configured) if configured else _from_file(Path(path))


def vapid_key() -> Vapid:
    """This server's VAPID key (see the module's docstring for where it comes from)."""
    return _vapid(settings.VAPID_PRIVATE_KEY, str(Path(settings.DATA_DIR) / KEY_FILE))


def public_key() -> str:
    """The VAPID public key as a browser's `pushManager.subscribe` takes it
    (`applicationServerKey`): the uncompressed P-256 point, base64url without padding."""
    point = vapid_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


# --- what a reminder says ---------------------------------------------------------------


def reminder_payload(due_at: datetime, minutes: int | None = None) -> dict[str, Any]:
    """The push's content for a planned session: the same on every device, nothing about
    the person's health. `tag` is the same for one planned instant on every channel, so a
    push and the open app's own notification for it replace each other on a device."""
    length = f" ({minutes} min)" if minutes else ""
    return {
        "title": "backease",
        "body": f"Time for your upper back session{length}",
        "url": reverse("today"),
        "tag": reminder_tag(due_at),
    }


def reminder_for(person: Person, due_at: datetime) -> dict[str, Any]:
    """`reminder_payload` with the length of the person's session that day (the running
    programme's dose, else their profile's minutes)."""
    return reminder_payload(due_at, session_minutes(person, due_at))


def reminder_tag(due_at: datetime) -> str:
    """'reminder-2026-12-08T18:00Z': one notification per planned instant."""
    return "reminder-" + due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


# --- sending ----------------------------------------------------------------------------


def _status(error: WebPushException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def send_push(
    subscription: PushSubscription, payload: dict[str, Any], now: datetime | None = None
) -> PushResult:
    """Send `payload` (JSON) to one subscribed browser. A subscription the push service
    calls gone (404, 410) is deleted; any other failure is counted on the subscription
    (`failures`) and reported in the result, never raised, so one broken browser cannot
    stop a batch of reminders."""
    now = now or timezone.now()
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    data = json.dumps(payload, separators=(",", ":"))
    try:
        response = webpush(
            info,
            data,
            vapid_private_key=vapid_key(),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            headers={"Urgency": "normal"},
        )
    except WebPushException as error:
        status = _status(error)
        if status in GONE:
            subscription.delete()
            return PushResult(ok=False, status=status, gone=True, detail="the subscription has ended")
        return _failed(subscription, status, f"the push service refused it: {status or error}")
    except Exception as error:
        # A bad stored key, a push service out of reach, a timeout: reported, never raised.
        log.warning("web push to subscription %s failed: %r", subscription.pk, error)
        return _failed(subscription, None, f"could not send: {type(error).__name__}: {error}")
    subscription.last_ok_at = now
    subscription.failures = 0
    subscription.save(update_fields=["last_ok_at", "failures"])
    return PushResult(ok=True, status=getattr(response, "status_code", None))


def _failed(subscription: PushSubscription, status: int | None, detail: str) -> PushResult:
    subscription.failures += 1
    subscription.save(update_fields=["failures"])
    return PushResult(ok=False, status=status, detail=detail[:300])
