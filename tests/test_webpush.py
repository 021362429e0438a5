"""Web Push end to end (issue 18 item 4): `send_push` against a push service this test runs
on 127.0.0.1, which checks the VAPID signature as a real one does and decrypts the message
with the browser's private key (made here, as a browser makes its own) using http_ece, the
library of the standard (RFC 8188, 8291). What arrives is what was sent; a subscription the
service calls gone is deleted; other failures are counted and reported, never raised."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from backease.reminders import webpush
from backease.reminders.models import PushSubscription
from backease.store import services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A push service on 127.0.0.1: answers `status` to every POST and keeps what came."""

    url: str
    status: int = 201
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            service.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
    thread.join(5)


@dataclass
class Browser:
    """What a browser keeps when it subscribes: its private key and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def decrypt(self, body: bytes) -> Any:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def browser() -> Browser:
    return Browser(private_key=ec.generate_private_key(ec.SECP256R1()), auth=os.urandom(16))


@pytest.fixture(autouse=True)
def vapid_in(tmp_path: Path) -> Iterator[Path]:
    """Each test its own data folder (where the VAPID key is made), no key in the settings."""
    webpush._vapid.cache_clear()
    with override_settings(DATA_DIR=tmp_path, VAPID_PRIVATE_KEY="", VAPID_SUBJECT="mailto:ops@example.org"):
        yield tmp_path
    webpush._vapid.cache_clear()


def subscribe(endpoint: str, browser: Browser) -> PushSubscription:
    return PushSubscription.objects.create(
        person=services.local_owner(),
        endpoint=endpoint,
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
        device="Chromium on Linux",
        created_at=NOW,
    )


def verified_claims(authorization: str) -> dict[str, Any]:
    """The JWT of a `vapid t=...,k=...` header (RFC 8292), its ES256 signature checked with
    the key `k` it names; that key must be this server's public key."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.split("=", 1) for item in rest.split(","))
    assert parts["k"] == webpush.public_key()
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    return dict(json.loads(unb64url(claims)))


def test_a_reminder_reaches_the_push_service_signed_and_only_the_browser_can_read_it(
    push_service: PushService, browser: Browser
) -> None:
    subscription = subscribe(f"{push_service.url}/push/abc123", browser)
    payload = webpush.reminder_payload(NOW, minutes=15)

    result = webpush.send_push(subscription, payload, now=NOW)

    assert result == webpush.PushResult(ok=True, status=201)
    [message] = push_service.received
    assert message.path == "/push/abc123"
    assert message.headers["content-encoding"] == "aes128gcm"
    assert int(message.headers["ttl"]) == webpush.TTL_SECONDS
    claims = verified_claims(message.headers["authorization"])
    assert claims["aud"] == push_service.url
    assert claims["sub"] == "mailto:ops@example.org"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    # Encrypted: the words are not in the body; the browser's key opens it.
    assert b"session" not in message.body
    assert browser.decrypt(message.body) == payload
    assert payload == {
        "title": "backease",
        "body": "Time for your upper back session (15 min)",
        "url": "/today/",
        "tag": "reminder-2026-12-08T18:00Z",
    }
    subscription.refresh_from_db()
    assert subscription.last_ok_at == NOW
    assert subscription.failures == 0


def test_another_browsers_key_cannot_read_it(push_service: PushService, browser: Browser) -> None:
    webpush.send_push(subscribe(f"{push_service.url}/push/1", browser), {"title": "x"}, now=NOW)
    stranger = Browser(private_key=ec.generate_private_key(ec.SECP256R1()), auth=browser.auth)
    with pytest.raises(http_ece.ECEException):
        stranger.decrypt(push_service.received[0].body)


def test_a_forged_signature_is_caught_by_the_check(push_service: PushService, browser: Browser) -> None:
    webpush.send_push(subscribe(f"{push_service.url}/push/1", browser), {"title": "x"}, now=NOW)
    authorization = push_service.received[0].headers["authorization"]
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    header, claims, _signature = token.split(".")
    other = b64url(
        json.dumps({"aud": "https://elsewhere.example", "exp": 2**31, "sub": "mailto:x@y.z"}).encode()
    )
    with pytest.raises(InvalidSignature):
        verified_claims(authorization.replace(f"{header}.{claims}.", f"{header}.{other}."))


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_deleted(
    push_service: PushService, browser: Browser, status: int
) -> None:
    push_service.status = status
    subscription = subscribe(f"{push_service.url}/push/gone", browser)

    result = webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW)

    assert (result.ok, result.status, result.gone) == (False, status, True)
    assert not PushSubscription.objects.exists()


def test_a_refusal_is_counted_and_reported_not_raised(push_service: PushService, browser: Browser) -> None:
    push_service.status = 503
    subscription = subscribe(f"{push_service.url}/push/busy", browser)

    first = webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW)
    second = webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW)

    assert (second.ok, second.status, second.gone) == (False, 503, False)
    assert "503" in first.detail
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.last_ok_at) == (2, None)
    # It comes back: the next push that goes through clears the count.
    push_service.status = 201
    assert webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW).ok
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.last_ok_at) == (0, NOW)


def test_a_push_service_out_of_reach_is_reported_not_raised(browser: Browser) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription = subscribe(f"http://127.0.0.1:{port}/push/none", browser)

    result = webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW)

    assert (result.ok, result.status, result.gone) == (False, None, False)
    assert "could not send" in result.detail
    subscription.refresh_from_db()
    assert subscription.failures == 1


def test_a_subscription_with_broken_keys_is_reported_not_raised(
    push_service: PushService, browser: Browser
) -> None:
    subscription = subscribe(f"{push_service.url}/push/broken", browser)
    subscription.p256dh = b64url(b"not a key")
    subscription.save()

    result = webpush.send_push(subscription, webpush.reminder_payload(NOW), now=NOW)

    assert not result.ok and not result.gone
    assert push_service.received == []


def test_the_vapid_key_is_made_once_kept_private_and_reused(vapid_in: Path) -> None:
    first = webpush.public_key()
    kept = vapid_in / webpush.KEY_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    webpush._vapid.cache_clear()  # another process, or the next start
    assert webpush.public_key() == first
    assert len(unb64url(first)) == 65 and unb64url(first)[0] == 4  # an uncompressed P-256 point
    assert [p.name for p in vapid_in.iterdir()] == [webpush.KEY_FILE]  # no temporary file left


@pytest.mark.parametrize("form", ["raw", "der", "pem"])
def test_a_vapid_key_from_the_environment_is_used(vapid_in: Path, form: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    written = {
        "raw": b64url(key.private_numbers().private_value.to_bytes(32, "big")),
        "der": b64url(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        "pem": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    }[form]
    with override_settings(VAPID_PRIVATE_KEY=written):
        assert webpush.public_key() == public
    assert not (vapid_in / webpush.KEY_FILE).exists()


def test_a_broken_vapid_key_in_the_environment_says_which_setting() -> None:
    with override_settings(VAPID_PRIVATE_KEY="not-a-key"), pytest.raises(ImproperlyConfigured) as error:
        webpush.public_key()
    assert "BACKEASE_VAPID_PRIVATE_KEY" in str(error.value)
