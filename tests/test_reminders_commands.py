"""`backease schedule set|show`, `backease remind` and the running app's desktop reminders
(docs/reminders.md): bad input exits 2 naming the option, a cron every 5 minutes shows each
reminder once, and a computer without a notification service prints it instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backease.cli.main import run
from backease.reminders import desktop
from backease.reminders.models import Reminder
from backease.store import services
from backease.store.models import Profile

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def shown() -> Iterator[desktop.Recorder]:
    """A fake desktop: what would have been shown."""
    recorder = desktop.Recorder()
    previous = desktop.use(lambda: recorder)
    yield recorder
    desktop.use(previous)


@pytest.fixture
def no_desktop() -> Iterator[None]:
    previous = desktop.use(lambda: desktop.Recorder(fail="no desktop session here"))
    yield
    desktop.use(previous)


def york(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "schedule", "set", "--days", "mon,wed,fri", "--time", "19:00", "--tz", "America/New_York",
        "--quiet", "22:00-07:00",
    )  # fmt: skip
    assert code == 0, err
    assert "Saved. Sessions: Mon, Wed, Fri at 19:00 (America/New_York)" in out
    assert "Quiet hours: 22:00-07:00" in out


def test_schedule_set_stores_the_schedule_and_show_gives_it_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    york(capsys)
    code, out, _ = cli(capsys, "schedule", "show", "--json")
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("days", "time", "time_zone", "quiet", "reminders")} == {
        "days": ["mon", "wed", "fri"],
        "time": "19:00",
        "time_zone": "America/New_York",
        "quiet": "22:00-07:00",
        "reminders": True,
    }
    next_at = datetime.fromisoformat(data["next_reminder"]).astimezone(NEW_YORK)
    assert (next_at.strftime("%H:%M"), next_at.strftime("%a")) in {
        ("19:00", d) for d in ("Mon", "Wed", "Fri")
    }
    # Only what is given changes.
    code, out, _ = cli(capsys, "schedule", "set", "--quiet", "off", "--reminders", "off")
    assert code == 0 and "Quiet hours: none" in out and "Reminders: off" in out
    row = Profile.objects.get(person=services.local_owner())
    assert (row.session_days, row.session_time, row.quiet_hours, row.reminders_on) == (
        ["mon", "wed", "fri"], "19:00", "", False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--days", "mon,funday"], "--days"),
        (["--days", ""], "--days"),
        (["--time", "7pm"], "--time"),
        (["--time", "24:00"], "--time"),
        (["--quiet", "22:00"], "--quiet"),
        (["--quiet", "07:00-07:00"], "--quiet"),
        (["--tz", "Mars/Olympus"], "--tz"),
        (["--reminders", "maybe"], "--reminders"),
        ([], "schedule set"),
    ],
)
def test_bad_schedule_input_exits_2_in_one_line_naming_the_option_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    code, _, err = cli(capsys, "schedule", "set", *args)
    assert code == 2
    assert err.startswith(f"error: {option}: ") and err.count("\n") == 1
    assert not Profile.objects.exists()


def test_remind_dry_run_says_whether_one_is_due_and_records_nothing(
    capsys: pytest.CaptureFixture[str], shown: desktop.Recorder
) -> None:
    york(capsys)
    code, out, _ = cli(capsys, "remind", "--now", "2026-11-02T19:05", "--dry-run", "--json")
    assert code == 0
    assert json.loads(out) == {
        "due": True,
        "reason": "Time for your upper back self-care session (planned for 19:00).",
        "at": "2026-11-03T00:00:00+00:00",
        "next_at": "2026-11-05T00:00:00+00:00",
        "shown": None,
    }
    code, out, _ = cli(capsys, "remind", "--now", "2026-11-03T12:00-05:00", "--dry-run")
    assert out == "Tuesday is not a planned day; the next reminder is Wednesday 4 November at 19:00.\n"
    assert shown.shown == [] and not Reminder.objects.exists()


def test_a_cron_every_5_minutes_shows_each_reminder_once(
    capsys: pytest.CaptureFixture[str], shown: desktop.Recorder
) -> None:
    york(capsys)
    start = datetime(2026, 11, 2, 18, 0, tzinfo=NEW_YORK)
    answers = []
    for step in range(0, 4 * 60, 5):  # 18:00 to 22:00 on a Monday
        moment = start + timedelta(minutes=step)
        code, out, _ = cli(capsys, "remind", "--now", moment.isoformat(), "--json")
        assert code == 0
        answers.append((moment, json.loads(out)))
    shown_at = [moment for moment, answer in answers if answer["shown"] == "desktop"]
    assert shown_at == [datetime(2026, 11, 2, 19, 0, tzinfo=NEW_YORK)]
    assert shown.shown == [(desktop.TITLE, "Time for your upper back self-care session (planned for 19:00).")]
    later = dict(answers)[datetime(2026, 11, 2, 19, 5, tzinfo=NEW_YORK)]
    assert later["due"] is False and later["reason"].startswith("Today's reminder was already sent at 19:00")


def test_without_a_notification_service_the_reminder_is_printed_once(
    capsys: pytest.CaptureFixture[str], no_desktop: None
) -> None:
    york(capsys)
    code, out, err = cli(capsys, "remind", "--now", "2026-11-02T19:00")
    assert code == 0
    assert out == "Time for your upper back self-care session (planned for 19:00).\n"
    assert err == "backease remind: no desktop notification: no desktop session here; printed instead\n"
    code, out, err = cli(capsys, "remind", "--now", "2026-11-02T19:05")
    assert out.startswith("Today's reminder was already sent at 19:00") and err == ""


def test_a_bad_now_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "remind", "--now", "tomorrow evening")
    assert code == 2 and err.startswith("error: --now: ")


@pytest.mark.django_db(transaction=True)
def test_the_running_app_checks_in_the_background_and_shows_a_due_reminder_once() -> None:
    person = services.local_owner()
    services.save_schedule(person, ["mon"], "19:00")
    from backease.store.zones import save_time_zone

    save_time_zone(person, "America/New_York")
    recorder = desktop.Recorder()
    clock = [datetime(2026, 11, 2, 18, 59, tzinfo=NEW_YORK)]
    loop = desktop.ReminderLoop(every=0.01, clock=lambda: clock[0], show=recorder)
    loop.start()
    try:
        for minute in (18 * 60 + 59, 19 * 60, 19 * 60 + 1, 19 * 60 + 2):
            clock[0] = datetime(2026, 11, 2, minute // 60, minute % 60, tzinfo=NEW_YORK)
            for _ in range(3):  # let it check a few times at each minute
                loop.checked.clear()
                assert loop.checked.wait(10)
    finally:
        loop.stop()
        loop.join(10)
    assert recorder.shown == [
        (desktop.TITLE, "Time for your upper back self-care session (planned for 19:00).")
    ]
    row = Reminder.objects.get()
    assert (row.channel, row.state, row.due_at) == (
        "desktop",
        "sent",
        datetime(2026, 11, 3, 0, 0, tzinfo=UTC),
    )


def test_the_running_app_tries_again_when_the_desktop_fails() -> None:
    person = services.local_owner()
    services.save_schedule(person, ["mon"], "19:00")
    from backease.store.zones import save_time_zone

    save_time_zone(person, "America/New_York")
    failing = desktop.Recorder(fail="the notification service is restarting")
    moment = datetime(2026, 11, 2, 19, 1, tzinfo=NEW_YORK)
    outcome = desktop.remind_once(person, moment, failing)
    assert outcome.shown is None and outcome.detail == "the notification service is restarting"
    assert Reminder.objects.get().state == "failed"
    working = desktop.Recorder()
    assert desktop.remind_once(person, moment + timedelta(minutes=1), working).shown == "desktop"
    assert len(working.shown) == 1 and Reminder.objects.get().state == "sent"


def test_the_real_notifier_says_in_one_line_when_there_is_no_desktop_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(desktop.Unavailable, match="no desktop session here"):
        desktop.DesktopNotifier().show("title", "message")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/backease-test-bus")
    with pytest.raises(desktop.Unavailable, match="did not answer"):
        desktop.DesktopNotifier().show("title", "message")


def test_a_reminder_the_open_web_app_already_showed_is_not_shown_again_on_the_desktop(
    capsys: pytest.CaptureFixture[str], shown: desktop.Recorder
) -> None:
    from backease.reminders import services as reminders

    york(capsys)
    moment = datetime(2026, 11, 2, 19, 1, tzinfo=NEW_YORK)
    due = reminders.due(services.local_owner(), moment)
    web = reminders.claim(services.local_owner(), due.at, "web", moment)  # type: ignore[arg-type]
    assert web is not None
    reminders.mark_sent(web, moment)
    code, out, _ = cli(capsys, "remind", "--now", (moment + timedelta(minutes=1)).isoformat(), "--json")
    assert code == 0 and json.loads(out)["shown"] is None and shown.shown == []


def test_remind_snooze_moves_todays_reminder(
    capsys: pytest.CaptureFixture[str], shown: desktop.Recorder
) -> None:
    york(capsys)
    code, out, _ = cli(capsys, "remind", "--now", "2026-11-02T19:00")
    assert code == 0 and len(shown.shown) == 1
    code, out, _ = cli(capsys, "remind", "--now", "2026-11-02T19:02", "--snooze", "20")
    assert code == 0 and out == "Today's reminder is snoozed until 19:22.\n"
    code, out, _ = cli(capsys, "remind", "--now", "2026-11-02T19:25", "--json")
    assert json.loads(out)["shown"] == "desktop" and len(shown.shown) == 2
    code, _, err = cli(capsys, "remind", "--snooze", "0")
    assert code == 2 and err.startswith("error: --snooze: ")


def test_the_notification_says_where_the_person_is_in_their_programme(shown: desktop.Recorder) -> None:
    from backease.store.programmes import start_programme
    from backease.store.zones import save_time_zone

    person = services.local_owner()
    save_time_zone(person, "America/New_York")
    services.save_profile(person, {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 15})
    services.record_screening(person, {})
    start = datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK)  # a Monday
    start_programme(person, weeks=6, days=["mon", "wed", "fri"], time="19:00", now=start)
    outcome = desktop.remind_once(person, datetime(2026, 11, 2, 19, 0, tzinfo=NEW_YORK))
    assert outcome.shown == "desktop"
    assert shown.shown == [
        (
            desktop.TITLE,
            "Time for your upper back self-care session (planned for 19:00).\n"
            "Week 1 of 6 · session 1 of 3 this week",
        )
    ]
