"""Print the query plan (EXPLAIN) of every query on a hot path (docs/performance.md).

    BACKEASE_DATA_DIR=... .venv/bin/python bench/explain.py        # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/explain.py  # PostgreSQL

Run it on a store with some history (bench/scale.py builds one); with an empty store
PostgreSQL may prefer sequential scans, which is right for tiny tables.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def main() -> None:
    from backease.store.setup import setup

    setup()
    from django.db import connection
    from django.db.models import QuerySet
    from django.utils import timezone

    from backease.store import services
    from backease.store.models import (
        HistoryTotals,
        PainEntry,
        Plan,
        Screening,
        Session,
        SessionFacts,
        StepLog,
    )

    person = services.local_owner()
    now = timezone.now()
    since = now - timedelta(weeks=12)
    session = Session.objects.filter(person=person).order_by("-started_at").first()
    session_id = session.pk if session is not None else 0
    queries: list[tuple[str, QuerySet[Any] | str]] = [
        (
            "latest screen (outcome, plan)",
            Screening.objects.filter(person=person).order_by("-created_at", "-id")[:1],
        ),
        ("latest plan (Today, seed)", Plan.objects.filter(person=person).order_by("-created_at", "-id")[:1]),
        ("running totals (insights, planning, History)", HistoryTotals.objects.filter(person=person)),
        (
            "sessions after now (taken out of the totals)",
            SessionFacts.objects.filter(session__person=person, session__started_at__gt=now).values(
                "contribution"
            ),
        ),
        (
            "window: sessions of the last weeks (insights, planning)",
            Session.objects.filter(person=person, started_at__gte=since)
            .order_by("started_at", "id")
            .values_list(*services.SESSION_RECORD_FIELDS, "facts__counted"),
        ),
        (
            "window: diary entries of the last weeks",
            PainEntry.objects.filter(person=person, at__gte=since)
            .order_by("at", "id")
            .values_list("at", "pain"),
        ),
        (
            "History: a page of sessions",
            Session.objects.filter(person=person)
            .order_by("-started_at", "-id")
            .select_related("facts")[20:40],
        ),
        (
            "History: a page of the diary",
            PainEntry.objects.filter(person=person).order_by("-at", "-id")[20:40],
        ),
        (
            "History: sessions that count this month (calendar)",
            services.done_sessions(person).filter(started_at__gte=since).values_list("started_at", flat=True),
        ),
        (
            "a session's steps (facts after each write)",
            StepLog.objects.filter(session_id=session_id)
            .order_by("index")
            .values_list(*services.STEP_RECORD_FIELDS),
        ),
        (
            "report: techniques done since the window start",
            StepLog.objects.filter(
                session__person=person,
                session__facts__counted=True,
                seconds_done__gt=0,
                session__started_at__gte=since,
            )
            .values("technique")
            .order_by("technique"),
        ),
        ("plans no session refers to (pruning)", Plan.objects.filter(person=person, sessions__isnull=True)),
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have after a restore
    print(f"# {connection.vendor}: {Session.objects.filter(person=person).count():,} sessions\n")
    for title, query in queries:
        print(f"## {title}")
        print(query.explain() if not isinstance(query, str) else query)
        print()
    sql = services._state_sql(with_plan=True).replace("{owner}", "%s")
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, [person.pk] * sql.count("%s"))
        rows = cursor.fetchall()
    print("## the safety banner and the Today page's key (one statement)")
    print("\n".join(" ".join(str(c) for c in row) for row in rows))


if __name__ == "__main__":
    main()
