"""Each reminder sent exactly once by real processes on PostgreSQL (issue 18): two
`backease server remind` scanning at the same moment, and the job runner (`backease server
jobs`, django-q2) killed with SIGKILL in the middle of a send, then started again.

The sends are counted in a folder (tests/reminder_outbox.py: the email backend of the
processes' settings, tests/reminder_job_settings.py); nobody has a push subscription here,
so every reminder goes by email. The clock is injected (`--now`, the task's argument): the
people's reminders are set six hours from the real time, so the runner's own scans at the
real time find nothing due.

PostgreSQL only (DATABASE_URL=postgres://...): the processes reach the test database over
the network; on SQLite the file is locked by the test's own connection between writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from backease.accounts.models import User
from backease.reminders import claims
from backease.reminders.models import Reminder
from backease.store.models import Person, Profile
from tests.reminder_outbox import sent_to

ROOT = Path(__file__).resolve().parents[1]
BACKEASE = Path(sys.executable).parent / "backease"
ZONES = ("America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="real processes share the test database on PostgreSQL only (set DATABASE_URL)",
    ),
]


@pytest.fixture
def due_at() -> datetime:
    """The instant everyone's reminder falls on: six hours from now, to the minute."""
    return (datetime.now(UTC) + timedelta(hours=6)).replace(second=0, microsecond=0)


def seed(count: int, due_at: datetime) -> list[str]:
    """`count` people in several zones, each with an account and planning every day at the
    local time of `due_at`; their addresses. In bulk (no password: nobody signs in here)."""
    emails = [f"person{i}@example.org" for i in range(count)]
    users = User.objects.bulk_create(User(email=email, password="!") for email in emails)
    people = Person.objects.bulk_create(
        Person(user=user, time_zone=ZONES[i % len(ZONES)]) for i, user in enumerate(users)
    )
    Profile.objects.bulk_create(
        Profile(
            person=someone,
            session_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            session_time=f"{due_at.astimezone(ZoneInfo(someone.time_zone)):%H:%M}",
        )
        for someone in people
    )
    return emails


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    folder.mkdir()
    return folder


@pytest.fixture
def server_env(tmp_path: Path, outbox: Path) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKEASE_") and k != "DATABASE_URL"}
    env.update(
        BACKEASE_MODE="server",
        # The test's own key: the runner checks the signature of the tasks this test queues.
        BACKEASE_SECRET_KEY=settings.SECRET_KEY,
        BACKEASE_PUBLIC_ORIGIN="http://127.0.0.1:8000",
        BACKEASE_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tests.reminder_job_settings",
        PYTHONPATH=str(ROOT),
        REMINDER_OUTBOX=str(outbox),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def test_two_processes_scanning_at_once_send_each_reminder_once(
    due_at: datetime, outbox: Path, server_env: dict[str, str]
) -> None:
    emails = seed(120, due_at)
    env = {**server_env, "REMINDER_OUTBOX_DELAY": "0.03"}  # each send takes a while, as SMTP does
    command = [
        str(BACKEASE),
        "server",
        "remind",
        "--now",
        (due_at + timedelta(minutes=1)).isoformat(),
        "--json",
    ]
    runs = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
        results.append(json.loads(out))

    assert sent_to(outbox) == {email: 1 for email in emails}
    assert sum(r["sent"] for r in results) == 120
    assert all(r["claimed"] > 0 for r in results), f"one process did all the work: {results}"
    assert Reminder.objects.filter(channel="email", state="sent").count() == 120


@pytest.fixture
def runners(server_env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The job runners a test starts (each in its own process group), all stopped after it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for runner in started:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGTERM)
    for runner in started:
        try:
            runner.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        # Workers of a killed runner that outlived it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(runner.pid, signal.SIGKILL)


def start_runner(env: dict[str, str], log: Path, runners: list[Any]) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        runner = subprocess.Popen(
            [str(BACKEASE), "server", "jobs"],
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    runners.append(runner)
    return runner


def wait_for(condition: Any, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"{what} within {seconds:.0f} s; the runner's log:\n{tail}")
        time.sleep(0.2)


def scan_at(moment: datetime) -> str:
    """Put one scan at `moment` on the runner's queue (what its schedule does every minute)."""
    from django_q.tasks import async_task

    return str(async_task("backease.reminders.jobs.scheduled_scan", moment.isoformat()))


def test_the_runner_killed_in_the_middle_of_a_send_and_restarted_sends_each_reminder_once(
    due_at: datetime, outbox: Path, server_env: dict[str, str], tmp_path: Path, runners: list[Any]
) -> None:
    from django_q.models import Task

    emails = seed(60, due_at)
    log = tmp_path / "runner.log"
    first = start_runner({**server_env, "REMINDER_OUTBOX_HANG_AT": "20"}, log, runners)
    scan_at(due_at + timedelta(minutes=1))
    wait_for(lambda: (outbox / "hung").exists(), 120, "the runner did not reach its 21st send", log)

    os.killpg(first.pid, signal.SIGKILL)  # the runner and its workers, mid-send
    first.wait(timeout=10)
    assert len(sent_to(outbox)) == 20
    held = Reminder.objects.filter(channel="push", state="claimed").count()
    assert held > 1, "the killed runner held no claims: it was not killed mid-run"

    # Started again. A scan within the lease sends only what nobody had claimed.
    start_runner(server_env, log, runners)
    before_lease = scan_at(due_at + timedelta(minutes=3))
    wait_for(
        lambda: Task.objects.filter(id=before_lease).exists(), 120, "the restarted runner did not scan", log
    )
    assert len(sent_to(outbox)) == 60 - held
    # After the lease the claims of the killed runner are taken over: the rest go, once.
    after_lease = scan_at(due_at + claims.LEASE + timedelta(minutes=2))
    wait_for(lambda: Task.objects.filter(id=after_lease).exists(), 120, "the runner did not scan again", log)
    assert Task.objects.get(id=after_lease).success, log.read_text(errors="replace")[-3000:]
    assert sent_to(outbox) == {email: 1 for email in emails}
    assert Reminder.objects.filter(channel="email", state="sent").count() == 60
    # And one more scan finds nothing left to send.
    last = scan_at(due_at + claims.LEASE + timedelta(minutes=3))
    wait_for(lambda: Task.objects.filter(id=last).exists(), 60, "the runner did not scan a third time", log)
    assert sent_to(outbox) == {email: 1 for email in emails}
