"""Server mode's reminders for 10,000 people on PostgreSQL (issue 18): what the job runner's
scan costs (backease.reminders.jobs.run_scan).

    .venv/bin/python bench/reminders_scale.py                  # 10,000 people
    .venv/bin/python bench/reminders_scale.py --people 2000    # quicker

PostgreSQL only: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bk_jobs_bench,
made if missing); its schema `public` is dropped first. Only 127.0.0.1 is contacted.

Seeded in bulk (nothing here is about writing people): accounts with an address, people in
eight zones (UTC-8 to UTC+10, with and without DST), each with a planned schedule, 1 in 10
with quiet hours, 1 in 20 with reminders off. The sends go to a counting transport (the
email is built, not sent: the bench measures the scan, not a mail server).

Three measures, each the scan as the runner runs it (claims, sends, records), with its
queries counted:
1. peak: a moment at which everyone with reminders on is due at once (their planned time
   is that instant in their own zone), 1 in 10 already did a session that day;
2. a whole day of the runner's scans, once a minute (1,440 scans), with the schedules spread
   over the day (06:00 to 21:30 on the half hour, 2 or 3 days a week), what a real day is;
3. the baseline, measured in the same run: a scan at a moment nobody is due, and a plain
   `SELECT count(*)` of the profiles.
Target (issue 18): the day's reminders for 10,000 people in under a few seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve()
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/bk_jobs_bench"
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Australia/Sydney",
)
DAY_SETS = (["mon", "wed", "fri"], ["tue", "thu"], ["mon", "thu", "sat"], ["tue", "fri", "sun"])
PEAK = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)  # a Wednesday
DAY = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # the Wednesday after: a fresh day of scans


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["BACKEASE_MODE"] = "server"
    os.environ.setdefault("BACKEASE_DATA_DIR", tempfile.mkdtemp(prefix="backease-reminders-scale-"))
    os.environ.setdefault("BACKEASE_SECRET_KEY", "bench-only-" + "".join(random.choices("abcdefghjk", k=50)))
    os.environ.setdefault("BACKEASE_PUBLIC_ORIGIN", "http://127.0.0.1:8000")
    sys.path.insert(0, str(HERE.parent.parent))
    import psycopg

    conninfo = url.replace("postgres://", "postgresql://")
    name = conninfo.rsplit("/", 1)[1]
    with psycopg.connect(conninfo.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    from backease.store.setup import setup as django_setup

    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Counting:
    """Counts the pushes and emails the scan hands over; sends nothing."""

    def __init__(self) -> None:
        self.pushes = 0
        self.emails = 0

    def push(self, subscription: Any, payload: dict[str, Any]) -> tuple[bool, str]:
        self.pushes += 1
        return True, ""

    def email(self, message: Any) -> None:
        message.message()  # built as it would be sent
        self.emails += 1


def seed(people: int, rng: random.Random) -> None:
    """`people` accounts, people and profiles in bulk; all due at PEAK (their planned time is
    PEAK in their own zone, every day), 1 in 10 with a session done that day."""
    from backease.accounts.models import User
    from backease.store.models import Person, Profile, Session, SessionFacts

    users = User.objects.bulk_create(
        (User(email=f"person{i}@bench.example", password="!") for i in range(people)), batch_size=2000
    )
    persons = Person.objects.bulk_create(
        (Person(user=user, time_zone=ZONES[i % len(ZONES)]) for i, user in enumerate(users)), batch_size=2000
    )
    profiles = []
    for i, person in enumerate(persons):
        clock = f"{PEAK.astimezone(ZoneInfo(person.time_zone)):%H:%M}"
        at_night = clock >= "22:30" or clock < "06:30"  # quiet hours would move it: none then
        profiles.append(
            Profile(
                person=person,
                session_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                session_time=clock,
                quiet_hours="22:30-06:30" if i % 10 == 3 and not at_night else "",
                reminders_on=i % 20 != 7,
            )
        )
    Profile.objects.bulk_create(profiles, batch_size=2000)
    done = [p for i, p in enumerate(persons) if i % 10 == 5]
    sessions = Session.objects.bulk_create(
        (Session(person=p, started_at=PEAK - timedelta(hours=2), status="completed") for p in done),
        batch_size=2000,
    )
    SessionFacts.objects.bulk_create(
        (SessionFacts(session=s, counted=True, seconds_done=600, steps_done=6) for s in sessions),
        batch_size=2000,
    )


def spread(rng: random.Random) -> None:
    """Schedules spread over the day, as real ones are: 06:00 to 21:30 on the half hour,
    2 or 3 days a week."""
    from backease.store.models import Profile

    rows = list(Profile.objects.only("pk"))
    for row in rows:
        minutes = rng.randrange(6 * 60, 22 * 60, 30)
        row.session_time = f"{minutes // 60:02d}:{minutes % 60:02d}"
        row.session_days = rng.choice(DAY_SETS)
        row.quiet_hours = ""
    Profile.objects.bulk_update(rows, ["session_time", "session_days", "quiet_hours"], batch_size=2000)


CPU = {"app": 0.0, "db": 0.0}
"""CPU seconds spent in the scans measured so far: this process, and its PostgreSQL backend
(read from /proc: the database runs on this machine). Unlike wall time, they do not grow
when other jobs share the machine."""


def _backend_cpu() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measured(now: datetime, transport: Counting) -> tuple[float, int, Any]:
    """One scan at `now`: seconds, queries, its result (and its CPU time added to CPU)."""
    from django.db import connection

    from backease.reminders.jobs import run_scan

    db_before, app_before = _backend_cpu(), time.process_time()
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        began = time.perf_counter()
        result = run_scan(now, transport=transport)
        spent = time.perf_counter() - began
    CPU["app"] += time.process_time() - app_before
    CPU["db"] += _backend_cpu() - db_before
    return spent, queries, result


def cpu_since(mark: dict[str, float]) -> str:
    return f"CPU: app {CPU['app'] - mark['app']:.2f} s, database {CPU['db'] - mark['db']:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    setup(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))

    from django.db import connection

    from backease.store.models import Profile

    rng = random.Random(18)
    began = time.perf_counter()
    seed(args.people, rng)
    with connection.cursor() as cursor:  # what autovacuum does after a load like this one
        cursor.execute("ANALYZE")
    on = Profile.objects.filter(reminders_on=True).count()
    print(
        f"PostgreSQL {connection.pg_version}; {args.people} people in {len(ZONES)} zones, "
        f"{on} with reminders on (seeded in {time.perf_counter() - began:.1f} s)"
    )

    # The baseline: a plain count, and a scan at a moment nobody is due.
    began = time.perf_counter()
    Profile.objects.count()
    count_s = time.perf_counter() - began
    transport = Counting()
    mark = dict(CPU)
    idle_s, idle_q, idle = measured(PEAK - timedelta(hours=3), transport)
    print(f"baseline: SELECT count(*) of profiles {count_s * 1000:.1f} ms")
    print(
        f"baseline: a scan with nobody due      {idle_s * 1000:.1f} ms, {idle_q} queries, {idle.sent} sent; "
        f"{cpu_since(mark)}"
    )

    # 1. The peak: everyone due at once.
    mark = dict(CPU)
    peak_s, peak_q, peak = measured(PEAK + timedelta(minutes=1), transport)
    print(
        f"peak: everyone due at one instant      {peak_s:.2f} s, {peak_q} queries, "
        f"{peak.due} due, {peak.sent} sent ({peak.channels}), "
        f"{peak_s / max(1, peak.sent) * 1000:.2f} ms a reminder; {cpu_since(mark)}"
    )
    again_s, again_q, again = measured(PEAK + timedelta(minutes=2), transport)
    print(
        f"peak, the next minute's scan          {again_s * 1000:.1f} ms, {again_q} queries, {again.sent} sent"
    )

    # 2. A whole day of scans, once a minute (the default) and once every 5 minutes.
    spread(rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for every in (1, 5):
        if every == 5:  # the same day again, from scratch
            from backease.reminders.models import Reminder

            Reminder.objects.all().delete()
        transport = Counting()
        mark = dict(CPU)
        sending = [0.0, 0, 0]  # seconds, scans, queries of the scans that sent something
        idle = [0.0, 0, 0]
        sent = 0
        for minute in range(0, 24 * 60, every):
            spent, queries, result = measured(DAY + timedelta(minutes=minute), transport)
            part = sending if result.sent else idle
            part[0], part[1], part[2] = part[0] + spent, part[1] + 1, part[2] + queries
            sent += result.sent
        print(
            f"a day of scans every {every} min ({(24 * 60) // every}): {sent} sent; "
            f"the {sending[1]} scans that sent took {sending[0]:.2f} s, {sending[2]} queries; "
            f"the {idle[1]} that found nothing to send {idle[0]:.2f} s "
            f"({idle[0] / max(1, idle[1]) * 1000:.1f} ms each), {idle[2]} queries; "
            f"the day's {cpu_since(mark)}"
        )
    print(f"sends handed over: {transport.emails} emails, {transport.pushes} pushes")


if __name__ == "__main__":
    main()
