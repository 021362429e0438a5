"""Outcome measures that are free to use: pain now (NRS 0-10) and the Patient-Specific
Functional Scale (PSFS; Stratford PW et al., Physiotherapy Canada 1995;47(4):258-263).

PSFS: at baseline the client names 3 to 5 activities they find hard because of their
back, and rates each from 0 (unable to do it) to 10 (able to do it as before the
problem); later check-ins rate the same activities; the score is the mean.

A client who shares with a therapist is asked for a baseline when the link starts,
then every 2 weeks (`due`). The change that matters, first against latest:
- NRS: a fall of 2 points or 30 % (Farrar 2001, farrar_2001_nrs; the same rule as
  insights, `backease.core.insights.assess_change`);
- PSFS: a rise of 2 points in the mean score (Abbott & Schmitt 2014,
  abbott_2014_psfs_mid: 1.3 points for a small, 2.3 for a medium and 2.7 for a large
  change that people noticed). A single patient's change below that may be noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from backease.clinic.models import CareLink, Notice, Outcome
from backease.clinic.notices import Draft, notify_many
from backease.core.errors import InputError
from backease.core.insights import Change, assess_change
from backease.core.programme import PSFS_MCID as PSFS_MCID  # shared with programmes
from backease.core.programme import PsfsChange, psfs_change
from backease.store.models import Person
from backease.store.zones import local_time, person_zone

NRS, PSFS = "nrs", "psfs"
"""`Outcome.Kind` values."""
EVERY_DAYS = 14
"""Outcome measures are due every 2 weeks after the baseline."""
PSFS_MIN_ITEMS, PSFS_MAX_ITEMS = 3, 5
ACTIVITY_LENGTH = 80


# --- scores --------------------------------------------------------------------------------


def check_score(field: str, value: object) -> int:
    """A whole number from 0 to 10 (text from a form too); InputError naming the field."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise InputError(field, "choose a number from 0 to 10")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise InputError(field, "choose a number from 0 to 10")
    return value


def psfs_score(items: Sequence[dict[str, Any]]) -> float | None:
    """The PSFS score: the mean of the activities' ratings (None for none)."""
    scores = [int(item["score"]) for item in items if isinstance(item.get("score"), int)]
    return round(sum(scores) / len(scores), 2) if scores else None


def clean_activities(names: Sequence[str]) -> list[str]:
    """3-5 activities, each named, none twice (InputError otherwise)."""
    cleaned = [" ".join(str(name).split())[:ACTIVITY_LENGTH] for name in names]
    cleaned = [name for name in cleaned if name]
    if not PSFS_MIN_ITEMS <= len(cleaned) <= PSFS_MAX_ITEMS:
        raise InputError(
            "activities", f"name {PSFS_MIN_ITEMS} to {PSFS_MAX_ITEMS} activities that you find hard"
        )
    if len({name.lower() for name in cleaned}) != len(cleaned):
        raise InputError("activities", "name each activity once")
    return cleaned


# --- reading and writing ---------------------------------------------------------------------------


def baseline_activities(person: Person) -> list[str]:
    """The activities of the person's first PSFS (later check-ins rate the same); [] if none."""
    first = Outcome.objects.filter(person=person, kind=PSFS).order_by("at", "id").first()
    if first is None:
        return []
    return [str(item.get("activity", "")) for item in first.data.get("items", []) if isinstance(item, dict)]


def record(
    person: Person,
    pain: object,
    scores: Sequence[object],
    activities: Sequence[str] | None = None,
    at: datetime | None = None,
) -> tuple[Outcome, Outcome]:
    """Record a check-in: pain now and the PSFS. `activities` only at baseline; later the
    baseline's activities are rated again, in the same order."""
    at = at or timezone.now()
    known = baseline_activities(person)
    names = known if known else clean_activities(activities or [])
    if len(scores) != len(names):
        raise InputError("scores", "rate every activity")
    rated = [check_score(f"score_{i}", value) for i, value in enumerate(scores)]
    nrs = Outcome.objects.create(person=person, kind=NRS, at=at, data={"score": check_score("pain", pain)})
    psfs = Outcome.objects.create(
        person=person,
        kind=PSFS,
        at=at,
        data={
            "items": [{"activity": name, "score": score} for name, score in zip(names, rated, strict=True)]
        },
    )
    return nrs, psfs


@dataclass(frozen=True, slots=True)
class CheckIn:
    at: datetime
    pain: int | None
    psfs: float | None
    items: tuple[tuple[str, int], ...]


def history(person: Person, limit: int = 50) -> list[CheckIn]:
    """Check-ins, newest first (an NRS and a PSFS recorded together make one)."""
    rows = list(Outcome.objects.filter(person=person).order_by("-at", "-id")[: limit * 2])
    by_time: dict[datetime, dict[str, Any]] = {}
    for row in rows:
        by_time.setdefault(row.at, {})[row.kind] = row.data
    found = []
    for at, kinds in sorted(by_time.items(), reverse=True)[:limit]:
        nrs, psfs = kinds.get(NRS, {}), kinds.get(PSFS, {})
        items = tuple(
            (str(i.get("activity", "")), int(i.get("score", 0)))
            for i in psfs.get("items", [])
            if isinstance(i, dict)
        )
        found.append(
            CheckIn(
                at=timezone.localtime(at),
                pain=nrs.get("score") if isinstance(nrs.get("score"), int) else None,
                psfs=psfs_score(psfs.get("items", [])) if psfs else None,
                items=items,
            )
        )
    return found


# --- schedule ---------------------------------------------------------------------------------------


def due_on(person: Person, now: datetime | None = None) -> date | None:
    """The day the next check-in is due, for a person who shares with a therapist: the
    day their first link started (baseline), then 2 weeks after the latest check-in.
    None for a person who shares with nobody."""
    started = (
        CareLink.objects.filter(client=person, ended_at__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if started is None:
        return None
    latest = Outcome.objects.filter(person=person).aggregate(
        nrs=Max("at", filter=Q(kind=NRS)), psfs=Max("at", filter=Q(kind=PSFS))
    )
    zone = person_zone(person)  # due dates are the client's days
    if latest["nrs"] is None or latest["psfs"] is None:
        return started.astimezone(zone).date()
    return min(latest["nrs"], latest["psfs"]).astimezone(zone).date() + timedelta(days=EVERY_DAYS)


def due(person: Person, now: datetime | None = None) -> bool:
    """True when the person shares with a therapist and a check-in is due today or overdue."""
    day = due_on(person, now)
    today = local_time(person, now).today
    return day is not None and day <= today


def remind_if_due(person: Person, now: datetime) -> bool:
    """Tell the client once per due date (a notice, and an email unless they opted out)."""
    return remind_due([person], now) == 1


def reminder_text(first: bool) -> str:
    if first:
        return (
            "Your therapist would like a starting point: rate your pain and 3 to 5 everyday activities "
            "(2 minutes)."
        )
    return "It is time for your two-weekly check-in: rate your pain and your activities again (1 minute)."


def remind_due(people: Sequence[Person], now: datetime) -> int:
    """`remind_if_due` for many people at once (the daily run), in a fixed number of
    queries however many (each person's `user` should be selected with them). Returns
    how many were reminded."""
    people = [person for person in people if person.user_id is not None]
    if not people:
        return 0
    ids = [person.pk for person in people]
    started: dict[int, datetime] = {}
    for client_id, created in (
        CareLink.objects.filter(client_id__in=ids, ended_at__isnull=True)
        .order_by("-created_at")
        .values_list("client_id", "created_at")
    ):
        started[client_id] = created  # the earliest wins
    latest = {
        row["person_id"]: row
        for row in Outcome.objects.filter(person_id__in=ids)
        .values("person_id")
        .annotate(nrs=Max("at", filter=Q(kind=NRS)), psfs=Max("at", filter=Q(kind=PSFS)))
    }
    due_keys: dict[int, tuple[str, bool]] = {}
    for person in people:
        if person.pk not in started:
            continue
        row = latest.get(person.pk)
        local = local_time(person, now)  # the client's days
        if row is None or row["nrs"] is None or row["psfs"] is None:
            day = local.day_of(started[person.pk])
        else:
            day = local.day_of(min(row["nrs"], row["psfs"])) + timedelta(days=EVERY_DAYS)
        if day <= local.today:
            due_keys[person.pk] = (f"outcomes_due:{day.isoformat()}", row is None)
    if not due_keys:
        return 0
    told = set(
        Notice.objects.filter(
            recipient_id__in=[person.user_id for person in people if person.pk in due_keys],
            key__in={key for key, _ in due_keys.values()},
        ).values_list("recipient_id", "key")
    )
    url = reverse("my_outcomes")
    drafts = [
        Draft(person.user, "outcomes_due", key, reminder_text(first), url, person.pk)  # type: ignore[arg-type]
        for person in people
        if person.pk in due_keys
        for key, first in [due_keys[person.pk]]
        if (person.user_id, key) not in told
    ]
    return notify_many(drafts)


# --- change ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """First against latest, as the therapist's client page shows it."""

    count: int
    first: CheckIn | None
    latest: CheckIn | None
    nrs: Change
    psfs: PsfsChange
    activities: tuple[tuple[str, int | None, int | None], ...]
    """(activity, first rating, latest rating)."""


def summary(person: Person) -> Summary:
    checkins = history(person, limit=500)
    latest = checkins[0] if checkins else None
    first = checkins[-1] if checkins else None
    pair = len(checkins) >= 2
    nrs = assess_change(
        float(first.pain) if pair and first and first.pain is not None else None,
        float(latest.pain) if pair and latest and latest.pain is not None else None,
    )
    psfs = psfs_change(first.psfs if pair and first else None, latest.psfs if pair and latest else None)
    activities: list[tuple[str, int | None, int | None]] = []
    if first is not None and latest is not None:
        now_scores = dict(latest.items)
        activities = [(name, score, now_scores.get(name) if pair else None) for name, score in first.items]
    return Summary(len(checkins), first, latest, nrs, psfs, tuple(activities))
