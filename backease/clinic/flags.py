"""Follow-up flags: what about a client needs their therapist's attention (docs/clinic.md,
"Follow-up flags").

Event flags are raised when the client's data is written (`backease.clinic.signals`):
a red-flag answer in the safety check, pain 7 or more, pain up by 3 or more against the
rating before, and a stop for sharp pain. Time flags (no session for 14 days, adherence
under 50 % this week) are raised when a therapist opens the dashboard and by the daily
`backease clinic daily` command. Each `Flag.key` names what it is about, so raising the
same flag twice is a no-op.

Only people who share with a therapist (an active `CareLink`) get flags, and each
therapist hears only of what their link's share covers: an "adherence only" link sees
and is told of `ADHERENCE_KINDS` alone, never pain, stops or safety answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.urls import reverse
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic.models import CareLink, Flag, FlagAck, Outcome, Programme
from backease.clinic.notices import notify
from backease.content.loader import load_content
from backease.core.errors import InputError
from backease.core.screening import fires, validate_answers
from backease.core.zones import LocalTime
from backease.store.models import PainEntry, Person, Screening, Session, SessionFacts, StepLog
from backease.store.zones import local_time, zone_named

NRS = "nrs"
"""`Outcome.Kind.NRS`."""


class Kind:
    """`Flag.Kind` values as plain text (the model's choices hold their labels)."""

    RED_FLAG = "red_flag"
    PAIN_HIGH = "pain_high"
    PAIN_RISE = "pain_rise"
    SHARP_PAIN = "sharp_pain"
    NO_SESSION = "no_session"
    LOW_ADHERENCE = "low_adherence"
    BLOCKED_STEP = "blocked_step"


PAIN_HIGH = 7
"""A rating of 7 or more (0-10) raises a flag (issue 10)."""
PAIN_RISE = 3
"""A rating 3 or more above the one before raises a flag: the same jump that makes the app
ask the safety questions again (shared/SCREENING.md)."""
NO_SESSION_DAYS = 14
LOW_ADHERENCE = 0.5
"""Adherence this week under 50 % of the programme's pro-rata target raises a flag."""
RED_LEVELS = ("emergency", "urgent", "soon")
"""Screening levels that are red flags: the ones that send the person to a clinician."""
SEEN_DAYS = 30
"""Acknowledged flags stay in the "seen" list this long."""

ADHERENCE_KINDS = frozenset({Kind.NO_SESSION, Kind.LOW_ADHERENCE, Kind.BLOCKED_STEP})
"""What an "adherence only" share lets a therapist see: whether the programme is done
(and that a step of it is blocked), never pain, stops or safety answers."""

NEED_RANK = {
    Kind.RED_FLAG: 0,
    Kind.SHARP_PAIN: 1,
    Kind.PAIN_HIGH: 2,
    Kind.PAIN_RISE: 2,
    Kind.BLOCKED_STEP: 3,
    Kind.LOW_ADHERENCE: 3,
    Kind.NO_SESSION: 4,
}
"""Sorting by need: red flags first, then sharp pain, pain, adherence, no session."""

KIND_WORDS = {
    Kind.RED_FLAG: "Red flag in the safety check",
    Kind.SHARP_PAIN: "Stopped for sharp pain",
    Kind.PAIN_HIGH: "Pain 7 or more",
    Kind.PAIN_RISE: "Pain up by 3 or more",
    Kind.BLOCKED_STEP: "Programme step blocked",
    Kind.LOW_ADHERENCE: "Adherence under 50 % this week",
    Kind.NO_SESSION: "No session for 14 days",
}


def clock() -> datetime:
    """The current time; tests replace this (no sleeping on the wall clock)."""
    now: datetime = timezone.now()
    return now


def visible_kinds(share: str) -> frozenset[str] | None:
    """The flag kinds a link with this share shows; None means every kind."""
    return None if share == CareLink.Share.FULL else frozenset(ADHERENCE_KINDS)


def can_see(share: str, kind: str) -> bool:
    kinds = visible_kinds(share)
    return kinds is None or kind in kinds


def label(person: Person) -> str:
    """How a therapist sees a client: their account's display name or email, else the name."""
    user = person.user if person.user_id is not None else None
    if user is not None:
        return user.label
    return person.name or f"Client {person.pk}"


# --- raising --------------------------------------------------------------------------------


def links_of(person_id: int) -> list[tuple[int, str]]:
    """(therapist id, share) of the person's active links: the one query a write costs a
    person in server mode who shares with nobody."""
    return list(
        CareLink.objects.filter(client_id=person_id, ended_at__isnull=True).values_list(
            "therapist_id", "share"
        )
    )


def raise_flag(
    client: Person | int,
    kind: str,
    key: str,
    detail: str = "",
    at: datetime | None = None,
    links: Sequence[tuple[int, str]] | None = None,
) -> Flag | None:
    """Raise a flag once per (client, key) and tell the client's therapists who may see it.

    Returns the new flag, or None when it was raised before."""
    client_id = client if isinstance(client, int) else client.pk
    if Flag.objects.filter(client_id=client_id, key=key).exists():
        return None
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                client_id=client_id, kind=kind, key=key[:120], detail=detail[:300], raised_at=at or clock()
            )
    except IntegrityError:  # raised at the same moment by another process
        return None
    from backease.clinic.summaries import refresh_need

    refresh_need([client_id])
    tell_therapists(flag, links if links is not None else links_of(client_id))
    return flag


def tell_therapists(flag: Flag, links: Sequence[tuple[int, str]]) -> None:
    """One notice (and at most one email while it is unread) per therapist and client:
    a burst of flags from one session reads as one message."""
    allowed = [therapist_id for therapist_id, share in links if can_see(share, flag.kind)]
    if not allowed:
        return
    client = Person.objects.select_related("user").get(pk=flag.client_id)
    name = label(client)
    url = reverse("clinic_client", args=[client.pk])
    for therapist in User.objects.filter(pk__in=allowed, is_active=True):
        notify(
            therapist,
            kind="flag",
            key=f"flags:{client.pk}",
            text=f"New flag for {name}: {KIND_WORDS.get(flag.kind, flag.kind)}. Open their page to see it.",
            url=url,
            subject=client,
        )


def close_cleared(
    person_id: int, links: Sequence[tuple[int, str]], kinds: Iterable[str], before: datetime
) -> int:
    """Close the client's open flags of these kinds raised before `before`, the moment
    their condition cleared, when none of the client's therapists may see that kind (every
    link shares adherence only): nobody can acknowledge such a flag, so it lasts as long as
    its condition. A flag a therapist may see waits for them: it is never closed for them.

    Cleared means: pain flags, a later rating under 7 that is no rise; a red flag, a later
    safety check without one; sharp pain, a later session completed without it."""
    unseen = [kind for kind in kinds if not any(can_see(share, kind) for _, share in links)]
    if not unseen:
        return 0
    return Flag.objects.filter(
        client_id=person_id, kind__in=unseen, closed_at__isnull=True, raised_at__lt=before
    ).update(closed_at=clock())


PAIN_KINDS = (Kind.PAIN_HIGH, Kind.PAIN_RISE)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- event flags ------------------------------------------------------------------------------


def red_flag_rules(row: Screening) -> list[str]:
    """The red-flag rules a stored safety check fired: rules whose own level is
    emergency, urgent or soon, whether or not a clinician's clearance lowered them
    (the cautious reading: a cleared cancer history is still one)."""
    rules = load_content().rules
    try:
        answers = validate_answers(row.answers, rules)
    except InputError:  # rules changed since: fall back on the reasons stored with it
        questions = {r.get("question") for r in row.reasons if isinstance(r, dict)}
        return sorted(
            rule.id for rule in rules.rules if rule.level in RED_LEVELS and rule.question in questions
        )
    return [rule.id for rule in rules.rules if rule.level in RED_LEVELS and fires(rule, answers)]


def check_screening(row: Screening, links: Sequence[tuple[int, str]]) -> Flag | None:
    """A red flag when the stored level is emergency, urgent or soon, or a red-flag rule
    fired; raised once per safety check, and not again for a check that only repeats the
    red-flag rules of the check before it (the same answer given at every session)."""
    fired = red_flag_rules(row)
    if row.level not in RED_LEVELS and not fired:
        close_cleared(row.person_id, links, [Kind.RED_FLAG], row.created_at)
        return None
    previous = (
        Screening.objects.filter(person_id=row.person_id, created_at__lte=row.created_at)
        .exclude(pk=row.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    repeat = previous is not None and fired and set(fired) <= set(red_flag_rules(previous))
    if repeat and row.level not in ("emergency", "urgent"):
        return None
    names = _rule_words(fired)
    detail = f"Safety check result: {row.level.replace('_', ' ')}" + (f" ({names})" if names else "")
    return raise_flag(
        row.person_id, Kind.RED_FLAG, f"red_flag:screening:{row.pk}", detail, row.created_at, links
    )


def _rule_words(rule_ids: Iterable[str]) -> str:
    rules = load_content().rules
    words = []
    for rule_id in rule_ids:
        rule = rules.rule(rule_id)
        question = rules.question(rule.question) if rule is not None else None
        words.append(question.id.replace("_", " ") if question is not None else rule_id.replace("_", " "))
    return ", ".join(dict.fromkeys(words))


def previous_rating(person_id: int, before: datetime, exclude: tuple[str, int] | None = None) -> int | None:
    """The latest pain rating (diary, session before/after, pain-now outcome) before a moment."""
    found: list[tuple[datetime, int]] = []
    diary = PainEntry.objects.filter(person_id=person_id, at__lt=before)
    if exclude and exclude[0] == "diary":
        diary = diary.exclude(pk=exclude[1])
    row = diary.order_by("-at", "-id").values_list("at", "pain").first()
    if row:
        found.append(row)
    sessions = Session.objects.filter(person_id=person_id, started_at__lt=before).filter(
        Q(pain_before__isnull=False) | Q(pain_after__isnull=False)
    )
    if exclude and exclude[0] == "session":
        sessions = sessions.exclude(pk=exclude[1])
    srow = (
        sessions.order_by("-started_at", "-id").values_list("started_at", "pain_before", "pain_after").first()
    )
    if srow:
        found.append((srow[0], srow[2] if srow[2] is not None else srow[1]))
    outcomes = Outcome.objects.filter(person_id=person_id, kind=NRS, at__lt=before)
    if exclude and exclude[0] == "outcome":
        outcomes = outcomes.exclude(pk=exclude[1])
    orow = outcomes.order_by("-at", "-id").values_list("at", "data").first()
    if orow and isinstance(orow[1], dict) and isinstance(orow[1].get("score"), int):
        found.append((orow[0], orow[1]["score"]))
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]


def check_pain(
    person_id: int,
    pain: int,
    at: datetime,
    source: str,
    source_id: int,
    links: Sequence[tuple[int, str]],
    previous: int | None = None,
    where: str = "",
) -> list[Flag]:
    """Pain 7 or more (one flag a day at most) and pain up by 3 or more against the rating
    before (`previous`, looked up when not given)."""
    raised: list[Flag] = []
    words = where or {"diary": "in the diary", "session": "in a session", "outcome": "in a check-in"}[source]
    if pain >= PAIN_HIGH:
        day = local_time(person_id, at).today.isoformat()  # the client's day
        flag = raise_flag(
            person_id, Kind.PAIN_HIGH, f"pain_high:{day}", f"Pain {pain} of 10 {words}", at, links
        )
        if flag is not None:
            raised.append(flag)
    if previous is None:
        previous = previous_rating(person_id, at, (source, source_id))
    rising = previous is not None and pain - previous >= PAIN_RISE
    if pain < PAIN_HIGH and not rising:
        close_cleared(person_id, links, PAIN_KINDS, at)
    if previous is not None and rising:
        flag = raise_flag(
            person_id,
            Kind.PAIN_RISE,
            f"pain_rise:{source}:{source_id}:{pain}",
            f"Pain {previous} → {pain} of 10 {words}",
            at,
            links,
        )
        if flag is not None:
            raised.append(flag)
    return raised


def check_session(session: Session, links: Sequence[tuple[int, str]]) -> list[Flag]:
    """Pain before/after 7 or more or up by 3, and a stop for sharp pain."""
    raised: list[Flag] = []
    at = session.started_at
    if session.pain_before is not None:
        raised += check_pain(
            session.person_id, session.pain_before, at, "session", session.pk, links, where="before a session"
        )
    if session.pain_after is not None:
        ended = session.finished_at or at
        raised += check_pain(
            session.person_id,
            session.pain_after,
            ended,
            "session",
            session.pk,
            links,
            previous=session.pain_before,
            where="after a session",
        )
    if "sharp" in session.stop_reason.lower():
        flag = sharp_pain(session.person_id, session.pk, session.finished_at or at, links)
        if flag is not None:
            raised.append(flag)
    elif session.status == Session.Status.COMPLETED:
        close_cleared(session.person_id, links, [Kind.SHARP_PAIN], at)
    return raised


def sharp_pain(
    person_id: int, session_id: int, at: datetime, links: Sequence[tuple[int, str]], technique: str = ""
) -> Flag | None:
    what = f" during {technique.replace('_', ' ')}" if technique else ""
    return raise_flag(
        person_id,
        Kind.SHARP_PAIN,
        f"sharp_pain:session:{session_id}",
        f"Stopped a session for sharp pain{what}",
        at,
        links,
    )


def check_step(log: StepLog, person_id: int, links: Sequence[tuple[int, str]]) -> Flag | None:
    if log.feedback != StepLog.Feedback.SHARP_PAIN:
        return None
    return sharp_pain(person_id, log.session_id, log.updated_at or clock(), links, log.technique)


def check_outcome(row: Outcome, links: Sequence[tuple[int, str]]) -> list[Flag]:
    score = row.data.get("score") if isinstance(row.data, dict) else None
    if row.kind != NRS or not isinstance(score, int):
        return []
    return check_pain(row.person_id, score, row.at, "outcome", row.pk, links)


# --- adherence and time flags -------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_current_timezone())


@dataclass(frozen=True, slots=True)
class WeekAdherence:
    """Adherence in one week (Monday to Sunday, local time) against a programme.

    `days` is how many whole days of the week have ended while the programme ran (today
    is not counted: it is not over, and a session may still come); `expected` is
    days_per_week x days / 7; `done` counts the sessions that count
    (`SessionFacts.counted`) started in the week while the programme ran, today's too;
    `ratio` is done / expected (None while nothing is expected yet)."""

    monday: date
    done: int
    days_per_week: int
    days: int
    expected: float
    ratio: float | None

    @property
    def low(self) -> bool:
        """Under 50 %, judged once at least one session was due (expected >= 1)."""
        return self.ratio is not None and self.expected >= 1 and self.ratio < LOW_ADHERENCE

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round(self.ratio * 100)


def week_adherence(
    monday: date,
    today: date,
    days_per_week: int,
    counted_days: Iterable[date],
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> WeekAdherence:
    """See `WeekAdherence`: pure arithmetic on local days."""
    first = max(monday, starts_on) if starts_on else monday
    stop = monday + timedelta(days=7)
    if ends_on is not None:
        stop = min(stop, ends_on + timedelta(days=1))
    elapsed = max(0, (min(stop, today) - first).days)
    done = sum(1 for day in counted_days if first <= day < stop and day <= today)
    expected = days_per_week * elapsed / 7
    ratio = done / expected if expected > 0 else None
    return WeekAdherence(monday, done, days_per_week, elapsed, round(expected, 2), ratio)


@dataclass
class ClientState:
    """What the dashboard and the time checks know of one client, read in bulk."""

    link: CareLink
    programme: Programme | None = None
    counted_days: list[date] | None = None
    last_session_at: datetime | None = None
    last_session_status: str = ""
    last_counted_at: datetime | None = None

    @property
    def client(self) -> Person:
        return self.link.client

    @property
    def zone(self) -> ZoneInfo:
        """The client's time zone: their days and weeks (docs/time-zones.md)."""
        return zone_named(self.link.client.time_zone)

    def today(self, now: datetime) -> date:
        """The client's date at `now`."""
        return LocalTime.at(now, self.zone).today

    @property
    def programme_start(self) -> date | None:
        """The day the programme runs from: its start date or, when it has none (a template
        given without dates), the day it was set; never earlier weeks it did not exist in."""
        if self.programme is None:
            return None
        return self.programme.starts_on or LocalTime.at(self.programme.created_at, self.zone).today

    def adherence(self, today: date, monday: date | None = None) -> WeekAdherence | None:
        if self.programme is None:
            return None
        return week_adherence(
            monday or monday_of(today),
            today,
            self.programme.days_per_week,
            self.counted_days or [],
            self.programme_start,
            self.programme.ends_on,
        )

    def no_session_since(self, today: date) -> date | None:
        """The day the 14 days are counted from: the last session that counts, or the
        programme's start (or the day the client started sharing) when later; None when
        that was under 14 days ago."""
        anchors = [LocalTime.at(self.link.created_at, self.zone).today]
        if self.programme_start is not None:
            anchors.append(self.programme_start)
        if self.last_counted_at is not None:
            anchors.append(LocalTime.at(self.last_counted_at, self.zone).today)
        anchor = max(anchors)
        return anchor if (today - anchor).days >= NO_SESSION_DAYS else None


def current_programmes(
    client_ids: Iterable[int], today: date, days: dict[int, date] | None = None
) -> dict[int, Programme]:
    """Each client's programme in force today (not archived, started, not ended; today is
    the client's own in `days`, else `today`): the one that started last when there are
    several."""
    days = days or {}
    latest, earliest = max([today, *days.values()]), min([today, *days.values()])
    rows = (
        Programme.objects.filter(client_id__in=list(client_ids), is_template=False, archived_at__isnull=True)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=latest))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=earliest - timedelta(days=7)))
        .order_by("client_id", "-starts_on", "-updated_at", "-id")
    )
    found: dict[int, Programme] = {}
    for row in rows:
        if row.client_id is None or row.client_id in found:
            continue
        day = days.get(row.client_id, today)
        if (row.starts_on is None or row.starts_on <= day) and (
            row.ends_on is None or row.ends_on >= day - timedelta(days=7)
        ):
            found[row.client_id] = row
    return found


def annotated_links(links: QuerySet[CareLink]) -> QuerySet[CareLink]:
    """Links with each client's last session and last session that counts (one query; each
    subquery walks the (person, started_at) index backwards and stops at the first row)."""
    newest = Session.objects.filter(person_id=OuterRef("client_id")).order_by("-started_at", "-id")
    counted = newest.filter(facts__counted=True)
    return links.select_related("client", "client__user").annotate(
        last_session_at=Subquery(newest.values("started_at")[:1]),
        last_session_status=Subquery(newest.values("status")[:1]),
        last_counted_at=Subquery(counted.values("started_at")[:1]),
    )


def client_states(links: Iterable[CareLink], now: datetime) -> list[ClientState]:
    """One `ClientState` per link, in a fixed number of queries whatever the number of
    clients or the length of their history: programmes, and counted sessions of the last
    two weeks."""
    links = list(links)
    today = timezone.localtime(now).date()
    ids = sorted({link.client_id for link in links})
    # Days are each client's own (their zone); a day more covers zones ahead of or behind this one.
    zones = {link.client_id: zone_named(link.client.time_zone) for link in links}
    programmes = current_programmes(
        ids, today, {i: LocalTime.at(now, zone).today for i, zone in zones.items()}
    )
    since = local_start(monday_of(today) - timedelta(days=8))
    per_client: dict[int, list[date]] = {i: [] for i in ids}
    rows = SessionFacts.objects.filter(
        counted=True, session__person_id__in=ids, session__started_at__gte=since
    ).values_list("session__person_id", "session__started_at")
    for person_id, started in rows:
        per_client[person_id].append(LocalTime.at(started, zones[person_id]).today)
    return [
        ClientState(
            link=link,
            programme=programmes.get(link.client_id),
            counted_days=per_client.get(link.client_id, []),
            last_session_at=getattr(link, "last_session_at", None),
            last_session_status=getattr(link, "last_session_status", "") or "",
            last_counted_at=getattr(link, "last_counted_at", None),
        )
        for link in links
    ]


def due_time_flags(state: ClientState, now: datetime) -> list[tuple[str, str, str]]:
    """(kind, key, detail) of the time flags this client has due now: no session for 14
    days, and adherence under 50 % this week so far or in the week just ended (in the
    client's days and weeks)."""
    today = state.today(now)
    due: list[tuple[str, str, str]] = []
    since = state.no_session_since(today)
    if since is not None:
        days = (today - since).days
        due.append(
            (
                Kind.NO_SESSION,
                f"no_session:{since.isoformat()}",
                f"No session that counts for {days} days (since {since.day} {since:%b})",
            )
        )
    if state.programme is not None:
        this_monday = monday_of(today)
        for monday in (this_monday - timedelta(days=7), this_monday):
            week = state.adherence(today, monday)
            if week is not None and week.low:
                due.append(
                    (
                        Kind.LOW_ADHERENCE,
                        f"low_adherence:{monday.isoformat()}",
                        f"Week of {monday.day} {monday:%b}: {week.done} "
                        f"session{'s' if week.done != 1 else ''} of "
                        f"{week.expected:g} expected so far ({week.percent} %); programme: "
                        f"{state.programme.days_per_week} a week",
                    )
                )
    return due


def raise_time_flags(states: Sequence[ClientState], now: datetime) -> list[Flag]:
    """Raise the time flags due for these clients, and tell their therapists, in a fixed
    number of queries however many clients and flags."""
    return raise_flags(
        [
            (s.link.client_id, kind, key, detail, now)
            for s in states
            for kind, key, detail in due_time_flags(s, now)
        ]
    )


def raise_flags(wanted: Iterable[tuple[int, str, str, str, datetime]]) -> list[Flag]:
    """`raise_flag` for many (client id, kind, key, detail, raised at) at once: the ones
    not raised before are written together and their therapists told, in a fixed number
    of queries however many. Returns the new flags."""
    by_key = {
        (client_id, key[:120]): (client_id, kind, key[:120], detail, at)
        for client_id, kind, key, detail, at in wanted
    }
    if not by_key:
        return []
    ids = {client_id for client_id, _ in by_key}
    keys = {key for _, key in by_key}
    existing = set(Flag.objects.filter(client_id__in=ids, key__in=keys).values_list("client_id", "key"))
    new = [
        Flag(client_id=client_id, kind=kind, key=key, detail=detail[:300], raised_at=at)
        for pair, (client_id, kind, key, detail, at) in sorted(by_key.items())
        if pair not in existing
    ]
    if not new:
        return []
    try:
        with transaction.atomic():
            Flag.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:  # another process raised one of them at the same moment: one at a time
        raised = [raise_flag(f.client_id, f.kind, f.key, f.detail, f.raised_at) for f in new]
        return [flag for flag in raised if flag is not None]
    from backease.clinic.summaries import refresh_need

    refresh_need({flag.client_id for flag in new})
    tell_therapists_many(new)
    return new


def tell_therapists_many(raised: Sequence[Flag]) -> None:
    """`tell_therapists` for many new flags at once: three queries to find who may see
    them, and `notify_many`."""
    from backease.clinic.notices import Draft, notify_many

    ids = {flag.client_id for flag in raised}
    links: dict[int, list[tuple[int, str]]] = {}
    for client_id, therapist_id, share in CareLink.objects.filter(
        client_id__in=ids, ended_at__isnull=True
    ).values_list("client_id", "therapist_id", "share"):
        links.setdefault(client_id, []).append((therapist_id, share))
    wanted = {therapist_id for rows in links.values() for therapist_id, _ in rows}
    therapists = {user.pk: user for user in User.objects.filter(pk__in=wanted, is_active=True)}
    clients = {person.pk: person for person in Person.objects.filter(pk__in=ids).select_related("user")}
    drafts = []
    for flag in raised:
        client = clients[flag.client_id]
        for therapist_id, share in links.get(flag.client_id, []):
            if therapist_id in therapists and can_see(share, flag.kind):
                drafts.append(
                    Draft(
                        therapists[therapist_id],
                        "flag",
                        f"flags:{client.pk}",
                        f"New flag for {label(client)}: {KIND_WORDS.get(flag.kind, flag.kind)}. "
                        "Open their page to see it.",
                        reverse("clinic_client", args=[client.pk]),
                        client.pk,
                    )
                )
    notify_many(drafts)


def check_clients(client_ids: Sequence[int], now: datetime) -> int:
    """The time flags of these clients (at most a few hundred), in a fixed number of
    queries: their summaries are built first where missing, and each is marked checked
    today (`ClientSummary.checked_on`), so the dashboard checks a client at most once a
    day. Returns how many flags were raised."""
    from backease.clinic.models import ClientSummary
    from backease.clinic.summaries import refresh_need, refresh_summaries

    have = set(ClientSummary.objects.filter(person_id__in=client_ids).values_list("person_id", flat=True))
    missing = [i for i in client_ids if i not in have]  # kept before summaries existed
    refresh_summaries(missing, now)
    refresh_need(missing)
    # One state per client: their earliest active link stands for "since they shared".
    links = annotated_links(
        CareLink.objects.filter(client_id__in=client_ids, ended_at__isnull=True).order_by("created_at")
    )
    seen: set[int] = set()
    unique = []
    for link in links:
        if link.client_id not in seen:
            seen.add(link.client_id)
            unique.append(link)
    raised = raise_time_flags(client_states(unique, now), now)
    ClientSummary.objects.filter(person_id__in=client_ids).update(checked_on=timezone.localtime(now).date())
    return len(raised)


def check_due_today(therapist: User, now: datetime) -> int:
    """Time flags of the therapist's clients not checked yet today (by the daily command or
    an earlier visit): what the dashboard runs before it sorts clients by need. Most days
    nobody is due and this is one query."""
    from backease.clinic.access import active_links

    today = timezone.localtime(now).date()
    due = list(
        active_links(therapist)
        .filter(
            Q(client__summary__isnull=True)
            | Q(client__summary__checked_on__isnull=True)
            | Q(client__summary__checked_on__lt=today)
        )
        .values_list("client_id", flat=True)
    )
    raised = 0
    for start in range(0, len(due), 200):
        raised += check_clients(due[start : start + 200], now)
    return raised


def daily_check(now: datetime | None = None, chunk: int = 200) -> dict[str, int]:
    """The daily run: time flags for every client who shares with someone, and the
    "outcome measures due" notices, `chunk` clients at a time in a fixed number of
    queries per chunk. Returns counts for the command to print."""
    from backease.clinic import outcomes

    now = now or clock()
    client_ids = sorted(
        set(CareLink.objects.filter(ended_at__isnull=True).values_list("client_id", flat=True))
    )
    raised = 0
    reminded = 0
    for start in range(0, len(client_ids), chunk):
        part = client_ids[start : start + chunk]
        raised += check_clients(part, now)
        people = Person.objects.filter(pk__in=part).select_related("user")
        reminded += outcomes.remind_due(list(people), now)
    return {"clients": len(client_ids), "flags_raised": raised, "outcome_reminders": reminded}


# --- what a therapist sees -----------------------------------------------------------------------


def visible_to(links: Sequence[CareLink]) -> Q:
    """Flags of these clients whose kind the link's share lets its therapist see."""
    full = [link.client_id for link in links if link.share == CareLink.Share.FULL]
    partial = [link.client_id for link in links if link.share != CareLink.Share.FULL]
    return Q(client_id__in=full) | Q(client_id__in=partial, kind__in=sorted(ADHERENCE_KINDS))


def need_order() -> Case:
    """`NEED_RANK` as an SQL expression, so the database sorts flags by need."""
    return Case(
        *[When(kind=kind, then=Value(rank)) for kind, rank in NEED_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


def open_flags(therapist: User, links: Sequence[CareLink]) -> QuerySet[Flag]:
    """Every flag of these clients that the therapist may see and has not acknowledged,
    most serious first (red flags), then newest: however long the history, none is left
    out (each has `acked` False)."""
    if not links:
        return Flag.objects.none()
    acked = FlagAck.objects.filter(flag_id=OuterRef("pk"), therapist=therapist)
    return (
        Flag.objects.filter(visible_to(links), closed_at__isnull=True)
        .exclude(Exists(acked))
        .annotate(need=need_order(), acked=Value(False))
        .order_by("need", "-raised_at", "-id")
    )


def first_open_flags(therapist: User, links: Sequence[CareLink], per_client: int) -> list[Flag]:
    """The first `per_client` of each client's `open_flags`, most serious first (one query).
    Each client's flags are read from their link's oldest open one (`CareLink.open_since`)
    on, not through their whole acknowledged history."""
    since = Q()
    for link in links:
        if link.open_since is not None:
            since |= Q(client_id=link.client_id, raised_at__gte=link.open_since)
        else:  # not known (kept before it was): the whole history
            since |= Q(client_id=link.client_id)
    ranked = (
        open_flags(therapist, links)
        .filter(since)
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("client_id")],
                order_by=[need_order().asc(), F("raised_at").desc(), F("id").desc()],
            )
        )
    )
    return list(ranked.filter(nth__lte=per_client))


def seen_flags(therapist: User, links: Sequence[CareLink], now: datetime) -> QuerySet[Flag]:
    """Flags of these clients the therapist acknowledged in the last SEEN_DAYS days, newest
    first (each has `acked` True)."""
    if not links:
        return Flag.objects.none()
    return (
        Flag.objects.filter(visible_to(links))
        .filter(acks__therapist=therapist, acks__at__gte=now - timedelta(days=SEEN_DAYS))
        .annotate(acked=Value(True))
        .order_by("-raised_at", "-id")
    )


def seen_by(therapist: User, now: datetime) -> QuerySet[Flag]:
    """`seen_flags` of all the therapist's clients without listing them, the most recently
    acknowledged first: each flag carries the share of the therapist's link (`share`) and
    its client (with `user`). Walks the (therapist, at) index of acknowledgements
    backwards, so a limit stops it early."""
    return (
        Flag.objects.filter(acks__therapist=therapist, acks__at__gte=now - timedelta(days=SEEN_DAYS))
        .filter(client__care_links__therapist=therapist, client__care_links__ended_at__isnull=True)
        .annotate(share=F("client__care_links__share"), acked=Value(True))
        .filter(Q(share=CareLink.Share.FULL) | Q(kind__in=sorted(ADHERENCE_KINDS)))
        .select_related("client__user")
        .order_by("-acks__at", "-id")
    )


def need_key(open_flags: Sequence[Flag]) -> tuple[int, float]:
    """Sort key of a client by need: the most serious open flag, then the newest first."""
    if not open_flags:
        return (len(NEED_RANK) + 1, 0.0)
    rank = min(NEED_RANK.get(flag.kind, 9) for flag in open_flags)
    newest = max(flag.raised_at for flag in open_flags if NEED_RANK.get(flag.kind, 9) == rank)
    return (rank, -newest.timestamp())


def acknowledge(therapist: User, flag_id: int) -> Flag:
    """Acknowledge a flag of a client the therapist reaches and may see (404 otherwise)."""
    from django.http import Http404

    from backease.clinic.access import link_for

    flag = Flag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise Http404("no such flag")
    link = link_for(therapist, flag.client_id)
    if not can_see(link.share, flag.kind):
        raise Http404("no such flag")
    FlagAck.objects.get_or_create(flag=flag, therapist=therapist)
    from backease.clinic.summaries import refresh_need

    refresh_need([flag.client_id])
    return flag


def acknowledge_many(therapist: User, flag_ids: Iterable[int]) -> int:
    """`acknowledge` for many flags at once (a fixed number of queries): those of clients
    the therapist reaches and may see; the others are left alone. Returns how many."""
    from backease.clinic.access import active_links

    ids = sorted(set(flag_ids))
    links = list(active_links(therapist).filter(client__flags__id__in=ids).distinct())
    if not ids or not links:
        return 0
    allowed = list(Flag.objects.filter(visible_to(links), pk__in=ids).values_list("pk", flat=True))
    FlagAck.objects.bulk_create(
        [FlagAck(flag_id=pk, therapist=therapist) for pk in allowed], ignore_conflicts=True, batch_size=1000
    )
    from backease.clinic.summaries import refresh_need

    refresh_need({link.client_id for link in links})
    return len(allowed)


def close_cleared_all(client_ids: Sequence[int], now: datetime) -> int:
    """`close_cleared` over stored histories (`backease clinic summaries`, for flags kept
    before flags closed themselves): for clients none of whose therapists may see them,
    close pain flags raised before the client's latest rating under 7, red flags before
    their latest safety check with a level below "soon", and sharp pain before their latest
    completed session. Three updates, however many clients. Returns how many closed."""
    unseen = Q(client_id__in=list(client_ids), closed_at__isnull=True) & ~Q(
        Exists(
            CareLink.objects.filter(
                client_id=OuterRef("client_id"), ended_at__isnull=True, share=CareLink.Share.FULL
            )
        )
    )
    calm_diary = PainEntry.objects.filter(person_id=OuterRef("client_id"), pain__lt=PAIN_HIGH).order_by("-at")
    calm_session = (
        Session.objects.filter(person_id=OuterRef("client_id"), pain_before__lt=PAIN_HIGH)
        .filter(Q(pain_after__isnull=True) | Q(pain_after__lt=PAIN_HIGH))
        .order_by("-started_at")
    )
    calm = Greatest(
        Coalesce(Subquery(calm_diary.values("at")[:1]), Value(EPOCH)),
        Coalesce(Subquery(calm_session.values("started_at")[:1]), Value(EPOCH)),
    )
    clean = Screening.objects.filter(person_id=OuterRef("client_id")).exclude(level__in=RED_LEVELS)
    completed = Session.objects.filter(person_id=OuterRef("client_id"), status=Session.Status.COMPLETED)
    closed = 0
    for kinds, until in (
        (PAIN_KINDS, calm),
        ((Kind.RED_FLAG,), Subquery(clean.order_by("-created_at").values("created_at")[:1])),
        ((Kind.SHARP_PAIN,), Subquery(completed.order_by("-started_at").values("started_at")[:1])),
    ):
        closed += (
            Flag.objects.filter(unseen, kind__in=kinds)
            .annotate(until=until)
            .filter(raised_at__lt=F("until"))
            .update(closed_at=now)
        )
    return closed


def shown_detail(flag: Flag, share: str) -> str:
    """The flag's detail as this share may see it. A blocked step's detail goes on to say
    which safety answer blocks it; an "adherence only" therapist sees the step, not why."""
    if share == CareLink.Share.FULL or flag.kind != Kind.BLOCKED_STEP:
        return flag.detail
    head, found, _ = flag.detail.partition(" is blocked.")
    return head + found if found else "A step of the programme cannot be done now."


def describe(flag: Flag, share: str = "full") -> dict[str, Any]:
    return {
        "flag": flag,
        "kind": flag.kind,
        "words": KIND_WORDS.get(flag.kind, flag.kind),
        "detail": shown_detail(flag, share),
        "raised_at": timezone.localtime(flag.raised_at),
        "acked": bool(getattr(flag, "acked", False)),
        "serious": flag.kind in (Kind.RED_FLAG, Kind.SHARP_PAIN),
    }
