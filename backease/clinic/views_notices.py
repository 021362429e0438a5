"""A signed-in user's notices (/me/notices/): unread first; mark one or all read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from backease.accounts.models import User
from backease.clinic import notices
from backease.clinic.models import Notice

SHOWN = 100


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@require_GET
def my_notices(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread = notices.unread(user)
    read = list(Notice.objects.filter(recipient=user, read_at__isnull=False)[: max(0, SHOWN - len(unread))])
    return render(request, "clinic/notices.html", {"unread": unread, "read": read})


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notice (`notice` in the form) or all of them (`all`) read."""
    user = _user(request)
    raw = request.POST.get("notice", "")
    if raw.isdigit():
        notices.mark_read(user, int(raw))
    elif request.POST.get("all"):
        notices.mark_read(user)
    return redirect("my_notices")
