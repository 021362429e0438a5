"""Each person's time zone (issue 18 item 1): today, weeks, streaks, insights, History,
the calendar file and the report count in it, DST included; stored times stay UTC.

Two people: one in America/New_York (clocks change on 2026-03-08 and 2026-11-01), one in
Asia/Kolkata (UTC+05:30, no clock changes). The site's zone is UTC, so every check here
would come out differently if days were counted in the server's zone.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from backease.cli import stats_commands
from backease.cli.main import run
from backease.core.errors import InputError
from backease.core.zones import LocalTime, check_zone, system_zone_name
from backease.exports.ics import calendar_ics
from backease.exports.report import render_report, report_context
from backease.front import page_cache, player_views
from backease.store import services
from backease.store.models import HistoryTotals, Person, Plan, Session
from backease.store.zones import local_time, person_zone, save_time_zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball", "wall"],
    "minutes": 15,
}


def at(text: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.fixture(autouse=True)
def fresh_page_cache() -> None:
    page_cache.clear()


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    return person


@pytest.fixture
def plan(owner: Person) -> Plan:
    return services.make_plan(owner, seed=3)


def session(owner: Person, plan: Plan, start: datetime, before: int = 6, after: int = 4) -> Session:
    """A session that counts (two minutes of steps), rated before and after."""
    row = services.start_session(owner, plan, now=start)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60)
    services.update_session(row, pain_before=before, pain_after=after)
    row.refresh_from_db()
    if row.status == "running":
        services.finish_session(row, "completed")
    return row


def in_zone(person: Person, name: str) -> Person:
    save_time_zone(person, name)
    person.refresh_from_db()
    return person


# --- the zone itself ---------------------------------------------------------------------------


def test_a_zone_is_an_iana_name_and_anything_else_is_refused_naming_the_field() -> None:
    assert check_zone("time_zone", " Europe/Paris ") == "Europe/Paris"
    for bad in ("", "Mars/Base", "+05:30", "x" * 200, None, 5):
        with pytest.raises(InputError) as error:
            check_zone("time_zone", bad)
        assert error.value.field == "time_zone"


def test_the_terminal_reads_the_computers_zone_from_tz_or_etc_localtime(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Kolkata")
    assert system_zone_name({"TZ": "America/New_York"}, link) == "America/New_York"
    assert system_zone_name({"TZ": ":Europe/Paris"}, link) == "Europe/Paris"
    assert system_zone_name({}, link) == "Asia/Kolkata"
    (tmp_path / "timezone").write_text("Europe/Berlin\n")
    assert system_zone_name({}, tmp_path / "missing") == "Europe/Berlin"
    (tmp_path / "timezone").unlink()
    assert system_zone_name({"TZ": "nonsense"}, tmp_path / "missing") == "UTC"


def test_a_day_on_which_the_clocks_change_is_23_or_25_hours_long() -> None:
    spring = LocalTime.at(at("2026-03-08T12:00", NEW_YORK), NEW_YORK)
    start, end = spring.day_bounds()
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC) and end == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    autumn = LocalTime.at(at("2026-11-01T12:00", NEW_YORK), NEW_YORK)
    start, end = autumn.day_bounds()
    assert end - start == timedelta(hours=25)
    week_start, week_end = autumn.week_bounds()
    assert week_start == datetime(2026, 10, 26, 4, 0, tzinfo=UTC)  # Monday midnight EDT
    assert week_end == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # the next Monday, EST


def test_today_is_the_persons_own_date_across_a_clock_change(owner: Person) -> None:
    in_zone(owner, "America/New_York")
    # 23:30 on Sunday 8 March in New York (just after the clocks went forward) is already
    # Monday 03:30 in UTC.
    moment = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)
    local = local_time(owner, moment)
    assert local.today == date(2026, 3, 8)
    assert local.week_start == date(2026, 3, 2)
    assert local.now.utcoffset() == timedelta(hours=-4)


def test_someone_without_a_chosen_zone_counts_in_the_computers(
    owner: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    assert owner.time_zone == "" and person_zone(owner) == KOLKATA
    monkeypatch.setenv("TZ", "America/New_York")
    assert person_zone(owner.pk) == NEW_YORK


def test_the_browsers_zone_never_overwrites_a_chosen_one(owner: Person) -> None:
    assert save_time_zone(owner, "Asia/Kolkata", only_if_unset=True)
    assert not save_time_zone(owner, "America/New_York", only_if_unset=True)
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Kolkata"
    assert save_time_zone(owner, "America/New_York")
    owner.refresh_from_db()
    assert owner.time_zone == "America/New_York"


# --- weeks, streaks, insights, History -----------------------------------------------------------


def test_a_sunday_evening_session_in_new_york_counts_in_its_own_week(owner: Person, plan: Plan) -> None:
    in_zone(owner, "America/New_York")
    session(owner, plan, at("2026-03-01T20:00", NEW_YORK))  # Sunday 20:00 = Monday 01:00 UTC
    now = at("2026-03-01T21:00", NEW_YORK)
    weeks = services.weekly_counts(owner, weeks=2, now=now)
    assert [(start.date(), n) for start, n in weeks] == [(date(2026, 2, 16), 0), (date(2026, 2, 23), 1)]
    assert weeks[-1][0] == at("2026-02-23T00:00", NEW_YORK)
    found = services.insights(owner, now, weeks=2)
    assert found.adherence.weeks[-1] == (date(2026, 2, 23), 1)
    # A week later it is last week's session, not this week's.
    later = services.insights(owner, at("2026-03-02T09:00", NEW_YORK), weeks=2)
    assert later.adherence.weeks == ((date(2026, 2, 23), 1), (date(2026, 3, 2), 0))


def test_a_monday_morning_session_in_kolkata_starts_the_new_week(owner: Person, plan: Plan) -> None:
    in_zone(owner, "Asia/Kolkata")
    session(owner, plan, at("2026-03-02T03:00", KOLKATA))  # Monday 03:00 = Sunday 21:30 UTC
    now = at("2026-03-02T08:00", KOLKATA)
    assert services.weekly_counts(owner, weeks=1, now=now)[0][1] == 1
    found = services.insights(owner, now, weeks=2)
    assert found.adherence.weeks == ((date(2026, 2, 23), 0), (date(2026, 3, 2), 1))


def test_streaks_count_the_persons_weeks_across_the_spring_clock_change(owner: Person, plan: Plan) -> None:
    in_zone(owner, "America/New_York")
    # Two sessions a week, each on Sunday at 21:30 and the Saturday before: the Sunday
    # ones fall on Monday in UTC, which would split each week's pair across two weeks.
    for sunday in (date(2026, 2, 22), date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 15)):
        session(owner, plan, at(f"{sunday - timedelta(days=1)}T21:30", NEW_YORK))
        session(owner, plan, at(f"{sunday}T21:30", NEW_YORK))
    now = at("2026-03-15T23:00", NEW_YORK)
    found = services.insights(owner, now, weeks=4)
    assert [n for _, n in found.adherence.weeks] == [2, 2, 2, 2]
    assert found.adherence.current_streak == 4 and found.adherence.weeks_meeting_goal == 4


def test_a_session_late_on_the_autumn_change_day_stays_on_that_sunday(owner: Person, plan: Plan) -> None:
    in_zone(owner, "America/New_York")
    # 1 November 2026: the clocks go back at 02:00; 23:30 EST is 04:30 UTC on Monday.
    session(owner, plan, at("2026-11-01T23:30", NEW_YORK))
    now = at("2026-11-01T23:45", NEW_YORK)
    assert local_time(owner, now).today == date(2026, 11, 1)
    assert services.weekly_counts(owner, weeks=1, now=now)[0] == (at("2026-10-26T00:00", NEW_YORK), 1)
    month = services.counted_per_day(owner, date(2026, 11, 1), days=2)
    assert month == {date(2026, 11, 1): 1}


def test_the_running_totals_follow_a_change_of_zone(owner: Person, plan: Plan) -> None:
    in_zone(owner, "America/New_York")
    session(owner, plan, at("2026-03-01T20:00", NEW_YORK))
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert services.weekly_counts(owner, weeks=2, now=now)[0][1] == 1  # week of 23 February
    assert HistoryTotals.objects.get(person=owner).zone == "America/New_York"
    in_zone(owner, "Asia/Kolkata")  # the same instant is Monday 06:30 there
    assert [n for _, n in services.weekly_counts(owner, weeks=2, now=now)] == [0, 1]
    assert HistoryTotals.objects.get(person=owner).zone == "Asia/Kolkata"


def test_history_shows_times_and_the_month_in_the_persons_zone(
    owner: Person, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_zone(owner, "Asia/Kolkata")
    session(owner, plan, datetime(2026, 2, 28, 20, 0, tzinfo=UTC))  # Sunday 1 March, 01:30 in Kolkata
    monkeypatch.setattr(player_views, "clock", lambda: datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    page = Client().get("/history/").content.decode()
    assert "01:30" in page and "20:00" not in page
    assert re.search(r"1 March|Mar(ch)?\.? 1|1 Mar", page), "the session is listed on 1 March"


def test_terminal_stats_count_this_week_in_the_persons_zone(
    owner: Person, plan: Plan, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    in_zone(owner, "Asia/Kolkata")
    session(owner, plan, at("2026-03-02T03:00", KOLKATA))
    monkeypatch.setattr(stats_commands, "clock", lambda: at("2026-03-02T08:00", KOLKATA))
    with pytest.raises(SystemExit) as exit_info:
        run(["stats", "--weeks", "2", "--json"])
    assert exit_info.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["adherence"]["weeks"] == [["2026-02-23", 0], ["2026-03-02", 1]]


# --- the calendar file and the report ---------------------------------------------------------------


def events_in_utc(data: bytes, until: datetime) -> list[datetime]:
    from dateutil.rrule import rrulestr

    event = next(c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT")
    start = event["dtstart"].dt
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    return [moment.astimezone(UTC) for moment in rule.between(start, until, inc=True)]


def test_the_calendar_puts_sessions_at_the_persons_local_time_through_the_clock_change(owner: Person) -> None:
    in_zone(owner, "America/New_York")
    services.save_schedule(owner, ["sun", "mon"], "18:00")
    data = calendar_ics(owner, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    text = data.decode()
    assert "DTSTART;TZID=America/New_York:20260301T180000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/New_York" in text
    instants = events_in_utc(data, datetime(2026, 3, 10, tzinfo=UTC))
    assert instants == [
        datetime(2026, 3, 1, 23, 0, tzinfo=UTC),  # 18:00 EST
        datetime(2026, 3, 2, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 22, 0, tzinfo=UTC),  # 18:00 EDT, after the clocks went forward
        datetime(2026, 3, 9, 22, 0, tzinfo=UTC),
    ]


def test_the_next_planned_day_is_worked_out_in_the_persons_zone(owner: Person) -> None:
    in_zone(owner, "Asia/Kolkata")
    services.save_schedule(owner, ["mon", "wed"], "18:00")
    # Monday 14:00 UTC is 19:30 in Kolkata: Monday's 18:00 has passed there.
    data = calendar_ics(owner, datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    assert "DTSTART;TZID=Asia/Kolkata:20260304T180000" in data.decode()
    assert events_in_utc(data, datetime(2026, 3, 5, tzinfo=UTC)) == [datetime(2026, 3, 4, 12, 30, tzinfo=UTC)]


def test_the_report_counts_weeks_and_shows_times_in_the_persons_zone(owner: Person, plan: Plan) -> None:
    in_zone(owner, "America/New_York")
    session(owner, plan, at("2026-03-01T20:00", NEW_YORK))
    now = at("2026-03-01T21:00", NEW_YORK)
    context = report_context(owner, now)
    assert context["now"].utcoffset() == timedelta(hours=-5)
    assert context["adherence"].weeks[-1] == (date(2026, 2, 23), 1)
    html = render_report(owner, now.astimezone(UTC), for_file=True)
    assert "20:00" in html and "01:00" not in html


# --- changing it: web, API, terminal ---------------------------------------------------------------


def test_the_settings_page_saves_a_valid_zone_and_refuses_others(owner: Person) -> None:
    client = Client()
    page = client.get("/settings/")
    assert page.status_code == 200 and b'name="time_zone"' in page.content
    bad = client.post("/settings/", {"time_zone": "Mars/Base"})
    assert (
        bad.status_code == 400 and b"Time zone: &#x27;Mars/Base&#x27; is not a known time zone" in bad.content
    )
    owner.refresh_from_db()
    assert owner.time_zone == ""
    good = client.post("/settings/", {"time_zone": "Asia/Kolkata"})
    assert good.status_code == 302
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Kolkata"
    assert b"Asia/Kolkata" in client.get(good["Location"]).content


def test_the_browser_sends_its_zone_which_is_kept_only_until_one_is_chosen(owner: Person) -> None:
    client = Client()
    page = client.get("/today/").content.decode()
    assert 'src="/static/front/zone.js' in page and 'data-zone-url="/settings/browser-zone/"' in page
    assert client.post("/settings/browser-zone/", {"time_zone": "Nowhere"}).status_code == 400
    first = client.post("/settings/browser-zone/", {"time_zone": "America/New_York"}).json()
    assert first == {"time_zone": "America/New_York", "changed": True}
    second = client.post("/settings/browser-zone/", {"time_zone": "Asia/Kolkata"}).json()
    assert second == {"time_zone": "America/New_York", "changed": False}


def test_the_api_reads_and_changes_the_zone_and_names_the_field_when_wrong(owner: Person) -> None:
    client = Client()
    token = client.get("/api/csrf").json()["csrf_token"]
    assert client.get("/api/settings").json()["chosen"] is False
    put = client.put(
        "/api/settings",
        {"time_zone": "Asia/Kolkata"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert put.status_code == 200 and put.json() == {"time_zone": "Asia/Kolkata", "chosen": True}
    bad = client.put(
        "/api/settings",
        {"time_zone": "Asia/Nowhere"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "time_zone"
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Kolkata"
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["SettingsIn"]
    assert "Asia/Kolkata" in schema["properties"]["time_zone"]["enum"]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_the_terminal_changes_the_zone_and_shows_times_in_it(
    owner: Person, plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    session(owner, plan, datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    code, out, err = cli(capsys, "settings", "--tz", "Asia/Kolkata")
    assert code == 0 and "Time zone: Asia/Kolkata" in out
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Kolkata"
    code, out, _ = cli(capsys, "history")
    assert code == 0 and "2026-03-02" in out and "01:30" in out and "20:00" not in out, out
    code, out, err = cli(capsys, "settings", "--tz", "Europe/Nowhere")
    assert code == 2 and out == "" and err.count("\n") == 1 and "--tz" in err and "Traceback" not in err
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Kolkata"
    code, out, _ = cli(capsys, "settings", "--json")
    assert json.loads(out)["time_zone"] == "Asia/Kolkata"


def test_stored_times_stay_in_utc(owner: Person, plan: Plan) -> None:
    in_zone(owner, "Asia/Kolkata")
    row = session(owner, plan, at("2026-03-02T03:00", KOLKATA))
    row.refresh_from_db()
    assert row.started_at == datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    assert timezone.is_aware(row.started_at)


@pytest.mark.django_db(transaction=True)
def test_people_stored_before_time_zones_keep_everything_and_count_in_the_default_zone() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("store", "0007_person_user")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    person = old.get_model("store", "Person").objects.create(key="local", name="Before")
    started = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    old.get_model("store", "Session").objects.create(
        person_id=person.pk, started_at=started, status="completed"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    moved = Person.objects.get(pk=person.pk)
    assert (moved.name, moved.time_zone) == ("Before", "")
    assert Session.objects.get(person=moved).started_at == started
