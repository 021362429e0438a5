"""A person's time zone: their local "today", days and weeks (Monday first), DST included.

Stored times stay in UTC; every count by day or week (today, streaks, adherence, insights,
clinic flags, calendar files, reports) is made in the person's zone, which
`backease.store.services.local_time(person, now)` gives as a `LocalTime`. A zone is an
IANA name (`Europe/Paris`, `America/New_York`), checked against the zone database.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from backease.core.errors import InputError

FALLBACK_ZONE = "UTC"
"""The zone used when nothing better is known (no system zone can be read)."""

MAX_NAME = 64
"""The longest zone name stored (the zone database's longest is 32)."""


def check_zone(field: str, value: object) -> str:
    """A valid IANA zone name, or InputError naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "must be a time zone name, e.g. Europe/Paris or America/New_York")
    name = value.strip()
    if len(name) > MAX_NAME or name not in available_zones():
        raise InputError(
            field, f"'{name[:MAX_NAME]}' is not a known time zone (e.g. Europe/Paris, America/New_York)"
        )
    return name


def available_zones() -> frozenset[str]:
    """Every IANA zone name the zone database knows (the system's, or the tzdata package's)."""
    return _ZONES


_ZONES = frozenset(zoneinfo.available_timezones())


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of a stored name; an unknown or empty name gives FALLBACK_ZONE."""
    if name and name in _ZONES:
        return ZoneInfo(name)
    return ZoneInfo(FALLBACK_ZONE)


def system_zone_name(
    environ: Mapping[str, str] | None = None, localtime: Path = Path("/etc/localtime")
) -> str:
    """The IANA name of this computer's zone, as the terminal uses it: `TZ` when it names a
    zone (`Europe/Paris` or `:Europe/Paris`), else the zone `/etc/localtime` links to (Linux,
    macOS), else `/etc/timezone` (Debian), else FALLBACK_ZONE."""
    env = os.environ if environ is None else environ
    given = env.get("TZ", "").lstrip(":")
    if given in _ZONES:
        return given
    try:
        target = str(localtime.resolve()) if localtime.is_symlink() else ""
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if name in _ZONES:
            return name
    try:
        name = (localtime.parent / "timezone").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    return name if name in _ZONES else FALLBACK_ZONE


def monday(day: date) -> date:
    """The Monday that starts the week of `day`."""
    return day - timedelta(days=day.weekday())


def start_of(day: date, where: ZoneInfo) -> datetime:
    """The first instant of `day` in `where` (local midnight, with that day's UTC offset)."""
    return datetime.combine(day, time.min, tzinfo=where)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class LocalTime:
    """An instant as a person lives it: their zone, and `now` in it."""

    zone: ZoneInfo
    now: datetime

    @classmethod
    def at(cls, moment: datetime, where: ZoneInfo) -> LocalTime:
        """`moment` (aware; a naive one is taken as UTC) seen in `where`."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(where, moment.astimezone(where))

    @property
    def name(self) -> str:
        return self.zone.key

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def week_start(self) -> date:
        """The Monday of this week, in the person's zone."""
        return monday(self.today)

    def day_bounds(self, day: date | None = None) -> tuple[datetime, datetime]:
        """The instants (in UTC) a local day (today by default) starts and ends (the next
        day's start): 23 or 25 hours apart on the days the clocks change. (In UTC because
        Python subtracts two times of one zone on the wall clock, ignoring the change.)"""
        day = self.today if day is None else day
        return _utc(start_of(day, self.zone)), _utc(start_of(day + timedelta(days=1), self.zone))

    def week_bounds(self, day: date | None = None) -> tuple[datetime, datetime]:
        """The instants (in UTC) the week (Monday first) of a local day (today by default)
        starts and ends (the next Monday's start)."""
        first = monday(self.today if day is None else day)
        return _utc(start_of(first, self.zone)), _utc(start_of(first + timedelta(weeks=1), self.zone))

    def local(self, moment: datetime) -> datetime:
        """A stored instant (aware; naive is UTC) in the person's zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def day_of(self, moment: datetime) -> date:
        """The person's local date of a stored instant."""
        return self.local(moment).date()
