"""Claiming reminders so that each is sent once, however many processes scan at a time.

A reminder is one row of `Reminder` per person, planned instant and channel; the unique
constraint on those three is the lock. To send, a process first *claims*: it inserts the
rows in state "claimed" with `INSERT ... ON CONFLICT DO NOTHING RETURNING`, one statement
for a whole batch, and sends only what came back, the rows it inserted. A second process
(another runner, a restarted one, a scan that overlaps the last) inserts nothing for the
same reminders, so it sends nothing.

A process can die between its claim and its send (killed, the machine restarted). Its rows
stay "claimed"; once their lease has run out (LEASE after `claimed_at`) any scan takes them
over, one compare-and-set UPDATE each, so a reminder is never lost. A process that dies
after sending but before marking the row sent leaves the same trace, and that reminder is
sent again: once in the normal case, at least once after a crash, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction

from backease.reminders.models import Reminder

LEASE = timedelta(minutes=10)
"""How long a claim holds before another scan may take it over. Longer than a batch takes
to send (BATCH reminders, each push or email with a timeout of a few seconds)."""

RETRY_AFTER = timedelta(minutes=5)
"""How long after a failed send (a push service or the mail server down) it is tried again."""

MAX_ATTEMPTS = 3
"""Sends tried per reminder; after that it stays "failed", with its reason in `detail`."""


def claim_new(pairs: Sequence[tuple[int, datetime]], channel: str, now: datetime) -> list[Reminder]:
    """Claim the reminders (person id, planned instant) on `channel` that nobody has
    claimed yet, in one statement; the rows this call inserted (the only ones its caller
    may send)."""
    if not pairs:
        return []
    model = Reminder
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [
        model(person_id=pid, due_at=due_at, channel=channel, state="claimed", attempts=1, claimed_at=now)
        for pid, due_at in pairs
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values: list[object] = []
    for row in rows:
        values.extend(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, values)
        ids = [row[0] for row in cursor.fetchall()]
    return list(model.objects.filter(pk__in=ids).order_by("due_at", "person_id"))


def stale_claims(channel: str, now: datetime, since: datetime, limit: int) -> list[Reminder]:
    """Rows on `channel` planned after `since` whose claim has lapsed (a process died
    holding it) or whose send failed and may be tried again: candidates for `take_over`."""
    lapsed = Reminder.objects.filter(
        channel=channel, due_at__gt=since, state="claimed", claimed_at__lt=now - LEASE
    )
    retry = Reminder.objects.filter(
        channel=channel,
        due_at__gt=since,
        state="failed",
        attempts__lt=MAX_ATTEMPTS,
        claimed_at__lt=now - RETRY_AFTER,
    )
    return list((lapsed | retry).order_by("due_at", "pk")[:limit])


def take_over(rows: Iterable[Reminder], now: datetime) -> list[Reminder]:
    """Claim again each of `rows` that nobody else has taken over since it was read (a
    compare-and-set on its state and claim time); the rows this call now holds."""
    taken = []
    for row in rows:
        changed = Reminder.objects.filter(pk=row.pk, state=row.state, claimed_at=row.claimed_at).update(
            state="claimed", claimed_at=now, attempts=row.attempts + 1
        )
        if changed:
            row.state, row.claimed_at, row.attempts = "claimed", now, row.attempts + 1
            taken.append(row)
    return taken


def claim_one(person_id: int, due_at: datetime, channel: str, now: datetime) -> Reminder | None:
    """Claim one reminder: a new row, or one whose claim lapsed or whose send may be
    retried; None when it was sent, or someone else holds it."""
    fresh = claim_new([(person_id, due_at)], channel, now)
    if fresh:
        return fresh[0]
    row = Reminder.objects.filter(person_id=person_id, due_at=due_at, channel=channel).first()
    if row is None or row.state == "sent":
        return None
    lapsed = row.state == "claimed" and row.claimed_at is not None and row.claimed_at < now - LEASE
    retry = (
        row.state == "failed"
        and row.attempts < MAX_ATTEMPTS
        and (row.claimed_at is None or row.claimed_at < now - RETRY_AFTER)
    )
    if not (lapsed or retry):
        return None
    taken = take_over([row], now)
    return taken[0] if taken else None


def finish(row: Reminder, state: str, detail: str, now: datetime, *, final: bool = False) -> bool:
    """Record how the send went ("sent" or "failed", with words in `detail`), if `row` is
    still held by this process (nobody took it over meanwhile). `final` on a failure: never
    try it again. True when recorded."""
    changes: dict[str, object] = {"state": state, "detail": detail[:300]}
    if state == "sent":
        changes["sent_at"] = now
    if final:
        changes["attempts"] = max(MAX_ATTEMPTS, row.attempts)
    done = (
        Reminder.objects.filter(pk=row.pk, state="claimed", claimed_at=row.claimed_at).update(**changes) == 1
    )
    if done:
        for name, value in changes.items():
            setattr(row, name, value)
    return done
