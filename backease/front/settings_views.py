"""The settings page: the session days and time (the schedule: a programme's planned days,
reminders and the calendar file follow it), the person's time zone (what "today", weeks,
streaks, calendar files and reports count in), and the browser's zone sent by
`static/front/zone.js`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backease.accounts.mode import current_person, is_server
from backease.core.errors import InputError
from backease.core.reminders import clock_text, quiet_text
from backease.core.zones import available_zones
from backease.front.calendar_views import calendar_context
from backease.store import services
from backease.store.models import Person
from backease.store.zones import default_zone_name, local_time, save_time_zone

DAY_LABELS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def _schedule_context(person: Person, form: dict[str, Any] | None) -> dict[str, Any]:
    saved = services.reminder_schedule(person)
    days, time = saved.days, clock_text(saved.time)
    quiet = saved.quiet
    form = form or {
        "days": list(days),
        "time": time,
        "quiet_from": clock_text(quiet[0]) if quiet else "",
        "quiet_until": clock_text(quiet[1]) if quiet else "",
        "reminders": saved.on,
    }
    return {
        "days": [(key, label, key in form["days"]) for key, label in DAY_LABELS.items()],
        "time": form["time"],
        "quiet_from": form["quiet_from"],
        "quiet_until": form["quiet_until"],
        "form_reminders": form["reminders"],
        "planned": [DAY_LABELS[d] for d in days],
        "planned_time": time,
        "planned_quiet": quiet_text(quiet),
        "planned_on": saved.on,
    }


def _quiet(start: str, end: str) -> str:
    """The quiet hours from the form's two times: "22:00-07:00", or "" when both are empty."""
    if not start and not end:
        return ""
    if not start or not end:
        raise InputError("quiet", "give both times (from and until), or leave both empty for none")
    return f"{start}-{end}"


def _context(person: Person, **extra: Any) -> dict[str, Any]:
    local = local_time(person)
    return {
        **_schedule_context(person, extra.pop("form", None)),
        "zone": local.name,
        "chosen": bool(person.time_zone),
        "default_zone": default_zone_name(),
        "now": local.now,
        "zones": sorted(available_zones()),
        "form_zone": extra.pop("form_zone", local.name),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """GET: the time zone form. POST: save it (a known IANA name; otherwise 400 and the form
    says why, nothing stored)."""
    person = current_person(request)
    if request.method == "POST":
        given = request.POST.get("time_zone", "")
        try:
            save_time_zone(person, given)
        except InputError as error:
            ctx = _context(
                person, zone_error=error, form_zone=given[:100], **calendar_context(request, person)
            )
            return render(request, "front/settings.html", ctx, status=400)
        return redirect(reverse("settings") + "?saved=zone#time-zone")
    saved = request.GET.get("saved", "")
    return render(
        request,
        "front/settings.html",
        _context(
            person,
            saved=saved == "zone",
            schedule_saved=saved == "schedule",
            saved_what=saved,
            **calendar_context(request, person),
        ),
    )


@require_POST
def schedule(request: HttpRequest) -> HttpResponse:
    """Save the session days and time, the quiet hours and whether reminders are on; bad
    input: 400, the form says which field and why, nothing stored."""
    person = current_person(request)
    form = {
        "days": [d[:10] for d in request.POST.getlist("days")[:7]],
        "time": request.POST.get("time", "").strip()[:10],
        "quiet_from": request.POST.get("quiet_from", "").strip()[:10],
        "quiet_until": request.POST.get("quiet_until", "").strip()[:10],
        "reminders": request.POST.get("reminders") == "on",
    }
    try:
        quiet = _quiet(form["quiet_from"], form["quiet_until"])
        services.save_schedule(person, form["days"], form["time"], quiet=quiet, reminders=form["reminders"])
    except InputError as error:
        ctx = _context(person, form=form, schedule_error=error, **calendar_context(request, person))
        return render(request, "front/settings.html", ctx, status=400)
    return redirect(reverse("settings") + "?saved=schedule#schedule")


@require_POST
def browser_zone(request: HttpRequest) -> HttpResponse:
    """The browser's zone, sent once by zone.js: kept only while the person has not chosen
    one (so it becomes their default, and a choice made in settings is never overwritten).
    Server mode: an account without self-care data yet (a therapist on the dashboard) gets
    no person made for it; `time_zone` null says so, and zone.js sends it again later."""
    if is_server():
        found = Person.objects.filter(user_id=request.user.pk).first()
        if found is None:
            return JsonResponse({"time_zone": None, "changed": False})
        request.person = found  # type: ignore[attr-defined]
    person = current_person(request)
    try:
        changed = save_time_zone(person, request.POST.get("time_zone", ""), only_if_unset=True)
    except InputError as error:
        return JsonResponse({"detail": [{"field": error.field, "message": error.message}]}, status=400)
    return JsonResponse({"time_zone": local_time(person).name, "changed": changed})
