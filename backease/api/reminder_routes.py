"""The schedule and its reminders in the JSON API (docs/reminders.md).

GET/PUT /api/schedule: the planned days and time, quiet hours, reminders on or off (the same
schedule the settings page, `backease schedule` and the calendar file use).
GET /api/reminders/due?now=...: whether a reminder is due at that instant (default: now) and
why, in the person's zone; POST /api/reminders/snooze: snooze today's reminder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BeforeValidator, Field

from backease.api import api
from backease.api import schemas as s
from backease.api.routes import INVALID, _changes, _person
from backease.core import reminders as rules
from backease.reminders import services as reminders
from backease.store import services
from backease.store.models import Person
from backease.store.zones import person_zone

CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
QUIET = r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"


class ScheduleIn(s.Input):
    days: list[Annotated[str, Field(json_schema_extra={"enum": list(rules.WEEKDAYS)})]] = Field(
        min_length=1, max_length=7, description='the planned weekdays, e.g. ["mon", "wed", "fri"]'
    )
    time: str = Field(
        pattern=CLOCK, description="the planned start time, HH:MM (24-hour), in the person's zone"
    )
    quiet: str = s.omittable(
        max_length=11,
        pattern=QUIET,
        description='quiet hours with no reminder, "HH:MM-HH:MM" (may run past midnight, e.g. '
        '"22:00-07:00"), or "" for none; left out: kept',
    )
    reminders: bool = s.omittable(description="reminders on or off; left out: kept")


class ScheduleOut(Schema):
    days: list[str] = Field(description="the planned weekdays, in week order")
    time: str = Field(description="the planned start time, HH:MM, in the person's zone")
    time_zone: str = Field(description="the IANA zone the time is in")
    quiet: str = Field(description='quiet hours "HH:MM-HH:MM", or "" for none')
    reminders: bool = Field(description="whether reminders are on")
    next_at: datetime | None = Field(description="the next reminder (UTC), or null when none will come")


class DueOut(Schema):
    due: bool = Field(description="a reminder is due at that instant")
    reason: str = Field(description="why, in plain words")
    at: datetime | None = Field(description="the instant (UTC) of today's reminder this is about, if any")
    next_at: datetime | None = Field(description="the next reminder after that instant (UTC), if any")


class SnoozeIn(s.Input):
    minutes: Annotated[int, BeforeValidator(s.integral)] = Field(
        ge=1, le=rules.MAX_SNOOZE_MINUTES, description="snooze today's reminder for this many minutes"
    )


def _schedule_out(person: Person) -> dict[str, Any]:
    schedule = services.reminder_schedule(person)
    return {
        "days": list(schedule.days),
        "time": rules.clock_text(schedule.time),
        "time_zone": person_zone(person).key,
        "quiet": rules.quiet_text(schedule.quiet),
        "reminders": schedule.on,
        "next_at": reminders.due(person).next_at,
    }


def _due_out(due: rules.Due) -> dict[str, Any]:
    return {"due": due.due, "reason": due.reason, "at": due.at, "next_at": due.next_at}


schedule = Router(tags=["reminders"])
reminder_router = Router(tags=["reminders"])


@schedule.get("", response=ScheduleOut)
def get_schedule(request: HttpRequest) -> Any:
    """The planned days and time, quiet hours, whether reminders are on, and the next one."""
    return _schedule_out(_person(request))


@schedule.put("", response={200: ScheduleOut, **INVALID})
def put_schedule(request: HttpRequest, payload: ScheduleIn) -> Any:
    """Change the schedule. Quiet hours and reminders on/off left out stay as they are;
    nothing is saved if any field is wrong."""
    person = _person(request)
    changes = _changes(payload)
    options = {name: changes[name] for name in ("quiet", "reminders") if name in changes}
    services.save_schedule(person, changes["days"], changes["time"], **options)
    return _schedule_out(person)


@reminder_router.get("/due", response={200: DueOut, **INVALID})
def get_due(
    request: HttpRequest,
    now: Annotated[
        datetime | None,
        Query(description="the instant to check at (default: now); without an offset, in the person's zone"),
    ] = None,
) -> Any:
    """Whether a reminder is due at that instant, and why (in the person's zone). An open
    web app polls this to show a notification; it records nothing."""
    person = _person(request)
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=person_zone(person))
    return _due_out(reminders.due(person, reminders.check_instant("now", now) if now else None))


@reminder_router.post("/snooze", response={200: DueOut, **INVALID})
def post_snooze(request: HttpRequest, payload: SnoozeIn) -> Any:
    """Snooze today's reminder: it comes again after that many minutes (not in quiet hours,
    not past the end of the day). Answers with the new state."""
    return _due_out(reminders.snooze(_person(request), payload.minutes))


api.add_router("/schedule", schedule)
api.add_router("/reminders", reminder_router)
