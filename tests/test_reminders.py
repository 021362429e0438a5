"""Reminders of the planned sessions (issue 18 item 4, docs/reminders.md): at the planned
local time on planned days, DST-correct, never on a day already done nor in quiet hours,
snoozed on request, and each sent once, whoever checks (a cron every few minutes, the
running app, a job runner)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backease.core import reminders as rules
from backease.core.errors import InputError
from backease.reminders import services as reminders
from backease.reminders.models import Reminder
from backease.store import services
from backease.store.models import Person, Profile
from backease.store.zones import save_time_zone

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball", "wall"],
    "minutes": 15,
}
MWF_19 = rules.Schedule(("mon", "wed", "fri"), time(19, 0))


def at(text: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the rules, pure ------------------------------------------------------------------------------


def test_the_planned_time_stays_on_the_local_clock_across_the_autumn_change() -> None:
    found = rules.planned_instants(MWF_19, NEW_YORK, utc("2026-10-26T00:00"), utc("2026-11-07T00:00"))
    assert found == [
        utc("2026-10-26T23:00"),  # Mon 19:00 EDT
        utc("2026-10-28T23:00"),
        utc("2026-10-30T23:00"),
        utc("2026-11-03T00:00"),  # Mon 2 Nov 19:00 EST: the UTC instant moved an hour
        utc("2026-11-05T00:00"),
    ]
    assert {moment.astimezone(NEW_YORK).strftime("%a %H:%M") for moment in found} == {
        "Mon 19:00",
        "Wed 19:00",
        "Fri 19:00",
    }


def test_kolkata_has_no_clock_change_so_the_instant_stays() -> None:
    found = rules.planned_instants(MWF_19, KOLKATA, utc("2026-10-26T00:00"), utc("2026-11-07T00:00"))
    assert {moment.strftime("%H:%M") for moment in found} == {"13:30"}
    assert len(found) == 6


def test_a_time_skipped_by_the_spring_change_comes_just_after_it() -> None:
    early = rules.Schedule(("sun",), time(2, 30))
    (found,) = rules.planned_instants(early, NEW_YORK, utc("2026-03-08T00:00"), utc("2026-03-09T00:00"))
    assert found.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_reminder_is_due_for_half_an_hour_from_its_time() -> None:
    def due(text: str) -> bool:
        return rules.check(MWF_19, NEW_YORK, at(text, NEW_YORK), done_today=False).due

    assert not due("2026-11-02T18:59")
    assert due("2026-11-02T19:00")
    assert due("2026-11-02T19:29")
    assert not due("2026-11-02T19:30")
    assert not due("2026-11-03T19:00")  # a Tuesday


def test_the_answer_says_why_in_plain_words_and_when_the_next_one_comes() -> None:
    tuesday = rules.check(MWF_19, NEW_YORK, at("2026-11-03T12:00", NEW_YORK), done_today=False)
    assert (
        tuesday.reason == "Tuesday is not a planned day; the next reminder is Wednesday 4 November at 19:00."
    )
    assert tuesday.next_at == utc("2026-11-05T00:00")
    due = rules.check(MWF_19, NEW_YORK, at("2026-11-04T19:05", NEW_YORK), done_today=False)
    assert due.due and due.reason == "Time for your upper back self-care session (planned for 19:00)."
    assert (due.at, due.next_at) == (utc("2026-11-05T00:00"), utc("2026-11-07T00:00"))
    before = rules.check(MWF_19, NEW_YORK, at("2026-11-04T08:00", NEW_YORK), done_today=False)
    assert before.reason == "Today's reminder is at 19:00." and before.next_at == utc("2026-11-05T00:00")


def test_no_reminder_on_a_day_whose_session_is_already_done() -> None:
    done = rules.check(MWF_19, NEW_YORK, at("2026-11-04T19:05", NEW_YORK), done_today=True)
    assert not done.due
    assert done.reason.startswith("Today's session is already done")
    assert done.next_at == utc("2026-11-07T00:00")  # Friday, not later today


def test_a_planned_time_in_quiet_hours_moves_to_their_end_on_the_same_day() -> None:
    morning = rules.Schedule(("mon",), time(6, 30), quiet=(time(22, 0), time(7, 0)))
    assert not rules.check(morning, KOLKATA, at("2026-11-02T06:30", KOLKATA), done_today=False).due
    moved = rules.check(morning, KOLKATA, at("2026-11-02T07:00", KOLKATA), done_today=False)
    assert moved.due and moved.at == at("2026-11-02T07:00", KOLKATA)
    lunch = rules.Schedule(("mon",), time(13, 15), quiet=(time(13, 0), time(14, 0)))
    (found,) = rules.planned_instants(
        lunch, KOLKATA, at("2026-11-02T00:00", KOLKATA), at("2026-11-03T00:00", KOLKATA)
    )
    assert found == at("2026-11-02T14:00", KOLKATA)


def test_a_planned_time_in_quiet_hours_that_run_past_midnight_skips_that_day() -> None:
    late = rules.Schedule(("mon", "tue"), time(22, 30), quiet=(time(22, 0), time(7, 0)))
    assert rules.planned_instants(late, NEW_YORK, utc("2026-11-01T00:00"), utc("2026-11-30T00:00")) == []
    answer = rules.check(late, NEW_YORK, at("2026-11-02T22:30", NEW_YORK), done_today=False)
    assert not answer.due and "quiet hours (22:00-07:00)" in answer.reason
    assert answer.next_at is None


def test_a_snooze_moves_the_reminder_and_it_comes_once_more() -> None:
    now = at("2026-11-04T19:02", NEW_YORK)
    first = rules.check(MWF_19, NEW_YORK, now, done_today=False)
    assert first.due
    until = now + timedelta(minutes=30)
    snoozed = rules.check(
        MWF_19,
        NEW_YORK,
        now + timedelta(minutes=1),
        done_today=False,
        snoozed_until=until,
        already_sent={first.at},
    )
    assert not snoozed.due and snoozed.reason == "Today's reminder is snoozed until 19:32."
    again = rules.check(
        MWF_19, NEW_YORK, until, done_today=False, snoozed_until=until, already_sent={first.at}
    )
    assert again.due and again.at == until
    sent = rules.check(
        MWF_19, NEW_YORK, until + timedelta(minutes=5), done_today=False, snoozed_until=until,
        already_sent={first.at, until},
    )  # fmt: skip
    assert not sent.due


def test_a_snooze_into_quiet_hours_past_midnight_skips_the_day() -> None:
    evening = rules.Schedule(("wed",), time(21, 0), quiet=(time(22, 0), time(7, 0)))
    now = at("2026-11-04T21:05", NEW_YORK)
    answer = rules.check(evening, NEW_YORK, now, done_today=False, snoozed_until=now + timedelta(hours=1))
    assert not answer.due and "snoozed past the end of the day or into your quiet hours" in answer.reason


def test_a_reminder_already_sent_is_not_due_again() -> None:
    now = at("2026-11-04T19:05", NEW_YORK)
    answer = rules.check(MWF_19, NEW_YORK, now, done_today=False, already_sent=[utc("2026-11-05T00:00")])
    assert not answer.due and answer.reason.startswith("Today's reminder was already sent at 19:00")


def test_reminders_turned_off_are_never_due() -> None:
    off = rules.Schedule(("mon", "wed", "fri"), time(19, 0), on=False)
    answer = rules.check(off, NEW_YORK, at("2026-11-04T19:05", NEW_YORK), done_today=False)
    assert (answer.due, answer.reason, answer.next_at) == (False, "Reminders are off.", None)


@pytest.mark.parametrize(
    ("value", "field"),
    [("25:00", "time"), ("7pm", "time"), ("", "time")],
)
def test_a_bad_time_names_the_field(value: str, field: str) -> None:
    with pytest.raises(InputError) as error:
        rules.parse_clock(field, value)
    assert error.value.field == field


@pytest.mark.parametrize("value", ["22:00", "22:00-22:00", "22-07", "22:00-07:00-08:00", 5])
def test_bad_quiet_hours_name_the_field(value: object) -> None:
    with pytest.raises(InputError) as error:
        rules.parse_quiet("quiet", value)
    assert error.value.field == "quiet"


def test_quiet_hours_read_off_or_a_range() -> None:
    assert rules.parse_quiet("quiet", "off") is None
    assert rules.parse_quiet("quiet", " 22:00-07:00 ") == (time(22, 0), time(7, 0))
    assert rules.parse_days("days", "Mon, fri,wed") == ("mon", "wed", "fri")


# --- stored: two people walked through six weeks across the autumn change --------------------------


def person_in(zone: str, name: str, *, local: bool = False) -> Person:
    person = services.local_owner() if local else Person.objects.create(name=name)
    save_time_zone(person, zone)
    person.refresh_from_db()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    return person


def do_session(person: Person, start: datetime) -> None:
    plan = services.make_plan(person, seed=3)
    row = services.start_session(person, plan, now=start)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60)
    row.refresh_from_db()
    if row.status == "running":
        services.finish_session(row, "completed")


def cron(person: Person, now: datetime, channel: str = "desktop") -> bool:
    """What `backease remind` does once: check, claim, send (here: count), mark sent."""
    answer = reminders.due(person, now, channel)
    if not answer.due or answer.at is None:
        return False
    claimed = reminders.claim(person, answer.at, channel, now)
    if claimed is None:
        return False
    reminders.mark_sent(claimed, now)
    return True


@pytest.mark.django_db
def test_two_people_get_their_reminders_at_their_local_times_for_six_weeks_across_the_clock_change() -> None:
    york = person_in("America/New_York", "York", local=True)
    services.save_schedule(york, ["mon", "wed", "fri"], "19:00")
    india = person_in("Asia/Kolkata", "India")
    services.save_schedule(india, ["tue", "thu", "sat"], "06:30", quiet="22:00-07:00")

    first = date(2026, 10, 12)  # Monday; US clocks go back on Sunday 1 November
    done_days = {date(2026, 10, 14), date(2026, 11, 4)}  # York does these sessions early
    for day in done_days:
        do_session(york, at(f"{day.isoformat()}T08:00", NEW_YORK))
    do_session(india, at("2026-10-27T05:30", KOLKATA))  # a Tuesday, done before the reminder

    sent: dict[str, list[datetime]] = {"York": [], "India": []}
    now = datetime.combine(first, time(0, 0), tzinfo=UTC)
    end = now + timedelta(weeks=6)
    while now < end:  # a cron every 15 minutes (the slowest docs/reminders.md suggests), for both
        for name, person in (("York", york), ("India", india)):
            if cron(person, now):
                sent[name].append(now)
        now += timedelta(minutes=15)

    york_local = [moment.astimezone(NEW_YORK) for moment in sent["York"]]
    assert {moment.strftime("%a %H:%M") for moment in york_local} == {"Mon 19:00", "Wed 19:00", "Fri 19:00"}
    assert len(york_local) == 6 * 3 - len(done_days)
    assert not {moment.date() for moment in york_local} & done_days
    utc_hours = {moment.astimezone(UTC).strftime("%H:%M") for moment in sent["York"]}
    assert utc_hours == {"23:00", "00:00"}  # EDT before 1 November, EST after
    assert all(m.astimezone(UTC).hour == 0 for m in sent["York"] if m > utc("2026-11-01T06:00"))

    india_local = [moment.astimezone(KOLKATA) for moment in sent["India"]]
    # 06:30 falls in the quiet hours (22:00-07:00): each comes at their end, 07:00.
    assert {moment.strftime("%a %H:%M") for moment in india_local} == {"Tue 07:00", "Thu 07:00", "Sat 07:00"}
    assert len(india_local) == 6 * 3 - 1
    assert date(2026, 10, 27) not in {moment.date() for moment in india_local}
    assert all(not rules.in_quiet(moment.time(), (time(22), time(7))) for moment in india_local)
    assert Reminder.objects.filter(state="sent").count() == len(york_local) + len(india_local)


@pytest.mark.django_db
def test_a_snoozed_reminder_comes_again_once_after_the_snooze() -> None:
    person = person_in("America/New_York", "York", local=True)
    services.save_schedule(person, ["wed"], "19:00")
    base = at("2026-11-04T19:00", NEW_YORK)
    assert cron(person, base)
    answer = reminders.snooze(person, 20, base + timedelta(minutes=2))
    assert not answer.due and answer.next_at == base + timedelta(minutes=22)
    shown = [m for m in (base + timedelta(minutes=k) for k in range(0, 120, 5)) if cron(person, m)]
    assert shown == [base + timedelta(minutes=25)]  # the first check at or after 19:22


@pytest.mark.django_db
def test_a_claim_is_taken_once_and_again_only_after_the_lease() -> None:
    person = person_in("America/New_York", "York", local=True)
    due_at = utc("2026-11-05T00:00")
    now = due_at + timedelta(minutes=1)
    first = reminders.claim(person, due_at, "desktop", now)
    assert first is not None
    assert reminders.claim(person, due_at, "desktop", now) is None  # another sender, same minute
    assert reminders.claim(person, due_at, "push", now) is not None  # another channel is its own
    # The first sender died without sending: after the lease, the reminder is not lost.
    later = reminders.claim(person, due_at, "desktop", now + reminders.LEASE + timedelta(seconds=1))
    assert later is not None and later.attempts == 2
    reminders.mark_sent(later, now + reminders.LEASE + timedelta(seconds=2))
    assert reminders.claim(person, due_at, "desktop", now + timedelta(hours=1)) is None


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_up_to_three_times() -> None:
    person = person_in("America/New_York", "York", local=True)
    due_at = utc("2026-11-05T00:00")
    tries = 0
    while (claimed := reminders.claim(person, due_at, "email", due_at)) is not None:
        tries += 1
        reminders.mark_failed(claimed, "mail server refused", due_at)
    assert tries == reminders.MAX_ATTEMPTS
    row = Reminder.objects.get(person=person, channel="email")
    assert (row.state, row.detail) == ("failed", "mail server refused")


@pytest.mark.django_db
def test_schedule_settings_are_checked_naming_the_field_and_nothing_is_stored() -> None:
    person = person_in("America/New_York", "York", local=True)
    with pytest.raises(InputError) as error:
        services.save_schedule(person, ["mon"], "19:00", quiet="22:00-22:00")
    assert error.value.field == "quiet"
    with pytest.raises(InputError) as error:
        services.save_schedule(person, ["mon"], "19:00", reminders="yes")
    assert error.value.field == "reminders"
    with pytest.raises(InputError) as error:
        reminders.snooze(person, 0)
    assert error.value.field == "minutes"
    row = Profile.objects.get(person=person)
    assert (row.session_days, row.quiet_hours, row.reminders_on, row.snoozed_until) == (
        [],
        "",
        True,
        None,
    )


@pytest.mark.django_db
def test_reminders_off_are_stored_and_never_due() -> None:
    person = person_in("America/New_York", "York", local=True)
    services.save_schedule(person, ["wed"], "19:00", reminders=False)
    assert reminders.due(person, at("2026-11-04T19:05", NEW_YORK)).reason == "Reminders are off."


@pytest.mark.django_db
def test_delete_everything_removes_the_reminder_bookkeeping_with_or_without_an_account() -> None:
    from django.contrib.auth import get_user_model

    alone = person_in("America/New_York", "York", local=True)
    user = get_user_model().objects.create_user("ana@example.org", "a long password 123")
    member = Person.objects.create(name="Ana", user=user)
    for person in (alone, member):
        reminders.claim(person, utc("2026-11-05T00:00"), "desktop", utc("2026-11-05T00:01"))
    assert Reminder.objects.count() == 2
    services.delete_everything(alone)
    services.delete_everything(member)
    assert Reminder.objects.count() == 0
    assert Person.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_a_backup_keeps_the_quiet_hours_and_leaves_out_the_snooze_the_calendar_link_and_the_bookkeeping() -> (
    None
):
    import json

    from backease.exports.backup import make_backup, restore_backup

    person = person_in("America/New_York", "York", local=True)
    services.save_schedule(person, ["mon", "wed"], "19:00", quiet="22:00-07:00", reminders=False)
    reminders.snooze(person, 30, utc("2026-11-02T23:50"))
    services.make_calendar_token(person)
    reminders.claim(person, utc("2026-11-03T00:00"), "desktop", utc("2026-11-03T00:01"))
    data = json.loads(json.dumps(make_backup(person)))
    assert (data["profile"]["quiet_hours"], data["profile"]["reminders_on"]) == ("22:00-07:00", False)
    assert "snoozed_until" not in data["profile"] and "calendar_token" not in data["profile"]
    Person.objects.all().delete()
    assert Reminder.objects.count() == 0  # the bookkeeping went with the person
    restore_backup(data)
    row = Profile.objects.get()
    assert (row.quiet_hours, row.reminders_on, row.snoozed_until, row.calendar_token) == (
        "22:00-07:00", False, None, None,
    )  # fmt: skip
    # A backup from before reminders restores with none and reminders on.
    del data["profile"]["quiet_hours"], data["profile"]["reminders_on"]
    Person.objects.all().delete()
    restore_backup(data)
    row = Profile.objects.get()
    assert (row.quiet_hours, row.reminders_on) == ("", True)
    data["profile"]["quiet_hours"] = "late"
    Person.objects.all().delete()
    with pytest.raises(InputError) as error:
        restore_backup(data)
    assert error.value.field == "profile.quiet_hours"


@pytest.mark.django_db(transaction=True)
def test_of_senders_claiming_one_reminder_at_the_same_moment_exactly_one_gets_it() -> None:
    import threading

    from django.db import connection

    person = person_in("America/New_York", "York", local=True)
    due_at, now = utc("2026-11-05T00:00"), utc("2026-11-05T00:01")
    start = threading.Barrier(6)
    taken: list[bool] = []

    def sender() -> None:
        try:
            start.wait(10)
            taken.append(reminders.claim(person, due_at, "push", now) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(taken) == [False] * 5 + [True]
    assert Reminder.objects.get().attempts == 1


def test_a_late_evening_reminder_is_due_until_midnight_at_the_latest() -> None:
    late = rules.Schedule(("mon",), time(23, 50))
    assert rules.check(late, NEW_YORK, at("2026-11-02T23:59", NEW_YORK), done_today=False).due
    after = rules.check(late, NEW_YORK, at("2026-11-03T00:05", NEW_YORK), done_today=False)
    assert not after.due and after.reason.startswith("Tuesday is not a planned day")
