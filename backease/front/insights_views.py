"""Insights (is it working, and what helps?), the printable report, and exports.

The numbers come from `backease.core.insights` through `services.insights`; this module
only turns them into display data and charts (`backease.exports.charts`; the report and its
display helpers are `backease.exports.report`). Exports are built by
`backease.exports` and imported lazily. Everything is the local owner's: the views
only ever ask `services` for the data of `current_person(request)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from backease.accounts.mode import current_person
from backease.content.loader import load_content
from backease.core.errors import InputError
from backease.exports import charts
from backease.exports.backup import MAX_BYTES as MAX_BACKUP_BYTES
from backease.exports.report import change_view, farrar_reference, render_report, technique_names, turned_off
from backease.store import services
from backease.store.models import Person
from backease.store.zones import local_time

if TYPE_CHECKING:
    from collections.abc import Callable

    from backease.core.insights import Insights

MAX_UPLOAD = MAX_BACKUP_BYTES
"""Ten years of daily sessions make a backup of about 20 MB."""
"""A backup larger than this is refused (years of daily use is far smaller)."""
DAY_LABELS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def clock() -> datetime:
    """The current time; tests replace this to fix "this week"."""
    now: datetime = timezone.now()
    return now


# --- display helpers -------------------------------------------------------------------------


def region_labels() -> dict[str, str]:
    labels: dict[str, str] = {r.id: r.label for r in load_content().library.regions}
    labels[""] = "Upper back in general"
    return labels


# --- insights --------------------------------------------------------------------------------


def _insights_context(person: Person, now: datetime) -> dict[str, Any]:
    from backease.core.insights import MIN_SESSIONS_FOR_EFFECTS

    found: Insights = services.insights(person, now)  # counted in the person's zone
    names = technique_names()
    labels = region_labels()
    rated = found.rated
    adherence = found.adherence
    disabled = services.disabled_techniques(person)
    # The core lists every technique ever planned; only those done in rated sessions say anything.
    effects = [e for e in found.effects if e.sessions > 0]
    return {
        "ins": found,
        "adherence": adherence,
        "weeks_chart": charts.weeks_chart(adherence),
        "pain_chart": charts.pain_chart(found.pain),
        "trend": change_view(found.pain.trend),
        "immediate": change_view(found.pain.immediate),
        "regions": [
            {
                "label": labels.get(r.region, r.region),
                "count": len(r.points),
                "first": r.points[0][1] if r.points else None,
                "last": r.points[-1][1] if r.points else None,
                "change": change_view(r.trend),
            }
            for r in found.regions
        ],
        "stress_chart": charts.stress_chart(found.stress),
        "correlation": charts.number(found.stress.correlation, 2),
        "effects_chart": charts.effects_chart(effects, names) if found.effects_shown else None,
        "effects": [
            {"name": names.get(e.technique, e.technique), "effect": e, "off": e.technique in disabled}
            for e in effects
        ],
        "rated": rated,
        "needed": max(0, MIN_SESSIONS_FOR_EFFECTS - rated),
        "minimum": MIN_SESSIONS_FOR_EFFECTS,
        "turned_off": turned_off(person),
        "farrar": farrar_reference(),
    }


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """Is it working? Sessions per week, the pain trend, stress, and what helps you."""
    person = current_person(request)
    return render(request, "front/insights.html", _insights_context(person, clock()))


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("insights") + "#turned-off"


@require_POST
def enable_technique(request: HttpRequest, technique: str) -> HttpResponse:
    """Turn a technique back on (after sharp pain turned it off). Unknown ids: 404."""
    person = current_person(request)
    if load_content().library.technique(technique) is None:
        raise Http404(f"no technique '{technique}'")
    if technique in services.disabled_techniques(person):
        services.set_technique_enabled(person, technique, True, "You turned it back on.")
    return redirect(_back(request))


# --- the printable report --------------------------------------------------------------------------


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The one-page report to print or show a clinician (a whole page of its own)."""
    return HttpResponse(render_report(current_person(request), clock()))


# --- exports and imports ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Format:
    kind: str
    title: str
    suffix: str
    content_type: str
    about: str


FORMATS = (
    Format(
        "sessions-csv",
        "Sessions (CSV)",
        "sessions.csv",
        "text/csv; charset=utf-8",
        "One row per session: when, how it ended, pain and stress before and after, your notes. "
        "Opens in any spreadsheet.",
    ),
    Format(
        "steps-csv",
        "Session steps (CSV)",
        "steps.csv",
        "text/csv; charset=utf-8",
        "One row per step of every session: the technique, side, time planned and done, "
        "pressure, and what you pressed (helped, too much, sharp pain).",
    ),
    Format(
        "pain-csv",
        "Pain diary (CSV)",
        "pain.csv",
        "text/csv; charset=utf-8",
        "One row per diary entry: when, where, pain, stress and note.",
    ),
    Format(
        "backup",
        "Full backup (JSON)",
        "backup.json",
        "application/json",
        "Everything backease keeps: profile, safety checks, plans, sessions, diary, schedule and the "
        "techniques you turned off. Keep it somewhere safe; you can restore it below into an empty backease.",
    ),
    Format(
        "fhir",
        "Health record (FHIR R4 JSON)",
        "fhir.json",
        "application/fhir+json",
        "Your pain and stress ratings in FHIR, the standard format health-record systems use. "
        "Only useful if a clinic asks for it.",
    ),
    Format(
        "ics",
        "Calendar (.ics)",
        "calendar.ics",
        "text/calendar; charset=utf-8",
        "Your planned session days and time as a repeating event for your calendar app. "
        "Set the days and time below first.",
    ),
    Format(
        "report",
        "Report for a clinician (HTML)",
        "report.html",
        "text/html; charset=utf-8",
        "The one-page report as a file you can print, email or open later in any browser.",
    ),
)
FORMAT_BY_KIND = {f.kind: f for f in FORMATS}


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder).encode("utf-8")


def _build(kind: str, person: Person, now: datetime) -> bytes:
    """The file for one format. The exports package loads only when a file is asked for."""
    builders: dict[str, Callable[[], bytes]] = {
        "sessions-csv": lambda: _csv("sessions_csv", person),
        "steps-csv": lambda: _csv("steps_csv", person),
        "pain-csv": lambda: _csv("pain_csv", person),
        "backup": lambda: _backup(person),
        "fhir": lambda: _fhir(person),
        "ics": lambda: _ics(person, now),
        "report": lambda: render_report(person, now, for_file=True).encode("utf-8"),
    }
    return builders[kind]()


def _csv(name: str, person: Person) -> bytes:
    from backease.exports import csv_export

    text: str = getattr(csv_export, name)(person)
    return text.encode("utf-8")


def _backup(person: Person) -> bytes:
    from backease.exports.backup import make_backup

    return _json_bytes(make_backup(person))


def _fhir(person: Person) -> bytes:
    from backease.exports.fhir import fhir_bundle

    return _json_bytes(fhir_bundle(person))


def _ics(person: Person, now: datetime) -> bytes:
    from backease.exports.ics import calendar_ics

    return calendar_ics(person, now)


@require_GET
def download(request: HttpRequest, kind: str) -> HttpResponse:
    """One export as a file named backease-YYYY-MM-DD-<what>.<ext>. Unknown kinds: 404."""
    found = FORMAT_BY_KIND.get(kind)
    if found is None:
        raise Http404(f"no export called '{kind}'")
    now = clock()
    person = current_person(request)
    body = _build(kind, person, now)
    response = HttpResponse(body, content_type=found.content_type)
    name = f"backease-{local_time(person, now).today:%Y-%m-%d}-{found.suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _export_context(person: Person, **extra: Any) -> dict[str, Any]:
    days, time = services.schedule(person)
    return {
        "formats": FORMATS,
        "planned": [DAY_LABELS[d] for d in days],
        "planned_time": time,
        "max_upload_mb": MAX_UPLOAD // (1024 * 1024),
        **extra,
    }


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Every export format explained (the calendar file with the schedule it repeats; the
    schedule is changed on the settings page) and the backup import."""
    person = current_person(request)
    return render(request, "front/export.html", _export_context(person))


def _read_backup(request: HttpRequest) -> object:
    upload = request.FILES.get("backup")
    if upload is None or not upload.size:
        raise InputError("backup", "choose a backup file (.json) to import")
    if upload.size > MAX_UPLOAD:
        size = upload.size / (1024 * 1024)
        limit = MAX_UPLOAD // (1024 * 1024)
        raise InputError("backup", f"is too big ({size:.1f} MB); a backease backup is at most {limit} MB")
    from backease.exports.backup import load_backup

    return load_backup(upload, "backup")


RESTORED_LABELS = {
    "person": "",
    "profile": "profile",
    "screenings": "safety checks",
    "plans": "plans",
    "sessions": "sessions",
    "steps": "session steps",
    "pain_entries": "pain diary entries",
    "technique_choices": "technique choices",
}


@require_POST
def import_backup(request: HttpRequest) -> HttpResponse:
    """Restore a full backup into an empty backease (server mode: into the signed-in
    person's own, still empty, records). Anything wrong: 400, nothing changed."""
    try:
        data = _read_backup(request)
        from backease.exports.backup import restore_backup

        counts = restore_backup(data, into=current_person(request))
    except InputError as error:
        ctx = _export_context(current_person(request), import_error=error)
        return render(request, "front/export.html", ctx, status=400)
    restored = [(RESTORED_LABELS.get(name, name.replace("_", " ")), n) for name, n in counts.items()]
    restored = [(label, n) for label, n in restored if label]
    ctx = _export_context(current_person(request), imported=restored)
    return render(request, "front/export.html", ctx)
