"""Server mode's reminders: the scan the job runner runs every minute, over everyone.

`run_scan(now)` finds whose planned session falls in the last WINDOW (in each person's own
zone, DST included), leaves out who already did a session that day, is snoozed, is in quiet
hours or turned reminders off (`backease.core.reminders.check`, the same rule as
personal mode's `backease remind`), claims the reminders through the unique constraint
(`backease.reminders.claims`) and sends each claimed one (`backease.reminders.delivery`).
Then it takes over reminders whose claim lapsed (a runner that died holding them) or whose
send failed and may be retried.

Cost: the number of queries to find who is due does not grow with the number of people.
One query reads the distinct planned times (zone, time, quiet hours), which are few; one
reads the people whose time has an instant in the window; one finds who did a session on
their local day; one reads what was sent already. Then per batch of BATCH: one INSERT
claims the batch, one reads the claimed rows, one the people with their accounts, one their
push subscriptions; per reminder one short transaction records how it went, after its
send, so that a runner killed mid-batch loses nothing and sends nothing twice.
bench/reminders_scale.py measures it with 10,000 people (docs/performance.md).

The job runner is django-q2 (`backease server jobs`, docs/deploy.md): `ensure_schedule`
makes its schedule row, which calls `scheduled_scan` every REMINDER_SCAN_MINUTES.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from backease.core import reminders as core
from backease.core.zones import LocalTime
from backease.reminders import claims, delivery
from backease.reminders.models import Reminder
from backease.store.models import Person, Profile, Session
from backease.store.services import DEFAULT_SESSION_DAYS
from backease.store.zones import zone_named

log = logging.getLogger(__name__)

WINDOW = core.DUE_WINDOW
"""A reminder is due from its instant for this long (the reminder rules', 30 minutes), so a
missed scan or two lose nothing, and a runner that was down longer does not send stale
reminders late (a session planned for 18:00, reminded at 23:00, is nagging)."""

BATCH = 50
"""Reminders claimed at a time. Small enough that two runners share the work and that a
crash leaves few reminders waiting for their lease; large enough to keep queries few."""

SCAN_BUDGET_SECONDS = 180
"""A scan claims no new batch after this long (sends to slow push services or a slow mail
server): the rest is left to the next scan, well within the runner's 4-minute task timeout."""

SCHEDULE_NAME = "backease: send due reminders"
TASK = "backease.reminders.jobs.scheduled_scan"


@dataclass(frozen=True)
class Due:
    """One reminder to send: whose, and the planned instant (UTC)."""

    person_id: int
    due_at: datetime


@dataclass
class ScanResult:
    """What one scan did, for the runner's log and the bench."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    taken_over: int = 0
    channels: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.channels.items())) or "none"
        return (
            f"{self.due} due, {self.claimed} claimed here, {self.sent} sent ({by}), "
            f"{self.failed} not sent, {self.taken_over} taken over from a lapsed claim"
        )


def _schedule(days: list[str], time_text: str, quiet: str, on: bool = True) -> core.Schedule:
    """The schedule as the reminder rules read it, from a profile's stored values (as
    `backease.store.services.reminder_schedule` reads one person's)."""
    return core.Schedule(
        days=tuple(days or DEFAULT_SESSION_DAYS),
        time=core.parse_clock("time", time_text),
        quiet=core.parse_quiet("quiet", quiet),
        on=on,
    )


def due_reminders(now: datetime, *, window: timedelta = WINDOW) -> list[Due]:
    """Every reminder due at `now` over all people, by the reminder rules
    (`backease.core.reminders.check`): a planned (or snoozed) instant in the last `window`
    in the person's zone, not in quiet hours, not on a day with a session done, reminders
    on, not sent yet. A fixed number of queries, whatever the number of people."""
    since = now - window
    profiles = Profile.objects.filter(reminders_on=True)

    # 1. The distinct times (few: zones x times x quiet hours), and which of them have a
    #    planned instant in the window on any day (the person's days are checked below).
    #    On PostgreSQL the planned day is checked here too (jsonb containment).
    by_day = connection.features.supports_json_field_contains
    wanted = Q()
    any_wanted = False
    for zone_name, time_text, quiet in profiles.values_list(
        "person__time_zone", "session_time", "quiet_hours"
    ).distinct():
        zone = zone_named(zone_name)
        every_day = _schedule(list(core.WEEKDAYS), time_text, quiet)
        found = core.planned_instants(every_day, zone, since, now + timedelta(seconds=1))
        if not found:
            continue
        here = Q(person__time_zone=zone_name, session_time=time_text, quiet_hours=quiet)
        if by_day:
            days = {core.WEEKDAYS[at.astimezone(zone).weekday()] for at in found}
            on_day = Q(session_days=[]) if days & set(DEFAULT_SESSION_DAYS) else Q(pk__in=[])
            for day in days:
                on_day |= Q(session_days__contains=[day])
            here &= on_day
        wanted |= here
        any_wanted = True
    # A snooze moves the day's reminder to its end (the next minute at most).
    snoozed = Q(snoozed_until__gt=since - timedelta(minutes=1), snoozed_until__lte=now)
    # Who already has a reminder row in the window (sent, or being sent) is left out, so
    # the scans in the half hour after a busy minute do not read those people again; the
    # snoozed are kept (a snooze makes a new reminder in the same window).
    handled = Exists(
        Reminder.objects.filter(person_id=OuterRef("person_id"), due_at__gt=since, due_at__lte=now)
    )
    match = ((wanted & ~handled) | snoozed) if any_wanted else snoozed

    # 2. The people with such a schedule or snooze (their days are checked below).
    rows = list(
        profiles.filter(match).values(
            "person_id", "person__time_zone", "session_time", "session_days", "quiet_hours", "snoozed_until"
        )
    )
    if not rows:
        return []

    # 3. Who did (or is doing) a session on their local day: one query, a range per zone.
    by_zone: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_zone[row["person__time_zone"]].append(row["person_id"])
    in_day = Q()
    for zone_name, ids in by_zone.items():
        start, end = LocalTime.at(now, zone_named(zone_name)).day_bounds()
        in_day |= Q(person_id__in=ids, started_at__gte=start, started_at__lt=end)
    done = set(
        Session.objects.filter(in_day)
        .filter(Q(facts__counted=True) | Q(status=Session.Status.RUNNING))
        .values_list("person_id", flat=True)
    )

    # 4. What was sent already, on any channel (the claim is the real guard; this spares
    #    the attempt, and a reminder the open web app showed is not pushed as well).
    sent: dict[int, set[datetime]] = defaultdict(set)
    for person_id, due_at in Reminder.objects.filter(
        person_id__in=[row["person_id"] for row in rows],
        due_at__gt=since - timedelta(days=1),
        state="sent",
    ).values_list("person_id", "due_at"):
        sent[person_id].add(due_at)

    result = []
    for row in rows:
        answer = core.check(
            _schedule(row["session_days"], row["session_time"], row["quiet_hours"]),
            zone_named(row["person__time_zone"]),
            now,
            done_today=row["person_id"] in done,
            snoozed_until=row["snoozed_until"],
            already_sent=sent.get(row["person_id"], ()),
        )
        if answer.due and answer.at is not None:
            result.append(Due(row["person_id"], answer.at))
    result.sort(key=lambda d: (d.due_at, d.person_id))
    return result


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _send(rows: list[Reminder], now: datetime, result: ScanResult, transport: Any) -> None:
    """Send the reminders this process holds: the people and their devices read in two
    queries, then one send and one UPDATE each."""
    if not rows:
        return
    ids = [row.person_id for row in rows]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("user")}
    devices = delivery.subscriptions_of(ids)
    for row in rows:
        person = people.get(row.person_id)
        if person is None:  # the account was deleted meanwhile (the row went with it)
            continue
        outcome = delivery.deliver(
            person,
            row.due_at,
            now,
            claim=row,
            subscriptions=devices.get(row.person_id, []),
            transport=transport,
        )
        if outcome.sent:
            result.sent += 1
            result.channels[outcome.channel] = result.channels.get(outcome.channel, 0) + 1
        else:
            result.failed += 1


def run_scan(now: datetime | None = None, *, transport: Any = None, window: timedelta = WINDOW) -> ScanResult:
    """One scan: claim and send every reminder due at `now` (the current instant by
    default), then whatever a lapsed claim or a failed send left. Safe to run in several
    processes at once, and again after a crash: each reminder is sent once."""
    now = now or timezone.now()
    with claims.quick_commits():
        return _scan(now, transport, window)


def _scan(now: datetime, transport: Any, window: timedelta) -> ScanResult:
    result = ScanResult()
    due = due_reminders(now, window=window)
    result.due = len(due)
    # Stop claiming before the runner's task timeout (Q_CLUSTER "timeout", 4 minutes) would
    # stop the scan mid-batch: what is left stays unclaimed for the next scan.
    deadline = time.monotonic() + SCAN_BUDGET_SECONDS
    for batch in _chunks(due, BATCH):
        if time.monotonic() > deadline:
            break
        mine = claims.claim_new([(d.person_id, d.due_at) for d in batch], "push", now)
        result.claimed += len(mine)
        _send(mine, now, result, transport)
    while True:
        stale = claims.stale_claims("push", now, now - window, BATCH)
        mine = claims.take_over(stale, now) if time.monotonic() < deadline else []
        if not mine:
            break
        result.taken_over += len(mine)
        _send(mine, now, result, transport)
    return result


def scheduled_scan(now: str | None = None) -> str:
    """The runner's task (django-q2 calls it by name, TASK): one scan at the current
    instant, or at `now` (ISO 8601, for tests). Returns the line the runner logs."""
    at = datetime.fromisoformat(now) if now else None
    result = run_scan(at)
    log.info("reminders: %s", result.line())
    return result.line()


def ensure_schedule(minutes: int | None = None) -> Any:
    """The runner's schedule row: `scheduled_scan` every `minutes`
    (REMINDER_SCAN_MINUTES by default), made or brought up to date; safe to call again."""
    from django_q.models import Schedule

    every = minutes or int(getattr(settings, "REMINDER_SCAN_MINUTES", 1))
    # Two runners started at once may each have made one: keep the first.
    extra = Schedule.objects.filter(name=SCHEDULE_NAME).order_by("pk").values_list("pk", flat=True)[1:]
    Schedule.objects.filter(pk__in=list(extra)).delete()
    schedule, _ = Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": every,
            "repeats": -1,
        },
    )
    if schedule.next_run is None or schedule.next_run > timezone.now() + timedelta(minutes=every):
        schedule.next_run = timezone.now()
        schedule.save(update_fields=["next_run"])
    return schedule
