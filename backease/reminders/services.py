"""Reminders of a person's planned sessions: whether one is due, and delivering each once.

`due(person, now)` applies the rules of `backease.core.reminders` to what is stored: the
schedule and quiet hours (the profile), the person's zone, whether a session is already
done that local day, the latest snooze, and the reminders already sent.

Delivering one reminder on one channel, at most once, from any number of senders:

    reminder = claim(person, due.at, "desktop", now)   # None: someone else has it, or it went
    if reminder is not None:
        try: show it ...; mark_sent(reminder, now)
        except ...: mark_failed(reminder, "why", now)

`claim` is atomic (a row per person, instant and channel under a unique constraint, or a
conditional UPDATE of the existing row): of two senders at once, one gets it. A claim
older than `LEASE` without a send (the sender crashed or was killed between claiming and
sending) may be claimed again, so a crash loses no reminder; the price is that a sender
which stalls for longer than the lease and then sends anyway may duplicate it. A failed
send may be claimed again at once, up to `MAX_ATTEMPTS` in all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from backease.core import reminders as rules
from backease.core.errors import InputError
from backease.reminders.models import Reminder
from backease.store import services as store
from backease.store.models import Person, Session
from backease.store.zones import local_time

LEASE = timedelta(minutes=10)
"""How long a claim without a send holds before another sender may take it over."""

MAX_ATTEMPTS = 3
"""How many times one reminder is tried on one channel before it is left failed."""

CHANNELS: tuple[str, ...] = tuple(Reminder.Channel.values)


def done_today(person: Person, now: datetime) -> bool:
    """Whether a session counts (or is under way) on the person's local day of `now`."""
    start, end = local_time(person, now).day_bounds()
    started = Session.objects.filter(person=person, started_at__gte=start, started_at__lt=end)
    return started.filter(Q(facts__counted=True) | Q(status=Session.Status.RUNNING)).exists()


def sent_instants(person: Person, since: datetime, channel: str | None = None) -> set[datetime]:
    """The instants of the person's reminders sent since `since` (on `channel`, or any)."""
    rows = Reminder.objects.filter(person=person, due_at__gte=since, state=Reminder.State.SENT)
    if channel is not None:
        rows = rows.filter(channel=channel)
    return {moment.astimezone(UTC) for moment in rows.values_list("due_at", flat=True)}


def due(person: Person, now: datetime | None = None, channel: str | None = None) -> rules.Due:
    """Whether a reminder is due for the person at `now` (default: the current instant),
    and why; "already sent" counts reminders sent on `channel` (or on any channel)."""
    now = _aware(now)
    local = local_time(person, now)
    schedule, snoozed_until = store.reminder_state(person)
    start, _ = local.day_bounds()
    if rules.planned_on(local.today, schedule, local.zone) is None:
        # No reminder today whatever was done or sent: spare the two queries (a batch
        # scan asks this of everyone, every few minutes).
        return rules.check(schedule, local.zone, now, done_today=False, snoozed_until=snoozed_until)
    return rules.check(
        schedule,
        local.zone,
        now,
        done_today=done_today(person, now),
        snoozed_until=snoozed_until,
        already_sent=sent_instants(person, start, channel),
    )


def claim(person: Person, due_at: datetime, channel: str, now: datetime | None = None) -> Reminder | None:
    """Take the reminder of `due_at` on `channel` for sending: the row, or None when it was
    already sent, is claimed by another sender within the lease, or failed too often."""
    if channel not in CHANNELS:
        raise InputError("channel", f"unknown channel '{channel}'", CHANNELS)
    now = _aware(now)
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                person=person, due_at=due_at, channel=channel, state=Reminder.State.CLAIMED, claimed_at=now
            )
    except IntegrityError:
        pass
    retake = Q(state=Reminder.State.CLAIMED, claimed_at__lt=now - LEASE) | Q(state=Reminder.State.FAILED)
    taken = (
        Reminder.objects.filter(person=person, due_at=due_at, channel=channel, attempts__lt=MAX_ATTEMPTS)
        .filter(retake)
        .update(state=Reminder.State.CLAIMED, claimed_at=now, attempts=F("attempts") + 1, detail="")
    )
    if not taken:
        return None
    return Reminder.objects.get(person=person, due_at=due_at, channel=channel)


def mark_sent(reminder: Reminder, now: datetime | None = None) -> None:
    """Record that the claimed reminder was sent."""
    reminder.state = Reminder.State.SENT
    reminder.sent_at = _aware(now)
    reminder.detail = ""
    reminder.save(update_fields=["state", "sent_at", "detail"])


def mark_failed(reminder: Reminder, detail: str, now: datetime | None = None) -> None:
    """Record that sending the claimed reminder failed, and why (it may be claimed again)."""
    reminder.state = Reminder.State.FAILED
    reminder.claimed_at = _aware(now)
    reminder.detail = str(detail)[:300]
    reminder.save(update_fields=["state", "claimed_at", "detail"])


def snooze(person: Person, minutes: object, now: datetime | None = None) -> rules.Due:
    """Snooze today's reminder for `minutes` (1 to 720): it comes again then (see
    backease.core.reminders for quiet hours and the end of the day). The new answer of `due`."""
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= rules.MAX_SNOOZE_MINUTES
    ):
        raise InputError("minutes", f"must be a whole number of minutes from 1 to {rules.MAX_SNOOZE_MINUTES}")
    now = _aware(now)
    store.save_snooze(person, now + timedelta(minutes=minutes))
    return due(person, now)


def check_instant(field: str, moment: datetime) -> datetime:
    """An instant to check at (aware; naive is UTC) between the years 2000 and 2100, or
    InputError naming `field`."""
    if not 2000 <= moment.year < 2100:  # before converting: year 9999 + an offset overflows
        raise InputError(field, "must be a time between the years 2000 and 2100")
    return _aware(moment)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return timezone.now()
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)
