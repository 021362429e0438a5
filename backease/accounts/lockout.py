"""django-axes hooks: which address a sign-in tried, and the page a locked-out visitor sees.

allauth hands axes the credentials as {"email": ..., "password": ...}, while its form
field is named `login`; `username` reads either, so failures count per address (lower
case) and IP whichever way axes asks. After AXES_FAILURE_LIMIT wrong passwords the next
attempt, even with the right password, gets `locked_out` (429) until the cool-off ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The address a sign-in tried: from allauth's credentials, else the form's `login`."""
    found = None
    if credentials:
        found = credentials.get("email") or credentials.get("login") or credentials.get("username")
    if not found and request is not None and request.method == "POST":
        found = request.POST.get("login")
    return str(found).strip().lower() if found else None


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
