"""Server mode's reminder job (backease.reminders.jobs, .delivery, .claims): who is due over
everyone, in their own zone; each reminder sent once, by push to each device or else by
email; a claim left by a crash taken over after its lease. In one process, with an
injected clock; tests/test_reminder_jobs_processes.py races real processes on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backease.accounts.models import User
from backease.reminders import claims, jobs
from backease.reminders.delivery import deliver
from backease.reminders.models import PushSubscription, Reminder
from backease.store.models import Person, Profile, Session, SessionFacts

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 18:00 in New York (EST, UTC-5) = 23:00 UTC; 18:00 in Kolkata = 12:30 UTC.
NEW_YORK_18 = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
KOLKATA_18 = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def server_mode(settings: Any) -> None:
    settings.MODE = "server"
    settings.PUBLIC_ORIGIN = "https://backease.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class Counting:
    """A transport that counts what would leave the machine; pushes to endpoints in `down` fail."""

    def __init__(self, down: set[str] | None = None, email_fails: bool = False) -> None:
        self.pushes: list[tuple[str, dict[str, Any]]] = []
        self.emails: list[Any] = []
        self.down = down or set()
        self.email_fails = email_fails

    def push(self, subscription: Any, payload: dict[str, Any]) -> tuple[bool, str]:
        if subscription.endpoint in self.down:
            return False, "push service answered 503"
        self.pushes.append((subscription.endpoint, payload))
        return True, ""

    def email(self, message: Any) -> None:
        if self.email_fails:
            raise ConnectionRefusedError("the mail server is down")
        self.emails.append(message)
        message.send()


def person(
    email: str = "alex@example.org",
    zone: str = "America/New_York",
    days: list[str] | None = None,
    time: str = "18:00",
    **profile: Any,
) -> Person:
    user = User.objects.create_user(email) if email else None  # no password: quicker
    someone = Person.objects.create(user=user, time_zone=zone)
    Profile.objects.create(
        person=someone, session_days=days or ["mon", "wed", "fri"], session_time=time, **profile
    )
    return someone


def subscribe(someone: Person, endpoint: str) -> PushSubscription:
    return PushSubscription.objects.create(
        person=someone, endpoint=endpoint, p256dh="key", auth="secret", created_at=NEW_YORK_18
    )


def test_a_person_due_now_gets_one_email_and_a_second_scan_sends_nothing() -> None:
    alex = person()
    first = jobs.run_scan(NEW_YORK_18 + timedelta(minutes=1))
    again = jobs.run_scan(NEW_YORK_18 + timedelta(minutes=2))
    assert (first.sent, again.sent, again.due) == (1, 0, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex@example.org"]
    assert "18:00" in message.subject and "https://backease.example.org/today/" in message.body
    assert "https://backease.example.org/settings/" in message.body  # how to change or stop them
    rows = {r.channel: r for r in Reminder.objects.filter(person=alex)}
    assert rows["email"].state == "sent" and rows["email"].due_at == NEW_YORK_18
    assert rows["push"].state == "failed" and "sent by email" in rows["push"].detail


def test_reminders_come_at_each_persons_own_1800_and_not_before() -> None:
    person("ny@example.org", "America/New_York")
    person("in@example.org", "Asia/Kolkata")
    assert jobs.run_scan(KOLKATA_18 - timedelta(minutes=1)).sent == 0
    assert jobs.run_scan(KOLKATA_18).sent == 1
    assert [m.to for m in mail.outbox] == [["in@example.org"]]
    assert jobs.run_scan(NEW_YORK_18 - timedelta(minutes=1)).sent == 0
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=3)).sent == 1
    assert [m.to for m in mail.outbox] == [["in@example.org"], ["ny@example.org"]]


def test_nobody_is_reminded_on_a_day_done_off_days_quiet_hours_or_with_reminders_off() -> None:
    done = person("done@example.org")
    session = Session.objects.create(
        person=done, started_at=NEW_YORK_18 - timedelta(hours=6), status="completed"
    )
    SessionFacts.objects.create(session=session, counted=True, seconds_done=600, steps_done=5)
    person("tuesdays@example.org", days=["tue"])
    person("off@example.org", reminders_on=False)
    person("quiet@example.org", quiet_hours="17:00-23:30")  # runs to 23:30, so 18:00 moves there
    wanted = person("wanted@example.org")
    due = jobs.due_reminders(NEW_YORK_18 + timedelta(minutes=5))
    assert [d.person_id for d in due] == [wanted.pk]
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=5)).sent == 1
    assert [m.to for m in mail.outbox] == [["wanted@example.org"]]


def test_a_reminder_moved_by_quiet_hours_or_a_snooze_comes_at_its_new_time() -> None:
    quiet = person("quiet@example.org", quiet_hours="17:00-18:30")
    snoozed = person("snoozed@example.org", snoozed_until=NEW_YORK_18 + timedelta(minutes=45))
    at_1800 = jobs.due_reminders(NEW_YORK_18)
    assert [d.person_id for d in at_1800] == []  # one moved to 18:30, the other snoozed to 18:45
    at_1830 = jobs.due_reminders(NEW_YORK_18 + timedelta(minutes=30))
    assert [(d.person_id, d.due_at) for d in at_1830] == [(quiet.pk, NEW_YORK_18 + timedelta(minutes=30))]
    at_1845 = jobs.due_reminders(NEW_YORK_18 + timedelta(minutes=45))
    assert (snoozed.pk, NEW_YORK_18 + timedelta(minutes=45)) in [(d.person_id, d.due_at) for d in at_1845]


def test_a_reminder_is_not_sent_half_an_hour_after_its_time() -> None:
    person()
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=31)).sent == 0
    assert mail.outbox == []


def test_push_goes_to_every_device_and_no_email_when_one_took_it() -> None:
    alex = person()
    subscribe(alex, "https://push.example/phone")
    subscribe(alex, "https://push.example/laptop")
    subscribe(alex, "https://push.example/old-tablet")
    transport = Counting(down={"https://push.example/old-tablet"})
    result = jobs.run_scan(NEW_YORK_18, transport=transport)
    assert (result.sent, result.channels) == (1, {"push": 1})
    assert sorted(e for e, _ in transport.pushes) == [
        "https://push.example/laptop",
        "https://push.example/phone",
    ]
    assert transport.pushes[0][1]["url"] == "/today/"
    assert mail.outbox == []
    row = Reminder.objects.get(person=alex)
    assert (row.channel, row.state, row.detail) == ("push", "sent", "push reached 2 of 3 device(s)")


def test_email_is_the_fallback_when_no_push_reaches_a_device() -> None:
    alex = person()
    subscribe(alex, "https://push.example/phone")
    transport = Counting(down={"https://push.example/phone"})
    result = jobs.run_scan(NEW_YORK_18, transport=transport)
    assert result.channels == {"email": 1}
    assert [m.to for m in mail.outbox] == [["alex@example.org"]]
    rows = {r.channel: (r.state, r.detail) for r in Reminder.objects.filter(person=alex)}
    assert rows["email"][0] == "sent"
    assert rows["push"] == (
        "failed",
        "push reached none of 1 device(s) (push service answered 503); sent by email",
    )
    # Not tried again: the person has been reminded.
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=20), transport=transport).sent == 0
    assert len(mail.outbox) == 1


def test_no_email_in_personal_mode_or_without_an_address(settings: Any) -> None:
    person(email="")
    assert jobs.run_scan(NEW_YORK_18).sent == 0
    settings.MODE = "personal"
    person("alex@example.org")
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=1)).sent == 0
    assert mail.outbox == []


def test_a_claim_left_by_a_crash_is_taken_over_after_its_lease_and_sent_once() -> None:
    alex = person()
    # A runner claimed the reminder and died before sending it.
    assert len(claims.claim_new([(alex.pk, NEW_YORK_18)], "push", NEW_YORK_18)) == 1
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=5)).sent == 0  # still within its lease
    assert mail.outbox == []
    late = jobs.run_scan(NEW_YORK_18 + claims.LEASE + timedelta(minutes=1))
    assert (late.sent, late.taken_over) == (1, 1)
    assert jobs.run_scan(NEW_YORK_18 + claims.LEASE + timedelta(minutes=2)).sent == 0
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(person=alex, channel="email").state == "sent"


def test_a_failed_email_is_tried_again_later_and_goes_once() -> None:
    alex = person()
    assert jobs.run_scan(NEW_YORK_18, transport=Counting(email_fails=True)).sent == 0
    row = Reminder.objects.get(person=alex, channel="push")
    assert row.state == "failed" and "ConnectionRefusedError" in row.detail
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=2)).sent == 0  # not before RETRY_AFTER
    retried = jobs.run_scan(NEW_YORK_18 + claims.RETRY_AFTER + timedelta(minutes=1))
    assert (retried.sent, retried.channels) == (1, {"email": 1})
    assert len(mail.outbox) == 1


def test_deliver_alone_claims_first_and_sends_nothing_twice() -> None:
    alex = person()
    first = deliver(alex, NEW_YORK_18, NEW_YORK_18)
    second = deliver(alex, NEW_YORK_18, NEW_YORK_18 + timedelta(minutes=1))
    assert (first.channel, first.sent, second.sent) == ("email", True, False)
    assert len(mail.outbox) == 1


def test_the_scan_makes_as_many_queries_for_forty_people_as_for_four() -> None:
    def due_queries(how_many: int, start: int) -> int:
        for i in range(how_many):
            zone = ("America/New_York", "America/Toronto")[i % 2]  # both UTC-5 in March
            person(f"p{start + i}@example.org", zone=zone, time="18:00")
        with CaptureQueriesContext(connection) as seen:
            found = jobs.due_reminders(NEW_YORK_18)
        assert len(found) == how_many
        Reminder.objects.bulk_create(
            Reminder(
                person_id=d.person_id, due_at=d.due_at, channel="push", state="sent", claimed_at=NEW_YORK_18
            )
            for d in found
        )
        return len(seen)

    few = due_queries(4, 0)
    many = due_queries(40, 100)
    assert few == many <= 4


def test_a_scan_by_hand_with_a_bad_instant_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from backease.__main__ import run

    for bad in ("tomorrow", "2026-03-02T18:00"):  # not a date; no offset
        with pytest.raises(SystemExit) as exit_info:
            run(["server", "remind", "--now", bad])
        _, err = capsys.readouterr()
        assert exit_info.value.code == 2
        assert "--now" in err and "offset" in err and err.strip().count("\n") == 0
    assert Reminder.objects.count() == 0


def test_the_runners_schedule_is_one_row_calling_the_scan_every_minute() -> None:
    from django_q.models import Schedule

    jobs.ensure_schedule()
    jobs.ensure_schedule()  # a second runner starting
    [row] = Schedule.objects.all()
    assert (row.func, row.schedule_type, row.minutes, row.repeats) == (jobs.TASK, Schedule.MINUTES, 1, -1)
    person()
    assert "1 sent (email 1)" in jobs.scheduled_scan(NEW_YORK_18.isoformat())


def test_a_scan_past_its_time_budget_leaves_the_rest_unclaimed_for_the_next(monkeypatch: Any) -> None:
    person()
    monkeypatch.setattr(jobs, "SCAN_BUDGET_SECONDS", -1)
    late = jobs.run_scan(NEW_YORK_18)
    assert (late.due, late.claimed, late.sent, Reminder.objects.count()) == (1, 0, 0, 0)
    monkeypatch.undo()
    assert jobs.run_scan(NEW_YORK_18 + timedelta(minutes=1)).sent == 1
