"""Per-client summaries and per-link need, kept up to date on write, so the dashboard costs
what it shows: a page of clients, whatever their number or the length of their history
(docs/clinic.md, "The dashboard").

- `ClientSummary` (one per client): pain per day over the trend's 8 weeks, rebuilt from
  the client's recent ratings whenever a session's pain, a diary entry or a pain-now
  check-in of theirs is written or deleted, or their history restored
  (`backease.clinic.signals`), as the store keeps its running totals. (The last session
  and this week's adherence are read for the clients on the page only: a few index look-ups
  each, not their history.)
- `CareLink.open_flags`, `need_rank`, `need_at`: what needs that therapist's attention
  (open flags they may see and have not acknowledged), refreshed whenever a flag of the
  client is raised, acknowledged or closed, and when the link is made or its share changes.

Every function here takes many clients at once and costs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone

from backease.clinic.models import CareLink, ClientSummary, Flag, FlagAck, Outcome
from backease.store.models import PainEntry, Person, Session
from backease.store.zones import zone_named

TREND_DAYS = 56
"""The pain trend on the dashboard covers the last 8 weeks."""
NO_NEED = 9
"""`CareLink.need_rank` of a link with no open flag (after every rank in flags.NEED_RANK)."""


def refresh_summaries(person_ids: Iterable[int], now: datetime | None = None) -> None:
    """Rebuild these people's `ClientSummary` rows from their ratings of the last 8 weeks
    (five queries, one of them the write, however many people)."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    now = now or timezone.now()
    found = pain_days(ids, now)
    rows = [ClientSummary(person_id=pk, pain_days=found.get(pk, {})) for pk in ids]
    ClientSummary.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["person"], update_fields=["pain_days", "updated_at"]
    )


def pain_days(ids: list[int], now: datetime) -> dict[int, dict[str, list[int]]]:
    """Each person's ratings per day (their own days, in their time zone) over the last 8
    weeks, as [sum, count]: diary entries, pain before sessions, and pain-now check-ins
    (four queries)."""
    since = now - timedelta(days=TREND_DAYS + 1)  # a day more: zones ahead of the site's
    zones = {
        pk: zone_named(name) for pk, name in Person.objects.filter(pk__in=ids).values_list("pk", "time_zone")
    }
    found: dict[int, dict[str, list[int]]] = defaultdict(dict)

    def add(person_id: int, at: datetime, pain: int) -> None:
        day = found[person_id].setdefault(at.astimezone(zones[person_id]).date().isoformat(), [0, 0])
        day[0] += pain
        day[1] += 1

    for person_id, at, pain in PainEntry.objects.filter(person_id__in=ids, at__gte=since).values_list(
        "person_id", "at", "pain"
    ):
        add(person_id, at, pain)
    for person_id, at, pain in Session.objects.filter(
        person_id__in=ids, started_at__gte=since, pain_before__isnull=False
    ).values_list("person_id", "started_at", "pain_before"):
        add(person_id, at, pain)
    for person_id, at, data in Outcome.objects.filter(
        person_id__in=ids, kind="nrs", at__gte=since
    ).values_list("person_id", "at", "data"):
        if isinstance(data, dict) and isinstance(data.get("score"), int):
            add(person_id, at, data["score"])
    return {person_id: dict(sorted(days.items())) for person_id, days in found.items()}


def trend_points(summary: ClientSummary | None, today: date) -> list[tuple[date, float]]:
    """Mean pain per day over the 8 weeks up to `today`, oldest first, from a summary."""
    if summary is None:
        return []
    first = today - timedelta(days=TREND_DAYS)
    points = []
    for day, (total, count) in sorted(summary.pain_days.items()):
        when = date.fromisoformat(day)
        if count and first <= when <= today:
            points.append((when, total / count))
    return points


def refresh_need(client_ids: Iterable[int]) -> None:
    """Bring `open_flags`, `need_rank` and `need_at` of these clients' active links up to
    date (three queries and one write however many clients): each link counts the
    client's open flags that its share lets its therapist see and that they have not
    acknowledged."""
    from backease.clinic.flags import NEED_RANK, can_see

    ids = sorted(set(client_ids))
    if not ids:
        return
    links = list(CareLink.objects.filter(client_id__in=ids, ended_at__isnull=True))
    if not links:
        return
    open_rows = list(
        Flag.objects.filter(client_id__in=ids, closed_at__isnull=True).values_list(
            "id", "client_id", "kind", "raised_at"
        )
    )
    acked: dict[int, set[int]] = defaultdict(set)
    for flag_id, therapist_id in FlagAck.objects.filter(
        flag__client_id__in=ids, flag__closed_at__isnull=True
    ).values_list("flag_id", "therapist_id"):
        acked[therapist_id].add(flag_id)
    by_client: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for flag_id, client_id, kind, raised_at in open_rows:
        by_client[client_id].append((flag_id, kind, raised_at))
    for link in links:
        mine = [
            (NEED_RANK.get(kind, NO_NEED - 1), raised_at)
            for flag_id, kind, raised_at in by_client.get(link.client_id, [])
            if can_see(link.share, kind) and flag_id not in acked[link.therapist_id]
        ]
        link.open_flags = len(mine)
        link.need_rank = min((rank for rank, _ in mine), default=NO_NEED)
        link.need_at = max((at for rank, at in mine if rank == link.need_rank), default=None)
        link.open_since = min((at for _, at in mine), default=None)
    CareLink.objects.bulk_update(links, ["open_flags", "need_rank", "need_at", "open_since"])


def rebuild_all(now: datetime | None = None, chunk: int = 200) -> int:
    """Rebuild the summary of every client who shares with someone, and the need of every
    active link, and close flags nobody may see whose condition has cleared
    (`flags.close_cleared_all`) (`backease clinic summaries`: after an upgrade that brings summaries, or to
    check them). The dashboard and the daily command also build, on the way, the summaries
    of clients who have none. Returns how many clients."""
    from backease.clinic.flags import close_cleared_all

    now = now or timezone.now()
    ids = sorted(set(CareLink.objects.filter(ended_at__isnull=True).values_list("client_id", flat=True)))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        close_cleared_all(part, now)
        refresh_summaries(part, now)
        refresh_need(part)
    return len(ids)
