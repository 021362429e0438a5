"""The subscribable calendar (docs/reminders.md): /calendar/<token>.ics serves the same
privacy-minimal calendar file as the export (the planned sessions with their alarm) to a
calendar app that subscribes to it, with no sign-in: the long random secret in the URL is
its key. The settings page makes the link, makes a new one (the old stops working), or
turns it off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from backease.accounts.mode import current_person, is_server
from backease.core import reminders as rules
from backease.reminders import services as reminders
from backease.store import services
from backease.store.models import Person

REFRESH_SECONDS = 3600
"""How long a calendar app may keep the file before asking again (an hour)."""


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar file of the person whose calendar URL has this secret; 404 otherwise."""
    person = services.person_by_calendar_token(token)
    if person is None:
        raise Http404("no calendar at this address (the link may have been turned off or replaced)")
    from backease.exports.ics import calendar_ics

    response = HttpResponse(calendar_ics(person, timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="backease.ics"'
    response["Cache-Control"] = f"private, max-age={REFRESH_SECONDS}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_POST
def calendar_link(request: HttpRequest) -> HttpResponse:
    """Make the calendar link (or a new one in its place), or turn it off (action=off)."""
    person = current_person(request)
    if request.POST.get("action") == "off":
        services.revoke_calendar_token(person)
        saved = "calendar-off"
    else:
        services.make_calendar_token(person)
        saved = "calendar"
    return redirect(reverse("settings") + f"?saved={saved}#calendar")


def calendar_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    """What the settings page shows of the schedule's reminders and the calendar link."""
    token = services.calendar_token(person)
    url = ""
    if token:
        path = reverse("calendar_feed", args=[token])
        origin = getattr(settings, "PUBLIC_ORIGIN", "") if is_server() else ""
        url = f"{origin.rstrip('/')}{path}" if origin else request.build_absolute_uri(path)
    schedule = services.reminder_schedule(person)
    due = reminders.due(person)
    return {
        "calendar_url": url,
        "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        "reminder_days": [rules.DAY_NAMES[rules.WEEKDAYS.index(day)] for day in schedule.days],
        "reminder_time": rules.clock_text(schedule.time),
        "reminder_quiet": rules.quiet_text(schedule.quiet),
        "reminders_on": schedule.on,
        "next_reminder": due.next_at,
    }
