"""The planned sessions as an iCalendar file: one weekly event (see docs/exports.md).

Time zone: the planned time ("18:00") is a time in the person's own zone
(`backease.store.zones`), so the event starts at 18:00 there (DTSTART with that TZID and
its VTIMEZONE): the weekly repeats stay at 18:00 local across clock changes, and a
calendar set to another zone shows the same instant. "The next planned day" is worked out
in the person's zone too.

Privacy: calendars are often synced to online services, so the event says only
"Upper back self-care (N min)" and general reminders: no pain scores, regions,
screening results or precautions, no attendees and no links.

Alarm: the event carries a VALARM (DISPLAY) at its start, so the calendar app reminds
the person as `backease remind` would (docs/reminders.md): a planned time inside the quiet
hours moves the alarm to their end when that is the same day, and the alarm is left out
when the quiet hours run past midnight over it or reminders are off. A calendar cannot
know that a session is already done, so its alarm comes on those days too.

The same file is served at the person's subscribable calendar URL (/calendar/<token>.ics,
made and revoked on the settings page), so a calendar app that subscribes follows changes
of the schedule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

import backease
from backease.core import reminders as rules
from backease.store import services
from backease.store.models import Person
from backease.store.programmes import session_minutes
from backease.store.zones import person_zone

PRODID = f"-//backease//backease {backease.__version__}//EN"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "backease:calendar")
BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
BEFORE = (
    "Drink a glass of water.",
    "Warm up first: gentle movement, or a warm shower beforehand.",
    "Breathe out slowly as you press; never hold your breath.",
    "Stop at once on sharp, shooting or burning pain, numbness, tingling or dizziness.",
)
AFTER = (
    "Drink some water.",
    "Rest a minute and breathe slowly before you get up.",
    "Rate your pain 0-10, so you can see what helps.",
)


def next_start(days: tuple[str, ...], time: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The next planned day at the planned time after `now`, in `zone` (aware).

    A naive `now` is taken as a time in `zone`. Today counts when the planned time is
    still ahead.
    """
    local = now.astimezone(zone) if now.tzinfo is not None else now.replace(tzinfo=zone)
    hour, minute = (int(part) for part in time.split(":"))
    weekdays = {list(BYDAY).index(day) for day in days}
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if day.weekday() in weekdays and start.astimezone(UTC) > local.astimezone(UTC):
            return start
    raise AssertionError("a planned weekday comes within 8 days")  # pragma: no cover


def alarm_offset(schedule: rules.Schedule, start: datetime, zone: ZoneInfo) -> timedelta | None:
    """When the event's alarm rings, relative to its start: at the start, or later when the
    quiet hours move the reminder to their end; None when there is no reminder (off, or
    skipped by quiet hours that run past midnight). The same every week: the planned time
    and the quiet hours are both times on the local clock."""
    at = rules.planned_on(start.astimezone(zone).date(), schedule, zone)
    return None if at is None else at - start.astimezone(UTC)


def event_uid(person: Person) -> str:
    """The same for every export of this person's schedule, so a re-import updates it."""
    key = f"{person.pk}/{person.created_at.isoformat()}"
    return f"{uuid.uuid5(NAMESPACE, key)}@backease"


def calendar_ics(person: Person, now: datetime) -> bytes:
    """An iCalendar (RFC 5545) file with one weekly event for the planned sessions."""
    days, time = services.schedule(person)
    minutes = session_minutes(person, now)
    description = (
        "Before:\n"
        + "\n".join(f"- {line}" for line in BEFORE)
        + "\n\nAfter:\n"
        + "\n".join(f"- {line}" for line in AFTER)
    )
    zone = person_zone(person)
    start = next_start(days, time, now, zone)
    event = Event()
    event.add("uid", event_uid(person))
    stamp = (now if now.tzinfo is not None else now.replace(tzinfo=zone)).astimezone(UTC)
    event.add("dtstamp", stamp.replace(microsecond=0))
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=minutes))
    event.add("rrule", {"freq": "weekly", "byday": [BYDAY[d] for d in days]})
    event.add("summary", f"Upper back self-care ({minutes} min)")
    event.add("description", description)
    event.add("transp", "OPAQUE")
    alarm = alarm_offset(services.reminder_schedule(person), start, zone)
    if alarm is not None:
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", f"Upper back self-care ({minutes} min)")
        reminder.add("trigger", alarm)  # relative to the start (RFC 5545 3.8.6.3)
        event.add_component(reminder)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of DTSTART's zone, with its clock changes
    data: bytes = calendar.to_ical()
    return data
