"""Each person's time zone (`Person.time_zone`), and their local "today" and weeks.

`local_time(person, now)` is the one way to ask what day and week it is for someone:
today, streaks, adherence, insights, the clinic's flags, calendar files and reports all
count in it (`backease.core.zones.LocalTime`). Stored times stay in UTC.

A person who has not chosen a zone yet ("" stored) counts in the computer's zone in
personal mode (the terminal's: `backease.core.zones.system_zone_name`) and in the site's
TIME_ZONE in server mode, until their browser tells the web app its zone (the first page
they open sends it: `front/static/front/zone.js`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from backease.core.zones import LocalTime, check_zone, system_zone_name, zone
from backease.store.models import Person


def default_zone_name() -> str:
    """The zone of someone who has not chosen one: the computer's in personal mode, the
    site's TIME_ZONE in server mode."""
    if getattr(settings, "MODE", "personal") == "server":
        return str(settings.TIME_ZONE)
    return system_zone_name()


def zone_named(stored: str | None) -> ZoneInfo:
    """The zone a stored `Person.time_zone` value stands for ("" or None: the default)."""
    return zone(stored or default_zone_name())


def person_zone(person: Person | int) -> ZoneInfo:
    """The person's zone (one query when given only their id)."""
    if isinstance(person, Person):
        return zone_named(person.time_zone)
    stored = Person.objects.filter(pk=person).values_list("time_zone", flat=True).first()
    return zone_named(stored)


def local_time(person: Person | int, now: datetime | None = None) -> LocalTime:
    """`now` (the current instant by default) as the person lives it: their zone, their
    today, the bounds of their day and week."""
    return LocalTime.at(now if now is not None else timezone.now(), person_zone(person))


def chosen_zone(person: Person) -> str:
    """The zone the person chose, or "" when they have not (the default applies)."""
    return person.time_zone


def save_time_zone(person: Person, name: object, only_if_unset: bool = False) -> bool:
    """Store the person's zone (an IANA name; InputError "time_zone" otherwise, nothing
    stored). With `only_if_unset` (the browser's zone, sent by the web app) a zone already
    chosen is kept. True when the stored zone changed; counts by week follow at once (the
    running totals are rebuilt in the new zone when next read)."""
    checked = check_zone("time_zone", name)
    if only_if_unset:
        changed = Person.objects.filter(pk=person.pk, time_zone="").update(time_zone=checked) > 0
    else:
        changed = Person.objects.filter(pk=person.pk).exclude(time_zone=checked).update(time_zone=checked) > 0
    if changed:
        person.time_zone = checked
    return changed
