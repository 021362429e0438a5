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

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection

from backease.reminders.models import Reminder

LEASE = timedelta(minutes=10)
"""How long a claim holds before another scan may take it over. Longer than a batch takes
to send (BATCH reminders, each push or email with a timeout of a few seconds)."""

RETRY_AFTER = timedelta(minutes=5)
"""How long after a failed send (a push service or the mail server down) it is tried again."""

MAX_ATTEMPTS = 3
"""Sends tried per reminder; after that it stays "failed", with its reason in `detail`."""


def _insert_sql(rows: Sequence[Reminder], on_conflict: str) -> tuple[str, list[object]]:
    """An INSERT of `rows` with its ON CONFLICT clause, returning the ids it wrote."""
    fields = [f for f in Reminder._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values: list[object] = []
    for row in rows:
        values.extend(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)
    sql = (
        f"INSERT INTO {quote(Reminder._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([one] * len(rows))} {on_conflict} RETURNING {quote(Reminder._meta.pk.column)}"
    )
    return sql, values


def _insert(rows: Sequence[Reminder], on_conflict: str) -> list[int]:
    """One INSERT of `rows` (a single statement, committed on its own), with its ON
    CONFLICT clause; the ids of the rows it wrote."""
    sql, values = _insert_sql(rows, on_conflict)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return [found[0] for found in cursor.fetchall()]


def claim_new(pairs: Sequence[tuple[int, datetime]], channel: str, now: datetime) -> list[Reminder]:
    """Claim the reminders (person id, planned instant) on `channel` that nobody has
    claimed yet, in one statement; the rows this call inserted (the only ones its caller
    may send)."""
    if not pairs:
        return []
    rows = [
        Reminder(person_id=pid, due_at=due_at, channel=channel, state="claimed", attempts=1, claimed_at=now)
        for pid, due_at in pairs
    ]
    ids = _insert(rows, "ON CONFLICT DO NOTHING")
    return list(Reminder.objects.filter(pk__in=ids).order_by("due_at", "person_id"))


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


@contextmanager
def quick_commits() -> Iterator[None]:
    """Within it, this connection's commits do not wait for the disk (PostgreSQL's
    `synchronous_commit = off` for the session, reset after). Other processes see each
    write at once, and a runner killed after it loses nothing; only a crash of the
    database server itself may lose the last fraction of a second of them, and then those
    reminders are sent again after their lease, never lost. Waiting for the disk on every
    reminder took 5-7 ms each here, most of the cost of a scan."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def finish(
    row: Reminder,
    state: str,
    detail: str,
    now: datetime,
    *,
    final: bool = False,
    record: tuple[str, str, str] | None = None,
) -> bool:
    """Record how the send went ("sent" or "failed", with words in `detail`), if `row` is
    still held by this process (nobody took it over meanwhile). `final` on a failure: never
    try it again. `record` (channel, state, detail): a row for the channel that went
    instead (the email), written first: a process stopped between the two writes leaves
    the push row claimed, and whoever takes it over finds the email sent. True when
    recorded. One statement each, committed on their own (no transaction to open)."""
    changes: dict[str, object] = {"state": state, "detail": detail[:300]}
    if state == "sent":
        changes["sent_at"] = now
    if final:
        changes["attempts"] = max(MAX_ATTEMPTS, row.attempts)
    if record is not None:
        channel, other_state, words = record
        other = Reminder(
            person_id=row.person_id,
            due_at=row.due_at,
            channel=channel,
            state=other_state,
            claimed_at=now,
            sent_at=now if other_state == "sent" else None,
            detail=words[:300],
        )
        updated = ", ".join(f"{c} = EXCLUDED.{c}" for c in ("state", "claimed_at", "sent_at", "detail"))
        upsert = f"ON CONFLICT (person_id, due_at, channel) DO UPDATE SET {updated}"
        if connection.vendor == "postgresql":  # both writes in one statement: one round trip
            done = _close_with(row, changes, *_insert_sql([other], upsert))
        else:
            _insert([other], upsert)
            done = _close(row, changes)
    else:
        done = _close(row, changes)
    if done:
        for name, value in changes.items():
            setattr(row, name, value)
    return done


def _close(row: Reminder, changes: dict[str, object]) -> bool:
    """The compare-and-set UPDATE of a held row; True when it was still held."""
    held = Reminder.objects.filter(pk=row.pk, state="claimed", claimed_at=row.claimed_at)
    return held.update(**changes) == 1


def _close_with(row: Reminder, changes: dict[str, object], first: str, params: list[object]) -> bool:
    """`_close`, with the statement `first` run in the same statement before it
    (PostgreSQL: a data-modifying WITH); True when the row was still held."""
    quote = connection.ops.quote_name
    meta = Reminder._meta
    sets, values = [], []
    for name, value in changes.items():
        field = meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")  # type: ignore[union-attr]
        values.append(field.get_db_prep_save(value, connection))  # type: ignore[union-attr]
    claimed_at = meta.get_field("claimed_at").get_db_prep_save(row.claimed_at, connection)  # type: ignore[union-attr]
    sql = (
        f"WITH first AS ({first}) UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {quote(meta.pk.column)} = %s AND {quote('state')} = 'claimed' AND {quote('claimed_at')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values, row.pk, claimed_at])
        return bool(cursor.rowcount == 1)
