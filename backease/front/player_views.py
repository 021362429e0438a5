"""The guided session player, the session summary, history and the pain diary.

Every session is fetched through `_get_session`, which only finds the local owner's
sessions, so no view can show someone else's. The player itself runs in the browser
(static/front/player.js) and saves progress through the JSON API as it goes.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from backease.accounts.mode import current_person
from backease.content.loader import load_content
from backease.core.errors import InputError
from backease.core.history import MIN_SECONDS_COUNTED, session_counts, step_done
from backease.core.insights import GOAL_HIGH, GOAL_LOW
from backease.core.library import Technique
from backease.core.script import DEFAULT_RATE, DEFAULT_WPS, SLOWEST_RATE, countdowns, record_scripts
from backease.core.sides import as_side, render_technique
from backease.core.vocab import REGIONS
from backease.front.views import REFUSED_LEVELS, checked_today, side_label
from backease.store import services
from backease.store.models import PainEntry, Person, Session, StepLog
from backease.store.zones import local_time

WEEKS_SHOWN = 8
SESSIONS_LISTED = 20
"""Sessions per page of History (`?sessions=N` for page N)."""
DIARY_LISTED = 20
"""Diary entries per page of History (`?diary=N`)."""

STATUS_LABELS = {
    "running": "Not finished",
    "completed": "Completed",
    "stopped": "Stopped",
    "skipped": "Skipped",
}
FEEDBACK_LABELS = {
    "helped": "Helped",
    "neutral": "No change",
    "too_much": "Too much",
    "sharp_pain": "Sharp pain",
}


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own: send them to the SVG icon."""
    return redirect(static("front/icon.svg"))


def clock() -> datetime:
    """The current time; tests replace this to fix "this week" and "this month"."""
    now: datetime = timezone.now()
    return now


def _get_session(person: Person, session_id: int) -> Session:
    try:
        return services.get_session(person, session_id)
    except InputError as error:
        raise Http404(error.message) from error


def _duration(seconds: int) -> str:
    minutes, rest = divmod(max(seconds, 0), 60)
    if minutes and rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} min" if minutes else f"{rest} s"


def _score(value: int | None) -> str:
    return "–" if value is None else str(value)


PAIN_HINT = "0 no pain, 10 worst pain imaginable."
STRESS_HINT = "0 calm, 10 extremely stressed."


def _scale(name: str, legend: str, hint: str, value: object, required: bool = False) -> dict[str, Any]:
    """A 0-10 rating as radio buttons: one per number, the current value checked."""
    current = str(value) if value is not None else ""
    prefix = name.replace("_", "-")
    return {
        "name": name,
        "id": prefix,
        "required": required,
        "legend": legend,
        "hint": hint,
        "hint_id": f"{prefix}-hint",
        "options": [{"value": n, "id": f"{prefix}-{n}", "checked": str(n) == current} for n in range(11)],
    }


# --- the player -----------------------------------------------------------------------------


def _player_steps(row: Session) -> list[dict[str, Any]]:
    """The session's steps as the player needs them: plan step, how-to, variants, progress.

    The step logs are the session's own record (they exist even if the plan is gone);
    the plan adds names, reasons and cues; the library adds how-to text and the cue for
    each intensity, so "Too much" can show the gentler version.
    """
    library = load_content().library
    planned = row.plan.data.get("steps", []) if row.plan is not None else []
    logs = list(row.steps.all())
    steps = []
    positions = []
    for log in logs:
        known = planned[log.index] if log.index < len(planned) else {}
        technique = library.technique(log.technique)
        positions.append(known.get("position") or (technique.position if technique else ""))
    # The get-ready countdown before each step: the one definition the planner budgets
    # (plans stored before it was budgeted get the same countdowns, just not in the total).
    sequence = [
        (library.technique(log.technique), log.side, p) for log, p in zip(logs, positions, strict=True)
    ]
    prepare = countdowns(library, sequence)
    # What the voice says and when (`core.script`): the plan's, or for a plan stored before
    # scripts were (or a session without its plan), computed from the steps as they are.
    known_steps = [planned[log.index] if log.index < len(planned) else {} for log in logs]
    scripts = record_scripts(
        library,
        [
            {
                **known,
                "technique": log.technique,
                "side": log.side,
                "position": p,
                "seconds": log.seconds_planned,
            }
            for known, log, p in zip(known_steps, logs, positions, strict=True)
        ],
    )
    for log, position, countdown, script in zip(logs, positions, prepare, scripts, strict=True):
        plan_step: dict[str, Any] = planned[log.index] if log.index < len(planned) else {}
        tech = library.technique(log.technique)
        if tech is not None:
            tech = render_technique(tech, as_side(log.side))  # the words for the side worked
        variants = {v.intensity: v.cue for v in tech.intensities} if tech else {}
        steps.append(
            {
                "index": log.index,
                "technique": log.technique,
                "name": plan_step.get("name") or (tech.name if tech else log.technique),
                "kind": plan_step.get("kind") or (tech.kind if tech else ""),
                "seconds": log.seconds_planned,
                "side": log.side,
                "intensity": log.intensity,
                "planned_intensity": plan_step.get("intensity", log.intensity),
                "position": position,
                "prepare_seconds": int(plan_step.get("prepare_seconds", countdown)),
                "reason": plan_step.get("reason", ""),
                "cue": plan_step.get("cue") or variants.get(log.intensity, ""),
                "variants": variants,
                "how": list(tech.steps) if tech else [],
                "breathing": tech.breathing_cue if tech else "",
                "stop_if": list(tech.stop_if) if tech else [],
                "spoken": _spoken(tech),
                "script": script,
                "seconds_done": log.seconds_done,
                "skipped": log.skipped,
                "feedback": log.feedback,
            }
        )
    return steps


def _spoken(tech: Technique | None) -> dict[str, Any]:
    """The technique's spoken lines (already rendered for the step's side): the player shows
    the short ones as the cue (what is said follows the step's `script`)."""
    if tech is None:
        return {}
    s = tech.spoken
    return {
        "setup": s.setup,
        "setup_short": s.setup_short,
        "go": s.go,
        "cues": list(s.cues),
        "breathing": s.breathing,
        "stop": s.stop,
    }


def _speech() -> dict[str, float]:
    """The speech rates the player offers (core.script): a script line takes its
    `speak_seconds` at the default rate, twice as long at half that rate."""
    return {"default_rate": DEFAULT_RATE, "default_wps": DEFAULT_WPS, "slowest_rate": SLOWEST_RATE}


def session(request: HttpRequest, session_id: int) -> HttpResponse:
    """The guided player for one of the owner's sessions; a finished one shows its summary."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    person = current_person(request)
    row = _get_session(person, session_id)
    if row.status == Session.Status.RUNNING:
        services.safety_stop(row)  # ended, never carried on, once the safety check says urgent
    if row.status != Session.Status.RUNNING:
        return redirect("session_done", session_id=row.id)
    plan_data = row.plan.data if row.plan is not None else {}
    data = {
        "id": row.id,
        "status": row.status,
        "pain_before": row.pain_before,
        "stress_before": row.stress_before,
        "steps": _player_steps(row),
        "speech": _speech(),
        "csrf_token": get_token(request),
        "urls": {
            "api": f"/api/sessions/{row.id}",
            "done": reverse("session_done", args=[row.id]),
            "check": reverse("check"),
        },
    }
    ctx = {
        "session": row,
        "data": data,
        "before": plan_data.get("before", []),
        "after": plan_data.get("after", []),
        "programme": plan_data.get("programme"),  # a therapist's programme (backease.clinic)
        "checked_today": checked_today(person, services.latest_screening(person)),
        "before_scales": [
            _scale("pain_before", "Back pain now", PAIN_HINT, row.pain_before),
            _scale("stress_before", "Stress now", STRESS_HINT, row.stress_before),
        ],
        "after_scales": [
            _scale("pain_after", "How much does your back hurt now?", PAIN_HINT, row.pain_after),
            _scale("stress_after", "How stressed do you feel now?", STRESS_HINT, row.stress_after),
        ],
    }
    return render(request, "front/session.html", ctx)


# --- the summary ------------------------------------------------------------------------------


def _step_rows(row: Session) -> list[dict[str, Any]]:
    library = load_content().library
    planned = row.plan.data.get("steps", []) if row.plan is not None else []
    rows = []
    for log in row.steps.all():
        name = planned[log.index].get("name") if log.index < len(planned) else None
        tech = library.technique(log.technique)
        rows.append(
            {
                "number": log.index + 1,
                "name": name or (tech.name if tech else log.technique),
                "side": side_label(log.side),
                "intensity": log.intensity,
                "done": _duration(log.seconds_done),
                "planned": _duration(log.seconds_planned),
                "state": _step_state(log),
                "feedback": FEEDBACK_LABELS.get(log.feedback, ""),
            }
        )
    return rows


def _step_state(log: StepLog) -> str:
    if log.skipped:
        return "Skipped"
    if log.seconds_done >= log.seconds_planned:
        return "Done"
    return "Part done" if log.seconds_done else "Not started"


def _pain_text(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return "You did not rate your pain both before and after, so there is no change to show."
    if after < before:
        return f"Your pain went down from {before} to {after} out of 10."
    if after > before:
        return f"Your pain went up from {before} to {after} out of 10."
    return f"Your pain stayed at {before} out of 10."


def _safety_stop(person: Person, row: Session) -> dict[str, Any] | None:
    """For a session ended because the safety check became urgent or emergency: the
    latest check's level and advice, as the check's result shows them."""
    if row.stop_reason != services.SAFETY_STOP:
        return None
    screening = services.latest_screening(person)
    if screening is None:
        return None
    return {
        "level": screening.level,
        "title": load_content().result_title(screening.level, screening.advice),
        "advice": screening.advice,
        "refused": screening.level in REFUSED_LEVELS,
    }


def session_done(request: HttpRequest, session_id: int) -> HttpResponse:
    """What happened in a session; after a sharp-pain stop, what to do now."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    person = current_person(request)
    row = _get_session(person, session_id)
    logs = list(row.steps.all())
    # The player adds ?sharp=1 when it stops for sharp pain, so the guidance shows even
    # if saving failed; showing advice is harmless when it is not needed.
    stored_sharp = row.stop_reason == "sharp pain" or any(log.feedback == "sharp_pain" for log in logs)
    sharp = stored_sharp or request.GET.get("sharp") == "1"
    steps = _step_rows(row)
    ctx = {
        "safety": _safety_stop(person, row),
        "session": row,
        "status": STATUS_LABELS.get(row.status, row.status),
        "running": row.status == Session.Status.RUNNING,
        "steps": steps,
        "steps_done": sum(1 for log in logs if step_done(log.seconds_done)),
        "steps_total": len(logs),
        "time_done": _duration(sum(log.seconds_done for log in logs)),
        "counted": session_counts(row.status, (log.seconds_done for log in logs)),
        "min_seconds": MIN_SECONDS_COUNTED,
        "too_much": [r for r in steps if r["feedback"] == "Too much"],
        "sharp": sharp,
        "pain_before": _score(row.pain_before),
        "pain_after": _score(row.pain_after),
        "pain_text": _pain_text(row.pain_before, row.pain_after),
        "pain_rose": row.pain_before is not None
        and row.pain_after is not None
        and row.pain_after - row.pain_before >= services.RECHECK_RISE,
        "stress_before": _score(row.stress_before),
        "stress_after": _score(row.stress_after),
    }
    return render(request, "front/session_done.html", ctx)


# --- history and the pain diary -----------------------------------------------------------------


def _session_rows(items: list[Session]) -> list[dict[str, Any]]:
    """Rows of the session list; time done and "counts" come from the session's facts."""
    return [
        {
            "id": s.id,
            "started": timezone.localtime(s.started_at),
            "done": _duration(services.facts_of(s).seconds_done),
            "counted": services.facts_of(s).counted,
            "status": STATUS_LABELS.get(s.status, s.status),
            "running": s.status == Session.Status.RUNNING,
            "stop_reason": s.stop_reason,
            "pain_before": _score(s.pain_before),
            "pain_after": _score(s.pain_after),
        }
        for s in items
    ]


def _month(person: Person, today: date) -> dict[str, Any]:
    """This month as weeks of days, each with how many sessions that count started that day."""
    per_day = services.counted_per_day(person, today.replace(day=1))
    weeks = [
        [
            {"day": d.day, "date": d, "count": per_day.get(d, 0), "today": d == today}
            if d.month == today.month
            else None
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(today.year, today.month)
    ]
    in_month = sum(n for d, n in per_day.items() if (d.year, d.month) == (today.year, today.month))
    return {
        "title": today.strftime("%B %Y"),
        "weeks": weeks,
        "count": in_month,
        "days": [(name, abbr) for name, abbr in zip(calendar.day_name, calendar.day_abbr, strict=True)],
    }


def _week_chart(counts: list[tuple[datetime, int]]) -> dict[str, Any]:
    """Geometry of the sessions-per-week bar chart (an SVG drawn by the template)."""
    width, height, top, bottom, left = 320, 170, 10, 30, 26
    plot_h = height - top - bottom
    top_value = max(GOAL_HIGH + 1, *(n for _, n in counts))
    slot = (width - left) / len(counts)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / top_value), 1)

    # Both goal lines get a label only while they are far enough apart to read.
    goal_ticks = (GOAL_LOW, GOAL_HIGH) if top_value <= 10 else (GOAL_HIGH,)

    bars = []
    for i, (start, n) in enumerate(counts):
        bars.append(
            {
                "x": round(left + i * slot + slot * 0.2, 1),
                "y": y(n),
                "width": round(slot * 0.6, 1),
                "height": round(plot_h * n / top_value, 1),
                "label_x": round(left + i * slot + slot / 2, 1),
                "start": start,
                "count": n,
                "met": n >= GOAL_LOW,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "plot_width": width - left,
        "axis_y": height - bottom,
        "label_y": height - bottom + 16,
        "band_y": y(GOAL_HIGH),
        "band_height": round(y(GOAL_LOW) - y(GOAL_HIGH), 1),
        "ticks": [{"value": v, "y": y(v)} for v in sorted({0, *goal_ticks, top_value})],
        "bars": bars,
    }


DIARY_FIELDS = {"pain": "Pain", "stress": "Stress", "region": "Where", "note": "Note"}


def _page(request: HttpRequest | None, name: str) -> int:
    """The page number in `?name=N` (1 when missing or not a positive whole number)."""
    text = request.GET.get(name, "") if request is not None else ""
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


def _pages(request: HttpRequest | None, name: str, total: int, size: int) -> dict[str, Any]:
    """Which slice of a list a page shows, with links to the pages before and after."""
    last = max(1, -(-total // size))
    page = min(_page(request, name), last)
    others = {k: v for k, v in (request.GET.items() if request is not None else ()) if k != name}

    def link(number: int) -> str:
        query = QueryDict(mutable=True)
        query.update(others)
        query[name] = str(number)
        return f"?{query.urlencode()}#{'sessions' if name == 'sessions' else 'diary'}"

    offset = (page - 1) * size
    return {
        "page": page,
        "last": last,
        "offset": offset,
        "first_shown": offset + 1 if total else 0,
        "last_shown": min(total, offset + size),
        "total": total,
        "newer": link(page - 1) if page > 1 else "",
        "older": link(page + 1) if page < last else "",
    }


def _history_context(
    person: Person, form: dict[str, str], request: HttpRequest | None = None
) -> dict[str, Any]:
    now = local_time(person, clock()).now
    session_pages = _pages(request, "sessions", services.count_sessions(person), SESSIONS_LISTED)
    diary_pages = _pages(request, "diary", services.count_pain_entries(person), DIARY_LISTED)
    items = services.sessions(person, limit=SESSIONS_LISTED, offset=session_pages["offset"], steps=False)
    totals = services.totals_until(person, now)
    counts = services.weekly_counts(person, weeks=WEEKS_SHOWN, now=now, totals=totals)
    library = load_content().library
    region_labels = {r.id: r.label for r in library.regions}
    entries = services.pain_entries(person, limit=DIARY_LISTED, offset=diary_pages["offset"])
    return {
        "sessions": _session_rows(items),
        "session_count": session_pages["total"],
        "session_pages": session_pages,
        "month": _month(person, now.date()),
        "weeks": counts,
        "chart": _week_chart(counts),
        "weeks_met": sum(1 for _, n in counts if n >= GOAL_LOW),
        "weeks_total": len(counts),
        "week_sessions": sum(n for _, n in counts),
        "goal_low": GOAL_LOW,
        "goal_high": GOAL_HIGH,
        "pain_change": services.pain_change(person, totals=totals),
        "entries": [
            {"entry": e, "region": region_labels.get(e.region, "Upper back in general")} for e in entries
        ],
        "diary_pages": diary_pages,
        "regions": [(r, region_labels.get(r, r)) for r in REGIONS],
        "form": {"region": form.get("region", ""), "note": form.get("note", "")},
        "diary_scales": [
            _scale("pain", "Pain now", PAIN_HINT, form.get("pain") or None, required=True),
            _scale("stress", "Stress now (optional)", STRESS_HINT, form.get("stress") or None),
        ],
    }


def history(request: HttpRequest) -> HttpResponse:
    """Past sessions (list, calendar, sessions per week) and the pain diary, a page at a time."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    person = current_person(request)
    ctx = _history_context(person, {}, request)
    ctx["deleted"] = DELETED_NOTES.get(request.GET.get("deleted", ""), "")
    return render(request, "front/history.html", ctx)


def _whole_number(field: str, text: str, *, optional: bool = False) -> int | None:
    text = text.strip()
    if not text and optional:
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(field, "must be a whole number from 0 to 10") from None


def diary(request: HttpRequest) -> HttpResponse:
    """Add a pain diary entry; bad input re-renders history naming the field (400)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    person = current_person(request)
    form = {name: request.POST.get(name, "") for name in ("region", "pain", "stress", "note")}
    try:
        services.add_pain_entry(
            person,
            pain=_whole_number("pain", form["pain"]),
            region=form["region"],
            stress=_whole_number("stress", form["stress"], optional=True),
            note=form["note"].strip(),
        )
    except InputError as error:
        ctx = _history_context(person, form)
        ctx["error"] = error
        ctx["error_label"] = DIARY_FIELDS.get(error.field, error.field)
        return render(request, "front/history.html", ctx, status=400)
    return redirect(reverse("history") + "#diary")


# --- deleting: a session, a diary entry, everything ------------------------------------------

DELETED_NOTES = {
    "session": "The session was deleted.",
    "entry": "The diary entry was deleted.",
}


def _describe_session(row: Session) -> str:
    started = timezone.localtime(row.started_at).strftime("%A %-d %B %Y, %H:%M")
    status = STATUS_LABELS.get(row.status, row.status).lower()
    return f"The session of {started} ({status}, {_duration(services.seconds_done(row))} done)"


def delete_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: ask to confirm. POST: delete one of the owner's sessions and its step log."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    person = current_person(request)
    row = _get_session(person, session_id)
    if request.method == "POST":
        services.delete_session(row)
        return redirect(reverse("history") + "?deleted=session#sessions")
    ctx = {
        "title": "Delete this session?",
        "what": _describe_session(row) + " and the record of each step will be deleted.",
        "consequence": "It will no longer count in your history, charts or insights. This cannot be undone.",
        "action": reverse("delete_session", args=[row.id]),
        "button": "Delete the session",
        "cancel": reverse("session_done", args=[row.id]),
    }
    return render(request, "front/confirm_delete.html", ctx)


def delete_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    """GET: ask to confirm. POST: delete one of the owner's pain diary entries."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    person = current_person(request)
    try:
        entry = services.get_pain_entry(person, entry_id)
    except InputError as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        services.delete_pain_entry(entry)
        return redirect(reverse("history") + "?deleted=entry#diary")
    at = timezone.localtime(entry.at).strftime("%A %-d %B %Y, %H:%M")
    ctx = {
        "title": "Delete this diary entry?",
        "what": f"The diary entry of {at} (pain {entry.pain} out of 10) will be deleted.",
        "consequence": "This cannot be undone.",
        "action": reverse("delete_entry", args=[entry.id]),
        "button": "Delete the entry",
        "cancel": reverse("history") + "#diary",
    }
    return render(request, "front/confirm_delete.html", ctx)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def delete_everything(request: HttpRequest) -> HttpResponse:
    """GET: say what will go and ask to confirm. POST: delete everything kept about the owner."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    person = current_person(request)
    if request.method == "POST":
        counts = services.delete_everything(person)
        ctx = {"counts": counts, "summary": _counts_text(counts), "hide_safety_banner": True}
        return render(request, "front/deleted_everything.html", ctx)
    counts = {
        "sessions": Session.objects.filter(person=person).count(),
        "diary_entries": PainEntry.objects.filter(person=person).count(),
        "plans": person.plans.count(),
        "safety_checks": person.screenings.count(),
    }
    return render(request, "front/delete_everything.html", {"summary": _counts_text(counts)})


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(
        [
            _plural(counts["sessions"], "session", "sessions"),
            _plural(counts["diary_entries"], "diary entry", "diary entries"),
            _plural(counts["plans"], "plan", "plans"),
            _plural(counts["safety_checks"], "safety check", "safety checks"),
        ]
    )
