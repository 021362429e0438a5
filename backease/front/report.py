"""The one-page report a person can print or show a clinician.

`render_report(person, now)` returns a whole HTML page with its styles inlined, so the
same text works as the /report/ page and as a downloaded file opened later, offline,
in any browser. It holds: what the report is (self-reported data, not a diagnosis), the
period covered, the latest safety check, the pain trend (chart and numbers), sessions
per week against the goal, techniques done, techniques turned off after sharp pain, and
the latest notes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from backease.front import charts
from backease.store import services
from backease.store.models import Person

STATIC = Path(__file__).parent / "static" / "front"
TECHNIQUES_LISTED = 7
NOTES_LISTED = 3
NOTE_LENGTH = 160
TABLE_ROWS = 40
"""Rows in the (screen-only) table of numbers under the report's pain chart."""


@cache
def stylesheet(name: str) -> str:
    """A stylesheet's text, inlined into the report so the downloaded file needs nothing else."""
    return (STATIC / name).read_text(encoding="utf-8")


def _minutes(seconds: int) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_LENGTH else text[: NOTE_LENGTH - 1].rstrip() + "…"


def _screening(person: Person) -> dict[str, Any] | None:
    from backease.front.views import label, precaution_words

    row = services.latest_screening(person)
    if row is None:
        return None
    return {
        "level": row.level,
        "title": label("level", row.level),
        "reasons": [r.get("message", "") for r in row.reasons if isinstance(r, dict)],
        "precautions": precaution_words(row.precautions),
        "at": timezone.localtime(row.created_at),
    }


def report_context(person: Person, now: datetime) -> dict[str, Any]:
    """Everything the report shows, as display data."""
    from backease.front.insights_views import change_view, farrar_reference, technique_names, turned_off

    local_now = timezone.localtime(now)
    found = services.insights(person, local_now)
    names = technique_names()
    weeks = found.adherence.weeks
    start_day = weeks[0][0] if weeks else local_now.date()
    span = services.history_span(person)
    start = timezone.make_aware(datetime.combine(start_day, time()), timezone.get_current_timezone())
    if span is not None and span[0] > start:
        start = span[0]
    usage = services.technique_usage(person, since=start)
    rated = [p for p in found.pain.points if p.before is not None and p.after is not None]
    return {
        "now": local_now,
        "start": timezone.localtime(start),
        "end": local_now,
        "has_history": span is not None,
        "first_record": timezone.localtime(span[0]) if span else None,
        "screening": _screening(person),
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
            {"at": timezone.localtime(n.at), "source": n.source, "text": _short(n.text)}
            for n in services.recent_notes(person, limit=NOTES_LISTED, since=start - timedelta(seconds=1))
        ],
        "farrar": farrar_reference(),
        "insights_css": stylesheet("insights.css"),
        "print_css": stylesheet("print.css"),
    }


def render_report(person: Person, now: datetime, *, for_file: bool = False) -> str:
    """The printable report as a whole HTML page, styles inlined.

    On the site it has a small toolbar (back, download, and a Print button that
    /static/front/print.js shows); `for_file=True` leaves out the links that only work
    on the site. Either way it says to press Ctrl+P.
    """
    ctx = report_context(person, now)
    ctx["for_file"] = for_file
    return render_to_string("front/report.html", ctx)
