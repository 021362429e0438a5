"""Sessions, steps and pain diary entries as CSV (see docs/exports.md).

One header row, then one row per record, oldest first. Times are ISO 8601 in UTC
(with their `+00:00` offset). Text cells that a spreadsheet could read as a formula
(starting with = + - @, a tab or a carriage return) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from backease.core.history import session_counts, step_done
from backease.store.models import PainEntry, Person, Session, StepLog

SESSION_COLUMNS = (
    "id",
    "started_at",
    "finished_at",
    "status",
    "pain_before",
    "pain_after",
    "stress_before",
    "stress_after",
    "stop_reason",
    "notes",
    "steps_done",
    "seconds_done",
    "counts_toward_goal",
)
STEP_COLUMNS = (
    "session_id",
    "index",
    "technique",
    "side",
    "seconds_planned",
    "seconds_done",
    "intensity",
    "feedback",
    "skipped",
)
PAIN_COLUMNS = ("at", "region", "pain", "stress", "note")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's list of characters that make a spreadsheet treat a cell as a formula."""

Cell = str | int | datetime | bool | None


def safe_cell(value: Cell) -> str | int:
    """A value as a CSV cell: numbers stay numbers, text can never start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _table(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def sessions_csv(person: Person) -> str:
    """One row per session. steps_done counts the steps done (`core.history.step_done`: time
    spent on them); counts_toward_goal is `core.history.session_counts`, as everywhere."""
    rows = []
    found = Session.objects.filter(person=person).order_by("started_at", "id").prefetch_related("steps")
    for session in found:
        logs = list(session.steps.all())
        rows.append(
            (
                session.id,
                session.started_at,
                session.finished_at,
                session.status,
                session.pain_before,
                session.pain_after,
                session.stress_before,
                session.stress_after,
                session.stop_reason,
                session.notes,
                sum(1 for log in logs if step_done(log.seconds_done)),
                sum(log.seconds_done for log in logs),
                session_counts(session.status, (log.seconds_done for log in logs)),
            )
        )
    return _table(SESSION_COLUMNS, rows)


def steps_csv(person: Person) -> str:
    """One row per step of every session, in session order then step order."""
    logs = StepLog.objects.filter(session__person=person).order_by(
        "session__started_at", "session_id", "index"
    )
    rows = (
        (
            log.session_id,
            log.index,
            log.technique,
            log.side,
            log.seconds_planned,
            log.seconds_done,
            log.intensity,
            log.feedback,
            log.skipped,
        )
        for log in logs
    )
    return _table(STEP_COLUMNS, rows)


def pain_csv(person: Person) -> str:
    """One row per pain diary entry. An empty region means the upper back in general."""
    entries = PainEntry.objects.filter(person=person).order_by("at", "id")
    rows = ((e.at, e.region, e.pain, e.stress, e.note) for e in entries)
    return _table(PAIN_COLUMNS, rows)
