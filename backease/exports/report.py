"""The one-page report a person can print or show a clinician.

`render_report(person, now)` returns a whole HTML page with its styles inlined, so the
same text works as the /report/ page, as a downloaded file opened later, offline, in any
browser, and as `backease export report`. It holds: what the report is (self-reported
data, not a diagnosis), the period covered, the latest safety check, the pain trend (chart
and numbers), sessions per week against the goal, techniques done, techniques turned off
after sharp pain, and the latest notes.

It lives with the exports because several front ends make it (the web app, the terminal,
the clinic's client page). Its display helpers (`change_view`, `turned_off`, ...) are the
insights page's too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from backease.content.loader import load_content
from backease.core.zones import LocalTime
from backease.exports import charts
from backease.store import services
from backease.store.models import Person
from backease.store.zones import local_time

if TYPE_CHECKING:
    from backease.core.insights import Change

TECHNIQUES_LISTED = 7
NOTES_LISTED = 3
NOTE_LENGTH = 160
TABLE_ROWS = 40
"""Rows in the (screen-only) table of numbers under the report's pain chart."""


FARRAR = "farrar_2001_nrs"
STYLESHEETS = {"insights_css": "front/insights.css", "print_css": "front/print.css"}
"""The site's stylesheets the report inlines (static paths, found as any static file is)."""


@cache
def stylesheet(path: str) -> str:
    """A static stylesheet's text, inlined into the report so the downloaded file needs
    nothing else."""
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    if not isinstance(found, str):
        raise LookupError(f"no static file {path}")
    with open(found, encoding="utf-8") as handle:
        return handle.read()


# --- display helpers (the insights page uses them too) ----------------------------------------


def change_view(change: Change) -> dict[str, Any]:
    """A change in pain as the page shows it: a short verdict and the core's sentence.

    Farrar 2001 (farrar_2001_nrs): a fall of about 2 points or 30 % on the 0-10 scale is
    a change people notice; below that it is "not yet meaningful". The core never calls
    a rise meaningful; it is shown as a rise.
    """
    delta = round(change.delta or 0.0, 1)
    if not change.enough_data:
        verdict, tone = "Too little data", "none"
    elif change.meaningful:
        verdict, tone = "A noticeable fall", "good"
    elif delta > 0:
        verdict, tone = "Pain rose", "bad"
    else:
        verdict, tone = "Not yet meaningful", "none"
    return {
        "verdict": verdict,
        "tone": tone,
        "wording": change.wording,
        "before": charts.number(change.before),
        "after": charts.number(change.after),
        "delta": charts.signed(change.delta),
        "percent": charts.signed(change.percent, 0),
        "enough_data": change.enough_data,
    }


def technique_names() -> dict[str, str]:
    return {t.id: t.name for t in load_content().library.techniques}


def farrar_reference() -> Any:
    return next((r for r in load_content().library.references if r.id == FARRAR), None)


def turned_off(person: Person) -> list[dict[str, str]]:
    """Techniques the person turned off (or that sharp pain turned off), with their names."""
    names = technique_names()
    return [
        {"id": c.technique, "name": names.get(c.technique, c.technique), "reason": c.reason}
        for c in services.technique_choices(person)
        if c.disabled
    ]


# --- the report ----------------------------------------------------------------------------------


def _minutes(seconds: int) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_LENGTH else text[: NOTE_LENGTH - 1].rstrip() + "…"


def _screening(person: Person, local: LocalTime) -> dict[str, Any] | None:
    row = services.latest_screening(person, local.today)
    if row is None:
        return None
    library = load_content().library
    return {
        "level": row.level,
        "title": load_content().result_title(row.level, row.advice),
        "reasons": [r.get("message", "") for r in row.reasons if isinstance(r, dict)],
        "precautions": [library.precaution_words(item) for item in row.precautions],
        "at": local.local(row.created_at),
    }


def report_context(person: Person, now: datetime) -> dict[str, Any]:
    """Everything the report shows, as display data: days, weeks and times in the
    person's zone."""
    local = local_time(person, now)
    local_now = local.now
    found = services.insights(person, local_now)
    names = technique_names()
    weeks = found.adherence.weeks
    start_day = weeks[0][0] if weeks else local_now.date()
    span = services.history_span(person)
    start, _ = local.day_bounds(start_day)
    if span is not None and span[0] > start:
        start = span[0]
    usage = services.technique_usage(person, since=start)
    rated = [p for p in found.pain.points if p.before is not None and p.after is not None]
    return {
        "now": local_now,
        "start": local.local(start),
        "end": local_now,
        "has_history": span is not None,
        "first_record": local.local(span[0]) if span else None,
        "screening": _screening(person, local),
        "ins": found,
        "adherence": found.adherence,
        "weeks_total": len(weeks),
        "pain_chart": charts.pain_chart(found.pain, rows=TABLE_ROWS),
        "rated": len(rated),
        "trend": change_view(found.pain.trend),
        "immediate": change_view(found.pain.immediate),
        "techniques": [
            {
                "id": u.technique,
                "name": names.get(u.technique, u.technique),
                "sessions": u.sessions,
                "minutes": _minutes(u.seconds),
            }
            for u in usage[:TECHNIQUES_LISTED]
        ],
        "techniques_more": max(0, len(usage) - TECHNIQUES_LISTED),
        "turned_off": turned_off(person),
        "notes": [
            {"at": local.local(n.at), "source": n.source, "text": _short(n.text)}
            for n in services.recent_notes(person, limit=NOTES_LISTED, since=start - timedelta(seconds=1))
        ],
        "farrar": farrar_reference(),
        **{key: stylesheet(path) for key, path in STYLESHEETS.items()},
    }


def render_report(person: Person, now: datetime, *, for_file: bool = False) -> str:
    """The printable report as a whole HTML page, styles inlined.

    On the site it has a small toolbar (back, download, and a Print button that
    /static/front/print.js shows); `for_file=True` leaves out the links that only work
    on the site (the web app's URLs). Either way it says to press Ctrl+P.
    """
    ctx = report_context(person, now)
    ctx["for_file"] = for_file
    # Dates and times shown in the person's zone, whoever renders it (terminal, clinic).
    with timezone.override(ctx["now"].tzinfo):
        return render_to_string("exports/report.html", ctx)
