"""django-axes hooks: which address a sign-in tried, and the page a locked-out visitor sees.

allauth hands axes the credentials as {"email": ..., "password": ...}, while its form
field is named `login`; `username` reads either, so failures count per address (lower
case) and IP whichever way axes asks. After AXES_FAILURE_LIMIT wrong passwords the next
attempt, even with the right password, gets `locked_out` (429) until the cool-off ends.

Known devices: a lock on (account, address) alone lets anyone behind the same address (an
office NAT, a second proxy) lock the owner out of their own account. So a browser where
the account signed in before carries a signed cookie naming the account (DEVICE_COOKIE,
set on every successful sign-in); its sign-ins to that account count as a device of their
own, `<address> (device <id>)`: failures elsewhere do not lock it, and its own wrong
passwords lock it just the same. A browser without the cookie is counted as before.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

DEVICE_COOKIE = "backease_device"
DEVICE_DAYS = 180
_SALT = "backease.accounts.device"


def tried(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The address a sign-in tried: from allauth's credentials, else the form's `login`."""
    found = None
    if credentials:
        found = credentials.get("email") or credentials.get("login") or credentials.get("username")
    if not found and request is not None and request.method == "POST":
        found = request.POST.get("login")
    return str(found).strip().lower() if found else None


def known_device(request: HttpRequest | None, address: str | None) -> str:
    """An id of this browser when it signed in to `address` before (its DEVICE_COOKIE), else ""."""
    if request is None or not address:
        return ""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return ""
    try:
        data = signing.loads(raw, salt=_SALT, max_age=DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("e") != address or not isinstance(data.get("n"), str):
        return ""
    return hashlib.sha256(data["n"].encode()).hexdigest()[:12]


def username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """What axes counts failures against: the address tried, or `<address> (device <id>)`
    from a browser that signed in to that address before."""
    address = tried(request, credentials)
    device = known_device(request, address)
    return f"{address} (device {device})" if device else address


def remember_device(response: HttpResponse, user: Any) -> None:
    """After a successful sign-in: this browser is a known device of `user` from now on."""
    value = signing.dumps({"e": str(user.email).lower(), "n": secrets.token_urlsafe(16)}, salt=_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 86400,
        path="/accounts/",
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
        httponly=True,
        samesite="Lax",
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """A plain page: too many wrong passwords; when to try again; how to reset instead."""
    cool_off = get_cool_off(request) or timedelta(minutes=30)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    until = timezone.localtime(timezone.now() + cool_off)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "until": until},
        status=429,
    )
