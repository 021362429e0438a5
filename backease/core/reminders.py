"""When a reminder of the planned session is due: pure rules, no storage (docs/reminders.md).

The schedule (planned weekdays and a time, `Profile.session_days` / `session_time`) is a
time on the person's own wall clock: 19:00 in America/New_York stays 19:00 there after the
clocks change, so the UTC instant of the reminder moves by an hour (`planned_instants`).

The rules, in the order `check` applies them:

- A reminder is planned at the planned time on each planned day, in the person's zone. On
  the night the clocks go forward a time that does not exist (02:30) comes at the first
  moment after the change (03:30); on the night they go back a time that happens twice
  comes the first time.
- Quiet hours (e.g. 22:00-07:00, may run past midnight) never get a reminder. A planned
  time inside them moves to the end of the quiet hours when that end is on the same local
  day (06:30 with quiet hours 22:00-07:00 comes at 07:00); when the quiet hours run to the
  next day (21:30 within 21:00-07:00), that day's reminder is skipped, rather than arriving
  the next morning for a session planned the evening before.
- A reminder is due from its instant for `DUE_WINDOW` (30 minutes): a cron job or timer
  run every 5 to 15 minutes catches it (even when one run is missed), and a computer that
  wakes from sleep an hour later does not show a reminder for a session long past. The
  window ends at local midnight at the latest (a day's reminder belongs to that day).
- None on a day whose session is already done (counted in the person's local day).
- Snooze moves that day's reminder to the end of the snooze (the same quiet-hours rule
  applies to it; a snooze past the end of the local day skips that day's reminder).
- Each reminder is sent once: its instant is its identity (`already_sent` holds the
  instants sent), so a snoozed reminder, at a new instant, can be sent again once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from datetime import time as Clock
from zoneinfo import ZoneInfo

from backease.core.errors import InputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DUE_WINDOW = timedelta(minutes=30)
"""How long after its instant a reminder is still due: a check every 5-15 minutes (cron,
a systemd timer, the running app's once a minute, the server's job runner) finds it."""

MAX_SNOOZE_MINUTES = 12 * 60
"""The longest snooze (a snooze is for "later today", not for skipping days)."""

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class Schedule:
    """Planned weekdays ("mon".."sun"), the planned local time, and the quiet hours
    (start, end) in local time, or None; `on` False turns reminders off."""

    days: tuple[str, ...]
    time: Clock
    quiet: tuple[Clock, Clock] | None = None
    on: bool = True


@dataclass(frozen=True, slots=True)
class Due:
    """The answer of one check: whether a reminder is due now, why (in plain words), the
    instant (UTC) of the reminder this is about (today's, or None), and the instant (UTC)
    of the next reminder after now (or None when reminders are off)."""

    due: bool
    reason: str
    at: datetime | None
    next_at: datetime | None


# --- parsing (the CLI, the API and the store validate with these) ---------------------------


def parse_clock(field: str, value: object) -> time:
    """A local time given as HH:MM (24-hour), or InputError naming `field`."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InputError(field, "must be a time as HH:MM (24-hour), e.g. 19:00")
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet(field: str, value: object) -> tuple[time, time] | None:
    """Quiet hours given as "HH:MM-HH:MM" (e.g. "22:00-07:00"); "", "off", "none" or None
    for none. InputError naming `field` otherwise (also when start and end are equal)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(field, 'must be two times as HH:MM-HH:MM, e.g. "22:00-07:00", or "off"')
    text = value.strip().lower()
    if text in ("", "off", "none"):
        return None
    parts = text.split("-")
    if len(parts) != 2 or not all(_CLOCK.fullmatch(p.strip()) for p in parts):
        raise InputError(field, 'must be two times as HH:MM-HH:MM, e.g. "22:00-07:00", or "off"')
    start, end = (parse_clock(field, p) for p in parts)
    if start == end:
        raise InputError(field, "must start and end at different times")
    return start, end


def parse_days(field: str, value: object) -> tuple[str, ...]:
    """Weekdays as a list or a comma-separated text ("mon,wed,fri"), in week order;
    InputError naming `field` otherwise."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise InputError(field, "must be a non-empty list of weekdays", WEEKDAYS)
    names = [str(item).strip().lower()[:3] if isinstance(item, str) else item for item in items]
    if any(name not in WEEKDAYS for name in names):
        raise InputError(field, "must be weekdays", WEEKDAYS)
    return tuple(day for day in WEEKDAYS if day in names)


def clock_text(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def quiet_text(quiet: tuple[time, time] | None) -> str:
    """The quiet hours as "22:00-07:00", or "" for none (how the quiet hours are stored and shown)."""
    return "" if quiet is None else f"{clock_text(quiet[0])}-{clock_text(quiet[1])}"


# --- the rules -------------------------------------------------------------------------------


def in_quiet(moment: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local time of day falls in the quiet hours (start included, end not)."""
    if quiet is None:
        return False
    start, end = quiet
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on `day` in `zone`, in UTC. A wall time skipped by a clock change comes at the
    first moment after it (fold 0 takes the offset from before the change: 02:30 on the night
    New York goes forward is 03:30 EDT); one that happens twice comes the first time."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _placed(day: date, clock: time, schedule: Schedule, zone: ZoneInfo) -> datetime | None:
    """The instant (UTC) of a reminder wanted at `clock` on local `day` after the quiet-hours
    rule: moved to the end of the quiet hours when that end is the same day, else None."""
    quiet = schedule.quiet
    if quiet is not None and in_quiet(clock, quiet):
        start, end = quiet
        if start < end or clock < end:
            return _local(day, end, zone)
        return None
    return _local(day, clock, zone)


def planned_on(day: date, schedule: Schedule, zone: ZoneInfo) -> datetime | None:
    """The reminder instant (UTC) of a local day, or None (not a planned day, reminders off,
    or skipped by the quiet hours)."""
    if not schedule.on or WEEKDAYS[day.weekday()] not in schedule.days:
        return None
    return _placed(day, schedule.time, schedule, zone)


def planned_instants(schedule: Schedule, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Every planned reminder instant (UTC) from `start` (included) to `end` (not), quiet
    hours applied, DST-correct: the local time stays, the UTC instant moves."""
    start, end = _aware(start), _aware(end)
    found: list[datetime] = []
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        at = planned_on(day, schedule, zone)
        if at is not None and start <= at < end:
            found.append(at)
        day += timedelta(days=1)
    return found


def next_planned(schedule: Schedule, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first planned reminder instant (UTC) strictly after `after`, or None."""
    after = _aware(after)
    if not schedule.on or not schedule.days:
        return None
    day = after.astimezone(zone).date()
    for ahead in range(15):
        at = planned_on(day + timedelta(days=ahead), schedule, zone)
        if at is not None and at > after:
            return at
    return None  # every planned time falls in quiet hours that run past midnight


def check(
    schedule: Schedule,
    zone: ZoneInfo,
    now: datetime,
    *,
    done_today: bool,
    snoozed_until: datetime | None = None,
    already_sent: Collection[datetime] = (),
) -> Due:
    """Whether a reminder is due at `now` (aware; naive is UTC), for a person in `zone`.

    `done_today`: a session is already done on the person's local day of `now`.
    `snoozed_until`: the end of the latest snooze (UTC), if any. `already_sent`: the
    instants (UTC) of reminders already sent. See the module's docstring for the rules.
    """
    now = _aware(now).astimezone(UTC)
    if not schedule.on:
        return Due(False, "Reminders are off.", None, None)
    local = now.astimezone(zone)
    today = local.date()
    day_name = DAY_NAMES[today.weekday()]
    planned = planned_on(today, schedule, zone)
    sent = {_aware(moment).astimezone(UTC) for moment in already_sent}

    def upcoming(after: datetime) -> datetime | None:
        # Later today only when today's reminder can still come; else from tomorrow.
        return next_planned(schedule, zone, max(after, _aware(_day_end(today, zone)) - timedelta(seconds=1)))

    if WEEKDAYS[today.weekday()] not in schedule.days:
        following = next_planned(schedule, zone, now)
        return Due(False, f"{day_name} is not a planned day{_next_words(following, zone)}.", None, following)
    if planned is None:
        following = upcoming(now)
        return Due(
            False,
            f"The planned time {clock_text(schedule.time)} falls in your quiet hours "
            f"({quiet_text(schedule.quiet)}), which run past midnight: no reminder today"
            f"{_next_words(following, zone)}.",
            None,
            following,
        )
    if done_today:
        following = upcoming(now)
        return Due(
            False,
            f"Today's session is already done: no reminder today{_next_words(following, zone)}.",
            planned,
            following,
        )

    at = planned
    snoozed = snoozed_until is not None and _aware(snoozed_until).astimezone(UTC) > planned
    if snoozed and snoozed_until is not None:
        until = _aware(snoozed_until).astimezone(UTC)
        wanted = until.astimezone(zone)
        moved = (
            _placed(today, wanted.time().replace(second=0, microsecond=0), schedule, zone)
            if (wanted.date() == today)
            else None
        )
        if moved is not None and moved < until:  # a snooze ending mid-minute: the next minute
            moved += timedelta(minutes=1)
        if moved is None:
            following = upcoming(now)
            return Due(
                False,
                f"Today's reminder is snoozed past the end of the day or into your quiet hours"
                f"{_next_words(following, zone)}.",
                None,
                following,
            )
        at = moved

    if at in sent:
        following = upcoming(now)
        return Due(
            False,
            f"Today's reminder was already sent at {_clock_of(at, zone)}{_next_words(following, zone)}.",
            at,
            following,
        )
    if now < at:
        words = "snoozed until" if snoozed else "at"
        moved_words = (
            f" (moved out of your quiet hours {quiet_text(schedule.quiet)})"
            if not snoozed and at != _local(today, schedule.time, zone)
            else ""
        )
        return Due(False, f"Today's reminder is {words} {_clock_of(at, zone)}{moved_words}.", at, at)
    if now >= at + DUE_WINDOW:
        following = upcoming(now)
        return Due(
            False,
            f"Today's reminder time ({_clock_of(at, zone)}) has passed{_next_words(following, zone)}.",
            at,
            following,
        )
    following = upcoming(now)
    words = "snoozed reminder" if snoozed else f"planned for {_clock_of(at, zone)}"
    return Due(True, f"Time for your upper back self-care session ({words}).", at, following)


# --- helpers -----------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day_end(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)


def _clock_of(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _next_words(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"; the next reminder is {DAY_NAMES[local.weekday()]} {local.day} {local:%B} at {local:%H:%M}"
