"""A therapist's dashboard at a practice's size (issue 15): 50, 200 and 500 clients x 2 years.

    .venv/bin/python bench/clinic_scale.py                       # 50, 200, 500 clients, 2 years
    .venv/bin/python bench/clinic_scale.py --sizes 20 --requests 10   # quicker

PostgreSQL only: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bk_scale); its
schema `public` is dropped first. Only 127.0.0.1 is contacted. Server mode, one therapist.

The practice is seeded through the services, as clients make it (nothing in raw SQL):
1. each client signs up and accepts an invitation (`invites.accept`): 3 in 4 share
   everything, 1 in 4 adherence only;
2. their history up to a week ago arrives as a backup restored into their account
   (`exports.backup.restore_backup`, what /import/ runs): a session every other or third
   day with pain rated before and after, a diary entry every 4 days, for 2 years. Its
   flags are raised as the signals would have raised them, with the bulk service
   (`flags.raise_flags`: pain 7 or more once a day, a rise of 3, a stop for sharp pain),
   the therapist acknowledges the visible ones older than a week (`flags.acknowledge_many`),
   and `backease clinic summaries` (`summaries.rebuild_all`'s steps) closes the ones nobody
   could see whose condition cleared and builds the summaries;
3. the last week are written one write at a time through the store's services (start,
   log a step, close with pain ratings, diary entries, a check-in, now and then a safety
   check with a red flag), so flags, their closing and the summaries run as in production.
Writing 2 years one write at a time would take hours at 500 clients; the restore writes
the same rows a client's own import does, and the dashboard after this change reads no
history beyond 8 weeks of pain and the open flags, so the older part only has to exist.

At each size it runs ANALYZE (as autovacuum would after such a load) and the daily command
once (as cron would), and prints, for the dashboard
(GET /clinic/, the first page of 25, signed in, in-process Django test client): p50 and p95
over --requests, queries, rows returned to the app, access-log rows written per view; the
same for a bare view (/healthz) measured in the same run as the baseline; and the open
flags: the truth (counted straight from the tables), the number the dashboard says, and
how many are reachable (walking every page, and each client page where a card says "N
more"); flags open that no therapist may see. Target (issue 15): p95 < 100 ms at 500.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/bk_scale"
RECENT_DAYS = 7
YEARS = 2
TARGET_P95_MS = 100.0
ORIGIN = "http://127.0.0.1:8000"


def setup(url: str, keep: bool = False) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["BACKEASE_MODE"] = "server"
    os.environ.setdefault("BACKEASE_DATA_DIR", tempfile.mkdtemp(prefix="backease-clinic-scale-"))
    os.environ.setdefault(
        "BACKEASE_SECRET_KEY",
        "bench-only-" + "".join(random.sample("abcdefghijklmnopqrstuvwxyz0123456789", 36)) + "qwertyuiop",
    )
    os.environ.setdefault("BACKEASE_PUBLIC_ORIGIN", ORIGIN)
    sys.path.insert(0, str(HERE.parent.parent))
    import psycopg

    if not keep:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    from backease.store.setup import setup as django_setup

    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `backease migrate` does
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- seeding ----------------------------------------------------------------------------------


class Practice:
    def __init__(self, seed: int = 15) -> None:
        from django.utils import timezone

        from backease.accounts.models import User

        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.therapist = User.objects.create_user(
            "therapist@bench.example", None, role="therapist", display_name="Bench Therapist"
        )
        self.clients: list[Any] = []
        self.history_flags: dict[int, list[tuple[int, str, str, str, datetime]]] = {}
        self.shape = self._shape()

    def _shape(self) -> dict[str, Any]:
        """Record shapes from a real backup of a scratch account (not linked to anyone)."""
        from backease.accounts.mode import person_for
        from backease.accounts.models import User
        from backease.exports.backup import make_backup
        from backease.store import services

        person = person_for(User.objects.create_user("shape@bench.example", None))
        services.save_profile(person, PROFILE)
        services.record_screening(person, {})
        plan = services.make_plan(person, seed=1)
        session = services.start_session(person, plan, now=self.now - timedelta(days=800))
        services.log_step(session, 0, seconds_done=60)
        services.close_session(session, "completed", pain_before=4, pain_after=3)
        services.add_pain_entry(person, 4, at=self.now - timedelta(days=800))
        return make_backup(person)

    def add(self, count: int) -> dict[str, float]:
        """Seed `count` more clients; returns seconds spent in each part."""
        from backease.clinic import flags, invites, summaries
        from backease.clinic.models import Flag

        spent = {"accounts_and_restore": 0.0, "history_flags": 0.0, "recent_writes": 0.0}
        start = len(self.clients)
        batch: list[tuple[Any, str]] = []
        for i in range(start, start + count):
            began = time.perf_counter()
            person, share = self._client(i, invites)
            batch.append((person, share))
            spent["accounts_and_restore"] += time.perf_counter() - began
        began = time.perf_counter()
        history_flags = [row for person, _ in batch for row in self.history_flags[person.pk]]
        for part in range(0, len(history_flags), 5000):
            flags.raise_flags(history_flags[part : part + 5000])
        ids = [person.pk for person, _ in batch]
        recent = self.now - timedelta(days=RECENT_DAYS)
        old = Flag.objects.filter(client_id__in=ids, raised_at__lt=recent).values_list("pk", flat=True)
        flags.acknowledge_many(self.therapist, list(old))
        for part in range(0, len(ids), 200):  # what `backease clinic summaries` does
            flags.close_cleared_all(ids[part : part + 200], self.now)
            summaries.refresh_summaries(ids[part : part + 200], self.now)
            summaries.refresh_need(ids[part : part + 200])
        spent["history_flags"] = time.perf_counter() - began
        began = time.perf_counter()
        for person, _ in batch:
            self._recent(person)
        spent["recent_writes"] = time.perf_counter() - began
        self.clients += batch
        return spent

    def _client(self, i: int, invites: Any) -> tuple[Any, str]:
        from backease.accounts.mode import person_for
        from backease.accounts.models import User
        from backease.exports.backup import restore_backup

        user = User.objects.create_user(f"client{i:04}@bench.example", None, display_name=f"Client {i:04}")
        share = "adherence" if i % 4 == 3 else "full"
        invitation = invites.create_invitation(self.therapist)
        invites.accept(invitation.code, user, share)
        person = person_for(user)
        data, raised = self._history(person.pk)
        restore_backup(data, into=person)
        self.history_flags[person.pk] = raised
        return person, share

    def _history(self, person_id: int) -> tuple[dict[str, Any], list[tuple[int, str, str, str, datetime]]]:
        """Two years up to a week ago, as a backup; and the flags it raises (see docstring)."""
        rng, shape = self.rng, self.shape
        plan_shape, session_shape = shape["plans"][0], shape["sessions"][0]
        step_shape, entry_shape = session_shape["steps"][0], shape["pain_entries"][0]
        first = self.now - timedelta(days=365 * YEARS)
        last = self.now - timedelta(days=RECENT_DAYS)
        plans = [plan_shape | {"id": 1, "created_at": first.isoformat()}]
        sessions, entries = [], []
        raised: list[tuple[int, str, str, str, datetime]] = []
        high_days: set[str] = set()
        previous: int | None = None
        pain = rng.uniform(3, 6)
        day = first
        n = 0
        steps_planned = plans[0]["data"]["steps"]
        while day < last:
            day += timedelta(days=rng.choice([2, 2, 3]), minutes=rng.randint(-90, 90))
            pain = min(10.0, max(0.0, pain + rng.uniform(-1.2, 1.2)))
            before = round(pain)
            after = max(0, before - rng.choice([0, 1, 1, 2]))
            sharp = rng.random() < 0.01
            status = "stopped" if sharp else rng.choices(["completed", "stopped", "skipped"], [90, 5, 5])[0]
            n += 1
            step = steps_planned[0]
            sessions.append(
                session_shape
                | {
                    "id": n,
                    "plan_id": 1,
                    "started_at": day.isoformat(),
                    "finished_at": (day + timedelta(minutes=12)).isoformat(),
                    "status": status,
                    "pain_before": before,
                    "pain_after": after,
                    "stress_before": None,
                    "stress_after": None,
                    "stop_reason": "sharp pain" if sharp else ("too tired" if status == "stopped" else ""),
                    "notes": "",
                    "updated_at": day.isoformat(),
                    "steps": [
                        step_shape
                        | {
                            "id": n,
                            "index": 0,
                            "technique": step["technique"],
                            "side": step["side"],
                            "seconds_planned": int(step["seconds"]),
                            "seconds_done": 0 if status == "skipped" else int(step["seconds"]),
                            "intensity": step["intensity"],
                            "feedback": "",
                            "skipped": status == "skipped",
                            "updated_at": day.isoformat(),
                        }
                    ],
                }
            )
            ratings = [
                (day, before, "session", n, "before a session"),
                (day, after, "session", n, "after a session"),
            ]
            if n % 2 == 0:
                at = day - timedelta(hours=3)
                diary = max(0, min(10, round(pain + rng.uniform(-1, 1))))
                entries.append(
                    entry_shape | {"id": len(entries) + 1, "at": at.isoformat(), "pain": diary, "note": ""}
                )
                ratings.insert(0, (at, diary, "diary", len(entries), "in the diary"))
            for at, value, source, source_id, words in ratings:
                if value >= 7 and at.date().isoformat() not in high_days:
                    high_days.add(at.date().isoformat())
                    raised.append(
                        (
                            person_id,
                            "pain_high",
                            f"pain_high:{at.date().isoformat()}",
                            f"Pain {value} of 10 {words}",
                            at,
                        )
                    )
                if previous is not None and value - previous >= 3:
                    raised.append(
                        (
                            person_id,
                            "pain_rise",
                            f"pain_rise:{source}:{source_id}:{value}",
                            f"Pain {previous} → {value} of 10 {words}",
                            at,
                        )
                    )
                previous = value
            if sharp:
                raised.append(
                    (
                        person_id,
                        "sharp_pain",
                        f"sharp_pain:history:{n}",
                        "Stopped a session for sharp pain",
                        day,
                    )
                )
        data = shape | {
            "exported_at": self.now.isoformat(),
            "plans": plans,
            "sessions": sessions,
            "pain_entries": entries,
            "technique_choices": [],
        }
        data["screenings"] = [row | {"created_at": first.isoformat()} for row in shape["screenings"]]
        data["person"] = shape["person"] | {"created_at": first.isoformat()}
        return data, raised

    def _recent(self, person: Any) -> None:
        """The last week, one write at a time through the services."""
        from backease.clinic import outcomes
        from backease.store import services

        rng = self.rng
        plan = services.latest_plan(person)  # restored with the history
        pain = rng.uniform(3, 7)
        outcomes.record(
            person,
            round(pain),
            [4, 5, 3],
            ["Lifting", "Driving", "Sleeping"],
            self.now - timedelta(days=RECENT_DAYS),
        )
        if rng.random() < 0.04:
            services.record_screening(person, {"worse_cough_sneeze_strain": True})
        for back in range(RECENT_DAYS, 0, -1):
            day = self.now - timedelta(days=back, minutes=rng.randint(0, 600))
            pain = min(10.0, max(0.0, pain + rng.uniform(-1.2, 1.2)))
            if rng.random() < 0.4:
                session = services.start_session(person, plan, now=day)
                sharp = rng.random() < 0.02
                services.log_step(session, 0, seconds_done=60 + rng.randint(0, 60))
                services.close_session(
                    session,
                    "stopped" if sharp else "completed",
                    stop_reason="sharp pain" if sharp else "",
                    pain_before=round(pain),
                    pain_after=max(0, round(pain) - rng.choice([0, 1, 2])),
                )
            if rng.random() < 0.3:
                services.add_pain_entry(person, round(pain), at=day + timedelta(hours=2))


PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 5}],
    "causes": ["posture"],
    "tools": ["tennis_ball", "wall", "hands"],
    "minutes": 10,
}


# --- measuring ----------------------------------------------------------------------------------


class Counter:
    """Queries run and rows they returned to the app (a database execute wrapper)."""

    def __init__(self) -> None:
        self.queries = 0
        self.rows = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        self.queries += 1
        cursor = context["cursor"]
        if cursor.description is not None and cursor.rowcount and cursor.rowcount > 0:
            self.rows += cursor.rowcount
        return result


def measure(path: str, browser: Any, requests: int) -> dict[str, float]:
    from django.db import connection

    from backease.accounts.models import AccessLog

    assert browser.get(path).status_code == 200  # warm
    logged = AccessLog.objects.count()
    counter = Counter()
    with connection.execute_wrapper(counter):
        assert browser.get(path).status_code == 200
    log_rows = AccessLog.objects.count() - logged
    times, cpu = [], []
    for _ in range(requests):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = browser.get(path)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "cpu": statistics.median(cpu),
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": counter.queries,
        "rows": counter.rows,
        "log_rows": log_rows,
    }


def flag_figures(practice: Practice, browser: Any) -> dict[str, int]:
    """Open flags: the truth, what the dashboard says, what is reachable, and the unseen."""
    from backease.clinic import flags
    from backease.clinic.models import CareLink, Flag, FlagAck

    therapist = practice.therapist
    links = list(CareLink.objects.filter(therapist=therapist, ended_at__isnull=True))
    acked = FlagAck.objects.filter(therapist=therapist).values("flag_id")
    truth = Flag.objects.filter(flags.visible_to(links), closed_at__isnull=True).exclude(pk__in=acked).count()
    full = [link.client_id for link in links if link.share == "full"]
    unseen = (
        Flag.objects.filter(closed_at__isnull=True)
        .exclude(client_id__in=full)
        .exclude(kind__in=sorted(flags.ADHERENCE_KINDS))
        .count()
    )
    first = browser.get("/clinic/").content.decode()
    said = re.search(r"<strong>(\d+) open flags?</strong>", first)
    counted = int(said.group(1)) if said else 0
    pages = int(m.group(1)) if (m := re.search(r"\(page 1 of (\d+)\)", first)) else 1
    reachable = 0
    for number in range(1, pages + 1):
        page = browser.get(f"/clinic/?page={number}").content.decode()
        cards = page.split('id="clients"')[1].split("</ol>")[0].split('<li class="client-card')[1:]
        for card in cards:
            client_id = card.split('data-client="')[1].split('"')[0]
            if "more open flag" in card:  # the rest are on the client's page: count them there
                client_page = browser.get(f"/clinic/clients/{client_id}/").content.decode()
                open_part = client_page.split('id="flags"')[1].split("</section>")[0]
                reachable += open_part.count('<form method="post"')
            else:
                reachable += card.count('<form method="post"')
    return {"truth": truth, "counted": counted, "reachable": reachable, "unseen_open": unseen}


def measure_only(requests: int) -> None:
    from django.test import Client

    from backease.accounts.models import User
    from backease.clinic.models import CareLink, Flag

    therapist = User.objects.get(email="therapist@bench.example")
    practice = Practice.__new__(Practice)
    practice.therapist = therapist
    browser = Client(HTTP_HOST=ORIGIN.split("//")[1])
    browser.force_login(therapist, backend="allauth.account.auth_backends.AuthenticationBackend")
    clients = CareLink.objects.filter(therapist=therapist, ended_at__isnull=True).count()
    print(f"{clients} clients already there; {Flag.objects.count()} flags ever raised")
    for name, path in (("dashboard /clinic/", "/clinic/"), ("bare view /healthz", "/healthz")):
        row = measure(path, browser, requests)
        print(
            f"  {name:20} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
            f"(app CPU p50 {row['cpu']:5.1f} ms)  {row['queries']:3.0f} queries  {row['rows']:5.0f} rows read"
        )
    last = measure(f"/clinic/?page={(clients + 24) // 25}", browser, requests)
    print(
        f"  last page            p50 {last['p50']:6.1f} ms  p95 {last['p95']:6.1f} ms  "
        f"{last['rows']:5.0f} rows read"
    )
    figures = flag_figures(practice, browser)
    print(
        f"  open flags: {figures['truth']} open, {figures['counted']} counted on the dashboard, "
        f"{figures['reachable']} reachable; {figures['unseen_open']} open that no therapist may see"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the practice a previous run left in the database (no seeding)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    setup(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG), keep=args.measure_only)
    if args.measure_only:
        measure_only(args.requests)
        return

    from django.db import connection
    from django.test import Client

    from backease.clinic import flags
    from backease.clinic.models import Flag

    practice = Practice()
    browser = Client(HTTP_HOST=ORIGIN.split("//")[1])
    browser.force_login(practice.therapist, backend="allauth.account.auth_backends.AuthenticationBackend")
    print(
        f"PostgreSQL {connection.pg_version}; {YEARS} years per client, "
        f"the last {RECENT_DAYS} days write by write"
    )
    results = []
    for size in sizes:
        began = time.perf_counter()
        spent = practice.add(size - len(practice.clients))
        seeded = time.perf_counter() - began
        with connection.cursor() as cursor:  # what autovacuum does after a load like this one
            cursor.execute("ANALYZE")
        daily_queries = Counter()
        with connection.execute_wrapper(daily_queries):
            daily_began = time.perf_counter()
            counts = flags.daily_check()
            daily_ms = (time.perf_counter() - daily_began) * 1000
        dashboard = measure("/clinic/", browser, args.requests)
        bare = measure("/healthz", browser, args.requests)
        figures = flag_figures(practice, browser)
        results.append((size, dashboard, bare, figures))
        print(
            f"\n{size} clients (seeded in {seeded:.0f} s: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in spent.items())
            + f"); {Flag.objects.count()} flags ever raised"
        )
        print(
            f"  daily command: {daily_queries.queries} queries, {daily_ms:.0f} ms "
            f"for {counts['clients']} clients ({counts['flags_raised']} flags, "
            f"{counts['outcome_reminders']} reminders)"
        )
        for name, row in (("dashboard /clinic/", dashboard), ("bare view /healthz", bare)):
            print(
                f"  {name:20} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                f"(app CPU p50 {row['cpu']:5.1f} ms)  "
                f"{row['queries']:3.0f} queries  {row['rows']:5.0f} rows read  "
                f"{row['log_rows']:3.0f} access-log rows"
            )
        print(
            f"  open flags: {figures['truth']} open, {figures['counted']} counted on the dashboard, "
            f"{figures['reachable']} reachable; {figures['unseen_open']} open that no therapist may see"
        )
    size, dashboard, _, figures = results[-1]
    every = figures["truth"] == figures["counted"] == figures["reachable"]
    ok = dashboard["p95"] < TARGET_P95_MS and every
    print(
        f"\nAt {size} clients: dashboard p95 {dashboard['p95']:.0f} ms (target < {TARGET_P95_MS:.0f}); "
        f"every open flag counted and reachable: {every}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
